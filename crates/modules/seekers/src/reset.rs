//! The seeker's password reset (jrec-in §1.8.1 「recovery by the portal's reset flow」): the
//! address → a key mailed to it, bound to this browser → the new password twice and the key.
//! The same page whether or not the address has an account; requests are limited per address
//! and per IP (the portal's `recovery` values where it has the reset by key, else the same
//! defaults as jrec-in's). The new password ends every session of the account.

use crate::{area_name, base, chrome, subject};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use madoguchi_core::password::{self, PasswordRule, Subject};
use madoguchi_core::portal::Recovery;
use madoguchi_core::rules::{CodeRule, MINUTE};
use madoguchi_core::{Portal, normalize};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::limits::{self, Limit};
use madoguchi_store::{audit, codes, users};
use madoguchi_web::auth;
use madoguchi_web::cookies::{cookie, removal};
use madoguchi_web::credentials::{self, Change, ResetKey};
use madoguchi_web::ctx::{Chrome, Ctx, Origin, PortalRef, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;
use serde::Deserialize;

const COOKIE: &str = "mdg_seeker_reset";
const PURPOSE: &str = "seeker_reset";
const KEY_DIGITS: u32 = 8;

struct Rules {
    key: CodeRule,
    minutes: i64,
    per_address: i64,
    per_ip: i64,
}

fn rules(portal: &Portal) -> Rules {
    match portal.settings.recovery {
        Recovery::ResetKey { key_minutes, max_attempts, per_address_per_hour, per_ip_per_hour, .. } => Rules {
            key: CodeRule::new(i64::from(key_minutes) * MINUTE, i64::from(max_attempts)),
            minutes: i64::from(key_minutes),
            per_address: i64::from(per_address_per_hour),
            per_ip: i64::from(per_ip_per_hour),
        },
        _ => Rules { key: CodeRule::new(30 * MINUTE, 5), minutes: 30, per_address: 3, per_ip: 20 },
    }
}

fn reset_path(portal: &Portal) -> String {
    format!("{}/password/reset", base(portal))
}

#[derive(Template)]
#[template(path = "seekers/forgot.html")]
pub struct ForgotPage {
    pub chrome: Chrome,
    pub email: String,
    pub errors: FieldErrors,
    pub login: String,
}

fn forgot_page(ctx: &Ctx, portal: &Portal, email: &str, errors: FieldErrors) -> Result<Html<String>, AppError> {
    html(&ForgotPage {
        chrome: chrome(ctx, portal, ctx.t.get("seeker.forgot.title")),
        email: email.to_string(),
        errors,
        login: format!("{}/login", base(portal)),
    })
}

pub async fn forgot_form(PortalRef(portal): PortalRef, ctx: Ctx) -> Result<Html<String>, AppError> {
    forgot_page(&ctx, &portal, "", FieldErrors::default())
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

pub async fn forgot(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<ForgotForm>,
) -> Result<Response, AppError> {
    let email = normalize::email(&form.email);
    if !normalize::is_email(&email) {
        let errors = FieldErrors::field("email", ctx.t.get("seeker.error.email"));
        return Ok(forgot_page(&ctx, &portal, &form.email, errors)?.into_response());
    }
    let rules = rules(&portal);
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let ip_limit = Limit::per_hour("seeker.reset.ip", rules.per_ip);
    let from_ip = match origin.ip.as_deref() {
        Some(ip) => limits::take(&mut tx, &portal.id, &ip_limit, ip, now).await?,
        None => true,
    };
    if !from_ip {
        tx.commit().await?;
        let errors = FieldErrors::form(ctx.t.get("reset.too_many"));
        return Ok(forgot_page(&ctx, &portal, &form.email, errors)?.into_response());
    }
    let token = auth::random_token();
    let user = users::seeker_by_email(&mut tx, &portal.id, &email).await?.filter(|u| u.disabled_at.is_none());
    let subject = user.as_ref().map(|u| subject(u.id));
    let entry = audit_entry(&portal, &origin, "seeker.reset_requested", subject.as_deref(), None);
    audit::record(&mut tx, &entry, now).await?;
    if let (Some(user), Some(subject)) = (user, subject) {
        let address_limit = Limit::per_hour("seeker.reset.address", rules.per_address);
        // Over the limit the page looks the same: the mailbox is not flooded, nothing leaks.
        if limits::take(&mut tx, &portal.id, &address_limit, &subject, now).await? {
            let key = auth::numeric_code(KEY_DIGITS);
            let expires = rules.key.expires_at(now);
            let new = codes::NewCode {
                token_hash: &auth::token_hash(&token),
                portal: &portal.id,
                user_id: user.id,
                purpose: PURPOSE,
                code_hash: &auth::token_hash(&key),
                expires_at: expires,
            };
            codes::insert(&mut tx, &new, now).await?;
            let name = area_name(&portal, ctx.lang);
            let (expires_text, minutes) = (format_ts(expires, ctx.lang), rules.minutes.to_string());
            let t = ctx.t;
            madoguchi_mail::queue(
                &mut tx,
                &Envelope { portal: &portal.id, from_name: name, to: &user.email, lang: ctx.lang },
                MailKind::ResetKey,
                &[
                    ("portal", name),
                    ("name", &user.name),
                    ("code", &key),
                    ("expires", &expires_text),
                    ("minutes", &minutes),
                    ("mail", t.get("seeker.reset.mail")),
                    ("screen", t.get("seeker.reset.title")),
                    ("link", t.get("seeker.forgot.title")),
                ],
                state.mailer.domain(),
                now,
            )
            .await?;
            let entry = audit_entry(&portal, &origin, "seeker.reset_key_sent", Some(&subject), None);
            audit::record(&mut tx, &entry, now).await?;
        }
    }
    tx.commit().await?;
    state.mailer.wake();
    let pending = cookie(COOKIE, token, reset_path(&portal), state.secure_cookies());
    Ok((jar.add(pending), Redirect::to(&reset_path(&portal))).into_response())
}

#[derive(Template)]
#[template(path = "seekers/reset.html")]
pub struct ResetPage {
    pub chrome: Chrome,
    pub minutes: i64,
    pub errors: FieldErrors,
    pub forgot: String,
}

fn reset_page(ctx: &Ctx, portal: &Portal, errors: FieldErrors) -> Result<Html<String>, AppError> {
    html(&ResetPage {
        chrome: chrome(ctx, portal, ctx.t.get("seeker.reset.title")),
        minutes: rules(portal).minutes,
        errors,
        forgot: format!("{}/password/forgot", base(portal)),
    })
}

pub async fn reset_form(PortalRef(portal): PortalRef, ctx: Ctx, jar: CookieJar) -> Result<Response, AppError> {
    if jar.get(COOKIE).is_none() {
        return Ok(Redirect::to(&format!("{}/password/forgot", base(&portal))).into_response());
    }
    Ok(reset_page(&ctx, &portal, FieldErrors::default())?.into_response())
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    key: String,
}

pub async fn reset(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<ResetForm>,
) -> Result<Response, AppError> {
    let rules = rules(&portal);
    let mut errors = FieldErrors::default();
    for rule in password::check(&portal.settings.password, &form.new, Subject::default()) {
        errors.add("new", &rule.message(ctx.lang));
    }
    if form.new != form.confirm {
        errors.add("confirm", &PasswordRule::Mismatch.message(ctx.lang));
    }
    let key = madoguchi_web::forms::typed_code(&form.key);
    if key.is_empty() {
        errors.add("key", ctx.t.get("reset.key_required"));
    }
    if !errors.is_empty() {
        return Ok(reset_page(&ctx, &portal, errors)?.into_response());
    }
    let wrong_key = || -> Result<Response, AppError> {
        let errors = FieldErrors::field("key", ctx.t.get("seeker.reset.key_wrong"));
        Ok(reset_page(&ctx, &portal, errors)?.into_response())
    };
    let Some(token) = jar.get(COOKIE).map(|c| c.value().to_string()) else { return wrong_key() };
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let user_id =
        match credentials::redeem_reset_key(&mut tx, &portal.id, PURPOSE, &token, &key, &rules.key, now).await? {
            ResetKey::Used(user_id) => user_id,
            ResetKey::Unknown => {
                tx.commit().await?;
                return wrong_key();
            }
            ResetKey::Refused(user_id) => {
                let subject = subject(user_id);
                let entry = audit_entry(&portal, &origin, "seeker.reset_failed", Some(&subject), None);
                audit::record(&mut tx, &entry, now).await?;
                tx.commit().await?;
                return wrong_key();
            }
        };
    let Some(user) = users::by_id(&mut tx, user_id).await?.filter(|u| u.is_seeker()) else {
        tx.commit().await?;
        return wrong_key();
    };
    let names = [user.name.as_str()];
    let broken =
        password::check(&portal.settings.password, &form.new, Subject { login_id: &user.email, names: &names });
    if !broken.is_empty() {
        // The rules that need the account (the name in the password): the key stays usable.
        drop(tx);
        let mut errors = FieldErrors::default();
        for rule in broken {
            errors.add("new", &rule.message(ctx.lang));
        }
        return Ok(reset_page(&ctx, &portal, errors)?.into_response());
    }
    // The key proved the mailbox: failed attempts start again (a block stays for the operator).
    users::attempt_succeeded(&mut tx, user.id).await?;
    let change = Change { event: "seeker.password_reset", detail: None, keep_session: None };
    credentials::replace_password(&mut tx, &state, &portal, &user, &form.new, change, &origin, ctx.lang).await?;
    tx.commit().await?;
    state.mailer.wake();
    let notice = Some(ctx.t.get("reset.done").to_string());
    let page = crate::login::login_page(&ctx, &portal, &user.email, FieldErrors::default(), notice)?;
    Ok((jar.remove(removal(COOKIE, reset_path(&portal), state.secure_cookies())), page).into_response())
}
