//! mlit-fwms registration: 利用者仮申請 (login ID and e-mail, each typed twice → a temporary
//! password mailed, valid for the portal's hours) → 利用者本申請 (login ID, 仮パスワード, the
//! new password twice → the account, a session, the メニュー). The registration e-mail becomes
//! the organization's contact address.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use madoguchi_core::login_id::LoginId;
use madoguchi_core::password::{self, PasswordRule, Subject};
use madoguchi_core::portal::Registration;
use madoguchi_core::rules::{CodeRule, CodeVerdict};
use madoguchi_core::{Portal, normalize};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::limits::{self, Limit};
use madoguchi_store::users::{self, NewUser};
use madoguchi_store::{audit, registrations};
use madoguchi_web::auth;
use madoguchi_web::confirm::{self, Confirmation, Step};
use madoguchi_web::ctx::audit_entry;
use madoguchi_web::ctx::{Chrome, Ctx, Origin, PortalRef};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::screens::Screen;
use madoguchi_web::session;
use madoguchi_web::state::AppState;
use serde::Deserialize;

/// Wrong temporary passwords allowed before the application must be made again.
const MAX_ATTEMPTS: i64 = 5;
/// Mails to one address per hour (仮パスワード or 「ログインＩＤは使用されています」), and
/// applications from one IP address per hour: the preset's `registration` values.
fn limits(portal: &Portal) -> (i64, i64) {
    match portal.settings.registration {
        Registration::ProvisionalTempPassword { per_address_per_hour, per_ip_per_hour, .. } => {
            (i64::from(per_address_per_hour), i64::from(per_ip_per_hour))
        }
        _ => (0, 0),
    }
}

fn temp_hours(portal: &Portal) -> Result<u32, AppError> {
    match portal.settings.registration {
        Registration::ProvisionalTempPassword { temp_password_hours, .. } => Ok(temp_password_hours),
        _ => Err(AppError::NotFound),
    }
}

/// The 仮パスワード's life and tries.
fn temp_rule(portal: &Portal) -> Result<CodeRule, AppError> {
    CodeRule::provisional_password(&portal.settings.registration, MAX_ATTEMPTS).ok_or(AppError::NotFound)
}

// ---- 利用者仮申請 ----

#[derive(Deserialize, Default)]
pub struct ApplyForm {
    #[serde(default)]
    pub login_id: String,
    #[serde(default)]
    pub login_id_again: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub email_again: String,
    #[serde(default, rename = "_step")]
    pub step: String,
}

#[derive(Template)]
#[template(path = "register/apply.html")]
pub struct ApplyPage {
    pub chrome: Chrome,
    pub form: ApplyForm,
    pub errors: FieldErrors,
    pub back: String,
}

fn apply_page(ctx: &Ctx, portal: &Portal, form: ApplyForm, errors: FieldErrors) -> Result<Html<String>, AppError> {
    html(&ApplyPage {
        chrome: ctx.chrome(ctx.t.get("reg.apply_title"), Some(portal), Some(Screen::Register)),
        form,
        errors,
        back: format!("/{}/", portal.id),
    })
}

pub async fn apply_form(PortalRef(portal): PortalRef, ctx: Ctx) -> Result<Html<String>, AppError> {
    temp_hours(&portal)?;
    apply_page(&ctx, &portal, ApplyForm::default(), FieldErrors::default())
}

