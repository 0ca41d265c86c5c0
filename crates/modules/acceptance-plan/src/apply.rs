//! 「申請」 and 計画確認 (mlit-plan.md §4.4). 「申請」 runs every check — the §4.2 rules, the
//! required attachments of §4.3 with their issue dates, the headcount cap — and lists what
//! stops it, each linking to its section; a clean plan gets 「申請します。よろしいですか？」,
//! and 「はい」 freezes it in the review workflow (申請 = submit; after a 補正依頼, 補正 =
//! resubmit), routed to the office of the 主たる営業所's prefecture, deletes the draft and writes
//! `plan.submitted` / `plan.resubmitted`, all in one transaction. From then on the plan is
//! read-only: 計画確認 shows what was applied for (the certified version once 認定済).

use crate::AUDIT_PREFIX;
use crate::attach;
use crate::change_pages;
use crate::check::{self, Issue};
use crate::form::{self, PlanForm};
use crate::mails;
use crate::pages::{self, Loaded, Pairs, base, control, key, message_page, organization, today};
use crate::routing;
use crate::state::PlanState;
use crate::store::{self, Attachment};
use crate::view::{self, ShownGroup};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_core::review::{Actor, ReviewAction, ReviewState};
use madoguchi_mail::MailKind;
use madoguchi_store::review::{self as reviews, Step as ReviewStep};
use madoguchi_store::{Conn, audit, drafts};
use madoguchi_web::confirm::{self, Confirmation, Step};
use madoguchi_web::ctx::{Chrome, Ctx, Origin, audit_entry};
use madoguchi_web::error::AppError;
use madoguchi_web::pages::html;
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Serialize;

/// One thing that stops the 申請, with where to fix it.
pub struct Blocker {
    pub section: String,
    pub message: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "plan/blocked.html")]
pub struct BlockedPage {
    pub chrome: Chrome,
    pub blockers: Vec<Blocker>,
    pub back: String,
}

fn section_title(ctx: &Ctx, plan: &PlanForm, section: &str) -> String {
    match section.strip_prefix('w').and_then(|k| k.parse::<u32>().ok()) {
        Some(k) => {
            let n = plan.workers.iter().position(|w| w.key == k).map_or(0, |i| i + 1);
            ctx.t.get("plan.worker.heading").replace("{n}", &n.to_string())
        }
        None => ctx.t.get(&format!("plan.part.{section}")).to_string(),
    }
}

fn href(base: &str, issue: &Issue) -> String {
    let anchor = if issue.field.is_empty() { String::new() } else { format!("#{}", issue.field) };
    match issue.section.strip_prefix('w') {
        Some(k) => format!("{base}/workers/{k}{anchor}"),
        None if issue.section == "workers" => base.to_string(),
        None => format!("{base}/part/{}{anchor}", issue.section),
    }
}

/// Everything that stops the 申請 on `application`: the plan's issues, then each required
/// attachment without a file, then each dated file whose issue date is now too old.
/// A 変更申請 (`change`) is checked where it changes the plan, and against its own rules.
fn blockers(
    ctx: &Ctx,
    current: &CurrentUser,
    plan: &PlanForm,
    stored: &[Attachment],
    application: chrono::NaiveDate,
    change: Option<&change_pages::Basis>,
) -> Vec<Blocker> {
    let base = base(current);
    let mut issues = check::check(plan, application);
    if let Some(basis) = change {
        issues = change_pages::issues(&basis.certified, plan, issues);
    }
    let mut out: Vec<Blocker> = issues
        .iter()
        .map(|i| Blocker {
            section: section_title(ctx, plan, &i.section),
            message: if i.field.is_empty() {
                view::message(ctx.t, i)
            } else {
                format!("{}：{}", ctx.t.get(&field_label(i)), view::message(ctx.t, i))
            },
            href: href(&base, i),
        })
        .collect();
    let rows = attach::rows(ctx, current, plan, stored);
    let title = ctx.t.get("plan.attachments.title").to_string();
    for row in attach::missing_rows(&rows) {
        let who = if row.worker.is_some() { format!("（{}）", row.worker_name) } else { String::new() };
        out.push(Blocker {
            section: title.clone(),
            message: ctx
                .t
                .get("plan.err.attachment_missing")
                .replace("{name}", &format!("No.{} {}{who}", row.no, row.name)),
            href: format!("{base}/attachments#kind-{}", row.index),
        });
    }
    for a in stored {
        // The files the plan was certified with are not dated again by a 変更申請.
        if change.is_some_and(|b| b.files.contains(&a.file_id)) {
            continue;
        }
        let Some(kind) = crate::attachments::kind(&a.kind) else { continue };
        let Some(issued) = a.issued_on.as_deref().and_then(|d| crate::ids::date(d).ok()) else { continue };
        if let Err(e) = crate::attachments::check_issue_date(kind, issued, application) {
            let issue = Issue { section: String::new(), field: "", key: e.message_key(), params: e.params() };
            out.push(Blocker {
                section: title.clone(),
                message: format!("{}（{}）：{}", kind.name.ja, a.name, view::message(ctx.t, &issue)),
                href: format!("{base}/attachments"),
            });
        }
    }
    if let Some(basis) = change {
        out.extend(change_pages::blockers(ctx, &base, basis, plan));
    }
    out
}

