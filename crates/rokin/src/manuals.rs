//! マニュアル照会 (rokin: メニュー ⇒ 共通機能 ⇒ マニュアル照会): the PDFs the operator uploaded
//! (操作マニュアル, 帳票 such as the ログインＩＤ／パスワード依頼書), read in the browser or
//! downloaded under their own Japanese file names. Every user of the portal may read them,
//! except those the operator marked for the マスターユーザー (管理者) alone, which the queries
//! keep from general users; each opening is audited, so it shows in the organization's 操作ログ照会.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use madoguchi_core::portal::MenuItem;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::manuals::{self, Reader};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::files::{ManualLine, line, pdf_response};
use madoguchi_web::pages::html;
use madoguchi_web::pages::information::{MenuView, gate, menu};
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;

#[derive(Template)]
#[template(path = "portal/manuals.html")]
pub struct ManualsPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub base: String,
    pub lines: Vec<ManualLine>,
}

pub async fn list(State(state): State<AppState>, current: CurrentUser, ctx: Ctx) -> Result<Response, AppError> {
    if let Some(response) = gate(&state, &current, MenuItem::Manuals) {
        return Ok(response);
    }
    let list = {
        let mut conn = state.store.acquire().await?;
        manuals::readable(&mut conn, &current.portal.id, Reader::of_role(&current.user.role)).await?
    };
    Ok(html(&ManualsPage {
        chrome: ctx.chrome(ctx.t.get("menu.manuals"), Some(&current.portal), Some(Screen::Manuals)),
        menu: menu(&current, &ctx),
        base: format!("/{}/manuals", current.portal.id),
        lines: list.into_iter().map(|m| line(m, &ctx)).collect(),
    })?
    .into_response())
}

async fn open(
    state: &AppState,
    current: &CurrentUser,
    origin: &Origin,
    id: i64,
    kind: &'static str,
) -> Result<Response, AppError> {
    if let Some(response) = gate(state, current, MenuItem::Manuals) {
        return Ok(response);
    }
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let reader = Reader::of_role(&current.user.role);
    let (manual, content) =
        manuals::readable_content(&mut tx, &current.portal.id, id, reader).await?.ok_or(AppError::NotFound)?;
    let subject = format!("user:{}", current.user.id);
    let detail = format!("{} ({kind})", manual.title);
    let entry = AuditEntry {
        portal: &current.portal.id,
        event: "manual.downloaded",
        actor: Some(&subject),
        subject: Some(&subject),
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail: Some(&detail),
    };
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(pdf_response(&manual, content, kind))
}

pub async fn view(
    State(state): State<AppState>,
    current: CurrentUser,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    open(&state, &current, &origin, id, "inline").await
}

pub async fn download(
    State(state): State<AppState>,
    current: CurrentUser,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    open(&state, &current, &origin, id, "attachment").await
}
