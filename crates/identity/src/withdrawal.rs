//! 退会 (withdrawal) and, where the portal allows it, アカウントを再登録 (return within the
//! window). A withdrawn account cannot log in — the login answers as for any wrong password —
//! its sessions and trusted browsers end, and a scheduled job purges it after the window.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use madoguchi_core::Portal;
use madoguchi_core::login_id::LoginId;
use madoguchi_core::portal::Withdrawal;
use madoguchi_core::rules::{CodeRule, CodeVerdict, MINUTE, WithdrawalStatus, withdrawal_status};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::limits::{self, Limit};
use madoguchi_store::{audit, codes, sessions, users};
use madoguchi_web::auth;
use madoguchi_web::confirm::{self, Confirmation, STEP_FIELD, Step};
use madoguchi_web::cookies::{cookie, removal};
use madoguchi_web::credentials::{self, Purpose, Reauth};
use madoguchi_web::ctx::audit_entry;
use madoguchi_web::ctx::{Chrome, Ctx, Origin, PortalRef};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::pages::login_screen::login_page;
use madoguchi_web::screens::Screen;
use madoguchi_web::session::{self, CurrentUser};
use madoguchi_web::state::AppState;
use serde::Deserialize;

const RETURN_COOKIE: &str = "mdg_return";
const PURPOSE: &str = "return";
/// The 認証キー of アカウントを再登録: 50 minutes (as the password reset's), 5 tries.
const RETURN_KEY: CodeRule = CodeRule::new(50 * MINUTE, 5);
/// 認証キー mails to one account per hour (as many as the password reset's keys), and
/// アカウントを再登録 requests from one address per hour.
const RETURN_KEYS_PER_HOUR: i64 = 3;
const RETURNS_PER_IP_PER_HOUR: i64 = 20;
/// The reasons of the exit survey (locale keys `withdraw.reason.<key>`).
pub const REASONS: [&str; 5] = ["filled", "no_applicants", "other_service", "hard_to_use", "other"];

fn withdrawal(portal: &Portal) -> Result<&Withdrawal, AppError> {
    portal.settings.withdrawal.as_ref().ok_or(AppError::NotFound)
}

fn return_days(portal: &Portal) -> Result<u32, AppError> {
    withdrawal(portal)?.return_within_days.ok_or(AppError::NotFound)
}

// ---- 退会 ----

#[derive(Template)]
#[template(path = "withdraw/withdraw.html")]
pub struct WithdrawPage {
    pub chrome: Chrome,
    pub survey: bool,
    pub return_days: Option<u32>,
    /// (key, label, chosen) of each survey reason.
    pub reasons: Vec<(String, String, bool)>,
    pub form: WithdrawForm,
    pub errors: FieldErrors,
    pub home: String,
}

/// The exit survey as typed so far (a page with an error keeps it; the password is never shown again).
#[derive(Default)]
pub struct WithdrawForm {
    password: String,
    comment: String,
    reasons: Vec<&'static str>,
    step: String,
}

impl WithdrawForm {
    pub fn comment(&self) -> &str {
        &self.comment
    }

    /// Checkboxes repeat their field name: read the raw pairs. Unknown reasons are dropped.
    fn parse(body: &[u8]) -> WithdrawForm {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
        let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
        let reasons = pairs
            .iter()
            .filter(|(k, _)| k == "reason")
            .filter_map(|(_, v)| REASONS.iter().find(|r| *r == v).copied())
            .collect();
        WithdrawForm { password: field("password"), comment: field("comment"), reasons, step: field(STEP_FIELD) }
    }
}

fn withdraw_page(
    ctx: &Ctx,
    current: &CurrentUser,
    form: WithdrawForm,
    errors: FieldErrors,
) -> Result<Html<String>, AppError> {
    let w = withdrawal(&current.portal)?;
    html(&WithdrawPage {
        chrome: ctx.chrome(ctx.t.get("withdraw.title"), Some(&current.portal), Some(Screen::Withdraw)),
        survey: w.survey,
        return_days: w.return_within_days,
        reasons: REASONS
            .iter()
            .map(|r| (r.to_string(), ctx.t.get(&format!("withdraw.reason.{r}")).to_string(), form.reasons.contains(r)))
            .collect(),
        form,
        errors,
        home: format!("/{}/home", current.portal.id),
    })
}

