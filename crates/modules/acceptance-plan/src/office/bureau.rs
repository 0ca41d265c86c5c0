//! The reviewing office's console (mlit-plan.md §4.4; modules spec §0.2): 審査一覧 — the plans
//! applied for to the operator's own office, oldest round first, with 経過日数 in business days
//! of the portal's calendar and the last 120 days unless asked for more, and below it the
//! office's plans not under review (補正中, 認定済, 不認定) — and 審査 — the plan as applied for
//! (every Part and worker block, the files with 表示 and ダウンロード), for a 補正 the changes
//! against the previous submission, the check the system ran, the history, and the forms of
//! 補正依頼 (per-section comments), 認定 (the criteria checklist, 認定日) and 不認定 (`decide`).
//!
//! **Who sees what.** An operator works for one office (`operators.office`, migration 0029, set
//! with `madoguchi operator add --office` or `madoguchi operator office`); every query binds
//! it (`store::for_bureau`, `store::bureau_queue`), so another office's plan, its files and its
//! 認定通知書 are a 404 like an unknown id. An operator without an office (the portal's own
//! staff) is told so on the list and reaches no plan.

use crate::routing::{self, Bureau};
use crate::state::PlanState;
use crate::store::{self, Plan};
use crate::submitted::{self, DiffLine, ShownSection, Submitted};
use crate::{KIND, MODULE, versions};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use madoguchi_console::operator::{SignedIn, console_path};
use madoguchi_core::review::{self as rules, Actor, ReviewAction, ReviewState};
use madoguchi_store::Conn;
use madoguchi_store::review::{self as reviews, ItemKey, Scope};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::files::human_size;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::state::AppState;
use serde::Deserialize;

/// The most rows each list shows: far beyond an office's year (order 10³ plans).
const QUEUE_LIMIT: i64 = 1_000;

/// The criteria the office confirms before 「認定」 (mlit-plan.md §4.1: the conditions to apply
/// and the approval criteria; `plan.criteria.<key>` in locales/). Choice: the list is this
/// module's reading of §4.1; each must be ticked for a 認定.
pub const CRITERIA: [&str; 11] = [
    "permit",
    "ccus",
    "membership",
    "no_sanction",
    "headcount",
    "pay",
    "monthly",
    "raise",
    "explanation",
    "training",
    "documents",
];

/// 404 where the portal does not have the module.
pub(crate) fn offered(signed: &SignedIn) -> Result<(), AppError> {
    if signed.portal.settings.modules.contains(&MODULE) { Ok(()) } else { Err(AppError::NotFound) }
}

/// The office the signed-in operator reviews for.
pub(crate) fn office(signed: &SignedIn) -> Option<&'static Bureau> {
    signed.operator.office.as_deref().and_then(routing::bureau)
}

pub(crate) fn console_base(signed: &SignedIn) -> String {
    format!("{}/plans", console_path(&signed.portal))
}

pub(crate) fn item_key(portal: &str, id: i64) -> ItemKey<'_> {
    ItemKey { portal, kind: KIND, item_id: id }
}

/// A plan of the operator's office with its review item.
pub(crate) struct OfficePlan {
    pub plan: Plan,
    pub item: reviews::Item,
    pub bureau: &'static Bureau,
}

/// Plan `id` when it was applied for to the operator's office; 404 for anything else.
pub(crate) async fn load(conn: &mut Conn, signed: &SignedIn, id: i64) -> Result<OfficePlan, AppError> {
    offered(signed)?;
    let bureau = office(signed).ok_or(AppError::NotFound)?;
    let portal = &signed.portal.id;
    let plan = store::for_bureau(conn, portal, &bureau.code, id).await?.ok_or(AppError::NotFound)?;
    let item = reviews::find(conn, item_key(portal, id), Scope::Operator).await?.ok_or(AppError::NotFound)?;
    Ok(OfficePlan { plan, item, bureau })
}

