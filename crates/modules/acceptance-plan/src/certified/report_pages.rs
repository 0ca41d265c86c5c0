//! The company's 受入報告書 and 退職報告書 (mlit-plan.md §4.5 items 3 and 4) on a certified plan:
//! the list of the certified version's workers with their 従事状況 (受入前 「要報告」, 従事中, 退職),
//! the 在留資格許可日 that starts the 1-month clock and the deadline (「受入報告期限超過」 past it),
//! the headcount as it stands; each report is a form of the field tables, checked, confirmed
//! (「提出します。よろしいですか？」), then recorded with its audit event in one transaction. A
//! second 「はい」 of the same confirmation finds the worker moved on and records nothing.
//! Everything is read through the organization's own plan: a worker key names a block of the
//! session's organization's certified plan only.

use crate::form::{self, PlanForm, Section, Values, Worker};
use crate::pages::{Pairs, base, control, message_page, organization, today};
use crate::report_store::{self, Reported};
use crate::reports::{self, Report, Standing, WorkerState};
use crate::state::PlanState;
use crate::view::{self, GroupView, ShownGroup};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use madoguchi_store::{Conn, audit};
use madoguchi_web::confirm::{self, Confirmation, Step};
use madoguchi_web::ctx::{Chrome, Ctx, Origin, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::i18n::Tr;
use madoguchi_web::pages::html;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;

/// A certified plan as the reports read it.
pub(crate) struct Certified {
    pub plan_id: i64,
    pub form: PlanForm,
    pub certified_on: NaiveDate,
    pub reported: Vec<Reported>,
}

/// The certified version of `item` (the approved snapshot).
pub(crate) fn certified_form(item: &madoguchi_store::review::Item) -> PlanForm {
    PlanForm::from_json(item.approved_snapshot.as_deref().or(item.pending_snapshot.as_deref()).unwrap_or("{}"))
}

/// The organization's certified plan, or the page that says why there is none to report on.
async fn certified(conn: &mut Conn, ctx: &Ctx, current: &CurrentUser) -> Result<Result<Certified, Response>, AppError> {
    let organization = organization(current)?;
    let Some(loaded) = crate::pages::load(conn, current, organization).await? else {
        return Ok(Err(Redirect::to(&base(current)).into_response()));
    };
    let (PlanState::Certified, Some(item)) = (loaded.state, &loaded.item) else {
        return Ok(Err(message_page(ctx, current, "plan.report.not_certified", StatusCode::CONFLICT)?));
    };
    let certified_on = loaded.plan.certified_on.as_deref().and_then(|d| crate::ids::date(d).ok()).unwrap_or_default();
    let reported = report_store::of_plan(conn, loaded.plan.id).await?;
    Ok(Ok(Certified { plan_id: loaded.plan.id, form: certified_form(item), certified_on, reported }))
}

/// A worker's state and report row (no row: 受入前).
pub(crate) fn state_of(reported: &[Reported], key: u32) -> (WorkerState, Option<&Reported>) {
    match reported.iter().find(|r| r.worker == i64::from(key)) {
        Some(r) => (r.state, Some(r)),
        None => (WorkerState::Arriving, None),
    }
}

fn worker_name(w: &Worker) -> String {
    form::one(&w.fields, "name_roman").to_string()
}

/// Whether the worker's 受入報告 is late on `today`.
fn overdue(state: WorkerState, row: Option<&Reported>, today: NaiveDate) -> bool {
    let due = row.and_then(|r| r.due_on.as_deref()).and_then(|d| crate::ids::date(d).ok());
    state == WorkerState::Arriving && due.is_some_and(|d| reports::standing(d, today) == Standing::Overdue)
}

/// Whether any worker of the plan is late (the menu's and the office's flag).
pub(crate) fn any_overdue(form: &PlanForm, reported: &[Reported], today: NaiveDate) -> bool {
    form.workers.iter().any(|w| {
        let (state, row) = state_of(reported, w.key);
        overdue(state, row, today)
    })
}

/// The headcount as it stands (1号 + 外国人建設就労者 + the plan's workers who have not left,
/// against 常勤の職員の数) in words, and whether it is over the cap.
pub(crate) fn headcount_line(t: &Tr, form: &PlanForm, reported: &[Reported]) -> Option<(String, bool)> {
    let counting = form.workers.iter().filter(|w| state_of(reported, w.key).0.counts()).count();
    let cap = reports::headcount(form, counting)?;
    let total = u64::from(cap.current_ssw) + u64::from(cap.current_construction) + u64::from(cap.planned);
    let text = t
        .get("plan.report.headcount")
        .replace("{ssw}", &cap.current_ssw.to_string())
        .replace("{construction}", &cap.current_construction.to_string())
        .replace("{planned}", &cap.planned.to_string())
        .replace("{total}", &total.to_string())
        .replace("{fulltime}", &cap.fulltime.to_string());
    Some((text, cap.check().is_err()))
}

/// One worker as 計画確認 and the office's 審査 show them.
pub struct ShownReport {
    pub title: String,
    pub state: String,
    pub flag: Option<String>,
    pub facts: Vec<(String, String)>,
    pub groups: Vec<ShownGroup>,
}

fn report_values(json: Option<&str>) -> Option<Values> {
    json.and_then(|j| serde_json::from_str(j).ok())
}

/// Every worker of the certified `form` with their state, the deadline and the reports filed.
pub fn shown(t: &Tr, form: &PlanForm, reported: &[Reported], today: NaiveDate) -> Vec<ShownReport> {
    form.workers
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let (state, row) = state_of(reported, w.key);
            let mut facts = Vec::new();
            if let Some(r) = row.filter(|_| state == WorkerState::Arriving) {
                for (key, value) in [("plan.field.granted_on", &r.granted_on), ("plan.report.col.due", &r.due_on)] {
                    if let Some(v) = value {
                        facts.push((t.get(key).to_string(), v.clone()));
                    }
                }
            }
            let mut groups = Vec::new();
            if let Some(v) = report_values(row.and_then(|r| r.arrival.as_deref())) {
                groups.extend(titled(t, "plan.report.arrival_title", &reports::ARRIVAL, &v));
            }
            if let Some(v) = report_values(row.and_then(|r| r.departure.as_deref())) {
                groups.extend(titled(t, "plan.report.departure_title", &reports::DEPARTURE, &v));
            }
            ShownReport {
                title: format!(
                    "{}：{}",
                    t.get("plan.worker.heading").replace("{n}", &(i + 1).to_string()),
                    worker_name(w)
                ),
                state: t.get(&state.label_key()).to_string(),
                flag: flag(t, state, row, today),
                facts,
                groups,
            }
        })
        .collect()
}

