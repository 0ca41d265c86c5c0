//! shaho's ASP accounts: at first login an account is linked to one of its contract's ASP
//! user IDs (キャンセル ⇒ no entry), and the contract's 管理者 manages the accounts
//! (アカウント管理): unlink, delete the login information, hand the admin role over. Every
//! admin action is confirmed on a page of its own, audited, and mailed to the account.

use crate::account::{ADMIN, MEMBER, base, entry, uses_asp_accounts};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use chrono::DateTime;
use madoguchi_core::clock::JST;
use madoguchi_core::portal::Unblocker;
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::users::{self, User};
use madoguchi_store::{Conn, contracts};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::files::{ManualLine, line};
use madoguchi_web::format::format_datetime;
use madoguchi_web::format::state_of;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::pages::login_screen::login_page;
use madoguchi_web::screens::Screen;
use madoguchi_web::session::{self, CurrentUser};
use madoguchi_web::state::AppState;
use serde::Deserialize;

/// The contract of the signed-in account's organization.
pub(crate) async fn contract_of(conn: &mut Conn, user: &User) -> Result<contracts::Contract, AppError> {
    let organization = user.organization_id.ok_or(AppError::NotFound)?;
    contracts::of_organization(conn, organization).await?.ok_or(AppError::NotFound)
}

fn when(ts: Option<i64>, ctx: &Ctx) -> String {
    ts.and_then(|t| DateTime::from_timestamp(t, 0))
        .map(|d| format_datetime(d.with_timezone(&JST), ctx.lang))
        .unwrap_or_default()
}

// ---- ASPユーザーとの紐づけ (first login) ----

#[derive(Template)]
#[template(path = "asp_accounts/link.html")]
pub struct LinkPage {
    pub chrome: Chrome,
    pub free: Vec<(i64, String)>,
    pub errors: FieldErrors,
}

async fn link_page(
    state: &AppState,
    current: &CurrentUser,
    ctx: &Ctx,
    errors: FieldErrors,
) -> Result<Html<String>, AppError> {
    let mut conn = state.store.acquire().await?;
    let contract = contract_of(&mut conn, &current.user).await?;
    let free = contracts::asp_users(&mut conn, contract.id)
        .await?
        .into_iter()
        .filter(|a| a.user_id.is_none())
        .map(|a| (a.id, a.asp_user_id))
        .collect();
    html(&LinkPage {
        chrome: ctx.chrome(ctx.t.get("asp.link_title"), Some(&current.portal), Some(Screen::Link)),
        free,
        errors,
    })
}

pub async fn link_form(State(state): State<AppState>, current: CurrentUser, ctx: Ctx) -> Result<Response, AppError> {
    uses_asp_accounts(&current)?;
    if !current.needs_asp_link() {
        return Ok(Redirect::to(&format!("{}/home", base(&current))).into_response());
    }
    Ok(link_page(&state, &current, &ctx, FieldErrors::default()).await?.into_response())
}

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    choice: String,
    #[serde(default)]
    asp: String,
}

pub async fn link(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    jar: CookieJar,
    Form(form): Form<LinkForm>,
) -> Result<Response, AppError> {
    uses_asp_accounts(&current)?;
    let home = Redirect::to(&format!("{}/home", base(&current))).into_response();
    if !current.needs_asp_link() {
        return Ok(home);
    }
    let now = state.clock.unix();
    let subject = format!("user:{}", current.user.id);
    if form.choice != "ok" {
        // キャンセル: not linked, so no entry: the session ends and the login page says why.
        let mut tx = state.store.begin().await?;
        madoguchi_store::sessions::delete(&mut tx, &current.session_hash).await?;
        audit::record(&mut tx, &entry(&current, &origin, "session.ended", &subject, Some("asp_link_cancelled")), now)
            .await?;
        tx.commit().await?;
        let errors = FieldErrors::form(ctx.t.get("asp.cancelled"));
        let page = login_page(&ctx, &current.portal, &current.user.login_id, errors, None)?;
        return Ok((jar.remove(session::end_cookie(&state, &current.portal)), page).into_response());
    }
    let Ok(asp_id) = form.asp.parse::<i64>() else {
        return Ok(link_page(&state, &current, &ctx, FieldErrors::field("asp", ctx.t.get("asp.choose")))
            .await?
            .into_response());
    };
    let mut tx = state.store.begin().await?;
    let contract = contract_of(&mut tx, &current.user).await?;
    let asp = contracts::asp_users(&mut tx, contract.id).await?.into_iter().find(|a| a.id == asp_id);
    let linked = match &asp {
        Some(_) => contracts::link(&mut tx, contract.id, asp_id, current.user.id).await?,
        None => false,
    };
    if !linked {
        drop(tx);
        return Ok(link_page(&state, &current, &ctx, FieldErrors::field("asp", ctx.t.get("asp.taken")))
            .await?
            .into_response());
    }
    let detail = asp.map(|a| a.asp_user_id).unwrap_or_default();
    audit::record(&mut tx, &entry(&current, &origin, "asp.linked", &subject, Some(&detail)), now).await?;
    tx.commit().await?;
    Ok(home)
}

