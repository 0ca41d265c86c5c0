//! 財形積立明細照会's query, over one delivery of the contract: the filters (所属コード, 社員番号,
//! 氏名 folded, 財形種類, 変更区分), the exact count and the totals per 財形種類 in SQL over the
//! filtered set, and a page of rows sorted by 所属コード, 社員番号 and 財形種類. [`all`] gives
//! every filtered row in that order (the PDF and CSV outputs).
//!
//! Each filter that is set adds a fixed condition with a bound value: the statement text depends
//! on which filters are set, never on what was typed. The order and the 財形種類 are copies on the
//! row (`sort_no`, `savings_kind`; migration 0023), so that a page reads its 50 rows off an index
//! and the totals one table (docs/ZAIKEI.md 「照会の速さ」).

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

/// The row table of a kind of delivery and the columns its rows add to the member's.
fn table(kind: DeliveryKind) -> (&'static str, &'static str) {
    match kind {
        DeliveryKind::Deposit => (
            "zaikei_deposit_rows",
            "r.amount, r.change_kind, r.previous_amount, r.incentive_amount,
             CAST(0 AS BIGINT) AS principal, CAST(0 AS BIGINT) AS interest, CAST(0 AS BIGINT) AS total,
             CAST(NULL AS BIGINT) AS tax_free_limit, CAST(NULL AS BIGINT) AS limit_rest, CAST(0 AS BIGINT) AS cumulative",
        ),
        DeliveryKind::Balance => (
            "zaikei_balance_rows",
            "CAST(0 AS BIGINT) AS amount, '' AS change_kind, CAST(0 AS BIGINT) AS previous_amount,
             CAST(0 AS BIGINT) AS incentive_amount, r.principal, r.interest, r.total, r.tax_free_limit, r.limit_rest,
             CAST(0 AS BIGINT) AS cumulative",
        ),
        DeliveryKind::Incentive | DeliveryKind::Alarm => (
            "zaikei_incentive_rows",
            "r.amount, '' AS change_kind, CAST(0 AS BIGINT) AS previous_amount, CAST(0 AS BIGINT) AS incentive_amount,
             CAST(0 AS BIGINT) AS principal, CAST(0 AS BIGINT) AS interest, CAST(0 AS BIGINT) AS total,
             CAST(NULL AS BIGINT) AS tax_free_limit, CAST(NULL AS BIGINT) AS limit_rest, r.cumulative",
        ),
    }
}

/// A statement and its values, numbered as they are added (`$3`, `$4`, …; `$1` is the delivery
/// and `$2` the contract).
struct Statement {
    sql: String,
    values: Vec<String>,
}

impl Statement {
    /// `… FROM <rows> r … WHERE …` of the filtered rows of one delivery of the contract.
    ///
    /// The statement holds a condition only for a filter that is set, so that each combination
    /// is its own fixed statement with its own plan: "`$3 = '' OR …`" conditions let
    /// PostgreSQL's generic plan (chosen after five runs of a prepared statement) scan and join
    /// the whole delivery for a filter that narrows it to a few rows. Values are always bound.
    /// The members are joined only when a member's field is filtered on.
    fn filtered(table: &str, filter: &Filter, sqlite: bool) -> Statement {
        let by_member =
            !filter.dept_code.is_empty() || !filter.employee_no.is_empty() || !name_pattern(&filter.name).is_empty();
        let mut sql = format!(" FROM {table} r");
        if by_member {
            sql.push_str(" JOIN zaikei_accounts a ON a.id = r.account_id JOIN zaikei_members m ON m.id = a.member_id");
        }
        // The delivery is the contract's: checked once per statement, not per row.
        sql.push_str(
            " WHERE r.delivery_id = $1
                AND EXISTS (SELECT 1 FROM zaikei_deliveries d WHERE d.id = $1 AND d.contract_id = $2)",
        );
        if by_member {
            sql.push_str(" AND m.contract_id = $2");
        }
        let mut statement = Statement { sql, values: Vec::new() };
        statement.condition(" AND m.dept_code = ", &filter.dept_code);
        statement.condition(" AND m.employee_no = ", &filter.employee_no);
        // PostgreSQL's LIKE escapes with `\` by default; SQLite's has no escape unless told.
        let like = if sqlite { " ESCAPE '\\'" } else { "" };
        if statement.condition(" AND m.search_key LIKE ", &name_pattern(&filter.name)) {
            statement.sql.push_str(like);
        }
        statement.condition(" AND r.savings_kind = ", filter.savings.map(SavingsKind::code).unwrap_or(""));
        if table == "zaikei_deposit_rows" {
            statement.condition(" AND r.change_kind = ", filter.change.map(ChangeKind::code).unwrap_or(""));
        }
        statement
    }

