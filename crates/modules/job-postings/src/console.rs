//! The 事務局's screens in the operator console (jrec-in spec §1.11 items 1–2; modules spec
//! §0.2): 審査待ち一覧 — the postings and revisions under review, oldest first, with their age
//! in business days of the portal's calendar, the last 120 days unless asked for more, by
//! institution and 種別 (新規 / 修正) — and 審査 — the posting as it will be published, for a
//! revision the changes against the published version, the whole history, and the 承認 and
//! 差戻し forms (`review_actions`).
//!
//! Served under `/{portal}/operator/job-postings` to the portal's signed-in operator only, and
//! only where the portal has the module (the router gates the routes; [`offered`] checks again).

use crate::fields::pairs_of;
use crate::pages::{language_label, title_of};
use crate::store::{self, Posting};
use crate::taxonomy::{Taxonomy, taxonomy};
use crate::view::{self, Shown};
use crate::{KIND, MODULE};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use madoguchi_console::operator::{SignedIn, console_path};
use madoguchi_core::review::diff::{self, FieldChange};
use madoguchi_core::review::{self as rules, Actor, ReviewAction, ReviewState};
use madoguchi_store::Conn;
use madoguchi_store::review::{self as reviews, ItemKey, QueueFilter, Scope};
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;
use serde::Deserialize;

/// The most rows the queue shows: far beyond a 事務局's day (order 10⁴ postings a year).
const QUEUE_LIMIT: i64 = 1_000;

/// 404 where the portal does not have the module.
pub(crate) fn offered(signed: &SignedIn) -> Result<(), AppError> {
    if signed.portal.settings.modules.contains(&MODULE) { Ok(()) } else { Err(AppError::NotFound) }
}

/// The console's addresses of the module.
pub(crate) fn console_base(signed: &SignedIn) -> String {
    format!("{}/job-postings", console_path(&signed.portal))
}

pub(crate) fn taxo() -> Result<&'static Taxonomy, AppError> {
    taxonomy().map_err(|e| AppError::Internal(format!("jrec-in taxonomy: {e}")))
}

pub(crate) fn key(portal: &str, id: i64) -> ItemKey<'_> {
    ItemKey { portal, kind: KIND, item_id: id }
}

pub(crate) fn snapshot_pairs(json: &str) -> Vec<(String, String)> {
    serde_json::from_str::<serde_json::Value>(json).map(|v| pairs_of(&v)).unwrap_or_default()
}

async fn organization_name(conn: &mut Conn, id: i64) -> Result<String, AppError> {
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1").bind(id).fetch_optional(conn).await?;
    Ok(name.unwrap_or_default())
}

// ---- 審査待ち一覧 ----

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    /// `120` (default), `365` or `all`.
    #[serde(default)]
    pub days: String,
    /// `new`, `revision` or empty (both).
    #[serde(default)]
    pub kind: String,
    /// An organization id, or empty.
    #[serde(default)]
    pub organization: String,
}

pub struct QueueLine {
    pub data_number: String,
    pub title: String,
    pub href: String,
    pub organization: String,
    /// 新規 or 修正.
    pub kind: String,
    pub submitted: String,
    pub age: String,
}

#[derive(Template)]
#[template(path = "job_postings/console_queue.html")]
pub struct QueuePage {
    pub chrome: Chrome,
    pub base: String,
    pub action: String,
    pub lines: Vec<QueueLine>,
    /// (value, label, selected) of each filter.
    pub days: Vec<(String, String, bool)>,
    pub kinds: Vec<(String, String, bool)>,
    pub organizations: Vec<(String, String, bool)>,
}

fn options(ctx: &Ctx, chosen: &str, values: &[(&str, &str)]) -> Vec<(String, String, bool)> {
    values.iter().map(|(v, key)| (v.to_string(), ctx.t.get(key).to_string(), *v == chosen)).collect()
}

