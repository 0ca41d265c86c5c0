//! The home of a portal whose preset has a `menu` (rokin: インフォメーション, the top page after
//! login) and the menu bar every screen of that menu shows: the preset's groups (共通機能,
//! システム管理機能 …) with only the screens that exist, トップページ and ログアウト. Screens
//! meant for the master user alone are not offered to general users.

use crate::ctx::{Chrome, Ctx};
use crate::error::AppError;
use crate::format::format_datetime;
use crate::pages::html;
use crate::pages::landing::Notice;
use crate::panels::{PanelInput, PanelView};
use crate::screens::Screen;
use crate::session::CurrentUser;
use crate::state::AppState;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::DateTime;
use madoguchi_core::clock::JST;
use madoguchi_core::portal::{Access, MenuItem, Verdict};

/// The master user of an organization; its general users are `member`s.
pub const MASTER: &str = "admin";

pub struct MenuGroupView {
    pub label: String,
    /// (address, label) of each screen.
    pub items: Vec<(String, String)>,
}

/// The menu bar of the signed-in user.
pub struct MenuView {
    pub home: String,
    pub home_label: String,
    pub groups: Vec<MenuGroupView>,
    pub logout: String,
}

fn screen_of(item: MenuItem) -> Screen {
    match item {
        MenuItem::Password => Screen::Password,
        MenuItem::Manuals => Screen::Manuals,
        MenuItem::ContractUsers => Screen::Users,
        MenuItem::UserInfo => Screen::UserInfo,
        MenuItem::OperationLog => Screen::OperationLog,
        MenuItem::ZaikeiStatements => Screen::ZaikeiStatements,
        MenuItem::ZaikeiAlarms => Screen::ZaikeiAlarms,
        MenuItem::ZaikeiReports => Screen::ZaikeiReports,
        MenuItem::ZaikeiExport => Screen::ZaikeiExport,
        MenuItem::ZaikeiChange => Screen::ZaikeiChange,
        MenuItem::ZaikeiSend => Screen::ZaikeiSend,
        MenuItem::ZaikeiHistory => Screen::ZaikeiHistory,
    }
}

fn label_key(item: MenuItem) -> &'static str {
    match item {
        MenuItem::Password => "menu.password",
        MenuItem::Manuals => "menu.manuals",
        MenuItem::ContractUsers => "menu.contract_users",
        MenuItem::UserInfo => "menu.user_info",
        MenuItem::OperationLog => "menu.operation_log",
        MenuItem::ZaikeiStatements => "menu.zaikei_statements",
        MenuItem::ZaikeiAlarms => "menu.zaikei_alarms",
        MenuItem::ZaikeiReports => "menu.zaikei_reports",
        MenuItem::ZaikeiExport => "menu.zaikei_export",
        MenuItem::ZaikeiChange => "menu.zaikei_change",
        MenuItem::ZaikeiSend => "menu.zaikei_send",
        MenuItem::ZaikeiHistory => "menu.zaikei_history",
    }
}

/// What this user gets at the screen ([`Access::verdict`]): 契約ユーザー情報照会 is the
/// master's alone; 財形's change screens need the contract's 明細変更機能 option and then the
/// master or a general user with the 明細変更 right.
pub fn verdict(current: &CurrentUser, item: MenuItem) -> Verdict {
    let u = &current.user;
    item.access().verdict(u.role == MASTER, u.contract_zaikei_change, u.zaikei_change_right)
}

/// Whether the menu offers the screen to this user.
pub fn allowed(current: &CurrentUser, item: MenuItem) -> bool {
    verdict(current, item) == Verdict::Open
}

pub fn menu(current: &CurrentUser, ctx: &Ctx) -> MenuView {
    let base = format!("/{}", current.portal.id);
    let groups = current
        .portal
        .settings
        .menu
        .iter()
        .map(|g| MenuGroupView {
            label: g.label.get(ctx.lang).to_string(),
            items: g
                .items
                .iter()
                .filter(|item| allowed(current, **item))
                .map(|item| (format!("{base}/{}", screen_of(*item).path()), ctx.t.get(label_key(*item)).to_string()))
                .collect(),
        })
        .filter(|g| !g.items.is_empty())
        .collect();
    MenuView {
        home: format!("{base}/home"),
        home_label: current.portal.settings.login_screen.home_title.get(ctx.lang).to_string(),
        groups,
        logout: format!("{base}/logout"),
    }
}

