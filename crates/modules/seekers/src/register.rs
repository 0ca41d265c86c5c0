//! ユーザ登録 (jrec-in §1.8.1): メールアドレス → a code mailed (valid `seekers.code_minutes`,
//! five tries) → 氏名, フリガナ, パスワード twice, 言語 → the account, then the login page.
//! An address already registered gets the same pages and a mail saying so instead of a code
//! (no code exists for it), so the pages never tell who is registered. The pending
//! registration is the platform's sign-up row (`madoguchi_store::contracts::{start_signup, …}`),
//! bound to this browser by a cookie.

use crate::{area_name, base, chrome, message, rules, store, subject};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use madoguchi_core::password::{self, PasswordRule, Subject};
use madoguchi_core::rules::{CodeRule, CodeVerdict, MINUTE, before};
use madoguchi_core::{Lang, Portal, normalize};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::limits::{self, Limit};
use madoguchi_store::{audit, contracts, users};
use madoguchi_web::auth;
use madoguchi_web::cookies::{cookie, removal};
use madoguchi_web::ctx::{Chrome, Ctx, Origin, PortalRef, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;
use serde::Deserialize;

const COOKIE: &str = "mdg_seeker_signup";
const CODE_TRIES: i64 = 5;
const CODE_DIGITS: u32 = 6;
/// Codes mailed to one address per hour: a stranger cannot flood somebody's mailbox.
const PER_ADDRESS: Limit = Limit::per_hour("seeker.register.address", 5);
/// Registrations started from one IP address per hour.
const PER_IP: Limit = Limit::per_hour("seeker.register.ip", 20);
/// Time to fill in the details once the code was right.
const DETAILS_MINUTES: i64 = 30;
/// Tries to find a free ユーザID (`U` + 9 random digits) before giving up.
const ID_TRIES: usize = 8;

fn code_rule(portal: &Portal) -> CodeRule {
    CodeRule::new(i64::from(portal.settings.seekers.code_minutes) * MINUTE, CODE_TRIES)
}

fn path(portal: &Portal, step: &str) -> String {
    format!("{}/register{step}", base(portal))
}

// ---- メールアドレス ----

#[derive(Template)]
#[template(path = "seekers/register_email.html")]
pub struct EmailPage {
    pub chrome: Chrome,
    pub email: String,
    pub errors: FieldErrors,
    pub login: String,
}

fn email_page(ctx: &Ctx, portal: &Portal, email: &str, errors: FieldErrors) -> Result<Html<String>, AppError> {
    html(&EmailPage {
        chrome: chrome(ctx, portal, ctx.t.get("seeker.register.title")),
        email: email.to_string(),
        errors,
        login: format!("{}/login", base(portal)),
    })
}

pub async fn email_form(PortalRef(portal): PortalRef, ctx: Ctx) -> Result<Html<String>, AppError> {
    email_page(&ctx, &portal, "", FieldErrors::default())
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

pub async fn email(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<EmailForm>,
) -> Result<Response, AppError> {
    let email = normalize::email(&form.email);
    if !normalize::is_email(&email) {
        let errors = FieldErrors::field("email", ctx.t.get("seeker.error.email"));
        return Ok(email_page(&ctx, &portal, &form.email, errors)?.into_response());
    }
    let now = state.clock.unix();
    let rule = code_rule(&portal);
    let mut tx = state.store.begin().await?;
    let from_ip = match origin.ip.as_deref() {
        Some(ip) => limits::take(&mut tx, &portal.id, &PER_IP, ip, now).await?,
        None => true,
    };
    if !from_ip {
        audit::record(&mut tx, &audit_entry(&portal, &origin, "seeker.register_throttled", None, None), now).await?;
        tx.commit().await?;
        let errors = FieldErrors::form(ctx.t.get("reset.too_many"));
        return Ok(email_page(&ctx, &portal, &form.email, errors)?.into_response());
    }
    // Over the per-address limit the browser goes on as usual but no mail is sent.
    let flooded = !limits::take(&mut tx, &portal.id, &PER_ADDRESS, &email, now).await?;
    let known = users::seeker_by_email(&mut tx, &portal.id, &email).await?;
    let code = auth::numeric_code(CODE_DIGITS);
    // A known address gets no code at all: a random hash nobody can match.
    let code_hash = if known.is_some() { auth::token_hash(&auth::random_token()) } else { auth::token_hash(&code) };
    let token = auth::random_token();
    contracts::start_signup(
        &mut tx,
        &auth::token_hash(&token),
        &portal.id,
        &email,
        &code_hash,
        rule.expires_at(now),
        now,
    )
    .await?;
    let name = area_name(&portal, ctx.lang);
    if !flooded {
        let minutes = portal.settings.seekers.code_minutes.to_string();
        let url = portal.url("/seeker/login");
        let (kind, values): (MailKind, Vec<(&str, &str)>) = match known {
            Some(_) => (MailKind::SeekerExists, vec![("portal", name), ("url", &url)]),
            None => (MailKind::SignupCode, vec![("portal", name), ("code", &code), ("minutes", &minutes)]),
        };
        let envelope = Envelope { portal: &portal.id, from_name: name, to: &email, lang: ctx.lang };
        madoguchi_mail::queue(&mut tx, &envelope, kind, &values, state.mailer.domain(), now).await?;
    }
    let detail = match (flooded, known.is_some()) {
        (true, _) => "mail_limit",
        (false, true) => "address_taken",
        (false, false) => "code_sent",
    };
    let subject = known.as_ref().map(|u| subject(u.id));
    let entry = audit_entry(&portal, &origin, "seeker.register_started", subject.as_deref(), Some(detail));
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    state.mailer.wake();
    let pending = cookie(COOKIE, token, path(&portal, ""), state.secure_cookies());
    Ok((jar.add(pending), Redirect::to(&path(&portal, "/code"))).into_response())
}

// ---- 確認コード ----

#[derive(Template)]
#[template(path = "seekers/register_code.html")]
pub struct CodePage {
    pub chrome: Chrome,
    pub email: String,
    pub minutes: u32,
    pub errors: FieldErrors,
}

async fn pending(
    state: &AppState,
    portal: &Portal,
    jar: &CookieJar,
    count: bool,
) -> Result<Option<(String, contracts::Signup)>, AppError> {
    let Some(token) = jar.get(COOKIE).map(|c| auth::token_hash(c.value())) else { return Ok(None) };
    let mut conn = state.store.acquire().await?;
    let signup = contracts::signup(&mut conn, &portal.id, &token, count).await?;
    Ok(signup.filter(|s| before(s.expires_at, state.clock.unix())).map(|s| (token, s)))
}

/// The registration is gone (expired, used up, finished in another tab): from the start.
fn start_again(ctx: &Ctx, portal: &Portal, jar: CookieJar, secure: bool) -> Result<Response, AppError> {
    let page = email_page(ctx, portal, "", FieldErrors::form(ctx.t.get("seeker.register.expired")))?;
    Ok((jar.remove(removal(COOKIE, path(portal, ""), secure)), page).into_response())
}

fn code_page(ctx: &Ctx, portal: &Portal, email: String, errors: FieldErrors) -> Result<Response, AppError> {
    let minutes = portal.settings.seekers.code_minutes;
    let title = ctx.t.get("seeker.register.code_title");
    Ok(html(&CodePage { chrome: chrome(ctx, portal, title), email, minutes, errors })?.into_response())
}

pub async fn code_form(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response, AppError> {
    match pending(&state, &portal, &jar, false).await? {
        Some((_, signup)) if !signup.verified => code_page(&ctx, &portal, signup.email, FieldErrors::default()),
        Some(_) => Ok(Redirect::to(&path(&portal, "/details")).into_response()),
        None => start_again(&ctx, &portal, jar, state.secure_cookies()),
    }
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
    let Some((token, signup)) = pending(&state, &portal, &jar, true).await?.filter(|(_, s)| !s.verified) else {
        return start_again(&ctx, &portal, jar, state.secure_cookies());
    };
    let now = state.clock.unix();
    let typed = madoguchi_web::forms::typed_code(&form.code);
    let verdict = code_rule(&portal).verdict(signup.expires_at, signup.attempts, now);
    if !matches!(verdict, CodeVerdict::Open { .. }) {
        let mut conn = state.store.acquire().await?;
        contracts::end_signup(&mut conn, &token).await?;
        return start_again(&ctx, &portal, jar, state.secure_cookies());
    }
    if typed.is_empty() || !auth::equal(&auth::token_hash(&typed), &signup.code_hash) {
        let mut conn = state.store.acquire().await?;
        let entry = audit_entry(&portal, &origin, "seeker.register_code_failed", None, None);
        audit::record(&mut conn, &entry, now).await?;
        if verdict == (CodeVerdict::Open { last: true }) {
            contracts::end_signup(&mut conn, &token).await?;
            return start_again(&ctx, &portal, jar, state.secure_cookies());
        }
        let key = if typed.is_empty() { "seeker.error.code_required" } else { "seeker.error.code_wrong" };
        return code_page(&ctx, &portal, signup.email, FieldErrors::field("code", ctx.t.get(key)));
    }
    let mut conn = state.store.acquire().await?;
    contracts::verify_signup(&mut conn, &token, now, now + DETAILS_MINUTES * MINUTE).await?;
    Ok(Redirect::to(&path(&portal, "/details")).into_response())
}

// ---- 氏名, フリガナ, パスワード, 言語 ----

#[derive(Deserialize, Default)]
pub struct DetailsForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub furigana: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
    #[serde(default)]
    pub lang: String,
}

#[derive(Template)]
#[template(path = "seekers/register_details.html")]
pub struct DetailsPage {
    pub chrome: Chrome,
    pub email: String,
    pub form: DetailsForm,
    pub errors: FieldErrors,
    pub password_hint: String,
}

fn details_page(
    ctx: &Ctx,
    portal: &Portal,
    email: String,
    mut form: DetailsForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    if form.lang.is_empty() {
        form.lang = ctx.lang.code().to_string();
    }
    let p = &portal.settings.password;
    let password_hint =
        ctx.t.get("seeker.password_hint").replace("{min}", &p.min.to_string()).replace("{max}", &p.max.to_string());
    let title = ctx.t.get("seeker.register.details_title");
    Ok(html(&DetailsPage { chrome: chrome(ctx, portal, title), email, form, errors, password_hint })?.into_response())
}

pub async fn details_form(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response, AppError> {
    match pending(&state, &portal, &jar, false).await? {
        Some((_, s)) if s.verified => {
            details_page(&ctx, &portal, s.email, DetailsForm::default(), FieldErrors::default())
        }
        Some(_) => Ok(Redirect::to(&path(&portal, "/code")).into_response()),
        None => start_again(&ctx, &portal, jar, state.secure_cookies()),
    }
}

pub async fn details(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<DetailsForm>,
) -> Result<Response, AppError> {
    let Some((token, signup)) = pending(&state, &portal, &jar, false).await?.filter(|(_, s)| s.verified) else {
        return start_again(&ctx, &portal, jar, state.secure_cookies());
    };
    let t = ctx.t;
    let mut errors = FieldErrors::default();
    let name = rules::name(&form.name).map_err(|key| errors.add("name", &message(t, key, None))).ok();
    let furigana = rules::furigana(&form.furigana).map_err(|key| errors.add("furigana", &message(t, key, None))).ok();
    let names: Vec<&str> = name.iter().map(String::as_str).collect();
    for rule in
        password::check(&portal.settings.password, &form.password, Subject { login_id: &signup.email, names: &names })
    {
        errors.add("password", &rule.message(ctx.lang));
    }
    if form.password != form.password_again {
        errors.add("password_again", &PasswordRule::Mismatch.message(ctx.lang));
    }
    let lang = Lang::parse(&form.lang);
    if lang.is_none() {
        errors.add("lang", t.get("seeker.error.choice"));
    }
    let (Some(name), Some(furigana), Some(lang), true) = (name, furigana, lang, errors.is_empty()) else {
        return details_page(&ctx, &portal, signup.email, form, errors);
    };
    let now = state.clock.unix();
    let hash = state.hasher.hash(&form.password).await.map_err(|e| AppError::Internal(format!("hash: {e}")))?;
    let mut tx = state.store.begin().await?;
    if !contracts::end_signup(&mut tx, &token).await? {
        // Finished meanwhile in another tab.
        drop(tx);
        return start_again(&ctx, &portal, jar, state.secure_cookies());
    }
    let mut created = None;
    for _ in 0..ID_TRIES {
        let seeker_id = format!("U{}", auth::numeric_code(9));
        if let Some(id) =
            users::insert_seeker(&mut tx, &portal.id, &seeker_id, &signup.email, &name, &hash, now).await?
        {
            created = Some((id, seeker_id));
            break;
        }
        if users::seeker_by_email(&mut tx, &portal.id, &signup.email).await?.is_some() {
            // Registered meanwhile from another browser with the same address.
            break;
        }
    }
    let Some((user_id, seeker_id)) = created else {
        drop(tx);
        return start_again(&ctx, &portal, jar, state.secure_cookies());
    };
    store::insert(&mut tx, &portal.id, user_id, &furigana, lang.code(), now).await?;
    let subject = subject(user_id);
    audit::record(&mut tx, &audit_entry(&portal, &origin, "seeker.registered", Some(&subject), None), now).await?;
    tx.commit().await?;
    let notice = t.get("seeker.register.done").replace("{id}", &seeker_id);
    let page = crate::login::login_page(&ctx, &portal, &signup.email, FieldErrors::default(), Some(notice))?;
    Ok((jar.remove(removal(COOKIE, path(&portal, ""), state.secure_cookies())), page).into_response())
}