pub async fn queue(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Query(query): Query<QueueQuery>,
) -> Result<Html<String>, AppError> {
    offered(&signed)?;
    let now = state.clock.unix();
    let (days, since) = rules::queue_window(&query.days, now);
    let kind = match query.kind.as_str() {
        "new" | "revision" => query.kind.as_str(),
        _ => "",
    };
    let organization = query.organization.trim().parse::<i64>().ok();
    let portal = &signed.portal.id;
    let overrides = state.calendars.overrides(&state.store, portal).await?;
    let calendar = signed.portal.calendar(&overrides);
    let mut conn = state.store.acquire().await?;
    let under_review = [ReviewState::UnderReview];
    let filter = QueueFilter {
        portal,
        kind: Some(KIND),
        states: &under_review,
        organization_id: organization,
        since,
        limit: QUEUE_LIMIT,
    };
    let rows = reviews::queue(&mut conn, &filter).await?;
    let base = console_base(&signed);
    let mut lines = Vec::new();
    for row in rows.iter().filter(|r| match kind {
        "new" => !r.has_approved,
        "revision" => r.has_approved,
        _ => true,
    }) {
        let Some(posting) = store::find_any(&mut conn, portal, row.item_id).await? else { continue };
        let item = reviews::find(&mut conn, key(portal, row.item_id), Scope::Operator).await?;
        let age = rules::age_in_business_days(&calendar, row.submitted_at, now);
        lines.push(QueueLine {
            data_number: posting.data_number_text(),
            title: title_of(item.as_ref().and_then(|i| i.pending_snapshot.as_deref())),
            href: format!("{base}/{}", posting.id),
            organization: row.organization_name.clone(),
            kind: ctx
                .t
                .get(if row.has_approved { "posting.op.kind.revision" } else { "posting.op.kind.new" })
                .to_string(),
            submitted: format_ts(row.submitted_at, ctx.lang),
            age: ctx.t.get("review.age_days").replace("{n}", &age.to_string()),
        });
    }
    // The institution filter offers every institution with a posting under review, whatever
    // the other filters, so that a choice never hides its own option.
    let everyone = QueueFilter { organization_id: None, since: 0, ..filter };
    let mut organizations: Vec<(String, String, bool)> = Vec::new();
    for row in reviews::queue(&mut conn, &everyone).await? {
        let id = row.organization_id.to_string();
        if !organizations.iter().any(|(v, _, _)| *v == id) {
            organizations.push((id, row.organization_name, Some(row.organization_id) == organization));
        }
    }
    organizations.sort_by(|a, b| a.1.cmp(&b.1));
    html(&QueuePage {
        chrome: ctx.chrome(ctx.t.get("posting.op.queue.title"), Some(&signed.portal), None),
        base: console_path(&signed.portal),
        action: format!("{base}/review"),
        lines,
        days: options(
            &ctx,
            days,
            &[("120", "posting.op.days.120"), ("365", "posting.op.days.365"), ("all", "posting.op.days.all")],
        ),
        kinds: options(
            &ctx,
            kind,
            &[("", "posting.op.kind.all"), ("new", "posting.op.kind.new"), ("revision", "posting.op.kind.revision")],
        ),
        organizations,
    })
}

// ---- 審査 ----

pub struct HistoryLine {
    pub at: String,
    pub action: String,
    pub actor: String,
    pub reason: Option<String>,
    pub effective: Option<String>,
    /// What a 事務局's 「編集」 changed (before → after), empty for the other steps.
    pub diff: Vec<DiffLine>,
}

/// Who reads a history: the 事務局 sees each operator's name; the institution sees 「事務局」
/// (the office's staff are not named to the institutions) and its own users' names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reader {
    Office,
    Institution,
}

pub struct DiffLine {
    pub label: String,
    pub change: String,
    /// (`unchanged` / `added` / `removed`, text) runs.
    pub spans: Vec<(&'static str, String)>,
}

/// What the review forms carry back when a step is refused: the typed values.
#[derive(Default, Clone)]
pub struct Typed {
    pub reflect_on: String,
    pub canned: Vec<String>,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "job_postings/console_review.html")]
pub struct ReviewPage {
    pub chrome: Chrome,
    pub base: String,
    pub queue: String,
    pub action: String,
    pub data_number: String,
    pub title: String,
    pub organization: String,
    pub language_label: String,
    pub state: String,
    pub revision: bool,
    pub under_review: bool,
    pub submitted: String,
    /// What the public sees now (公開待ち / 公開中 with the times), when anything.
    pub public: Option<String>,
    pub shown: Vec<Shown>,
    pub diff: Vec<DiffLine>,
    pub history: Vec<HistoryLine>,
    pub seq: i64,
    pub reflect_on: String,
    /// The default 反映日's publication, 「11月24日 22:00 公開」.
    pub reflect_hint: String,
    /// (text, chosen)
    pub canned: Vec<(String, bool)>,
    pub reason: String,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    /// A revision that ends the posting early (§1.3 rule 9): what its approval does, in place
    /// of the 反映日 (it takes effect at once).
    pub ending: Option<String>,
}

