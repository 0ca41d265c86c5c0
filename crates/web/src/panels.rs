//! Home panels: what a business module adds to a portal's インフォメーション (rokin's 財形:
//! the latest 預入依頼書, 加入者残高一覧表, 奨励金 and the 未対応 alarms) without the kit
//! depending on the module. The binary registers each module's [`HomePanel`] in the
//! [`AppState`]; the home page asks every one and shows the panels they return.

use crate::error::AppError;
use crate::i18n::Tr;
use madoguchi_core::{Lang, Portal};
use madoguchi_store::Store;
use madoguchi_store::users::User;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// One line of a panel: what (linking to where it is shown), then its facts in columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelRow {
    pub label: String,
    /// The screen that shows it; None when there is nothing to show yet.
    pub href: Option<String>,
    pub cells: Vec<String>,
}

/// A titled table on the home page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelView {
    pub heading: String,
    /// The column headings after the label's.
    pub columns: Vec<String>,
    pub label_column: String,
    pub rows: Vec<PanelRow>,
}

pub type PanelFuture<'a> = Pin<Box<dyn Future<Output = Result<Option<PanelView>, AppError>> + Send + 'a>>;

/// What a panel is asked with: the signed-in user on their portal, the store, the language.
/// (Plain parts rather than the request's state, so that the state can hold the panels.)
pub struct PanelInput<'a> {
    pub store: &'a Store,
    pub portal: &'a Portal,
    pub user: &'a User,
    pub lang: Lang,
    pub t: &'static Tr,
    /// The request's time (the server's clock: a test sets it), for what a panel shows by date.
    pub now: i64,
}

/// One item of a module's menu group: a link, or (`href` None) an item listed as not yet
/// available with its note (「準備中」), never a link that leads nowhere. A link's note is a flag
/// beside it (「受入報告期限超過」).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuLink {
    pub label: String,
    pub href: Option<String>,
    pub note: Option<String>,
}

/// A module's group of the home page's menu (mlit-fwms: the plan's menu, which changes with
/// the plan's state [M-M] §6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuView {
    pub heading: String,
    pub items: Vec<MenuLink>,
}

pub type MenuFuture<'a> = Pin<Box<dyn Future<Output = Result<Option<MenuView>, AppError>> + Send + 'a>>;

/// A module's part of the home page. `None`: nothing for this user or portal (the module is
/// off there, say).
pub trait HomePanel: Send + Sync {
    fn panel<'a>(&'a self, input: PanelInput<'a>) -> PanelFuture<'a>;

    /// The module's menu group on the home page (the portals without the manual's menu bar);
    /// none unless the module has one.
    fn menu<'a>(&'a self, _input: PanelInput<'a>) -> MenuFuture<'a> {
        Box::pin(async { Ok(None) })
    }
}

pub type HomePanels = Vec<Arc<dyn HomePanel>>;
