//! 財形積立明細変更 (§3.6.6), the lists: the サイクル picker, a サイクル's 預入依頼書 明細 with the
//! draft's changes over them (paged, filtered like 照会), and 「確認」, the whole change set with
//! the rules' errors and warnings. The forms that change a 明細 or add a 新規 are `edit.rs`.

use crate::cycle::{self, Cycle, yen};
use crate::kinds::{ChangeKind, SavingsKind};
use crate::review::{self, Reviewed};
use crate::store::changes::{self, ChangeRow, ChangeSet, LineFilter};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use madoguchi_core::normalize::kana_search_key;
use madoguchi_core::portal::MenuItem;
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::format::format_ts;
use madoguchi_web::pages::information::{MenuView, menu};
use madoguchi_web::pages::{Pager, html};
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;
use std::collections::HashMap;

const PAGE: i64 = 50;

/// One サイクル of the picker.
pub struct CycleLine {
    pub id: i64,
    pub title: String,
    pub received: String,
    pub deadline: String,
    pub status: String,
    pub open: bool,
}

/// The state a サイクル shows: its delivery's, or 「未送信（期限切れ）」 for a draft left
/// unsent past the deadline (never exported).
pub fn status_of(cycle: &Cycle, latest: Option<&ChangeSet>, t: &madoguchi_web::i18n::Tr) -> String {
    match latest {
        Some(set) if !set.sent && !cycle.window.is_open() => t.get("zchange.draft_expired").to_string(),
        Some(set) if !set.sent => t.get("zchange.draft_unsent").to_string(),
        _ => cycle.delivery.state.label().to_string(),
    }
}

pub async fn cycle_lines(
    state: &AppState,
    current: &CurrentUser,
    ctx: &Ctx,
    contract: i64,
) -> Result<Vec<CycleLine>, AppError> {
    let cycles = cycle::all(state, current, contract).await?;
    let mut conn = state.store.acquire().await?;
    let mut lines = Vec::with_capacity(cycles.len());
    for c in &cycles {
        let latest = changes::latest(&mut conn, contract, c.delivery.id).await?;
        lines.push(CycleLine {
            id: c.delivery.id,
            title: c.title(),
            received: format_ts(c.delivery.received_at, ctx.lang),
            deadline: c.deadline_text(),
            status: status_of(c, latest.as_ref(), ctx.t),
            open: c.window.is_open(),
        });
    }
    Ok(lines)
}

#[derive(Template)]
#[template(path = "zaikei/change_pick.html")]
pub struct PickPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub base: String,
    /// Where a サイクル links: change, send or history.
    pub target: &'static str,
    pub intro: String,
    pub cycles: Vec<CycleLine>,
}

/// `GET /{portal}/zaikei/change`: the サイクル to change.
pub async fn pick(State(state): State<AppState>, current: CurrentUser, ctx: Ctx) -> Result<Response, AppError> {
    pick_page(&state, &current, &ctx, MenuItem::ZaikeiChange).await
}

/// The picker of each change screen.
pub async fn pick_page(
    state: &AppState,
    current: &CurrentUser,
    ctx: &Ctx,
    item: MenuItem,
) -> Result<Response, AppError> {
    let contract = match cycle::enter(state, current, ctx, item).await? {
        Ok(contract) => contract,
        Err(response) => return Ok(response),
    };
    let (target, title, screen, intro) = match item {
        MenuItem::ZaikeiSend => ("send", "menu.zaikei_send", Screen::ZaikeiSend, "zchange.pick_send"),
        MenuItem::ZaikeiHistory => ("history", "menu.zaikei_history", Screen::ZaikeiHistory, "zchange.pick_history"),
        _ => ("change", "menu.zaikei_change", Screen::ZaikeiChange, "zchange.pick_change"),
    };
    let cycles = cycle_lines(state, current, ctx, contract).await?;
    Ok(html(&PickPage {
        chrome: ctx.chrome(ctx.t.get(title), Some(&current.portal), Some(screen)),
        menu: menu(current, ctx),
        base: format!("/{}", current.portal.id),
        target,
        intro: ctx.t.get(intro).to_string(),
        cycles,
    })?
    .into_response())
}

#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    #[serde(default)]
    pub dept: String,
    #[serde(default)]
    pub employee_no: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub page: Option<i64>,
    /// What the last save did (`saved`, `removed`), for the notice.
    #[serde(default)]
    pub done: String,
}

