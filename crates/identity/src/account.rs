//! After login: the home screen (menu) and the password change, which a temporary or
//! expired password forces before anything else.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use chrono::DateTime;
use madoguchi_core::clock::JST;
use madoguchi_core::password::PasswordRule;
use madoguchi_core::{Lang, Portal};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::Tx;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::users::{self, User};
use madoguchi_web::credentials::{self, Change, Reauth};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::format::{format_datetime, format_ts};
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::i18n::Tr;
use madoguchi_web::pages::html;
use madoguchi_web::screens::Screen;
use madoguchi_web::session::{CurrentUser, ForcedChange};
use madoguchi_web::state::AppState;
use serde::Deserialize;

fn change_path(current: &CurrentUser) -> String {
    format!("/{}/password", current.portal.id)
}

#[derive(Template)]
#[template(path = "account/home.html")]
pub struct HomePage {
    pub chrome: Chrome,
    pub notices_label: String,
    pub notices: Vec<madoguchi_web::pages::landing::Notice>,
    pub organization: Option<String>,
    /// hellowork: 管轄安定所名 and the office, where the organization has one.
    pub office: Option<(String, String)>,
    pub user_name: String,
    pub last_login: Option<String>,
    pub expiry_days: Option<i64>,
    pub base: String,
    /// The portal lets the user turn on a login code (shaho).
    pub login_code: bool,
    /// 退会 is in the menu where the portal has it.
    pub withdraw: bool,
    /// shaho: アカウント管理, for the contract's 管理者.
    pub manage_accounts: bool,
    /// shaho: the contract's ドキュメント, for every account of a contract.
    pub documents: bool,
    /// アカウント情報 > 登録情報確認, where the portal has it.
    /// 求人公募情報管理 (jrec-in, module job_postings): the organization's postings.
    pub job_postings: bool,
    /// The business modules' menu groups (mlit-fwms: the plan's menu by its state).
    pub module_menus: Vec<madoguchi_web::panels::MenuView>,
    pub registered_info: bool,
    pub notice: Option<String>,
    /// ログイン中のブラウザ, this one first.
    pub browsers: Vec<crate::browsers::BrowserLine>,
    pub end_action: String,
}

#[derive(Deserialize)]
pub struct HomeQuery {
    #[serde(default)]
    done: String,
}

pub async fn home(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Query(query): Query<HomeQuery>,
) -> Result<Response, AppError> {
    let now = state.clock.unix();
    match current.forced_change(now) {
        Some(ForcedChange::Expired) if current.portal.settings.password.expired_confirmation => {
            return Ok(Redirect::to(&format!("/{}/password/expired", current.portal.id)).into_response());
        }
        Some(_) => return Ok(Redirect::to(&change_path(&current)).into_response()),
        None => {}
    }
    if current.needs_asp_link() {
        return Ok(Redirect::to(&format!("/{}/link", current.portal.id)).into_response());
    }
    let notice = match query.done.as_str() {
        "password" => Some(ctx.t.get("password.changed").to_string()),
        "transfer" => Some(ctx.t.get("acct.done_transfer").to_string()),
        "session_ended" => Some(ctx.t.get("sessions.ended").to_string()),
        _ => None,
    };
    let notices = madoguchi_web::pages::landing::current_notices(&state, &current.portal, ctx.lang).await?;
    if !current.portal.settings.menu.is_empty() {
        // rokin: インフォメーション with the manual's menu bar and the modules' panels.
        let panels = madoguchi_web::pages::information::panels(&state, &current, &ctx).await?;
        return Ok(madoguchi_web::pages::information::information_page(&ctx, &current, now, notice, notices, panels)?
            .into_response());
    }
    let browsers = crate::browsers::lines(&state, &current, &ctx).await?;
    let menus = madoguchi_web::pages::information::menus(&state, &current, &ctx).await?;
    Ok(home_page(&ctx, &current, now, notice, notices, browsers, menus)?.into_response())
}

