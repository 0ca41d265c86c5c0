//! 財形積立明細照会 (manual Ⅳ.1-1-1, spec §3.6.2): the chosen kind's deliveries (the last 3),
//! the filters (所属コード, 社員番号, 氏名 folded, 財形種類, 変更区分), the totals per 財形種類
//! and overall over the filtered set, and 50 rows a page, the filter kept in the address (GET,
//! no JavaScript). Master and general users alike; only their own contract's data.

use crate::kinds::{ChangeKind, DeliveryKind, SavingsKind};
use crate::store::statements::{self, Figures, Filter, Line, Totals};
use crate::store::{self, Delivery};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use madoguchi_core::normalize;
use madoguchi_core::portal::MenuItem;
use madoguchi_web::ctx::{Chrome, Ctx};
use madoguchi_web::error::AppError;
use madoguchi_web::format::{format_ts, format_yen};
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::pages::information::{MenuView, gate, menu};
use madoguchi_web::pages::{Pager, html};
use madoguchi_web::screens::Screen;
use madoguchi_web::session::CurrentUser;
use madoguchi_web::state::AppState;
use serde::Deserialize;

pub const PAGE: i64 = 50;

/// The kinds this screen shows (アラーム明細 has its own).
const KINDS: [DeliveryKind; 3] = [DeliveryKind::Deposit, DeliveryKind::Balance, DeliveryKind::Incentive];

#[derive(Deserialize, Default, Clone)]
pub struct StatementQuery {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub delivery: String,
    #[serde(default)]
    pub dept: String,
    #[serde(default)]
    pub emp: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub savings: String,
    #[serde(default)]
    pub change: String,
    #[serde(default)]
    pub page: Option<i64>,
}

impl StatementQuery {
    fn query_string(&self, kind: DeliveryKind, delivery: i64, page: i64) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("kind", kind.code())
            .append_pair("delivery", &delivery.to_string())
            .append_pair("dept", &self.dept)
            .append_pair("emp", &self.emp)
            .append_pair("name", &self.name)
            .append_pair("savings", &self.savings)
            .append_pair("change", &self.change)
            .append_pair("page", &page.to_string())
            .finish()
    }
}

/// The signed-in user's contract. An organization without a contract (an account the operator
/// made by hand) has no 財形 data: its users see the screens empty, through an id no contract
/// has (identities start at 1 on both databases), so that every query finds nothing.
pub(crate) fn contract_of(current: &CurrentUser) -> i64 {
    const NO_CONTRACT: i64 = 0;
    current.user.contract_id.unwrap_or(NO_CONTRACT)
}

/// A half-width alphanumeric code of at most `max` characters (full-width folded), or its error.
fn code_filter(raw: &str, max: usize, field: &str, message: &str, errors: &mut FieldErrors) -> String {
    let folded = normalize::fold(raw.trim());
    if folded.chars().count() > max || !folded.chars().all(|c| c.is_ascii_alphanumeric()) {
        errors.add(field, message);
    }
    folded
}

/// The filter the query asks for, with an error per field that is not one.
fn read_filter(q: &StatementQuery, kind: DeliveryKind, ctx: &Ctx, errors: &mut FieldErrors) -> Filter {
    let dept_code = code_filter(&q.dept, 6, "dept", ctx.t.get("zaikei.err_dept"), errors);
    let employee_no = code_filter(&q.emp, 10, "emp", ctx.t.get("zaikei.err_emp"), errors);
    let name = q.name.trim().to_string();
    if name.chars().count() > 40 {
        errors.add("name", ctx.t.get("zaikei.err_name"));
    }
    let savings = match q.savings.as_str() {
        "" => None,
        code => SavingsKind::from_code(code).or_else(|| {
            errors.add("savings", ctx.t.get("zaikei.err_choice"));
            None
        }),
    };
    let change = match q.change.as_str() {
        "" => None,
        _ if kind != DeliveryKind::Deposit => None,
        code => ChangeKind::from_code(code).or_else(|| {
            errors.add("change", ctx.t.get("zaikei.err_choice"));
            None
        }),
    };
    Filter { dept_code, employee_no, name, savings, change }
}

/// One row as the table shows it: the member's and account's columns, then the kind's figures.
pub struct RowView {
    pub dept: String,
    pub employee_no: String,
    pub name: String,
    pub kana: String,
    pub birth_date: String,
    pub savings: String,
    pub account_no: String,
    pub contracted_on: String,
    pub figures: Vec<String>,
}