fn titled(t: &Tr, title: &str, section: &'static Section, values: &Values) -> Vec<ShownGroup> {
    view::shown(t, section, values)
        .into_iter()
        .map(|g| ShownGroup { legend: t.get(title).to_string(), rows: g.rows })
        .collect()
}

/// 「受入報告期限超過」 for a late 受入前 worker, 「要報告」 for another 受入前 one.
fn flag(t: &Tr, state: WorkerState, row: Option<&Reported>, today: NaiveDate) -> Option<String> {
    if overdue(state, row, today) {
        Some(t.get("plan.report.overdue").to_string())
    } else {
        (state == WorkerState::Arriving).then(|| t.get("plan.report.to_report").to_string())
    }
}

// ---- the list ----

pub struct Row {
    pub name: String,
    pub state: String,
    pub flag: Option<String>,
    pub granted_on: String,
    pub due_on: String,
    pub arrival: Option<String>,
    pub departure: Option<String>,
    /// The 在留資格許可日's own form (受入前).
    pub grant: Option<String>,
    pub grant_field: String,
    pub grant_value: String,
}

#[derive(Template)]
#[template(path = "plan/reports.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub notice: Option<String>,
    pub errors: FieldErrors,
    pub headcount: Option<(String, bool)>,
    pub rows: Vec<Row>,
    pub view: String,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    pub done: String,
}