fn home_page(
    ctx: &Ctx,
    current: &CurrentUser,
    now: i64,
    notice: Option<String>,
    notices: Vec<madoguchi_web::pages::landing::Notice>,
    browsers: Vec<crate::browsers::BrowserLine>,
    module_menus: Vec<madoguchi_web::panels::MenuView>,
) -> Result<Html<String>, AppError> {
    let u = &current.user;
    html(&HomePage {
        chrome: ctx.chrome(
            current.portal.settings.login_screen.home_title.get(ctx.lang),
            Some(&current.portal),
            Some(Screen::Home),
        ),
        notices_label: current.portal.settings.notices_label.get(ctx.lang).to_string(),
        notices,
        // mlit-fwms registration names no organization (the plan module does): no lone 「様」.
        organization: u.organization_name.clone().filter(|name| !name.is_empty()),
        office: current
            .portal
            .settings
            .office_label
            .as_ref()
            .zip(u.organization_office.as_ref().filter(|o| !o.is_empty()))
            .map(|(label, office)| (label.get(ctx.lang).to_string(), office.clone())),
        user_name: u.name.clone(),
        last_login: u
            .previous_login_at
            .and_then(|t| DateTime::from_timestamp(t, 0))
            .map(|d| format_datetime(d.with_timezone(&JST), ctx.lang)),
        expiry_days: current.expiry_warning_days(now),
        base: format!("/{}", current.portal.id),
        login_code: offers_login_code(current).is_ok(),
        withdraw: current.portal.settings.withdrawal.is_some(),
        manage_accounts: current.portal.settings.modules.contains(&madoguchi_core::portal::Module::AspAccounts)
            && current.user.contract_id.is_some()
            && current.user.role == "admin",
        documents: current.portal.settings.has_document_shelves() && current.user.contract_id.is_some(),
        registered_info: current.portal.settings.registered_info.is_some(),
        job_postings: current.portal.settings.modules.contains(&madoguchi_core::portal::Module::JobPostings)
            && current.user.organization_id.is_some(),
        module_menus,
        notice,
        browsers,
        end_action: format!("/{}/sessions/end", current.portal.id),
    })
}

#[derive(Template)]
#[template(path = "account/password.html")]
pub struct PasswordPage {
    pub chrome: Chrome,
    pub reason: Option<String>,
    pub current_label: String,
    pub new_label: String,
    pub confirm_label: String,
    pub rules: String,
    pub errors: FieldErrors,
    pub home: Option<String>,
}

fn password_page(ctx: &Ctx, current: &CurrentUser, now: i64, errors: FieldErrors) -> Result<Html<String>, AppError> {
    let s = &current.portal.settings.login_screen;
    let forced = current.forced_change(now);
    let reason = forced.map(|f| match f {
        ForcedChange::Temporary => ctx.t.get("password.reason_temporary").to_string(),
        ForcedChange::Expired => ctx.t.get("password.reason_expired").to_string(),
    });
    html(&PasswordPage {
        chrome: ctx.chrome(
            match (&forced, &s.first_change_title) {
                (Some(ForcedChange::Temporary), Some(first)) => first.get(ctx.lang),
                _ => s.change_title.get(ctx.lang),
            },
            Some(&current.portal),
            Some(Screen::Password),
        ),
        reason,
        current_label: s.current_label.get(ctx.lang).to_string(),
        new_label: s.new_label.get(ctx.lang).to_string(),
        confirm_label: s.confirm_label.get(ctx.lang).to_string(),
        rules: rules_summary(&current.portal.settings.password, ctx.lang),
        errors,
        home: forced.is_none().then(|| format!("/{}/home", current.portal.id)),
    })
}

/// The rules in one sentence, shown above the fields before anything goes wrong.
pub fn rules_summary(policy: &madoguchi_core::portal::PasswordPolicy, lang: madoguchi_core::Lang) -> String {
    let length = match lang {
        madoguchi_core::Lang::Ja => format!("{}～{}文字。", policy.min, policy.max),
        madoguchi_core::Lang::En => format!("{} to {} characters. ", policy.min, policy.max),
    };
    let classes = PasswordRule::MissingClasses {
        groups: policy.groups.clone(),
        needed: policy.min_groups.unwrap_or(policy.groups.len()),
    }
    .message(lang);
    format!("{length}{classes}")
}

