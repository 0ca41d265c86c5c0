//! 契約ユーザー情報照会 › 登録へ (rokin; the master user only): a general user (ユーザーＩＤ,
//! 仮パスワード, ユーザー名, メールアドレス) through a confirmation screen; at most
//! `registration.max_general_users`, exact under concurrency (`users::insert_member`). The
//! temporary password is handed over by the master, as the manual says, never mailed; the
//! user changes it at the first login.
//!
//! Between 確認 and 登録 the registration waits on the server (`pending_members`, 30 minutes,
//! the 仮パスワード only as its argon2id hash): the confirmation page carries a random token,
//! never the password it says it does not show (「（入力済み・表示しません）」).

use crate::contract_users::{base, check_email, check_name, check_password, master, max_members};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_core::Portal;
use madoguchi_core::login_id::LoginId;
use madoguchi_core::password::Subject;
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::Conn;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::pending_members::{self, NewPending};
use madoguchi_store::users::{self, MemberInsert, NewUser};
use madoguchi_web::auth;
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::pages::information::{MASTER, MenuView, menu};
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;

/// How long a confirmed registration waits for 登録.
const PENDING_SECONDS: i64 = 30 * 60;

#[derive(Deserialize, Default, Clone)]
pub struct NewUserForm {
    #[serde(default)]
    pub login_id: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub email_confirm: String,
    /// `confirm` (the input screen's 確認), `register` (the confirmation's 登録) or `back`.
    #[serde(default)]
    pub step: String,
    /// The confirmed registration waiting on the server (登録 reads only this).
    #[serde(default)]
    pub pending: String,
}

struct Checked {
    login_id: LoginId,
    name: String,
    email: String,
}

fn check_new(portal: &Portal, form: &NewUserForm, ctx: &Ctx) -> Result<Checked, FieldErrors> {
    let mut errors = FieldErrors::default();
    let id_label = portal.settings.login_screen.id_label.get(ctx.lang);
    let login_id = LoginId::parse(&portal.settings.login_id, &form.login_id)
        .map_err(|rules| {
            for rule in rules {
                errors.add("login_id", &rule.message(id_label, ctx.lang));
            }
        })
        .ok();
    let name = check_name(&form.name, "name", ctx, &mut errors);
    let names = [name.as_deref().unwrap_or(form.name.as_str())];
    let subject = Subject { login_id: login_id.as_ref().map(LoginId::as_str).unwrap_or(""), names: &names };
    check_password(portal, &form.password, &form.password_confirm, subject, ctx, &mut errors);
    let email = check_email(&form.email, &form.email_confirm, ctx, &mut errors);
    match (login_id, name, email) {
        (Some(login_id), Some(name), Some(email)) if errors.is_empty() => Ok(Checked { login_id, name, email }),
        _ => Err(errors),
    }
}

#[derive(Template)]
#[template(path = "portal/user_new.html")]
pub struct NewUserPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub base: String,
    pub id_label: String,
    pub rules: String,
    pub form: NewUserForm,
    pub errors: FieldErrors,
}

fn new_user_page(
    current: &CurrentUser,
    ctx: &Ctx,
    form: NewUserForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    // Passwords are never sent back into a page.
    let form = NewUserForm { password: String::new(), password_confirm: String::new(), ..form };
    Ok(html(&NewUserPage {
        chrome: ctx.chrome(ctx.t.get("users.new_title"), Some(&current.portal), Some(Screen::UserNew)),
        menu: menu(current, ctx),
        base: base(current),
        id_label: current.portal.settings.login_screen.id_label.get(ctx.lang).to_string(),
        rules: madoguchi_identity::account::rules_summary(&current.portal.settings.password, ctx.lang),
        form,
        errors,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "portal/user_confirm.html")]
pub struct ConfirmNewPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub base: String,
    pub id_label: String,
    pub form: NewUserForm,
    pub pending: String,
}

/// Counts the organization's general users: the 登録へ screen says at once when it is full.
async fn members(conn: &mut Conn, organization: i64) -> Result<i64, AppError> {
    let all = users::of_organization(conn, organization).await?;
    Ok(all.iter().filter(|u| u.role != MASTER).count() as i64)
}

pub async fn new_form(State(state): State<AppState>, current: CurrentUser, ctx: Ctx) -> Result<Response, AppError> {
    if let Some(response) = master(&state, &current, &ctx)? {
        return Ok(response);
    }
    let organization = current.user.organization_id.ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    let mut conn = state.store.acquire().await?;
    if members(&mut conn, organization).await? >= max_members(&current.portal) {
        errors.add("", &full_message(&current.portal, &ctx));
    }
    new_user_page(&current, &ctx, NewUserForm::default(), errors)
}

fn full_message(portal: &Portal, ctx: &Ctx) -> String {
    ctx.t.get("users.err_full").replace("{max}", &max_members(portal).to_string())
}

fn taken_message(portal: &Portal, ctx: &Ctx) -> String {
    ctx.t.get("users.err_taken").replace("{label}", portal.settings.login_screen.id_label.get(ctx.lang))
}

pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Form(form): Form<NewUserForm>,
) -> Result<Response, AppError> {
    if let Some(response) = master(&state, &current, &ctx)? {
        return Ok(response);
    }
    let portal = &current.portal;
    let organization = current.user.organization_id.ok_or(AppError::NotFound)?;
    match form.step.as_str() {
        "back" => new_user_page(&current, &ctx, form, FieldErrors::default()),
        "register" => register(&state, &current, &ctx, &origin, organization, form).await,
        _ => confirm(&state, &current, &ctx, portal, organization, form).await,
    }
}

