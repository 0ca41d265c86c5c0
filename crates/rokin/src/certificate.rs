//! rokin 電子証明書発行 (the login with the certificate is identity's: `madoguchi_identity::certificate_login`).
//!
//! 発行: ユーザー認証 (ユーザーＩＤ + パスワード, counted by the lockout rule) → a 認証コード
//! mailed (digits only, 30 minutes) → 認証コード入力 → 発行 → 発行中 → 発行結果, and the browser
//! downloads `<userID><yyyymmddhhmmss>.p12`, encrypted with the login password. While a
//! certificate is in force, ユーザー認証 is refused until its renewal window opens.
//!
//! Our one departure from the manual: the 発行 screen asks for the パスワード once more. The
//! .p12 must be encrypted with the login password, and the server keeps no password between
//! requests (not even encrypted) — so it is typed again where it is used, and checked against
//! the stored hash (a wrong one counts like a failed login).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use chrono::{DateTime, Utc};
use madoguchi_ca::{Authority, ClientProfile, Serial};
use madoguchi_core::login_id::LoginId;
use madoguchi_core::portal::SecondFactor;
use madoguchi_core::rules::{CertificateRule, CodeVerdict, Issuance, MINUTE};
use madoguchi_core::{Lang, Portal};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::audit::AuditEntry;
use madoguchi_store::certificates::{self, Certificate, NewCertificate};
use madoguchi_store::limits::{self, Limit};
use madoguchi_store::users::{self, User};
use madoguchi_store::{Tx, audit, codes};
use madoguchi_web::auth;
use madoguchi_web::cookies::{cookie, removal};
use madoguchi_web::credentials;
use madoguchi_web::ctx::audit_entry;
use madoguchi_web::ctx::{Chrome, Ctx, Origin, PortalRef};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::{self, FieldErrors};
use madoguchi_web::pages::html;
use madoguchi_web::screens::Screen;
use madoguchi_web::state::AppState;
use serde::Deserialize;

const AUTH_COOKIE: &str = "mdg_cert";
const DOWNLOAD_COOKIE: &str = "mdg_cert_dl";
const CODE_PURPOSE: &str = "certificate";
/// The step between a right 認証コード and 発行.
const ISSUE_PURPOSE: &str = "certificate_issue";
/// Wrong 認証コード entries allowed (the manual gives none).
const CODE_TRIES: i64 = 5;
/// 認証コード mails per user per hour: repeated ユーザー認証 cannot flood a mailbox.
const CODES_PER_HOUR: Limit = Limit::per_hour("certificate_code.user", 10);
/// How long the .p12 can be downloaded again after 発行 (a failed download, a second click).
const DOWNLOAD_MINUTES: i64 = 30;

struct Settings {
    rule: CertificateRule,
    profile: ClientProfile,
}

fn settings(portal: &Portal) -> Result<Settings, AppError> {
    let SecondFactor::ClientCertificate { subject_suffix, validity_days, .. } = &portal.settings.second_factor else {
        return Err(AppError::NotFound);
    };
    let rule = CertificateRule::of(&portal.settings.second_factor, CODE_TRIES).ok_or(AppError::NotFound)?;
    Ok(Settings { rule, profile: ClientProfile::with_suffix(subject_suffix, *validity_days) })
}

fn authority<'a>(state: &'a AppState, portal: &Portal) -> Result<&'a Authority, AppError> {
    state.ca(&portal.id).ok_or_else(|| AppError::Internal(format!("portal {} has no certificate authority", portal.id)))
}

fn path(portal: &Portal, step: &str) -> String {
    format!("/{}/certificate{step}", portal.id)
}

fn ts(at: DateTime<Utc>) -> i64 {
    at.timestamp()
}

// ---- ① ユーザー認証 ----

#[derive(Template)]
#[template(path = "rokin/cert_auth.html")]
pub struct AuthPage {
    pub chrome: Chrome,
    pub id_label: String,
    pub login_id: String,
    pub errors: FieldErrors,
    pub cancel: String,
    pub renew_days: i64,
}

