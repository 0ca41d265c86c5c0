//! 契約ユーザー情報照会 (rokin; the master user only): the organization's users with their
//! state (正常 / ロック / 閉塞), and
//! - 登録へ: a general user (ユーザーＩＤ, 仮パスワード, ユーザー名, メールアドレス) through a
//!   confirmation screen; at most `registration.max_general_users`, exact under concurrency
//!   (`users::insert_member`). The temporary password is handed over by the master, as the
//!   manual says, never mailed; the user changes it at the first login.
//! - 更新へ: name and e-mail of any user of the organization (the manual: the master changes
//!   every user's address), and for a general user a new temporary password (the forgotten
//!   password) and the lifting of a lock or block. The master's own block is lifted only by the
//!   operator, in the console.
//! - 削除 of a general user, through a confirmation screen.
//!
//! Every change is audited and mailed to the user it concerns.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_core::password::{self, PasswordRule, Subject};
use madoguchi_core::person_name;
use madoguchi_core::portal::MenuItem;
use madoguchi_core::{Lang, Portal, normalize};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::users::{self, User};
use madoguchi_store::{Conn, Tx, sessions};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::{FieldErrors, normalize_email};
use madoguchi_web::i18n::Tr;
use madoguchi_web::pages::html;
use madoguchi_web::pages::information::{MASTER, MenuView, gate, master_only, menu};
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;

/// The manual's limits for ユーザー名 (全角 20 文字以下) and メールアドレス (半角英数 50 桁以下).
pub const NAME_MAX: usize = 20;
pub const EMAIL_MAX: usize = 50;

pub(crate) fn base(current: &CurrentUser) -> String {
    format!("/{}", current.portal.id)
}

/// The master's way in; anything else is the answer to send instead.
pub(crate) fn master(state: &AppState, current: &CurrentUser, ctx: &Ctx) -> Result<Option<Response>, AppError> {
    if let Some(response) = gate(state, current, MenuItem::ContractUsers) {
        return Ok(Some(response));
    }
    if current.user.role != MASTER {
        return Ok(Some(master_only(current, ctx, MenuItem::ContractUsers)?));
    }
    Ok(None)
}

pub(crate) fn max_members(portal: &Portal) -> i64 {
    i64::from(portal.settings.max_general_users().unwrap_or(0))
}

/// The state as the manual names it, and a class for the list.
fn status(u: &User, now: i64) -> (&'static str, &'static str) {
    if u.disabled_at.is_some() {
        ("users.status_disabled", "status-blocked")
    } else if u.blocked_at.is_some() {
        ("users.status_blocked", "status-blocked")
    } else if u.lock_state().holds(now) {
        ("users.status_locked", "status-locked")
    } else {
        ("users.status_normal", "")
    }
}

// ---- the list ----

pub struct UserLine {
    pub id: i64,
    pub login_id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub status: String,
    pub status_class: &'static str,
    /// The certificate in force: its 有効期限, or 未発行 / 期限切れ.
    pub certificate: String,
}

#[derive(Template)]
#[template(path = "portal/users.html")]
pub struct UsersPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub base: String,
    pub id_label: String,
    pub lines: Vec<UserLine>,
    pub members: i64,
    pub max: i64,
    pub notice: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    done: String,
}

pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    if let Some(response) = master(&state, &current, &ctx)? {
        return Ok(response);
    }
    let organization = current.user.organization_id.ok_or(AppError::NotFound)?;
    let (mut users, certificates) = {
        let mut conn = state.store.acquire().await?;
        let users = users::of_organization(&mut conn, organization).await?;
        let mut certificates = std::collections::HashMap::new();
        for u in &users {
            if let Some(c) = madoguchi_store::certificates::current(&mut conn, u.id).await? {
                certificates.insert(u.id, c.not_after);
            }
        }
        (users, certificates)
    };
    // The master first, then the general users in the order they were registered.
    users.sort_by_key(|u| (u.role != MASTER, u.id));
    let now = state.clock.unix();
    let members = users.iter().filter(|u| u.role != MASTER).count() as i64;
    let lines = users
        .into_iter()
        .map(|u| {
            let (status, status_class) = status(&u, now);
            let role = if u.role == MASTER { "users.role_master" } else { "users.role_member" };
            let certificate = match certificates.get(&u.id) {
                Some(&not_after) if not_after >= now => madoguchi_web::format::format_ts(not_after, ctx.lang),
                Some(_) => ctx.t.get("users.cert_expired").to_string(),
                None => ctx.t.get("users.cert_none").to_string(),
            };
            UserLine {
                certificate,
                id: u.id,
                login_id: u.login_id,
                name: u.name,
                email: u.email,
                role: ctx.t.get(role).to_string(),
                status: ctx.t.get(status).to_string(),
                status_class,
            }
        })
        .collect();
    let notice = match query.done.as_str() {
        "registered" => Some("users.done_registered"),
        "updated" => Some("users.done_updated"),
        "deleted" => Some("users.done_deleted"),
        _ => None,
    };
    Ok(html(&UsersPage {
        chrome: ctx.chrome(ctx.t.get("menu.contract_users"), Some(&current.portal), Some(Screen::Users)),
        menu: menu(&current, &ctx),
        base: base(&current),
        id_label: current.portal.settings.login_screen.id_label.get(ctx.lang).to_string(),
        lines,
        members,
        max: max_members(&current.portal),
        notice: notice.map(|k| ctx.t.get(k).to_string()),
    })?
    .into_response())
}

// ---- the rules of the fields ----

/// ユーザー名 as the manual asks for it; the message is put on `field`.
pub fn check_name(raw: &str, field: &str, ctx: &Ctx, errors: &mut FieldErrors) -> Option<String> {
    person_name::full_width(raw, NAME_MAX)
        .map_err(|rule| errors.add(field, &rule.message(ctx.t.get("users.name"), ctx.lang)))
        .ok()
}

/// メールアドレス and メールアドレス再入力 (fields `email`, `email_confirm`).
pub fn check_email(raw: &str, confirm: &str, ctx: &Ctx, errors: &mut FieldErrors) -> Option<String> {
    let email = normalize_email(raw);
    let problem = if email.is_empty() {
        Some("users.err_email_required")
    } else if email.chars().count() > EMAIL_MAX {
        Some("users.err_email_long")
    } else if !normalize::is_email(&email) {
        Some("users.err_email_format")
    } else {
        None
    };
    if let Some(key) = problem {
        errors.add("email", ctx.t.get(key));
        return None;
    }
    if normalize_email(confirm) != email {
        errors.add("email_confirm", ctx.t.get("users.err_email_mismatch"));
        return None;
    }
    Some(email)
}

/// A temporary password and its 再入力 (fields `password`, `password_confirm`) under the
/// portal's policy, with the user's ID and name.
pub(crate) fn check_password(
    portal: &Portal,
    password: &str,
    confirm: &str,
    subject: Subject<'_>,
    ctx: &Ctx,
    errors: &mut FieldErrors,
) -> bool {
    if password.is_empty() {
        errors.add("password", ctx.t.get("users.err_password_required"));
        return false;
    }
    let broken = password::check(&portal.settings.password, password, subject);
    for rule in &broken {
        errors.add("password", &rule.message(ctx.lang));
    }
    if !broken.is_empty() {
        return false;
    }
    if password != confirm {
        errors.add("password_confirm", &PasswordRule::Mismatch.message(ctx.lang));
        return false;
    }
    true
}

// ---- 更新へ ----

/// A user of the master's organization (the master included); anyone else is a 404.
async fn target(conn: &mut Conn, current: &CurrentUser, id: i64) -> Result<User, AppError> {
    let user = users::by_id(conn, id).await?.ok_or(AppError::NotFound)?;
    if user.portal != current.portal.id
        || user.organization_id.is_none()
        || user.organization_id != current.user.organization_id
    {
        return Err(AppError::NotFound);
    }
    Ok(user)
}

