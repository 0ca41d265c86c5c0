//! 新規申請 (mlit-plan.md §4.2, §4.4; modules spec §0.1): the plan's overview with what each
//! section still misses, the start of a plan (the 仮申請's e-mail prefilled as the contact), the
//! section forms of Parts 1–5 and the worker blocks of Part 6 (added and removed in `workers`), every one
//! stored by 「一時保存」 at any point, checked by 「保存して次へ」 with the messages beside the fields
//! and in the summary, and refused as stale when another tab saved first (409).

use crate::change_rules::{self, Locked};
use crate::check::{self, Issue};
use crate::form::{self, PlanForm, Section, Values};
use crate::state::PlanState;
use crate::store::{self, Plan};
use crate::view::{self, GroupView};
use crate::{KIND, MODULE};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use madoguchi_core::review::ReviewState;
use madoguchi_store::review::{self as reviews, ItemKey, Scope};
use madoguchi_store::{Conn, drafts};
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::draft_seal::restore::FormUser;
use madoguchi_web::error::AppError;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;

pub(crate) type Pairs = Vec<(String, String)>;

/// The organization of the signed-in user where the portal has the module; 404 otherwise.
pub(crate) fn organization(current: &CurrentUser) -> Result<i64, AppError> {
    if !current.portal.settings.modules.contains(&MODULE) {
        return Err(AppError::NotFound);
    }
    current.user.organization_id.ok_or(AppError::NotFound)
}

pub(crate) fn base(current: &CurrentUser) -> String {
    format!("/{}/plan", current.portal.id)
}

pub(crate) fn key(current: &CurrentUser, plan_id: i64) -> ItemKey<'_> {
    ItemKey { portal: &current.portal.id, kind: KIND, item_id: plan_id }
}

/// The JST date of `now`: the application date the checks run against.
pub(crate) fn today(now: i64) -> Result<chrono::NaiveDate, AppError> {
    madoguchi_core::publication::jst_date(now).ok_or_else(|| AppError::Internal(format!("time {now} out of range")))
}

/// The organization's plan with its review item, its state and its open draft.
pub(crate) struct Loaded {
    pub plan: Plan,
    pub item: Option<reviews::Item>,
    pub state: PlanState,
    pub draft: Option<drafts::Draft>,
}

pub(crate) async fn load(
    conn: &mut Conn,
    current: &CurrentUser,
    organization: i64,
) -> Result<Option<Loaded>, AppError> {
    load_in(conn, &current.portal.id, organization).await
}

/// [`load`] by the portal's id (the restore after the idle logout has no session yet).
pub(crate) async fn load_in(conn: &mut Conn, portal: &str, organization: i64) -> Result<Option<Loaded>, AppError> {
    let Some(plan) = store::of_organization(conn, portal, organization).await? else {
        return Ok(None);
    };
    let key = ItemKey { portal, kind: KIND, item_id: plan.id };
    let item = reviews::find(conn, key, Scope::Organization(organization)).await?;
    let state = PlanState::from_review(
        item.as_ref().map(|i| i.state),
        item.as_ref().is_some_and(|i| i.approved_revision.is_some()),
    );
    let draft = drafts::of_item(conn, portal, organization, KIND, plan.id).await?;
    Ok(Some(Loaded { plan, item, state, draft }))
}

/// The form the organization edits: its draft, else (補正中, edited in place) the snapshot the
/// office returned.
pub(crate) fn form_of(loaded: &Loaded) -> PlanForm {
    match (&loaded.draft, &loaded.item) {
        (Some(d), _) => PlanForm::from_json(&d.payload),
        (None, Some(i)) => PlanForm::from_json(i.pending_snapshot.as_deref().unwrap_or("{}")),
        (None, None) => PlanForm::default(),
    }
}

/// A new plan's form: the 仮申請's address as the organization's and the contact's
/// (「仮登録時に登録されたメールアドレスは、新規申請の際の…情報に反映されます。」 [M-M] §2.1).
fn prefilled(current: &CurrentUser) -> PlanForm {
    let mut plan = PlanForm::default();
    for name in ["email", "contact_email"] {
        plan.fields.insert(name.into(), vec![current.user.email.clone()]);
    }
    plan
}

pub(crate) fn missing(plan: &PlanForm) -> drafts::Missing {
    drafts::Missing(form::missing(plan))
}