fn field_label(issue: &Issue) -> String {
    format!("plan.field.{}", issue.field)
}

/// What the review keeps: the plan as applied for and the files it was applied with.
#[derive(Serialize)]
struct Snapshot<'a> {
    #[serde(flatten)]
    form: &'a PlanForm,
    attachments: Vec<SnapshotFile<'a>>,
}

#[derive(Serialize)]
struct SnapshotFile<'a> {
    kind: &'a str,
    worker: Option<i64>,
    file_id: i64,
    name: &'a str,
    issued_on: Option<&'a str>,
}

fn snapshot(plan: &PlanForm, stored: &[Attachment]) -> String {
    let files = stored
        .iter()
        .map(|a| SnapshotFile {
            kind: &a.kind,
            worker: a.worker,
            file_id: a.file_id,
            name: &a.name,
            issued_on: a.issued_on.as_deref(),
        })
        .collect();
    serde_json::to_string(&Snapshot { form: plan, attachments: files }).unwrap_or_else(|_| "{}".into())
}

/// The office that reviews the 申請: the prefecture's (the 主たる営業所 routes a plan), and for
/// a 変更申請 the plan's own (the office that certified it reviews its change).
fn office(loaded: &Loaded, plan: &PlanForm, change: bool) -> Option<&'static routing::Bureau> {
    match (change, loaded.plan.bureau.as_deref()) {
        (true, Some(code)) => routing::bureau(code),
        _ => routing::route_address(plan.get("address").trim()),
    }
}

/// The editable plan with its form and the draft's version (0: no draft, the plan as returned
/// or refused, applied for again unchanged but for its files), or the page that says why not.
async fn editable(
    conn: &mut Conn,
    ctx: &Ctx,
    current: &CurrentUser,
    organization: i64,
) -> Result<Result<(Loaded, PlanForm, i64), Response>, AppError> {
    let Some(loaded) = pages::load(conn, current, organization).await? else {
        return Ok(Err(Redirect::to(&base(current)).into_response()));
    };
    if !loaded.may_edit() {
        return Ok(Err(message_page(ctx, current, "plan.refused.not_editable", StatusCode::CONFLICT)?));
    }
    match (&loaded.draft, &loaded.item) {
        (Some(d), _) => {
            let (plan, version) = (PlanForm::from_json(&d.payload), d.version);
            Ok(Ok((loaded, plan, version)))
        }
        (None, Some(_)) => {
            let plan = pages::form_of(&loaded);
            Ok(Ok((loaded, plan, 0)))
        }
        (None, None) => Ok(Err(Redirect::to(&base(current)).into_response())),
    }
}

