//! 財形積立明細変更 (§3.6.6), the forms: 「変更」 of a 明細 (積立額, 中止, or taking the change
//! back) and 「新規登録」. 「一時保存」 saves into the サイクル's draft even what fails the rules —
//! the form comes back with the errors and the typed text, and 「確認」 lists them — except
//! past the 変更期限 (nothing is saved) or when another tab saved first: the form carries the
//! version it was drawn from (`base`), and a stale one gets the optimistic-lock message and
//! changes nothing.

use crate::change::refusal;
use crate::cycle::{self, Cycle, yen};
use crate::kinds::{ChangeKind, SavingsKind};
use crate::review;
use crate::store::changes::{self, ChangeRow, ChangeSet, DepositLine};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_core::portal::MenuItem;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_web::ctx::{Chrome, Ctx, Origin};
use madoguchi_web::error::AppError;
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::html;
use madoguchi_web::pages::information::{MenuView, menu};
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;

/// The version a form was drawn from: `d<id>r<revision>` (a draft), `s<id>` (a sent set, the
/// next save starts a new version), `n` (nothing yet).
pub fn base_of(latest: Option<&ChangeSet>) -> String {
    match latest {
        Some(s) if s.sent => format!("s{}", s.id),
        Some(s) => format!("d{}r{}", s.id, s.revision),
        None => "n".into(),
    }
}

/// What a save did.
pub enum Saved {
    Done,
    /// Another tab or user saved or sent first.
    Conflict,
}

/// Saves one change into the サイクル's draft in one transaction: checks `base`, opens the
/// draft (a new version after a send), takes the optimistic lock, replaces the row, audits.
async fn save(
    state: &AppState,
    current: &CurrentUser,
    origin: &Origin,
    contract: i64,
    cycle: &Cycle,
    base: &str,
    change: Change,
) -> Result<Saved, AppError> {
    let now = state.clock.unix();
    let by = format!("user:{}", current.user.id);
    let mut tx = state.store.begin().await?;
    let latest = changes::latest(&mut tx, contract, cycle.delivery.id).await?;
    if base_of(latest.as_ref()) != base {
        return Ok(Saved::Conflict);
    }
    let draft = match changes::open_draft(&mut tx, contract, cycle.delivery.id, &by, now).await {
        Ok(draft) => draft,
        // Two first saves at once: the other one made the version.
        Err(e) if e.as_database_error().is_some_and(|d| d.is_unique_violation()) => return Ok(Saved::Conflict),
        Err(e) => return Err(e.into()),
    };
    if !changes::claim(&mut tx, draft.id, draft.revision, &by, now).await? {
        return Ok(Saved::Conflict);
    }
    let (event, detail) = match change {
        Change::Put { replaces, row } => {
            changes::put_row(&mut tx, draft.id, replaces, &row).await?;
            (
                "zaikei.changed",
                format!("{} v{} {}", cycle.delivery.due_on, draft.version, row.kind.map_or("", |k| k.code())),
            )
        }
        Change::Remove(id) => {
            changes::remove_row(&mut tx, draft.id, id).await?;
            ("zaikei.change_removed", format!("{} v{}", cycle.delivery.due_on, draft.version))
        }
    };
    let actor = by.clone();
    let entry = AuditEntry {
        portal: &current.portal.id,
        event,
        actor: Some(&actor),
        subject: None,
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail: Some(&detail),
    };
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(Saved::Done)
}

enum Change {
    Put { replaces: Option<i64>, row: Box<ChangeRow> },
    Remove(i64),
}

#[derive(Deserialize, Default, Clone)]
pub struct RowForm {
    /// `amount` (金額変更), `stop` (中止) or `clear` (変更を取り消す).
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub base: String,
}

#[derive(Template)]
#[template(path = "zaikei/change_row.html")]
pub struct RowPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub action: String,
    pub back: String,
    pub cycle_title: String,
    pub deadline: String,
    pub closed: Option<String>,
    pub line: DepositLine,
    pub amount_now: String,
    pub form: RowForm,
    pub errors: FieldErrors,
    pub warnings: Vec<String>,
}

struct RowContext {
    contract: i64,
    cycle: Cycle,
    line: DepositLine,
    latest: Option<ChangeSet>,
    existing: Option<ChangeRow>,
}

