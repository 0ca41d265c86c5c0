//! The institution's 応募情報詳細 (jrec-in §1.9 item 3): the applicant's data as sent, the
//! message, 「応募書類」 (its download is audited: `application.document_downloaded`, and the
//! platform's `file.downloaded`), then 「応募状況」 (the current one and those the table allows
//! next), 「応募状況更新通知」 (通知する / 通知しない, with an optional 通知文) and 「求人機関備考」
//! (「応募者に通知されることはありません」) → 「確認」 → 「変更」 → 変更完了.
//!
//! The confirmation carries the application's `version`: 「変更」 applies only to the version
//! confirmed, so a second press changes nothing and mails nobody again.

use crate::mails::{self, ToSeeker};
use crate::overview::organization;
use crate::rules;
use crate::status::Status;
use crate::store::{self, Application, Change};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_mail::MailKind;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::files;
use madoguchi_web::confirm::Step;
use madoguchi_web::ctx::{Chrome, Ctx, Origin, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::files::human_size;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;

/// The form as typed (or as the application is).
#[derive(Deserialize, Default, Clone)]
pub struct ChangeForm {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub notify: String,
    #[serde(default)]
    pub notice: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub version: String,
    #[serde(default, rename = "_step")]
    pub step: String,
}

pub struct Choice {
    pub code: &'static str,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "applications/detail.html")]
pub struct DetailPage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    pub app: Application,
    pub applied: String,
    pub status: String,
    pub status_at: String,
    pub size: String,
    pub document: String,
    pub list: String,
    pub action: String,
    pub choices: Vec<Choice>,
    pub form: ChangeForm,
}

#[derive(Template)]
#[template(path = "applications/change_confirm.html")]
pub struct ConfirmPage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub app: Application,
    pub from: String,
    pub to: String,
    pub told: bool,
    pub action: String,
    pub form: ChangeForm,
}

/// The download address of a purged document.
#[derive(Template)]
#[template(path = "applications/gone.html")]
pub struct GonePage {
    pub chrome: Chrome,
    pub back: String,
}

fn id_of(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// The organization's application and its document's size as shown.
struct Loaded {
    app: Application,
    size: String,
}

async fn load(state: &AppState, current: &CurrentUser, id: i64) -> Result<Loaded, AppError> {
    let organization = organization(current)?;
    let mut conn = state.store.acquire().await?;
    let app =
        store::of_organization(&mut conn, &current.portal.id, organization, id).await?.ok_or(AppError::NotFound)?;
    let size =
        files::by_id(&mut conn, &current.portal.id, app.file_id).await?.map(|f| human_size(f.size)).unwrap_or_default();
    Ok(Loaded { app, size })
}

fn allowed(state: &AppState, app: &Application) -> Vec<Status> {
    app.may_set(state.clock.unix())
}

fn form_of(app: &Application) -> ChangeForm {
    ChangeForm {
        status: app.status.code().to_string(),
        notify: String::new(),
        notice: String::new(),
        note: app.note.clone(),
        version: app.version.to_string(),
        step: String::new(),
    }
}

fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    current: &CurrentUser,
    Loaded { app, size }: Loaded,
    form: ChangeForm,
    notice: Option<String>,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let portal = &current.portal;
    let base = format!("/{}/applications", portal.id);
    let choices = std::iter::once(app.status)
        .chain(allowed(state, &app))
        .map(|s| Choice { code: s.code(), label: ctx.t.get(s.key()).to_string(), selected: form.status == s.code() })
        .collect();
    let page = DetailPage {
        chrome: ctx.chrome(ctx.t.get("app.detail.title"), Some(portal), None),
        errors,
        notice,
        applied: app.applied_at.map(|t| format_ts(t, ctx.lang)).unwrap_or_default(),
        status: ctx.t.get(app.status.key()).to_string(),
        status_at: format_ts(app.status_at, ctx.lang),
        size,
        document: format!("{base}/{}/document", app.id),
        list: format!("{base}/postings/{}", app.posting_id),
        action: format!("{base}/{}", app.id),
        choices,
        form,
        app,
    };
    Ok(html(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    done: String,
}

pub async fn page(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<DetailQuery>,
) -> Result<Response, AppError> {
    let loaded = load(&state, &current, id_of(&id)?).await?;
    let notice = (query.done == "changed").then(|| ctx.t.get("app.detail.changed").to_string());
    let form = form_of(&loaded.app);
    detail_page(&state, &ctx, &current, loaded, form, notice, FieldErrors::default())
}

/// The change as checked: the new status, whether the applicant is told, the note and 通知文.
struct Checked {
    status: Status,
    told: bool,
    note: String,
    notice: String,
}

fn check(state: &AppState, ctx: &Ctx, app: &Application, form: &mut ChangeForm) -> Result<Checked, FieldErrors> {
    let mut errors = FieldErrors::default();
    let target = Status::parse(&form.status).filter(|s| *s == app.status || allowed(state, app).contains(s));
    if target.is_none() {
        errors.add("status", ctx.t.get("app.err.status"));
    }
    let notify = match form.notify.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    if notify.is_none() {
        errors.add("notify", ctx.t.get("app.err.notify"));
    }
    let mut field = |name: &str, checked: Result<String, &'static str>, raw: &mut String| match checked {
        Ok(value) => {
            *raw = value.clone();
            value
        }
        Err(key) => {
            errors.add(name, ctx.t.get(key));
            String::new()
        }
    };
    let note = field("note", rules::note(&form.note), &mut form.note);
    let notice = field("notice", rules::notice(&form.notice), &mut form.notice);
    match (target, notify) {
        (Some(status), Some(notify)) if errors.is_empty() => {
            let moved = status != app.status;
            Ok(Checked { status, told: moved && (notify || status.always_told()), note, notice })
        }
        _ => Err(errors),
    }
}

pub async fn change(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, String)>,
    Form(mut form): Form<ChangeForm>,
) -> Result<Response, AppError> {
    let id = id_of(&id)?;
    let loaded = load(&state, &current, id).await?;
    let app = &loaded.app;
    let done = format!("/{}/applications/{id}?done=changed", current.portal.id);
    if form.version.parse::<i64>().ok() != Some(app.version) {
        // Pressed twice, or changed by someone else since this form was shown.
        if Step::of(&form.step) == Step::Confirmed && form.status == app.status.code() {
            return Ok(Redirect::to(&done).into_response());
        }
        let errors = FieldErrors::form(ctx.t.get("app.detail.stale"));
        let fresh = form_of(app);
        return detail_page(&state, &ctx, &current, loaded, fresh, None, errors);
    }
    let checked = match check(&state, &ctx, app, &mut form) {
        Ok(checked) => checked,
        Err(errors) => return detail_page(&state, &ctx, &current, loaded, form, None, errors),
    };
    match Step::of(&form.step) {
        Step::Back => detail_page(&state, &ctx, &current, loaded, form, None, FieldErrors::default()),
        Step::Input => {
            let page = ConfirmPage {
                chrome: ctx.chrome(ctx.t.get("app.change.title"), Some(&current.portal), None),
                errors: FieldErrors::default(),
                from: ctx.t.get(app.status.key()).to_string(),
                to: ctx.t.get(checked.status.key()).to_string(),
                told: checked.told,
                action: format!("/{}/applications/{id}", current.portal.id),
                app: loaded.app,
                form,
            };
            Ok(html(&page)?.into_response())
        }
        Step::Confirmed => {
            apply(&state, &current, &origin, app, &checked).await?;
            Ok(Redirect::to(&done).into_response())
        }
    }
}

