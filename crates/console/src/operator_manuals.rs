//! マニュアル照会's other side, in the operator console: the operator uploads PDFs with a
//! title and deletes them. A file is taken only when it is a PDF by its first bytes (`%PDF-`,
//! whatever its name or declared type says) and no larger than `server.manual_max_bytes`.
//! The form is `multipart/form-data`; its CSRF token is checked by the same middleware as
//! every other form (`security::csrf` reads the `_csrf` part). Uploads and deletions are
//! audited.

use crate::operator::{SignedIn, console_path};
use askama::Template;
use axum::Form;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_core::portal::MenuItem;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::manuals::{self, NewManual};
use madoguchi_web::confirm::{self, Confirmation, StepForm};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::files::{ManualLine, line, pdf_response};
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;
use serde::Deserialize;
use sha2::{Digest, Sha256};

const TITLE_MAX: usize = 100;
const FILE_NAME_MAX: usize = 150;

fn offered(signed: &SignedIn) -> Result<(), AppError> {
    if signed.portal.settings.offers(MenuItem::Manuals) { Ok(()) } else { Err(AppError::NotFound) }
}

#[derive(Template)]
#[template(path = "operator/manuals.html")]
pub struct ManualsPage {
    pub chrome: Chrome,
    pub base: String,
    pub lines: Vec<ManualLine>,
    pub title: String,
    pub max: String,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}