fn auth_page(ctx: &Ctx, portal: &Portal, login_id: &str, errors: FieldErrors) -> Result<Html<String>, AppError> {
    let s = settings(portal)?;
    html(&AuthPage {
        chrome: ctx.chrome(ctx.t.get("cert.auth_title"), Some(portal), Some(Screen::Certificate)),
        id_label: portal.settings.login_screen.id_label.get(ctx.lang).to_string(),
        login_id: login_id.to_string(),
        errors,
        cancel: format!("/{}/", portal.id),
        renew_days: s.rule.renew_before / madoguchi_core::rules::DAY,
    })
}

pub async fn auth_form(PortalRef(portal): PortalRef, ctx: Ctx) -> Result<Html<String>, AppError> {
    auth_page(&ctx, &portal, "", FieldErrors::default())
}

#[derive(Deserialize)]
pub struct AuthForm {
    #[serde(default)]
    login_id: String,
    #[serde(default)]
    password: String,
}

pub async fn auth(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<AuthForm>,
) -> Result<Response, AppError> {
    let s = settings(&portal)?;
    let label = portal.settings.login_screen.id_label.get(ctx.lang).to_string();
    let parsed = LoginId::parse(&portal.settings.login_id, &form.login_id);
    let mut errors = FieldErrors::default();
    if let Err(rules) = &parsed {
        errors.add("login_id", &rules[0].message(&label, ctx.lang));
    }
    if form.password.is_empty() {
        errors.add("password", ctx.t.get("login.password_required"));
    }
    let (Ok(login_id), true) = (parsed, errors.is_empty()) else {
        return Ok(auth_page(&ctx, &portal, &form.login_id, errors)?.into_response());
    };
    let refused = |key: &str| auth_page(&ctx, &portal, &form.login_id, FieldErrors::form(ctx.t.get(key)));
    let Some(accepted) = credentials::check(&state, &portal, &login_id, &form.password, &origin, ctx.lang).await?
    else {
        return Ok(refused("cert.auth_failed")?.into_response());
    };
    let (user, mut tx) = (accepted.user, accepted.tx);
    let now = state.clock.unix();
    let subject = format!("user:{}", user.id);
    let current = certificates::current(&mut tx, user.id).await?;
    if let Issuance::Refused { opens_at } = s.rule.issuance(current.map(|c| c.not_after), now) {
        let entry = audit_entry(&portal, &origin, "certificate.refused", Some(&subject), Some("in_force"));
        audit::record(&mut tx, &entry, now).await?;
        tx.commit().await?;
        let message = ctx.t.get("cert.in_force").replace("{opens}", &format_ts(opens_at, ctx.lang));
        return Ok(auth_page(&ctx, &portal, &form.login_id, FieldErrors::form(&message))?.into_response());
    }
    if !limits::take(&mut tx, &portal.id, &CODES_PER_HOUR, &subject, now).await? {
        let entry = audit_entry(&portal, &origin, "certificate.refused", Some(&subject), Some("too_many_codes"));
        audit::record(&mut tx, &entry, now).await?;
        tx.commit().await?;
        return Ok(refused("cert.too_many_codes")?.into_response());
    }
    let token = auth::random_token();
    let code = auth::numeric_code(code_digits(&portal));
    let expires = s.rule.code.expires_at(now);
    codes::insert(
        &mut tx,
        &codes::NewCode {
            token_hash: &auth::token_hash(&token),
            portal: &portal.id,
            user_id: user.id,
            purpose: CODE_PURPOSE,
            code_hash: &auth::token_hash(&code),
            expires_at: expires,
        },
        now,
    )
    .await?;
    let portal_name = portal.settings.name.get(ctx.lang);
    let help_desk = madoguchi_web::pages::landing::help_desk_text(&mut tx, &portal, ctx.lang).await?;
    let minutes = (s.rule.code.valid_seconds / MINUTE).to_string();
    madoguchi_mail::queue(
        &mut tx,
        &Envelope { portal: &portal.id, from_name: portal_name, to: &user.email, lang: ctx.lang },
        MailKind::CertificateCode,
        &[
            ("portal", portal_name),
            ("name", &user.name),
            ("login_id", &user.login_id),
            ("code", &code),
            ("expires", &format_ts(expires, ctx.lang)),
            ("minutes", &minutes),
            ("help_desk", &help_desk),
        ],
        state.mailer.domain(),
        now,
    )
    .await?;
    audit::record(&mut tx, &audit_entry(&portal, &origin, "certificate.code_sent", Some(&subject), None), now).await?;
    tx.commit().await?;
    state.mailer.wake();
    let pending = cookie(AUTH_COOKIE, token, path(&portal, ""), state.secure_cookies());
    Ok((jar.add(pending), Redirect::to(&path(&portal, "/code"))).into_response())
}