/// jrec-in's 退会確認: 「はい」 leads to the exit survey, 「いいえ」 back to the menu.
#[derive(Template)]
#[template(path = "withdraw/confirm.html")]
pub struct ConfirmPage {
    pub chrome: Chrome,
    pub action: String,
    pub home: String,
}

#[derive(Deserialize)]
pub struct WithdrawStep {
    #[serde(default)]
    step: String,
}

/// Where the portal has an exit survey (jrec-in), the manual's order: 退会確認 (はい) → the
/// survey → 「退会」. Elsewhere (hellowork): the password, then, once it is right, the
/// confirmation 「退会します。よろしいですか？」 (`madoguchi_web::confirm`) → 「はい」.
pub async fn withdraw_form(
    current: CurrentUser,
    ctx: Ctx,
    Query(step): Query<WithdrawStep>,
) -> Result<Html<String>, AppError> {
    let w = withdrawal(&current.portal)?;
    if w.survey && step.step != "survey" {
        return html(&ConfirmPage {
            chrome: ctx.chrome(ctx.t.get("withdraw.confirm_title"), Some(&current.portal), Some(Screen::Withdraw)),
            action: format!("/{}/withdraw", current.portal.id),
            home: format!("/{}/home", current.portal.id),
        });
    }
    withdraw_page(&ctx, &current, WithdrawForm::default(), FieldErrors::default())
}

pub async fn withdraw(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    form: axum::extract::RawForm,
) -> Result<Response, AppError> {
    let w = withdrawal(&current.portal)?.clone();
    let parsed = WithdrawForm::parse(&form.0);
    if parsed.comment.chars().count() > 2000 {
        let errors = FieldErrors::field("comment", ctx.t.get("withdraw.comment_long"));
        return Ok(withdraw_page(&ctx, &current, parsed, errors)?.into_response());
    }
    let mut tx =
        match credentials::reauthenticate(&state, &current, &parsed.password, &origin, ctx.lang, "withdraw").await? {
            Reauth::Confirmed(tx) => tx,
            Reauth::Wrong => {
                let errors = FieldErrors::field("password", ctx.t.get("code2.wrong_password"));
                return Ok(withdraw_page(&ctx, &current, parsed, errors)?.into_response());
            }
            Reauth::Locked => return crate::reauth::locked_out(&state, &current, &ctx, &origin, jar).await,
        };
    let portal = &current.portal;
    // jrec-in confirmed on 退会確認 before its survey; elsewhere the confirmation follows the
    // password, and 「はい」 sends the password again (checked again above).
    if !w.survey && Step::of(&parsed.step) != Step::Confirmed {
        let t = ctx.t;
        let home = format!("/{}/home", portal.id);
        let confirmation = Confirmation::new(&ctx, t.get("withdraw.confirm"), format!("/{}/withdraw", portal.id))
            .fact(portal.settings.login_screen.id_label.get(ctx.lang), current.user.login_id.as_str())
            .carry("password", parsed.password.as_str())
            .buttons(t.get("withdraw.yes"), t.get("withdraw.no"))
            .no_link(home)
            .danger();
        let title = t.get("withdraw.confirm_title");
        return Ok(confirm::page(&ctx, title, Some(portal), Some(Screen::Withdraw), confirmation)?.into_response());
    }
    let now = state.clock.unix();
    users::withdraw(&mut tx, current.user.id, now).await?;
    codes::revoke_trusted(&mut tx, current.user.id).await?;
    sessions::delete_for_user(&mut tx, current.user.id, None).await?;
    if w.survey {
        users::record_survey(&mut tx, &portal.id, &parsed.reasons.join(","), parsed.comment.trim(), now).await?;
    }
    let subject = format!("user:{}", current.user.id);
    audit::record(&mut tx, &audit_entry(portal, &origin, "account.withdrawn", Some(&subject), None), now).await?;
    // The owner is told, with the way back where the portal has one.
    let after = w
        .return_within_days
        .map(|days| format!("{}{days}{}", ctx.t.get("withdraw.return_prefix"), ctx.t.get("withdraw.return_suffix")))
        .unwrap_or_default();
    let portal_name = portal.settings.name.get(ctx.lang);
    let at = format_ts(now, ctx.lang);
    madoguchi_mail::queue(
        &mut tx,
        &Envelope { portal: &portal.id, from_name: portal_name, to: &current.user.email, lang: ctx.lang },
        MailKind::Withdrawn,
        &[("portal", portal_name), ("name", &current.user.name), ("at", &at), ("after", &after)],
        state.mailer.domain(),
        now,
    )
    .await?;
    tx.commit().await?;
    state.mailer.wake();
    let page = html(&WithdrawnPage {
        chrome: ctx.chrome(ctx.t.get("withdraw.title"), Some(portal), Some(Screen::Withdraw)),
        return_days: w.return_within_days,
        top: format!("/{}/", portal.id),
    })?;
    Ok((jar.remove(session::end_cookie(&state, portal)), page).into_response())
}

