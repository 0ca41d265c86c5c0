//! The operator console of each portal: login with password plus an e-mailed code (always),
//! announcements (連絡事項) with their dates, the help desk text, and the outbox.

use super::html;
use super::landing::format_datetime;
use crate::auth;
use crate::ctx::{Chrome, Ctx, Origin, PortalRef};
use crate::error::AppError;
use crate::forms::{FieldErrors, normalize_email};
use crate::security::{cookie, removal};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use chrono::{DateTime, NaiveDateTime};
use madoguchi_core::clock::JST;
use madoguchi_core::{Lang, Portal};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::operators::{self, Operator};
use madoguchi_store::{content, outbox, sessions};
use serde::Deserialize;

const SESSION_COOKIE: &str = "mdg_op";
const PENDING_COOKIE: &str = "mdg_op_pending";
/// Operators: 5 wrong passwords lock for 30 minutes; a code lives 10 minutes, 5 tries.
const OP_FAILURES: i64 = 5;
const OP_LOCK_SECONDS: i64 = 30 * 60;
const CODE_SECONDS: i64 = 10 * 60;
const CODE_TRIES: i64 = 5;

pub(crate) fn console_path(portal: &Portal) -> String {
    format!("/{}/operator", portal.id)
}

/// A signed-in operator of this portal; other requests go to the login screen.
pub struct SignedIn {
    pub portal: Portal,
    pub operator: Operator,
}

impl axum::extract::FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let PortalRef(portal) =
            PortalRef::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let login = Redirect::to(&format!("{}/login", console_path(&portal))).into_response();
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) else {
            return Err(login);
        };
        let hash = auth::token_hash(&token);
        let now = state.clock.unix();
        let mut conn = state.store.acquire().await.map_err(|e| AppError::from(e).into_response())?;
        let session = sessions::find(&mut conn, &hash).await.map_err(|e| AppError::from(e).into_response())?;
        let idle = i64::from(portal.settings.session.idle_minutes) * 60;
        let Some(session) =
            session.filter(|s| s.portal == portal.id && s.expires_at > now && s.last_seen_at + idle > now)
        else {
            return Err(login);
        };
        let operator = match session.operator_id {
            Some(id) => operators::by_id(&mut conn, id).await.map_err(|e| AppError::from(e).into_response())?,
            None => None,
        };
        let Some(operator) = operator else {
            return Err(login);
        };
        sessions::touch(&mut conn, &hash, now).await.map_err(|e| AppError::from(e).into_response())?;
        Ok(SignedIn { portal, operator })
    }
}

// ---- login: password ----

#[derive(Template)]
#[template(path = "operator/login.html")]
pub struct LoginPage {
    pub chrome: Chrome,
    pub email: String,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}

