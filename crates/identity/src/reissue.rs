//! mlit-fwms: ID／パスワード紛失 (the login ID mailed, or a temporary password that works once
//! within its hours) and パスワード設定／変更, reached from the login screen without a session;
//! its password check counts failures like a login. Answers never reveal whether an address
//! or ID is registered; requests are limited per address and per IP.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use madoguchi_core::login_id::LoginId;
use madoguchi_core::password::{self, PasswordRule, Subject};
use madoguchi_core::portal::Recovery;
use madoguchi_core::rules::CodeRule;
use madoguchi_core::{Portal, normalize};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::limits::{self as rate, Limit};
use madoguchi_store::{audit, codes, users};
use madoguchi_web::auth;
use madoguchi_web::confirm::{self, Confirmation, Step};
use madoguchi_web::credentials::{self, Change, REISSUE};
use madoguchi_web::ctx::audit_entry;
use madoguchi_web::ctx::{Chrome, Ctx, Origin, PortalRef};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::pages::login_screen::{login_page, login_path};
use madoguchi_web::screens::Screen;
use madoguchi_web::state::AppState;
use serde::Deserialize;

struct Limits {
    hours: u32,
    /// The temporary password's life.
    rule: CodeRule,
    per_address: i64,
    per_ip: i64,
}

fn limits(portal: &Portal) -> Result<Limits, AppError> {
    let rule = CodeRule::reissued_password(&portal.settings.recovery).ok_or(AppError::NotFound)?;
    match portal.settings.recovery {
        Recovery::ReissueTemporary { temp_password_hours, per_address_per_hour, per_ip_per_hour } => Ok(Limits {
            hours: temp_password_hours,
            rule,
            per_address: i64::from(per_address_per_hour),
            per_ip: i64::from(per_ip_per_hour),
        }),
        _ => Err(AppError::NotFound),
    }
}

// ---- ID／パスワード紛失 ----

#[derive(Deserialize, Default)]
pub struct RecoverForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub login_id: String,
    #[serde(default)]
    pub email: String,
    #[serde(default, rename = "_step")]
    pub step: String,
}

#[derive(Template)]
#[template(path = "recovery/reissue.html")]
pub struct RecoverPage {
    pub chrome: Chrome,
    pub id_label: String,
    pub form: RecoverForm,
    pub errors: FieldErrors,
    pub cancel: String,
}

fn recover_page(ctx: &Ctx, portal: &Portal, form: RecoverForm, errors: FieldErrors) -> Result<Html<String>, AppError> {
    html(&RecoverPage {
        chrome: ctx.chrome(ctx.t.get("reissue.title"), Some(portal), Some(Screen::Recover)),
        id_label: portal.settings.login_screen.id_label.get(ctx.lang).to_string(),
        form,
        errors,
        cancel: login_path(portal),
    })
}

pub async fn recover_form(PortalRef(portal): PortalRef, ctx: Ctx) -> Result<Html<String>, AppError> {
    limits(&portal)?;
    recover_page(
        &ctx,
        &portal,
        RecoverForm { kind: "password".into(), ..RecoverForm::default() },
        FieldErrors::default(),
    )
}