/// 確認: every rule checked, then the registration waits on the server and the page shows
/// what will be registered, with the token of the wait.
async fn confirm(
    state: &AppState,
    current: &CurrentUser,
    ctx: &Ctx,
    portal: &Portal,
    organization: i64,
    form: NewUserForm,
) -> Result<Response, AppError> {
    let checked = match check_new(portal, &form, ctx) {
        Ok(c) => c,
        Err(errors) => return new_user_page(current, ctx, form, errors),
    };
    {
        // Said on the input screen rather than after the confirmation; the insert decides.
        let mut conn = state.store.acquire().await?;
        let mut errors = FieldErrors::default();
        if members(&mut conn, organization).await? >= max_members(portal) {
            errors.add("", &full_message(portal, ctx));
        } else if users::by_login_id(&mut conn, &portal.id, checked.login_id.as_str()).await?.is_some() {
            errors.add("login_id", &taken_message(portal, ctx));
        }
        if !errors.is_empty() {
            return new_user_page(current, ctx, form, errors);
        }
    }
    let now = state.clock.unix();
    let hash = state.hasher.hash(&form.password).await.map_err(|e| AppError::Internal(format!("hash: {e}")))?;
    let token = auth::random_token();
    {
        let mut conn = state.store.acquire().await?;
        let pending = NewPending {
            token_hash: &auth::token_hash(&token),
            portal: &portal.id,
            master_id: current.user.id,
            login_id: checked.login_id.as_str(),
            name: &checked.name,
            email: &checked.email,
            password_hash: &hash,
            expires_at: now + PENDING_SECONDS,
        };
        pending_members::insert(&mut conn, &pending, now).await?;
    }
    // The page names what will be registered; passwords never go back into it.
    let shown = NewUserForm {
        login_id: checked.login_id.as_str().to_string(),
        name: checked.name,
        email: checked.email.clone(),
        email_confirm: checked.email,
        password: String::new(),
        password_confirm: String::new(),
        step: String::new(),
        pending: String::new(),
    };
    Ok(html(&ConfirmNewPage {
        chrome: ctx.chrome(ctx.t.get("users.confirm_title"), Some(portal), Some(Screen::UserNew)),
        menu: menu(current, ctx),
        base: base(current),
        id_label: portal.settings.login_screen.id_label.get(ctx.lang).to_string(),
        form: shown,
        pending: token,
    })?
    .into_response())
}

/// 登録: the registration this master confirmed, once.
async fn register(
    state: &AppState,
    current: &CurrentUser,
    ctx: &Ctx,
    origin: &Origin,
    organization: i64,
    form: NewUserForm,
) -> Result<Response, AppError> {
    let portal = &current.portal;
    let now = state.clock.unix();
    let max = max_members(portal);
    let mut tx = state.store.begin().await?;
    let token_hash = auth::token_hash(&form.pending);
    let Some(pending) = pending_members::take(&mut tx, &portal.id, current.user.id, &token_hash, now).await? else {
        drop(tx);
        return new_user_page(current, ctx, form, FieldErrors::form(ctx.t.get("users.pending_expired")));
    };
    let new = NewUser {
        portal: &portal.id,
        organization_id: Some(organization),
        login_id: &pending.login_id,
        email: &pending.email,
        name: &pending.name,
        role: "member",
        password_hash: &pending.password_hash,
        must_change_password: true,
    };
    let id = match users::insert_member(&mut tx, &new, max, now).await? {
        MemberInsert::Created(id) => id,
        refused => {
            drop(tx);
            let errors = match refused {
                MemberInsert::Taken => FieldErrors::field("login_id", &taken_message(portal, ctx)),
                _ => FieldErrors::form(&full_message(portal, ctx)),
            };
            let form = NewUserForm {
                login_id: pending.login_id,
                name: pending.name,
                email: pending.email.clone(),
                email_confirm: pending.email,
                ..NewUserForm::default()
            };
            return new_user_page(current, ctx, form, errors);
        }
    };
    let (actor, subject) = (format!("user:{}", current.user.id), format!("user:{id}"));
    let entry = AuditEntry {
        portal: &portal.id,
        event: "user.created",
        actor: Some(&actor),
        subject: Some(&subject),
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail: Some(&pending.login_id),
    };
    audit::record(&mut tx, &entry, now).await?;
    let portal_name = portal.settings.name.get(ctx.lang);
    let when = format_ts(now, ctx.lang);
    madoguchi_mail::queue(
        &mut tx,
        &Envelope { portal: &portal.id, from_name: portal_name, to: &pending.email, lang: ctx.lang },
        MailKind::GeneralUserRegistered,
        &[
            ("portal", portal_name),
            ("name", &pending.name),
            ("admin", &current.user.name),
            ("id_label", portal.settings.login_screen.id_label.get(ctx.lang)),
            ("login_id", &pending.login_id),
            ("at", &when),
        ],
        state.mailer.domain(),
        now,
    )
    .await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(Redirect::to(&format!("{}/users?done=registered", base(current))).into_response())
}