fn code_digits(portal: &Portal) -> u32 {
    match portal.settings.second_factor {
        SecondFactor::ClientCertificate { code_digits, .. } => code_digits,
        _ => 6,
    }
}

// ---- ② 認証コード入力 ----

#[derive(Template)]
#[template(path = "rokin/cert_code.html")]
pub struct CodePage {
    pub chrome: Chrome,
    pub digits: u32,
    pub minutes: i64,
    pub errors: FieldErrors,
    pub cancel: String,
}

fn code_page(ctx: &Ctx, portal: &Portal, errors: FieldErrors) -> Result<Html<String>, AppError> {
    let s = settings(portal)?;
    html(&CodePage {
        chrome: ctx.chrome(ctx.t.get("cert.code_title"), Some(portal), Some(Screen::CertificateCode)),
        digits: code_digits(portal),
        minutes: s.rule.code.valid_seconds / MINUTE,
        errors,
        cancel: path(portal, ""),
    })
}

pub async fn code_form(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response, AppError> {
    settings(&portal)?;
    if pending(&state, &portal, &jar, AUTH_COOKIE, CODE_PURPOSE).await?.is_none() {
        return Ok(Redirect::to(&path(&portal, "")).into_response());
    }
    Ok(code_page(&ctx, &portal, FieldErrors::default())?.into_response())
}

/// The unused code behind the browser's cookie, if any (not counted as an attempt).
async fn pending(
    state: &AppState,
    portal: &Portal,
    jar: &CookieJar,
    cookie_name: &str,
    purpose: &str,
) -> Result<Option<codes::Code>, AppError> {
    let Some(token) = jar.get(cookie_name) else { return Ok(None) };
    let mut conn = state.store.acquire().await?;
    let code = codes::pending(&mut conn, &portal.id, purpose, &auth::token_hash(token.value())).await?;
    Ok(code.filter(|c| c.expires_at > state.clock.unix()))
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
    let s = settings(&portal)?;
    let typed = forms::typed_code(&form.code);
    let digits = code_digits(&portal) as usize;
    if typed.len() != digits || !typed.chars().all(|c| c.is_ascii_digit()) {
        let message = ctx.t.get("cert.code_format").replace("{digits}", &digits.to_string());
        return Ok(code_page(&ctx, &portal, FieldErrors::field("code", &message))?.into_response());
    }
    let Some(token) = jar.get(AUTH_COOKIE).map(|c| c.value().to_string()) else {
        return Ok(Redirect::to(&path(&portal, "")).into_response());
    };
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let Some(found) = codes::attempt(&mut tx, &portal.id, CODE_PURPOSE, &auth::token_hash(&token)).await? else {
        return Ok(Redirect::to(&path(&portal, "")).into_response());
    };
    let subject = format!("user:{}", found.user_id);
    let failed = |detail: &'static str| AuditEntry {
        event: "certificate.code_failed",
        detail: Some(detail),
        ..audit_entry(&portal, &origin, "", Some(&subject), None)
    };
    match s.rule.code.verdict(found.expires_at, found.attempts, now) {
        CodeVerdict::Expired | CodeVerdict::Spent => {
            codes::drop(&mut tx, found.id).await?;
            audit::record(&mut tx, &failed("expired"), now).await?;
            tx.commit().await?;
            let page = auth_page(&ctx, &portal, "", FieldErrors::form(ctx.t.get("cert.code_expired")))?;
            let jar = jar.remove(removal(AUTH_COOKIE, path(&portal, ""), state.secure_cookies()));
            return Ok((jar, page).into_response());
        }
        CodeVerdict::Open { last } if !auth::equal(&auth::token_hash(&typed), &found.code_hash) => {
            if last {
                codes::drop(&mut tx, found.id).await?;
            }
            audit::record(&mut tx, &failed("wrong_code"), now).await?;
            tx.commit().await?;
            if last {
                let page = auth_page(&ctx, &portal, "", FieldErrors::form(ctx.t.get("cert.code_spent")))?;
                let jar = jar.remove(removal(AUTH_COOKIE, path(&portal, ""), state.secure_cookies()));
                return Ok((jar, page).into_response());
            }
            return Ok(
                code_page(&ctx, &portal, FieldErrors::field("code", ctx.t.get("cert.code_wrong")))?.into_response()
            );
        }
        CodeVerdict::Open { .. } => {}
    }
    if !codes::use_up(&mut tx, found.id, now).await? {
        return Ok(Redirect::to(&path(&portal, "")).into_response());
    }
    // The right code opens 発行 for the rest of the code's window, in this browser only.
    let issue_token = auth::random_token();
    codes::insert(
        &mut tx,
        &codes::NewCode {
            token_hash: &auth::token_hash(&issue_token),
            portal: &portal.id,
            user_id: found.user_id,
            purpose: ISSUE_PURPOSE,
            code_hash: "",
            expires_at: s.rule.code.expires_at(now),
        },
        now,
    )
    .await?;
    audit::record(&mut tx, &audit_entry(&portal, &origin, "certificate.code_accepted", Some(&subject), None), now)
        .await?;
    tx.commit().await?;
    let jar = jar.add(cookie(AUTH_COOKIE, issue_token, path(&portal, ""), state.secure_cookies()));
    Ok((jar, Redirect::to(&path(&portal, "/issue"))).into_response())
}