/// The confirmation, or the list of what stops the 申請.
async fn ask(state: &AppState, current: &CurrentUser, ctx: &Ctx) -> Result<Response, AppError> {
    let organization = organization(current)?;
    let mut conn = state.store.acquire().await?;
    let (loaded, plan, version) = match editable(&mut conn, ctx, current, organization).await? {
        Ok(found) => found,
        Err(response) => return Ok(response),
    };
    let stored = store::attachments(&mut conn, loaded.plan.id).await?;
    let change = change_pages::basis(&mut conn, &loaded).await?;
    let plan = match &change {
        Some(b) => change_pages::merged(b, &plan),
        None => plan,
    };
    let found = blockers(ctx, current, &plan, &stored, today(state.clock.unix())?, change.as_ref());
    if !found.is_empty() {
        let page = html(&BlockedPage {
            chrome: ctx.chrome(ctx.t.get("plan.apply.blocked_title"), Some(&current.portal), Some(Screen::PlanApply)),
            blockers: found,
            back: base(current),
        })?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let bureau = office(&loaded, &plan, change.is_some());
    let english = ctx.t.code() == "en";
    let question = ctx.t.get(if change.is_some() { "plan.change.confirm" } else { "plan.apply.confirm" });
    let confirmation = Confirmation::new(ctx, question, format!("{}/apply", base(current)))
        .fact(ctx.t.get("plan.field.name"), plan.get("name"))
        .fact(ctx.t.get("plan.apply.planned"), plan.workers.len().to_string())
        .fact(
            ctx.t.get("plan.col.bureau"),
            bureau.map(|b| if english { b.name_en.clone() } else { b.name.clone() }).unwrap_or_default(),
        )
        .carry("version", version.to_string())
        .no_link(base(current));
    Ok(confirm::page(ctx, ctx.t.get("plan.apply.title"), Some(&current.portal), Some(Screen::PlanApply), confirmation)?
        .into_response())
}

pub async fn apply_form(State(state): State<AppState>, current: CurrentUser, ctx: Ctx) -> Result<Response, AppError> {
    ask(&state, &current, &ctx).await
}

/// 「はい」: everything checked again in the transaction that records the 申請.
pub async fn apply(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    if Step::of(control(&pairs, confirm::STEP_FIELD)) != Step::Confirmed {
        return ask(&state, &current, &ctx).await;
    }
    let organization = organization(&current)?;
    let now = state.clock.unix();
    let application = today(now)?;
    let base = base(&current);
    let mut tx = state.store.begin().await?;
    let (loaded, plan, version) = match editable(&mut tx, &ctx, &current, organization).await? {
        Ok(found) => found,
        Err(response) => return Ok(response),
    };
    // Changed in another tab since the confirmation: confirm what is stored now.
    if control(&pairs, "version") != version.to_string() {
        drop(tx);
        return ask(&state, &current, &ctx).await;
    }
    let stored = store::attachments(&mut tx, loaded.plan.id).await?;
    let change = change_pages::basis(&mut tx, &loaded).await?;
    let plan = match &change {
        Some(b) => change_pages::merged(b, &plan),
        None => plan,
    };
    let bureau = office(&loaded, &plan, change.is_some());
    let clear = blockers(&ctx, &current, &plan, &stored, application, change.as_ref()).is_empty();
    let (true, Some(bureau)) = (clear, bureau) else {
        drop(tx);
        return ask(&state, &current, &ctx).await;
    };
    let (action, expected_seq) = match &loaded.item {
        Some(i) => (ReviewAction::Resubmit, Some(i.last_seq)),
        None => (ReviewAction::Submit, None),
    };
    let frozen = snapshot(&plan, &stored);
    let step = ReviewStep {
        action,
        actor: Actor::User(current.user.id),
        reason: None,
        effective_at: None,
        snapshot: Some(&frozen),
        expected_seq,
    };
    if let Err(refusal) = reviews::record(&mut tx, key(&current, loaded.plan.id), organization, &step, now).await? {
        drop(tx);
        return message_page(&ctx, &current, refusal.message_key(), StatusCode::CONFLICT);
    }
    if let Some(draft) = &loaded.draft {
        drafts::delete(&mut tx, &current.portal.id, organization, draft.id).await?;
    }
    let portal = &current.portal;
    if change.is_some() {
        // A 変更申請 keeps the plan's office, 申請日 and 認定番号: the round's own date is the
        // review item's.
        let again = loaded.item.as_ref().is_some_and(|i| i.state == ReviewState::Returned);
        let event = if again { "plan.change_resubmitted" } else { "plan.change_applied" };
        let actor = format!("user:{}", current.user.id);
        let added =
            change.as_ref().map_or(0, |b| plan.workers.iter().filter(|w| b.certified.worker(w.key).is_none()).count());
        let detail = format!("plan {} to {} ({} workers added)", loaded.plan.id, bureau.code, added);
        audit::record(&mut tx, &audit_entry(portal, &origin, event, Some(&actor), Some(&detail)), now).await?;
        let kind = MailKind::PlanChangeApplied;
        mails::to_organization(&state, &mut tx, portal, organization, &bureau.code, kind, &[]).await?;
        mails::to_office(&state, &mut tx, portal, organization, &bureau.code, mails::OfficeKind::Change).await?;
        tx.commit().await?;
        return Ok(Redirect::to(&format!("{base}/view?done=change_applied")).into_response());
    }
    store::applied(&mut tx, loaded.plan.id, &bureau.code, &application.to_string(), now).await?;
    // A company registered by 仮申請 has no name (the registration asks for none): the 商号 of
    // its first 申請 names it — in the office's queue, in the mails, in the console.
    let portal_id = current.portal.id.as_str();
    madoguchi_store::organizations::name_if_unnamed(&mut tx, portal_id, organization, plan.get("name").trim(), now)
        .await?;
    let actor = format!("user:{}", current.user.id);
    let event = action.audit_event(AUDIT_PREFIX);
    let detail =
        format!("plan {} to {} ({} workers, {} files)", loaded.plan.id, bureau.code, plan.workers.len(), stored.len());
    audit::record(&mut tx, &audit_entry(&current.portal, &origin, &event, Some(&actor), Some(&detail)), now).await?;
    mails::to_organization(&state, &mut tx, portal, organization, &bureau.code, MailKind::PlanApplied, &[]).await?;
    let kind = if action == ReviewAction::Resubmit { mails::OfficeKind::Resubmitted } else { mails::OfficeKind::New };
    mails::to_office(&state, &mut tx, portal, organization, &bureau.code, kind).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{base}/view?done=applied")).into_response())
}

// ---- 計画確認 ----

pub struct ShownPart {
    pub title: String,
    /// The office's comment on the part (補正中).
    pub comment: Option<String>,
    pub groups: Vec<ShownGroup>,
}

pub struct ShownFile {
    pub kind: String,
    pub name: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "plan/view.html")]