#[derive(Template)]
#[template(path = "plan/message.html")]
pub struct MessagePage {
    pub chrome: Chrome,
    pub message: String,
    pub back: String,
    pub back_label: String,
}

/// A page that says why nothing was done, with the way back.
pub(crate) fn message_page(
    ctx: &Ctx,
    current: &CurrentUser,
    key: &str,
    status: StatusCode,
) -> Result<Response, AppError> {
    let page = html(&MessagePage {
        chrome: ctx.chrome(ctx.t.get("plan.title"), Some(&current.portal), None),
        message: ctx.t.get(key).to_string(),
        back: base(current),
        back_label: ctx.t.get("plan.back_to_plan").to_string(),
    })?;
    Ok((status, page).into_response())
}

// ---- the overview (新規申請) ----

pub struct SectionLine {
    pub title: String,
    pub href: String,
    /// The office's comment on this section (補正中).
    pub comment: Option<String>,
    pub missing: usize,
    pub issues: usize,
}

pub struct WorkerLine {
    pub key: u32,
    pub name: String,
    pub href: String,
    pub comment: Option<String>,
    pub remove: String,
    pub missing: usize,
    pub issues: usize,
}

#[derive(Template)]
#[template(path = "plan/overview.html")]
pub struct OverviewPage {
    pub chrome: Chrome,
    pub started: bool,
    pub state: String,
    pub notice: Option<String>,
    pub version: i64,
    pub sections: Vec<SectionLine>,
    pub workers: Vec<WorkerLine>,
    pub start_action: String,
    pub add_worker: String,
    pub attachments: String,
    pub apply: String,
    pub returned: Option<Returned>,
    /// The office's comment on the attachments (補正中).
    pub attachments_comment: Option<String>,
    /// A 変更申請: what it may change (the rest is the certified plan, shown locked).
    pub change_hint: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

/// The section's wrong entries: its issues other than the empty required fields (counted apart).
fn issues_in(issues: &[Issue], section: &str, missing: &[&str]) -> usize {
    issues.iter().filter(|i| i.section == section && !missing.contains(&i.field)).count()
}

/// The office's last word while the plan waits on the organization: in 補正中 the 補正依頼 (its
/// text and its per-section comments), after 不認定 the reason — of the plan, or of a refused
/// 変更申請.
pub struct Returned {
    /// `plan.returned`, `plan.rejected` or `plan.change.rejected`: the heading of the box.
    pub heading: &'static str,
    pub reason: String,
    /// (section, comment): `p1` … `p5`, `w<key>`, `attachments`.
    pub comments: Vec<(String, String)>,
}

impl Returned {
    /// The office's comment on `section`, if any.
    pub fn comment(&self, section: &str) -> Option<String> {
        self.comments.iter().find(|(k, _)| k == section).map(|(_, v)| v.clone())
    }
}

pub(crate) async fn returned(
    conn: &mut Conn,
    current: &CurrentUser,
    organization: i64,
    loaded: &Loaded,
) -> Result<Option<Returned>, AppError> {
    let (action, heading) = match loaded.state {
        PlanState::InCorrection => (madoguchi_core::review::ReviewAction::Return, "plan.returned"),
        PlanState::Rejected => (madoguchi_core::review::ReviewAction::Reject, "plan.rejected"),
        // A 変更申請 returned for correction (with or without the draft made from it).
        PlanState::Certified if loaded.item.as_ref().is_some_and(|i| i.state == ReviewState::Returned) => {
            (madoguchi_core::review::ReviewAction::Return, "plan.returned")
        }
        // A 変更申請 refused: the certified version stays in force, the reason is said until
        // the next change is applied for.
        PlanState::Certified if loaded.item.as_ref().is_some_and(|i| i.state == ReviewState::Rejected) => {
            (madoguchi_core::review::ReviewAction::Reject, "plan.change.rejected")
        }
        _ => return Ok(None),
    };
    let history = reviews::history(conn, key(current, loaded.plan.id), Scope::Organization(organization)).await?;
    let Some(event) = history.into_iter().rev().find(|e| e.action == action) else { return Ok(None) };
    let comments = store::comments(conn, loaded.plan.id, event.seq).await?;
    Ok(Some(Returned { heading, reason: event.reason.unwrap_or_default(), comments }))
}

pub async fn overview(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let base = base(&current);
    let mut conn = state.store.acquire().await?;
    let loaded = load(&mut conn, &current, organization).await?;
    if let Some(l) = &loaded
        && !l.may_edit()
    {
        return Ok(Redirect::to(&format!("{base}/view")).into_response());
    }
    let plan = loaded.as_ref().map(form_of).unwrap_or_default();
    let issues = check::check(&plan, today(state.clock.unix())?);
    let returned = match &loaded {
        Some(l) => returned(&mut conn, &current, organization, l).await?,
        None => None,
    };
    let comment = |section: &str| returned.as_ref().and_then(|r| r.comment(section));
    let sections = form::PARTS
        .iter()
        .map(|s| {
            let missing = form::missing_in(s, &plan.fields);
            SectionLine {
                title: ctx.t.get(&format!("plan.part.{}", s.key)).to_string(),
                href: format!("{base}/part/{}", s.key),
                comment: comment(s.key),
                missing: missing.len(),
                issues: issues_in(&issues, s.key, &missing),
            }
        })
        .collect();
    let certified = loaded.as_ref().filter(|l| l.changing()).and_then(Loaded::certified);
    let workers = plan
        .workers
        .iter()
        .map(|w| {
            let kept = certified.as_ref().is_some_and(|c| c.worker(w.key).is_some());
            let missing = form::missing_in(&form::WORKER, &w.fields);
            WorkerLine {
                key: w.key,
                name: form::one(&w.fields, "name_roman").to_string(),
                href: format!("{base}/workers/{}", w.key),
                comment: comment(&format!("w{}", w.key)),
                // A certified worker stays on a 変更申請's list: no 「削除」.
                remove: if kept { String::new() } else { format!("{base}/workers/{}/remove", w.key) },
                missing: missing.len(),
                issues: issues_in(&issues, &format!("w{}", w.key), &missing),
            }
        })
        .collect();
    let notice = match query.done.as_str() {
        "saved" => Some(ctx.t.get("plan.saved").to_string()),
        "removed" => Some(ctx.t.get("plan.worker_removed").to_string()),
        _ => None,
    };
    let attachments_comment = comment("attachments");
    let state_key = loaded.as_ref().map_or(PlanState::Unregistered, |l| l.state).label_key();
    Ok(html(&OverviewPage {
        chrome: ctx.chrome(
            ctx.t.get(if certified.is_some() { "plan.change.title" } else { "plan.new.title" }),
            Some(&current.portal),
            Some(Screen::PlanNew),
        ),
        change_hint: certified.is_some().then(|| ctx.t.get("plan.change.hint").to_string()),
        started: loaded.is_some(),
        state: ctx.t.get(&state_key).to_string(),
        notice,
        version: loaded.as_ref().and_then(|l| l.draft.as_ref()).map_or(0, |d| d.version),
        sections,
        workers,
        start_action: format!("{base}/start"),
        add_worker: format!("{base}/workers"),
        attachments: format!("{base}/attachments"),
        apply: format!("{base}/apply"),
        returned,
        attachments_comment,
    })?
    .into_response())
}

/// The draft of an editable plan, made now when there is none (a new plan: prefilled; 補正中:
/// from the returned snapshot), and whether it was made now. None when the plan is not the
/// organization's to edit.
pub(crate) async fn editable_draft(
    conn: &mut Conn,
    current: &CurrentUser,
    organization: i64,
    now: i64,
) -> Result<Option<(Loaded, drafts::Draft, bool)>, AppError> {
    let Some(mut loaded) = load(conn, current, organization).await? else {
        return Ok(None);
    };
    if !loaded.may_edit() {
        return Ok(None);
    }
    if loaded.draft.is_none() {
        // Pressed in two tabs at once: the second waits here and finds the first one's draft.
        store::lock(conn, loaded.plan.id).await?;
        loaded.draft = drafts::of_item(conn, &current.portal.id, organization, KIND, loaded.plan.id).await?;
    }
    if let Some(d) = loaded.draft.clone() {
        return Ok(Some((loaded, d, false)));
    }
    let plan = if loaded.item.is_some() { form_of(&loaded) } else { prefilled(current) };
    let payload = plan.to_json();
    let missing = missing(&plan);
    let new = drafts::NewDraft {
        portal: &current.portal.id,
        organization_id: organization,
        author_user_id: current.user.id,
        kind: KIND,
        item_id: Some(loaded.plan.id),
        payload: &payload,
        missing: &missing,
    };
    drafts::create(conn, &new, now).await?;
    loaded.draft = drafts::of_item(conn, &current.portal.id, organization, KIND, loaded.plan.id).await?;
    let draft = loaded.draft.clone().ok_or(AppError::NotFound)?;
    Ok(Some((loaded, draft, true)))
}

/// 「新規申請を開始する」: the plan row and its prefilled draft (both once, whatever is pressed twice).
pub async fn start(State(state): State<AppState>, current: CurrentUser) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let now = state.clock.unix();
    let mut tx = state.store.begin().await?;
    store::start(&mut tx, &current.portal.id, organization, now).await?;
    editable_draft(&mut tx, &current, organization, now).await?;
    tx.commit().await?;
    Ok(Redirect::to(&base(&current)).into_response())
}

