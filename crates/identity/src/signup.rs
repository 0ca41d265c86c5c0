//! shaho sign-up: メールアドレス → an 8-digit アカウント確認コード mailed (30 minutes, limited
//! tries) → 詳細の追加 (password twice, CustomerId, 表示名, Tel) matched against a contract,
//! within its seats. An address that already has an account gets the same page; its owner
//! gets a mail saying so. The first account of a contract is its 管理者.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use madoguchi_core::password::{self, PasswordRule, Subject};
use madoguchi_core::portal::Registration;
use madoguchi_core::rules::{CodeRule, CodeVerdict, before};
use madoguchi_core::{Portal, contract, normalize};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::limits::{self, Limit};
use madoguchi_store::users::{self, NewUser};
use madoguchi_store::{audit, contracts};
use madoguchi_web::auth;
use madoguchi_web::cookies::{cookie, removal};
use madoguchi_web::ctx::audit_entry;
use madoguchi_web::ctx::{Chrome, Ctx, Origin, PortalRef};
use madoguchi_web::error::AppError;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::pages::login_screen::login_page;
use madoguchi_web::screens::Screen;
use madoguchi_web::state::AppState;
use serde::Deserialize;

const SIGNUP_COOKIE: &str = "mdg_signup";
const CODE_TRIES: i64 = 5;
/// Codes mailed to one address per hour: a stranger cannot flood somebody's mailbox.
const PER_ADDRESS: Limit = Limit::per_hour("signup.address", 5);
/// Sign-ups started from one IP address per hour.
const PER_IP: Limit = Limit::per_hour("signup.ip", 20);
/// Time to fill in the details once the code was right.
const DETAILS_MINUTES: i64 = 30;
/// Contract-match failures (and wrong 管理者登録コード) that end a sign-up.
const MATCH_TRIES: i64 = 5;
/// 詳細の追加 posts from one IP address per hour (each one, refused or not: one atomic
/// `limits::take` before the contract is looked at); past it, refused unchecked.
const DETAILS_PER_IP_PER_HOUR: i64 = 10;
/// The contract-match failures on one contract that alert the portal's operators (again
/// after the operator marks them as checked).
pub const CONTRACT_ALERT_AT: i64 = 10;

struct Rules {
    code_digits: u32,
    code_minutes: u32,
    /// The code's life and tries.
    code: CodeRule,
    prefix: String,
    digits: u32,
}

fn rules(portal: &Portal) -> Result<Rules, AppError> {
    let code = CodeRule::signup_code(&portal.settings.registration, CODE_TRIES).ok_or(AppError::NotFound)?;
    match &portal.settings.registration {
        Registration::EmailCodeWithContract { code_digits, code_minutes, customer_id_prefix, customer_id_digits } => {
            Ok(Rules {
                code_digits: *code_digits,
                code_minutes: *code_minutes,
                code,
                prefix: customer_id_prefix.clone(),
                digits: *customer_id_digits,
            })
        }
        _ => Err(AppError::NotFound),
    }
}

fn path(portal: &Portal, step: &str) -> String {
    format!("/{}/signup{step}", portal.id)
}

// ---- メールアドレス ----

#[derive(Template)]
#[template(path = "signup/email.html")]
pub struct EmailPage {
    pub chrome: Chrome,
    pub email: String,
    pub errors: FieldErrors,
}

