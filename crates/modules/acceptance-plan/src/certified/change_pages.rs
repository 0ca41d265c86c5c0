//! The 変更申請's own screens and checks (mlit-plan.md §4.5 item 1, §4.4, §4.9 checks 11 and 13).
//! A 変更申請 is the plan's forms in "change" mode (`pages::Loaded::changing`): a draft made from
//! the certified version where only the 変更申請 items (`change_application::CASES`) are editable
//! and workers are added (with their attachments 12, 13, 15), then 「申請」 as a new review round
//! of the certified plan (the workflow's resubmit of an approved item). The certified version
//! stays in force until the office's 認定; while the change is pending a second one and a
//! 変更届出 are refused.
//!
//! - `GET /plan/change`: what the 変更申請 may change and 「変更申請を開始する」, or the pending
//!   change's state; once started, the plan's overview (`/plan`) edits it.
//! - `POST /plan/change/start`: the draft of the change, made from the certified version.

use crate::apply::Blocker;
use crate::change_application::{self, ChangeError};
use crate::check::Issue;
use crate::form::PlanForm;
use crate::pages::{self, Loaded, base, message_page, organization};
use crate::report_store;
use crate::reports::WorkerState;
use crate::state::PlanState;
use crate::{KIND, form};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_store::{Conn, drafts};
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::pages::html;
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;

/// What a 変更申請 is checked against: the certified version, its files (kept, not re-dated),
/// and the certified workers reported 退職 (they no longer count against the cap, check 13).
pub(crate) struct Basis {
    pub certified: PlanForm,
    pub files: Vec<i64>,
    pub left: Vec<u32>,
}

/// The basis of the organization's 変更申請, when it is writing or correcting one.
pub(crate) async fn basis(conn: &mut Conn, loaded: &Loaded) -> Result<Option<Basis>, AppError> {
    if !loaded.changing() {
        return Ok(None);
    }
    let Some(certified) = loaded.certified() else { return Ok(None) };
    let left = left_workers(conn, loaded.plan.id).await?;
    Ok(Some(Basis { certified, files: loaded.certified_files(), left }))
}

/// The certified workers of plan `plan_id` reported 退職 (the caller read the plan bound to its
/// organization or office).
pub(crate) async fn left_workers(conn: &mut Conn, plan_id: i64) -> Result<Vec<u32>, AppError> {
    Ok(report_store::of_plan(conn, plan_id)
        .await?
        .iter()
        .filter(|r| r.state == WorkerState::Left)
        .filter_map(|r| u32::try_from(r.worker).ok())
        .collect())
}

/// The change's own cap (check 13: the certified workers who have not left plus the added ones)
/// as issues, for the office's system check beside [`issues`].
pub(crate) fn cap_issues(certified: &PlanForm, plan: &PlanForm, left: &[u32]) -> Vec<Issue> {
    change_application::check(certified, plan, left)
        .into_iter()
        .filter_map(|e| match e {
            ChangeError::Headcount(rule) => {
                Some(Issue { section: String::new(), field: "", key: rule.message_key(), params: rule.params() })
            }
            _ => None,
        })
        .collect()
}

/// The proposal as applied for: the draft's 変更申請 items and added workers on the certified
/// version as it stands now. A 変更届出 filed while the change was being written changed the
/// certified version; its items (and a certified worker's renewed card) are taken from there,
/// so the change neither undoes the notice nor is refused for it.
pub(crate) fn merged(basis: &Basis, draft: &PlanForm) -> PlanForm {
    let mut plan = basis.certified.clone();
    let names: std::collections::BTreeSet<&String> = basis.certified.fields.keys().chain(draft.fields.keys()).collect();
    for name in names.into_iter().filter(|n| change_application::needs_application(n)) {
        match draft.fields.get(name) {
            Some(v) => plan.fields.insert(name.clone(), v.clone()),
            None => plan.fields.remove(name),
        };
    }
    for w in &draft.workers {
        if basis.certified.worker(w.key).is_none() {
            plan.workers.push(w.clone());
        }
    }
    plan.next_worker = plan.next_worker.max(draft.next_worker);
    plan
}

/// The plan's issues that concern the change: on an added worker, or on a Part field the change
/// touches. What stands as certified is not judged again by today's date (the 受入予定期間
/// began before the change is filed), and the cap is the change's own (it counts the workers
/// who have not left, which the plan's check cannot know). The company's 申請 and the office's
/// system check on the 審査 page filter alike.
pub(crate) fn issues(certified: &PlanForm, plan: &PlanForm, issues: Vec<Issue>) -> Vec<Issue> {
    issues
        .into_iter()
        .filter(|i| i.key != "plan.err.headcount")
        .filter(|i| match i.section.strip_prefix('w').and_then(|k| k.parse::<u32>().ok()) {
            Some(key) => certified.worker(key).is_none(),
            None if i.field.is_empty() => true,
            None => form::all(&certified.fields, i.field) != form::all(&plan.fields, i.field),
        })
        .collect()
}