impl ListQuery {
    fn query_string(&self, page: i64) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("dept", &self.dept)
            .append_pair("employee_no", &self.employee_no)
            .append_pair("name", &self.name)
            .append_pair("kind", &self.kind)
            .append_pair("page", &page.to_string())
            .finish()
    }
}

/// A 明細 of the list with the draft's change over it.
pub struct ListLine {
    pub row_id: i64,
    pub dept: String,
    pub employee_no: String,
    pub name: String,
    pub kind: String,
    pub amount: String,
    /// 変更後 (the change's amount, 「中止」, or the typed text when invalid), empty if unchanged.
    pub after: String,
    pub change: String,
    pub invalid: bool,
}

/// A 新規 of the draft.
pub struct NewLine {
    pub id: i64,
    pub employee_no: String,
    pub name: String,
    pub kind: String,
    pub amount: String,
    pub invalid: bool,
}

#[derive(Template)]
#[template(path = "zaikei/change_list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub action: String,
    pub cycle_title: String,
    pub deadline: String,
    pub closed: Option<String>,
    pub status: String,
    pub notice: Option<String>,
    pub query: ListQuery,
    pub kinds: Vec<(String, String)>,
    pub lines: Vec<ListLine>,
    pub news: Vec<NewLine>,
    pub total: i64,
    pub pager: Pager,
    pub changes: usize,
}

/// The window's refusal in the user's language, None while open.
pub fn refusal(cycle: &Cycle, ctx: &Ctx) -> Option<String> {
    cycle.window.refusal(ctx.t.get("zchange.err_deadline"), ctx.t.get("zchange.err_no_deadline"))
}

/// The text of a change's 変更後.
pub fn after_text(row: &ChangeRow, ctx: &Ctx) -> String {
    match (row.kind, row.after()) {
        (Some(ChangeKind::Stop), _) => ctx.t.get("zchange.stop").to_string(),
        (_, Some(amount)) => yen(amount),
        (_, None) => row.amount_text.clone(),
    }
}

/// The newest version's rows, if any.
pub async fn current_rows(
    state: &AppState,
    contract: i64,
    delivery: i64,
) -> Result<(Option<ChangeSet>, Vec<ChangeRow>), AppError> {
    let mut conn = state.store.acquire().await?;
    let latest = changes::latest(&mut conn, contract, delivery).await?;
    let rows = match &latest {
        Some(set) => changes::rows(&mut conn, contract, set.id).await?,
        None => Vec::new(),
    };
    Ok((latest, rows))
}

/// `GET /{portal}/zaikei/change/{id}`: the サイクル's 明細 with the draft over them.
pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let contract = match cycle::enter(&state, &current, &ctx, MenuItem::ZaikeiChange).await? {
        Ok(contract) => contract,
        Err(response) => return Ok(response),
    };
    let cycle = cycle::load(&state, &current, contract, id).await?;
    let (latest, rows) = current_rows(&state, contract, id).await?;
    let filter = LineFilter {
        dept_code: q.dept.trim().to_string(),
        employee_no: q.employee_no.trim().to_string(),
        name_key: kana_search_key(&q.name),
        kind: SavingsKind::from_code(q.kind.trim()),
    };
    let page = q.page.unwrap_or(1).max(1);
    let (found, total) = {
        let mut conn = state.store.acquire().await?;
        changes::lines(&mut conn, contract, id, &filter, PAGE, (page - 1).saturating_mul(PAGE)).await?
    };
    let by_row: HashMap<i64, &ChangeRow> = rows.iter().filter_map(|r| Some((r.deposit_row_id?, r))).collect();
    let lines = found
        .iter()
        .map(|l| {
            let change = by_row.get(&l.row_id);
            ListLine {
                row_id: l.row_id,
                dept: format!("{} {}", l.dept_code, l.dept_name).trim().to_string(),
                employee_no: l.employee_no.clone(),
                name: l.name.clone(),
                kind: l.kind.label().to_string(),
                amount: yen(l.amount),
                after: change.map(|c| after_text(c, &ctx)).unwrap_or_default(),
                change: change.and_then(|c| c.kind).map(|k| k.label().to_string()).unwrap_or_default(),
                invalid: change.is_some_and(|c| c.kind != Some(ChangeKind::Stop) && c.amount.is_none()),
            }
        })
        .collect();
    let news = rows
        .iter()
        .filter(|r| r.kind == Some(ChangeKind::New))
        .map(|r| NewLine {
            id: r.id,
            employee_no: r.employee_no.clone(),
            name: r.name.clone(),
            kind: SavingsKind::from_code(&r.savings_kind).map(|k| k.label().to_string()).unwrap_or_default(),
            amount: after_text(r, &ctx),
            invalid: r.amount.is_none(),
        })
        .collect();
    let action = format!("/{}/zaikei/change/{id}", current.portal.id);
    let link = |p: i64| format!("{action}?{}", q.query_string(p));
    let pager = Pager::new(page, total, PAGE, link);
    let notice = match q.done.as_str() {
        "saved" => Some(ctx.t.get("zchange.saved").to_string()),
        "removed" => Some(ctx.t.get("zchange.removed").to_string()),
        _ => None,
    };
    Ok(html(&ListPage {
        chrome: ctx.chrome(ctx.t.get("menu.zaikei_change"), Some(&current.portal), Some(Screen::ZaikeiChange)),
        menu: menu(&current, &ctx),
        action,
        cycle_title: cycle.title(),
        deadline: cycle.deadline_text(),
        closed: refusal(&cycle, &ctx),
        status: status_of(&cycle, latest.as_ref(), ctx.t),
        notice,
        query: q,
        kinds: SavingsKind::ALL.iter().map(|k| (k.code().to_string(), k.label().to_string())).collect(),
        lines,
        news,
        total,
        pager,
        changes: rows.len(),
    })?
    .into_response())
}