// ---- a section (Parts 1–5, or a worker) ----

#[derive(Template)]
#[template(path = "plan/section.html")]
pub struct SectionPage {
    pub chrome: Chrome,
    pub heading: String,
    pub action: String,
    pub version: i64,
    pub groups: Vec<GroupView>,
    pub errors: FieldErrors,
    /// A stale save: what is stored now, read-only beside the typed form.
    pub latest: Option<Vec<view::ShownGroup>>,
    pub notice: Option<String>,
    /// The office's comment on this section (補正中).
    pub comment: Option<String>,
    pub next_label: String,
    pub back: String,
}

/// Which section an address names: a Part, or a worker block by its key.
#[derive(Clone, Copy)]
pub(crate) enum Target {
    Part(&'static Section),
    Worker(u32),
}

impl Target {
    pub(crate) fn section(self) -> &'static Section {
        match self {
            Target::Part(s) => s,
            Target::Worker(_) => &form::WORKER,
        }
    }

    pub(crate) fn id(self) -> String {
        match self {
            Target::Part(s) => s.key.to_string(),
            Target::Worker(k) => format!("w{k}"),
        }
    }

    pub(crate) fn values(self, plan: &PlanForm) -> Option<Values> {
        match self {
            Target::Part(_) => Some(plan.fields.clone()),
            Target::Worker(k) => plan.worker(k).map(|w| w.fields.clone()),
        }
    }