/// The list with `errors` of one worker's 在留資格許可日 (typed value kept).
fn list_page(
    ctx: &Ctx,
    current: &CurrentUser,
    c: &Certified,
    today: NaiveDate,
    notice: Option<String>,
    typed: Option<(u32, &str, FieldErrors)>,
) -> Result<Response, AppError> {
    let base = base(current);
    let rows = c
        .form
        .workers
        .iter()
        .map(|w| {
            let (state, row) = state_of(&c.reported, w.key);
            let typed_here = typed.as_ref().filter(|(k, _, _)| *k == w.key);
            let granted = row.and_then(|r| r.granted_on.clone()).unwrap_or_default();
            Row {
                name: worker_name(w),
                state: ctx.t.get(&state.label_key()).to_string(),
                flag: flag(ctx.t, state, row, today),
                due_on: row.and_then(|r| r.due_on.clone()).unwrap_or_default(),
                arrival: (state == WorkerState::Arriving).then(|| format!("{base}/reports/{}/arrival", w.key)),
                departure: (state == WorkerState::Working).then(|| format!("{base}/reports/{}/departure", w.key)),
                grant: (state == WorkerState::Arriving).then(|| format!("{base}/reports/{}/granted", w.key)),
                grant_field: format!("granted_on-{}", w.key),
                grant_value: typed_here.map_or(granted.clone(), |(_, v, _)| v.to_string()),
                granted_on: granted,
            }
        })
        .collect();
    let (errors, status) = match typed {
        Some((_, _, e)) => (e, StatusCode::UNPROCESSABLE_ENTITY),
        None => (FieldErrors::default(), StatusCode::OK),
    };
    let page = html(&ListPage {
        chrome: ctx.chrome(ctx.t.get("plan.report.title"), Some(&current.portal), None),
        notice,
        errors,
        headcount: headcount_line(ctx.t, &c.form, &c.reported),
        rows,
        view: format!("{base}/view"),
    })?;
    Ok((status, page).into_response())
}

pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let mut conn = state.store.acquire().await?;
    let c = match certified(&mut conn, &ctx, &current).await? {
        Ok(c) => c,
        Err(response) => return Ok(response),
    };
    let notice = match query.done.as_str() {
        "granted" | "arrival" | "departure" => Some(ctx.t.get(&format!("plan.report.done.{}", query.done)).to_string()),
        _ => None,
    };
    list_page(&ctx, &current, &c, today(state.clock.unix())?, notice, None)
}

/// The worker block `key` of the certified plan (404 for a key the plan does not have).
fn worker<'a>(c: &'a Certified, key: &str) -> Result<&'a Worker, AppError> {
    let key: u32 = key.parse().map_err(|_| AppError::NotFound)?;
    c.form.worker(key).ok_or(AppError::NotFound)
}

/// 「登録」 of a 受入前 worker's 在留資格許可日: the clock starts (the deadline and its reminders)
/// before the report itself is ready. Not in the future, not before the 認定日.
pub async fn granted(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_portal, key)): Path<(String, String)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    let now = state.clock.unix();
    let today = today(now)?;
    let mut tx = state.store.begin().await?;
    let c = match certified(&mut tx, &ctx, &current).await? {
        Ok(c) => c,
        Err(response) => return Ok(response),
    };
    let w = worker(&c, &key)?;
    if state_of(&c.reported, w.key).0 != WorkerState::Arriving {
        return Ok(Redirect::to(&format!("{}/reports", base(&current))).into_response());
    }
    let typed = control(&pairs, "granted_on");
    let values: Values = [("granted_on".to_string(), vec![typed.to_string()])].into();
    let issue = reports::check_arrival(&values, c.certified_on, today).into_iter().find(|i| i.field == "granted_on");
    let due = crate::ids::date(typed).ok().and_then(reports::due_on);
    let (None, Some(due)) = (issue.as_ref(), due) else {
        let message = issue.map(|i| view::message(ctx.t, &i)).unwrap_or_else(|| ctx.t.get("plan.err.date").to_string());
        let errors = FieldErrors::field(&format!("granted_on-{}", w.key), &message);
        drop(tx);
        return list_page(&ctx, &current, &c, today, None, Some((w.key, typed, errors)));
    };
    let granted_on = crate::ids::date(typed).map(|d| d.to_string()).unwrap_or_default();
    report_store::set_granted(&mut tx, c.plan_id, i64::from(w.key), &granted_on, &due.to_string(), now).await?;
    let actor = format!("user:{}", current.user.id);
    let detail = format!("plan {} worker {} granted {granted_on} due {due}", c.plan_id, w.key);
    let entry = audit_entry(&current.portal, &origin, "plan.grant_date_recorded", Some(&actor), Some(&detail));
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{}/reports?done=granted", base(&current))).into_response())
}

// ---- the two reports ----

#[derive(Template)]
#[template(path = "plan/report_form.html")]
pub struct ReportPage {
    pub chrome: Chrome,
    pub heading: String,
    pub facts: Vec<(String, String)>,
    pub intro: String,
    pub action: String,
    pub groups: Vec<GroupView>,
    pub errors: FieldErrors,
    pub back: String,
}