pub async fn apply(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    origin: Origin,
    Form(form): Form<ApplyForm>,
) -> Result<Response, AppError> {
    let hours = temp_hours(&portal)?;
    let t = ctx.t;
    let step = Step::of(&form.step);
    if step == Step::Back {
        return Ok(apply_page(&ctx, &portal, form, FieldErrors::default())?.into_response());
    }
    let mut errors = FieldErrors::default();
    let label = t.get("reg.login_id");
    let login_id = match LoginId::parse(&portal.settings.login_id, &form.login_id) {
        Ok(id) => Some(id),
        Err(rules) => {
            errors.add("login_id", &rules[0].message(label, ctx.lang));
            None
        }
    };
    if login_id.as_ref().is_some_and(|id| !id.confirmed_by(&portal.settings.login_id, &form.login_id_again)) {
        errors.add("login_id_again", t.get("reg.login_id_mismatch"));
    }
    let email = normalize::email(&form.email);
    if !normalize::is_email(&email) {
        errors.add("email", t.get("reissue.email_invalid"));
    } else if email != normalize::email(&form.email_again) {
        errors.add("email_again", t.get("reg.email_mismatch"));
    }
    let now = state.clock.unix();
    let (per_recipient, per_ip) = limits(&portal);
    let (Some(login_id), true) = (login_id, errors.is_empty()) else {
        return Ok(apply_page(&ctx, &portal, form, errors)?.into_response());
    };
    if step == Step::Input {
        // The manual's 「仮申請します。よろしいですか？」, for input that passed every check.
        let confirmation = Confirmation::new(&ctx, t.get("reg.apply_confirm"), format!("/{}/register", portal.id))
            .fact(label, login_id.as_str())
            .fact(t.get("reg.email"), email.as_str())
            .carry("login_id", form.login_id)
            .carry("login_id_again", form.login_id_again)
            .carry("email", form.email)
            .carry("email_again", form.email_again);
        let title = t.get("reg.apply_title");
        return Ok(confirm::page(&ctx, title, Some(&portal), Some(Screen::Register), confirmation)?.into_response());
    }
    // Both limits are one atomic step each (`limits::take`) in this transaction: simultaneous
    // applications cannot pass them together. A form with errors takes no use.
    let mut tx = state.store.begin().await?;
    let ip_limit = Limit::per_hour("registration.ip", per_ip);
    let from_ip = match origin.ip.as_deref() {
        Some(ip) => limits::take(&mut tx, &portal.id, &ip_limit, ip, now).await?,
        None => true,
    };
    if !from_ip {
        tx.commit().await?;
        errors.add("", t.get("reset.too_many"));
        return Ok(apply_page(&ctx, &portal, form, errors)?.into_response());
    }
    audit::record(&mut tx, &audit_entry(&portal, &origin, "registration.requested", None, None), now).await?;
    // Whatever follows, the page is the same: whether a login ID is taken is told only to
    // the mailbox of the address typed, and a flooded mailbox gets no more mail this hour.
    let recipient = format!("email:{email}");
    let address_limit = Limit::per_hour("registration.address", per_recipient);
    let may_mail = limits::take(&mut tx, &portal.id, &address_limit, &recipient, now).await?;
    let taken = users::by_login_id(&mut tx, &portal.id, login_id.as_str()).await?.is_some();
    let portal_name = portal.settings.name.get(ctx.lang);
    let envelope = Envelope { portal: &portal.id, from_name: portal_name, to: &email, lang: ctx.lang };
    let detail = format!("login_id {}", login_id.as_str());
    if !may_mail || taken {
        let why = if may_mail { "login_id_taken" } else { "mail_limit" };
        let refused = format!("{detail} {why}");
        audit::record(&mut tx, &audit_entry(&portal, &origin, "registration.refused", None, Some(&refused)), now)
            .await?;
        if may_mail {
            madoguchi_mail::queue(
                &mut tx,
                &envelope,
                MailKind::RegistrationIdTaken,
                &[("portal", portal_name), ("login_id", login_id.as_str())],
                state.mailer.domain(),
                now,
            )
            .await?;
            let entry = audit_entry(&portal, &origin, "registration.mailed", Some(&recipient), Some("login_id_taken"));
            audit::record(&mut tx, &entry, now).await?;
        }
        tx.commit().await?;
        state.mailer.wake();
        return applied(&ctx, &portal);
    }
    let temporary = crate::accounts::temporary_password(&portal.settings.password);
    let expires = temp_rule(&portal)?.expires_at(now);
    registrations::upsert(&mut tx, &portal.id, login_id.as_str(), &email, &auth::token_hash(&temporary), expires, now)
        .await?;
    let (expires_text, hours_text) = (format_ts(expires, ctx.lang), hours.to_string());
    madoguchi_mail::queue(
        &mut tx,
        &envelope,
        MailKind::ProvisionalRegistration,
        &[
            ("portal", portal_name),
            ("login_id", login_id.as_str()),
            ("password", &temporary),
            ("expires", &expires_text),
            ("hours", &hours_text),
        ],
        state.mailer.domain(),
        now,
    )
    .await?;
    audit::record(&mut tx, &audit_entry(&portal, &origin, "registration.mailed", Some(&recipient), None), now).await?;
    let detail = format!("login_id {}", login_id.as_str());
    audit::record(&mut tx, &audit_entry(&portal, &origin, "registration.provisional", None, Some(&detail)), now)
        .await?;
    tx.commit().await?;
    state.mailer.wake();
    applied(&ctx, &portal)
}