fn row_view(line: &Line, ctx: &Ctx) -> RowView {
    let yen = |v: i64| format_yen(v);
    let figures = match &line.figures {
        Figures::Deposit { amount, change, previous_amount, incentive } => vec![
            yen(*previous_amount),
            yen(*amount),
            ctx.t.get(&format!("zaikei.change.{}", change.code())).to_string(),
            yen(*incentive),
        ],
        Figures::Balance { principal, interest, total, tax_free_limit, limit_rest } => vec![
            yen(*principal),
            yen(*interest),
            yen(*total),
            tax_free_limit.map(yen).unwrap_or_default(),
            limit_rest.map(yen).unwrap_or_default(),
        ],
        Figures::Incentive { amount, cumulative } => vec![yen(*amount), yen(*cumulative)],
    };
    RowView {
        dept: format!("{} {}", line.dept_code, line.dept_name).trim().to_string(),
        employee_no: line.employee_no.clone(),
        name: line.name.clone(),
        kana: line.kana.clone(),
        birth_date: line.birth_date.clone().unwrap_or_default(),
        savings: ctx.t.get(&format!("zaikei.savings.{}", line.savings.code())).to_string(),
        account_no: line.account_no.clone(),
        contracted_on: line.contracted_on.clone().unwrap_or_default(),
        figures,
    }
}

/// The figure columns' headings of a kind.
fn figure_columns(kind: DeliveryKind, ctx: &Ctx) -> Vec<String> {
    let keys: &[&str] = match kind {
        DeliveryKind::Deposit => {
            &["zaikei.col_previous", "zaikei.col_amount", "zaikei.col_change", "zaikei.col_incentive"]
        }
        DeliveryKind::Balance => &[
            "zaikei.col_principal",
            "zaikei.col_interest",
            "zaikei.col_total",
            "zaikei.col_limit",
            "zaikei.col_limit_rest",
        ],
        DeliveryKind::Incentive | DeliveryKind::Alarm => &["zaikei.col_incentive", "zaikei.col_cumulative"],
    };
    keys.iter().map(|k| ctx.t.get(k).to_string()).collect()
}

/// A delivery in the picker: (id, "入金予定日 2025-07-25 月例（受信 …）").
fn delivery_label(d: &Delivery, ctx: &Ctx) -> String {
    let cycle = d.cycle.map(|c| format!(" {}", ctx.t.get(&format!("zaikei.cycle.{}", c.code())))).unwrap_or_default();
    format!(
        "{} {}{cycle}（{} {}）",
        ctx.t.get(&format!("zaikei.date.{}", d.kind.code())),
        d.due_on,
        ctx.t.get("zaikei.col_received"),
        format_ts(d.received_at, ctx.lang)
    )
}

pub struct TotalLine {
    pub label: String,
    pub count: i64,
    pub amount: String,
}

#[derive(Template)]
#[template(path = "zaikei/statements.html")]
pub struct StatementsPage {
    pub chrome: Chrome,
    pub menu: MenuView,
    pub errors: FieldErrors,
    pub action: String,
    pub query: StatementQuery,
    /// (code, label, selected)
    pub kinds: Vec<(String, String, bool)>,
    /// (id, label, selected)
    pub deliveries: Vec<(String, String, bool)>,
    pub savings_choices: Vec<(String, String)>,
    /// 変更区分 choices; empty for kinds without one.
    pub change_choices: Vec<(String, String)>,
    /// What the chosen delivery is (区分, date, 受信日時, 状態); None when none has arrived.
    pub summary: Option<String>,
    pub amount_label: String,
    pub totals: Vec<TotalLine>,
    pub total: Option<TotalLine>,
    pub count: i64,
    pub columns: Vec<String>,
    pub rows: Vec<RowView>,
    pub pager: Pager,
}