pub async fn password_form(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
) -> Result<Html<String>, AppError> {
    password_page(&ctx, &current, state.clock.unix(), FieldErrors::default())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let now = state.clock.unix();
    let portal = &current.portal;
    let user = &current.user;
    let labels = &portal.settings.login_screen;
    let mut errors = FieldErrors::default();
    let broken = {
        let mut conn = state.store.acquire().await?;
        credentials::new_password_rules(&state, &mut conn, portal, user, &form.new).await?
    };
    for rule in &broken {
        errors.add("new", &rule.message(ctx.lang));
    }
    if form.new != form.confirm {
        errors.add("confirm", &PasswordRule::Mismatch.message(ctx.lang));
    }
    if form.current.is_empty() {
        errors.add("current", &format!("{}{}", labels.current_label.get(ctx.lang), ctx.t.get("password.enter")));
        return Ok(password_page(&ctx, &current, now, errors)?.into_response());
    }
    // The current password counts like a login: a stolen session cannot guess it faster.
    let mut tx =
        match credentials::reauthenticate(&state, &current, &form.current, &origin, ctx.lang, "password").await? {
            Reauth::Confirmed(tx) => tx,
            Reauth::Wrong => {
                let wrong = format!("{}{}", labels.current_label.get(ctx.lang), ctx.t.get("password.wrong"));
                errors.add("current", &wrong);
                return Ok(password_page(&ctx, &current, now, errors)?.into_response());
            }
            Reauth::Locked => return crate::reauth::locked_out(&state, &current, &ctx, &origin, jar).await,
        };
    if !errors.is_empty() {
        // The right password clears the failure count even though nothing else is saved.
        tx.commit().await?;
        return Ok(password_page(&ctx, &current, now, errors)?.into_response());
    }
    let change = Change { event: "password.changed", detail: None, keep_session: Some(&current.session_hash) };
    credentials::replace_password(&mut tx, &state, portal, user, &form.new, change, &origin, ctx.lang).await?;
    tx.commit().await?;
    state.mailer.wake();
    // Post/redirect/get: a reload of the home page does not send the form again.
    Ok(Redirect::to(&format!("/{}/home?done=password", portal.id)).into_response())
}

// ---- 二段階認証の設定 (a code mailed at every login, where the portal offers it) ----

fn offers_login_code(current: &CurrentUser) -> Result<(), AppError> {
    match current.portal.settings.second_factor {
        madoguchi_core::portal::SecondFactor::OptionalEmailCode { .. } => Ok(()),
        _ => Err(AppError::NotFound),
    }
}

#[derive(Template)]
#[template(path = "account/login_code.html")]
pub struct LoginCodePage {
    pub chrome: Chrome,
    pub enabled: bool,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    pub home: String,
}

fn login_code_page(
    ctx: &Ctx,
    current: &CurrentUser,
    enabled: bool,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Html<String>, AppError> {
    html(&LoginCodePage {
        chrome: ctx.chrome(ctx.t.get("code2.title"), Some(&current.portal), Some(Screen::LoginCode)),
        enabled,
        errors,
        notice,
        home: format!("/{}/home", current.portal.id),
    })
}

pub async fn login_code_form(current: CurrentUser, ctx: Ctx) -> Result<Html<String>, AppError> {
    offers_login_code(&current)?;
    login_code_page(&ctx, &current, current.user.login_code_enabled, FieldErrors::default(), None)
}

#[derive(Deserialize)]
pub struct LoginCodeForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    enable: String,
}