    pub(crate) fn values_mut(self, plan: &mut PlanForm) -> Option<&mut Values> {
        match self {
            Target::Part(_) => Some(&mut plan.fields),
            Target::Worker(k) => plan.workers.iter_mut().find(|w| w.key == k).map(|w| &mut w.fields),
        }
    }

    fn heading(self, ctx: &Ctx, plan: &PlanForm) -> String {
        match self {
            Target::Part(s) => ctx.t.get(&format!("plan.part.{}", s.key)).to_string(),
            Target::Worker(k) => {
                let n = plan.workers.iter().position(|w| w.key == k).map_or(0, |i| i + 1);
                ctx.t.get("plan.worker.heading").replace("{n}", &n.to_string())
            }
        }
    }

    /// Where 「保存して次へ」 goes when the section has no issue: the next Part, the first
    /// worker after Part 5 (or the overview), the overview after a worker.
    fn next(self, base: &str, plan: &PlanForm) -> String {
        match self {
            Target::Part(s) => match form::PARTS.iter().position(|p| p.key == s.key) {
                Some(i) if i + 1 < form::PARTS.len() => format!("{base}/part/{}", form::PARTS[i + 1].key),
                _ => match plan.workers.first() {
                    Some(w) => format!("{base}/workers/{}", w.key),
                    None => base.to_string(),
                },
            },
            Target::Worker(_) => base.to_string(),
        }
    }

    pub(crate) fn action(self, base: &str) -> String {
        match self {
            Target::Part(s) => format!("{base}/part/{}", s.key),
            Target::Worker(k) => format!("{base}/workers/{k}"),
        }
    }
}

pub(crate) fn part_target(part: &str) -> Result<Target, AppError> {
    form::part(part).map(Target::Part).ok_or(AppError::NotFound)
}

pub(crate) fn worker_target(key: &str) -> Result<Target, AppError> {
    key.parse::<u32>().map(Target::Worker).map_err(|_| AppError::NotFound)
}

struct Shape {
    comment: Option<String>,
    version: i64,
    errors: FieldErrors,
    latest: Option<Vec<view::ShownGroup>>,
    /// 「セッションの有効期限が切れたため、…保存しました。」 after a restored form.
    notice: Option<String>,
}