// ---- アカウント管理 (the contract's 管理者) ----

pub struct AccountLine {
    pub id: i64,
    pub name: String,
    pub asp: String,
    pub email: String,
    pub login_code: bool,
    pub last_login: String,
    pub admin: bool,
    pub linked: bool,
    /// 正常, ロック中 (until when) or 閉塞.
    pub state: String,
    /// Locked or blocked, and this portal lets the 管理者 lift it.
    pub unlockable: bool,
}

#[derive(Template)]
#[template(path = "asp_accounts/list.html")]
pub struct AccountsPage {
    pub chrome: Chrome,
    pub base: String,
    /// 契約数 and 使用中: the contract's seats and the accounts that hold one.
    pub seats: i64,
    pub used: i64,
    pub lines: Vec<AccountLine>,
    /// The 管理者用操作マニュアル the operator uploaded (download links).
    pub manuals: Vec<ManualLine>,
    pub notice: Option<String>,
}

/// Whether the portal lets the contract's 管理者 lift a lock or a block (shaho does).
fn admin_unlocks(current: &CurrentUser) -> bool {
    current.portal.settings.lockout.unblock_by.contains(&Unblocker::OrgAdmin)
}

/// The signed-in 管理者, linked like everybody else; anyone else gets a 404.
fn admin(current: &CurrentUser) -> Result<(), AppError> {
    uses_asp_accounts(current)?;
    if current.user.role == ADMIN && !current.needs_asp_link() { Ok(()) } else { Err(AppError::NotFound) }
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
) -> Result<Html<String>, AppError> {
    admin(&current)?;
    let mut conn = state.store.acquire().await?;
    let contract = contract_of(&mut conn, &current.user).await?;
    let accounts = users::of_organization(&mut conn, contract.organization_id).await?;
    let manuals = crate::manual::admin_manuals(&mut conn, &current).await?;
    let now = state.clock.unix();
    let lines = accounts
        .into_iter()
        .map(|u| {
            let (state, locked) = state_of(&u, now, &ctx);
            (u, state, locked && admin_unlocks(&current))
        })
        .map(|(u, state, unlockable)| AccountLine {
            id: u.id,
            state,
            unlockable,
            linked: u.asp_user_id.is_some(),
            asp: u.asp_user_id.unwrap_or_else(|| ctx.t.get("acct.unlinked").to_string()),
            email: u.email,
            login_code: u.login_code_enabled,
            last_login: when(u.last_login_at, &ctx),
            admin: u.role == ADMIN,
            name: u.name,
        })
        .collect();
    let notice = Action::parse(&query.done).map(|a| ctx.t.get(a.done_key()).to_string());
    html(&AccountsPage {
        chrome: ctx.chrome(ctx.t.get("acct.title"), Some(&current.portal), Some(Screen::Accounts)),
        base: base(&current),
        seats: contract.seats,
        used: contract.used_seats,
        lines,
        manuals: manuals.into_iter().map(|m| line(m, &ctx)).collect(),
        notice,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Unlink,
    Delete,
    Transfer,
    Unlock,
}

impl Action {
    fn parse(s: &str) -> Option<Action> {
        match s {
            "unlink" => Some(Action::Unlink),
            "delete" => Some(Action::Delete),
            "transfer" => Some(Action::Transfer),
            "unlock" => Some(Action::Unlock),
            _ => None,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Action::Unlink => "unlink",
            Action::Delete => "delete",
            Action::Transfer => "transfer",
            Action::Unlock => "unlock",
        }
    }

    fn done_key(self) -> &'static str {
        match self {
            Action::Unlink => "acct.done_unlink",
            Action::Delete => "acct.done_delete",
            Action::Transfer => "acct.done_transfer",
            Action::Unlock => "acct.done_unlock",
        }
    }
}

/// Another account of the admin's organization, never the admin itself.
async fn target(conn: &mut Conn, current: &CurrentUser, id: i64) -> Result<User, AppError> {
    let user = users::by_id(conn, id).await?.ok_or(AppError::NotFound)?;
    let ours = user.portal == current.portal.id && user.organization_id == current.user.organization_id;
    if !ours || user.id == current.user.id || user.role == ADMIN {
        return Err(AppError::NotFound);
    }
    Ok(user)
}

#[derive(Template)]
#[template(path = "asp_accounts/confirm.html")]
pub struct ConfirmPage {
    pub chrome: Chrome,
    pub base: String,
    pub question: String,
    pub name: String,
    pub asp: String,
    pub email: String,
}

pub async fn confirm_form(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_, id, action)): Path<(String, i64, String)>,
) -> Result<Html<String>, AppError> {
    admin(&current)?;
    let action = Action::parse(&action).ok_or(AppError::NotFound)?;
    let mut conn = state.store.acquire().await?;
    let user = target(&mut conn, &current, id).await?;
    let offered = match action {
        Action::Unlink => user.asp_user_id.is_some(),
        Action::Unlock => admin_unlocks(&current) && user.lock_state().holds(state.clock.unix()),
        Action::Delete | Action::Transfer => true,
    };
    if !offered {
        return Err(AppError::NotFound);
    }
    html(&ConfirmPage {
        chrome: ctx.chrome(ctx.t.get(&format!("acct.{}", action.key())), Some(&current.portal), Some(Screen::Accounts)),
        base: base(&current),
        question: ctx.t.get(&format!("acct.confirm_{}", action.key())).to_string(),
        asp: user.asp_user_id.unwrap_or_else(|| ctx.t.get("acct.unlinked").to_string()),
        name: user.name,
        email: user.email,
    })
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    choice: String,
}