async fn page(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    title: String,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let list = {
        let mut conn = state.store.acquire().await?;
        manuals::list(&mut conn, &signed.portal.id).await?
    };
    let max = madoguchi_web::files::human_size(state.config.server.manual_max_bytes as i64);
    Ok(html(&ManualsPage {
        chrome: ctx.chrome(ctx.t.get("op.manuals.title"), Some(&signed.portal), None),
        base: console_path(&signed.portal),
        lines: list.into_iter().map(|m| line(m, ctx)).collect(),
        title,
        max,
        errors,
        notice,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    offered(&signed)?;
    let notice = match query.done.as_str() {
        "uploaded" => Some(ctx.t.get("op.manuals.uploaded").to_string()),
        "deleted" => Some(ctx.t.get("form.deleted").to_string()),
        _ => None,
    };
    page(&state, &signed, &ctx, String::new(), FieldErrors::default(), notice).await
}

/// The uploaded file's own name, kept for the download: the last part of whatever path the
/// browser sent, without control characters, shortened, and ending in `.pdf`.
fn file_name(raw: &str, title: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim();
    let stem = if clean.is_empty() { title } else { clean };
    let mut name: String = stem.chars().take(FILE_NAME_MAX).collect();
    if !name.to_lowercase().ends_with(".pdf") {
        name.push_str(".pdf");
    }
    name
}

/// What the form sent: the title, and the file's name and bytes (None: no file part; the
/// bool: it was cut at the limit).
struct Upload {
    title: String,
    file: Option<(String, Vec<u8>)>,
    too_large: bool,
}

async fn read(multipart: &mut Multipart, max: usize) -> Result<Upload, axum::extract::multipart::MultipartError> {
    let mut upload = Upload { title: String::new(), file: None, too_large: false };
    while let Some(mut field) = multipart.next_field().await? {
        match field.name() {
            Some("title") => upload.title = field.text().await?,
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_string();
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await? {
                    if bytes.len() + chunk.len() > max {
                        upload.too_large = true;
                        break;
                    }
                    bytes.extend_from_slice(&chunk);
                }
                upload.file = Some((name, bytes));
            }
            // `_csrf` was checked before the handler; anything else is not ours.
            _ => {}
        }
    }
    Ok(upload)
}

pub async fn upload(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    offered(&signed)?;
    let max = state.config.server.manual_max_bytes;
    let read = match multipart {
        Ok(mut multipart) => read(&mut multipart, max).await.map_err(|e| e.to_string()),
        // Not multipart at all (a hand-made request): the same page, not axum's plain text.
        Err(rejection) => Err(rejection.body_text()),
    };
    let upload = match read {
        Ok(upload) => upload,
        Err(error) => {
            tracing::info!(%error, "an upload that is not readable multipart");
            let errors = FieldErrors::field("file", ctx.t.get("op.manuals.err_unreadable"));
            return page(&state, &signed, &ctx, String::new(), errors, None).await;
        }
    };
    let title = upload.title.trim().to_string();
    let mut errors = FieldErrors::default();
    if title.is_empty() {
        errors.add("title", ctx.t.get("op.manuals.err_title"));
    } else if title.chars().count() > TITLE_MAX {
        errors.add("title", ctx.t.get("op.manuals.err_title_long"));
    }
    let limit = madoguchi_web::files::human_size(max as i64);
    match &upload.file {
        _ if upload.too_large => errors.add("file", &ctx.t.get("op.manuals.err_large").replace("{max}", &limit)),
        Some((_, bytes)) if !bytes.is_empty() && !bytes.starts_with(b"%PDF-") => {
            errors.add("file", ctx.t.get("op.manuals.err_not_pdf"))
        }
        Some((_, bytes)) if !bytes.is_empty() => {}
        _ => errors.add("file", ctx.t.get("op.manuals.err_file")),
    }
    let Some((raw_name, bytes)) = upload.file.filter(|_| errors.is_empty()) else {
        return page(&state, &signed, &ctx, title, errors, None).await;
    };
    let name = file_name(&raw_name, &title);
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let actor = format!("operator:{}", signed.operator.id);
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let new = NewManual {
        portal: &signed.portal.id,
        title: &title,
        file_name: &name,
        sha256: &sha256,
        content: &bytes,
        uploaded_by: &actor,
    };
    let id = manuals::insert(&mut tx, &new, now).await?;
    let detail = format!("{id} {title} ({name}, {} bytes)", bytes.len());
    audit::record(&mut tx, &entry(&signed, &origin, "manual.uploaded", &actor, &detail), now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{}/manuals?done=uploaded", console_path(&signed.portal))).into_response())
}

fn entry<'a>(
    signed: &'a SignedIn,
    origin: &'a Origin,
    event: &'a str,
    actor: &'a str,
    detail: &'a str,
) -> AuditEntry<'a> {
    AuditEntry {
        portal: &signed.portal.id,
        event,
        actor: Some(actor),
        subject: None,
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail: Some(detail),
    }
}

/// The operator checks what was uploaded, as a user would see it.
pub async fn view(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    offered(&signed)?;
    let mut conn = state.store.acquire().await?;
    let (manual, content) = manuals::content(&mut conn, &signed.portal.id, id).await?.ok_or(AppError::NotFound)?;
    Ok(pdf_response(&manual, content, "inline"))
}

/// 削除's confirmation, naming the manual; 「キャンセル」 returns to the list.
async fn delete_confirmation(state: &AppState, signed: &SignedIn, ctx: &Ctx, id: i64) -> Result<Response, AppError> {
    let manual = {
        let mut conn = state.store.acquire().await?;
        manuals::by_id(&mut conn, &signed.portal.id, id).await?.ok_or(AppError::NotFound)?
    };
    let base = console_path(&signed.portal);
    let line = line(manual, ctx);
    let confirmation =
        Confirmation::new(ctx, ctx.t.get("op.manuals.delete_confirm"), format!("{base}/manuals/{id}/delete"))
            .fact(ctx.t.get("manuals.title_col"), line.title)
            .fact(ctx.t.get("manuals.file"), line.file_name)
            .fact(ctx.t.get("manuals.uploaded"), line.uploaded)
            .buttons(ctx.t.get("form.delete"), ctx.t.get("form.cancel"))
            .no_link(format!("{base}/manuals"))
            .danger();
    Ok(confirm::page(ctx, ctx.t.get("op.manuals.title"), Some(&signed.portal), None, confirmation)?.into_response())
}

pub async fn delete_form(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    offered(&signed)?;
    delete_confirmation(&state, &signed, &ctx, id).await
}

pub async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
    Form(form): Form<StepForm>,
) -> Result<Response, AppError> {
    offered(&signed)?;
    if !form.confirmed() {
        return delete_confirmation(&state, &signed, &ctx, id).await;
    }
    let now = state.clock.unix();
    let actor = format!("operator:{}", signed.operator.id);
    let mut tx = state.store.begin().await?;
    let manual = manuals::by_id(&mut tx, &signed.portal.id, id).await?.ok_or(AppError::NotFound)?;
    if !manuals::delete(&mut tx, &signed.portal.id, id).await? {
        return Err(AppError::NotFound);
    }
    let detail = format!("{id} {} ({})", manual.title, manual.file_name);
    audit::record(&mut tx, &entry(&signed, &origin, "manual.deleted", &actor, &detail), now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{}/manuals?done=deleted", console_path(&signed.portal))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_their_japanese_and_lose_their_path() {
        assert_eq!(file_name("操作マニュアル【事業主編】.pdf", "t"), "操作マニュアル【事業主編】.pdf");
        assert_eq!(file_name("C:\\Users\\rokin\\依頼書.PDF", "t"), "依頼書.PDF");
        assert_eq!(file_name("../../etc/passwd", "t"), "passwd.pdf");
        assert_eq!(file_name("", "ログインＩＤ／パスワード依頼書"), "ログインＩＤ／パスワード依頼書.pdf");
        assert_eq!(file_name("a\u{7}b.pdf", "t"), "ab.pdf");
    }
}
