//! マニュアル照会 (rokin: メニュー ⇒ 共通機能 ⇒ マニュアル照会): the PDFs the operator uploaded
//! (操作マニュアル, 帳票 such as the ログインＩＤ／パスワード依頼書), read in the browser or
//! downloaded under their own Japanese file names. Every user of the portal may read them;
//! each opening is audited, so it shows in the organization's 操作ログ照会.

use super::html;
use super::information::{MenuView, gate, menu};
use super::login::format_ts;
use crate::ctx::{Chrome, Ctx, Origin};
use crate::error::AppError;
use crate::screens::Screen;
use crate::session::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use madoguchi_core::portal::MenuItem;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::manuals;

pub struct ManualLine {
    pub id: i64,
    pub title: String,
    pub file_name: String,
    pub size: String,
    pub uploaded: String,
}

/// A size as people read it: 「1.2 MB」, 「35 KB」.
pub(crate) fn human_size(bytes: i64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    let b = bytes as f64;
    if b >= MB { format!("{:.1} MB", b / MB) } else { format!("{} KB", (bytes + 1023) / 1024) }
}

pub(crate) fn line(m: manuals::Manual, ctx: &Ctx) -> ManualLine {
    ManualLine {
        id: m.id,
        title: m.title,
        file_name: m.file_name,
        size: human_size(m.size),
        uploaded: format_ts(m.uploaded_at, ctx.lang),
    }
}

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
        manuals::list(&mut conn, &current.portal.id).await?
    };
    Ok(html(&ManualsPage {
        chrome: ctx.chrome(ctx.t.get("menu.manuals"), Some(&current.portal), Some(Screen::Manuals)),
        menu: menu(&current, &ctx),
        base: format!("/{}/manuals", current.portal.id),
        lines: list.into_iter().map(|m| line(m, &ctx)).collect(),
    })?
    .into_response())
}

/// `Content-Disposition` with the file's own name (RFC 6266): an ASCII `filename` for old
/// clients and the UTF-8 `filename*` (RFC 5987) that every current browser prefers.
pub(crate) fn content_disposition(kind: &str, file_name: &str) -> String {
    let fallback: String =
        file_name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' { c } else { '_' }).collect();
    let mut encoded = String::new();
    for byte in file_name.bytes() {
        // RFC 5987 attr-char: ALPHA DIGIT ! # $ & + - . ^ _ ` | ~ stay as they are.
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// The PDF itself: shown in the browser (`inline`) or saved (`attachment`).
pub(crate) fn pdf_response(manual: &manuals::Manual, content: Vec<u8>, kind: &str) -> Response {
    let mut response = content.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(value) = HeaderValue::from_str(&content_disposition(kind, &manual.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", manual.sha256)) {
        h.insert(header::ETAG, value);
    }
    // The pages' strict policy (`security::headers`: object-src 'none' …) stays on the PDF:
    // Chromium's built-in viewer shows it all the same (checked with Chromium 156, headless),
    // and `nosniff` keeps it from ever being read as anything but a PDF.
    response
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
    let (manual, content) = manuals::content(&mut tx, &current.portal.id, id).await?.ok_or(AppError::NotFound)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_file_names_are_encoded_for_every_browser() {
        assert_eq!(
            content_disposition("attachment", "操作マニュアル.pdf"),
            "attachment; filename=\"_______.pdf\"; filename*=UTF-8''%E6%93%8D%E4%BD%9C%E3%83%9E%E3%83%8B%E3%83%A5%E3%82%A2%E3%83%AB.pdf"
        );
        assert_eq!(
            content_disposition("inline", "a \"b\".pdf"),
            "inline; filename=\"a__b_.pdf\"; filename*=UTF-8''a%20%22b%22.pdf"
        );
        assert_eq!(human_size(1536), "2 KB");
        assert_eq!(human_size(3 * 1024 * 1024 / 2), "1.5 MB");
    }
}
