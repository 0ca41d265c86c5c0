//! The reset by mailed key (hellowork's パスワードをお忘れの方; shaho's and jrec-in's
//! パスワードを忘れた方はこちら): the login ID → a 認証キー mailed to the registered address, bound
//! to this browser → the new password twice and the key. Each portal's screens say it in its
//! manual's words (`recovery.words`). The answer is the same whether or not the ID has an
//! account; requests are limited per address and per IP.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use madoguchi_core::Portal;
use madoguchi_core::login_id::LoginId;
use madoguchi_core::password::{self, PasswordRule, Subject};
use madoguchi_core::portal::{LoginIdKind, Recovery, ResetWord};
use madoguchi_core::rules::CodeRule;
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::audit;
use madoguchi_store::limits::{self, Limit};
use madoguchi_store::{codes, users};
use madoguchi_web::auth;
use madoguchi_web::cookies::{cookie, removal};
use madoguchi_web::credentials::{self, Change, ResetKey};
use madoguchi_web::ctx::audit_entry;
use madoguchi_web::ctx::{Chrome, Ctx, Origin, PortalRef};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::pages::login_screen::{login_page, login_path, reset_word};
use madoguchi_web::screens::Screen;
use madoguchi_web::state::AppState;
use serde::Deserialize;

const RESET_COOKIE: &str = "mdg_reset";
const PURPOSE: &str = "reset";
const KEY_DIGITS: u32 = 8;

struct ResetRules {
    key_minutes: u32,
    /// The key's life and tries.
    key: CodeRule,
    per_address: i64,
    per_ip: i64,
}

fn rules(portal: &Portal) -> Result<ResetRules, AppError> {
    let key = CodeRule::reset_key(&portal.settings.recovery).ok_or(AppError::NotFound)?;
    match portal.settings.recovery {
        Recovery::ResetKey { key_minutes, per_address_per_hour, per_ip_per_hour, .. } => Ok(ResetRules {
            key_minutes,
            key,
            per_address: i64::from(per_address_per_hour),
            per_ip: i64::from(per_ip_per_hour),
        }),
        Recovery::None | Recovery::ReissueTemporary { .. } => Err(AppError::NotFound),
    }
}

fn reset_path(portal: &Portal) -> String {
    format!("/{}/password/reset", portal.id)
}

#[derive(Template)]
#[template(path = "recovery/forgot.html")]
pub struct ForgotPage {
    pub chrome: Chrome,
    pub id_label: String,
    /// `email` where the login ID is the address, else `text`.
    pub id_type: &'static str,
    pub lead: String,
    pub next: String,
    pub login_id: String,
    pub errors: FieldErrors,
    pub cancel: String,
}

fn forgot_page(ctx: &Ctx, portal: &Portal, login_id: &str, errors: FieldErrors) -> Result<Html<String>, AppError> {
    let id_label = portal.settings.login_screen.id_label.get(ctx.lang).to_string();
    let next = reset_word(portal, ctx, ResetWord::Next);
    html(&ForgotPage {
        chrome: ctx.chrome(reset_word(portal, ctx, ResetWord::Title), Some(portal), Some(Screen::Forgot)),
        lead: ctx.t.get("reset.forgot_lead").replace("{id_label}", &id_label).replace("{next}", &next),
        id_type: if portal.settings.login_id.kind == LoginIdKind::Email { "email" } else { "text" },
        id_label,
        next,
        login_id: login_id.to_string(),
        errors,
        cancel: login_path(portal),
    })
}

pub async fn forgot_form(PortalRef(portal): PortalRef, ctx: Ctx) -> Result<Html<String>, AppError> {
    rules(&portal)?;
    forgot_page(&ctx, &portal, "", FieldErrors::default())
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    login_id: String,
}