/// 「11月24日 22:00 公開」 of a publication time (the console's words, §1.11 item 2).
pub(crate) fn publication_words(ctx: &Ctx, at: i64) -> String {
    ctx.t.get("posting.op.publishes_at").replace("{at}", &format_ts(at, ctx.lang))
}

pub(crate) fn diff_lines(ctx: &Ctx, before: &str, after: &str) -> Result<Vec<DiffLine>, AppError> {
    let taxonomy = taxo()?;
    let old = view::words(ctx.t, taxonomy, &snapshot_pairs(before));
    let new = view::words(ctx.t, taxonomy, &snapshot_pairs(after));
    Ok(old
        .iter()
        .zip(new.iter())
        .map(|((name, label, b), (_, _, a))| (diff::field(name, b, a), label))
        .filter(|(d, _)| d.change != FieldChange::Unchanged)
        .map(|(d, label)| DiffLine {
            label: label.clone(),
            change: ctx.t.get(&format!("review.diff.{}", d.change.as_str())).to_string(),
            spans: d.spans.iter().map(|s| (s.kind(), s.text().to_string())).collect(),
        })
        .collect())
}

async fn actor_name(conn: &mut Conn, ctx: &Ctx, actor: Actor, reader: Reader) -> Result<String, AppError> {
    Ok(match actor {
        Actor::User(id) => {
            let name: Option<String> =
                sqlx::query_scalar("SELECT name FROM users WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?;
            ctx.t.get("posting.op.actor.institution").replace("{name}", &name.unwrap_or_default())
        }
        Actor::Operator(_) if reader == Reader::Institution => ctx.t.get("posting.history.office").to_string(),
        Actor::Operator(id) => {
            let name = madoguchi_store::operators::by_id(conn, id).await?.map(|o| o.name).unwrap_or_default();
            ctx.t.get("posting.op.actor.office").replace("{name}", &name)
        }
    })
}

/// The history of an item, oldest first, in words (who, when, what, the reason, the time).
pub(crate) async fn history_lines(
    conn: &mut Conn,
    ctx: &Ctx,
    events: &[reviews::Event],
    reader: Reader,
) -> Result<Vec<HistoryLine>, AppError> {
    let mut out = Vec::new();
    for e in events {
        let diff = match (e.action, &e.before_snapshot, &e.snapshot) {
            (ReviewAction::OperatorEdit, Some(before), Some(after)) => diff_lines(ctx, before, after)?,
            _ => Vec::new(),
        };
        out.push(HistoryLine {
            at: format_ts(e.at, ctx.lang),
            action: ctx.t.get(&format!("posting.op.action.{}", e.action.as_str())).to_string(),
            actor: actor_name(conn, ctx, e.actor, reader).await?,
            reason: e.reason.clone(),
            effective: e.effective_at.filter(|_| e.action == ReviewAction::Approve).map(|t| publication_words(ctx, t)),
            diff,
        });
    }
    Ok(out)
}

/// The public state of a posting in words, for the 事務局's page.
fn public_words(ctx: &Ctx, posting: &Posting, now: i64) -> Option<String> {
    let public = posting.public();
    public.current(now)?;
    let mut text = match posting.publish_at {
        Some(at) if at > now => publication_words(ctx, at),
        Some(at) => ctx.t.get("posting.op.public_since").replace("{at}", &format_ts(at, ctx.lang)),
        None => return None,
    };
    if let (Some(_), Some(at)) = (&public.next_snapshot, public.next_at.filter(|at| *at > now)) {
        text.push_str(&ctx.t.get("posting.op.revision_waits").replace("{at}", &format_ts(at, ctx.lang)));
    }
    if let Some(until) = posting.unpublish_at {
        text.push_str(&ctx.t.get("posting.op.withdrawn_at").replace("{at}", &format_ts(until, ctx.lang)));
    }
    Some(text)
}

/// The 審査 page of posting `id` as it stands, with `typed` in the forms, `errors` beside
/// them and `notice` on top.
pub(crate) async fn review_page(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    id: i64,
    typed: Typed,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Html<String>, AppError> {
    offered(signed)?;
    let portal = &signed.portal.id;
    let now = state.clock.unix();
    let mut conn = state.store.acquire().await?;
    let posting = store::find_any(&mut conn, portal, id).await?.ok_or(AppError::NotFound)?;
    let item = reviews::find(&mut conn, key(portal, id), Scope::Operator).await?.ok_or(AppError::NotFound)?;
    let events = reviews::history(&mut conn, key(portal, id), Scope::Operator).await?;
    let under_review = item.state == ReviewState::UnderReview;
    let revision = item.approved_snapshot.is_some();
    // Under review: what will be published; otherwise what was approved (or last returned).
    let shown_json = if under_review { item.pending_snapshot.as_deref() } else { item.approved_snapshot.as_deref() }
        .or(item.pending_snapshot.as_deref())
        .unwrap_or("{}");
    let diff = match (&item.approved_snapshot, &item.pending_snapshot) {
        (Some(approved), Some(pending)) if under_review => diff_lines(ctx, approved, pending)?,
        _ => Vec::new(),
    };
    let today = madoguchi_core::publication::jst_date(now).ok_or_else(|| AppError::Internal("clock".into()))?;
    let reflect_hint =
        madoguchi_core::publication::publish_at(now, today).map(|at| publication_words(ctx, at)).unwrap_or_default();
    let reflect_on = if typed.reflect_on.is_empty() { today.format("%Y-%m-%d").to_string() } else { typed.reflect_on };
    let state_key = match (item.state, revision) {
        (ReviewState::UnderReview, true) => "posting.state.revision_requested".to_string(),
        (ReviewState::UnderReview, false) => "posting.state.requested".to_string(),
        (ReviewState::Returned, _) => "posting.state.returned".to_string(),
        (s, _) => s.label_key(),
    };
    let base = console_base(signed);
    html(&ReviewPage {
        chrome: ctx.chrome(ctx.t.get("posting.op.review.title"), Some(&signed.portal), None),
        base: console_path(&signed.portal),
        queue: format!("{base}/review"),
        action: format!("{base}/{id}"),
        data_number: posting.data_number_text(),
        title: title_of(Some(shown_json)),
        organization: organization_name(&mut conn, posting.organization_id).await?,
        language_label: language_label(ctx, &posting.language),
        state: ctx.t.get(&state_key).to_string(),
        revision,
        under_review,
        submitted: format_ts(item.submitted_at, ctx.lang),
        public: public_words(ctx, &posting, now),
        shown: view::shown(ctx.t, taxo()?, &snapshot_pairs(shown_json)),
        diff,
        history: history_lines(&mut conn, ctx, &events, Reader::Office).await?,
        seq: item.last_seq,
        reflect_on,
        reflect_hint,
        canned: rules::canned_reasons(portal).iter().map(|c| (c.clone(), typed.canned.contains(c))).collect(),
        reason: typed.reason,
        errors,
        notice,
        ending: ending_words(ctx, &item, now),
    })
}

/// The words of an ending revision's approval (§1.3 rule 9), None for any other item.
fn ending_words(ctx: &Ctx, item: &reviews::Item, now: i64) -> Option<String> {
    let end = crate::lifecycle::ending_revision(item, now)?;
    Some(ctx.t.get("posting.op.ending").replace("{date}", &end.format("%Y-%m-%d").to_string()))
}

#[derive(Deserialize, Default)]
pub struct ReviewQuery {
    #[serde(default)]
    pub done: String,
}

pub async fn review(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_portal, id)): Path<(String, i64)>,
    Query(query): Query<ReviewQuery>,
) -> Result<Html<String>, AppError> {
    let notice = match query.done.as_str() {
        "approved" => Some(ctx.t.get("posting.op.done.approved").to_string()),
        "returned" => Some(ctx.t.get("posting.op.done.returned").to_string()),
        "edited" => Some(ctx.t.get("posting.op.done.edited").to_string()),
        _ => None,
    };
    review_page(&state, &signed, &ctx, id, Typed::default(), FieldErrors::default(), notice).await
}