#[derive(Deserialize, Default, Clone)]
pub struct EditForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub email_confirm: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
    #[serde(default)]
    pub unlock: String,
    /// 財形's 明細変更 right (`on`), offered where the contract has the 明細変更機能 option.
    #[serde(default)]
    pub zaikei_right: String,
}

#[derive(Template)]
#[template(path = "portal/user_edit.html")]
pub struct EditPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub base: String,
    pub id: i64,
    pub id_label: String,
    pub login_id: String,
    pub role: String,
    pub status: String,
    /// A general user: a temporary password can be set and the user deleted.
    pub member: bool,
    /// Locked or blocked now: ロック解除 is offered (for a general user).
    pub locked: bool,
    /// The contract has 財形's 明細変更機能 option: the 明細変更 right is offered (general user).
    pub zaikei_option: bool,
    pub rules: String,
    pub form: EditForm,
    pub errors: FieldErrors,
}

fn edit_page(
    current: &CurrentUser,
    ctx: &Ctx,
    user: &User,
    now: i64,
    form: EditForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let member = user.role != MASTER;
    let form = EditForm { password: String::new(), password_confirm: String::new(), ..form };
    let role = if member { "users.role_member" } else { "users.role_master" };
    Ok(html(&EditPage {
        chrome: ctx.chrome(ctx.t.get("users.edit_title"), Some(&current.portal), Some(Screen::UserEdit)),
        menu: menu(current, ctx),
        base: base(current),
        id: user.id,
        id_label: current.portal.settings.login_screen.id_label.get(ctx.lang).to_string(),
        login_id: user.login_id.clone(),
        role: ctx.t.get(role).to_string(),
        status: ctx.t.get(status(user, now).0).to_string(),
        member,
        locked: member && user.lock_state().holds(now),
        zaikei_option: member && current.user.contract_zaikei_change,
        rules: madoguchi_identity::account::rules_summary(&current.portal.settings.password, ctx.lang),
        form,
        errors,
    })?
    .into_response())
}

pub async fn edit_form(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    if let Some(response) = master(&state, &current, &ctx)? {
        return Ok(response);
    }
    let mut conn = state.store.acquire().await?;
    let user = target(&mut conn, &current, id).await?;
    let form = EditForm {
        name: user.name.clone(),
        email: user.email.clone(),
        email_confirm: user.email.clone(),
        zaikei_right: if user.zaikei_change_right { "on".into() } else { String::new() },
        ..Default::default()
    };
    edit_page(&current, &ctx, &user, state.clock.unix(), form, FieldErrors::default())
}

fn entry<'a>(
    current: &'a CurrentUser,
    origin: &'a Origin,
    event: &'a str,
    actor: &'a str,
    subject: &'a str,
    detail: Option<&'a str>,
) -> AuditEntry<'a> {
    AuditEntry {
        portal: &current.portal.id,
        event,
        actor: Some(actor),
        subject: Some(subject),
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail,
    }
}

/// Mails a user what the master changed (アカウント設定変更のお知らせ).
#[allow(clippy::too_many_arguments)]
async fn mail_change(
    tx: &mut Tx,
    state: &AppState,
    current: &CurrentUser,
    to: &str,
    name: &str,
    change: &str,
    lang: Lang,
    now: i64,
) -> Result<(), AppError> {
    let portal_name = current.portal.settings.name.get(lang);
    let when = format_ts(now, lang);
    madoguchi_mail::queue(
        tx,
        &Envelope { portal: &current.portal.id, from_name: portal_name, to, lang },
        MailKind::AccountChangedByAdmin,
        &[("portal", portal_name), ("name", name), ("change", change), ("at", &when), ("admin", &current.user.name)],
        state.mailer.domain(),
        now,
    )
    .await?;
    Ok(())
}

