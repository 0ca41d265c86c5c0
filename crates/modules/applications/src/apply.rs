//! Web応募 (jrec-in §1.8.3): 「Web応募する」 on a posting → the form (the account's 氏名 and
//! メールアドレス shown; フリガナ, 電話番号, 現所属, a message and exactly one document typed) →
//! the confirmation with the manual's notes → 「応募する」 ⇒ 応募受付ID, 応募中, a mail to each
//! side.
//!
//! The upload writes a draft (the document stored, status `draft`), so the confirmation reads
//! it back and nothing is lost between the two; 「戻る」 shows the form with the draft's values
//! and its document kept unless a new one is chosen. 「応募する」 files the draft of the
//! version the confirmation showed: a second press finds it filed and only shows the result.
//! One application per seeker and posting (the unique row): a filed one is not filed again.

use crate::store::{self, Applicant, Application, PostingRef};
use crate::{ACCEPT, PURPOSE, mails, posting, read_limit, receipt, rules, seeker_base};
use askama::Template;
use axum::Form;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_core::Portal;
use madoguchi_mail::MailKind;
use madoguchi_store::files::{self, NewFile};
use madoguchi_store::{Conn, audit};
use madoguchi_web::applying::PostingFacts;
use madoguchi_web::ctx::{Chrome, Ctx, Origin, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::files::{human_size, uploads};
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::session::{CurrentSeeker, CurrentUser};
use madoguchi_web::state::AppState;
use serde::Deserialize;

/// The chrome of a seeker's page: the header names the seekers' side.
pub fn seeker_chrome(ctx: &Ctx, portal: &Portal, title: &str) -> Chrome {
    let mut chrome = ctx.chrome(title, Some(portal), None);
    if let (Some(bar), Some(name)) = (chrome.portal.as_mut(), portal.settings.seekers.name.as_ref()) {
        bar.name = name.get(ctx.lang).to_string();
    }
    chrome
}

/// The posting as the pages name it.
pub struct PostingView {
    pub data_number: String,
    pub title: String,
    pub organization: String,
    pub end_date: String,
    pub href: String,
}

fn posting_view(portal: &Portal, p: &PostingFacts) -> PostingView {
    PostingView {
        data_number: p.data_number.clone(),
        title: p.title.clone(),
        organization: p.organization_name.clone(),
        end_date: p.end_date.clone(),
        href: format!("/{}/postings/{}", portal.id, p.id),
    }
}

/// The form's values, as typed or as the draft has them.
#[derive(Default, Clone)]
pub struct Typed {
    pub furigana: String,
    pub phone: String,
    pub affiliation: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "applications/apply.html")]
pub struct ApplyPage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub base: String,
    pub posting: PostingView,
    pub name: String,
    pub email: String,
    pub typed: Typed,
    /// The draft's document, kept unless another is chosen.
    pub current_file: Option<String>,
    pub max: String,
    pub types: String,
}

#[derive(Template)]
#[template(path = "applications/refused.html")]
pub struct RefusedPage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub base: String,
    pub message: String,
    pub posting: Option<PostingView>,
    /// The seeker's own filed application to the posting.
    pub application: Option<String>,
}

#[derive(Template)]
#[template(path = "applications/confirm.html")]
pub struct ConfirmPage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub base: String,
    pub posting: PostingView,
    pub app: Application,
    pub size: String,
    pub action: String,
}