// ---- ③ 発行 (④ 発行中 is the page's own waiting state) ----

#[derive(Template)]
#[template(path = "rokin/cert_issue.html")]
pub struct IssuePage {
    pub chrome: Chrome,
    pub login_id: String,
    pub renewal: bool,
    pub errors: FieldErrors,
    pub cancel: String,
}

async fn issue_page(
    state: &AppState,
    ctx: &Ctx,
    portal: &Portal,
    user: &User,
    errors: FieldErrors,
) -> Result<Html<String>, AppError> {
    let mut conn = state.store.acquire().await?;
    let renewal = certificates::current(&mut conn, user.id).await?.is_some_and(|c| c.not_after >= state.clock.unix());
    html(&IssuePage {
        chrome: ctx.chrome(ctx.t.get("cert.issue_title"), Some(portal), Some(Screen::CertificateIssue)),
        login_id: user.login_id.clone(),
        renewal,
        errors,
        cancel: format!("/{}/", portal.id),
    })
}

async fn issuing_user(
    state: &AppState,
    portal: &Portal,
    jar: &CookieJar,
) -> Result<Option<(codes::Code, User)>, AppError> {
    let Some(code) = pending(state, portal, jar, AUTH_COOKIE, ISSUE_PURPOSE).await? else { return Ok(None) };
    let mut conn = state.store.acquire().await?;
    let user = users::by_id(&mut conn, code.user_id).await?;
    Ok(user.filter(|u| u.portal == portal.id && u.disabled_at.is_none()).map(|u| (code, u)))
}

