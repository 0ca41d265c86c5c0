//! 財形積立明細照会's query, over one delivery of the contract: the filters (所属コード, 社員番号,
//! 氏名 folded, 財形種類, 変更区分), the exact count and the totals per 財形種類 in SQL over the
//! filtered set, and a page of rows sorted by 所属コード, 社員番号 and 財形種類. [`all`] gives
//! every filtered row in that order (the PDF and CSV outputs).
//!
//! The filters are fixed SQL with "empty means any" parameters, so the statement text never
//! depends on the input.

use crate::kinds::{ChangeKind, DeliveryKind, SavingsKind};
use madoguchi_core::normalize::kana_search_key;
use madoguchi_store::Conn;
use sqlx::Row;

/// What the user filters by; empty strings and `None` mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub dept_code: String,
    pub employee_no: String,
    /// As typed; folded here (NFKC, hiragana as katakana, no spaces) like the stored key.
    pub name: String,
    pub savings: Option<SavingsKind>,
    /// 預入依頼書 only.
    pub change: Option<ChangeKind>,
}

/// The figures of one row, per kind of delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Figures {
    Deposit { amount: i64, change: ChangeKind, previous_amount: i64, incentive: i64 },
    Balance { principal: i64, interest: i64, total: i64, tax_free_limit: Option<i64>, limit_rest: Option<i64> },
    Incentive { amount: i64, cumulative: i64 },
}

/// One 明細 as the screen and the outputs show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub row_id: i64,
    pub employee_no: String,
    pub name: String,
    pub kana: String,
    pub birth_date: Option<String>,
    pub dept_code: String,
    pub dept_name: String,
    pub savings: SavingsKind,
    pub account_no: String,
    pub contracted_on: Option<String>,
    pub figures: Figures,
}

/// 件数 and 金額 of the filtered rows per 財形種類 (積立額, 残高合計 or 奨励金額).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub per_kind: Vec<(SavingsKind, i64, i64)>,
    pub count: i64,
    pub amount: i64,
}

macro_rules! filtered {
    ($table:literal, $change:literal) => {
        concat!(
            " FROM ",
            $table,
            " r JOIN zaikei_deliveries d ON d.id = r.delivery_id
              JOIN zaikei_accounts a ON a.id = r.account_id
              JOIN zaikei_members m ON m.id = a.member_id
             WHERE r.delivery_id = $1 AND d.contract_id = $2 AND m.contract_id = $2
               AND ($3 = '' OR m.dept_code = $3)
               AND ($4 = '' OR m.employee_no = $4)
               AND ($5 = '' OR m.search_key LIKE $5 ESCAPE '\\')
               AND ($6 = '' OR a.kind = $6)",
            $change
        )
    };
}

macro_rules! order {
    () => {
        " ORDER BY m.dept_code, m.employee_no,
            CASE a.kind WHEN 'general' THEN 1 WHEN 'pension' THEN 2 ELSE 3 END, r.id
          LIMIT $8 OFFSET $9"
    };
}

/// The SQL of the count and totals per 財形種類 of a delivery of `kind` (`SUM` of a BIGINT is a
/// NUMERIC on PostgreSQL: cast back).
fn totals_sql(kind: DeliveryKind) -> &'static str {
    macro_rules! totals {
        ($amount:literal, $table:literal, $change:literal) => {
            concat!(
                "SELECT a.kind AS savings, COUNT(*) AS n, CAST(COALESCE(SUM(",
                $amount,
                "), 0) AS BIGINT) AS amount",
                filtered!($table, $change),
                " GROUP BY a.kind"
            )
        };
    }
    match kind {
        DeliveryKind::Deposit => {
            totals!("r.amount", "zaikei_deposit_rows", " AND ($7 = '' OR r.change_kind = $7)")
        }
        DeliveryKind::Balance => totals!("r.total", "zaikei_balance_rows", " AND $7 = $7"),
        DeliveryKind::Incentive | DeliveryKind::Alarm => {
            totals!("r.amount", "zaikei_incentive_rows", " AND $7 = $7")
        }
    }
}

/// The SQL of a page (or all) of rows of a delivery of `kind`.
fn rows_sql(kind: DeliveryKind) -> &'static str {
    match kind {
        DeliveryKind::Deposit => concat!(
            "SELECT r.id, m.employee_no, m.name, m.kana, m.birth_date, m.dept_code, m.dept_name, a.kind AS savings,
                    a.account_no, a.contracted_on, r.amount, r.change_kind, r.previous_amount, r.incentive_amount,
                    CAST(0 AS BIGINT) AS principal, CAST(0 AS BIGINT) AS interest, CAST(0 AS BIGINT) AS total,
                    CAST(NULL AS BIGINT) AS tax_free_limit, CAST(NULL AS BIGINT) AS limit_rest, CAST(0 AS BIGINT) AS cumulative",
            filtered!("zaikei_deposit_rows", " AND ($7 = '' OR r.change_kind = $7)"),
            order!()
        ),
        DeliveryKind::Balance => concat!(
            "SELECT r.id, m.employee_no, m.name, m.kana, m.birth_date, m.dept_code, m.dept_name, a.kind AS savings,
                    a.account_no, a.contracted_on, CAST(0 AS BIGINT) AS amount, '' AS change_kind, CAST(0 AS BIGINT) AS previous_amount,
                    CAST(0 AS BIGINT) AS incentive_amount,
                    r.principal, r.interest, r.total, r.tax_free_limit, r.limit_rest, CAST(0 AS BIGINT) AS cumulative",
            filtered!("zaikei_balance_rows", " AND $7 = $7"),
            order!()
        ),
        DeliveryKind::Incentive | DeliveryKind::Alarm => concat!(
            "SELECT r.id, m.employee_no, m.name, m.kana, m.birth_date, m.dept_code, m.dept_name, a.kind AS savings,
                    a.account_no, a.contracted_on, r.amount, '' AS change_kind, CAST(0 AS BIGINT) AS previous_amount, CAST(0 AS BIGINT) AS incentive_amount,
                    CAST(0 AS BIGINT) AS principal, CAST(0 AS BIGINT) AS interest, CAST(0 AS BIGINT) AS total,
                    CAST(NULL AS BIGINT) AS tax_free_limit, CAST(NULL AS BIGINT) AS limit_rest, r.cumulative",
            filtered!("zaikei_incentive_rows", " AND $7 = $7"),
            order!()
        ),
    }
}

