//! The 管理者用操作マニュアル: 「「管理者用操作マニュアル」は、「アカウント管理」メニューからログイン
//! することでダウンロードできます。」 (the manual). The operator uploads it in the console's
//! マニュアル管理 (on a portal with this module every manual there is for 管理者 only); アカウント
//! 管理 links it, and the download answers only the contract's 管理者. Another account of the
//! contract gets no link and a 403 page that says why; the query itself asks for a 管理者's
//! manual (`manuals::Reader::Admin`), so nothing else is ever served from this address.

use crate::account::{ADMIN, base, entry, uses_asp_accounts};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use madoguchi_store::Conn;
use madoguchi_store::audit;
use madoguchi_store::manuals::{self, Manual, Reader};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::files::pdf_response;
use madoguchi_web::pages::html;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;

/// The manuals a 管理者 sees in アカウント管理.
pub(crate) async fn admin_manuals(conn: &mut Conn, current: &CurrentUser) -> Result<Vec<Manual>, AppError> {
    let all = manuals::readable(conn, &current.portal.id, Reader::Admin).await?;
    Ok(all.into_iter().filter(|m| m.admins_only).collect())
}

#[derive(Template)]
#[template(path = "asp_accounts/forbidden.html")]
pub struct ForbiddenPage {
    pub chrome: Chrome,
    pub message: String,
    pub home: String,
}

/// 403 with a page in the user's language: the account is signed in and of the contract, but
/// this is the 管理者's.
pub(crate) fn admins_only(current: &CurrentUser, ctx: &Ctx, title_key: &str) -> Result<Response, AppError> {
    let page = ForbiddenPage {
        chrome: ctx.chrome(ctx.t.get(title_key), Some(&current.portal), None),
        message: ctx.t.get("acct.admins_only").to_string(),
        home: format!("{}/home", base(current)),
    };
    Ok((StatusCode::FORBIDDEN, html(&page)?).into_response())
}

pub async fn download(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    uses_asp_accounts(&current)?;
    // Only accounts of a contract, past their ASP link, get this far (as アカウント管理).
    if current.user.contract_id.is_none() || current.needs_asp_link() {
        return Err(AppError::NotFound);
    }
    if current.user.role != ADMIN {
        return admins_only(&current, &ctx, "acct.admin_manual");
    }
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let (manual, content) = manuals::readable_content(&mut tx, &current.portal.id, id, Reader::Admin)
        .await?
        .filter(|(m, _)| m.admins_only)
        .ok_or(AppError::NotFound)?;
    let subject = format!("user:{}", current.user.id);
    let detail = format!("{} (attachment)", manual.title);
    audit::record(&mut tx, &entry(&current, &origin, "manual.downloaded", &subject, Some(&detail)), now).await?;
    tx.commit().await?;
    Ok(pdf_response(&manual, content, "attachment"))
}