/// The one answer to an accepted application, whatever became of it.
fn applied(ctx: &Ctx, portal: &Portal) -> Result<Response, AppError> {
    html(&DonePage {
        chrome: ctx.chrome(ctx.t.get("reg.apply_title"), Some(portal), Some(Screen::Register)),
        message: ctx.t.get("reg.applied").to_string(),
        next: format!("/{}/", portal.id),
    })
    .map(IntoResponse::into_response)
}

#[derive(Template)]
#[template(path = "register/done.html")]
pub struct DonePage {
    pub chrome: Chrome,
    pub message: String,
    pub next: String,
}

// ---- 利用者本申請 ----

#[derive(Deserialize, Default)]
pub struct CompleteForm {
    #[serde(default)]
    pub login_id: String,
    #[serde(default)]
    temporary: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
    #[serde(default, rename = "_step")]
    step: String,
}

#[derive(Template)]
#[template(path = "register/complete.html")]
pub struct CompletePage {
    pub chrome: Chrome,
    pub login_id: String,
    pub rules: String,
    pub errors: FieldErrors,
    pub back: String,
}

fn complete_page(ctx: &Ctx, portal: &Portal, login_id: &str, errors: FieldErrors) -> Result<Html<String>, AppError> {
    let policy = &portal.settings.password;
    let rules = PasswordRule::MissingClasses {
        groups: policy.groups.clone(),
        needed: policy.min_groups.unwrap_or(policy.groups.len()),
    }
    .message(ctx.lang);
    html(&CompletePage {
        chrome: ctx.chrome(ctx.t.get("reg.complete_title"), Some(portal), Some(Screen::RegisterComplete)),
        login_id: login_id.to_string(),
        rules,
        errors,
        back: format!("/{}/", portal.id),
    })
}

pub async fn complete_form(PortalRef(portal): PortalRef, ctx: Ctx) -> Result<Html<String>, AppError> {
    temp_hours(&portal)?;
    complete_page(&ctx, &portal, "", FieldErrors::default())
}

