//! Every version of a plan (mlit-plan.md §4.4 「every version of the plan is kept」, §4.8 「the
//! organization sees its full version history」; issue: the operator's view of every version).
//! A version (版) is what one review step left current: each 申請, 再申請, 変更申請 and the
//! office's edits — the steps of `review_events` that carry a snapshot, numbered 第1版, 第2版 …
//! in their order. The office's 審査 page links each from its history; the company's 計画確認
//! lists them. A version shows its Parts and worker blocks read-only and the names of the files
//! it was applied with (the files themselves are on the pages of the version in force: a file
//! replaced since is not kept for an old version).
//!
//! The address names the step's `seq` within the plan's history, never an id of another table,
//! so the company's address reaches only its own plan's versions and the office's only the
//! plans of its office (the office's page is `bureau::version`, on `bureau::load`).

use crate::pages::{base, organization};
use crate::submitted::{ShownSection, Submitted, shown};
use crate::{KIND, pages};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use madoguchi_store::review::{self as reviews, Event, ItemKey, Scope};
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::pages::html;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;

/// One version in a list: 第n版, when, by which step, and its page.
pub struct VersionLine {
    pub seq: i64,
    pub title: String,
    pub at: String,
    pub action: String,
    pub href: String,
}

pub(crate) fn title(ctx: &Ctx, number: usize) -> String {
    ctx.t.get("plan.version.title").replace("{n}", &number.to_string())
}

/// The versions among `events` (oldest first), each linked under `base` (`…/versions/<seq>`).
pub(crate) fn lines(ctx: &Ctx, events: &[Event], base: &str) -> Vec<VersionLine> {
    events
        .iter()
        .filter(|e| e.snapshot.is_some())
        .enumerate()
        .map(|(i, e)| VersionLine {
            seq: e.seq,
            title: title(ctx, i + 1),
            at: format_ts(e.at, ctx.lang),
            action: ctx.t.get(&format!("plan.review.action.{}", e.action.as_str())).to_string(),
            href: format!("{base}/versions/{}", e.seq),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "plan/version.html")]
pub struct VersionPage {
    pub chrome: Chrome,
    /// The console's page (its menu), or the company's.
    pub console: bool,
    pub base: String,
    pub facts: Vec<(String, String)>,
    pub sections: Vec<ShownSection>,
    pub files: Vec<String>,
    pub back: String,
    pub back_label: String,
}

/// The version `seq` of `events`: its number and step; 404 for any other seq.
pub(crate) fn version(events: &[Event], seq: i64) -> Result<(usize, &Event, &str), AppError> {
    events
        .iter()
        .filter(|e| e.snapshot.is_some())
        .enumerate()
        .find(|(_, e)| e.seq == seq)
        .and_then(|(i, e)| e.snapshot.as_deref().map(|s| (i + 1, e, s)))
        .ok_or(AppError::NotFound)
}

pub(crate) fn facts(ctx: &Ctx, number: usize, event: &Event) -> Vec<(String, String)> {
    vec![
        (ctx.t.get("plan.version.col").to_string(), title(ctx, number)),
        (ctx.t.get("posting.op.col.at").to_string(), format_ts(event.at, ctx.lang)),
        (
            ctx.t.get("posting.op.col.action").to_string(),
            ctx.t.get(&format!("plan.review.action.{}", event.action.as_str())).to_string(),
        ),
    ]
}

pub(crate) fn content(ctx: &Ctx, snapshot: &str) -> (Vec<ShownSection>, Vec<String>) {
    let submitted = Submitted::parse(snapshot);
    let files = submitted.files.iter().map(|f| format!("{} {}", submitted.file_words(ctx.t, f), f.name)).collect();
    (shown(ctx.t, &submitted.form), files)
}

/// `GET /plan/versions/{seq}`: a version of the company's own plan.
pub async fn for_organization(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_, seq)): Path<(String, i64)>,
) -> Result<Html<String>, AppError> {
    let organization = organization(&current)?;
    let mut conn = state.store.acquire().await?;
    let loaded = pages::load(&mut conn, &current, organization).await?.ok_or(AppError::NotFound)?;
    let key = ItemKey { portal: &current.portal.id, kind: KIND, item_id: loaded.plan.id };
    let events = reviews::history(&mut conn, key, Scope::Organization(organization)).await?;
    let (number, event, snapshot) = version(&events, seq)?;
    let (sections, files) = content(&ctx, snapshot);
    html(&VersionPage {
        chrome: ctx.chrome(title(&ctx, number), Some(&current.portal), None),
        console: false,
        base: base(&current),
        facts: facts(&ctx, number, event),
        sections,
        files,
        back: format!("{}/view", base(&current)),
        back_label: ctx.t.get("plan.version.back_view").to_string(),
    })
}

/// The company's versions for 計画確認 (none before the first 申請).
pub(crate) async fn of_organization(
    conn: &mut madoguchi_store::Conn,
    ctx: &Ctx,
    current: &CurrentUser,
    organization: i64,
    plan_id: i64,
) -> Result<Vec<VersionLine>, AppError> {
    let key = ItemKey { portal: &current.portal.id, kind: KIND, item_id: plan_id };
    let events = reviews::history(conn, key, Scope::Organization(organization)).await?;
    Ok(lines(ctx, &events, &base(current)))
}
