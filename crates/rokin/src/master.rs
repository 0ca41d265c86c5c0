//! rokin マスターユーザーの初期登録: 初期登録ログイン (契約番号 + 初期パスワード, counted by
//! the portal's lockout rule on the contract itself) → マスターユーザー初期登録 (ユーザーＩＤ,
//! パスワード twice, ユーザー名, メールアドレス twice) → 登録結果 with [電子証明書発行] and
//! [ログイン画面へ]. One master per contract: the seat is taken in the statement that checks it.
//!
//! The 初期パスワード opens the contract once: it is forgotten when the master registers, and
//! the operator sets a new one when re-initializing the master (the paper 依頼書 process).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use madoguchi_core::login_id::LoginId;
use madoguchi_core::password::{self, Subject};
use madoguchi_core::portal::Registration;
use madoguchi_core::rules::{LockOutcome, LockRule, MINUTE};
use madoguchi_core::{Portal, contract, normalize, person_name};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::users::{self, NewUser};
use madoguchi_store::{audit, contracts};
use madoguchi_web::auth;
use madoguchi_web::cookies::{cookie, removal};
use madoguchi_web::ctx::audit_entry;
use madoguchi_web::ctx::{Chrome, Ctx, Origin, PortalRef};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::screens::Screen;
use madoguchi_web::state::AppState;
use serde::Deserialize;

const MASTER_COOKIE: &str = "mdg_master";
const DONE_COOKIE: &str = "mdg_master_done";
/// Time to fill in マスターユーザー初期登録 after 初期登録ログイン.
const REGISTRATION_MINUTES: i64 = 30;
/// 「全角 20 文字以下」.
pub const NAME_MAX: usize = 20;
/// 「半角英数 50 桁以下」.
pub const EMAIL_MAX: usize = 50;

fn number_digits(portal: &Portal) -> Result<u32, AppError> {
    match portal.settings.registration {
        Registration::ContractMaster { contract_number_digits, .. } => Ok(contract_number_digits),
        _ => Err(AppError::NotFound),
    }
}

fn path(portal: &Portal, step: &str) -> String {
    format!("/{}/master{step}", portal.id)
}

// ---- 初期登録ログイン ----

#[derive(Template)]
#[template(path = "rokin/master_login.html")]
pub struct MasterLoginPage {
    pub chrome: Chrome,
    pub number: String,
    pub digits: u32,
    pub errors: FieldErrors,
    pub cancel: String,
}

fn login_page(ctx: &Ctx, portal: &Portal, number: &str, errors: FieldErrors) -> Result<Html<String>, AppError> {
    html(&MasterLoginPage {
        chrome: ctx.chrome(ctx.t.get("master.login_title"), Some(portal), Some(Screen::MasterLogin)),
        number: number.to_string(),
        digits: number_digits(portal)?,
        errors,
        cancel: format!("/{}/", portal.id),
    })
}

pub async fn login_form(PortalRef(portal): PortalRef, ctx: Ctx) -> Result<Html<String>, AppError> {
    login_page(&ctx, &portal, "", FieldErrors::default())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    number: String,
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
    let digits = number_digits(&portal)?;
    let number = contract::contract_number(&form.number, digits);
    let mut errors = FieldErrors::default();
    if number.is_none() {
        errors.add("number", &ctx.t.get("master.number_invalid").replace("{digits}", &digits.to_string()));
    }
    if form.password.is_empty() {
        errors.add("password", ctx.t.get("master.initial_required"));
    }
    let (Some(number), true) = (number, errors.is_empty()) else {
        return Ok(login_page(&ctx, &portal, &form.number, errors)?.into_response());
    };
    let refused = || login_page(&ctx, &portal, &form.number, FieldErrors::form(ctx.t.get("master.login_failed")));

    let now = state.clock.unix();
    let rule = LockRule::of(&portal.settings.lockout);
    let found = {
        let mut conn = state.store.acquire().await?;
        match contracts::initial_login(&mut conn, &portal.id, &number).await? {
            Some(c) => match (
                &c.initial_password_hash,
                contracts::reserve_initial_attempt(&mut conn, c.contract.id, &rule, now).await?,
            ) {
                (Some(hash), Some(attempt)) => Ok((c.contract, hash.clone(), attempt)),
                (None, _) => Err("no_initial_password"),
                (_, None) => Err("locked"),
            },
            None => Err("unknown_contract"),
        }
    };
    let (found_contract, hash, attempt) = match found {
        Ok(found) => found,
        Err(detail) => {
            // The same argon2 work and the same page whatever the reason: nothing tells a
            // stranger which contract numbers exist or which are locked.
            state.hasher.verify(&form.password, None).await;
            let mut conn = state.store.acquire().await?;
            let entry = audit_entry(&portal, &origin, "master.initial_login_failed", None, Some(detail));
            audit::record(&mut conn, &entry, now).await?;
            return Ok(refused()?.into_response());
        }
    };
    let subject = format!("organization:{}", found_contract.organization_id);
    let mut tx = state.store.begin().await?;
    if !state.hasher.verify(&form.password, Some(&hash)).await {
        let outcome = contracts::initial_attempt_failed(&mut tx, found_contract.id, attempt, &rule, now).await?;
        let entry = audit_entry(&portal, &origin, "master.initial_login_failed", Some(&subject), Some("bad_password"));
        audit::record(&mut tx, &entry, now).await?;
        let event = match outcome {
            LockOutcome::StillOpen => None,
            LockOutcome::Locked { .. } => Some("contract.locked"),
            LockOutcome::Blocked { .. } => Some("contract.blocked"),
        };
        if let Some(event) = event {
            audit::record(&mut tx, &audit_entry(&portal, &origin, event, Some(&subject), None), now).await?;
        }
        tx.commit().await?;
        return Ok(refused()?.into_response());
    }
    contracts::initial_attempt_succeeded(&mut tx, found_contract.id).await?;
    if found_contract.used_seats >= found_contract.seats {
        tx.commit().await?;
        let errors = FieldErrors::form(ctx.t.get("master.already_registered"));
        return Ok(login_page(&ctx, &portal, &form.number, errors)?.into_response());
    }
    let token = auth::random_token();
    let until = now + REGISTRATION_MINUTES * MINUTE;
    contracts::open_registration(&mut tx, found_contract.id, &auth::token_hash(&token), until).await?;
    audit::record(&mut tx, &audit_entry(&portal, &origin, "master.initial_login", Some(&subject), None), now).await?;
    tx.commit().await?;
    let pending = cookie(MASTER_COOKIE, token, path(&portal, ""), state.secure_cookies());
    Ok((jar.add(pending), Redirect::to(&path(&portal, "/register"))).into_response())
}

