//! 変更届出 (mlit-plan.md §4.5 item 2; [ML-jac0504], [ML-jac0505]): after 認定 the company files
//! a change of the items that need no approval, and the certified version takes it at once; the
//! items on the 認定証 that need a 変更申請 are shown read-only with 「この項目は変更申請が必要で
//! す。」. Each notice is kept with its fields before and after (`change_store`), the reviewing
//! office sees it on its 審査 page and marks it 確認済.
//!
//! The rules here are data and pure functions: [`NOTICE`] (the Choice list of the spec that
//! this screen edits), [`APPLICATION_ITEMS`] (the §4.1 変更申請 cases among Parts 1–2),
//! [`changes`], [`apply`] and [`issues`]. The pages follow.

use crate::change_store::{self, Change};
use crate::check::Issue;
use crate::form::{self, Group, Input as I, Need as N, PlanForm, Section, Values, Worker, f, h};
use crate::pages::{Pairs, base, control, message_page, organization};
use crate::state::PlanState;
use crate::view::{self, GroupView};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_store::{Conn, audit, review as reviews};
use madoguchi_web::confirm::{self, Confirmation, Step};
use madoguchi_web::ctx::{Chrome, Ctx, Origin, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::i18n::Tr;
use madoguchi_web::pages::html;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;

/// What a 変更届出 may change (the spec's Choice list, §4.5 item 2): 代表者, 電話番号, メール,
/// 担当者 (Part 1) and 就業場所 (Part 2; its 業務区分 is a 変更申請 item and stays as certified,
/// so a new 就業場所 is within the same 業務区分). The fields are the plan's own, same names and
/// limits. The spec's two worker items (在留カード番号 after renewal, CCUS 技能者ID after a pending
/// reason) are a worker's own notice: [`WORKER_CARD`], [`WORKER_CARD_CCUS`].
pub static NOTICE: Section = Section {
    key: "notice",
    groups: &[
        Group {
            legend: "plan.group.organization",
            fields: &[
                f("rep_title", I::Line(50), N::Always),
                f("rep_name", I::Line(50), N::Always),
                f("phone", I::Line(20), N::Always),
                h("email", I::Line(254), N::Always),
            ],
        },
        Group {
            legend: "plan.group.contact",
            fields: &[
                f("contact_department", I::Line(100), N::Always),
                f("contact_name", I::Line(50), N::Always),
                f("contact_phone", I::Line(20), N::Always),
                h("contact_email", I::Line(254), N::Always),
            ],
        },
        Group { legend: "plan.part.p2", fields: &[f("workplace", I::Area(500), N::Always)] },
    ],
};

/// Parts 1–2's items on the 認定証 that only a 変更申請 changes ([ML-jac0504] as §4.1 lists the
/// cases): 商号又は名称・本店所在地, 建設業の許可番号・許可期間 (the whole 許可), CCUS 事業者ID,
/// 所属団体, 常勤職員数, 受入期間, 業務区分. Read-only on the 変更届出 with the note.
pub const APPLICATION_ITEMS: [&str; 19] = [
    "name",
    "name_kana",
    "postal_code",
    "address",
    "permit_authority",
    "permit_kind",
    "permit_year",
    "permit_number",
    "permit_granted",
    "permit_expires",
    "permit_trades",
    "ccus_business_id",
    "membership",
    "association",
    "member_number",
    "fulltime",
    "period_start",
    "period_end",
    "categories",
];

/// A value list as compared: trimmed, empty entries dropped (an untouched empty field and a
/// missing one are the same).
fn normalized(values: &[String]) -> Vec<String> {
    values.iter().map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect()
}

/// The notice's fields that `typed` changes from the certified `fields`, in the form's order.
pub fn changes(certified: &Values, typed: &Values) -> Vec<Change> {
    NOTICE
        .fields()
        .filter_map(|field| {
            let before = normalized(form::all(certified, field.name));
            let after = normalized(form::all(typed, field.name));
            (before != after).then(|| Change { field: field.name.to_string(), before, after, worker: None })
        })
        .collect()
}

/// The certified snapshot with the changes made: its Part fields replaced, everything else (the
/// worker blocks, the files it was certified with) kept as it is. None for a snapshot this code
/// cannot read (never written by it).
pub fn apply(snapshot: &str, changes: &[Change]) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_str(snapshot).ok()?;
    for c in changes {
        let (target, name) = match worker_field(&c.field) {
            Some((key, name)) => {
                let workers = value.get_mut("workers")?.as_array_mut()?;
                let block =
                    workers.iter_mut().find(|w| w.get("key").and_then(|k| k.as_u64()) == Some(u64::from(key)))?;
                (block.as_object_mut()?.entry("fields").or_insert_with(|| serde_json::json!({})), name)
            }
            None => (value.as_object_mut()?.entry("fields").or_insert_with(|| serde_json::json!({})), c.field.as_str()),
        };
        target.as_object_mut()?.insert(name.to_string(), serde_json::json!(c.after));
    }
    serde_json::to_string(&value).ok()
}