fn section_page(
    ctx: &Ctx,
    current: &CurrentUser,
    target: Target,
    plan: &PlanForm,
    values: &Values,
    shape: Shape,
    change: Option<&PlanForm>,
) -> Result<Html<String>, AppError> {
    let base = base(current);
    let heading = target.heading(ctx, plan);
    let mut groups = view::groups(ctx.t, target.section(), values);
    if let Some(certified) = change {
        view::lock(&mut groups, |name| change_rules::editable_in_change(certified, target, name));
    }
    html(&SectionPage {
        chrome: ctx.chrome(heading.clone(), Some(&current.portal), Some(Screen::PlanSection)),
        heading,
        action: target.action(&base),
        version: shape.version,
        groups,
        errors: shape.errors,
        latest: shape.latest,
        notice: shape.notice,
        comment: shape.comment,
        next_label: ctx
            .t
            .get(match target {
                Target::Part(_) => "plan.form.next",
                Target::Worker(_) => "plan.form.save_worker",
            })
            .to_string(),
        back: base,
    })
}

async fn show(
    state: AppState,
    current: CurrentUser,
    ctx: Ctx,
    target: Target,
    query: RestoredQuery,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let mut conn = state.store.acquire().await?;
    let Some(loaded) = load(&mut conn, &current, organization).await? else {
        return Ok(Redirect::to(&base(&current)).into_response());
    };
    if !loaded.may_edit() {
        return message_page(&ctx, &current, "plan.refused.not_editable", StatusCode::CONFLICT);
    }
    let plan = form_of(&loaded);
    let values = target.values(&plan).ok_or(AppError::NotFound)?;
    let version = loaded.draft.as_ref().map_or(0, |d| d.version);
    let notice = (!query.restored.is_empty()).then(|| ctx.t.get("draft.restored_after_login").to_string());
    let comment = returned(&mut conn, &current, organization, &loaded).await?.and_then(|r| r.comment(&target.id()));
    let change = loaded.change_basis();
    // A change's existing worker posted changed across the idle logout: not stored (`restore`),
    // the rule said beside the field.
    let refused = match (target, &change) {
        (Target::Worker(k), Some(certified)) if certified.worker(k).is_some() => {
            change_rules::refusal_of(&query.refused, k)
        }
        _ => None,
    };
    let errors = change_rules::field_errors(&ctx, refused.as_slice());
    let shape = Shape { comment, version, errors, latest: None, notice };
    Ok(section_page(&ctx, &current, target, &plan, &values, shape, change.as_ref())?.into_response())
}

#[derive(Deserialize, Default)]
pub struct RestoredQuery {
    #[serde(default)]
    restored: String,
    /// `restore`'s refusal of a change's existing worker (`change_rules::refusal_code`).
    #[serde(default)]
    refused: String,
}

pub async fn part_form(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_portal, part)): Path<(String, String)>,
    Query(query): Query<RestoredQuery>,
) -> Result<Response, AppError> {
    show(state, current, ctx, part_target(&part)?, query).await
}

pub async fn worker_form(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_portal, worker)): Path<(String, String)>,
    Query(query): Query<RestoredQuery>,
) -> Result<Response, AppError> {
    show(state, current, ctx, worker_target(&worker)?, query).await
}

/// A Part's save; posted after the idle logout, the login page with the form sealed
/// (`restore`).
pub async fn part_save(
    State(state): State<AppState>,
    user: FormUser,
    ctx: Ctx,
    Path((_portal, part)): Path<(String, String)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    let current = match user.or_seal(&state, &ctx, &pairs) {
        Ok(current) => current,
        Err(login) => return Ok(*login),
    };
    save(state, current, ctx, part_target(&part)?, pairs).await
}

/// A worker block's save, sealed the same way.
pub async fn worker_save(
    State(state): State<AppState>,
    user: FormUser,
    ctx: Ctx,
    Path((_portal, worker)): Path<(String, String)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    let current = match user.or_seal(&state, &ctx, &pairs) {
        Ok(current) => current,
        Err(login) => return Ok(*login),
    };
    save(state, current, ctx, worker_target(&worker)?, pairs).await
}