#[derive(Template)]
#[template(path = "withdraw/withdrawn.html")]
pub struct WithdrawnPage {
    pub chrome: Chrome,
    pub return_days: Option<u32>,
    pub top: String,
}

// ---- アカウントを再登録 ----

#[derive(Template)]
#[template(path = "withdraw/return.html")]
pub struct ReturnPage {
    pub chrome: Chrome,
    pub id_label: String,
    pub login_id: String,
    pub days: u32,
    pub errors: FieldErrors,
}

fn return_page(ctx: &Ctx, portal: &Portal, login_id: &str, errors: FieldErrors) -> Result<Html<String>, AppError> {
    html(&ReturnPage {
        chrome: ctx.chrome(ctx.t.get("return.title"), Some(portal), Some(Screen::Return)),
        id_label: portal.settings.login_screen.id_label.get(ctx.lang).to_string(),
        login_id: login_id.to_string(),
        days: return_days(portal)?,
        errors,
    })
}

pub async fn return_form(PortalRef(portal): PortalRef, ctx: Ctx) -> Result<Html<String>, AppError> {
    return_page(&ctx, &portal, "", FieldErrors::default())
}

#[derive(Deserialize)]
pub struct ReturnForm {
    #[serde(default)]
    login_id: String,
    #[serde(default)]
    password: String,
}

fn key_path(portal: &Portal) -> String {
    format!("/{}/return/key", portal.id)
}