/// What a report form needs to know of its kind.
#[derive(Clone, Copy)]
struct Kind {
    report: Report,
    section: &'static Section,
    /// The state a worker must be in.
    from: WorkerState,
    path: &'static str,
    title: &'static str,
    event: &'static str,
}

const ARRIVAL: Kind = Kind {
    report: Report::Arrival,
    section: &reports::ARRIVAL,
    from: WorkerState::Arriving,
    path: "arrival",
    title: "plan.report.arrival_title",
    event: "plan.arrival_reported",
};

const DEPARTURE: Kind = Kind {
    report: Report::Departure,
    section: &reports::DEPARTURE,
    from: WorkerState::Working,
    path: "departure",
    title: "plan.report.departure_title",
    event: "plan.departure_reported",
};

fn worker_facts(ctx: &Ctx, c: &Certified, w: &Worker) -> Vec<(String, String)> {
    let n = c.form.workers.iter().position(|x| x.key == w.key).map_or(0, |i| i + 1);
    vec![
        (ctx.t.get("plan.report.col.worker").to_string(), worker_name(w)),
        (
            ctx.t.get("plan.report.col.block").to_string(),
            ctx.t.get("plan.worker.heading").replace("{n}", &n.to_string()),
        ),
    ]
}

fn form_page(
    ctx: &Ctx,
    current: &CurrentUser,
    c: &Certified,
    w: &Worker,
    kind: Kind,
    values: &Values,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let base = base(current);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = html(&ReportPage {
        chrome: ctx.chrome(ctx.t.get(kind.title), Some(&current.portal), None),
        heading: ctx.t.get(kind.title).to_string(),
        facts: worker_facts(ctx, c, w),
        intro: ctx.t.get(&format!("plan.report.{}_intro", kind.path)).to_string(),
        action: format!("{base}/reports/{}/{}", w.key, kind.path),
        groups: view::groups(ctx.t, kind.section, values),
        errors,
        back: format!("{base}/reports"),
    })?;
    Ok((status, page).into_response())
}

/// The 受入報告書 starts from what is known: the 在留資格許可日 registered, the 在留カード番号 and
/// CCUS 技能者ID of the certified worker block.
fn prefilled(kind: Kind, w: &Worker, row: Option<&Reported>) -> Values {
    let mut values = Values::new();
    if kind.report == Report::Arrival {
        for name in ["residence_card", "ccus_id", "ccus_reason"] {
            if let Some(v) = w.fields.get(name) {
                values.insert(name.to_string(), v.clone());
            }
        }
        if let Some(g) = row.and_then(|r| r.granted_on.clone()) {
            values.insert("granted_on".into(), vec![g]);
        }
    }
    values
}

fn issues(
    kind: Kind,
    values: &Values,
    c: &Certified,
    row: Option<&Reported>,
    today: NaiveDate,
) -> Vec<crate::check::Issue> {
    match kind.report {
        Report::Arrival => reports::check_arrival(values, c.certified_on, today),
        Report::Departure => {
            // The worker's 受入: the 特定技能従事開始年月日 of the 受入報告書.
            let arrival = report_values(row.and_then(|r| r.arrival.as_deref())).unwrap_or_default();
            let started = crate::ids::date(form::one(&arrival, "started_on")).unwrap_or(c.certified_on);
            reports::check_departure(values, started, today)
        }
    }
}

async fn show(state: AppState, current: CurrentUser, ctx: Ctx, key: String, kind: Kind) -> Result<Response, AppError> {
    let mut conn = state.store.acquire().await?;
    let c = match certified(&mut conn, &ctx, &current).await? {
        Ok(c) => c,
        Err(response) => return Ok(response),
    };
    let w = worker(&c, &key)?;
    let (worker_state, row) = state_of(&c.reported, w.key);
    if worker_state != kind.from {
        return message_page(&ctx, &current, &format!("plan.report.not_{}", kind.from.as_str()), StatusCode::CONFLICT);
    }
    form_page(&ctx, &current, &c, w, kind, &prefilled(kind, w, row), FieldErrors::default())
}

pub async fn arrival_form(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_portal, key)): Path<(String, String)>,
) -> Result<Response, AppError> {
    show(state, current, ctx, key, ARRIVAL).await
}

