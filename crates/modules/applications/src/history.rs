//! The seeker's 応募履歴 (jrec-in §1.8.4): every filed application, newest first, with the
//! 応募状況 as the seeker may see it — the last status the institution told (通知する) or the
//! system set (応募中, 再提出待ち, 再提出済), never one set silently and never the 求人機関備考.
//! An application's page shows what was sent; while 再提出待ち it offers 「応募書類を再提出する」
//! (one new document, the same rules as the first), and only then: a post in any other status
//! is refused and changes nothing.

use crate::apply::seeker_chrome;
use crate::store::{self, Application};
use crate::{ACCEPT, PURPOSE, mails, read_limit, seeker_base};
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_mail::MailKind;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::files::{self, NewFile};
use madoguchi_web::ctx::{Chrome, Ctx, Origin, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::files::{human_size, uploads};
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::session::{CurrentSeeker, CurrentUser};
use madoguchi_web::state::AppState;
use serde::Deserialize;

pub struct Row {
    pub receipt_id: String,
    pub href: String,
    pub data_number: String,
    pub title: String,
    pub applied: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "applications/history.html")]
pub struct HistoryPage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub base: String,
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "applications/seeker_detail.html")]
pub struct DetailPage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub base: String,
    pub notice: Option<String>,
    pub app: Application,
    pub applied: String,
    pub status: String,
    pub posting_href: String,
    /// 再提出待ち: the form for the new document.
    pub resubmit: Option<String>,
    /// While no final status is set: 「応募を辞退する」 (`withdraw`).
    pub withdraw: Option<String>,
    pub max: String,
    pub types: String,
}

fn applied(app: &Application, ctx: &Ctx) -> String {
    app.applied_at.map(|at| format_ts(at, ctx.lang)).unwrap_or_default()
}