pub async fn forgot(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<ForgotForm>,
) -> Result<Response, AppError> {
    let rules = rules(&portal)?;
    let label = portal.settings.login_screen.id_label.get(ctx.lang).to_string();
    let login_id = match LoginId::parse(&portal.settings.login_id, &form.login_id) {
        Ok(id) => id,
        Err(broken) => {
            let errors = FieldErrors::field("login_id", &broken[0].message(&label, ctx.lang));
            return Ok(forgot_page(&ctx, &portal, &form.login_id, errors)?.into_response());
        }
    };
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let ip_limit = Limit::per_hour("reset.ip", rules.per_ip);
    let from_ip = match origin.ip.as_deref() {
        Some(ip) => limits::take(&mut tx, &portal.id, &ip_limit, ip, now).await?,
        None => true,
    };
    if !from_ip {
        tx.commit().await?;
        let errors = FieldErrors::form(ctx.t.get("reset.too_many"));
        return Ok(forgot_page(&ctx, &portal, &form.login_id, errors)?.into_response());
    }
    let token = auth::random_token();
    // A disabled account gets no key (the page reads the same): it may not change itself.
    let user = users::by_login_id(&mut tx, &portal.id, login_id.as_str())
        .await?
        .filter(|u| u.disabled_at.is_none() && !u.is_seeker());
    let subject = user.as_ref().map(|u| format!("user:{}", u.id));
    audit::record(&mut tx, &audit_entry(&portal, &origin, "password.reset_requested", subject.as_deref(), None), now)
        .await?;
    if let Some(user) = user {
        let subject = format!("user:{}", user.id);
        let address_limit = Limit::per_hour("reset.address", rules.per_address);
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
            let portal_name = portal.settings.name.get(ctx.lang);
            let (expires_text, minutes) = (format_ts(expires, ctx.lang), rules.key_minutes.to_string());
            let mail = reset_word(&portal, &ctx, ResetWord::Mail);
            let screen = reset_word(&portal, &ctx, ResetWord::ResetTitle);
            let link = reset_word(&portal, &ctx, ResetWord::Link);
            madoguchi_mail::queue(
                &mut tx,
                &Envelope { portal: &portal.id, from_name: portal_name, to: &user.email, lang: ctx.lang },
                MailKind::ResetKey,
                &[
                    ("portal", portal_name),
                    ("name", &user.name),
                    ("code", &key),
                    ("expires", &expires_text),
                    ("minutes", &minutes),
                    ("mail", &mail),
                    ("screen", &screen),
                    ("link", &link),
                ],
                state.mailer.domain(),
                now,
            )
            .await?;
            audit::record(
                &mut tx,
                &audit_entry(&portal, &origin, "password.reset_key_sent", Some(&subject), None),
                now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    state.mailer.wake();
    let pending = cookie(RESET_COOKIE, token, reset_path(&portal), state.secure_cookies());
    Ok((jar.add(pending), Redirect::to(&reset_path(&portal))).into_response())
}

#[derive(Template)]
#[template(path = "recovery/reset.html")]
pub struct ResetPage {
    pub chrome: Chrome,
    pub lead: String,
    pub new_label: String,
    pub confirm_label: String,
    pub minutes: u32,
    pub errors: FieldErrors,
}

fn reset_page(ctx: &Ctx, portal: &Portal, errors: FieldErrors) -> Result<Html<String>, AppError> {
    let s = &portal.settings.login_screen;
    let (new_label, confirm_label) = (s.new_label.get(ctx.lang), s.confirm_label.get(ctx.lang));
    let lead = ctx
        .t
        .get("reset.lead")
        .replace("{mail}", &reset_word(portal, ctx, ResetWord::Mail))
        .replace("{new}", new_label)
        .replace("{confirm}", confirm_label)
        .replace("{submit}", ctx.t.get("reset.submit"))
        .replace("{id_label}", s.id_label.get(ctx.lang));
    html(&ResetPage {
        chrome: ctx.chrome(reset_word(portal, ctx, ResetWord::ResetTitle), Some(portal), Some(Screen::Reset)),
        lead,
        new_label: new_label.to_string(),
        confirm_label: confirm_label.to_string(),
        minutes: rules(portal)?.key_minutes,
        errors,
    })
}

pub async fn reset_form(PortalRef(portal): PortalRef, ctx: Ctx, jar: CookieJar) -> Result<Response, AppError> {
    rules(&portal)?;
    if jar.get(RESET_COOKIE).is_none() {
        return Ok(Redirect::to(&format!("/{}/password/forgot", portal.id)).into_response());
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
    let rules = rules(&portal)?;
    let policy = &portal.settings.password;
    let mut errors = FieldErrors::default();
    for rule in password::check(policy, &form.new, Subject::default()) {
        errors.add("new", &rule.message(ctx.lang));
    }
    if form.new != form.confirm {
        errors.add("confirm", &PasswordRule::Mismatch.message(ctx.lang));
    }
    let key: String = madoguchi_web::forms::typed_code(&form.key);
    if key.is_empty() {
        errors.add("key", ctx.t.get("reset.key_required"));
    }
    if !errors.is_empty() {
        return Ok(reset_page(&ctx, &portal, errors)?.into_response());
    }
    let wrong_key = || -> Result<Response, AppError> {
        let message = ctx.t.get("reset.key_wrong").replace("{link}", &reset_word(&portal, &ctx, ResetWord::Link));
        Ok(reset_page(&ctx, &portal, FieldErrors::field("key", &message))?.into_response())
    };
    let Some(token) = jar.get(RESET_COOKIE).map(|c| c.value().to_string()) else { return wrong_key() };
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
                let subject = format!("user:{user_id}");
                let entry = audit_entry(&portal, &origin, "password.reset_failed", Some(&subject), None);
                audit::record(&mut tx, &entry, now).await?;
                tx.commit().await?;
                return wrong_key();
            }
        };
    let Some(user) = users::by_id(&mut tx, user_id).await? else {
        tx.commit().await?;
        return wrong_key();
    };
    // The key proved the mailbox: failed attempts start again (a block stays for its unblocker).
    users::attempt_succeeded(&mut tx, user.id).await?;
    let change = Change { event: "password.reset", detail: None, keep_session: None };
    credentials::replace_password(&mut tx, &state, &portal, &user, &form.new, change, &origin, ctx.lang).await?;
    tx.commit().await?;
    state.mailer.wake();
    let page = login_page(&ctx, &portal, "", FieldErrors::default(), Some(ctx.t.get("reset.done").to_string()))?;
    Ok((jar.remove(removal(RESET_COOKIE, reset_path(&portal), state.secure_cookies())), page).into_response())
}