pub async fn email_form(PortalRef(portal): PortalRef, ctx: Ctx) -> Result<Html<String>, AppError> {
    rules(&portal)?;
    html(&EmailPage {
        chrome: ctx.chrome(ctx.t.get("signup.title"), Some(&portal), Some(Screen::Signup)),
        email: String::new(),
        errors: FieldErrors::default(),
    })
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
    let rules = rules(&portal)?;
    let email = normalize::email(&form.email);
    if !normalize::is_email(&email) {
        let page = EmailPage {
            chrome: ctx.chrome(ctx.t.get("signup.title"), Some(&portal), Some(Screen::Signup)),
            email: form.email.clone(),
            errors: FieldErrors::field("email", ctx.t.get("reissue.email_invalid")),
        };
        return Ok(html(&page)?.into_response());
    }
    let now = state.clock.unix();
    let token = auth::random_token();
    let code = auth::numeric_code(rules.code_digits);
    let portal_name = portal.settings.name.get(ctx.lang);
    let mut tx = state.store.begin().await?;
    let from_ip = match origin.ip.as_deref() {
        Some(ip) => limits::take(&mut tx, &portal.id, &PER_IP, ip, now).await?,
        None => true,
    };
    if !from_ip {
        tx.commit().await?;
        let page = EmailPage {
            chrome: ctx.chrome(ctx.t.get("signup.title"), Some(&portal), Some(Screen::Signup)),
            email: form.email.clone(),
            errors: FieldErrors::form(ctx.t.get("reset.too_many")),
        };
        return Ok(html(&page)?.into_response());
    }
    // Over the per-address limit the browser goes on as usual but no mail is sent: the
    // page looks the same whether or not the address is registered.
    let flooded = !limits::take(&mut tx, &portal.id, &PER_ADDRESS, &email, now).await?;
    let taken = users::by_login_id(&mut tx, &portal.id, &email).await?.is_some();
    // Either way the browser goes on to the code screen: the page never tells. The owner of
    // a registered address is told by mail instead, and no code exists for that sign-up.
    let (kind, code_hash) = if taken {
        (MailKind::SignupExists, auth::token_hash(&auth::random_token()))
    } else {
        (MailKind::SignupCode, auth::token_hash(&code))
    };
    contracts::start_signup(
        &mut tx,
        &auth::token_hash(&token),
        &portal.id,
        &email,
        &code_hash,
        rules.code.expires_at(now),
        now,
    )
    .await?;
    let minutes = rules.code_minutes.to_string();
    if !flooded {
        madoguchi_mail::queue(
            &mut tx,
            &Envelope { portal: &portal.id, from_name: portal_name, to: &email, lang: ctx.lang },
            kind,
            &[("portal", portal_name), ("code", &code), ("minutes", &minutes)],
            state.mailer.domain(),
            now,
        )
        .await?;
    }
    let detail = match (flooded, taken) {
        (true, _) => "mail_limit",
        (false, true) => "address_taken",
        (false, false) => "code_sent",
    };
    audit::record(&mut tx, &audit_entry(&portal, &origin, "signup.started", None, Some(detail)), now).await?;
    tx.commit().await?;
    state.mailer.wake();
    let pending = cookie(SIGNUP_COOKIE, token, path(&portal, ""), state.secure_cookies());
    Ok((jar.add(pending), Redirect::to(&path(&portal, "/code"))).into_response())
}

// ---- コードの入力 ----

#[derive(Template)]
#[template(path = "signup/code.html")]
pub struct CodePage {
    pub chrome: Chrome,
    pub email: String,
    pub errors: FieldErrors,
}

async fn pending(
    state: &AppState,
    portal: &Portal,
    jar: &CookieJar,
    count: bool,
) -> Result<Option<(String, contracts::Signup)>, AppError> {
    let Some(token) = jar.get(SIGNUP_COOKIE).map(|c| auth::token_hash(c.value())) else { return Ok(None) };
    let mut conn = state.store.acquire().await?;
    let now = state.clock.unix();
    let signup = contracts::signup(&mut conn, &portal.id, &token, count).await?;
    Ok(signup.filter(|s| before(s.expires_at, now)).map(|s| (token, s)))
}

fn start_again(ctx: &Ctx, portal: &Portal, jar: CookieJar, secure: bool) -> Result<Response, AppError> {
    let page = EmailPage {
        chrome: ctx.chrome(ctx.t.get("signup.title"), Some(portal), Some(Screen::Signup)),
        email: String::new(),
        errors: FieldErrors::form(ctx.t.get("signup.expired")),
    };
    Ok((jar.remove(removal(SIGNUP_COOKIE, path(portal, ""), secure)), html(&page)?).into_response())
}