pub async fn recover(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    origin: Origin,
    Form(form): Form<RecoverForm>,
) -> Result<Response, AppError> {
    let limits = limits(&portal)?;
    let step = Step::of(&form.step);
    if step == Step::Back {
        return Ok(recover_page(&ctx, &portal, form, FieldErrors::default())?.into_response());
    }
    let label = portal.settings.login_screen.id_label.get(ctx.lang).to_string();
    let wants_id = form.kind == "id";
    let mut errors = FieldErrors::default();
    if form.kind != "id" && form.kind != "password" {
        errors.add("kind-password", ctx.t.get("reissue.kind_required"));
    }
    let login_id = if wants_id {
        None
    } else {
        match LoginId::parse(&portal.settings.login_id, &form.login_id) {
            Ok(id) => Some(id),
            Err(rules) => {
                errors.add("login_id", &rules[0].message(&label, ctx.lang));
                None
            }
        }
    };
    let email = normalize::email(&form.email);
    if !normalize::is_email(&email) {
        errors.add("email", ctx.t.get("reissue.email_invalid"));
    }
    if !errors.is_empty() {
        return Ok(recover_page(&ctx, &portal, form, errors)?.into_response());
    }
    if step == Step::Input {
        // The manual's 登録確認メッセージ, for input that passed every check.
        let t = ctx.t;
        let kind = if wants_id { t.get("reissue.kind_id") } else { t.get("reissue.kind_password") };
        let mut confirmation = Confirmation::new(&ctx, t.get("reissue.confirm"), format!("/{}/recover", portal.id))
            .fact(t.get("reissue.kind"), kind);
        if let Some(id) = &login_id {
            confirmation = confirmation.fact(label.as_str(), id.as_str());
        }
        let confirmation = confirmation
            .fact(t.get("reissue.email"), email.as_str())
            .carry("kind", form.kind.as_str())
            .carry("login_id", form.login_id.as_str())
            .carry("email", form.email.as_str());
        let title = t.get("reissue.title");
        return Ok(confirm::page(&ctx, title, Some(&portal), Some(Screen::Recover), confirmation)?.into_response());
    }

    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let event = if wants_id { "login_id.reminder_requested" } else { "password.reissue_requested" };
    // Each kind of request has its own limit per IP, as it has its own event.
    let ip_limit = Limit::per_hour(if wants_id { "login_id_reminder.ip" } else { "reissue.ip" }, limits.per_ip);
    let from_ip = match origin.ip.as_deref() {
        Some(ip) => rate::take(&mut tx, &portal.id, &ip_limit, ip, now).await?,
        None => true,
    };
    if !from_ip {
        tx.commit().await?;
        return Ok(recover_page(&ctx, &portal, form, FieldErrors::form(ctx.t.get("reset.too_many")))?.into_response());
    }
    audit::record(&mut tx, &audit_entry(&portal, &origin, event, None, None), now).await?;
    let portal_name = portal.settings.name.get(ctx.lang);
    let url = portal.url("/login");
    match login_id {
        None => {
            // Every employer account of the address, however many accounts the portal has; a
            // job seeker's ユーザID is not a login ID of these pages.
            let ids: Vec<String> =
                users::employers_by_email(&mut tx, &portal.id, &email).await?.into_iter().map(|u| u.login_id).collect();
            let address_limit = Limit::per_hour("login_id_reminder.address", limits.per_address);
            if !ids.is_empty() && rate::take(&mut tx, &portal.id, &address_limit, &email, now).await? {
                let list = ids.join("\n");
                madoguchi_mail::queue(
                    &mut tx,
                    &Envelope { portal: &portal.id, from_name: portal_name, to: &email, lang: ctx.lang },
                    MailKind::LoginIdReminder,
                    &[("portal", portal_name), ("login_ids", &list), ("url", &url)],
                    state.mailer.domain(),
                    now,
                )
                .await?;
                audit::record(
                    &mut tx,
                    &audit_entry(&portal, &origin, "login_id.reminder_sent", Some(&email), None),
                    now,
                )
                .await?;
            }
        }
        Some(login_id) => {
            // A disabled account gets no temporary password, nor does a job seeker's (its ユーザID
            // logs in on the seekers' pages only): the page reads the same.
            let user = users::by_login_id(&mut tx, &portal.id, login_id.as_str())
                .await?
                .filter(|u| u.email == email && u.disabled_at.is_none() && !u.is_seeker());
            if let Some(user) = user {
                let subject = format!("user:{}", user.id);
                let address_limit = Limit::per_hour("reissue.address", limits.per_address);
                if rate::take(&mut tx, &portal.id, &address_limit, &subject, now).await? {
                    let temporary = crate::accounts::temporary_password(&portal.settings.password);
                    let expires = limits.rule.expires_at(now);
                    let code = codes::NewCode {
                        token_hash: &auth::token_hash(&auth::random_token()),
                        portal: &portal.id,
                        user_id: user.id,
                        purpose: REISSUE,
                        code_hash: &auth::token_hash(&temporary),
                        expires_at: expires,
                    };
                    codes::insert(&mut tx, &code, now).await?;
                    let (expires_text, hours) = (format_ts(expires, ctx.lang), limits.hours.to_string());
                    madoguchi_mail::queue(
                        &mut tx,
                        &Envelope { portal: &portal.id, from_name: portal_name, to: &user.email, lang: ctx.lang },
                        MailKind::TemporaryPassword,
                        &[
                            ("portal", portal_name),
                            ("name", &user.name),
                            ("login_id", &user.login_id),
                            ("password", &temporary),
                            ("expires", &expires_text),
                            ("hours", &hours),
                        ],
                        state.mailer.domain(),
                        now,
                    )
                    .await?;
                    audit::record(
                        &mut tx,
                        &audit_entry(&portal, &origin, "password.reissued", Some(&subject), None),
                        now,
                    )
                    .await?;
                }
            }
        }
    }
    tx.commit().await?;
    state.mailer.wake();
    let notice = Some(ctx.t.get("reissue.done").to_string());
    Ok(login_page(&ctx, &portal, "", FieldErrors::default(), notice)?.into_response())
}

// ---- パスワード設定／変更 ----

#[derive(Deserialize, Default)]
pub struct SetForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub login_id: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
    #[serde(default, rename = "_step")]
    step: String,
}