/// The notice's refusals: lengths and required fields, then 電話番号 and メールアドレス as the
/// plan's checks read them.
pub fn issues(values: &Values) -> Vec<Issue> {
    let mut found = crate::check::basic_issues(NOTICE.key, &NOTICE, values);
    for field in ["phone", "contact_phone"] {
        let raw = form::one(values, field);
        if found.iter().all(|i| i.field != field)
            && !raw.trim().is_empty()
            && let Err(e) = crate::ids::phone(raw)
        {
            found.push(Issue { section: NOTICE.key.into(), field, key: e.message_key(), params: e.params() });
        }
    }
    for field in ["email", "contact_email"] {
        let raw = form::one(values, field);
        if found.iter().all(|i| i.field != field)
            && !raw.trim().is_empty()
            && !madoguchi_core::normalize::is_email(&madoguchi_core::normalize::email(raw))
        {
            found.push(Issue { section: NOTICE.key.into(), field, key: "plan.err.email", params: Vec::new() });
        }
    }
    found
}

/// A worker block's field of a change, `w<key>.<name>`: the key and the name.
pub fn worker_field(field: &str) -> Option<(u32, &str)> {
    let (worker, name) = field.strip_prefix('w')?.split_once('.')?;
    Some((worker.parse().ok()?, name))
}

/// A change in words: 「代表者の氏名：山田 太郎 → 山田 次郎」, a worker's
/// 「NGUYEN VAN A の在留カード番号：AB12345678CD → EF87654321GH」.
pub fn change_words(t: &Tr, c: &Change) -> String {
    let (name, section) = match worker_field(&c.field) {
        Some((_, name)) => (name, &form::WORKER),
        None => (c.field.as_str(), &NOTICE),
    };
    let key = format!("plan.field.{name}");
    let label = match &c.worker {
        Some(worker) => {
            t.get("plan.change_notice.worker_field").replace("{worker}", worker).replace("{field}", t.get(&key))
        }
        None => t.get(&key).to_string(),
    };
    let shown = |v: &[String]| {
        let values: Values = [(name.to_string(), v.to_vec())].into();
        let text = view::value(t, section, &values, name);
        if text.is_empty() { t.get("plan.change_notice.empty").to_string() } else { text }
    };
    format!("{label}：{} → {}", shown(&c.before), shown(&c.after))
}

// ---- the company's screen ----

/// The organization's certified plan as the notice reads it.
struct Certified {
    plan_id: i64,
    item: reviews::Item,
    form: PlanForm,
    reported: Vec<crate::report_store::Reported>,
}

impl Certified {
    /// The certified workers who have not left.
    fn staying(&self) -> impl Iterator<Item = &Worker> {
        self.form.workers.iter().filter(|w| crate::report_pages::state_of(&self.reported, w.key).0.counts())
    }
}

async fn certified(conn: &mut Conn, ctx: &Ctx, current: &CurrentUser) -> Result<Result<Certified, Response>, AppError> {
    let organization = organization(current)?;
    let Some(loaded) = crate::pages::load(conn, current, organization).await? else {
        return Ok(Err(Redirect::to(&base(current)).into_response()));
    };
    // A 変更申請 under review or returned: its 認定 would replace the certified version with
    // the proposal, undoing a notice filed meanwhile — the notice waits for the decision.
    if loaded.state == PlanState::Certified && loaded.item.as_ref().is_some_and(crate::office::bureau::is_change) {
        return Ok(Err(message_page(ctx, current, "plan.change_notice.change_pending", StatusCode::CONFLICT)?));
    }
    let (PlanState::Certified, Some(item)) = (loaded.state, loaded.item) else {
        return Ok(Err(message_page(ctx, current, "plan.change_notice.not_certified", StatusCode::CONFLICT)?));
    };
    let form = crate::report_pages::certified_form(&item);
    let reported = crate::report_store::of_plan(conn, loaded.plan.id).await?;
    Ok(Ok(Certified { plan_id: loaded.plan.id, item, form, reported }))
}