pub async fn departure_form(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_portal, key)): Path<(String, String)>,
) -> Result<Response, AppError> {
    show(state, current, ctx, key, DEPARTURE).await
}

pub async fn arrival(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_portal, key)): Path<(String, String)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    submit(state, current, ctx, origin, key, pairs, ARRIVAL).await
}

pub async fn departure(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_portal, key)): Path<(String, String)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    submit(state, current, ctx, origin, key, pairs, DEPARTURE).await
}

/// The form checked (422 with the messages), then 「提出します。よろしいですか？」 with what was
/// typed, then (「はい」) checked again and recorded in one transaction with its audit event.
async fn submit(
    state: AppState,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    key: String,
    pairs: Pairs,
    kind: Kind,
) -> Result<Response, AppError> {
    let now = state.clock.unix();
    let today = today(now)?;
    let base = base(&current);
    let mut values = Values::new();
    form::take_section(kind.section, &mut values, &pairs);
    let mut tx = state.store.begin().await?;
    let c = match certified(&mut tx, &ctx, &current).await? {
        Ok(c) => c,
        Err(response) => return Ok(response),
    };
    let w = worker(&c, &key)?;
    let (worker_state, row) = state_of(&c.reported, w.key);
    // Filed already (a second 「はい」, another tab): nothing twice, the list shows the state.
    if worker_state != kind.from {
        return Ok(Redirect::to(&format!("{base}/reports")).into_response());
    }
    let step = Step::of(control(&pairs, confirm::STEP_FIELD));
    if step == Step::Back {
        return form_page(&ctx, &current, &c, w, kind, &values, FieldErrors::default());
    }
    let found = issues(kind, &values, &c, row, today);
    if !found.is_empty() {
        let mut errors = FieldErrors::default();
        for issue in &found {
            errors.add(issue.field, &view::message(ctx.t, issue));
        }
        return form_page(&ctx, &current, &c, w, kind, &values, errors);
    }
    let kept = reports::kept(kind.section, &values);
    if step != Step::Confirmed {
        drop(tx);
        let mut confirmation = Confirmation::new(
            &ctx,
            ctx.t.get("plan.report.confirm"),
            format!("{base}/reports/{}/{}", w.key, kind.path),
        );
        for (label, value) in worker_facts(&ctx, &c, w) {
            confirmation = confirmation.fact(label, value);
        }
        for g in view::shown(ctx.t, kind.section, &kept) {
            for s in g.rows {
                confirmation = confirmation.fact(s.label, s.value);
            }
        }
        for (name, list) in &kept {
            for v in list {
                confirmation = confirmation.carry(name, v.clone());
            }
        }
        return Ok(
            confirm::page(&ctx, ctx.t.get(kind.title), Some(&current.portal), None, confirmation)?.into_response()
        );
    }
    let json = serde_json::to_string(&kept).unwrap_or_else(|_| "{}".into());
    let worker_key = i64::from(w.key);
    let recorded = match kind.report {
        Report::Arrival => {
            let granted = crate::ids::date(form::one(&kept, "granted_on"))
                .map_err(|_| AppError::Internal("a checked date no longer reads".into()))?;
            let due = reports::due_on(granted)
                .ok_or_else(|| AppError::Internal("a deadline beyond the calendar".into()))?
                .to_string();
            let granted = granted.to_string();
            let a = report_store::Arrival {
                plan_id: c.plan_id,
                worker: worker_key,
                granted_on: &granted,
                due_on: &due,
                report: &json,
                user: current.user.id,
            };
            report_store::record_arrival(&mut tx, &a, now).await?
        }
        Report::Departure => {
            let left = crate::ids::date(form::one(&kept, "left_on"))
                .map_err(|_| AppError::Internal("a checked date no longer reads".into()))?
                .to_string();
            report_store::record_departure(&mut tx, c.plan_id, worker_key, &left, &json, current.user.id, now).await?
        }
    };
    if !recorded {
        drop(tx);
        return Ok(Redirect::to(&format!("{base}/reports")).into_response());
    }
    let actor = format!("user:{}", current.user.id);
    let detail = format!("plan {} worker {}", c.plan_id, w.key);
    audit::record(&mut tx, &audit_entry(&current.portal, &origin, kind.event, Some(&actor), Some(&detail)), now)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{base}/reports?done={}", kind.path)).into_response())
}