pub(crate) fn control<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// 「一時保存」 (store, back to the overview) or 「保存して次へ」 (store, then the section's
/// issues beside the fields, or the next section): stored whatever the rules say (§0.1).
async fn save(
    state: AppState,
    current: CurrentUser,
    ctx: Ctx,
    target: Target,
    pairs: Pairs,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let now = state.clock.unix();
    let base = base(&current);
    let mut tx = state.store.begin().await?;
    let Some(loaded) = load(&mut tx, &current, organization).await? else {
        return Ok(Redirect::to(&base).into_response());
    };
    if !loaded.may_edit() {
        drop(tx);
        return message_page(&ctx, &current, "plan.refused.not_editable", StatusCode::CONFLICT);
    }
    let change = loaded.change_basis();
    let mut expected = control(&pairs, "version").parse::<i64>().unwrap_or(-1);
    let (loaded, draft) = match loaded.draft.clone() {
        Some(d) => (loaded, d),
        // 補正中: the form was read from the returned snapshot (version 0); its first save makes
        // the draft from that snapshot and stores into it.
        None if expected == 0 => match editable_draft(&mut tx, &current, organization, now).await? {
            Some((l, d, _)) => {
                expected = d.version;
                (l, d)
            }
            None => return Ok(Redirect::to(&base).into_response()),
        },
        None => {
            // The draft this form was read from is gone (申請 from another tab).
            drop(tx);
            return message_page(&ctx, &current, "review.refused.conflict", StatusCode::CONFLICT);
        }
    };
    let mut plan = PlanForm::from_json(&draft.payload);
    if target.values(&plan).is_none() {
        // The worker was removed in another tab.
        drop(tx);
        return message_page(&ctx, &current, "plan.refused.worker_gone", StatusCode::CONFLICT);
    }
    let mut typed = target.values(&plan).unwrap_or_default();
    form::take_section(target.section(), &mut typed, &pairs);
    if let Some(certified) = &change {
        match change_rules::lock(certified, target, &mut typed, &pairs) {
            Locked::Store => {}
            Locked::Nothing => {
                drop(tx);
                return Ok(Redirect::to(&format!("{base}?done=saved")).into_response());
            }
            Locked::Refused(refused) => {
                drop(tx);
                let errors = change_rules::field_errors(&ctx, &refused);
                let shape = Shape { comment: None, version: draft.version, errors, latest: None, notice: None };
                let page = section_page(&ctx, &current, target, &plan, &typed, shape, Some(certified))?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
        }
    }
    if expected != draft.version {
        drop(tx);
        return conflict(&ctx, &current, target, &plan, &typed, draft.version);
    }
    if let Some(values) = target.values_mut(&mut plan) {
        *values = typed.clone();
    }
    let payload = plan.to_json();
    let outcome = drafts::save(
        &mut tx,
        &current.portal.id,
        organization,
        draft.id,
        expected,
        current.user.id,
        &payload,
        &missing(&plan),
        now,
    )
    .await?;
    let version = match outcome {
        drafts::SaveOutcome::Saved { version } => version,
        drafts::SaveOutcome::Conflict { current: latest } => {
            drop(tx);
            let stored = PlanForm::from_json(&latest.payload);
            return conflict(&ctx, &current, target, &stored, &typed, latest.version);
        }
        drafts::SaveOutcome::Gone => {
            drop(tx);
            return message_page(&ctx, &current, "review.refused.conflict", StatusCode::CONFLICT);
        }
    };
    store::touch(&mut tx, loaded.plan.id, now).await?;
    tx.commit().await?;
    if control(&pairs, "action") != "next" {
        return Ok(Redirect::to(&format!("{base}?done=saved")).into_response());
    }
    let issues = check::check(&plan, today(now)?);
    let errors = view::errors(ctx.t, &issues, &target.id());
    if errors.is_empty() {
        return Ok(Redirect::to(&target.next(&base, &plan)).into_response());
    }
    let shape = Shape { comment: None, version, errors, latest: None, notice: None };
    Ok(section_page(&ctx, &current, target, &plan, &typed, shape, change.as_ref())?.into_response())
}

/// A stale save: nothing stored; the typed values stay, the stored ones are shown beside, and
/// the version is now the stored one, so that pressing again is a deliberate overwrite.
fn conflict(
    ctx: &Ctx,
    current: &CurrentUser,
    target: Target,
    stored: &PlanForm,
    typed: &Values,
    latest_version: i64,
) -> Result<Response, AppError> {
    let latest = target.values(stored).map(|v| view::shown(ctx.t, target.section(), &v)).unwrap_or_default();
    let shape = Shape {
        comment: None,
        version: latest_version,
        errors: FieldErrors::form(ctx.t.get("draft.conflict")),
        latest: Some(latest),
        notice: None,
    };
    Ok((StatusCode::CONFLICT, section_page(ctx, current, target, stored, typed, shape, None)?).into_response())
}