pub(crate) fn plan_state(item: &reviews::Item) -> PlanState {
    PlanState::from_review(Some(item.state), item.approved_revision.is_some())
}

async fn organization_name(conn: &mut Conn, id: i64) -> Result<String, AppError> {
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1").bind(id).fetch_optional(conn).await?;
    Ok(name.unwrap_or_default())
}

fn bureau_name(ctx: &Ctx, b: &Bureau) -> String {
    if ctx.t.code() == "en" { b.name_en.clone() } else { b.name.clone() }
}

// ---- 審査一覧 ----

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    /// `120` (default), `365` or `all`.
    #[serde(default)]
    pub days: String,
}

pub struct QueueLine {
    pub organization: String,
    pub href: String,
    /// 新規申請 / 補正（n回目） / the state of a plan not under review.
    pub kind: String,
    pub submitted: String,
    pub age: String,
    /// 「受入報告期限超過」 for a certified plan with a late 受入報告.
    pub flag: Option<String>,
}

#[derive(Template)]
#[template(path = "plan/bureau_queue.html")]
pub struct QueuePage {
    pub chrome: Chrome,
    pub base: String,
    pub action: String,
    pub office: Option<String>,
    pub lines: Vec<QueueLine>,
    pub others: Vec<QueueLine>,
    pub days: Vec<(String, String, bool)>,
}

fn round_kind(ctx: &Ctx, revision: i64) -> String {
    if revision <= 1 {
        ctx.t.get("plan.review.kind.new").to_string()
    } else {
        ctx.t.get("plan.review.kind.again").replace("{n}", &(revision - 1).to_string())
    }
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
    let portal = &signed.portal.id;
    let base = console_base(&signed);
    let mut lines = Vec::new();
    let mut others = Vec::new();
    let office = office(&signed);
    if let Some(bureau) = office {
        let overrides = state.calendars.overrides(&state.store, portal).await?;
        let calendar = signed.portal.calendar(&overrides);
        let mut conn = state.store.acquire().await?;
        let under_review = [ReviewState::UnderReview.as_str()];
        for row in store::bureau_queue(&mut conn, portal, &bureau.code, &under_review, since, QUEUE_LIMIT).await? {
            let age = rules::age_in_business_days(&calendar, row.submitted_at, now);
            lines.push(QueueLine {
                organization: row.organization_name,
                href: format!("{base}/{}", row.plan_id),
                kind: if row.change {
                    ctx.t.get("plan.review.kind.change").to_string()
                } else {
                    round_kind(&ctx, row.revision)
                },
                submitted: format_ts(row.submitted_at, ctx.lang),
                age: ctx.t.get("review.age_days").replace("{n}", &age.to_string()),
                flag: None,
            });
        }
        let today = crate::pages::today(now)?.to_string();
        let late = crate::report_store::overdue_plans(&mut conn, portal, &bureau.code, &today).await?;
        let notified = crate::change_store::unconfirmed_plans(&mut conn, portal, &bureau.code).await?;
        let done = [ReviewState::Returned.as_str(), ReviewState::Approved.as_str(), ReviewState::Rejected.as_str()];
        for row in store::bureau_queue(&mut conn, portal, &bureau.code, &done, since, QUEUE_LIMIT).await? {
            let state = match ReviewState::parse(&row.state) {
                _ if row.change => PlanState::Certified,
                Some(ReviewState::Returned) => PlanState::InCorrection,
                Some(ReviewState::Rejected) => PlanState::Rejected,
                _ => PlanState::Certified,
            };
            // A certified plan whose 変更申請 was returned says so (the change waits on the company).
            let kind = if row.change && row.state == ReviewState::Returned.as_str() {
                ctx.t.get("plan.review.kind.change_returned").to_string()
            } else {
                ctx.t.get(&state.label_key()).to_string()
            };
            others.push(QueueLine {
                organization: row.organization_name,
                href: format!("{base}/{}", row.plan_id),
                kind,
                submitted: format_ts(row.submitted_at, ctx.lang),
                age: String::new(),
                flag: certified_flags(&ctx, state, late.contains(&row.plan_id), notified.contains(&row.plan_id)),
            });
        }
    }
    let options = [("120", "posting.op.days.120"), ("365", "posting.op.days.365"), ("all", "posting.op.days.all")];
    html(&QueuePage {
        chrome: ctx.chrome(ctx.t.get("plan.review.queue_title"), Some(&signed.portal), None),
        base: console_path(&signed.portal),
        action: base,
        office: office.map(|b| bureau_name(&ctx, b)),
        lines,
        others,
        days: options.iter().map(|(v, key)| (v.to_string(), ctx.t.get(key).to_string(), *v == days)).collect(),
    })
}