/// The way into a screen of the menu: 404 where the portal's menu does not name it, and a
/// temporary or expired password is changed before anything else (home decides how).
/// `None`: go on.
pub fn gate(state: &AppState, current: &CurrentUser, item: MenuItem) -> Option<Response> {
    if !current.portal.settings.offers(item) || verdict(current, item) == Verdict::Absent {
        return Some(AppError::NotFound.into_response());
    }
    if current.forced_change(state.clock.unix()).is_some() {
        return Some(Redirect::to(&format!("/{}/home", current.portal.id)).into_response());
    }
    None
}

#[derive(Template)]
#[template(path = "portal/forbidden.html")]
pub struct ForbiddenPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub message: String,
}

/// A general user on a screen of the master user: 403 with a page that says so.
pub fn master_only(current: &CurrentUser, ctx: &Ctx, item: MenuItem) -> Result<Response, AppError> {
    forbidden(current, ctx, item)
}

/// A user without the right to a screen ([`Verdict::Forbidden`]): 403 with a page that says
/// which right is missing.
pub fn forbidden(current: &CurrentUser, ctx: &Ctx, item: MenuItem) -> Result<Response, AppError> {
    let title = ctx.t.get(label_key(item));
    let key = match item.access() {
        Access::ZaikeiChange => "menu.zaikei_change_only",
        Access::Master | Access::Everyone | Access::ZaikeiChangeView => "menu.master_only",
    };
    let page = ForbiddenPage {
        chrome: ctx.chrome(title, Some(&current.portal), None),
        menu: menu(current, ctx),
        message: ctx.t.get(key).replace("{screen}", title),
    };
    Ok((StatusCode::FORBIDDEN, html(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "portal/information.html")]
pub struct InformationPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub notice: Option<String>,
    pub expiry_days: Option<i64>,
    pub password_href: String,
    pub organization: Option<String>,
    pub user_name: String,
    pub role: String,
    pub last_login: Option<String>,
    pub notices: Vec<Notice>,
    /// The business modules' parts (`crate::panels`).
    pub panels: Vec<PanelView>,
}

/// インフォメーション: who is signed in, the business modules' panels (財形: the latest
/// 預入依頼書, 加入者残高一覧表, 奨励金 and the 未対応 alarms), the operator's お知らせ, and the menu.
pub fn information_page(
    ctx: &Ctx,
    current: &CurrentUser,
    now: i64,
    notice: Option<String>,
    notices: Vec<Notice>,
    panels: Vec<PanelView>,
) -> Result<Html<String>, AppError> {
    let u = &current.user;
    let role = if u.role == MASTER { "users.role_master" } else { "users.role_member" };
    html(&InformationPage {
        chrome: ctx.chrome(
            current.portal.settings.login_screen.home_title.get(ctx.lang),
            Some(&current.portal),
            Some(Screen::Home),
        ),
        menu: menu(current, ctx),
        notice,
        expiry_days: current.expiry_warning_days(now),
        password_href: format!("/{}/password", current.portal.id),
        organization: u.organization_name.clone().filter(|name| !name.is_empty()),
        user_name: u.name.clone(),
        role: ctx.t.get(role).to_string(),
        last_login: u
            .previous_login_at
            .and_then(|t| DateTime::from_timestamp(t, 0))
            .map(|d| format_datetime(d.with_timezone(&JST), ctx.lang)),
        notices,
        panels,
    })
}

/// Every registered home panel (`crate::panels`) that has something for this user, in
/// registration order.
/// The modules' menu groups of the home page (`HomePanel::menu`), in registration order.
pub async fn menus(
    state: &AppState,
    current: &CurrentUser,
    ctx: &Ctx,
) -> Result<Vec<crate::panels::MenuView>, AppError> {
    let mut views = Vec::new();
    for panel in state.home_panels.iter() {
        let input = PanelInput {
            store: &state.store,
            portal: &current.portal,
            user: &current.user,
            lang: ctx.lang,
            t: ctx.t,
            now: state.clock.unix(),
        };
        if let Some(view) = panel.menu(input).await? {
            views.push(view);
        }
    }
    Ok(views)
}

pub async fn panels(state: &AppState, current: &CurrentUser, ctx: &Ctx) -> Result<Vec<PanelView>, AppError> {
    let mut views = Vec::new();
    for panel in state.home_panels.iter() {
        let input = PanelInput {
            store: &state.store,
            portal: &current.portal,
            user: &current.user,
            lang: ctx.lang,
            t: ctx.t,
            now: state.clock.unix(),
        };
        if let Some(view) = panel.panel(input).await? {
            views.push(view);
        }
    }
    Ok(views)
}