pub struct ViewPage {
    pub chrome: Chrome,
    pub notice: Option<String>,
    pub facts: Vec<(String, String)>,
    pub parts: Vec<ShownPart>,
    pub files: Vec<ShownFile>,
    pub edit: Option<String>,
    pub returned: Option<pages::Returned>,
    /// The 認定通知書 (PDF), once 認定済.
    pub notice_pdf: Option<String>,
    /// 認定済: each worker's 従事状況 and reports, the headcount as it stands, where to report.
    pub reports: Vec<crate::report_pages::ShownReport>,
    pub headcount: Option<(String, bool)>,
    pub reports_href: Option<String>,
    /// The pending 変更申請, shown beside the certified version.
    pub change: Option<PendingChange>,
    /// Every version applied for (第1版 …), each with its page.
    pub versions: Vec<crate::versions::VersionLine>,
}

/// A 変更申請 under review or returned, beside the certified version 計画確認 shows: its state
/// and what it changes (the office's diff: fields, added workers, their files).
pub struct PendingChange {
    pub state: String,
    pub diff: Vec<crate::submitted::DiffLine>,
}

fn pending_change(t: &madoguchi_web::i18n::Tr, loaded: &Loaded) -> Option<PendingChange> {
    let item = loaded.item.as_ref().filter(|i| loaded.state == PlanState::Certified && crate::bureau::is_change(i))?;
    let certified = crate::submitted::Submitted::parse(item.approved_snapshot.as_deref().unwrap_or("{}"));
    let proposed = crate::submitted::Submitted::parse(item.pending_snapshot.as_deref().unwrap_or("{}"));
    let state =
        if item.state == ReviewState::Returned { "plan.change.state_returned" } else { "plan.change.state_pending" };
    Some(PendingChange { state: t.get(state).to_string(), diff: crate::submitted::changes(t, &certified, &proposed) })
}

/// What 計画確認 shows: the certified version once 認定済, else what was applied for (申請中,
/// 補正中), else the plan as being entered.
fn shown_form(loaded: &Loaded) -> PlanForm {
    match &loaded.item {
        Some(i) if loaded.state == PlanState::Certified => {
            PlanForm::from_json(i.approved_snapshot.as_deref().or(i.pending_snapshot.as_deref()).unwrap_or("{}"))
        }
        Some(i) => PlanForm::from_json(i.pending_snapshot.as_deref().unwrap_or("{}")),
        None => pages::form_of(loaded),
    }
}

