//! マニュアル照会's other side, in the operator console: the operator uploads PDFs with a
//! title and deletes them (`uploads` reads and checks the file). A manual may be for the
//! organizations' 管理者 only (rokin's マスターユーザー); on a portal without マニュアル照会 but with
//! the `asp_accounts` module (shaho) every manual here is the 管理者用操作マニュアル, for 管理者
//! only, shown in アカウント管理. Uploads and deletions are audited.

use crate::operator::{SignedIn, console_path};
use crate::uploads;
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

fn offered(signed: &SignedIn) -> Result<(), AppError> {
    if signed.portal.settings.takes_manuals() { Ok(()) } else { Err(AppError::NotFound) }
}

/// Without マニュアル照会 the only readers are the 管理者 (the 管理者用操作マニュアル): the choice
/// is not offered, and every upload is for them.
fn admins_only_forced(signed: &SignedIn) -> bool {
    !signed.portal.settings.offers(MenuItem::Manuals)
}

#[derive(Template)]
#[template(path = "operator/manuals.html")]
pub struct ManualsPage {
    pub chrome: Chrome,
    pub base: String,
    pub lines: Vec<ManualLine>,
    pub title: String,
    pub admins_only: bool,
    /// Every manual here is the 管理者's (no マニュアル照会 on this portal).
    pub admins_only_forced: bool,
    pub max: String,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}

async fn page(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    (title, admins_only): (String, bool),
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
        admins_only: admins_only || admins_only_forced(signed),
        admins_only_forced: admins_only_forced(signed),
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
    page(&state, &signed, &ctx, (String::new(), false), FieldErrors::default(), notice).await
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
    let Some(upload) = madoguchi_web::files::uploads::read(multipart, max).await else {
        let errors = FieldErrors::field("file", ctx.t.get("op.manuals.err_unreadable"));
        return page(&state, &signed, &ctx, (String::new(), false), errors, None).await;
    };
    let mut errors = FieldErrors::default();
    let title = uploads::title(&upload, &ctx, &mut errors);
    let admins_only = upload.text("admins_only") == "1" || admins_only_forced(&signed);
    let file = uploads::pdf(upload, max, &title, &ctx, &mut errors);
    let Some((name, bytes)) = file.filter(|_| errors.is_empty()) else {
        return page(&state, &signed, &ctx, (title, admins_only), errors, None).await;
    };
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
        admins_only,
    };
    let id = manuals::insert(&mut tx, &new, now).await?;
    let audience = if admins_only { ", admins only" } else { "" };
    let detail = format!("{id} {title} ({name}, {} bytes{audience})", bytes.len());
    audit::record(&mut tx, &entry(&signed, &origin, "manual.uploaded", &actor, &detail), now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{}/manuals?done=uploaded", console_path(&signed.portal))).into_response())
}

pub(crate) fn entry<'a>(
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