/// A reviewed change as 「確認」 and 送信 list it.
pub struct ChangeLine {
    pub who: String,
    pub kind: String,
    pub change: String,
    pub before: String,
    pub after: String,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub edit: String,
}

pub fn change_lines(reviewed: &[Reviewed], base: &str, ctx: &Ctx) -> Vec<ChangeLine> {
    reviewed
        .iter()
        .map(|r| {
            let (who, edit) = match &r.line {
                Some(l) => (format!("{} {}", l.employee_no, l.name), format!("{base}/rows/{}", l.row_id)),
                None => (format!("{} {}", r.row.employee_no, r.row.name), format!("{base}/new/{}", r.row.id)),
            };
            ChangeLine {
                who,
                kind: r.kind().map(|k| k.label().to_string()).unwrap_or_default(),
                change: r.row.kind.map(|k| k.label().to_string()).unwrap_or_default(),
                before: r.row.before_amount.map(yen).unwrap_or_else(|| "—".into()),
                after: after_text(&r.row, ctx),
                errors: r.errors.iter().map(|(_, m)| m.clone()).collect(),
                warnings: r.warnings.clone(),
                edit,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "zaikei/change_confirm.html")]
pub struct ConfirmPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub base: String,
    pub id: i64,
    pub cycle_title: String,
    pub deadline: String,
    pub closed: Option<String>,
    pub lines: Vec<ChangeLine>,
    pub errors: usize,
    pub sent: bool,
}

/// `GET /{portal}/zaikei/change/{id}/confirm`: 「確認」, the change set as it stands.
pub async fn confirm(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let contract = match cycle::enter(&state, &current, &ctx, MenuItem::ZaikeiChange).await? {
        Ok(contract) => contract,
        Err(response) => return Ok(response),
    };
    let cycle = cycle::load(&state, &current, contract, id).await?;
    let (latest, rows) = current_rows(&state, contract, id).await?;
    let reviewed = {
        let mut conn = state.store.acquire().await?;
        review::review(&mut conn, contract, &cycle, rows, ctx.t).await?
    };
    let base = format!("/{}/zaikei/change/{id}", current.portal.id);
    let lines = change_lines(&reviewed, &base, &ctx);
    Ok(html(&ConfirmPage {
        chrome: ctx.chrome(ctx.t.get("zchange.confirm_title"), Some(&current.portal), Some(Screen::ZaikeiChange)),
        menu: menu(&current, &ctx),
        base: format!("/{}", current.portal.id),
        id,
        cycle_title: cycle.title(),
        deadline: cycle.deadline_text(),
        closed: refusal(&cycle, &ctx),
        errors: lines.iter().filter(|l| !l.errors.is_empty()).count(),
        lines,
        sent: latest.is_some_and(|s| s.sent),
    })?
    .into_response())
}