async fn apply(
    state: &AppState,
    current: &CurrentUser,
    origin: &Origin,
    app: &Application,
    checked: &Checked,
) -> Result<(), AppError> {
    let portal = &current.portal;
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let change = Change { status: checked.status, note: &checked.note, told: checked.told };
    if !store::change(&mut tx, app, &change, now).await? {
        return Ok(());
    }
    let actor = format!("user:{}", current.user.id);
    let subject = format!("organization:{}", app.organization_id);
    let detail = format!(
        "{} {} -> {} notified={}",
        app.receipt_id.as_deref().unwrap_or_default(),
        app.status.code(),
        checked.status.code(),
        if checked.told { "yes" } else { "no" }
    );
    let event = if checked.status == app.status { "application.note_saved" } else { "application.status_changed" };
    let entry = audit_entry(portal, origin, event, Some(&subject), Some(&detail));
    audit::record(&mut tx, &AuditEntry { actor: Some(&actor), ..entry }, now).await?;
    if checked.told {
        let kind = if checked.status == Status::ResubmitRequested {
            MailKind::ApplicationResubmit
        } else {
            MailKind::ApplicationStatus
        };
        let mail = ToSeeker { kind, status: Some(checked.status), notice: &checked.notice };
        mails::to_seeker(state, &mut tx, portal, app, &mail).await?;
    }
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

/// 「応募書類」: the document as a download (docs/FILES.md), audited before the bytes go.
pub async fn download(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = id_of(&id)?;
    let organization = organization(&current)?;
    let portal = &current.portal;
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let app = store::of_organization(&mut tx, &portal.id, organization, id).await?.ok_or(AppError::NotFound)?;
    if app.purged() {
        // The retention period erased it: say so (410), rather than a bare 404 or an empty file.
        let page = GonePage {
            chrome: ctx.chrome(ctx.t.get("app.purged.gone_title"), Some(portal), None),
            back: format!("/{}/applications/{id}", portal.id),
        };
        return Ok((StatusCode::GONE, html(&page)?).into_response());
    }
    let file = files::for_owner(&mut tx, &portal.id, organization, app.file_id).await?.ok_or(AppError::NotFound)?;
    let content = files::content(&mut tx, &portal.id, file.id).await?.ok_or(AppError::NotFound)?;
    let actor = format!("user:{}", current.user.id);
    let receipt = app.receipt_id.clone().unwrap_or_default();
    madoguchi_web::files::record_download(&mut tx, &origin, &actor, &file, Some(&receipt), now).await?;
    let subject = format!("organization:{organization}");
    let detail = format!("{receipt} file:{} {}", file.id, file.name);
    let entry = audit_entry(portal, &origin, "application.document_downloaded", Some(&subject), Some(&detail));
    audit::record(&mut tx, &AuditEntry { actor: Some(&actor), ..entry }, now).await?;
    tx.commit().await?;
    Ok(madoguchi_web::files::download(&file, content))
}