/// A certified plan's flags on the 審査一覧: 「受入報告期限超過」, 「未確認の変更届出あり」.
fn certified_flags(ctx: &Ctx, state: PlanState, late: bool, notified: bool) -> Option<String> {
    let flags: Vec<&str> = [(late, "plan.report.overdue"), (notified, "plan.change_notice.unconfirmed_flag")]
        .iter()
        .filter(|(on, _)| *on && state == PlanState::Certified)
        .map(|(_, key)| ctx.t.get(key))
        .collect();
    (!flags.is_empty()).then(|| flags.join("、"))
}

// ---- 審査 ----

pub struct HistoryLine {
    pub at: String,
    pub action: String,
    pub actor: String,
    pub note: String,
    /// The version (第n版) the step left current, with its page (`versions`).
    pub version: Option<(String, String)>,
}

pub struct FileLine {
    pub words: String,
    pub size: String,
    pub view: String,
    pub download: String,
}

/// A section of the plan with its comment box in the 補正依頼 form.
pub struct CommentBox {
    pub name: String,
    pub title: String,
    pub value: String,
}

/// What a refused decision carries back: the typed values.
#[derive(Default, Clone)]
pub struct Typed {
    pub canned: Vec<String>,
    pub reason: String,
    /// (section, comment) of the 補正依頼.
    pub comments: Vec<(String, String)>,
    pub criteria: Vec<String>,
    pub certified_on: String,
    pub reject_reason: String,
}

#[derive(Template)]
#[template(path = "plan/bureau_review.html")]
pub struct ReviewPage {
    pub chrome: Chrome,
    pub base: String,
    pub queue: String,
    pub action: String,
    pub facts: Vec<(String, String)>,
    pub under_review: bool,
    pub notice_pdf: Option<String>,
    pub diff: Vec<DiffLine>,
    /// 「前回の申請からの変更点」, or for a 変更申請 「認定済みの計画からの変更点」.
    pub diff_heading: String,
    pub resubmitted: bool,
    pub system_check: Vec<String>,
    pub sections: Vec<ShownSection>,
    pub files: Vec<FileLine>,
    pub history: Vec<HistoryLine>,
    pub seq: i64,
    pub canned: Vec<(String, bool)>,
    pub reason: String,
    pub comments: Vec<CommentBox>,
    /// (key, label, ticked)
    pub criteria: Vec<(String, String, bool)>,
    pub certified_on: String,
    pub reject_reason: String,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    /// 認定済: each worker's 従事状況 and reports, the headcount as it stands.
    pub reports: Vec<crate::report_pages::ShownReport>,
    pub headcount: Option<(String, bool)>,
    /// The company's 変更届出, the latest first, each with 「確認済にする」 until confirmed.
    pub change_notices: Vec<crate::change_notice::NoticeLine>,
}

