//! Employer login: the password step with the portal's lockout, then the second factor the
//! portal names (e-mailed one-time password with a per-browser skip, or none), the skip
//! confirmation, and logout. The page never tells whether an account exists or is locked.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use axum_extra::extract::CookieJar;
use madoguchi_core::Portal;
use madoguchi_core::login_id::LoginId;
use madoguchi_core::portal::SecondFactor;
use madoguchi_core::rules::{CodeRule, CodeVerdict, MINUTE, TrustRule};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::audit::{self};
use madoguchi_store::codes;
use madoguchi_store::limits::{self, Limit};
use madoguchi_store::users::User;
use madoguchi_web::auth;
use madoguchi_web::client_cert::PeerCertificate;
use madoguchi_web::cookies::{cookie, removal};
use madoguchi_web::credentials;
use madoguchi_web::ctx::audit_entry;
use madoguchi_web::ctx::{Chrome, Ctx, Origin, PortalRef};
use madoguchi_web::draft_seal::restore::after_login;
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::pages::login_screen::{login_page, login_page_sealed, login_path};
use madoguchi_web::screens::Screen;
use madoguchi_web::session::{self, CurrentUser};
use madoguchi_web::state::AppState;
use serde::Deserialize;

const OTP_COOKIE: &str = "mdg_otp";
const TRUST_COOKIE: &str = "mdg_trust";
const OTP_PURPOSE: &str = "login";
const OTP_DIGITS: u32 = 6;
/// At most this many login codes per user per hour: a flood of logins cannot flood a mailbox.
const OTP_PER_HOUR: Limit = Limit::per_hour("login_code.user", 10);

fn home_path(portal: &Portal) -> String {
    format!("/{}/home", portal.id)
}

/// The login step that follows a right password.
enum Next {
    Session,
    Code(CodeRule),
}

/// The portal's second factor for this user from this browser and address.
fn second_step(portal: &Portal, user: &User, trusted: bool, office: bool) -> Next {
    let Some(rule) = CodeRule::login_code(&portal.settings.second_factor) else { return Next::Session };
    match &portal.settings.second_factor {
        SecondFactor::EmailOtp { .. } if !(trusted || office) => Next::Code(rule),
        SecondFactor::OptionalEmailCode { .. } if user.login_code_enabled => Next::Code(rule),
        _ => Next::Session,
    }
}

/// Password login exists where the portal's login is not the client certificate.
pub fn password_login(portal: &Portal) -> Result<(), AppError> {
    match portal.settings.second_factor {
        SecondFactor::ClientCertificate { .. } => Err(AppError::NotFound),
        _ => Ok(()),
    }
}

fn in_office(portal: &Portal, origin: &Origin) -> bool {
    let SecondFactor::EmailOtp { office_networks, .. } = &portal.settings.second_factor else {
        return false;
    };
    let Some(ip) = origin.ip.as_deref().and_then(|ip| ip.parse::<std::net::IpAddr>().ok()) else {
        return false;
    };
    office_networks.iter().filter_map(|n| n.parse::<ipnet::IpNet>().ok()).any(|net| net.contains(&ip))
}

// ---- the password step ----