/// A notice as listed: when, what, and whether the office confirmed it.
pub struct NoticeLine {
    pub id: i64,
    pub filed_at: String,
    pub changes: Vec<String>,
    pub confirmed: Option<String>,
}

pub(crate) fn lines(ctx: &Ctx, notices: &[change_store::Notice]) -> Vec<NoticeLine> {
    notices
        .iter()
        .map(|n| NoticeLine {
            id: n.id,
            filed_at: format_ts(n.filed_at, ctx.lang),
            changes: n.changes.iter().map(|c| change_words(ctx.t, c)).collect(),
            confirmed: n.confirmed_at.map(|at| format_ts(at, ctx.lang)),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "plan/change_notice.html")]
pub struct NoticePage {
    pub chrome: Chrome,
    pub notice: Option<String>,
    pub action: String,
    pub groups: Vec<GroupView>,
    pub errors: FieldErrors,
    /// (label, value) of the items that need a 変更申請.
    pub fixed: Vec<(String, String)>,
    pub history: Vec<NoticeLine>,
    /// (name, href) of each worker who has not left: their 在留カード番号 / CCUS 技能者ID notice.
    pub workers: Vec<(String, String)>,
    pub back: String,
}

fn page(
    ctx: &Ctx,
    current: &CurrentUser,
    c: &Certified,
    history: &[change_store::Notice],
    values: &Values,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let base = base(current);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let fixed = APPLICATION_ITEMS
        .iter()
        .map(|name| {
            let section = form::part("p1").filter(|s| s.field(name).is_some()).unwrap_or(&form::PART2);
            (ctx.t.get(&format!("plan.field.{name}")).to_string(), view::value(ctx.t, section, &c.form.fields, name))
        })
        .collect();
    let page = html(&NoticePage {
        chrome: ctx.chrome(ctx.t.get("plan.change_notice.title"), Some(&current.portal), None),
        notice,
        action: format!("{base}/change-notice"),
        groups: view::groups(ctx.t, &NOTICE, values),
        errors,
        fixed,
        history: lines(ctx, history),
        workers: c
            .staying()
            .map(|w| {
                (form::one(&w.fields, "name_roman").to_string(), format!("{base}/change-notice/workers/{}", w.key))
            })
            .collect(),
        back: format!("{base}/view"),
    })?;
    Ok((status, page).into_response())
}

/// The certified values of the notice's fields, as the form starts.
fn current_values(c: &Certified) -> Values {
    NOTICE.fields().filter_map(|f| c.form.fields.get(f.name).map(|v| (f.name.to_string(), v.clone()))).collect()
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    pub done: String,
}

pub async fn notice_form(
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
    let history = change_store::of_plan(&mut conn, c.plan_id).await?;
    let notice = (query.done == "filed").then(|| ctx.t.get("plan.change_notice.done").to_string());
    page(&ctx, &current, &c, &history, &current_values(&c), FieldErrors::default(), notice)
}

/// 「確認へ」: the form checked (422 with the messages beside the fields; nothing changed is a
/// message too), then 「変更届出を提出します。よろしいですか？」 with each change before → after,
/// then (「はい」) in one transaction: the certified version replaced, the notice kept, the audit
/// event. A second 「はい」 of the same confirmation finds nothing left to change and records
/// nothing.
pub async fn file_notice(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    let now = state.clock.unix();
    let base = base(&current);
    let mut values = Values::new();
    form::take_section(&NOTICE, &mut values, &pairs);
    let mut tx = state.store.begin().await?;
    let c = match certified(&mut tx, &ctx, &current).await? {
        Ok(c) => c,
        Err(response) => return Ok(response),
    };
    let history = change_store::of_plan(&mut tx, c.plan_id).await?;
    let step = Step::of(control(&pairs, confirm::STEP_FIELD));
    if step == Step::Back {
        return page(&ctx, &current, &c, &history, &values, FieldErrors::default(), None);
    }
    let found = issues(&values);
    if !found.is_empty() {
        let mut errors = FieldErrors::default();
        for issue in &found {
            errors.add(issue.field, &view::message(ctx.t, issue));
        }
        return page(&ctx, &current, &c, &history, &values, errors, None);
    }
    let changed = changes(&c.form.fields, &values);
    if changed.is_empty() {
        if step == Step::Confirmed {
            // Filed already (a second 「はい」, another tab): nothing twice.
            return Ok(Redirect::to(&format!("{base}/change-notice")).into_response());
        }
        let errors = FieldErrors::form(ctx.t.get("plan.change_notice.unchanged"));
        return page(&ctx, &current, &c, &history, &values, errors, None);
    }
    if step != Step::Confirmed {
        drop(tx);
        return confirmation_page(&ctx, &current, format!("{base}/change-notice"), &changed, &values);
    }
    record(tx, &current, &origin, &c, &changed, now).await
}

/// 「はい」 of a notice: the certified version replaced, the notice kept, the audit event, in
/// one transaction; then the notice's screen with 「変更届出を提出しました。…」.
async fn record(
    mut tx: madoguchi_store::Tx,
    current: &CurrentUser,
    origin: &Origin,
    c: &Certified,
    changed: &[Change],
    now: i64,
) -> Result<Response, AppError> {
    let base = base(current);
    let before = c.item.approved_snapshot.clone().unwrap_or_default();
    let after = apply(&before, changed).ok_or_else(|| AppError::Internal("a certified snapshot unread".into()))?;
    if !reviews::replace_approved(&mut tx, c.item.id, &before, &after, now).await? {
        // Another notice changed the certified version meanwhile: the form again, from it.
        drop(tx);
        return Ok(Redirect::to(&format!("{base}/change-notice")).into_response());
    }
    let id = change_store::record(&mut tx, c.plan_id, changed, current.user.id, now).await?;
    let actor = format!("user:{}", current.user.id);
    let fields: Vec<&str> = changed.iter().map(|c| c.field.as_str()).collect();
    let detail = format!("plan {} notice {id}; fields: {}", c.plan_id, fields.join(","));
    let entry = audit_entry(&current.portal, origin, "plan.change_notified", Some(&actor), Some(&detail));
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{base}/change-notice?done=filed")).into_response())
}

/// The confirmation of `changed`, carrying what was typed, posted back to `action`.
fn confirmation_page(
    ctx: &Ctx,
    current: &CurrentUser,
    action: String,
    changed: &[Change],
    values: &Values,
) -> Result<Response, AppError> {
    let mut confirmation = Confirmation::new(ctx, ctx.t.get("plan.change_notice.confirm"), action);
    for ch in changed {
        let words = change_words(ctx.t, ch);
        let (label, rest) = words.split_once('：').unwrap_or((&words, ""));
        confirmation = confirmation.fact(label.to_string(), rest.to_string());
    }
    for (name, list) in values {
        for v in list {
            confirmation = confirmation.carry(name, v.clone());
        }
    }
    let title = ctx.t.get("plan.change_notice.title");
    Ok(confirm::page(ctx, title, Some(&current.portal), None, confirmation)?.into_response())
}

// ---- a worker's 在留カード番号 and CCUS 技能者ID ----

/// A worker's notice (the spec's 在留カード番号 after renewal): the card's number alone.
pub static WORKER_CARD: Section = Section {
    key: "notice_worker",
    groups: &[Group { legend: "plan.group.person", fields: &[h("residence_card", I::Line(20), N::Optional)] }],
};

/// The same with the CCUS 技能者ID, for a worker certified with a pending reason (「海外在住…」,
/// 「他社に勤務中…」): the ID, once issued, is filed by 変更届出 [ML-jac0304].
pub static WORKER_CARD_CCUS: Section = Section {
    key: "notice_worker",
    groups: &[Group {
        legend: "plan.group.person",
        fields: &[h("residence_card", I::Line(20), N::Optional), h("ccus_id", I::Line(20), N::Optional)],
    }],
};

/// The worker's notice form: the CCUS field only while the certified ID is pending.
pub fn worker_section(w: &Worker) -> &'static Section {
    let pending = form::one(&w.fields, "ccus_id").trim().is_empty() && !form::one(&w.fields, "ccus_reason").is_empty();
    if pending { &WORKER_CARD_CCUS } else { &WORKER_CARD }
}