/// `LIKE` pattern of the folded name: `%key%` with `%`, `_` and `\` escaped; '' for none.
fn name_pattern(name: &str) -> String {
    let key = kana_search_key(name);
    if key.is_empty() {
        return String::new();
    }
    let escaped: String =
        key.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
    format!("%{escaped}%")
}

fn bind_filter<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    contract: i64,
    delivery: i64,
    filter: &Filter,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    query
        .bind(delivery)
        .bind(contract)
        .bind(filter.dept_code.clone())
        .bind(filter.employee_no.clone())
        .bind(name_pattern(&filter.name))
        .bind(filter.savings.map(SavingsKind::code).unwrap_or("").to_string())
        .bind(filter.change.map(ChangeKind::code).unwrap_or("").to_string())
}

/// The exact count and totals per 財形種類 of the filtered rows.
pub async fn totals(
    conn: &mut Conn,
    contract: i64,
    delivery: i64,
    kind: DeliveryKind,
    filter: &Filter,
) -> Result<Totals, sqlx::Error> {
    let rows = bind_filter(sqlx::query(totals_sql(kind)), contract, delivery, filter).fetch_all(conn).await?;
    let mut totals = Totals::default();
    for savings in SavingsKind::ALL {
        let found = rows.iter().find(|r| r.try_get::<String, _>("savings").ok().as_deref() == Some(savings.code()));
        let (n, sum) = match found {
            Some(r) => (r.try_get::<i64, _>("n")?, r.try_get::<i64, _>("amount")?),
            None => (0, 0),
        };
        totals.per_kind.push((savings, n, sum));
        totals.count += n;
        totals.amount += sum;
    }
    Ok(totals)
}

/// A page of the filtered rows (`limit` from `offset`).
pub async fn page(
    conn: &mut Conn,
    contract: i64,
    delivery: i64,
    kind: DeliveryKind,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> Result<Vec<Line>, sqlx::Error> {
    let query = bind_filter(sqlx::query(rows_sql(kind)), contract, delivery, filter);
    let rows = query.bind(limit).bind(offset).fetch_all(conn).await?;
    rows.iter().map(|r| line(kind, r)).collect()
}

/// Every filtered row, sorted by 所属コード then 社員番号 (the 財形積立明細書 and the CSV).
pub async fn all(
    conn: &mut Conn,
    contract: i64,
    delivery: i64,
    kind: DeliveryKind,
    filter: &Filter,
) -> Result<Vec<Line>, sqlx::Error> {
    page(conn, contract, delivery, kind, filter, i64::MAX, 0).await
}

fn line(kind: DeliveryKind, r: &sqlx::any::AnyRow) -> Result<Line, sqlx::Error> {
    let savings: String = r.try_get("savings")?;
    let bad = |what: &str| sqlx::Error::Decode(format!("zaikei rows: unknown {what}").into());
    let figures = match kind {
        DeliveryKind::Deposit => {
            let change: String = r.try_get("change_kind")?;
            Figures::Deposit {
                amount: r.try_get("amount")?,
                change: ChangeKind::from_code(&change).ok_or_else(|| bad("change_kind"))?,
                previous_amount: r.try_get("previous_amount")?,
                incentive: r.try_get("incentive_amount")?,
            }
        }
        DeliveryKind::Balance => Figures::Balance {
            principal: r.try_get("principal")?,
            interest: r.try_get("interest")?,
            total: r.try_get("total")?,
            tax_free_limit: r.try_get("tax_free_limit")?,
            limit_rest: r.try_get("limit_rest")?,
        },
        DeliveryKind::Incentive | DeliveryKind::Alarm => {
            Figures::Incentive { amount: r.try_get("amount")?, cumulative: r.try_get("cumulative")? }
        }
    };
    Ok(Line {
        row_id: r.try_get("id")?,
        employee_no: r.try_get("employee_no")?,
        name: r.try_get("name")?,
        kana: r.try_get("kana")?,
        birth_date: r.try_get("birth_date")?,
        dept_code: r.try_get("dept_code")?,
        dept_name: r.try_get("dept_name")?,
        savings: SavingsKind::from_code(&savings).ok_or_else(|| bad("kind"))?,
        account_no: r.try_get("account_no")?,
        contracted_on: r.try_get("contracted_on")?,
        figures,
    })
}
