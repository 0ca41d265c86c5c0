//! The operator console of each portal: login with password plus an e-mailed code (always),
//! announcements (連絡事項) with their dates, the help desk text, and the outbox.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use chrono::DateTime;
use madoguchi_core::Portal;
use madoguchi_core::clock::JST;
use madoguchi_core::rules::{CodeRule, CodeVerdict, MINUTE, SessionRule, SessionVerdict};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::operators::{self, Operator};
use madoguchi_store::{content, outbox, sessions};
use madoguchi_web::auth;
use madoguchi_web::cookies::{cookie, removal};
use madoguchi_web::ctx::{Chrome, Ctx, Origin, PortalRef};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_datetime;
use madoguchi_web::forms::{FieldErrors, normalize_email};
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;
use serde::Deserialize;

const SESSION_COOKIE: &str = "mdg_op";
const PENDING_COOKIE: &str = "mdg_op_pending";
/// Operators: 5 wrong passwords lock for 30 minutes; a code lives 10 minutes, 5 tries.
const OP_FAILURES: i64 = 5;
const OP_LOCK_SECONDS: i64 = 30 * 60;
/// The operator's mailed sign-in code: 10 minutes, 5 tries.
const CODE: CodeRule = CodeRule::new(10 * MINUTE, 5);

pub fn console_path(portal: &Portal) -> String {
    format!("/{}/operator", portal.id)
}

/// A signed-in operator of this portal; other requests go to the login screen.
pub struct SignedIn {
    pub portal: Portal,
    pub operator: Operator,
}

/// The audit entry of an operator's step on an organization's item (a review decision): the
/// operator as `actor`, the organization as `subject` (`organization:<id>`, so that the event
/// is filed under it), with the request's address and browser.
pub fn office_entry<'a>(
    signed: &'a SignedIn,
    origin: &'a Origin,
    event: &'a str,
    actor: &'a str,
    subject: &'a str,
    detail: &'a str,
) -> AuditEntry<'a> {
    AuditEntry {
        portal: &signed.portal.id,
        event,
        actor: Some(actor),
        subject: Some(subject),
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail: Some(detail),
    }
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
        let rule = SessionRule::of(&portal.settings.session);
        let Some(session) = session.filter(|s| {
            s.portal == portal.id && rule.verdict(s.expires_at, s.last_seen_at, now) == SessionVerdict::Live
        }) else {
            return Err(login);
        };
        let operator = match session.operator_id {
            Some(id) => operators::by_id(&mut conn, id).await.map_err(|e| AppError::from(e).into_response())?,
            None => None,
        };
        let Some(operator) = operator else {
            return Err(login);
        };
        if SessionRule::needs_touch(session.last_seen_at, now) {
            sessions::touch(&mut conn, &hash, now).await.map_err(|e| AppError::from(e).into_response())?;
        }
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
            let expires = CODE.expires_at(now);
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
            let minutes = (CODE.valid_seconds / MINUTE).to_string();
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
    let code: String = madoguchi_web::forms::typed_code(&form.code);
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        let page = CodePage {
            chrome: ctx.chrome(ctx.t.get("op.code.title"), Some(&portal), None),
            errors: FieldErrors::field("code", ctx.t.get("op.code.format")),
        };
        return Ok(html(&page)?.into_response());
    }
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let challenge = operators::attempt_challenge(&mut tx, &portal.id, &auth::token_hash(&token)).await?;
    let Some(challenge) = challenge.filter(|c| CODE.verdict(c.expires_at, c.attempts, now) != CodeVerdict::Expired)
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
    if CODE.verdict(challenge.expires_at, challenge.attempts, now) == CodeVerdict::Spent {
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
    let expires = SessionRule::of(&portal.settings.session).expires_at(now);
    sessions::insert(
        &mut tx,
        &auth::token_hash(&session),
        &portal.id,
        sessions::Holder::Operator(challenge.operator_id),
        now,
        expires,
    )
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

pub use madoguchi_web::format::local;

/// Text from a textarea: CRLF as LF, trimmed.
pub fn normalize_newlines(s: &str) -> String {
    s.replace("\r\n", "\n").trim().to_string()
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
    pub created: String,
    pub kind: String,
    pub to: String,
    pub subject: String,
    pub state: String,
    pub attempts: i64,
    pub error: String,
}

#[derive(Template)]
#[template(path = "operator/outbox.html")]
pub struct OutboxPage {
    pub chrome: Chrome,
    pub base: String,
    pub counts: outbox::OutboxCounts,
    /// While mails wait (the SMTP server may be away): how many, and since when.
    pub oldest_waiting: Option<String>,
    pub lines: Vec<OutboxLine>,
}

/// Shows the address's first character and domain only: enough to recognise, not to harvest.
pub fn mask_address(address: &str) -> String {
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
                created: local(r.created_at).replace('T', " "),
                kind: r.kind,
                to: mask_address(&r.to),
                subject: r.subject,
                state: state_text,
                attempts: r.attempts,
                error: r.last_error.unwrap_or_default(),
            }
        })
        .collect();
    let now = state.clock.unix();
    let oldest_waiting = counts.oldest_waiting_at.map(|at| {
        ctx.t
            .get("op.out.backlog")
            .replace("{count}", &counts.backlog().to_string())
            .replace("{since}", &local(at).replace('T', " "))
            .replace("{minutes}", &((now - at).max(0) / 60).to_string())
    });
    html(&OutboxPage {
        chrome: ctx.chrome(ctx.t.get("op.out.title"), Some(portal), None),
        base: console_path(portal),
        counts,
        oldest_waiting,
        lines,
    })
}

/// The pasted CSV of every import screen of the console.
#[derive(Deserialize, Default)]
pub struct ImportForm {
    #[serde(default)]
    pub csv: String,
}

impl ImportForm {
    /// The text as pasted: what Excel copies is tab-separated, which the import reads as
    /// such (`accounts::import_rows`); turning tabs into commas split cells holding a comma.
    pub fn text(&self) -> String {
        self.csv.clone()
    }
}

/// What tells one import screen from another (accounts, contracts): locale keys of its title,
/// lead paragraph and submit button, and the console page it returns to.
pub struct ImportScreen {
    pub title: &'static str,
    pub lead: &'static str,
    pub submit: &'static str,
    pub back: &'static str,
}

#[derive(Template)]
#[template(path = "operator/import.html")]
pub struct ImportPage {
    pub chrome: Chrome,
    pub base: String,
    pub lead: &'static str,
    pub submit: &'static str,
    pub back: &'static str,
    pub columns: String,
    pub csv: String,
    pub rows: Vec<madoguchi_identity::accounts::RowError>,
    pub errors: FieldErrors,
}

/// An import screen: empty, or with what was pasted and every refused row.
pub fn import_page(
    ctx: &Ctx,
    signed: &SignedIn,
    screen: &ImportScreen,
    columns: String,
    csv: String,
    rows: Vec<madoguchi_identity::accounts::RowError>,
) -> Result<Html<String>, AppError> {
    let errors = if rows.is_empty() {
        FieldErrors::default()
    } else {
        FieldErrors::field("csv", ctx.t.get("op.import.refused"))
    };
    html(&ImportPage {
        chrome: ctx.chrome(ctx.t.get(screen.title), Some(&signed.portal), None),
        base: console_path(&signed.portal),
        lead: screen.lead,
        submit: screen.submit,
        back: screen.back,
        columns,
        csv,
        rows,
        errors,
    })
}