async fn row_context(
    state: &AppState,
    current: &CurrentUser,
    ctx: &Ctx,
    id: i64,
    row: i64,
) -> Result<Result<RowContext, Response>, AppError> {
    let contract = match cycle::enter(state, current, ctx, MenuItem::ZaikeiChange).await? {
        Ok(contract) => contract,
        Err(response) => return Ok(Err(response)),
    };
    let cycle = cycle::load(state, current, contract, id).await?;
    let mut conn = state.store.acquire().await?;
    let line = changes::line_of(&mut conn, contract, id, row).await?.ok_or(AppError::NotFound)?;
    let latest = changes::latest(&mut conn, contract, id).await?;
    let existing = match &latest {
        Some(set) => {
            changes::rows(&mut conn, contract, set.id).await?.into_iter().find(|r| r.deposit_row_id == Some(row))
        }
        None => None,
    };
    Ok(Ok(RowContext { contract, cycle, line, latest, existing }))
}

fn row_page(
    current: &CurrentUser,
    ctx: &Ctx,
    c: &RowContext,
    form: RowForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let base = format!("/{}/zaikei/change/{}", current.portal.id, c.cycle.delivery.id);
    let warnings = match (form.action.as_str(), c.line.kind) {
        ("stop", SavingsKind::Pension | SavingsKind::Housing) => vec![ctx.t.get("zchange.warn_gap_short").to_string()],
        _ => Vec::new(),
    };
    Ok(html(&RowPage {
        chrome: ctx.chrome(ctx.t.get("zchange.row_title"), Some(&current.portal), Some(Screen::ZaikeiChange)),
        menu: menu(current, ctx),
        action: format!("{base}/rows/{}", c.line.row_id),
        back: base,
        cycle_title: c.cycle.title(),
        deadline: c.cycle.deadline_text(),
        closed: refusal(&c.cycle, ctx),
        amount_now: yen(c.line.amount),
        line: c.line.clone(),
        form,
        errors,
        warnings,
    })?
    .into_response())
}

/// `GET /{portal}/zaikei/change/{id}/rows/{row}`.
pub async fn row_form(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_, id, row)): Path<(String, i64, i64)>,
) -> Result<Response, AppError> {
    let c = match row_context(&state, &current, &ctx, id, row).await? {
        Ok(c) => c,
        Err(response) => return Ok(response),
    };
    let form = match &c.existing {
        Some(r) if r.kind == Some(ChangeKind::Stop) => RowForm { action: "stop".into(), ..RowForm::default() },
        Some(r) => RowForm { action: "amount".into(), amount: r.amount_text.clone(), ..RowForm::default() },
        None => RowForm { action: "amount".into(), ..RowForm::default() },
    };
    let mut errors = FieldErrors::default();
    if let Some(e) = c
        .existing
        .as_ref()
        .filter(|r| r.kind != Some(ChangeKind::Stop))
        .and_then(|r| review::amount_error(&r.amount_text))
    {
        errors.add("amount", ctx.t.get(e.key()));
    }
    let form = RowForm { base: base_of(c.latest.as_ref()), ..form };
    row_page(&current, &ctx, &c, form, errors)
}

