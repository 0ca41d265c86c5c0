//! The contracts' document shelves (ドキュメント, module `asp_accounts`) in the operator
//! console: from 契約の管理, the shelf every contract sees and each contract's own. The
//! operator uploads PDFs (`uploads`: a PDF by its first bytes, ≤ `server.manual_max_bytes`,
//! 20 MiB by default), replaces a document's file (same title, same address, so the accounts'
//! links keep working) and deletes it. Every change is audited, with the contract's
//! organization as subject so that it shows in that organization's events.

use crate::operator::{SignedIn, console_path};
use crate::operator_manuals::entry;
use crate::uploads;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::contracts;
use madoguchi_store::documents::{self, NewFile, Shelf};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::files::{ManualLine, line, pdf_response};
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;
use serde::Deserialize;
use sha2::{Digest, Sha256};

fn offered(signed: &SignedIn) -> Result<(), AppError> {
    if signed.portal.settings.has_document_shelves() { Ok(()) } else { Err(AppError::NotFound) }
}

/// The shelf's own address and how the page names it; 404 for a contract of another portal.
async fn describe(state: &AppState, signed: &SignedIn, ctx: &Ctx, shelf: Shelf) -> Result<(String, String), AppError> {
    let base = console_path(&signed.portal);
    match shelf {
        Shelf::AllContracts => Ok((format!("{base}/contracts/documents"), ctx.t.get("op.docs.all").to_string())),
        Shelf::Contract(id) => {
            let mut conn = state.store.acquire().await?;
            let contract = contracts::by_id(&mut conn, &signed.portal.id, id).await?.ok_or(AppError::NotFound)?;
            let organization =
                contracts::organization_name(&mut conn, contract.organization_id).await?.unwrap_or_default();
            Ok((
                format!("{base}/contracts/{id}/documents"),
                format!("CustomerId {} {organization}", contract.customer_id),
            ))
        }
    }
}

/// The audit subject of a shelf: the contract's organization, so that its events list it.
async fn subject(state: &AppState, signed: &SignedIn, shelf: Shelf) -> Result<Option<String>, AppError> {
    let Shelf::Contract(id) = shelf else { return Ok(None) };
    let mut conn = state.store.acquire().await?;
    let contract = contracts::by_id(&mut conn, &signed.portal.id, id).await?.ok_or(AppError::NotFound)?;
    Ok(Some(format!("organization:{}", contract.organization_id)))
}

pub struct DocumentLine {
    pub file: ManualLine,
    /// The field key of this document's 差し替え form, for its error message.
    pub replace_key: String,
}

#[derive(Template)]
#[template(path = "operator/documents.html")]
pub struct DocumentsPage {
    pub chrome: Chrome,
    pub base: String,
    /// Where the upload form posts: this shelf's address.
    pub shelf_path: String,
    /// One contract's shelf (else: the one every contract sees).
    pub contract: bool,
    pub lines: Vec<DocumentLine>,
    pub title: String,
    pub max: String,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}