/// The refusals of a worker's notice: a 在留カード番号 or CCUS 技能者ID of the wrong shape (the
/// pending reasons are not offered: the notice is for the issued ID).
pub fn worker_issues(section: &'static Section, typed: &Values) -> Vec<Issue> {
    let mut found = crate::check::basic_issues(section.key, section, typed);
    let card = form::one(typed, "residence_card");
    if !card.trim().is_empty()
        && found.iter().all(|i| i.field != "residence_card")
        && let Err(e) = crate::ids::residence_card(card)
    {
        found.push(Issue {
            section: section.key.into(),
            field: "residence_card",
            key: e.message_key(),
            params: e.params(),
        });
    }
    let ccus = form::one(typed, "ccus_id");
    if section.field("ccus_id").is_some()
        && !ccus.trim().is_empty()
        && found.iter().all(|i| i.field != "ccus_id")
        && let Err(e) = crate::ids::ccus_worker_id(ccus, "")
    {
        found.push(Issue { section: section.key.into(), field: "ccus_id", key: e.message_key(), params: e.params() });
    }
    found
}

/// What a worker's notice changes, each value as the plan's rule folds it (upper-case card,
/// the ID's digits). A field left empty is unchanged (a card number is renewed, not removed);
/// the ID given ends the pending reason.
pub fn worker_changes(w: &Worker, typed: &Values) -> Vec<Change> {
    let name = form::one(&w.fields, "name_roman").to_string();
    let change = |field: &str, before: &str, after: &str| Change {
        field: format!("w{}.{field}", w.key),
        before: normalized(&[before.to_string()]),
        after: normalized(&[after.to_string()]),
        worker: Some(name.clone()),
    };
    let mut found = Vec::new();
    if let Ok(card) = crate::ids::residence_card(form::one(typed, "residence_card"))
        && card != form::one(&w.fields, "residence_card").trim()
    {
        found.push(change("residence_card", form::one(&w.fields, "residence_card"), &card));
    }
    if worker_section(w).field("ccus_id").is_some()
        && let Ok(crate::ids::CcusId::Id(id)) = crate::ids::ccus_worker_id(form::one(typed, "ccus_id"), "")
    {
        found.push(change("ccus_id", "", &id));
        found.push(change("ccus_reason", form::one(&w.fields, "ccus_reason"), ""));
    }
    found
}