fn posting_id(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// Why a seeker may not apply (now), as the page says it.
enum Closed {
    /// Not Web応募, ended, withdrawn, not public.
    NotOpen(PostingFacts),
    /// Filed already: one application per posting.
    Filed(PostingFacts, Box<Application>),
}

/// The posting and the seeker's own draft, or why not; 404 for an unknown posting.
async fn open(
    state: &AppState,
    conn: &mut Conn,
    current: &CurrentUser,
    id: i64,
) -> Result<Result<(PostingFacts, Option<Application>), Closed>, AppError> {
    let portal = &current.portal.id;
    let Some(p) = posting(state, conn, portal, id).await? else {
        return Err(AppError::NotFound);
    };
    let own = store::of_seeker_for_posting(conn, portal, current.user.id, id).await?;
    if let Some(app) = own.clone().filter(|a| a.status != crate::status::Status::Draft) {
        return Ok(Err(Closed::Filed(p, Box::new(app))));
    }
    if !p.accepts_applications(state.clock.unix()) {
        return Ok(Err(Closed::NotOpen(p)));
    }
    Ok(Ok((p, own)))
}

fn refused(ctx: &Ctx, current: &CurrentUser, closed: Closed) -> Result<Response, AppError> {
    let portal = &current.portal;
    let base = seeker_base(portal);
    let (key, p, application) = match closed {
        Closed::NotOpen(p) => ("app.apply.not_open", p, None),
        Closed::Filed(p, a) => ("app.apply.already", p, Some(format!("{base}/applications/{}", a.id))),
    };
    let page = RefusedPage {
        chrome: seeker_chrome(ctx, portal, ctx.t.get("app.apply.title")),
        errors: FieldErrors::default(),
        base,
        message: ctx.t.get(key).to_string(),
        posting: Some(posting_view(portal, &p)),
        application,
    };
    Ok((StatusCode::CONFLICT, html(&page)?).into_response())
}

fn form_page(
    ctx: &Ctx,
    current: &CurrentUser,
    p: &PostingFacts,
    typed: Typed,
    current_file: Option<String>,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let portal = &current.portal;
    let page = ApplyPage {
        chrome: seeker_chrome(ctx, portal, ctx.t.get("app.apply.title")),
        errors,
        base: seeker_base(portal),
        posting: posting_view(portal, p),
        name: current.user.name.clone(),
        email: current.user.email.clone(),
        typed,
        current_file,
        max: human_size(i64::try_from(ACCEPT.max_bytes).unwrap_or(i64::MAX)),
        types: ACCEPT.labels(ctx.t.get("files.types_separator")),
    };
    Ok(html(&page)?.into_response())
}

fn typed_of(app: &Application) -> Typed {
    Typed {
        furigana: app.furigana.clone(),
        phone: app.phone.clone(),
        affiliation: app.affiliation.clone(),
        message: app.message.clone(),
    }
}

pub async fn form(
    State(state): State<AppState>,
    CurrentSeeker(current): CurrentSeeker,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = posting_id(&id)?;
    let mut conn = state.store.acquire().await?;
    match open(&state, &mut conn, &current, id).await? {
        Err(closed) => refused(&ctx, &current, closed),
        Ok((p, draft)) => {
            let typed = draft.as_ref().map(typed_of).unwrap_or_default();
            form_page(&ctx, &current, &p, typed, draft.map(|d| d.file_name), FieldErrors::default())
        }
    }
}

/// The typed fields checked; the values as kept, with the errors beside their fields.
fn check(ctx: &Ctx, upload: &uploads::Upload) -> (Typed, FieldErrors) {
    let mut errors = FieldErrors::default();
    let mut take = |name: &str, checked: Result<String, &'static str>| match checked {
        Ok(value) => value,
        Err(key) => {
            errors.add(name, ctx.t.get(key));
            upload.text(name).to_string()
        }
    };
    let typed = Typed {
        furigana: take("furigana", rules::furigana(upload.text("furigana"))),
        phone: take("phone", rules::phone(upload.text("phone"))),
        affiliation: take("affiliation", rules::affiliation(upload.text("affiliation"))),
        message: take("message", rules::message(upload.text("message"))),
    };
    (typed, errors)
}