async fn actor_name(conn: &mut Conn, ctx: &Ctx, actor: Actor) -> Result<String, AppError> {
    Ok(match actor {
        Actor::User(id) => {
            let name: Option<String> =
                sqlx::query_scalar("SELECT name FROM users WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?;
            ctx.t.get("plan.review.actor.organization").replace("{name}", &name.unwrap_or_default())
        }
        Actor::Operator(id) => {
            let name = madoguchi_store::operators::by_id(conn, id).await?.map(|o| o.name).unwrap_or_default();
            ctx.t.get("plan.review.actor.office").replace("{name}", &name)
        }
    })
}

/// Whether the item's open round is a 変更申請: a round after 認定, under review or returned.
pub(crate) fn is_change(item: &reviews::Item) -> bool {
    item.approved_revision.is_some() && matches!(item.state, ReviewState::UnderReview | ReviewState::Returned)
}

/// The snapshot of the submission before the current one (the previous 申請 or 補正), if any.
fn previous_submission(events: &[reviews::Event]) -> Option<&str> {
    let mut submissions =
        events.iter().filter(|e| matches!(e.action, ReviewAction::Submit | ReviewAction::Resubmit)).rev();
    submissions.next()?;
    submissions.next().and_then(|e| e.snapshot.as_deref())
}

/// The 審査 page of plan `id` as it stands, with `typed` in the forms, `errors` beside them
/// and `notice` on top.
pub(crate) async fn review_page(
    state: &AppState,
    signed: &SignedIn,
    ctx: &Ctx,
    id: i64,
    typed: Typed,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Html<String>, AppError> {
    let portal = &signed.portal.id;
    let now = state.clock.unix();
    let mut conn = state.store.acquire().await?;
    let found = load(&mut conn, signed, id).await?;
    let events = reviews::history(&mut conn, item_key(portal, id), Scope::Operator).await?;
    let under_review = found.item.state == ReviewState::UnderReview;
    let plan_state = plan_state(&found.item);
    let change = is_change(&found.item);
    // A 変更申請 under review (or returned) is shown as applied for, against the certified
    // version (its diff, added workers and their files included); else a certified plan shows
    // what is in force.
    let shown_json = if plan_state == PlanState::Certified && !change {
        found.item.approved_snapshot.as_deref().or(found.item.pending_snapshot.as_deref())
    } else {
        found.item.pending_snapshot.as_deref()
    };
    let current = Submitted::parse(shown_json.unwrap_or("{}"));
    let previous = if change {
        found.item.approved_snapshot.as_deref().map(Submitted::parse)
    } else {
        previous_submission(&events).map(Submitted::parse)
    };
    let diff = match (&previous, under_review) {
        (Some(before), true) => submitted::changes(ctx.t, before, &current),
        _ => Vec::new(),
    };
    let system_check = match (change, previous.as_ref()) {
        // A 変更申請 is judged as the company's 申請 judged it: on the round's own date (its
        // submission), only where it changes the certified version, with its own cap.
        (true, Some(certified)) => match madoguchi_core::publication::jst_date(found.item.submitted_at) {
            Some(day) => {
                let issues = crate::check::check(&current.form, day);
                let mut issues = crate::change_pages::issues(&certified.form, &current.form, issues);
                let left = crate::change_pages::left_workers(&mut conn, id).await?;
                issues.extend(crate::change_pages::cap_issues(&certified.form, &current.form, &left));
                issues.iter().map(|i| crate::view::message(ctx.t, i)).collect()
            }
            None => Vec::new(),
        },
        _ => match found.plan.applied_on.as_deref().and_then(|d| crate::ids::date(d).ok()) {
            Some(day) => {
                crate::check::check(&current.form, day).iter().map(|i| crate::view::message(ctx.t, i)).collect()
            }
            None => Vec::new(),
        },
    };
    let overrides = state.calendars.overrides(&state.store, portal).await?;
    let calendar = signed.portal.calendar(&overrides);
    let mut facts = vec![
        (
            ctx.t.get("plan.review.col.organization").to_string(),
            organization_name(&mut conn, found.plan.organization_id).await?,
        ),
        (ctx.t.get("plan.col.state").to_string(), ctx.t.get(&plan_state.label_key()).to_string()),
        (ctx.t.get("plan.col.bureau").to_string(), bureau_name(ctx, found.bureau)),
        (ctx.t.get("plan.col.applied_on").to_string(), found.plan.applied_on.clone().unwrap_or_default()),
        (ctx.t.get("plan.review.col.submitted").to_string(), format_ts(found.item.submitted_at, ctx.lang)),
        (
            ctx.t.get("plan.review.col.kind").to_string(),
            if change {
                ctx.t.get("plan.review.kind.change").to_string()
            } else {
                round_kind(ctx, found.item.revision)
            },
        ),
    ];
    if under_review {
        let age = rules::age_in_business_days(&calendar, found.item.submitted_at, now);
        facts.push((
            ctx.t.get("plan.review.col.age").to_string(),
            ctx.t.get("review.age_days").replace("{n}", &age.to_string()),
        ));
    }
    if let Some(n) = &found.plan.approval_number {
        facts.push((ctx.t.get("plan.col.approval_number").to_string(), n.clone()));
    }
    if let Some(d) = &found.plan.certified_on {
        facts.push((ctx.t.get("plan.col.certified_on").to_string(), d.clone()));
    }
    let base = console_base(signed);
    let mut files = Vec::new();
    for f in &current.files {
        let size = store::attachment_by_file(&mut conn, id, f.file_id).await?.map(|a| human_size(a.size));
        files.push(FileLine {
            words: current.file_words(ctx.t, f),
            size: size.unwrap_or_else(|| ctx.t.get("plan.review.file_gone").to_string()),
            view: format!("{base}/{id}/files/{}/view", f.file_id),
            download: format!("{base}/{id}/files/{}", f.file_id),
        });
    }
    let versions = versions::lines(ctx, &events, &format!("{base}/{id}"));
    let mut history = Vec::new();
    for e in &events {
        history.push(HistoryLine {
            version: versions.iter().find(|v| v.seq == e.seq).map(|v| (v.title.clone(), v.href.clone())),
            at: format_ts(e.at, ctx.lang),
            action: ctx.t.get(&format!("plan.review.action.{}", e.action.as_str())).to_string(),
            actor: actor_name(&mut conn, ctx, e.actor).await?,
            note: e.reason.clone().unwrap_or_default(),
        });
    }
    let comments = submitted::sections(ctx.t, &current.form)
        .into_iter()
        .map(|s| CommentBox {
            value: typed.comments.iter().find(|(k, _)| *k == s.key).map(|(_, v)| v.clone()).unwrap_or_default(),
            name: format!("comment_{}", s.key),
            title: s.title,
        })
        .collect();
    let today = crate::pages::today(now)?;
    let change_notices = crate::change_store::of_plan(&mut conn, id).await?;
    let (reports, headcount) = if plan_state == PlanState::Certified {
        let reported = crate::report_store::of_plan(&mut conn, id).await?;
        (
            crate::report_pages::shown(ctx.t, &current.form, &reported, today),
            crate::report_pages::headcount_line(ctx.t, &current.form, &reported),
        )
    } else {
        (Vec::new(), None)
    };
    html(&ReviewPage {
        chrome: ctx.chrome(ctx.t.get("plan.review.title"), Some(&signed.portal), None),
        base: console_path(&signed.portal),
        queue: base.clone(),
        action: format!("{base}/{id}"),
        facts,
        under_review,
        notice_pdf: (plan_state == PlanState::Certified).then(|| format!("{base}/{id}/notice.pdf")),
        resubmitted: previous.is_some(),
        diff_heading: ctx.t.get(if change { "plan.review.diff_certified" } else { "plan.review.diff" }).to_string(),
        diff,
        system_check,
        sections: submitted::shown(ctx.t, &current.form),
        files,
        history,
        seq: found.item.last_seq,
        canned: rules::canned_reasons(portal).iter().map(|c| (c.clone(), typed.canned.contains(c))).collect(),
        reason: typed.reason,
        comments,
        criteria: CRITERIA
            .iter()
            .map(|k| {
                (
                    k.to_string(),
                    ctx.t.get(&format!("plan.criteria.{k}")).to_string(),
                    typed.criteria.iter().any(|c| c == k),
                )
            })
            .collect(),
        certified_on: if typed.certified_on.is_empty() { today.to_string() } else { typed.certified_on },
        reject_reason: typed.reject_reason,
        errors,
        notice,
        reports,
        headcount,
        change_notices: crate::change_notice::lines(ctx, &change_notices),
    })
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
        "returned" | "certified" | "rejected" | "notice_confirmed" => {
            Some(ctx.t.get(&format!("plan.review.done.{}", query.done)).to_string())
        }
        _ => None,
    };
    review_page(&state, &signed, &ctx, id, Typed::default(), FieldErrors::default(), notice).await
}

// ---- the files ----

/// A file of the plan for the office: `view` shows a PDF or JPEG in the browser (the preview of
/// §4.4), otherwise saved. Only a file the plan holds; each hand-out is a `file.downloaded` event
/// of the organization with the operator as actor.
async fn file(
    state: &AppState,
    signed: &SignedIn,
    origin: &Origin,
    id: i64,
    file_id: i64,
    view: bool,
) -> Result<Response, AppError> {
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let found = load(&mut tx, signed, id).await?;
    let a = store::attachment_by_file(&mut tx, found.plan.id, file_id).await?.ok_or(AppError::NotFound)?;
    let portal = &signed.portal.id;
    let stored = madoguchi_store::files::for_owner(&mut tx, portal, found.plan.organization_id, a.file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let content = madoguchi_store::files::content(&mut tx, portal, stored.id).await?.ok_or(AppError::NotFound)?;
    let actor = format!("operator:{}", signed.operator.id);
    let context = if view { "plan review (view)" } else { "plan review" };
    madoguchi_web::files::record_download(&mut tx, origin, &actor, &stored, Some(context), now).await?;
    tx.commit().await?;
    Ok(if view {
        madoguchi_web::files::preview(&stored, content)
    } else {
        madoguchi_web::files::download(&stored, content)
    })
}

pub async fn download(
    State(state): State<AppState>,
    signed: SignedIn,
    origin: Origin,
    Path((_portal, id, file_id)): Path<(String, i64, i64)>,
) -> Result<Response, AppError> {
    file(&state, &signed, &origin, id, file_id, false).await
}

pub async fn view(
    State(state): State<AppState>,
    signed: SignedIn,
    origin: Origin,
    Path((_portal, id, file_id)): Path<(String, i64, i64)>,
) -> Result<Response, AppError> {
    file(&state, &signed, &origin, id, file_id, true).await
}

/// `GET /operator/plans/{id}/versions/{seq}`: a version, for the reviewing office.
pub async fn version(
    State(state): State<AppState>,
    signed: SignedIn,
    ctx: Ctx,
    Path((_, id, seq)): Path<(String, i64, i64)>,
) -> Result<Html<String>, AppError> {
    let mut conn = state.store.acquire().await?;
    load(&mut conn, &signed, id).await?;
    let events = reviews::history(&mut conn, item_key(&signed.portal.id, id), Scope::Operator).await?;
    let (number, event, snapshot) = versions::version(&events, seq)?;
    let (sections, files) = versions::content(&ctx, snapshot);
    let back = format!("{}/{id}", console_base(&signed));
    html(&versions::VersionPage {
        chrome: ctx.chrome(versions::title(&ctx, number), Some(&signed.portal), None),
        console: true,
        base: console_path(&signed.portal),
        facts: versions::facts(&ctx, number, event),
        sections,
        files,
        back,
        back_label: ctx.t.get("plan.version.back_review").to_string(),
    })
}
