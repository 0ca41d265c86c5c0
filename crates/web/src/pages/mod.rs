//! The kit's own pages (landing, portal top and help, the menu home インフォメーション, the dev
//! mailbox and clock, the probes) and what every page renders with.

pub mod dev;
pub mod information;
pub mod landing;
pub mod login_screen;
pub mod system;

use crate::error::AppError;
use askama::Template;
use axum::response::Html;

/// Renders a page template.
pub fn html<T: Template>(page: &T) -> Result<Html<String>, AppError> {
    Ok(Html(page.render()?))
}

/// The paging of a console list: this page, how many, and the links either side.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// Pages for `total` rows at `per` a page: at least one, so an empty list reads 1 / 1.
    pub fn pages(total: i64, per: i64) -> i64 {
        ((total + per - 1) / per).max(1)
    }

    /// `page` is 1-based; `link` makes the address of another page of the same search.
    pub fn new(page: i64, total: i64, per: i64, link: impl Fn(i64) -> String) -> Pager {
        let pages = Pager::pages(total, per);
        Pager { prev: (page > 1).then(|| link(page - 1)), next: (page < pages).then(|| link(page + 1)), page, pages }
    }
}