pub async fn upload(
    State(state): State<AppState>,
    CurrentSeeker(current): CurrentSeeker,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let id = posting_id(&id)?;
    let portal = current.portal.clone();
    let (p, draft) = {
        let mut conn = state.store.acquire().await?;
        match open(&state, &mut conn, &current, id).await? {
            Err(closed) => return refused(&ctx, &current, closed),
            Ok(open) => open,
        }
    };
    let kept = draft.as_ref().map(|d| d.file_name.clone());
    let Some(mut upload) = uploads::read(multipart, read_limit()).await else {
        let errors = FieldErrors::field("file", ctx.t.get("files.err_unreadable"));
        let typed = draft.as_ref().map(typed_of).unwrap_or_default();
        return form_page(&ctx, &current, &p, typed, kept, errors);
    };
    let (typed, mut errors) = check(&ctx, &upload);
    // A draft's document stays when no new file is chosen; otherwise the new one is checked.
    let chosen =
        upload.too_large || upload.file.as_ref().is_some_and(|(name, bytes)| !name.is_empty() || !bytes.is_empty());
    let accepted = if chosen || draft.is_none() {
        match upload.check(&ACCEPT, ctx.t.get("app.apply.document")) {
            Ok((accepted, _)) => Some(accepted),
            Err(e) => {
                errors.add("file", &uploads::message(&e, ctx.t));
                None
            }
        }
    } else {
        None
    };
    if !errors.is_empty() {
        return form_page(&ctx, &current, &p, typed, kept, errors);
    }
    let now = state.clock.unix();
    let lang = ctx.lang.code();
    let applicant = Applicant {
        name: &current.user.name,
        furigana: &typed.furigana,
        email: &current.user.email,
        phone: &typed.phone,
        affiliation: &typed.affiliation,
        message: &typed.message,
        lang,
    };
    let mut tx = state.store.begin().await?;
    let new_file = match (accepted, upload.take_file()) {
        (Some(accepted), Some((_, bytes))) => {
            let new = NewFile {
                portal: &portal.id,
                owner_organization_id: Some(p.organization_id),
                owner_user_id: Some(current.user.id),
                purpose: PURPOSE,
                name: &accepted.name,
                media_type: accepted.media_type.mime(),
                content: &bytes,
            };
            Some(files::insert(&mut tx, &new, now).await?.id)
        }
        _ => None,
    };
    let saved = match (&draft, new_file) {
        (Some(d), file) => {
            let saved =
                store::update_draft(&mut tx, d.id, d.version, &applicant, file.unwrap_or(d.file_id), now).await?;
            if saved && let Some(new) = file.filter(|f| *f != d.file_id) {
                files::delete(&mut tx, &portal.id, d.file_id).await?;
                tracing::debug!(replaced = d.file_id, by = new, "a draft's document replaced");
            }
            saved
        }
        (None, Some(file)) => {
            let posting = PostingRef {
                id: p.id,
                organization_id: p.organization_id,
                data_number: &p.data_number,
                title: &p.title,
            };
            store::insert_draft(&mut tx, &portal.id, current.user.id, &posting, &applicant, file, now).await?.is_some()
        }
        (None, None) => false,
    };
    if !saved {
        // Another tab changed the draft, or filed it, meanwhile: nothing of this post is kept.
        drop(tx);
        return Ok(Redirect::to(&format!("{}/apply/{id}", seeker_base(&portal))).into_response());
    }
    let subject = format!("posting:{}", p.id);
    let entry = audit_entry(&portal, &origin, "application.draft_saved", Some(&subject), None);
    audit::record(
        &mut tx,
        &madoguchi_store::audit::AuditEntry { actor: Some(&format!("user:{}", current.user.id)), ..entry },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{}/apply/{id}/confirm", seeker_base(&portal))).into_response())
}

async fn confirm_view(
    ctx: &Ctx,
    current: &CurrentUser,
    p: &PostingFacts,
    draft: Application,
    conn: &mut Conn,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let portal = &current.portal;
    let size = files::by_id(conn, &portal.id, draft.file_id).await?.map(|f| human_size(f.size)).unwrap_or_default();
    let base = seeker_base(portal);
    let page = ConfirmPage {
        chrome: seeker_chrome(ctx, portal, ctx.t.get("app.confirm.title")),
        errors,
        action: format!("{base}/apply/{}/confirm", p.id),
        base,
        posting: posting_view(portal, p),
        app: draft,
        size,
    };
    Ok(html(&page)?.into_response())
}

pub async fn confirm_page(
    State(state): State<AppState>,
    CurrentSeeker(current): CurrentSeeker,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = posting_id(&id)?;
    let mut conn = state.store.acquire().await?;
    match open(&state, &mut conn, &current, id).await? {
        Err(closed) => refused(&ctx, &current, closed),
        Ok((p, Some(draft))) => confirm_view(&ctx, &current, &p, draft, &mut conn, FieldErrors::default()).await,
        Ok((_, None)) => Ok(Redirect::to(&format!("{}/apply/{id}", seeker_base(&current.portal))).into_response()),
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    version: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    CurrentSeeker(current): CurrentSeeker,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    let id = posting_id(&id)?;
    let portal = current.portal.clone();
    let base = seeker_base(&portal);
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let (p, draft) = match open(&state, &mut tx, &current, id).await? {
        // The second press of the same confirmation: the application is filed, shown as such.
        Err(Closed::Filed(_, app)) => {
            return Ok(Redirect::to(&format!("{base}/applications/{}", app.id)).into_response());
        }
        Err(closed) => {
            drop(tx);
            return refused(&ctx, &current, closed);
        }
        Ok((_, None)) => return Ok(Redirect::to(&format!("{base}/apply/{id}")).into_response()),
        Ok((p, Some(draft))) => (p, draft),
    };
    if form.version.parse::<i64>().ok() != Some(draft.version) {
        // The draft changed after this confirmation was shown (another tab): show it as it is.
        let errors = FieldErrors::form(ctx.t.get("app.confirm.changed"));
        return confirm_view(&ctx, &current, &p, draft, &mut tx, errors).await;
    }
    let mut receipt_id = receipt::draw();
    while store::receipt_taken(&mut tx, &receipt_id).await? {
        receipt_id = receipt::draw();
    }
    if !store::file(&mut tx, draft.id, draft.version, &receipt_id, now).await? {
        drop(tx);
        return Ok(Redirect::to(&format!("{base}/apply/{id}")).into_response());
    }
    let app = store::of_seeker(&mut tx, &portal.id, current.user.id, draft.id).await?.ok_or(AppError::NotFound)?;
    let subject = format!("organization:{}", p.organization_id);
    let detail = format!("{receipt_id} posting:{}", p.id);
    let actor = format!("user:{}", current.user.id);
    let entry = audit_entry(&portal, &origin, "application.filed", Some(&subject), Some(&detail));
    audit::record(&mut tx, &madoguchi_store::audit::AuditEntry { actor: Some(&actor), ..entry }, now).await?;
    let to_seeker = mails::ToSeeker { kind: MailKind::ApplicationReceived, status: None, notice: "" };
    mails::to_seeker(&state, &mut tx, &portal, &app, &to_seeker).await?;
    mails::to_institution(&state, &mut tx, &portal, &app, p.contact_email.as_deref(), MailKind::ApplicationNew).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(Redirect::to(&format!("{base}/applications/{}?done=filed", app.id)).into_response())
}