pub async fn code_form(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response, AppError> {
    rules(&portal)?;
    let Some((_, signup)) = pending(&state, &portal, &jar, false).await? else {
        return start_again(&ctx, &portal, jar, state.secure_cookies());
    };
    Ok(html(&CodePage {
        chrome: ctx.chrome(ctx.t.get("signup.code_title"), Some(&portal), Some(Screen::Signup)),
        email: signup.email,
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
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let rules = rules(&portal)?;
    let Some((token, signup)) = pending(&state, &portal, &jar, true).await? else {
        return start_again(&ctx, &portal, jar, state.secure_cookies());
    };
    let code: String = madoguchi_web::forms::typed_code(&form.code);
    if !matches!(rules.code.verdict(signup.expires_at, signup.attempts, state.clock.unix()), CodeVerdict::Open { .. }) {
        let mut conn = state.store.acquire().await?;
        contracts::end_signup(&mut conn, &token).await?;
        return start_again(&ctx, &portal, jar, state.secure_cookies());
    }
    if !auth::equal(&auth::token_hash(&code), &signup.code_hash) {
        let page = CodePage {
            chrome: ctx.chrome(ctx.t.get("signup.code_title"), Some(&portal), Some(Screen::Signup)),
            email: signup.email,
            errors: FieldErrors::field("code", ctx.t.get("signup.code_wrong")),
        };
        return Ok(html(&page)?.into_response());
    }
    let now = state.clock.unix();
    let mut conn = state.store.acquire().await?;
    contracts::verify_signup(&mut conn, &token, now, now + DETAILS_MINUTES * 60).await?;
    Ok(Redirect::to(&path(&portal, "/details")).into_response())
}

// ---- 詳細の追加 ----

#[derive(Deserialize, Default)]
pub struct DetailsForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
    #[serde(default)]
    pub customer_id: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub tel: String,
    /// The 管理者登録コード: only the contract's first account needs it; never shown back.
    #[serde(default)]
    admin_code: String,
}

#[derive(Template)]
#[template(path = "signup/details.html")]
pub struct DetailsPage {
    pub chrome: Chrome,
    pub form: DetailsForm,
    pub errors: FieldErrors,
    pub full: Option<String>,
}

fn details_page(
    ctx: &Ctx,
    portal: &Portal,
    form: DetailsForm,
    errors: FieldErrors,
    full: Option<String>,
) -> Result<Html<String>, AppError> {
    html(&DetailsPage {
        chrome: ctx.chrome(ctx.t.get("signup.details_title"), Some(portal), Some(Screen::Signup)),
        form,
        errors,
        full,
    })
}

pub async fn details_form(
    State(state): State<AppState>,
    PortalRef(portal): PortalRef,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response, AppError> {
    rules(&portal)?;
    match pending(&state, &portal, &jar, false).await? {
        Some((_, s)) if s.verified => {
            Ok(details_page(&ctx, &portal, DetailsForm::default(), FieldErrors::default(), None)?.into_response())
        }
        _ => start_again(&ctx, &portal, jar, state.secure_cookies()),
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
    let rules = rules(&portal)?;
    let t = ctx.t;
    let Some((token, signup)) = pending(&state, &portal, &jar, false).await?.filter(|(_, s)| s.verified) else {
        return start_again(&ctx, &portal, jar, state.secure_cookies());
    };
    let mut errors = FieldErrors::default();
    for rule in
        password::check(&portal.settings.password, &form.password, Subject { login_id: &signup.email, names: &[] })
    {
        errors.add("password", &rule.message(ctx.lang));
    }
    if form.password != form.password_again {
        errors.add("password_again", &PasswordRule::Mismatch.message(ctx.lang));
    }
    let customer_id = contract::customer_id(&form.customer_id, &rules.prefix, rules.digits);
    if customer_id.is_none() {
        errors.add("customer_id", t.get("signup.customer_id_format"));
    }
    let name = form.display_name.trim().to_string();
    if name.is_empty() || name.chars().count() > 256 {
        errors.add("display_name", t.get("signup.display_name_length"));
    }
    let phone = contract::phone(&form.tel);
    if phone.is_none() {
        errors.add("tel", t.get("signup.tel_format"));
    }
    let (Some(customer_id), Some(phone), true) = (customer_id, phone, errors.is_empty()) else {
        return Ok(details_page(&ctx, &portal, form, errors, None)?.into_response());
    };
    let now = state.clock.unix();
    {
        // Per address: guessing from one place stops, unchecked, for the rest of the hour.
        // One atomic step (`limits::take`): each 詳細の追加 from an address takes a use, so
        // simultaneous guesses cannot pass the limit together.
        let mut conn = state.store.acquire().await?;
        let limit = Limit::per_hour("signup.details_ip", DETAILS_PER_IP_PER_HOUR);
        let within = match origin.ip.as_deref() {
            Some(ip) => limits::take(&mut conn, &portal.id, &limit, ip, now).await?,
            None => true,
        };
        if !within {
            audit::record(&mut conn, &audit_entry(&portal, &origin, "signup.throttled", None, None), now).await?;
            return Ok(
                details_page(&ctx, &portal, form, FieldErrors::form(t.get("reset.too_many")), None)?.into_response()
            );
        }
    }
    let hash = state.hasher.hash(&form.password).await.map_err(|e| AppError::Internal(format!("hash: {e}")))?;
    let mut tx = state.store.begin().await?;
    let matched =
        contracts::by_customer_id(&mut tx, &portal.id, &customer_id).await?.filter(|c| auth::equal(&c.phone, &phone));
    let Some(contract) = matched else {
        let guessed = contracts::count_mismatch(&mut tx, &portal.id, &customer_id, &phone, now).await?;
        let subject = guessed.first().map(|g| format!("organization:{}", g.organization_id));
        let entry = audit_entry(&portal, &origin, "signup.refused", subject.as_deref(), Some("contract_mismatch"));
        audit::record(&mut tx, &entry, now).await?;
        for g in guessed.iter().filter(|g| g.match_failures == CONTRACT_ALERT_AT) {
            alert_operators(&mut tx, &state, &portal, &origin, g, now).await?;
        }
        count_failure(&mut tx, &token).await?;
        tx.commit().await?;
        state.mailer.wake();
        return Ok(details_page(&ctx, &portal, form, FieldErrors::form(t.get("signup.contract_mismatch")), None)?
            .into_response());
    };
    let Some(seat) = contracts::take_seat(&mut tx, contract.id).await? else {
        audit::record(&mut tx, &audit_entry(&portal, &origin, "signup.refused", None, Some("seats_full")), now).await?;
        tx.commit().await?;
        let full = format!("{}{}{}", t.get("signup.full_prefix"), contract.seats, t.get("signup.full_suffix"));
        return Ok(details_page(&ctx, &portal, form, FieldErrors::default(), Some(full))?.into_response());
    };
    // The first account is the 管理者, who manages every other: never made by guessing
    // CustomerId and Tel. It needs the code the operator handed over, used once.
    if seat == 1 && !contracts::use_admin_code(&mut tx, contract.id, &auth::admin_code_hash(&form.admin_code)).await? {
        drop(tx);
        let (detail, key) = if form.admin_code.trim().is_empty() {
            ("admin_code_missing", "signup.admin_code_required")
        } else {
            ("admin_code_wrong", "signup.admin_code_wrong")
        };
        let mut tx = state.store.begin().await?;
        let subject = format!("organization:{}", contract.organization_id);
        audit::record(&mut tx, &audit_entry(&portal, &origin, "signup.refused", Some(&subject), Some(detail)), now)
            .await?;
        count_failure(&mut tx, &token).await?;
        tx.commit().await?;
        return Ok(
            details_page(&ctx, &portal, form, FieldErrors::field("admin_code", t.get(key)), None)?.into_response()
        );
    }
    if !contracts::end_signup(&mut tx, &token).await? {
        // Completed meanwhile from another tab: give the seat back by rolling back.
        drop(tx);
        return start_again(&ctx, &portal, jar, state.secure_cookies());
    }
    // The first account of a contract is its 管理者.
    let role = if seat == 1 { "admin" } else { "member" };
    let new = NewUser {
        portal: &portal.id,
        organization_id: Some(contract.organization_id),
        login_id: &signup.email,
        email: &signup.email,
        name: &name,
        role,
        password_hash: &hash,
        must_change_password: false,
    };
    let Some(user_id) = users::insert(&mut tx, &new, now).await? else {
        // Registered meanwhile from another browser: the seat is not taken.
        drop(tx);
        return start_again(&ctx, &portal, jar, state.secure_cookies());
    };
    let subject = format!("user:{user_id}");
    audit::record(&mut tx, &audit_entry(&portal, &origin, "user.created", Some(&subject), Some(role)), now).await?;
    tx.commit().await?;
    let page =
        login_page(&ctx, &portal, &signup.email, FieldErrors::default(), Some(t.get("signup.done").to_string()))?;
    Ok((jar.remove(removal(SIGNUP_COOKIE, path(&portal, ""), state.secure_cookies())), page).into_response())
}

/// One more failure of this sign-up; at the limit the sign-up ends (its pages start again).
async fn count_failure(tx: &mut madoguchi_store::Tx, token: &str) -> Result<(), AppError> {
    if contracts::signup_mismatch(tx, token).await?.is_some_and(|n| n >= MATCH_TRIES) {
        contracts::end_signup(tx, token).await?;
    }
    Ok(())
}

/// Mails every operator of the portal that a contract is being guessed (the console marks it
/// too, until an operator marks the failures as checked), and audits the alert.
async fn alert_operators(
    tx: &mut madoguchi_store::Tx,
    state: &AppState,
    portal: &Portal,
    origin: &Origin,
    guessed: &contracts::Guessed,
    now: i64,
) -> Result<(), AppError> {
    let organization = contracts::organization_name(tx, guessed.organization_id).await?.unwrap_or_default();
    let lang = madoguchi_core::Lang::Ja;
    let portal_name = portal.settings.name.get(lang);
    let (failures, at) = (guessed.match_failures.to_string(), madoguchi_web::format::format_ts(now, lang));
    for (email, _) in madoguchi_store::operators::of_portal(tx, &portal.id).await? {
        madoguchi_mail::queue(
            tx,
            &Envelope { portal: &portal.id, from_name: portal_name, to: &email, lang },
            MailKind::ContractMatchAlert,
            &[
                ("portal", portal_name),
                ("customer_id", &guessed.customer_id),
                ("organization", &organization),
                ("failures", &failures),
                ("at", &at),
            ],
            state.mailer.domain(),
            now,
        )
        .await?;
    }
    let subject = format!("organization:{}", guessed.organization_id);
    audit::record(tx, &audit_entry(portal, origin, "contract.match_alert", Some(&subject), Some(&failures)), now)
        .await?;
    Ok(())
}