pub async fn list(
    State(state): State<AppState>,
    CurrentSeeker(current): CurrentSeeker,
    ctx: Ctx,
) -> Result<Response, AppError> {
    let portal = &current.portal;
    let base = seeker_base(portal);
    let apps = {
        let mut conn = state.store.acquire().await?;
        store::list_of_seeker(&mut conn, &portal.id, current.user.id).await?
    };
    let rows = apps
        .iter()
        .map(|a| Row {
            receipt_id: a.receipt_id.clone().unwrap_or_default(),
            href: format!("{base}/applications/{}", a.id),
            data_number: a.data_number.clone(),
            title: a.title.clone(),
            applied: applied(a, &ctx),
            status: ctx.t.get(a.seeker_status.key()).to_string(),
        })
        .collect();
    let page = HistoryPage {
        chrome: seeker_chrome(&ctx, portal, ctx.t.get("app.history.title")),
        errors: FieldErrors::default(),
        base,
        rows,
    };
    Ok(html(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    done: String,
}

pub(crate) fn detail_page(
    ctx: &Ctx,
    current: &CurrentUser,
    app: Application,
    notice: Option<String>,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let portal = &current.portal;
    let base = seeker_base(portal);
    let resubmit =
        (app.status.takes_new_document() && !app.purged()).then(|| format!("{base}/applications/{}/resubmit", app.id));
    let page = DetailPage {
        chrome: seeker_chrome(ctx, portal, ctx.t.get("app.seeker_detail.title")),
        errors,
        notice,
        applied: applied(&app, ctx),
        // What the seeker is shown is the told status, except 再提出待ち, which is always told.
        status: ctx.t.get(app.seeker_status.key()).to_string(),
        posting_href: format!("/{}/postings/{}", portal.id, app.posting_id),
        resubmit,
        withdraw: app.status.seeker_may_withdraw().then(|| format!("{base}/applications/{}/withdraw", app.id)),
        max: human_size(i64::try_from(ACCEPT.max_bytes).unwrap_or(i64::MAX)),
        types: ACCEPT.labels(ctx.t.get("files.types_separator")),
        base,
        app,
    };
    Ok(html(&page)?.into_response())
}

fn id_of(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

pub async fn detail(
    State(state): State<AppState>,
    CurrentSeeker(current): CurrentSeeker,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<DetailQuery>,
) -> Result<Response, AppError> {
    let id = id_of(&id)?;
    let app = {
        let mut conn = state.store.acquire().await?;
        store::of_seeker(&mut conn, &current.portal.id, current.user.id, id).await?.ok_or(AppError::NotFound)?
    };
    let notice = match query.done.as_str() {
        "filed" => Some(ctx.t.get("app.apply.done").to_string()),
        "resubmitted" => Some(ctx.t.get("app.resubmit.done").to_string()),
        "withdrawn" => Some(ctx.t.get("app.withdraw.done").to_string()),
        _ => None,
    };
    detail_page(&ctx, &current, app, notice, FieldErrors::default())
}

pub async fn resubmit(
    State(state): State<AppState>,
    CurrentSeeker(current): CurrentSeeker,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let id = id_of(&id)?;
    let portal = current.portal.clone();
    let app = {
        let mut conn = state.store.acquire().await?;
        store::of_seeker(&mut conn, &portal.id, current.user.id, id).await?.ok_or(AppError::NotFound)?
    };
    if !app.status.takes_new_document() || app.purged() {
        // A forged or stale post: only 再提出待ち takes a new document, and not once the
        // retention period is over (a new document would outlive the purge).
        let key = if app.purged() { "app.resubmit.purged" } else { "app.resubmit.not_asked" };
        let errors = FieldErrors::form(ctx.t.get(key));
        let mut response = detail_page(&ctx, &current, app, None, errors)?;
        *response.status_mut() = StatusCode::CONFLICT;
        return Ok(response);
    }
    let Some(mut upload) = uploads::read(multipart, read_limit()).await else {
        let errors = FieldErrors::field("file", ctx.t.get("files.err_unreadable"));
        return detail_page(&ctx, &current, app, None, errors);
    };
    let accepted = match upload.check(&ACCEPT, ctx.t.get("app.apply.document")) {
        Ok((accepted, _)) => accepted,
        Err(e) => {
            let errors = FieldErrors::field("file", &uploads::message(&e, ctx.t));
            return detail_page(&ctx, &current, app, None, errors);
        }
    };
    let Some((_, bytes)) = upload.take_file() else {
        return detail_page(&ctx, &current, app, None, FieldErrors::field("file", ctx.t.get("files.err_missing")));
    };
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let new = NewFile {
        portal: &portal.id,
        owner_organization_id: Some(app.organization_id),
        owner_user_id: Some(current.user.id),
        purpose: PURPOSE,
        name: &accepted.name,
        media_type: accepted.media_type.mime(),
        content: &bytes,
    };
    let stored = files::insert(&mut tx, &new, now).await?;
    if !store::resubmit(&mut tx, &app, stored.id, now).await? {
        // Changed since it was read (the institution moved it on): nothing is kept.
        drop(tx);
        return Ok(Redirect::to(&format!("{}/applications/{id}", seeker_base(&portal))).into_response());
    }
    // The replaced document goes: an application has one.
    files::delete(&mut tx, &portal.id, app.file_id).await?;
    let app = store::of_seeker(&mut tx, &portal.id, current.user.id, id).await?.ok_or(AppError::NotFound)?;
    let subject = format!("organization:{}", app.organization_id);
    let actor = format!("user:{}", current.user.id);
    let detail = app.receipt_id.clone().unwrap_or_default();
    let entry = audit_entry(&portal, &origin, "application.resubmitted", Some(&subject), Some(&detail));
    audit::record(&mut tx, &AuditEntry { actor: Some(&actor), ..entry }, now).await?;
    let contact = crate::posting(&state, &mut tx, &portal.id, app.posting_id).await?.and_then(|p| p.contact_email);
    mails::to_institution(&state, &mut tx, &portal, &app, contact.as_deref(), MailKind::ApplicationResubmitted).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(Redirect::to(&format!("{}/applications/{id}?done=resubmitted", seeker_base(&portal))).into_response())
}