pub async fn update(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
    Form(form): Form<EditForm>,
) -> Result<Response, AppError> {
    if let Some(response) = master(&state, &current, &ctx)? {
        return Ok(response);
    }
    let portal = &current.portal;
    let now = state.clock.unix();
    let user = {
        let mut conn = state.store.acquire().await?;
        target(&mut conn, &current, id).await?
    };
    let member = user.role != MASTER;
    let mut errors = FieldErrors::default();
    let name = check_name(&form.name, "name", &ctx, &mut errors);
    let email = check_email(&form.email, &form.email_confirm, &ctx, &mut errors);
    // A new temporary password only when one is typed, and only for a general user.
    let new_password = member && !(form.password.is_empty() && form.password_confirm.is_empty());
    if new_password {
        let names = [name.as_deref().unwrap_or(user.name.as_str())];
        let subject = Subject { login_id: &user.login_id, names: &names };
        check_password(portal, &form.password, &form.password_confirm, subject, &ctx, &mut errors);
    }
    let unlock = member && form.unlock == "on" && user.lock_state().holds(now);
    // The 明細変更 right: only a general user's, only where the contract has the option.
    let zaikei_right = (member && current.user.contract_zaikei_change)
        .then_some(form.zaikei_right == "on")
        .filter(|on| *on != user.zaikei_change_right);
    let (Some(name), Some(email)) = (name, email) else {
        return edit_page(&current, &ctx, &user, now, form, errors);
    };
    let (name_changed, email_changed) = (name != user.name, email != user.email);
    if errors.is_empty() && !name_changed && !email_changed && !new_password && !unlock && zaikei_right.is_none() {
        errors.add("", ctx.t.get("users.err_nothing"));
    }
    if !errors.is_empty() {
        return edit_page(&current, &ctx, &user, now, form, errors);
    }
    let hash = if new_password {
        Some(state.hasher.hash(&form.password).await.map_err(|e| AppError::Internal(format!("hash: {e}")))?)
    } else {
        None
    };

    let mut tx = state.store.begin().await?;
    // The user may have been deleted in another tab since the form was read.
    let user = target(&mut tx, &current, id).await?;
    let (actor, subject) = (format!("user:{}", current.user.id), format!("user:{}", user.id));
    let mut changes: Vec<String> = Vec::new();
    if name_changed || email_changed {
        users::set_profile(&mut tx, user.id, &name, &email).await?;
        let detail = match (name_changed, email_changed) {
            (true, true) => "name,email",
            (true, false) => "name",
            _ => "email",
        };
        audit::record(&mut tx, &entry(&current, &origin, "user.updated", &actor, &subject, Some(detail)), now).await?;
        if name_changed {
            changes.push(ctx.t.get("users.mail_name").replace("{name}", &name));
        }
        if email_changed {
            changes.push(ctx.t.get("users.mail_email").replace("{email}", &email));
        }
    }
    if let Some(hash) = &hash {
        users::set_password(&mut tx, user.id, hash, true, now).await?;
        // Whoever is signed in with the old password is signed out.
        sessions::delete_for_user(&mut tx, user.id, None).await?;
        audit::record(&mut tx, &entry(&current, &origin, "password.temporary_set", &actor, &subject, None), now)
            .await?;
        changes.push(ctx.t.get("users.mail_password").to_string());
    }
    // Checked again inside the transaction: another tab may have lifted it already.
    if unlock && user.lock_state().holds(now) && users::unlock(&mut tx, &portal.id, user.id).await? {
        audit::record(&mut tx, &entry(&current, &origin, "account.unlocked", &actor, &subject, None), now).await?;
        changes.push(ctx.t.get("users.mail_unlock").to_string());
    }
    if let Some(on) = zaikei_right {
        users::set_zaikei_change_right(&mut tx, user.id, on).await?;
        let detail = if on { "on" } else { "off" };
        audit::record(&mut tx, &entry(&current, &origin, "zaikei.change_right", &actor, &subject, Some(detail)), now)
            .await?;
        changes.push(ctx.t.get(if on { "users.mail_zaikei_on" } else { "users.mail_zaikei_off" }).to_string());
    }
    if !changes.is_empty() {
        let change = changes.join("\n");
        mail_change(&mut tx, &state, &current, &email, &name, &change, ctx.lang, now).await?;
        if email_changed {
            // The old address learns of it too: a changed address must not go unnoticed.
            mail_change(&mut tx, &state, &current, &user.email, &name, &change, ctx.lang, now).await?;
        }
    }
    tx.commit().await?;
    state.mailer.wake();
    Ok(Redirect::to(&format!("{}/users?done=updated", base(&current))).into_response())
}