pub async fn login_form(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    presented: Option<Extension<PeerCertificate>>,
) -> Result<Response, AppError> {
    if password_login(&portal).is_err() {
        return crate::certificate_login::login_form(&state, &portal, &ctx, presented.as_deref()).await;
    }
    Ok(login_page(&ctx, &portal, "", FieldErrors::default(), None)?.into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login_id: String,
    #[serde(default)]
    password: String,
    /// A form posted after the session expired (`madoguchi_web::draft_seal::restore`).
    #[serde(default)]
    sealed_draft: String,
}

pub async fn login(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    presented: Option<Extension<PeerCertificate>>,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    if password_login(&portal).is_err() {
        let presented = presented.as_deref();
        return crate::certificate_login::login(&state, &portal, &ctx, &origin, jar, presented, &form.password).await;
    }
    let label = portal.settings.login_screen.id_label.get(ctx.lang).to_string();
    let parsed = LoginId::parse(&portal.settings.login_id, &form.login_id);
    let mut errors = FieldErrors::default();
    if let Err(rules) = &parsed {
        errors.add("login_id", &rules[0].message(&label, ctx.lang));
    }
    if form.password.is_empty() {
        errors.add("password", ctx.t.get("login.password_required"));
    }
    let sealed = Some(form.sealed_draft.as_str());
    let (Ok(login_id), true) = (parsed, errors.is_empty()) else {
        return Ok(login_page_sealed(&ctx, &portal, &form.login_id, errors, None, sealed)?.into_response());
    };
    let refused = || -> Result<Response, AppError> {
        let errors = FieldErrors::form(ctx.t.get("login.failed"));
        Ok(login_page_sealed(&ctx, &portal, &form.login_id, errors, None, sealed)?.into_response())
    };

    let now = state.clock.unix();
    let (user, mut tx) = match credentials::check(&state, &portal, &login_id, &form.password, &origin, ctx.lang).await?
    {
        Some(accepted) => (accepted.user, accepted.tx),
        None => return refused(),
    };
    let subject = format!("user:{}", user.id);
    let trusted = match (jar.get(TRUST_COOKIE), TrustRule::of(&portal.settings.second_factor)) {
        (Some(c), Some(rule)) => codes::trusted_until(&mut tx, &auth::token_hash(c.value()), user.id)
            .await?
            .is_some_and(|until| rule.skips(until, now)),
        _ => false,
    };
    match second_step(&portal, &user, trusted, in_office(&portal, &origin)) {
        Next::Session => {
            let detail = if trusted { "trusted_browser" } else { "password" };
            audit::record(
                &mut tx,
                &audit_entry(&portal, &origin, "login.succeeded", Some(&subject), Some(detail)),
                now,
            )
            .await?;
            let meta = origin.session_meta(None);
            let session = session::start_with(&mut tx, &state, &portal, user.id, &jar, now, &meta).await?;
            let restored = after_login(&state, &mut tx, &portal, &origin, &user, &form.sealed_draft, now).await?;
            tx.commit().await?;
            let next = restored.unwrap_or_else(|| home_path(&portal));
            Ok((jar.add(session), Redirect::to(&next)).into_response())
        }
        Next::Code(rule) => {
            if !limits::take(&mut tx, &portal.id, &OTP_PER_HOUR, &subject, now).await? {
                audit::record(
                    &mut tx,
                    &audit_entry(&portal, &origin, "login.code_refused", Some(&subject), Some("too_many_codes")),
                    now,
                )
                .await?;
                tx.commit().await?;
                let errors = FieldErrors::form(ctx.t.get("login.too_many_codes"));
                return Ok(login_page_sealed(&ctx, &portal, &form.login_id, errors, None, sealed)?.into_response());
            }
            let token = auth::random_token();
            let code = auth::numeric_code(OTP_DIGITS);
            let expires = rule.expires_at(now);
            codes::insert(
                &mut tx,
                &codes::NewCode {
                    token_hash: &auth::token_hash(&token),
                    portal: &portal.id,
                    user_id: user.id,
                    purpose: OTP_PURPOSE,
                    code_hash: &auth::token_hash(&code),
                    expires_at: expires,
                },
                now,
            )
            .await?;
            let portal_name = portal.settings.name.get(ctx.lang);
            let expires_text = format_ts(expires, ctx.lang);
            let (minutes, attempts) = ((rule.valid_seconds / MINUTE).to_string(), rule.max_attempts.to_string());
            madoguchi_mail::queue(
                &mut tx,
                &Envelope { portal: &portal.id, from_name: portal_name, to: &user.email, lang: ctx.lang },
                if otp_settings(&portal).2 { MailKind::LoginOtp } else { MailKind::LoginCode },
                &[
                    ("portal", portal_name),
                    ("name", &user.name),
                    ("code", &code),
                    ("expires", &expires_text),
                    ("minutes", &minutes),
                    ("attempts", &attempts),
                ],
                state.mailer.domain(),
                now,
            )
            .await?;
            audit::record(&mut tx, &audit_entry(&portal, &origin, "login.code_sent", Some(&subject), None), now)
                .await?;
            tx.commit().await?;
            state.mailer.wake();
            let pending = cookie(OTP_COOKIE, token, login_path(&portal), state.secure_cookies());
            if !form.sealed_draft.is_empty() {
                // The sealed form rides on to the code step in the page itself (a redirect
                // would drop it).
                let page = otp_page(&ctx, &portal, false, FieldErrors::default(), sealed)?;
                return Ok((jar.add(pending), page).into_response());
            }
            Ok((jar.add(pending), Redirect::to(&format!("{}/otp", login_path(&portal)))).into_response())
        }
    }
}

// ---- the one-time password step ----

#[derive(Template)]
#[template(path = "login/otp.html")]
pub struct OtpPage {
    pub chrome: Chrome,
    pub label: String,
    pub lead: String,
    pub skippable: bool,
    pub skip_checked: bool,
    pub minutes: u32,
    pub max_attempts: u32,
    pub cancel: String,
    /// Where the code goes: said on the form, because the page is also the answer to a POST of
    /// the login page (a sealed form rides on to the code step without a redirect).
    pub action: String,
    pub errors: FieldErrors,
    pub sealed_draft: Option<String>,
}

fn otp_settings(portal: &Portal) -> (u32, u32, bool) {
    match &portal.settings.second_factor {
        SecondFactor::EmailOtp { code_minutes, max_attempts, skip_days, .. } => {
            (*code_minutes, *max_attempts, *skip_days > 0)
        }
        SecondFactor::OptionalEmailCode { code_minutes, max_attempts } => (*code_minutes, *max_attempts, false),
        _ => (30, 10, false),
    }
}

/// The locale key of a login-code text: hellowork's screen speaks of ワンタイムパスワード; a
/// plain login code (shaho) is a 確認コード, in its errors too.
fn code_key(portal: &Portal, k: &str) -> String {
    if otp_settings(portal).2 { format!("otp.{k}") } else { format!("code.{k}") }
}

fn otp_page(
    ctx: &Ctx,
    portal: &Portal,
    skip_checked: bool,
    errors: FieldErrors,
    sealed_draft: Option<&str>,
) -> Result<Html<String>, AppError> {
    let (minutes, max_attempts, skippable) = otp_settings(portal);
    let key = |k: &str| code_key(portal, k);
    html(&OtpPage {
        chrome: ctx.chrome(ctx.t.get(&key("title")), Some(portal), Some(Screen::Otp)),
        label: ctx.t.get(&key("label")).to_string(),
        lead: ctx.t.get(&key("lead")).to_string(),
        skippable,
        skip_checked,
        minutes,
        max_attempts,
        cancel: login_path(portal),
        action: format!("{}/otp", login_path(portal)),
        errors,
        sealed_draft: sealed_draft.filter(|v| !v.is_empty()).map(str::to_string),
    })
}

pub async fn otp_form(PortalRef(portal): PortalRef, ctx: Ctx, jar: CookieJar) -> Result<Response, AppError> {
    password_login(&portal)?;
    if jar.get(OTP_COOKIE).is_none() {
        return Ok(Redirect::to(&login_path(&portal)).into_response());
    }
    Ok(otp_page(&ctx, &portal, false, FieldErrors::default(), None)?.into_response())
}

#[derive(Deserialize)]
pub struct OtpForm {
    #[serde(default)]
    otp: String,
    #[serde(default)]
    skip: Option<String>,
    #[serde(default)]
    sealed_draft: String,
}

pub async fn otp(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<OtpForm>,
) -> Result<Response, AppError> {
    password_login(&portal)?;
    let skip = form.skip.is_some() && otp_settings(&portal).2;
    let secure = state.secure_cookies();
    let sealed = Some(form.sealed_draft.as_str());
    let restart = |jar: CookieJar, key: &str| -> Result<Response, AppError> {
        let page = login_page_sealed(&ctx, &portal, "", FieldErrors::form(ctx.t.get(key)), None, sealed)?;
        Ok((jar.remove(removal(OTP_COOKIE, login_path(&portal), secure)), page).into_response())
    };
    let Some(token) = jar.get(OTP_COOKIE).map(|c| c.value().to_string()) else {
        return restart(jar, &code_key(&portal, "expired"));
    };
    let code: String = madoguchi_web::forms::typed_code(&form.otp);
    if code.len() != OTP_DIGITS as usize || !code.chars().all(|c| c.is_ascii_digit()) {
        let errors = FieldErrors::field("otp", ctx.t.get(&code_key(&portal, "format")));
        return Ok(otp_page(&ctx, &portal, skip, errors, sealed)?.into_response());
    }
    let now = state.clock.unix();
    let Some(rule) = CodeRule::login_code(&portal.settings.second_factor) else {
        return restart(jar, &code_key(&portal, "expired"));
    };
    let mut tx = state.store.begin().await?;
    let token_hash = auth::token_hash(&token);
    let Some(pending) = codes::attempt(&mut tx, &portal.id, OTP_PURPOSE, &token_hash).await? else {
        // Spent, used or replaced: still a submit to write down (a script may keep the cookie).
        let subject = codes::owner(&mut tx, &portal.id, OTP_PURPOSE, &token_hash).await?.map(|id| format!("user:{id}"));
        let entry = audit_entry(&portal, &origin, "login.code_failed", subject.as_deref(), Some("no_pending_code"));
        audit::record(&mut tx, &entry, now).await?;
        tx.commit().await?;
        return restart(jar, &code_key(&portal, "expired"));
    };
    let subject = format!("user:{}", pending.user_id);
    let verdict = rule.verdict(pending.expires_at, pending.attempts, now);
    if verdict == CodeVerdict::Expired {
        tx.commit().await?;
        return restart(jar, &code_key(&portal, "expired"));
    }
    if verdict == CodeVerdict::Spent {
        codes::spend(&mut tx, pending.id, now).await?;
        audit::record(
            &mut tx,
            &audit_entry(&portal, &origin, "login.code_failed", Some(&subject), Some("too_many_attempts")),
            now,
        )
        .await?;
        tx.commit().await?;
        return restart(jar, &code_key(&portal, "too_many"));
    }
    if !auth::equal(&auth::token_hash(&code), &pending.code_hash) || !codes::use_up(&mut tx, pending.id, now).await? {
        let last = verdict == (CodeVerdict::Open { last: true });
        if last {
            codes::spend(&mut tx, pending.id, now).await?;
        }
        audit::record(
            &mut tx,
            &audit_entry(&portal, &origin, "login.code_failed", Some(&subject), Some("wrong_code")),
            now,
        )
        .await?;
        tx.commit().await?;
        if last {
            return restart(jar, &code_key(&portal, "too_many"));
        }
        let errors = FieldErrors::field("otp", ctx.t.get(&code_key(&portal, "wrong")));
        return Ok(otp_page(&ctx, &portal, skip, errors, sealed)?.into_response());
    }
    audit::record(&mut tx, &audit_entry(&portal, &origin, "login.code_used", Some(&subject), None), now).await?;
    audit::record(
        &mut tx,
        &audit_entry(&portal, &origin, "login.succeeded", Some(&subject), Some("one_time_password")),
        now,
    )
    .await?;
    let meta = origin.session_meta(None);
    let session = session::start_with(&mut tx, &state, &portal, pending.user_id, &jar, now, &meta).await?;
    let restored = match madoguchi_store::users::by_id(&mut tx, pending.user_id).await? {
        Some(user) => after_login(&state, &mut tx, &portal, &origin, &user, &form.sealed_draft, now).await?,
        None => None,
    };
    tx.commit().await?;
    let jar = jar.remove(removal(OTP_COOKIE, login_path(&portal), secure)).add(session);
    // 省略設定 asks first; the restored draft is stored either way and listed as a draft.
    let next = match restored {
        _ if skip => format!("{}/skip", login_path(&portal)),
        Some(address) => address,
        None => home_path(&portal),
    };
    Ok((jar, Redirect::to(&next)).into_response())
}

// ---- ワンタイムパスワード省略設定確認 ----

#[derive(Template)]
#[template(path = "login/skip.html")]
pub struct SkipPage {
    pub chrome: Chrome,
    pub days: u32,
}

fn trust_rule(portal: &Portal) -> Result<TrustRule, AppError> {
    TrustRule::of(&portal.settings.second_factor).ok_or(AppError::NotFound)
}

pub async fn skip_form(current: CurrentUser, ctx: Ctx) -> Result<Html<String>, AppError> {
    let days = trust_rule(&current.portal)?.days;
    html(&SkipPage { chrome: ctx.chrome(ctx.t.get("skip.title"), Some(&current.portal), Some(Screen::Skip)), days })
}

#[derive(Deserialize)]
pub struct SkipForm {
    #[serde(default)]
    choice: String,
}

pub async fn skip(
    State(state): State<AppState>,
    current: CurrentUser,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<SkipForm>,
) -> Result<Response, AppError> {
    let rule = trust_rule(&current.portal)?;
    let portal = &current.portal;
    if form.choice != "ok" {
        return Ok(Redirect::to(&home_path(portal)).into_response());
    }
    let now = state.clock.unix();
    let token = auth::random_token();
    let expires = rule.expires_at(now);
    let mut tx = state.store.begin().await?;
    codes::trust_browser(&mut tx, &auth::token_hash(&token), &portal.id, current.user.id, now, expires).await?;
    let subject = format!("user:{}", current.user.id);
    audit::record(&mut tx, &audit_entry(portal, &origin, "trusted_browser.added", Some(&subject), None), now).await?;
    tx.commit().await?;
    let mut trust = cookie(TRUST_COOKIE, token, login_path(portal), state.secure_cookies());
    trust.set_max_age(time::Duration::days(i64::from(rule.days)));
    Ok((jar.add(trust), Redirect::to(&home_path(portal))).into_response())
}

// ---- logout ----

pub async fn logout(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
) -> Result<Response, AppError> {
    let portal = &current.portal;
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    madoguchi_store::sessions::delete(&mut tx, &current.session_hash).await?;
    let subject = format!("user:{}", current.user.id);
    audit::record(&mut tx, &audit_entry(portal, &origin, "session.ended", Some(&subject), Some("logout")), now).await?;
    tx.commit().await?;
    let jar = jar.remove(session::end_cookie(&state, portal));
    if password_login(portal).is_err() {
        // rokin: 「ログアウトすると…ログイン画面を表示します」, the screen with its four buttons.
        return Ok((jar, Redirect::to(&format!("/{}/", portal.id))).into_response());
    }
    let page = login_page(&ctx, portal, "", FieldErrors::default(), Some(ctx.t.get("login.logged_out").to_string()))?;
    Ok((jar, page).into_response())
}
