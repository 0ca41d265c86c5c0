//! Home panels: what a business module adds to a portal's インフォメーション (rokin's 財形:
//! the latest 預入依頼書, 加入者残高一覧表, 奨励金 and the 未対応 alarms) without the kit
//! depending on the module. The binary registers each module's [`HomePanel`] in the
//! [`AppState`]; the home page asks every one and shows the panels they return.

use crate::ctx::Ctx;
use crate::error::AppError;
use crate::session::CurrentUser;
use crate::state::AppState;
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

/// A module's part of the home page. `None`: nothing for this user or portal (the module is
/// off there, say).
pub trait HomePanel: Send + Sync {
    fn panel<'a>(&'a self, state: &'a AppState, current: &'a CurrentUser, ctx: &'a Ctx) -> PanelFuture<'a>;
}

pub type HomePanels = Vec<Arc<dyn HomePanel>>;

/// Every registered panel that has something for this user, in registration order.
pub async fn collect(state: &AppState, current: &CurrentUser, ctx: &Ctx) -> Result<Vec<PanelView>, AppError> {
    let mut views = Vec::new();
    for panel in state.home_panels.iter() {
        if let Some(view) = panel.panel(state, current, ctx).await? {
            views.push(view);
        }
    }
    Ok(views)
}