// ---- 削除 ----

#[derive(Template)]
#[template(path = "portal/user_delete.html")]
pub struct DeletePage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub base: String,
    pub id: i64,
    pub id_label: String,
    pub login_id: String,
    pub name: String,
    pub email: String,
}

/// A general user of the master's organization: the master itself cannot be deleted here.
async fn member_target(conn: &mut Conn, current: &CurrentUser, id: i64) -> Result<User, AppError> {
    let user = target(conn, current, id).await?;
    if user.role == MASTER {
        return Err(AppError::NotFound);
    }
    Ok(user)
}

pub async fn delete_form(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    if let Some(response) = master(&state, &current, &ctx)? {
        return Ok(response);
    }
    let mut conn = state.store.acquire().await?;
    let user = member_target(&mut conn, &current, id).await?;
    Ok(html(&DeletePage {
        chrome: ctx.chrome(ctx.t.get("users.delete_title"), Some(&current.portal), Some(Screen::UserEdit)),
        menu: menu(&current, &ctx),
        base: base(&current),
        id: user.id,
        id_label: current.portal.settings.login_screen.id_label.get(ctx.lang).to_string(),
        login_id: user.login_id,
        name: user.name,
        email: user.email,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    choice: String,
}

pub async fn delete(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_, id)): Path<(String, i64)>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, AppError> {
    if let Some(response) = master(&state, &current, &ctx)? {
        return Ok(response);
    }
    if form.choice != "ok" {
        return Ok(Redirect::to(&format!("{}/users/{id}", base(&current))).into_response());
    }
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let user = match member_target(&mut tx, &current, id).await {
        Ok(user) => user,
        // Deleted in another tab already: nothing more to do.
        Err(AppError::NotFound) => return Ok(Redirect::to(&format!("{}/users", base(&current))).into_response()),
        Err(e) => return Err(e),
    };
    remove_user(&mut tx, &state, &current, &user, &origin, ctx.lang, now).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(Redirect::to(&format!("{}/users?done=deleted", base(&current))).into_response())
}

/// Everything that deleting a general user does, in the caller's transaction: the one place
/// to extend when more hangs on a user than the rows that go with it (sessions, codes,
/// history cascade in the database).
async fn remove_user(
    tx: &mut Tx,
    state: &AppState,
    current: &CurrentUser,
    user: &User,
    origin: &Origin,
    lang: Lang,
    now: i64,
) -> Result<(), AppError> {
    let (actor, subject) = (format!("user:{}", current.user.id), format!("user:{}", user.id));
    // Audited while the user still exists, so the entry keeps its organization.
    audit::record(tx, &entry(current, origin, "user.deleted", &actor, &subject, Some(&user.login_id)), now).await?;
    // A deleted user's 電子証明書 stops working at once and goes on the CRL: revoked in the
    // same transaction, before the row goes (the certificate rows outlive their user).
    for serial in madoguchi_store::certificates::revoke_for_user(tx, user.id, "user_deleted", now).await? {
        let revoked = entry(current, origin, "certificate.revoked", &actor, &subject, Some(&serial));
        audit::record(tx, &revoked, now).await?;
    }
    users::delete(tx, &current.portal.id, user.id).await?;
    let change = Tr::for_lang(lang).get("users.mail_deleted");
    mail_change(tx, state, current, &user.email, &user.name, change, lang, now).await
}