/// The old e-mail and password of an account withdrawn within the window: a key by mail.
/// Anything else — unknown, not withdrawn, too late, wrong password — gets one answer.
pub async fn request_return(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<ReturnForm>,
) -> Result<Response, AppError> {
    let w = withdrawal(&portal)?;
    return_days(&portal)?;
    let refused = || -> Result<Response, AppError> {
        Ok(return_page(&ctx, &portal, &form.login_id, FieldErrors::form(ctx.t.get("return.refused")))?.into_response())
    };
    let Ok(login_id) = LoginId::parse(&portal.settings.login_id, &form.login_id) else { return refused() };
    let now = state.clock.unix();
    let _hour_ago = now - 3600;
    {
        // Per address before any password work: a flood costs no argon2.
        let mut tx = state.store.begin().await?;
        let limit = Limit::per_hour("return.ip", RETURNS_PER_IP_PER_HOUR);
        let within = match origin.ip.as_deref() {
            Some(ip) => limits::take(&mut tx, &portal.id, &limit, ip, now).await?,
            None => true,
        };
        if !within {
            tx.commit().await?;
            let errors = FieldErrors::form(ctx.t.get("reset.too_many"));
            return Ok(return_page(&ctx, &portal, &form.login_id, errors)?.into_response());
        }
        audit::record(&mut tx, &audit_entry(&portal, &origin, "account.return_requested", None, None), now).await?;
        tx.commit().await?;
    }
    // The old password counts on the account's lockout, like a login (refusals audited as
    // account.return_refused, naming the account when the ID names one).
    let checked =
        credentials::check_for(&state, &portal, &login_id, &form.password, &origin, ctx.lang, Purpose::Return).await?;
    let Some(accepted) = checked else { return refused() };
    let (user, mut tx) = (accepted.user, accepted.tx);
    let subject = format!("user:{}", user.id);
    if !user.withdrawn_at.is_some_and(|at| withdrawal_status(w, at, now) == WithdrawalStatus::Returnable) {
        audit::record(
            &mut tx,
            &audit_entry(&portal, &origin, "account.return_refused", Some(&subject), Some("too_late")),
            now,
        )
        .await?;
        tx.commit().await?;
        return refused();
    }
    // Over the per-recipient limit the page reads the same and no key is mailed.
    let key_limit = Limit::per_hour("return.key", RETURN_KEYS_PER_HOUR);
    if !limits::take(&mut tx, &portal.id, &key_limit, &subject, now).await? {
        let entry = audit_entry(&portal, &origin, "account.return_refused", Some(&subject), Some("mail_limit"));
        audit::record(&mut tx, &entry, now).await?;
        tx.commit().await?;
        return Ok(Redirect::to(&key_path(&portal)).into_response());
    }
    let token = auth::random_token();
    let key = auth::numeric_code(8);
    let expires = RETURN_KEY.expires_at(now);
    let code = codes::NewCode {
        token_hash: &auth::token_hash(&token),
        portal: &portal.id,
        user_id: user.id,
        purpose: PURPOSE,
        code_hash: &auth::token_hash(&key),
        expires_at: expires,
    };
    codes::insert(&mut tx, &code, now).await?;
    let portal_name = portal.settings.name.get(ctx.lang);
    let (expires_text, minutes) = (format_ts(expires, ctx.lang), (RETURN_KEY.valid_seconds / MINUTE).to_string());
    madoguchi_mail::queue(
        &mut tx,
        &Envelope { portal: &portal.id, from_name: portal_name, to: &user.email, lang: ctx.lang },
        MailKind::ReturnKey,
        &[
            ("portal", portal_name),
            ("name", &user.name),
            ("code", &key),
            ("expires", &expires_text),
            ("minutes", &minutes),
        ],
        state.mailer.domain(),
        now,
    )
    .await?;
    audit::record(&mut tx, &audit_entry(&portal, &origin, "account.return_key_sent", Some(&subject), None), now)
        .await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok((
        jar.add(cookie(RETURN_COOKIE, token, key_path(&portal), state.secure_cookies())),
        Redirect::to(&key_path(&portal)),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "withdraw/return_key.html")]
pub struct ReturnKeyPage {
    pub chrome: Chrome,
    pub errors: FieldErrors,
}

pub async fn key_form(PortalRef(portal): PortalRef, ctx: Ctx) -> Result<Html<String>, AppError> {
    return_days(&portal)?;
    html(&ReturnKeyPage {
        chrome: ctx.chrome(ctx.t.get("return.key_title"), Some(&portal), Some(Screen::Return)),
        errors: FieldErrors::default(),
    })
}

#[derive(Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    key: String,
}

pub async fn enter_key(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<KeyForm>,
) -> Result<Response, AppError> {
    return_days(&portal)?;
    let wrong = || -> Result<Response, AppError> {
        let page = ReturnKeyPage {
            chrome: ctx.chrome(ctx.t.get("return.key_title"), Some(&portal), Some(Screen::Return)),
            errors: FieldErrors::field("key", ctx.t.get("reset.key_wrong_return")),
        };
        Ok(html(&page)?.into_response())
    };
    let Some(token) = jar.get(RETURN_COOKIE).map(|c| c.value().to_string()) else { return wrong() };
    let key: String = madoguchi_web::forms::typed_code(&form.key);
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let Some(pending) = codes::attempt(&mut tx, &portal.id, PURPOSE, &auth::token_hash(&token)).await? else {
        tx.commit().await?;
        return wrong();
    };
    if !matches!(RETURN_KEY.verdict(pending.expires_at, pending.attempts, now), CodeVerdict::Open { .. })
        || !auth::equal(&auth::token_hash(&key), &pending.code_hash)
        || !codes::use_up(&mut tx, pending.id, now).await?
    {
        tx.commit().await?;
        return wrong();
    }
    if !users::restore(&mut tx, pending.user_id).await? {
        tx.commit().await?;
        return wrong();
    }
    let subject = format!("user:{}", pending.user_id);
    audit::record(&mut tx, &audit_entry(&portal, &origin, "account.returned", Some(&subject), None), now).await?;
    tx.commit().await?;
    let page = login_page(&ctx, &portal, "", FieldErrors::default(), Some(ctx.t.get("return.done").to_string()))?;
    Ok((jar.remove(removal(RETURN_COOKIE, key_path(&portal), state.secure_cookies())), page).into_response())
}