// ---- マスターユーザー初期登録 ----

#[derive(Deserialize, Default, Clone)]
pub struct RegisterForm {
    #[serde(default)]
    pub login_id: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_again: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub email_again: String,
}

#[derive(Template)]
#[template(path = "rokin/master_register.html")]
pub struct RegisterPage {
    pub chrome: Chrome,
    pub form: RegisterForm,
    pub errors: FieldErrors,
    pub cancel: String,
}

fn register_page(
    ctx: &Ctx,
    portal: &Portal,
    form: RegisterForm,
    errors: FieldErrors,
) -> Result<Html<String>, AppError> {
    html(&RegisterPage {
        chrome: ctx.chrome(ctx.t.get("master.register_title"), Some(portal), Some(Screen::MasterRegister)),
        // Passwords are never sent back.
        form: RegisterForm { password: String::new(), password_again: String::new(), ..form },
        errors,
        cancel: format!("/{}/", portal.id),
    })
}

async fn open_contract(
    state: &AppState,
    portal: &Portal,
    jar: &CookieJar,
) -> Result<Option<contracts::Contract>, AppError> {
    let Some(token) = jar.get(MASTER_COOKIE) else { return Ok(None) };
    let mut conn = state.store.acquire().await?;
    Ok(contracts::registration(&mut conn, &portal.id, &auth::token_hash(token.value()), state.clock.unix()).await?)
}