pub async fn complete(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<CompleteForm>,
) -> Result<Response, AppError> {
    temp_hours(&portal)?;
    let t = ctx.t;
    let again = |errors: FieldErrors| -> Result<Response, AppError> {
        Ok(complete_page(&ctx, &portal, &form.login_id, errors)?.into_response())
    };
    let step = Step::of(&form.step);
    if step == Step::Back {
        return again(FieldErrors::default());
    }
    let mut errors = FieldErrors::default();
    let login_id = match LoginId::parse(&portal.settings.login_id, &form.login_id) {
        Ok(id) => Some(id),
        Err(rules) => {
            errors.add("login_id", &rules[0].message(t.get("reg.login_id"), ctx.lang));
            None
        }
    };
    let now = state.clock.unix();
    let rule = temp_rule(&portal)?;
    // The 仮パスワード's expiry before anything else: once it has passed, no correction of the
    // other fields can help, and the user must be told to apply again.
    if let Some(id) = &login_id {
        let mut tx = state.store.begin().await?;
        let expired = registrations::find(&mut tx, &portal.id, id.as_str()).await?.filter(|p| {
            matches!(rule.verdict(p.expires_at, p.attempts, now), CodeVerdict::Expired | CodeVerdict::Spent)
        });
        if let Some(p) = expired {
            let key = "reg.temporary_expired";
            registrations::take(&mut tx, p.id).await?;
            audit::record(&mut tx, &audit_entry(&portal, &origin, "registration.failed", None, Some(key)), now).await?;
            tx.commit().await?;
            return again(FieldErrors::field("temporary", t.get(key)));
        }
        tx.commit().await?;
    }
    if form.temporary.is_empty() {
        errors.add("temporary", t.get("reg.temporary_required"));
    }
    let subject_id = login_id.as_ref().map(|id| id.as_str().to_string()).unwrap_or_default();
    for rule in password::check(&portal.settings.password, &form.new, Subject { login_id: &subject_id, names: &[] }) {
        errors.add("new", &rule.message(ctx.lang));
    }
    if form.new != form.confirm {
        errors.add("confirm", &PasswordRule::Mismatch.message(ctx.lang));
    }
    let (Some(login_id), true) = (login_id, errors.is_empty()) else { return again(errors) };

    let mut tx = state.store.begin().await?;
    let pending = registrations::attempt(&mut tx, &portal.id, login_id.as_str()).await?;
    let verdict = pending.as_ref().map(|p| rule.verdict(p.expires_at, p.attempts, now));
    let wrong = match (&pending, verdict) {
        (_, Some(CodeVerdict::Expired | CodeVerdict::Spent)) => Some("reg.temporary_expired"),
        (Some(p), Some(CodeVerdict::Open { .. })) if auth::equal(&auth::token_hash(&form.temporary), &p.temp_hash) => {
            None
        }
        _ => Some("reg.temporary_wrong"),
    };
    let pending = match pending {
        Some(p) if wrong.is_none() => p,
        pending => {
            let key = wrong.unwrap_or("reg.temporary_wrong");
            // Expired, spent, or this wrong entry was the last: the application must be made again.
            if let Some(p) = pending.filter(|_| verdict != Some(CodeVerdict::Open { last: false })) {
                registrations::take(&mut tx, p.id).await?;
            }
            audit::record(&mut tx, &audit_entry(&portal, &origin, "registration.failed", None, Some(key)), now).await?;
            tx.commit().await?;
            return again(FieldErrors::field("temporary", t.get(key)));
        }
    };
    if step == Step::Input {
        // The manual's 「登録します。よろしいですか？」 once everything is right; this right entry
        // of the 仮パスワード costs no try (「はい」 enters it again).
        registrations::refund_attempt(&mut tx, pending.id).await?;
        tx.commit().await?;
        let confirmation =
            Confirmation::new(&ctx, t.get("reg.complete_confirm"), format!("/{}/register/complete", portal.id))
                .fact(t.get("reg.login_id"), login_id.as_str())
                .fact(t.get("reg.email"), pending.email.as_str())
                .carry("login_id", form.login_id.as_str())
                .carry("temporary", form.temporary.as_str())
                .carry("new", form.new.as_str())
                .carry("confirm", form.confirm.as_str());
        let title = t.get("reg.complete_title");
        return Ok(
            confirm::page(&ctx, title, Some(&portal), Some(Screen::RegisterComplete), confirmation)?.into_response()
        );
    }
    if !registrations::take(&mut tx, pending.id).await?
        || users::by_login_id(&mut tx, &portal.id, login_id.as_str()).await?.is_some()
    {
        tx.commit().await?;
        return again(FieldErrors::field("login_id", t.get("reg.login_id_taken")));
    }
    let hash = state.hasher.hash(&form.new).await.map_err(|e| AppError::Internal(format!("hash: {e}")))?;
    let org = users::insert_organization(&mut tx, &portal.id, "", now).await?;
    let new = NewUser {
        portal: &portal.id,
        organization_id: Some(org),
        login_id: login_id.as_str(),
        email: &pending.email,
        name: login_id.as_str(),
        role: "admin",
        password_hash: &hash,
        must_change_password: false,
    };
    let Some(user_id) = users::insert(&mut tx, &new, now).await? else {
        tx.commit().await?;
        return again(FieldErrors::field("login_id", t.get("reg.login_id_taken")));
    };
    let subject = format!("user:{user_id}");
    audit::record(&mut tx, &audit_entry(&portal, &origin, "user.created", Some(&subject), Some("registration")), now)
        .await?;
    let portal_name = portal.settings.name.get(ctx.lang);
    let (at, url) = (format_ts(now, ctx.lang), portal.url("/login"));
    madoguchi_mail::queue(
        &mut tx,
        &Envelope { portal: &portal.id, from_name: portal_name, to: &pending.email, lang: ctx.lang },
        MailKind::RegistrationCompleted,
        &[("portal", portal_name), ("login_id", login_id.as_str()), ("at", &at), ("url", &url)],
        state.mailer.domain(),
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        &audit_entry(&portal, &origin, "login.succeeded", Some(&subject), Some("registration")),
        now,
    )
    .await?;
    let meta = origin.session_meta(None);
    let cookie = session::start_with(&mut tx, &state, &portal, user_id, &jar, now, &meta).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok((jar.add(cookie), Redirect::to(&format!("/{}/home", portal.id))).into_response())
}