/// `POST /{portal}/zaikei/change/{id}/rows/{row}`: 一時保存 of one 明細's change.
pub async fn row_save(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path((_, id, row)): Path<(String, i64, i64)>,
    Form(form): Form<RowForm>,
) -> Result<Response, AppError> {
    let c = match row_context(&state, &current, &ctx, id, row).await? {
        Ok(c) => c,
        Err(response) => return Ok(response),
    };
    if let Some(message) = refusal(&c.cycle, &ctx) {
        return row_page(&current, &ctx, &c, form, FieldErrors::form(&message));
    }
    let kind = match form.action.as_str() {
        "amount" => Some(ChangeKind::Amount),
        "stop" => Some(ChangeKind::Stop),
        "clear" => None,
        _ => return row_page(&current, &ctx, &c, form, FieldErrors::field("action", ctx.t.get("zchange.err_action"))),
    };
    let change = match (kind, &c.existing) {
        (None, Some(existing)) => Change::Remove(existing.id),
        (None, None) => return Ok(Redirect::to(&format!("/{}/zaikei/change/{id}", current.portal.id)).into_response()),
        (Some(kind), _) => Change::Put {
            replaces: None,
            row: Box::new(ChangeRow {
                deposit_row_id: Some(row),
                kind: Some(kind),
                amount_text: if kind == ChangeKind::Stop { String::new() } else { form.amount.trim().to_string() },
                amount: if kind == ChangeKind::Stop { None } else { review::amount_of(&form.amount) },
                before_amount: Some(c.line.amount),
                changed_by: format!("user:{}", current.user.id),
                changed_at: state.clock.unix(),
                ..ChangeRow::default()
            }),
        },
    };
    let removed = matches!(change, Change::Remove(_));
    if let Saved::Conflict = save(&state, &current, &origin, c.contract, &c.cycle, &form.base, change).await? {
        return row_page(&current, &ctx, &c, form, FieldErrors::form(ctx.t.get("zchange.err_conflict")));
    }
    let error = (kind == Some(ChangeKind::Amount)).then(|| review::amount_error(&form.amount)).flatten();
    if let Some(e) = error {
        // Saved as typed; the form shows why it cannot be sent yet, and draws from the new version.
        let c = match row_context(&state, &current, &ctx, id, row).await? {
            Ok(c) => c,
            Err(response) => return Ok(response),
        };
        let form = RowForm { base: base_of(c.latest.as_ref()), ..form };
        return row_page(&current, &ctx, &c, form, FieldErrors::field("amount", ctx.t.get(e.key())));
    }
    let done = if removed { "removed" } else { "saved" };
    Ok(Redirect::to(&format!("/{}/zaikei/change/{id}?done={done}", current.portal.id)).into_response())
}

#[derive(Deserialize, Default, Clone)]
pub struct NewForm {
    #[serde(default)]
    pub employee_no: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kana: String,
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub savings_kind: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub base: String,
    /// 「この新規登録を取り消す」.
    #[serde(default)]
    pub remove: String,
}

#[derive(Template)]
#[template(path = "zaikei/change_new.html")]
pub struct NewPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub action: String,
    pub back: String,
    pub cycle_title: String,
    pub deadline: String,
    pub closed: Option<String>,
    pub editing: bool,
    pub kinds: Vec<(String, String)>,
    pub form: NewForm,
    pub errors: FieldErrors,
}

fn new_page(
    current: &CurrentUser,
    ctx: &Ctx,
    cycle: &Cycle,
    change: Option<i64>,
    form: NewForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let base = format!("/{}/zaikei/change/{}", current.portal.id, cycle.delivery.id);
    let action = match change {
        Some(id) => format!("{base}/new/{id}"),
        None => format!("{base}/new"),
    };
    Ok(html(&NewPage {
        chrome: ctx.chrome(ctx.t.get("zchange.new_title"), Some(&current.portal), Some(Screen::ZaikeiChange)),
        menu: menu(current, ctx),
        action,
        back: base,
        cycle_title: cycle.title(),
        deadline: cycle.deadline_text(),
        closed: refusal(cycle, ctx),
        editing: change.is_some(),
        kinds: SavingsKind::ALL.iter().map(|k| (k.code().to_string(), k.label().to_string())).collect(),
        form,
        errors,
    })?
    .into_response())
}

/// The 新規 `change` of the newest version (None: not one of this サイクル's).
async fn new_row(
    state: &AppState,
    contract: i64,
    id: i64,
    change: i64,
) -> Result<(Option<ChangeSet>, Option<ChangeRow>), AppError> {
    let (latest, rows) = crate::change::current_rows(state, contract, id).await?;
    let row = rows.into_iter().find(|r| r.id == change && r.kind == Some(ChangeKind::New));
    Ok((latest, row))
}

/// `GET /{portal}/zaikei/change/{id}/new` and `…/new/{change}`.
pub async fn new_form(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path(path): Path<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (id, change) = ids(&path)?;
    let contract = match cycle::enter(&state, &current, &ctx, MenuItem::ZaikeiChange).await? {
        Ok(contract) => contract,
        Err(response) => return Ok(response),
    };
    let cycle = cycle::load(&state, &current, contract, id).await?;
    let (latest, row) = match change {
        Some(change) => new_row(&state, contract, id, change).await?,
        None => (crate::change::current_rows(&state, contract, id).await?.0, None),
    };
    if change.is_some() && row.is_none() {
        return Err(AppError::NotFound);
    }
    let mut errors = FieldErrors::default();
    let form = match &row {
        Some(r) => {
            let mut conn = state.store.acquire().await?;
            let reviewed = review::review(&mut conn, contract, &cycle, vec![r.clone()], ctx.t).await?;
            for (field, message) in reviewed.iter().flat_map(|r| r.errors.iter()) {
                errors.add(field, message);
            }
            NewForm {
                employee_no: r.employee_no.clone(),
                name: r.name.clone(),
                kana: r.kana.clone(),
                birth_date: r.birth_date.clone(),
                savings_kind: r.savings_kind.clone(),
                amount: r.amount_text.clone(),
                ..NewForm::default()
            }
        }
        None => NewForm::default(),
    };
    let form = NewForm { base: crate::edit::base_of(latest.as_ref()), ..form };
    new_page(&current, &ctx, &cycle, change, form, errors)
}