pub async fn register_form(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response, AppError> {
    number_digits(&portal)?;
    if open_contract(&state, &portal, &jar).await?.is_none() {
        return Ok(Redirect::to(&path(&portal, "")).into_response());
    }
    Ok(register_page(&ctx, &portal, RegisterForm::default(), FieldErrors::default())?.into_response())
}

/// A new contract user's fields as typed, checked against the portal's rules: shared by the
/// master's registration and the master's registration of general users.
pub struct NewContractUser {
    pub login_id: LoginId,
    pub name: String,
    pub email: String,
}

/// Checks ユーザーＩＤ, パスワード (twice), ユーザー名 and メールアドレス (twice); every problem
/// goes next to its field.
pub fn check_new_user(ctx: &Ctx, portal: &Portal, form: &RegisterForm) -> Result<NewContractUser, FieldErrors> {
    let mut errors = FieldErrors::default();
    let id_label = portal.settings.login_screen.id_label.get(ctx.lang);
    let login_id = LoginId::parse(&portal.settings.login_id, &form.login_id)
        .map_err(|rules| errors.add("login_id", &rules[0].message(id_label, ctx.lang)))
        .ok();
    let name_label = ctx.t.get("master.name");
    let name = person_name::full_width(&form.name, NAME_MAX)
        .map_err(|rule| errors.add("name", &rule.message(name_label, ctx.lang)))
        .ok();
    let email = normalize::email(&form.email);
    if !normalize::is_email(&email) || email.len() > EMAIL_MAX {
        errors.add("email", &ctx.t.get("master.email_invalid").replace("{max}", &EMAIL_MAX.to_string()));
    } else if normalize::email(&form.email_again) != email {
        errors.add("email_again", ctx.t.get("master.email_mismatch"));
    }
    let names = [name.as_deref().unwrap_or("")];
    let subject = Subject { login_id: login_id.as_ref().map(LoginId::as_str).unwrap_or(""), names: &names };
    if let Some(rule) = password::check(&portal.settings.password, &form.password, subject).first() {
        errors.add("password", &rule.message(ctx.lang));
    } else if form.password_again != form.password {
        errors.add("password_again", ctx.t.get("master.password_mismatch"));
    }
    match (login_id, name, errors.is_empty()) {
        (Some(login_id), Some(name), true) => Ok(NewContractUser { login_id, name, email }),
        _ => Err(errors),
    }
}

pub async fn register(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<RegisterForm>,
) -> Result<Response, AppError> {
    number_digits(&portal)?;
    if open_contract(&state, &portal, &jar).await?.is_none() {
        return Ok(Redirect::to(&path(&portal, "")).into_response());
    }
    let user = match check_new_user(&ctx, &portal, &form) {
        Ok(user) => user,
        Err(errors) => return Ok(register_page(&ctx, &portal, form, errors)?.into_response()),
    };
    let hash = state.hasher.hash(&form.password).await.map_err(|e| AppError::Internal(format!("hash: {e}")))?;
    let now = state.clock.unix();
    let token_hash = jar.get(MASTER_COOKIE).map(|c| auth::token_hash(c.value())).unwrap_or_default();
    let mut tx = state.store.begin().await?;
    // Checked again inside the transaction: the window may have closed, or another browser
    // may have registered the master meanwhile.
    let Some(open) = contracts::registration(&mut tx, &portal.id, &token_hash, now).await? else {
        return Ok(Redirect::to(&path(&portal, "")).into_response());
    };
    if !contracts::register_master(&mut tx, open.id).await? {
        let errors = FieldErrors::form(ctx.t.get("master.already_registered"));
        return Ok(register_page(&ctx, &portal, form, errors)?.into_response());
    }
    let new_user = NewUser {
        portal: &portal.id,
        organization_id: Some(open.organization_id),
        login_id: user.login_id.as_str(),
        email: &user.email,
        name: &user.name,
        role: "admin",
        password_hash: &hash,
        must_change_password: false,
    };
    let Some(id) = users::insert(&mut tx, &new_user, now).await? else {
        // Dropping the transaction gives the seat and the registration window back.
        drop(tx);
        let errors = FieldErrors::field("login_id", ctx.t.get("master.login_id_taken"));
        return Ok(register_page(&ctx, &portal, form, errors)?.into_response());
    };
    let subject = format!("user:{id}");
    audit::record(&mut tx, &audit_entry(&portal, &origin, "master.registered", Some(&subject), None), now).await?;
    let portal_name = portal.settings.name.get(ctx.lang);
    let help_desk = madoguchi_web::pages::landing::help_desk_text(&mut tx, &portal, ctx.lang).await?;
    madoguchi_mail::queue(
        &mut tx,
        &Envelope { portal: &portal.id, from_name: portal_name, to: &user.email, lang: ctx.lang },
        MailKind::MasterRegistered,
        &[
            ("portal", portal_name),
            ("name", &user.name),
            ("login_id", user.login_id.as_str()),
            ("at", &format_ts(now, ctx.lang)),
            ("help_desk", &help_desk),
        ],
        state.mailer.domain(),
        now,
    )
    .await?;
    tx.commit().await?;
    state.mailer.wake();
    let secure = state.secure_cookies();
    let jar = jar.remove(removal(MASTER_COOKIE, path(&portal, ""), secure)).add(cookie(
        DONE_COOKIE,
        user.login_id.as_str().to_string(),
        path(&portal, ""),
        secure,
    ));
    Ok((jar, Redirect::to(&path(&portal, "/done"))).into_response())
}

// ---- 登録結果 ----

#[derive(Template)]
#[template(path = "rokin/master_done.html")]
pub struct DonePage {
    pub chrome: Chrome,
    pub login_id: String,
    pub certificate: String,
    pub login: String,
}

pub async fn done(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response, AppError> {
    number_digits(&portal)?;
    let Some(login_id) = jar.get(DONE_COOKIE).map(|c| c.value().to_string()) else {
        return Ok(Redirect::to(&format!("/{}/", portal.id)).into_response());
    };
    let page = DonePage {
        chrome: ctx.chrome(ctx.t.get("master.done_title"), Some(&portal), Some(Screen::MasterDone)),
        login_id,
        certificate: format!("/{}/certificate", portal.id),
        login: format!("/{}/", portal.id),
    };
    // The result shows once: a reload or the back button lands on the login screen.
    let jar = jar.remove(removal(DONE_COOKIE, path(&portal, ""), state.secure_cookies()));
    Ok((jar, html(&page)?).into_response())
}