pub async fn issue_form(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response, AppError> {
    settings(&portal)?;
    let Some((_, user)) = issuing_user(&state, &portal, &jar).await? else {
        return Ok(Redirect::to(&path(&portal, "")).into_response());
    };
    Ok(issue_page(&state, &ctx, &portal, &user, FieldErrors::default()).await?.into_response())
}

#[derive(Deserialize)]
pub struct IssueForm {
    #[serde(default)]
    password: String,
}

pub async fn issue(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<IssueForm>,
) -> Result<Response, AppError> {
    let s = settings(&portal)?;
    let Some((pending_code, user)) = issuing_user(&state, &portal, &jar).await? else {
        return Ok(Redirect::to(&path(&portal, "")).into_response());
    };
    if form.password.is_empty() {
        let errors = FieldErrors::field("password", ctx.t.get("login.password_required"));
        return Ok(issue_page(&state, &ctx, &portal, &user, errors).await?.into_response());
    }
    let login_id = LoginId::parse(&portal.settings.login_id, &user.login_id)
        .map_err(|_| AppError::Internal(format!("stored login ID of user {} does not parse", user.id)))?;
    let Some(accepted) = credentials::check(&state, &portal, &login_id, &form.password, &origin, ctx.lang).await?
    else {
        let errors = FieldErrors::field("password", ctx.t.get("cert.issue_password_wrong"));
        return Ok(issue_page(&state, &ctx, &portal, &user, errors).await?.into_response());
    };
    let mut tx = accepted.tx;
    let now = state.clock.unix();
    let subject = format!("user:{}", user.id);
    // Another tab may have issued meanwhile: the rule is asked again, inside the transaction.
    let current = certificates::current(&mut tx, user.id).await?;
    if let Issuance::Refused { opens_at } = s.rule.issuance(current.map(|c| c.not_after), now) {
        tx.commit().await?;
        let message = ctx.t.get("cert.in_force").replace("{opens}", &format_ts(opens_at, ctx.lang));
        return Ok(auth_page(&ctx, &portal, &user.login_id, FieldErrors::form(&message))?.into_response());
    }
    if !codes::use_up(&mut tx, pending_code.id, now).await? {
        return Ok(Redirect::to(&path(&portal, "")).into_response());
    }
    let issued = issue_certificate(&state, &portal, &s.profile, &user.login_id, &form.password).await?;
    // One valid certificate per user: a renewal ends the one it replaces.
    for serial in certificates::revoke_for_user(&mut tx, user.id, "superseded", now).await? {
        let entry = audit_entry(&portal, &origin, "certificate.revoked", Some(&subject), Some(&serial));
        audit::record(&mut tx, &entry, now).await?;
    }
    let download_token = auth::random_token();
    let serial = issued.serial.to_hex();
    certificates::insert(
        &mut tx,
        &NewCertificate {
            portal: &portal.id,
            user_id: user.id,
            login_id: &user.login_id,
            serial: &serial,
            subject: &issued.subject,
            not_before: ts(issued.not_before),
            not_after: ts(issued.not_after),
            file_name: &issued.file_name,
            p12: &issued.p12_bytes,
            download_token_hash: &auth::token_hash(&download_token),
            download_until: now + DOWNLOAD_MINUTES * MINUTE,
        },
        now,
    )
    .await?;
    audit::record(&mut tx, &audit_entry(&portal, &origin, "certificate.issued", Some(&subject), Some(&serial)), now)
        .await?;
    mail_certificate(&state, &mut tx, &portal, &user, MailKind::CertificateIssued, &issued_values(&issued), ctx.lang)
        .await?;
    tx.commit().await?;
    state.mailer.wake();
    let secure = state.secure_cookies();
    let jar = jar.remove(removal(AUTH_COOKIE, path(&portal, ""), secure)).add(cookie(
        DOWNLOAD_COOKIE,
        download_token,
        path(&portal, ""),
        secure,
    ));
    Ok((jar, Redirect::to(&path(&portal, "/result"))).into_response())
}

/// Key generation and the PKCS#12's key derivation are CPU work: off the async threads.
async fn issue_certificate(
    state: &AppState,
    portal: &Portal,
    profile: &ClientProfile,
    login_id: &str,
    password: &str,
) -> Result<madoguchi_ca::Issued, AppError> {
    let ca = state.cas.get(&portal.id).cloned().ok_or_else(|| AppError::Internal("no CA".into()))?;
    let (profile, login_id, password, now) =
        (profile.clone(), login_id.to_string(), password.to_string(), state.clock.now());
    tokio::task::spawn_blocking(move || {
        let serial = Serial::random()?;
        ca.issue_client(&login_id, &profile, &serial, now, &password)
    })
    .await
    .map_err(|e| AppError::Internal(format!("issuing task: {e}")))?
    .map_err(|e| AppError::Internal(format!("issuing a certificate: {e}")))
}

fn issued_values(issued: &madoguchi_ca::Issued) -> Vec<(&'static str, String)> {
    vec![
        ("subject", issued.subject.clone()),
        ("not_after", format_ts(ts(issued.not_after), Lang::Ja)),
        ("file_name", issued.file_name.clone()),
    ]
}

/// Queues one of the certificate mails to its user, with the values every one of them has.
pub async fn mail_certificate(
    state: &AppState,
    tx: &mut Tx,
    portal: &Portal,
    user: &User,
    kind: MailKind,
    extra: &[(&'static str, String)],
    lang: Lang,
) -> Result<(), AppError> {
    let now = state.clock.unix();
    let portal_name = portal.settings.name.get(lang);
    let help_desk = madoguchi_web::pages::landing::help_desk_text(tx, portal, lang).await?;
    let at = format_ts(now, lang);
    let url = portal.url("/certificate");
    let mut values: Vec<(&str, &str)> = vec![
        ("portal", portal_name),
        ("name", &user.name),
        ("login_id", &user.login_id),
        ("at", &at),
        ("help_desk", &help_desk),
        ("url", &url),
    ];
    values.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
    madoguchi_mail::queue(
        tx,
        &Envelope { portal: &portal.id, from_name: portal_name, to: &user.email, lang },
        kind,
        &values,
        state.mailer.domain(),
        now,
    )
    .await?;
    Ok(())
}

// ---- ⑤ 発行結果 and the download ----

#[derive(Template)]
#[template(path = "rokin/cert_result.html")]
pub struct ResultPage {
    pub chrome: Chrome,
    pub certificate: Certificate,
    pub not_before: String,
    pub not_after: String,
    pub download: String,
    pub login: String,
}

async fn downloadable(state: &AppState, portal: &Portal, jar: &CookieJar) -> Result<Option<Certificate>, AppError> {
    let Some(token) = jar.get(DOWNLOAD_COOKIE) else { return Ok(None) };
    let mut conn = state.store.acquire().await?;
    let hash = auth::token_hash(token.value());
    Ok(certificates::downloadable(&mut conn, &portal.id, &hash, state.clock.unix()).await?)
}

pub async fn result(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response, AppError> {
    settings(&portal)?;
    let Some(certificate) = downloadable(&state, &portal, &jar).await? else {
        return Ok(Redirect::to(&path(&portal, "")).into_response());
    };
    html(&ResultPage {
        chrome: ctx.chrome(ctx.t.get("cert.result_title"), Some(&portal), Some(Screen::CertificateResult)),
        not_before: format_ts(certificate.not_before, ctx.lang),
        not_after: format_ts(certificate.not_after, ctx.lang),
        certificate,
        download: path(&portal, "/download"),
        login: format!("/{}/login", portal.id),
    })
    .map(IntoResponse::into_response)
}

pub async fn download(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    jar: CookieJar,
) -> Result<Response, AppError> {
    settings(&portal)?;
    let Some(token) = jar.get(DOWNLOAD_COOKIE) else { return Err(AppError::NotFound) };
    let mut conn = state.store.acquire().await?;
    let found =
        certificates::download(&mut conn, &portal.id, &auth::token_hash(token.value()), state.clock.unix()).await?;
    let Some((file_name, bytes)) = found else { return Err(AppError::NotFound) };
    // The file name is the user ID and digits only: ASCII, no quoting needed.
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
        .map_err(|e| AppError::Internal(format!("file name header: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/x-pkcs12")),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response())
}

// ---- the CRL the portal publishes ----

/// `/{portal}/crl`: the revocation list, DER, signed by the portal's CA, made fresh from the
/// certificates table (a reverse proxy that checks certificates itself can fetch it).
pub async fn crl(State(state): State<AppState>, PortalRef(portal): PortalRef) -> Result<Response, AppError> {
    settings(&portal)?;
    let now = state.clock.now();
    let revoked = {
        let mut conn = state.store.acquire().await?;
        certificates::revoked(&mut conn, &portal.id, now.timestamp()).await?
    };
    let entries = revoked
        .iter()
        .map(|(serial, at)| {
            let serial = Serial::from_hex(serial).map_err(|e| AppError::Internal(format!("stored serial: {e}")))?;
            let at = DateTime::from_timestamp(*at, 0).ok_or_else(|| AppError::Internal("revocation time".into()))?;
            Ok((serial, at))
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let crl = authority(&state, &portal)?
        .crl(&entries, now, now + chrono::TimeDelta::days(1))
        .map_err(|e| AppError::Internal(format!("CRL: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/pkix-crl")),
            (header::CACHE_CONTROL, HeaderValue::from_static("max-age=300")),
        ],
        crl.der,
    )
        .into_response())
}
