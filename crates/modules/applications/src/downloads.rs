//! 「応募書類のダウンロード履歴」: every hand-out of a document the institution holds — each
//! 応募書類 opened from 応募情報詳細 and each file of a bulk ZIP — newest first, 50 a page: 日時,
//! 利用者 (ログインID and name, or the 事務局), ファイル名, サイズ, what it went out in (the ZIP's
//! name), and the address it was asked from. The documents are 「極めて秘匿性の高い個人情報」
//! (jrec-in §1.9, [J-a03]); the issue asks that every download be an audit event the
//! institution's admin can read, so this reads the audit log (`file.downloaded` entries of the
//! organization, bound in SQL) and the detail the Files block wrote there, which outlives a file
//! purged later.
//!
//! For the institution's 管理者 (role `admin`, every account the 事務局 makes): another user of
//! the institution gets a 403 page that says so, and the menu does not offer it.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use madoguchi_store::audit::{self, AuditFilter, AuditRow};
use madoguchi_store::users::{self, User};
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::files::{DOWNLOADED, DownloadDetail, human_size};
use madoguchi_web::format::format_ts;
use madoguchi_web::pages::information::{ForbiddenPage, MASTER, menu};
use madoguchi_web::pages::{Pager, html};
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;
use std::collections::HashMap;

/// Entries a page.
const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    page: String,
}

pub struct Line {
    pub at: String,
    pub login_id: String,
    pub name: String,
    pub file_name: String,
    pub size: String,
    pub context: String,
    pub ip: String,
}

#[derive(Template)]
#[template(path = "applications/downloads.html")]
pub struct DownloadsPage {
    pub chrome: Chrome,
    pub lines: Vec<Line>,
    pub total: i64,
    pub pager: Pager,
    pub back: String,
}

/// Whether the user may read the history (the menu asks too).
pub fn may_read(user: &User) -> bool {
    user.role == MASTER && user.organization_id.is_some()
}

pub async fn page(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Query(query): Query<PageQuery>,
) -> Result<Response, AppError> {
    let organization = crate::overview::organization(&current)?;
    let title = ctx.t.get("app.downloads.title");
    if !may_read(&current.user) {
        let page = ForbiddenPage {
            chrome: ctx.chrome(title, Some(&current.portal), None),
            menu: menu(&current, &ctx),
            message: ctx.t.get("app.downloads.admins_only").to_string(),
        };
        return Ok((StatusCode::FORBIDDEN, html(&page)?).into_response());
    }
    let portal = &current.portal;
    let page = query.page.parse::<i64>().unwrap_or(1).max(1);
    let filter = AuditFilter {
        event: Some(DOWNLOADED.to_string()),
        organization_id: Some(organization),
        ..AuditFilter::default()
    };
    let mut conn = state.store.acquire().await?;
    let (rows, total) =
        audit::search(&mut conn, &portal.id, &filter, PER_PAGE, (page - 1).saturating_mul(PER_PAGE)).await?;
    let people = users::of_organization(&mut conn, organization).await?;
    drop(conn);
    let people: HashMap<String, &User> = people.iter().map(|u| (format!("user:{}", u.id), u)).collect();
    let operator = portal.settings.operator_name.get(ctx.lang);
    let lines = rows.iter().map(|row| line(row, &people, operator, &ctx)).collect();
    let action = format!("/{}/applications/downloads", portal.id);
    let pager = Pager::new(page, total, PER_PAGE, |n| format!("{action}?page={n}"));
    let page = DownloadsPage {
        chrome: ctx.chrome(title, Some(portal), None),
        lines,
        total,
        pager,
        back: format!("/{}/applications", portal.id),
    };
    Ok(html(&page)?.into_response())
}

/// One entry as the screen shows it: who by the organization's own users (an account deleted
/// since, or the 事務局, by what is left of them), the file by the entry's own detail.
fn line(row: &AuditRow, people: &HashMap<String, &User>, operator: &str, ctx: &Ctx) -> Line {
    let actor = row.actor.as_deref().unwrap_or_default();
    let (login_id, name) = match people.get(actor) {
        Some(u) => (u.login_id.clone(), u.name.clone()),
        None if actor.starts_with("operator:") => (String::new(), operator.to_string()),
        None => (String::new(), ctx.t.get("app.downloads.former_user").to_string()),
    };
    let detail = row.detail.as_deref().and_then(DownloadDetail::parse);
    Line {
        at: format_ts(row.at, ctx.lang),
        login_id,
        name,
        file_name: detail.as_ref().map_or_else(|| row.detail.clone().unwrap_or_default(), |d| d.name.clone()),
        size: detail.as_ref().map_or(String::new(), |d| human_size(d.size)),
        context: detail.and_then(|d| d.context).unwrap_or_default(),
        ip: row.ip.clone().unwrap_or_default(),
    }
}