async fn page(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    shelf: Shelf,
    title: String,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let (shelf_path, name) = describe(state, signed, ctx, shelf).await?;
    let list = {
        let mut conn = state.store.acquire().await?;
        documents::on_shelf(&mut conn, &signed.portal.id, shelf).await?
    };
    let max = madoguchi_web::files::human_size(state.config.server.manual_max_bytes as i64);
    let heading = format!("{}（{name}）", ctx.t.get("docs.title"));
    Ok(html(&DocumentsPage {
        chrome: ctx.chrome(&heading, Some(&signed.portal), None),
        base: console_path(&signed.portal),
        shelf_path,
        contract: shelf != Shelf::AllContracts,
        lines: list
            .into_iter()
            .map(|d| DocumentLine { replace_key: format!("replace-{}", d.id), file: line(d, ctx) })
            .collect(),
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

fn notice(ctx: &Ctx, query: &DoneQuery) -> Option<String> {
    match query.done.as_str() {
        "uploaded" => Some(ctx.t.get("op.docs.uploaded").to_string()),
        "replaced" => Some(ctx.t.get("op.docs.replaced").to_string()),
        "deleted" => Some(ctx.t.get("form.deleted").to_string()),
        _ => None,
    }
}

pub async fn all_contracts(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    offered(&signed)?;
    page(&state, &signed, &ctx, Shelf::AllContracts, String::new(), FieldErrors::default(), notice(&ctx, &query)).await
}

pub async fn one_contract(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    offered(&signed)?;
    page(&state, &signed, &ctx, Shelf::Contract(id), String::new(), FieldErrors::default(), notice(&ctx, &query)).await
}

pub async fn upload_for_all(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    upload(&state, &signed, &ctx, &origin, Shelf::AllContracts, multipart).await
}

pub async fn upload_for_contract(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    upload(&state, &signed, &ctx, &origin, Shelf::Contract(id), multipart).await
}

async fn upload(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    origin: &Origin,
    shelf: Shelf,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    offered(signed)?;
    let (shelf_path, _) = describe(state, signed, ctx, shelf).await?;
    let max = state.config.server.manual_max_bytes;
    let Some(upload) = madoguchi_web::files::uploads::read(multipart, max).await else {
        let errors = FieldErrors::field("file", ctx.t.get("op.manuals.err_unreadable"));
        return page(state, signed, ctx, shelf, String::new(), errors, None).await;
    };
    let mut errors = FieldErrors::default();
    let title = uploads::title(&upload, ctx, &mut errors);
    let file = uploads::pdf(upload, max, &title, ctx, &mut errors);
    let Some((name, bytes)) = file.filter(|_| errors.is_empty()) else {
        return page(state, signed, ctx, shelf, title, errors, None).await;
    };
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let actor = format!("operator:{}", signed.operator.id);
    let subject = subject(state, signed, shelf).await?;
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let file = NewFile { file_name: &name, sha256: &sha256, content: &bytes, uploaded_by: &actor };
    let id = documents::insert(&mut tx, &signed.portal.id, shelf, &title, &file, now).await?;
    let detail = format!("{id} {title} ({name}, {} bytes)", bytes.len());
    let audit_entry =
        AuditEntry { subject: subject.as_deref(), ..entry(signed, origin, "document.uploaded", &actor, &detail) };
    audit::record(&mut tx, &audit_entry, now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{shelf_path}?done=uploaded")).into_response())
}

/// The operator checks what was uploaded, as the accounts will see it.
pub async fn view(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    offered(&signed)?;
    let mut conn = state.store.acquire().await?;
    let (document, content) = documents::content(&mut conn, &signed.portal.id, id).await?.ok_or(AppError::NotFound)?;
    Ok(pdf_response(&document, content, "inline"))
}

/// A new file for a document: same title, shelf and address.
pub async fn replace(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    offered(&signed)?;
    let document = {
        let mut conn = state.store.acquire().await?;
        documents::by_id(&mut conn, &signed.portal.id, id).await?.ok_or(AppError::NotFound)?
    };
    let shelf = Shelf::of(&document);
    let (shelf_path, _) = describe(&state, &signed, &ctx, shelf).await?;
    let key = format!("replace-{id}");
    let max = state.config.server.manual_max_bytes;
    let Some(upload) = madoguchi_web::files::uploads::read(multipart, max).await else {
        let errors = FieldErrors::field(&key, ctx.t.get("op.manuals.err_unreadable"));
        return page(&state, &signed, &ctx, shelf, String::new(), errors, None).await;
    };
    let mut found = FieldErrors::default();
    let file = uploads::pdf(upload, max, &document.title, &ctx, &mut found);
    let Some((name, bytes)) = file.filter(|_| found.is_empty()) else {
        // The message goes next to this document's 差し替え field, named after the document.
        let mut errors = FieldErrors::default();
        for (_, message) in found.all() {
            errors.add(&key, &format!("{}: {message}", document.title));
        }
        return page(&state, &signed, &ctx, shelf, String::new(), errors, None).await;
    };
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let actor = format!("operator:{}", signed.operator.id);
    let subject = subject(&state, &signed, shelf).await?;
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let file = NewFile { file_name: &name, sha256: &sha256, content: &bytes, uploaded_by: &actor };
    if !documents::replace(&mut tx, &signed.portal.id, id, &file, now).await? {
        return Err(AppError::NotFound);
    }
    let detail = format!("{id} {} ({} → {name}, {} bytes)", document.title, document.file_name, bytes.len());
    let audit_entry =
        AuditEntry { subject: subject.as_deref(), ..entry(&signed, &origin, "document.replaced", &actor, &detail) };
    audit::record(&mut tx, &audit_entry, now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{shelf_path}?done=replaced")).into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    offered(&signed)?;
    let actor = format!("operator:{}", signed.operator.id);
    let now = state.clock.unix();
    let document = {
        let mut conn = state.store.acquire().await?;
        documents::by_id(&mut conn, &signed.portal.id, id).await?.ok_or(AppError::NotFound)?
    };
    let shelf = Shelf::of(&document);
    let (shelf_path, _) = describe(&state, &signed, &ctx, shelf).await?;
    let subject = subject(&state, &signed, shelf).await?;
    let mut tx = state.store.begin().await?;
    if !documents::delete(&mut tx, &signed.portal.id, id).await? {
        return Err(AppError::NotFound);
    }
    let detail = format!("{id} {} ({})", document.title, document.file_name);
    let audit_entry =
        AuditEntry { subject: subject.as_deref(), ..entry(&signed, &origin, "document.deleted", &actor, &detail) };
    audit::record(&mut tx, &audit_entry, now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{shelf_path}?done=deleted")).into_response())
}