pub async fn login_form(PortalRef(portal): PortalRef, ctx: Ctx) -> Result<Html<String>, AppError> {
    html(&LoginPage {
        chrome: ctx.chrome(ctx.t.get("op.login.title"), Some(&portal), None),
        email: String::new(),
        errors: FieldErrors::default(),
        notice: None,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let email = normalize_email(&form.email);
    let mut errors = FieldErrors::default();
    if email.is_empty() {
        errors.add("email", ctx.t.get("op.login.email_required"));
    }
    if form.password.is_empty() {
        errors.add("password", ctx.t.get("op.login.password_required"));
    }
    let again = |errors: FieldErrors| -> Result<Response, AppError> {
        let page = LoginPage {
            chrome: ctx.chrome(ctx.t.get("op.login.title"), Some(&portal), None),
            email: form.email.clone(),
            errors,
            notice: None,
        };
        Ok(html(&page)?.into_response())
    };
    if !errors.is_empty() {
        return again(errors);
    }

    let now = state.clock.unix();
    let found = {
        let mut conn = state.store.acquire().await?;
        operators::by_email(&mut conn, &portal.id, &email).await?
    };
    let locked = found.as_ref().is_some_and(|op| op.locked_until.is_some_and(|until| until > now));
    // The hash is checked even for an unknown or locked account: same time, same answer.
    let matched = state.hasher.verify(&form.password, found.as_ref().map(|op| op.password_hash.as_str())).await;
    let audit_base = |event: &'static str| AuditEntry {
        portal: &portal.id,
        event,
        actor: None,
        subject: None,
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail: None,
    };
    let mut tx = state.store.begin().await?;
    match found {
        Some(op) if matched && !locked => {
            operators::record_password_ok(&mut tx, op.id).await?;
            let token = auth::random_token();
            let code = auth::numeric_code(6);
            let expires = now + CODE_SECONDS;
            operators::insert_challenge(
                &mut tx,
                &auth::token_hash(&token),
                &portal.id,
                op.id,
                &auth::token_hash(&code),
                expires,
                now,
            )
            .await?;
            let expires_text = DateTime::from_timestamp(expires, 0)
                .map(|d| format_datetime(d.with_timezone(&JST), ctx.lang))
                .unwrap_or_default();
            let portal_name = portal.settings.name.get(ctx.lang);
            let minutes = (CODE_SECONDS / 60).to_string();
            madoguchi_mail::queue(
                &mut tx,
                &Envelope { portal: &portal.id, from_name: portal_name, to: &op.email, lang: ctx.lang },
                MailKind::OperatorLoginCode,
                &[
                    ("portal", portal_name),
                    ("name", &op.name),
                    ("code", &code),
                    ("expires", &expires_text),
                    ("minutes", &minutes),
                ],
                state.mailer.domain(),
                now,
            )
            .await?;
            let actor = format!("operator:{}", op.id);
            audit::record(
                &mut tx,
                &AuditEntry { actor: Some(&actor), subject: Some(&actor), ..audit_base("operator.code_sent") },
                now,
            )
            .await?;
            tx.commit().await?;
            state.mailer.wake();
            let pending = cookie(PENDING_COOKIE, token, console_path(&portal), state.secure_cookies());
            Ok((jar.add(pending), Redirect::to(&format!("{}/login/code", console_path(&portal)))).into_response())
        }
        Some(op) => {
            let subject = format!("operator:{}", op.id);
            let (event, detail) = if locked {
                ("operator.login_failed", "locked")
            } else {
                let count = operators::record_failure(&mut tx, op.id, OP_FAILURES, now + OP_LOCK_SECONDS).await?;
                if count == OP_FAILURES {
                    audit::record(
                        &mut tx,
                        &AuditEntry { subject: Some(&subject), detail: Some("lock"), ..audit_base("operator.locked") },
                        now,
                    )
                    .await?;
                }
                ("operator.login_failed", "bad_password")
            };
            audit::record(
                &mut tx,
                &AuditEntry { subject: Some(&subject), detail: Some(detail), ..audit_base(event) },
                now,
            )
            .await?;
            tx.commit().await?;
            again(FieldErrors::form(ctx.t.get("op.login.failed")))
        }
        None => {
            audit::record(
                &mut tx,
                &AuditEntry { detail: Some("unknown_email"), ..audit_base("operator.login_failed") },
                now,
            )
            .await?;
            tx.commit().await?;
            again(FieldErrors::form(ctx.t.get("op.login.failed")))
        }
    }
}

// ---- login: e-mailed code ----

#[derive(Template)]
#[template(path = "operator/code.html")]
pub struct CodePage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
}