/// A worker of the certified plan who has not left, or the page that says why not (404 for a
/// key the plan does not have).
fn notice_worker<'a>(
    ctx: &Ctx,
    current: &CurrentUser,
    c: &'a Certified,
    key: &str,
) -> Result<Result<&'a Worker, Response>, AppError> {
    let key: u32 = key.parse().map_err(|_| AppError::NotFound)?;
    let w = c.form.worker(key).ok_or(AppError::NotFound)?;
    if c.staying().all(|s| s.key != w.key) {
        return Ok(Err(message_page(ctx, current, "plan.change_notice.worker_left", StatusCode::CONFLICT)?));
    }
    Ok(Ok(w))
}

fn worker_page(
    ctx: &Ctx,
    current: &CurrentUser,
    w: &Worker,
    values: &Values,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let base = base(current);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let title = ctx.t.get("plan.change_notice.worker_title");
    let shown = |name: &str| view::value(ctx.t, &form::WORKER, &w.fields, name);
    let page = html(&crate::report_pages::ReportPage {
        chrome: ctx.chrome(title, Some(&current.portal), None),
        heading: title.to_string(),
        facts: vec![
            (ctx.t.get("plan.report.col.worker").to_string(), form::one(&w.fields, "name_roman").to_string()),
            (ctx.t.get("plan.field.residence_card").to_string(), shown("residence_card")),
            (ctx.t.get("plan.field.ccus_id").to_string(), shown("ccus_id") + &shown("ccus_reason")),
        ],
        intro: ctx.t.get("plan.change_notice.worker_intro").to_string(),
        action: format!("{base}/change-notice/workers/{}", w.key),
        groups: view::groups(ctx.t, worker_section(w), values),
        errors,
        back: format!("{base}/change-notice"),
    })?;
    Ok((status, page).into_response())
}

