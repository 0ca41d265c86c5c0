//! ドキュメント: the contract's document shelf. The files the vendor hands out with the ASP
//! folders (リモートAPP操作マニュアル, 利用契約約款 …) are uploaded by the operator to one contract
//! or to every contract (console, 契約の管理 ⇒ ドキュメント); every account of the contract lists
//! and downloads them. The contract comes from the signed-in account and is bound in the
//! query (`documents::content_for_contract`), so another contract's document answers 404
//! like one that does not exist, and nobody learns which ids exist.

use crate::account::{base, entry, uses_asp_accounts};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_store::audit;
use madoguchi_store::documents;
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::files::{ManualLine, line, pdf_response};
use madoguchi_web::pages::html;
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;

/// The contract whose shelf the account reads; none: the account is of no contract.
fn contract_of(current: &CurrentUser) -> Result<i64, AppError> {
    uses_asp_accounts(current)?;
    current.user.contract_id.ok_or(AppError::NotFound)
}

pub struct DocumentLine {
    pub file: ManualLine,
    /// For every contract, or for this contract only.
    pub shared: bool,
}

#[derive(Template)]
#[template(path = "asp_accounts/documents.html")]
pub struct DocumentsPage {
    pub chrome: Chrome,
    pub base: String,
    pub lines: Vec<DocumentLine>,
}

pub async fn list(State(state): State<AppState>, current: CurrentUser, ctx: Ctx) -> Result<Response, AppError> {
    let contract = contract_of(&current)?;
    if current.needs_asp_link() {
        return Ok(Redirect::to(&format!("{}/link", base(&current))).into_response());
    }
    let shelf = {
        let mut conn = state.store.acquire().await?;
        documents::of_contract(&mut conn, &current.portal.id, contract).await?
    };
    let lines =
        shelf.into_iter().map(|d| DocumentLine { shared: d.contract_id.is_none(), file: line(d, &ctx) }).collect();
    Ok(html(&DocumentsPage {
        chrome: ctx.chrome(ctx.t.get("docs.title"), Some(&current.portal), Some(Screen::Documents)),
        base: base(&current),
        lines,
    })?
    .into_response())
}

pub async fn download(
    State(state): State<AppState>,
    current: CurrentUser,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let contract = contract_of(&current)?;
    if current.needs_asp_link() {
        return Err(AppError::NotFound);
    }
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let (document, content) =
        documents::content_for_contract(&mut tx, &current.portal.id, contract, id).await?.ok_or(AppError::NotFound)?;
    let subject = format!("user:{}", current.user.id);
    let detail = format!("{} {}", document.id, document.title);
    audit::record(&mut tx, &entry(&current, &origin, "document.downloaded", &subject, Some(&detail)), now).await?;
    tx.commit().await?;
    Ok(pdf_response(&document, content, "attachment"))
}