#[derive(Template)]
#[template(path = "recovery/set.html")]
pub struct SetPage {
    pub chrome: Chrome,
    pub id_label: String,
    pub current_label: String,
    pub new_label: String,
    pub confirm_label: String,
    pub temporary: bool,
    pub login_id: String,
    pub errors: FieldErrors,
    pub cancel: String,
}

fn set_page(
    ctx: &Ctx,
    portal: &Portal,
    temporary: bool,
    login_id: &str,
    errors: FieldErrors,
) -> Result<Html<String>, AppError> {
    let s = &portal.settings.login_screen;
    html(&SetPage {
        chrome: ctx.chrome(s.change_title.get(ctx.lang), Some(portal), Some(Screen::Set)),
        id_label: s.id_label.get(ctx.lang).to_string(),
        current_label: s.current_label.get(ctx.lang).to_string(),
        new_label: s.new_label.get(ctx.lang).to_string(),
        confirm_label: s.confirm_label.get(ctx.lang).to_string(),
        temporary,
        login_id: login_id.to_string(),
        errors,
        cancel: login_path(portal),
    })
}

pub async fn set_form(PortalRef(portal): PortalRef, ctx: Ctx) -> Result<Html<String>, AppError> {
    limits(&portal)?;
    set_page(&ctx, &portal, false, "", FieldErrors::default())
}

pub async fn set(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    origin: Origin,
    Form(form): Form<SetForm>,
) -> Result<Response, AppError> {
    limits(&portal)?;
    let temporary = form.kind == "temporary";
    let again = |errors: FieldErrors| -> Result<Response, AppError> {
        Ok(set_page(&ctx, &portal, temporary, &form.login_id, errors)?.into_response())
    };
    let step = Step::of(&form.step);
    if step == Step::Back {
        return again(FieldErrors::default());
    }
    let labels = &portal.settings.login_screen;
    let mut errors = FieldErrors::default();
    let login_id = match LoginId::parse(&portal.settings.login_id, &form.login_id) {
        Ok(id) => Some(id),
        Err(rules) => {
            errors.add("login_id", &rules[0].message(labels.id_label.get(ctx.lang), ctx.lang));
            None
        }
    };
    if form.current.is_empty() {
        errors.add("current", &format!("{}{}", labels.current_label.get(ctx.lang), ctx.t.get("password.enter")));
    }
    // Rules that need no account first: a refused new password costs no attempt.
    for rule in password::check(&portal.settings.password, &form.new, Subject::default()) {
        errors.add("new", &rule.message(ctx.lang));
    }
    if form.new != form.confirm {
        errors.add("confirm", &PasswordRule::Mismatch.message(ctx.lang));
    }
    let (Some(login_id), true) = (login_id, errors.is_empty()) else { return again(errors) };

    let (user, mut tx) = match credentials::check(&state, &portal, &login_id, &form.current, &origin, ctx.lang).await? {
        Some(accepted) => (accepted.user, accepted.tx),
        None => return again(FieldErrors::form(ctx.t.get("set.refused"))),
    };
    let broken = credentials::new_password_rules(&state, &mut tx, &portal, &user, &form.new).await?;
    if !broken.is_empty() {
        tx.commit().await?;
        let mut errors = FieldErrors::default();
        for rule in &broken {
            errors.add("new", &rule.message(ctx.lang));
        }
        return again(errors);
    }
    if step == Step::Input {
        // The manual's 登録確認メッセージ comes once the old password and the new one passed every
        // check. The check counted like a login and a right password clears the count, so it is
        // kept (a reissued temporary password that was accepted is now the password, as after a
        // login with it); 「はい」 sends everything again and is checked again.
        tx.commit().await?;
        let t = ctx.t;
        let kind = if temporary { t.get("set.kind_temporary") } else { t.get("set.kind_change") };
        let confirmation = Confirmation::new(&ctx, t.get("set.confirm"), format!("/{}/password/set", portal.id))
            .fact(t.get("set.kind"), kind)
            .fact(labels.id_label.get(ctx.lang), user.login_id.as_str())
            .carry("kind", form.kind.as_str())
            .carry("login_id", form.login_id.as_str())
            .carry("current", form.current.as_str())
            .carry("new", form.new.as_str())
            .carry("confirm", form.confirm.as_str());
        let title = labels.change_title.get(ctx.lang);
        return Ok(confirm::page(&ctx, title, Some(&portal), Some(Screen::Set), confirmation)?.into_response());
    }
    let detail = if temporary { "from_temporary" } else { "change" };
    let change = Change { event: "password.changed", detail: Some(detail), keep_session: None };
    credentials::replace_password(&mut tx, &state, &portal, &user, &form.new, change, &origin, ctx.lang).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(login_page(&ctx, &portal, &user.login_id, FieldErrors::default(), Some(ctx.t.get("set.done").to_string()))?
        .into_response())
}