pub async fn worker_form(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_portal, key)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let mut conn = state.store.acquire().await?;
    let c = match certified(&mut conn, &ctx, &current).await? {
        Ok(c) => c,
        Err(response) => return Ok(response),
    };
    let w = match notice_worker(&ctx, &current, &c, &key)? {
        Ok(w) => w,
        Err(response) => return Ok(response),
    };
    worker_page(&ctx, &current, w, &Values::new(), FieldErrors::default())
}

/// A worker's notice: checked, confirmed, recorded as the Parts' notice is.
pub async fn file_worker_notice(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_portal, key)): Path<(String, String)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    let now = state.clock.unix();
    let base = base(&current);
    let mut tx = state.store.begin().await?;
    let c = match certified(&mut tx, &ctx, &current).await? {
        Ok(c) => c,
        Err(response) => return Ok(response),
    };
    let w = match notice_worker(&ctx, &current, &c, &key)? {
        Ok(w) => w,
        Err(response) => return Ok(response),
    };
    let section = worker_section(w);
    let mut values = Values::new();
    form::take_section(section, &mut values, &pairs);
    let step = Step::of(control(&pairs, confirm::STEP_FIELD));
    if step == Step::Back {
        return worker_page(&ctx, &current, w, &values, FieldErrors::default());
    }
    let found = worker_issues(section, &values);
    if !found.is_empty() {
        let mut errors = FieldErrors::default();
        for issue in &found {
            errors.add(issue.field, &view::message(ctx.t, issue));
        }
        return worker_page(&ctx, &current, w, &values, errors);
    }
    let changed = worker_changes(w, &values);
    if changed.is_empty() {
        if step == Step::Confirmed {
            return Ok(Redirect::to(&format!("{base}/change-notice")).into_response());
        }
        let errors = FieldErrors::form(ctx.t.get("plan.change_notice.unchanged"));
        return worker_page(&ctx, &current, w, &values, errors);
    }
    if step != Step::Confirmed {
        drop(tx);
        let action = format!("{base}/change-notice/workers/{}", w.key);
        return confirmation_page(&ctx, &current, action, &changed, &values);
    }
    record(tx, &current, &origin, &c, &changed, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> Values {
        pairs.iter().map(|(k, v)| (k.to_string(), vec![v.to_string()])).collect()
    }

    /// The notice edits only the plan's own fields, none of the 変更申請 items, and none twice.
    #[test]
    fn the_notice_and_the_application_items_are_apart() {
        for field in NOTICE.fields() {
            assert!(!APPLICATION_ITEMS.contains(&field.name), "{} is both", field.name);
            let plan = form::part("p1").and_then(|s| s.field(field.name)).or_else(|| form::PART2.field(field.name));
            assert_eq!(plan.map(|p| p.input), Some(field.input), "{} differs from the plan's field", field.name);
        }
        for name in APPLICATION_ITEMS {
            let known = form::part("p1").is_some_and(|s| s.field(name).is_some()) || form::PART2.field(name).is_some();
            assert!(known, "{name} is no field of Parts 1–2");
        }
    }

    #[test]
    fn only_what_differs_is_a_change() {
        let certified = values(&[("contact_name", "山田 太郎"), ("phone", "0312345678"), ("name", "山田建設")]);
        let typed = values(&[("contact_name", " 山田 次郎 "), ("phone", "0312345678"), ("workplace", "")]);
        let found = changes(&certified, &typed);
        assert_eq!(
            found,
            vec![Change {
                field: "contact_name".into(),
                before: vec!["山田 太郎".into()],
                after: vec!["山田 次郎".into()],
                worker: None,
            }]
        );
        assert!(changes(&certified, &certified).is_empty());
    }

    #[test]
    fn the_change_keeps_the_workers_and_files() {
        let snapshot = r#"{"fields":{"name":["山田建設"],"contact_name":["山田 太郎"]},"workers":[{"key":1,"fields":{}}],"next_worker":2,"attachments":[{"kind":"registry","file_id":7,"name":"a.pdf"}]}"#;
        let change = Change {
            field: "contact_name".into(),
            before: vec!["山田 太郎".into()],
            after: vec!["佐藤 花子".into()],
            worker: None,
        };
        let card = Change {
            field: "w1.residence_card".into(),
            before: vec![],
            after: vec!["EF87654321GH".into()],
            worker: Some("NGUYEN VAN A".into()),
        };
        let after = apply(snapshot, &[change, card]).expect("applied");
        let value: serde_json::Value = serde_json::from_str(&after).expect("json");
        assert_eq!(value["fields"]["contact_name"][0], "佐藤 花子");
        assert_eq!(value["fields"]["name"][0], "山田建設");
        assert_eq!(value["workers"][0]["key"], 1);
        assert_eq!(value["workers"][0]["fields"]["residence_card"][0], "EF87654321GH");
        assert_eq!(worker_field("w12.ccus_id"), Some((12, "ccus_id")));
        assert_eq!(worker_field("workplace"), None);
        assert_eq!(value["attachments"][0]["file_id"], 7);
        assert_eq!(apply("not json", &[]), None);
    }

    #[test]
    fn bad_contact_data_is_refused() {
        let mut typed = values(&[
            ("rep_title", "代表取締役"),
            ("rep_name", "山田 太郎"),
            ("phone", "03-1234-5678"),
            ("email", "a@example.jp"),
            ("contact_department", "総務部"),
            ("contact_name", "佐藤 花子"),
            ("contact_phone", "03-1234-5679"),
            ("contact_email", "b@example.jp"),
            ("workplace", "東京都千代田区"),
        ]);
        assert!(issues(&typed).is_empty(), "{:?}", issues(&typed));
        typed.insert("contact_email".into(), vec!["not-a-mail".into()]);
        typed.insert("contact_name".into(), vec![String::new()]);
        let found: Vec<_> = issues(&typed).into_iter().map(|i| (i.field, i.key)).collect();
        assert!(found.contains(&("contact_email", "plan.err.email")), "{found:?}");
        assert!(found.iter().any(|(f, _)| *f == "contact_name"), "{found:?}");
    }

    fn worker(fields: &[(&str, &str)]) -> Worker {
        Worker { key: 3, fields: values(fields) }
    }

    #[test]
    fn a_renewed_card_and_an_issued_ccus_id_are_worker_changes() {
        let pending =
            worker(&[("name_roman", "NGUYEN VAN A"), ("residence_card", "AB12345678CD"), ("ccus_reason", "abroad")]);
        assert!(std::ptr::eq(worker_section(&pending), &WORKER_CARD_CCUS));
        let found =
            worker_changes(&pending, &values(&[("residence_card", "ef87654321gh"), ("ccus_id", "1234 5678 9012 34")]));
        let fields: Vec<(&str, &[String])> = found.iter().map(|c| (c.field.as_str(), c.after.as_slice())).collect();
        assert_eq!(
            fields,
            vec![
                ("w3.residence_card", &["EF87654321GH".to_string()][..]),
                ("w3.ccus_id", &["12345678901234".to_string()][..]),
                ("w3.ccus_reason", &[][..]),
            ]
        );
        assert!(found.iter().all(|c| c.worker.as_deref() == Some("NGUYEN VAN A")));
        // Empty or the same: nothing; an ID already certified is not on the form.
        assert!(worker_changes(&pending, &values(&[("residence_card", "AB12345678CD")])).is_empty());
        let issued = worker(&[("residence_card", "AB12345678CD"), ("ccus_id", "12345678901234")]);
        assert!(std::ptr::eq(worker_section(&issued), &WORKER_CARD));
        assert!(worker_changes(&issued, &values(&[("ccus_id", "99999999999999")])).is_empty());
    }

    #[test]
    fn a_worker_notice_of_the_wrong_shape_is_refused() {
        let found = worker_issues(&WORKER_CARD_CCUS, &values(&[("residence_card", "AB1234567C"), ("ccus_id", "123")]));
        let keys: Vec<_> = found.iter().map(|i| (i.field, i.key)).collect();
        assert_eq!(keys, vec![("residence_card", "plan.err.residence_card"), ("ccus_id", "plan.err.ccus_id")]);
        assert!(worker_issues(&WORKER_CARD, &values(&[("residence_card", "AB12345678CD")])).is_empty());
    }
}