pub async fn act(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_, id, action)): Path<(String, i64, String)>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    admin(&current)?;
    let action = Action::parse(&action).ok_or(AppError::NotFound)?;
    let list = format!("{}/accounts", base(&current));
    if form.choice != "ok" {
        return Ok(Redirect::to(&list).into_response());
    }
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let user = target(&mut tx, &current, id).await?;
    let asp = user.asp_user_id.clone().unwrap_or_default();
    let done = match action {
        Action::Unlink => contracts::unlink(&mut tx, user.id).await?,
        Action::Delete => {
            let contract = contract_of(&mut tx, &current.user).await?;
            let gone = users::delete(&mut tx, &current.portal.id, user.id).await?;
            if gone {
                contracts::release_seat(&mut tx, contract.id).await?;
            }
            gone
        }
        // Both changes or neither: the admin must still be the admin (another tab may have
        // handed the role over already).
        Action::Transfer => {
            users::change_role(&mut tx, current.user.id, ADMIN, MEMBER).await?
                && users::change_role(&mut tx, user.id, MEMBER, ADMIN).await?
        }
        Action::Unlock => {
            admin_unlocks(&current)
                && user.lock_state().holds(now)
                && users::unlock(&mut tx, &current.portal.id, user.id).await?
        }
    };
    if !done {
        drop(tx);
        return Ok(Redirect::to(&list).into_response());
    }
    let (actor, subject) = (format!("user:{}", current.user.id), format!("user:{}", user.id));
    let event = match action {
        Action::Unlink => "asp.unlinked",
        Action::Delete => "user.deleted",
        Action::Transfer => "role.changed",
        Action::Unlock => "account.unlocked",
    };
    let audit_entry = AuditEntry {
        actor: Some(&actor),
        subject: Some(&subject),
        detail: Some(&asp),
        ..entry(&current, &origin, event, &subject, None)
    };
    audit::record(&mut tx, &audit_entry, now).await?;
    let portal_name = current.portal.settings.name.get(ctx.lang);
    let change = ctx.t.get(&format!("acct.mail_{}", action.key())).replace("{asp}", &asp);
    let at = when(Some(now), &ctx);
    madoguchi_mail::queue(
        &mut tx,
        &Envelope { portal: &current.portal.id, from_name: portal_name, to: &user.email, lang: ctx.lang },
        MailKind::AccountChangedByAdmin,
        &[
            ("portal", portal_name),
            ("name", &user.name),
            ("change", &change),
            ("at", &at),
            ("admin", &current.user.name),
        ],
        state.mailer.domain(),
        now,
    )
    .await?;
    tx.commit().await?;
    state.mailer.wake();
    // After handing the role over, the former admin has no アカウント管理 any more.
    let next = if action == Action::Transfer {
        format!("{}/home?done=transfer", base(&current))
    } else {
        format!("{list}?done={}", action.key())
    };
    Ok(Redirect::to(&next).into_response())
}