/// `POST /{portal}/zaikei/change/{id}/new` and `…/new/{change}`: 一時保存 of a 新規登録.
pub async fn new_save(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    origin: Origin,
    Path(path): Path<Vec<(String, String)>>,
    Form(form): Form<NewForm>,
) -> Result<Response, AppError> {
    let (id, change) = ids(&path)?;
    let contract = match cycle::enter(&state, &current, &ctx, MenuItem::ZaikeiChange).await? {
        Ok(contract) => contract,
        Err(response) => return Ok(response),
    };
    let cycle = cycle::load(&state, &current, contract, id).await?;
    if let Some(change) = change
        && new_row(&state, contract, id, change).await?.1.is_none()
    {
        return Err(AppError::NotFound);
    }
    if let Some(message) = refusal(&cycle, &ctx) {
        return new_page(&current, &ctx, &cycle, change, form, FieldErrors::form(&message));
    }
    let row = ChangeRow {
        kind: Some(ChangeKind::New),
        amount_text: form.amount.trim().to_string(),
        amount: review::amount_of(&form.amount),
        employee_no: form.employee_no.trim().to_string(),
        name: form.name.trim().to_string(),
        kana: form.kana.trim().to_string(),
        birth_date: form.birth_date.trim().replace('/', "-"),
        savings_kind: form.savings_kind.trim().to_string(),
        changed_by: format!("user:{}", current.user.id),
        changed_at: state.clock.unix(),
        ..ChangeRow::default()
    };
    // The rules, before the save: what fails is saved all the same and shown back.
    let errors = {
        let mut all = crate::change::current_rows(&state, contract, id).await?.1;
        all.retain(|r| Some(r.id) != change);
        all.push(row.clone());
        let mut conn = state.store.acquire().await?;
        let reviewed = review::review(&mut conn, contract, &cycle, all, ctx.t).await?;
        let mut errors = FieldErrors::default();
        for (field, message) in reviewed.last().map(|r| r.errors.as_slice()).unwrap_or_default() {
            errors.add(field, message);
        }
        errors
    };
    let op = match (form.remove.as_str(), change) {
        ("1", Some(existing)) => Change::Remove(existing),
        _ => Change::Put { replaces: change, row: Box::new(row) },
    };
    let removed = matches!(op, Change::Remove(_));
    if let Saved::Conflict = save(&state, &current, &origin, contract, &cycle, &form.base, op).await? {
        return new_page(&current, &ctx, &cycle, change, form, FieldErrors::form(ctx.t.get("zchange.err_conflict")));
    }
    if removed {
        return Ok(Redirect::to(&format!("/{}/zaikei/change/{id}?done=removed", current.portal.id)).into_response());
    }
    if errors.is_empty() {
        return Ok(Redirect::to(&format!("/{}/zaikei/change/{id}?done=saved", current.portal.id)).into_response());
    }
    // Saved as typed: the form again on the saved 新規 (its own address), with the errors.
    let (latest, rows) = crate::change::current_rows(&state, contract, id).await?;
    let saved = rows.iter().rev().find(|r| r.kind == Some(ChangeKind::New)).map(|r| r.id);
    let form = NewForm { base: base_of(latest.as_ref()), ..form };
    new_page(&current, &ctx, &cycle, saved, form, errors)
}

/// `{portal}/{id}` or `{portal}/{id}/{change}` of the new form's two addresses.
fn ids(path: &[(String, String)]) -> Result<(i64, Option<i64>), AppError> {
    let get = |name: &str| path.iter().find(|(k, _)| k == name).map(|(_, v)| v.parse::<i64>());
    let id = get("id").ok_or(AppError::NotFound)?.map_err(|_| AppError::NotFound)?;
    let change = get("change").transpose().map_err(|_| AppError::NotFound)?;
    Ok((id, change))
}