pub async fn code_form(PortalRef(portal): PortalRef, ctx: Ctx, jar: CookieJar) -> Result<Response, AppError> {
    if jar.get(PENDING_COOKIE).is_none() {
        return Ok(Redirect::to(&format!("{}/login", console_path(&portal))).into_response());
    }
    Ok(html(&CodePage {
        chrome: ctx.chrome(ctx.t.get("op.code.title"), Some(&portal), None),
        errors: FieldErrors::default(),
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub async fn code(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let secure = state.secure_cookies();
    let to_login = |jar: CookieJar, notice: &str| -> Result<Response, AppError> {
        let page = LoginPage {
            chrome: ctx.chrome(ctx.t.get("op.login.title"), Some(&portal), None),
            email: String::new(),
            errors: FieldErrors::default(),
            notice: Some(notice.to_string()),
        };
        Ok((jar.remove(removal(PENDING_COOKIE, console_path(&portal), secure)), html(&page)?).into_response())
    };
    let Some(token) = jar.get(PENDING_COOKIE).map(|c| c.value().to_string()) else {
        return to_login(jar, ctx.t.get("op.code.expired"));
    };
    let code: String = crate::forms::fold(&form.code).chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        let page = CodePage {
            chrome: ctx.chrome(ctx.t.get("op.code.title"), Some(&portal), None),
            errors: FieldErrors::field("code", ctx.t.get("op.code.format")),
        };
        return Ok(html(&page)?.into_response());
    }
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let Some(challenge) = operators::attempt_challenge(&mut tx, &portal.id, &auth::token_hash(&token), now).await?
    else {
        tx.commit().await?;
        return to_login(jar, ctx.t.get("op.code.expired"));
    };
    let subject = format!("operator:{}", challenge.operator_id);
    let entry = |event: &'static str, detail: Option<&'static str>| AuditEntry {
        portal: &portal.id,
        event,
        actor: None,
        subject: None,
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail,
    };
    if challenge.attempts > CODE_TRIES {
        operators::drop_challenge(&mut tx, challenge.id).await?;
        audit::record(
            &mut tx,
            &AuditEntry { subject: Some(&subject), ..entry("operator.code_failed", Some("too_many_attempts")) },
            now,
        )
        .await?;
        tx.commit().await?;
        return to_login(jar, ctx.t.get("op.code.expired"));
    }
    if !auth::equal(&auth::token_hash(&code), &challenge.code_hash)
        || !operators::use_challenge(&mut tx, challenge.id, now).await?
    {
        audit::record(
            &mut tx,
            &AuditEntry { subject: Some(&subject), ..entry("operator.code_failed", Some("wrong_code")) },
            now,
        )
        .await?;
        tx.commit().await?;
        let page = CodePage {
            chrome: ctx.chrome(ctx.t.get("op.code.title"), Some(&portal), None),
            errors: FieldErrors::field("code", ctx.t.get("op.code.wrong")),
        };
        return Ok(html(&page)?.into_response());
    }
    // Every factor passed: a new session id, whatever the browser had before.
    if let Some(old) = jar.get(SESSION_COOKIE) {
        sessions::delete(&mut tx, &auth::token_hash(old.value())).await?;
    }
    let session = auth::random_token();
    let absolute = i64::from(portal.settings.session.absolute_hours) * 3600;
    sessions::insert(&mut tx, &auth::token_hash(&session), &portal.id, challenge.operator_id, now, now + absolute)
        .await?;
    operators::record_login(&mut tx, challenge.operator_id, now).await?;
    audit::record(
        &mut tx,
        &AuditEntry { actor: Some(&subject), subject: Some(&subject), ..entry("operator.login", None) },
        now,
    )
    .await?;
    tx.commit().await?;
    let jar = jar.remove(removal(PENDING_COOKIE, console_path(&portal), secure)).add(cookie(
        SESSION_COOKIE,
        session,
        console_path(&portal),
        secure,
    ));
    Ok((jar, Redirect::to(&format!("{}/", console_path(&portal)))).into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
) -> Result<Response, AppError> {
    let portal = signed.portal;
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    if let Some(c) = jar.get(SESSION_COOKIE) {
        sessions::delete(&mut tx, &auth::token_hash(c.value())).await?;
    }
    let actor = format!("operator:{}", signed.operator.id);
    audit::record(
        &mut tx,
        &AuditEntry {
            portal: &portal.id,
            event: "operator.logout",
            actor: Some(&actor),
            subject: Some(&actor),
            ip: origin.ip.as_deref(),
            user_agent: origin.user_agent.as_deref(),
            detail: None,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    let page = LoginPage {
        chrome: ctx.chrome(ctx.t.get("op.login.title"), Some(&portal), None),
        email: String::new(),
        errors: FieldErrors::default(),
        notice: Some(ctx.t.get("op.logged_out").to_string()),
    };
    Ok((jar.remove(removal(SESSION_COOKIE, console_path(&portal), state.secure_cookies())), html(&page)?)
        .into_response())
}

// ---- console ----

#[derive(Template)]
#[template(path = "operator/home.html")]
pub struct HomePage {
    pub chrome: Chrome,
    pub operator_name: String,
    pub base: String,
}

pub async fn home(signed: SignedIn, ctx: Ctx) -> Result<Html<String>, AppError> {
    let page = HomePage {
        chrome: ctx.chrome(ctx.t.get("op.console"), Some(&signed.portal), None),
        operator_name: signed.operator.name.clone(),
        base: console_path(&signed.portal),
    };
    html(&page)
}

pub struct AnnouncementRow {
    pub id: i64,
    pub title: String,
    pub period: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "operator/announcements.html")]
pub struct AnnouncementsPage {
    pub chrome: Chrome,
    pub base: String,
    pub rows: Vec<AnnouncementRow>,
    pub notice: Option<String>,
}

pub(crate) fn local(ts: i64) -> String {
    DateTime::from_timestamp(ts, 0)
        .map(|d| d.with_timezone(&JST).format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

async fn announcements_page(
    state: &AppState,
    portal: &Portal,
    ctx: &Ctx,
    notice: Option<String>,
) -> Result<Html<String>, AppError> {
    let now = state.clock.unix();
    let list = {
        let mut conn = state.store.acquire().await?;
        content::all_announcements(&mut conn, &portal.id).await?
    };
    let rows = list
        .into_iter()
        .map(|a| {
            let state_key = if a.starts_at > now {
                "op.ann.state_scheduled"
            } else if a.ends_at.is_some_and(|e| e <= now) {
                "op.ann.state_ended"
            } else {
                "op.ann.state_live"
            };
            let title = if ctx.lang == Lang::En && !a.title_en.is_empty() { a.title_en } else { a.title_ja };
            AnnouncementRow {
                id: a.id,
                title,
                period: format!(
                    "{} ～ {}",
                    local(a.starts_at).replace('T', " "),
                    a.ends_at.map(|e| local(e).replace('T', " ")).unwrap_or_default()
                ),
                state: ctx.t.get(state_key).to_string(),
            }
        })
        .collect();
    html(&AnnouncementsPage {
        chrome: ctx.chrome(ctx.t.get("op.ann.title"), Some(portal), None),
        base: console_path(portal),
        rows,
        notice,
    })
}

pub async fn announcements(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
) -> Result<Html<String>, AppError> {
    announcements_page(&state, &signed.portal, &ctx, None).await
}

#[derive(Deserialize, Default, Clone)]
pub struct AnnouncementForm {
    #[serde(default)]
    pub title_ja: String,
    #[serde(default)]
    pub title_en: String,
    #[serde(default)]
    pub body_ja: String,
    #[serde(default)]
    pub body_en: String,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
}

#[derive(Template)]
#[template(path = "operator/announcement_form.html")]
pub struct AnnouncementFormPage {
    pub chrome: Chrome,
    pub base: String,
    pub action: String,
    pub form: AnnouncementForm,
    pub errors: FieldErrors,
    pub delete_action: Option<String>,
}

fn parse_local(raw: &str) -> Option<i64> {
    let raw = crate::forms::fold(raw);
    let raw = raw.trim();
    ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
        .and_then(|n| n.and_local_timezone(JST).single())
        .map(|d| d.timestamp())
}

/// The announcement's rules: Japanese title and text required, lengths, dates in order.
fn check_announcement(form: &AnnouncementForm, ctx: &Ctx) -> Result<content::AnnouncementInput, FieldErrors> {
    let t = ctx.t;
    let mut errors = FieldErrors::default();
    let len = |s: &str| s.trim().chars().count();
    if len(&form.title_ja) == 0 {
        errors.add("title_ja", t.get("op.ann.err.title_required"));
    } else if len(&form.title_ja) > 100 {
        errors.add("title_ja", t.get("op.ann.err.title_long"));
    }
    if len(&form.title_en) > 100 {
        errors.add("title_en", t.get("op.ann.err.title_long"));
    }
    if len(&form.body_ja) == 0 {
        errors.add("body_ja", t.get("op.ann.err.body_required"));
    } else if len(&form.body_ja) > 2000 {
        errors.add("body_ja", t.get("op.ann.err.body_long"));
    }
    if len(&form.body_en) > 2000 {
        errors.add("body_en", t.get("op.ann.err.body_long"));
    }
    let starts = if form.starts_at.trim().is_empty() {
        errors.add("starts_at", t.get("op.ann.err.start_required"));
        None
    } else {
        let parsed = parse_local(&form.starts_at);
        if parsed.is_none() {
            errors.add("starts_at", t.get("op.ann.err.date"));
        }
        parsed
    };
    let ends = if form.ends_at.trim().is_empty() {
        None
    } else {
        let parsed = parse_local(&form.ends_at);
        match (parsed, starts) {
            (None, _) => errors.add("ends_at", t.get("op.ann.err.date")),
            (Some(e), Some(s)) if e <= s => errors.add("ends_at", t.get("op.ann.err.end_before_start")),
            _ => {}
        }
        parsed
    };
    match starts {
        Some(starts_at) if errors.is_empty() => Ok(content::AnnouncementInput {
            title_ja: form.title_ja.trim().to_string(),
            title_en: form.title_en.trim().to_string(),
            body_ja: normalize_newlines(&form.body_ja),
            body_en: normalize_newlines(&form.body_en),
            starts_at,
            ends_at: ends,
        }),
        _ => Err(errors),
    }
}

fn normalize_newlines(s: &str) -> String {
    s.replace("\r\n", "\n").trim().to_string()
}

fn form_page(
    ctx: &Ctx,
    portal: &Portal,
    id: Option<i64>,
    form: AnnouncementForm,
    errors: FieldErrors,
) -> Result<Html<String>, AppError> {
    let base = console_path(portal);
    let (title, action, delete_action) = match id {
        None => (ctx.t.get("op.ann.new"), format!("{base}/announcements/new"), None),
        Some(id) => (
            ctx.t.get("op.ann.edit"),
            format!("{base}/announcements/{id}"),
            Some(format!("{base}/announcements/{id}/delete")),
        ),
    };
    html(&AnnouncementFormPage {
        chrome: ctx.chrome(title, Some(portal), None),
        base,
        action,
        form,
        errors,
        delete_action,
    })
}

pub async fn new_announcement_form(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
) -> Result<Html<String>, AppError> {
    let form = AnnouncementForm { starts_at: local(state.clock.unix()), ..AnnouncementForm::default() };
    form_page(&ctx, &signed.portal, None, form, FieldErrors::default())
}

pub async fn create_announcement(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Form(form): Form<AnnouncementForm>,
) -> Result<Html<String>, AppError> {
    let input = match check_announcement(&form, &ctx) {
        Ok(input) => input,
        Err(errors) => return form_page(&ctx, &signed.portal, None, form, errors),
    };
    let now = state.clock.unix();
    let mut conn = state.store.acquire().await?;
    content::insert_announcement(&mut conn, &signed.portal.id, &input, now).await?;
    drop(conn);
    announcements_page(&state, &signed.portal, &ctx, Some(ctx.t.get("form.saved").to_string())).await
}

pub async fn edit_announcement_form(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Html<String>, AppError> {
    let found = {
        let mut conn = state.store.acquire().await?;
        content::find_announcement(&mut conn, &signed.portal.id, id).await?
    };
    let a = found.ok_or(AppError::NotFound)?;
    let form = AnnouncementForm {
        title_ja: a.title_ja,
        title_en: a.title_en,
        body_ja: a.body_ja,
        body_en: a.body_en,
        starts_at: local(a.starts_at),
        ends_at: a.ends_at.map(local).unwrap_or_default(),
    };
    form_page(&ctx, &signed.portal, Some(id), form, FieldErrors::default())
}

pub async fn update_announcement(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
    Form(form): Form<AnnouncementForm>,
) -> Result<Html<String>, AppError> {
    let input = match check_announcement(&form, &ctx) {
        Ok(input) => input,
        Err(errors) => return form_page(&ctx, &signed.portal, Some(id), form, errors),
    };
    let updated = {
        let mut conn = state.store.acquire().await?;
        content::update_announcement(&mut conn, &signed.portal.id, id, &input, state.clock.unix()).await?
    };
    if !updated {
        return Err(AppError::NotFound);
    }
    announcements_page(&state, &signed.portal, &ctx, Some(ctx.t.get("form.saved").to_string())).await
}

pub async fn delete_announcement(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Html<String>, AppError> {
    let deleted = {
        let mut conn = state.store.acquire().await?;
        content::delete_announcement(&mut conn, &signed.portal.id, id).await?
    };
    if !deleted {
        return Err(AppError::NotFound);
    }
    announcements_page(&state, &signed.portal, &ctx, Some(ctx.t.get("form.deleted").to_string())).await
}

// ---- help desk text ----

#[derive(Deserialize, Default)]
pub struct HelpDeskForm {
    #[serde(default)]
    pub ja: String,
    #[serde(default)]
    pub en: String,
}

#[derive(Template)]
#[template(path = "operator/help_desk.html")]
pub struct HelpDeskPage {
    pub chrome: Chrome,
    pub base: String,
    pub form: HelpDeskForm,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}

pub async fn help_desk_form(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
) -> Result<Html<String>, AppError> {
    let portal = &signed.portal;
    let stored = {
        let mut conn = state.store.acquire().await?;
        content::text(&mut conn, &portal.id, "help_desk").await?
    };
    let (ja, en) =
        stored.unwrap_or_else(|| (portal.settings.help_desk.ja.clone(), portal.settings.help_desk.en.clone()));
    html(&HelpDeskPage {
        chrome: ctx.chrome(ctx.t.get("op.hd.title"), Some(portal), None),
        base: console_path(portal),
        form: HelpDeskForm { ja, en },
        errors: FieldErrors::default(),
        notice: None,
    })
}

pub async fn save_help_desk(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Form(form): Form<HelpDeskForm>,
) -> Result<Html<String>, AppError> {
    let portal = &signed.portal;
    let mut errors = FieldErrors::default();
    let (ja, en) = (normalize_newlines(&form.ja), normalize_newlines(&form.en));
    if ja.is_empty() {
        errors.add("ja", ctx.t.get("op.hd.err.required"));
    } else if ja.chars().count() > 1000 {
        errors.add("ja", ctx.t.get("op.hd.err.long"));
    }
    if en.chars().count() > 1000 {
        errors.add("en", ctx.t.get("op.hd.err.long"));
    }
    let notice = if errors.is_empty() {
        let mut conn = state.store.acquire().await?;
        content::set_text(&mut conn, &portal.id, "help_desk", &ja, &en, state.clock.unix()).await?;
        Some(ctx.t.get("form.saved").to_string())
    } else {
        None
    };
    html(&HelpDeskPage {
        chrome: ctx.chrome(ctx.t.get("op.hd.title"), Some(portal), None),
        base: console_path(portal),
        form,
        errors,
        notice,
    })
}

// ---- outbox ----

pub struct OutboxLine {
    pub id: i64,
    pub created: String,
    pub kind: String,
    pub to: String,
    pub subject: String,
    pub state: String,
    pub attempts: i64,
    pub error: String,
    pub can_retry: bool,
}

#[derive(Template)]
#[template(path = "operator/outbox.html")]
pub struct OutboxPage {
    pub chrome: Chrome,
    pub base: String,
    pub counts: outbox::OutboxCounts,
    pub lines: Vec<OutboxLine>,
}

/// Shows the address's first character and domain only: enough to recognise, not to harvest.
pub(crate) fn mask_address(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => format!("{}***@{}", local.chars().next().unwrap_or('*'), domain),
        None => "***".into(),
    }
}

pub async fn outbox_page(State(state): State<AppState>, signed: SignedIn, ctx: Ctx) -> Result<Html<String>, AppError> {
    let portal = &signed.portal;
    let (counts, rows) = {
        let mut conn = state.store.acquire().await?;
        (outbox::counts(&mut conn, Some(&portal.id)).await?, outbox::recent(&mut conn, &portal.id, 100).await?)
    };
    let lines = rows
        .into_iter()
        .map(|r| {
            let state_text = if r.sent_at.is_some() {
                ctx.t.get("op.out.sent").to_string()
            } else if r.failed_at.is_some() {
                ctx.t.get("op.out.failed").to_string()
            } else if r.attempts > 0 {
                format!(
                    "{}（{} {}）",
                    ctx.t.get("op.out.retrying"),
                    ctx.t.get("op.out.next_attempt"),
                    local(r.next_attempt_at).replace('T', " ")
                )
            } else {
                ctx.t.get("op.out.pending").to_string()
            };
            OutboxLine {
                id: r.id,
                created: local(r.created_at).replace('T', " "),
                kind: r.kind,
                to: mask_address(&r.to),
                subject: r.subject,
                state: state_text,
                attempts: r.attempts,
                error: r.last_error.unwrap_or_default(),
                can_retry: r.failed_at.is_some() && r.sent_at.is_none(),
            }
        })
        .collect();
    html(&OutboxPage {
        chrome: ctx.chrome(ctx.t.get("op.out.title"), Some(portal), None),
        base: console_path(portal),
        counts,
        lines,
    })
}

pub async fn retry_mail(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    {
        let mut conn = state.store.acquire().await?;
        outbox::retry_now(&mut conn, &signed.portal.id, id, state.clock.unix()).await?;
    }
    state.mailer.wake();
    Ok(Redirect::to(&format!("{}/outbox", console_path(&signed.portal))).into_response())
}