/// The refusals of `change_application::check` as the 申請's blockers, each linking to its place.
pub(crate) fn blockers(ctx: &Ctx, base: &str, basis: &Basis, plan: &PlanForm) -> Vec<Blocker> {
    let title = ctx.t.get("plan.change.title").to_string();
    change_application::check(&basis.certified, plan, &basis.left)
        .into_iter()
        .map(|e| {
            let (href, what) = match &e {
                ChangeError::NotByApplication { field } => {
                    let part = form::PARTS.iter().find(|p| p.field(field).is_some()).map_or("p1", |p| p.key);
                    (format!("{base}/part/{part}#{field}"), ctx.t.get(&format!("plan.field.{field}")).to_string())
                }
                ChangeError::PayLowered { worker } | ChangeError::WorkerChanged { worker } => {
                    (format!("{base}/workers/{worker}"), worker_name(&basis.certified, *worker))
                }
                ChangeError::WorkerRemoved { worker } => (base.to_string(), worker_name(&basis.certified, *worker)),
                ChangeError::Unchanged | ChangeError::Headcount(_) => (base.to_string(), String::new()),
            };
            let message = match &e {
                ChangeError::Headcount(rule) => {
                    let issue =
                        Issue { section: String::new(), field: "", key: rule.message_key(), params: rule.params() };
                    crate::view::message(ctx.t, &issue)
                }
                _ => ctx.t.get(e.message_key()).to_string(),
            };
            let message = if what.is_empty() { message } else { format!("{what}：{message}") };
            Blocker { section: title.clone(), message, href }
        })
        .collect()
}

fn worker_name(plan: &PlanForm, key: u32) -> String {
    plan.worker(key).map(|w| form::one(&w.fields, "name_roman").to_string()).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "plan/change_start.html")]
pub struct StartPage {
    pub chrome: Chrome,
    pub intro: String,
    pub action: String,
    pub back: String,
}

/// Why the organization cannot start a 変更申請 now, if it cannot: not certified (409), or one
/// is waiting on the office (409, the certified version in force meanwhile).
fn refusal(loaded: &Loaded) -> Option<&'static str> {
    if loaded.state != PlanState::Certified {
        Some("plan.change.not_certified")
    } else if loaded.change_pending() {
        Some("plan.change.pending")
    } else {
        None
    }
}

/// 「変更申請」 from the menu.
pub async fn start_page(State(state): State<AppState>, current: CurrentUser, ctx: Ctx) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let base = base(&current);
    let mut conn = state.store.acquire().await?;
    let Some(loaded) = pages::load(&mut conn, &current, organization).await? else {
        return Ok(Redirect::to(&base).into_response());
    };
    if let Some(key) = refusal(&loaded) {
        return message_page(&ctx, &current, key, StatusCode::CONFLICT);
    }
    if loaded.changing() {
        return Ok(Redirect::to(&base).into_response());
    }
    Ok(html(&StartPage {
        chrome: ctx.chrome(ctx.t.get("plan.change.title"), Some(&current.portal), Some(Screen::PlanNew)),
        intro: ctx.t.get("plan.change.intro").to_string(),
        action: format!("{base}/change/start"),
        back: format!("{base}/view"),
    })?
    .into_response())
}

/// 「変更申請を開始する」: the change's draft from the certified version (pressed twice, even at
/// the same moment, one).
pub async fn start(State(state): State<AppState>, current: CurrentUser, ctx: Ctx) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let base = base(&current);
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    let Some(mut loaded) = pages::load(&mut tx, &current, organization).await? else {
        return Ok(Redirect::to(&base).into_response());
    };
    if loaded.draft.is_none() {
        // Pressed in two tabs at once: the second waits here and lands on the first one's draft.
        crate::store::lock(&mut tx, loaded.plan.id).await?;
        loaded.draft = drafts::of_item(&mut tx, &current.portal.id, organization, KIND, loaded.plan.id).await?;
    }
    if let Some(key) = refusal(&loaded) {
        drop(tx);
        return message_page(&ctx, &current, key, StatusCode::CONFLICT);
    }
    if loaded.changing() {
        return Ok(Redirect::to(&base).into_response());
    }
    let certified = loaded.certified().unwrap_or_default();
    let payload = certified.to_json();
    let missing = drafts::Missing(form::missing(&certified));
    let new = drafts::NewDraft {
        portal: &current.portal.id,
        organization_id: organization,
        author_user_id: current.user.id,
        kind: KIND,
        item_id: Some(loaded.plan.id),
        payload: &payload,
        missing: &missing,
    };
    drafts::create(&mut tx, &new, now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&base).into_response())
}