/// Turning the code on or off needs the password again (off: ASVS re-authentication before
/// weakening the second factor; on: the same form, so a session left open on a shared PC can
/// change neither). The password goes through the lockout rule like a login
/// (`credentials::check`), so an open session cannot be used to guess it: the portal's N-th
/// wrong entry locks the account and ends this session. Every change is audited and mailed
/// to the account's address.
pub async fn set_login_code(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<LoginCodeForm>,
) -> Result<Response, AppError> {
    offers_login_code(&current)?;
    let enable = form.enable == "on";
    let now = state.clock.unix();
    let portal = &current.portal;
    let subject = format!("user:{}", current.user.id);
    let entry = |event: &'static str, detail: Option<&'static str>| AuditEntry {
        portal: &portal.id,
        event,
        actor: Some(&subject),
        subject: Some(&subject),
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail,
    };
    let enabled = current.user.login_code_enabled;
    if form.password.is_empty() {
        let errors = FieldErrors::field("password", ctx.t.get("login.password_required"));
        return Ok(login_code_page(&ctx, &current, enabled, errors, None)?.into_response());
    }
    // The one re-authentication of a signed-in user (`credentials::reauthenticate`): counted by
    // the lockout rule; when the wrong entries lock the account, this session ends with it.
    let mut tx =
        match credentials::reauthenticate(&state, &current, &form.password, &origin, ctx.lang, "login_code").await? {
            Reauth::Confirmed(tx) => tx,
            Reauth::Wrong => {
                let mut conn = state.store.acquire().await?;
                audit::record(&mut conn, &entry("login_code.change_refused", Some("bad_password")), now).await?;
                let errors = FieldErrors::field("password", ctx.t.get("code2.wrong_password"));
                return Ok(login_code_page(&ctx, &current, enabled, errors, None)?.into_response());
            }
            Reauth::Locked => return crate::reauth::locked_out(&state, &current, &ctx, &origin, jar).await,
        };
    // Another tab may have changed it already: then there is nothing to change or to mail.
    let user = users::by_id(&mut tx, current.user.id).await?.ok_or(AppError::NotFound)?;
    if user.login_code_enabled != enable {
        users::set_login_code(&mut tx, current.user.id, enable).await?;
        let event = if enable { "login_code.enabled" } else { "login_code.disabled" };
        audit::record(&mut tx, &entry(event, None), now).await?;
        mail_login_code_change(&mut tx, &state, portal, &user, enable, ctx.lang, now).await?;
    }
    tx.commit().await?;
    state.mailer.wake();
    let notice = ctx.t.get(if enable { "code2.enabled" } else { "code2.disabled" }).to_string();
    Ok(login_code_page(&ctx, &current, enable, FieldErrors::default(), Some(notice))?.into_response())
}

/// 「二段階認証の設定を変更しました」 to the account's own address: a security notice, so that
/// a change the owner did not make does not go unseen.
async fn mail_login_code_change(
    tx: &mut Tx,
    state: &AppState,
    portal: &Portal,
    user: &User,
    enabled: bool,
    lang: Lang,
    now: i64,
) -> Result<(), AppError> {
    let t = Tr::for_lang(lang);
    let portal_name = portal.settings.name.get(lang);
    let help_desk = madoguchi_web::pages::landing::help_desk_text(tx, portal, lang).await?;
    let (state_key, note_key) = if enabled { ("code2.on", "code2.mail_on") } else { ("code2.off", "code2.mail_off") };
    let at = format_ts(now, lang);
    madoguchi_mail::queue(
        tx,
        &Envelope { portal: &portal.id, from_name: portal_name, to: &user.email, lang },
        MailKind::LoginCodeChanged,
        &[
            ("mail_name", portal.settings.mail_name().get(lang)),
            ("portal", portal_name),
            ("name", &user.name),
            ("login_id", &user.login_id),
            ("state", t.get(state_key)),
            ("state_note", t.get(note_key)),
            ("at", &at),
            ("help_desk", &help_desk),
        ],
        state.mailer.domain(),
        now,
    )
    .await?;
    Ok(())
}

// ---- rokin: the expired password's confirmation (OK ⇒ change, キャンセル ⇒ login) ----

#[derive(Template)]
#[template(path = "account/expired.html")]
pub struct ExpiredPage {
    pub chrome: Chrome,
    pub change: String,
    pub logout: String,
}

pub async fn expired(State(state): State<AppState>, current: CurrentUser, ctx: Ctx) -> Result<Response, AppError> {
    if current.forced_change(state.clock.unix()) != Some(ForcedChange::Expired) {
        return Ok(Redirect::to(&format!("/{}/home", current.portal.id)).into_response());
    }
    let page = ExpiredPage {
        chrome: ctx.chrome(ctx.t.get("expired.title"), Some(&current.portal), Some(Screen::Expired)),
        change: change_path(&current),
        logout: format!("/{}/logout", current.portal.id),
    };
    Ok(html(&page)?.into_response())
}