pub async fn view(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let organization = organization(&current)?;
    let base = base(&current);
    let mut conn = state.store.acquire().await?;
    let Some(loaded) = pages::load(&mut conn, &current, organization).await? else {
        return Ok(Redirect::to(&base).into_response());
    };
    let plan = shown_form(&loaded);
    let english = ctx.t.code() == "en";
    let returned = pages::returned(&mut conn, &current, organization, &loaded).await?;
    let comment = |section: &str| returned.as_ref().and_then(|r| r.comment(section));
    let mut parts: Vec<ShownPart> = form::PARTS
        .iter()
        .map(|s| ShownPart {
            title: ctx.t.get(&format!("plan.part.{}", s.key)).to_string(),
            comment: comment(s.key),
            groups: view::shown(ctx.t, s, &plan.fields),
        })
        .collect();
    for (i, w) in plan.workers.iter().enumerate() {
        parts.push(ShownPart {
            title: ctx.t.get("plan.worker.heading").replace("{n}", &(i + 1).to_string()),
            comment: comment(&format!("w{}", w.key)),
            groups: view::shown(ctx.t, &form::WORKER, &w.fields),
        });
    }
    let mut facts = vec![(ctx.t.get("plan.col.state").to_string(), ctx.t.get(&loaded.state.label_key()).to_string())];
    if let Some(b) = loaded.plan.bureau.as_deref().and_then(routing::bureau) {
        facts
            .push((ctx.t.get("plan.col.bureau").to_string(), if english { b.name_en.clone() } else { b.name.clone() }));
    }
    if let Some(d) = &loaded.plan.applied_on {
        facts.push((ctx.t.get("plan.col.applied_on").to_string(), d.clone()));
    }
    if let Some(n) = &loaded.plan.approval_number {
        facts.push((ctx.t.get("plan.col.approval_number").to_string(), n.clone()));
    }
    if let Some(d) = &loaded.plan.certified_on {
        facts.push((ctx.t.get("plan.col.certified_on").to_string(), d.clone()));
    }
    // A certified plan lists the files it was certified with; a 変更申請's new files are in its
    // changes below until the office certifies it.
    let kept = loaded.certified_files();
    let files = store::attachments(&mut conn, loaded.plan.id)
        .await?
        .into_iter()
        .filter(|a| loaded.state != PlanState::Certified || kept.contains(&a.file_id))
        .map(|a| ShownFile {
            kind: crate::attachments::kind(&a.kind)
                .map(|k| format!("No.{} {}", k.no, if english { &k.name.en } else { &k.name.ja }))
                .unwrap_or_default(),
            name: a.name,
            href: format!("{base}/attachments/{}", a.id),
        })
        .collect();
    let (reports, headcount) = if loaded.state == PlanState::Certified {
        let reported = crate::report_store::of_plan(&mut conn, loaded.plan.id).await?;
        let today = today(state.clock.unix())?;
        (
            crate::report_pages::shown(ctx.t, &plan, &reported, today),
            crate::report_pages::headcount_line(ctx.t, &plan, &reported),
        )
    } else {
        (Vec::new(), None)
    };
    Ok(html(&ViewPage {
        chrome: ctx.chrome(ctx.t.get("plan.view.title"), Some(&current.portal), Some(Screen::PlanView)),
        reports_href: (loaded.state == PlanState::Certified).then(|| format!("{base}/reports")),
        reports,
        headcount,
        notice: match query.get("done").map(String::as_str) {
            Some("applied") => Some(ctx.t.get("plan.applied").to_string()),
            Some("change_applied") => Some(ctx.t.get("plan.change.applied").to_string()),
            _ => None,
        },
        facts,
        parts,
        files,
        edit: loaded.may_edit().then(|| base.clone()),
        change: pending_change(ctx.t, &loaded),
        versions: crate::versions::of_organization(&mut conn, &ctx, &current, organization, loaded.plan.id).await?,
        notice_pdf: (loaded.state == PlanState::Certified && loaded.plan.approval_number.is_some())
            .then(|| format!("{base}/notice.pdf")),
        returned,
    })?
    .into_response())
}