    /// Adds `<prefix>$n` for a non-empty value; whether it did.
    fn condition(&mut self, prefix: &str, value: &str) -> bool {
        if value.is_empty() {
            return false;
        }
        self.values.push(value.to_string());
        self.sql.push_str(&format!("{prefix}${}", self.values.len() + 2));
        true
    }

    /// The next placeholder's number.
    fn next(&self) -> usize {
        self.values.len() + 3
    }

    fn query(&self, contract: i64, delivery: i64) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments> {
        // Safe: the text is fixed fragments chosen by which filters are set; every value is bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(self.sql.as_str())).bind(delivery).bind(contract);
        for value in &self.values {
            query = query.bind(value.as_str());
        }
        query
    }
}

/// The count and totals per 財形種類 of the filtered rows (`SUM` of a BIGINT is a NUMERIC on
/// PostgreSQL: cast back).
fn totals_statement(kind: DeliveryKind, filter: &Filter, sqlite: bool) -> Statement {
    let (rows, _) = table(kind);
    let amount = if kind == DeliveryKind::Balance { "r.total" } else { "r.amount" };
    let filtered = Statement::filtered(rows, filter, sqlite);
    Statement {
        sql: format!(
            "SELECT r.savings_kind AS savings, COUNT(*) AS n, CAST(COALESCE(SUM({amount}), 0) AS BIGINT) AS amount{}
              GROUP BY r.savings_kind",
            filtered.sql
        ),
        values: filtered.values,
    }
}

/// A page of the filtered rows in the delivery's order: the page's ids first (off the index
/// `(delivery_id, sort_no)` when no member's field is filtered), then their members and
/// accounts — 50 rows joined, not the 5,000 before the page.
fn page_statement(kind: DeliveryKind, filter: &Filter, sqlite: bool) -> Statement {
    let (rows, figures) = table(kind);
    let filtered = Statement::filtered(rows, filter, sqlite);
    let (limit, offset) = (filtered.next(), filtered.next() + 1);
    Statement {
        sql: format!(
            "SELECT r.id, m.employee_no, m.name, m.kana, m.birth_date, m.dept_code, m.dept_name, a.kind AS savings,
                    a.account_no, a.contracted_on, {figures}
               FROM (SELECT r.id{} ORDER BY r.sort_no LIMIT ${limit} OFFSET ${offset}) p
               JOIN {rows} r ON r.id = p.id
               JOIN zaikei_accounts a ON a.id = r.account_id
               JOIN zaikei_members m ON m.id = a.member_id
              ORDER BY r.sort_no",
            filtered.sql
        ),
        values: filtered.values,
    }
}

/// Numbers the rows of a delivery of `kind` in the 照会's order (`sort_no`, 1..n): 所属コード,
/// 社員番号, 財形種類 (一般, 年金, 住宅), then the order they came in. Run by the import, by
/// 労金処理済 and when a member moved to another 所属.
pub async fn renumber(conn: &mut Conn, kind: DeliveryKind, delivery: i64) -> Result<(), sqlx::Error> {
    let (rows, _) = table(kind);
    let sql = format!(
        "UPDATE {rows} SET sort_no = s.n
           FROM (SELECT r.id, ROW_NUMBER() OVER (ORDER BY m.dept_code, m.employee_no,
                        CASE a.kind WHEN 'general' THEN 1 WHEN 'pension' THEN 2 ELSE 3 END, r.id) AS n
                   FROM {rows} r JOIN zaikei_accounts a ON a.id = r.account_id
                   JOIN zaikei_members m ON m.id = a.member_id
                  WHERE r.delivery_id = $1) s
          WHERE {rows}.id = s.id"
    );
    // Safe: `rows` is one of three table names; the delivery is bound.
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(delivery).execute(conn).await?;
    Ok(())
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

fn is_sqlite(conn: &Conn) -> bool {
    conn.backend_name() == "SQLite"
}

/// The exact count and totals per 財形種類 of the filtered rows.
pub async fn totals(
    conn: &mut Conn,
    contract: i64,
    delivery: i64,
    kind: DeliveryKind,
    filter: &Filter,
) -> Result<Totals, sqlx::Error> {
    let statement = totals_statement(kind, filter, is_sqlite(conn));
    let rows = statement.query(contract, delivery).fetch_all(&mut *conn).await?;
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
    let statement = page_statement(kind, filter, is_sqlite(conn));
    let rows = statement.query(contract, delivery).bind(limit).bind(offset).fetch_all(&mut *conn).await?;
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