pub async fn statements(
    State(state): State<AppState>,
    current: CurrentUser,
    ctx: Ctx,
    Query(q): Query<StatementQuery>,
) -> Result<Response, AppError> {
    if let Some(response) = gate(&state, &current, MenuItem::ZaikeiStatements) {
        return Ok(response);
    }
    let contract = contract_of(&current);
    let mut errors = FieldErrors::default();
    let kind = match q.kind.as_str() {
        "" => DeliveryKind::Deposit,
        code => match DeliveryKind::parse(code).filter(|k| KINDS.contains(k)) {
            Some(k) => k,
            None => {
                errors.add("kind", ctx.t.get("zaikei.err_choice"));
                DeliveryKind::Deposit
            }
        },
    };
    let filter = read_filter(&q, kind, &ctx, &mut errors);
    let mut conn = state.store.acquire().await?;
    let recent = store::recent(&mut conn, contract, kind).await?;
    // A delivery of another kind (the kind was just changed) means that kind's latest; an id
    // the contract does not show (another contract's, or pushed out) is not found.
    let chosen = match q.delivery.trim().parse::<i64>() {
        Ok(id) => match store::shown(&mut conn, contract, id).await? {
            Some(d) if d.kind == kind => Some(d),
            Some(_) => recent.first().cloned(),
            None => return Err(AppError::NotFound),
        },
        Err(_) if q.delivery.trim().is_empty() => recent.first().cloned(),
        Err(_) => {
            errors.add("delivery", ctx.t.get("zaikei.err_choice"));
            recent.first().cloned()
        }
    };
    let page = q.page.unwrap_or(1).max(1);
    let (totals, lines) = match &chosen {
        Some(d) if errors.is_empty() => (
            statements::totals(&mut conn, contract, d.id, kind, &filter).await?,
            statements::page(&mut conn, contract, d.id, kind, &filter, PAGE, (page - 1).saturating_mul(PAGE)).await?,
        ),
        _ => (Totals::default(), Vec::new()),
    };
    drop(conn);
    let action = format!("/{}/zaikei/statements", current.portal.id);
    let delivery_id = chosen.as_ref().map(|d| d.id).unwrap_or(0);
    let link = |p: i64| format!("{action}?{}", q.query_string(kind, delivery_id, p));
    let pager = Pager::new(page, totals.count, PAGE, link);
    let summary = chosen.as_ref().map(|d| {
        let mut text = delivery_label(d, &ctx);
        if kind == DeliveryKind::Deposit {
            text.push_str(&format!(
                " {}: {}",
                ctx.t.get("zaikei.state"),
                ctx.t.get(&format!("zaikei.st.{}", d.state.code()))
            ));
        }
        text
    });
    let has_totals = chosen.is_some() && errors.is_empty();
    let page_view = StatementsPage {
        chrome: ctx.chrome(ctx.t.get("menu.zaikei_statements"), Some(&current.portal), Some(Screen::ZaikeiStatements)),
        menu: menu(&current, &ctx),
        action,
        kinds: KINDS
            .iter()
            .map(|k| (k.code().to_string(), ctx.t.get(&format!("zaikei.kind.{}", k.code())).to_string(), *k == kind))
            .collect(),
        deliveries: recent
            .iter()
            .map(|d| (d.id.to_string(), delivery_label(d, &ctx), Some(d.id) == chosen.as_ref().map(|c| c.id)))
            .collect(),
        savings_choices: SavingsKind::ALL
            .iter()
            .map(|k| (k.code().to_string(), ctx.t.get(&format!("zaikei.savings.{}", k.code())).to_string()))
            .collect(),
        change_choices: if kind == DeliveryKind::Deposit {
            ChangeKind::ALL
                .iter()
                .map(|k| (k.code().to_string(), ctx.t.get(&format!("zaikei.change.{}", k.code())).to_string()))
                .collect()
        } else {
            Vec::new()
        },
        summary,
        amount_label: ctx.t.get(&format!("zaikei.amount_of.{}", kind.code())).to_string(),
        totals: if has_totals {
            totals
                .per_kind
                .iter()
                .map(|(k, n, sum)| TotalLine {
                    label: ctx.t.get(&format!("zaikei.savings.{}", k.code())).to_string(),
                    count: *n,
                    amount: format_yen(*sum),
                })
                .collect()
        } else {
            Vec::new()
        },
        total: has_totals.then(|| TotalLine {
            label: ctx.t.get("zaikei.total").to_string(),
            count: totals.count,
            amount: format_yen(totals.amount),
        }),
        count: totals.count,
        columns: figure_columns(kind, &ctx),
        rows: lines.iter().map(|l| row_view(l, &ctx)).collect(),
        pager,
        query: q,
        errors,
    };
    Ok(html(&page_view)?.into_response())
}
