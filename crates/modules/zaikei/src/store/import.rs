//! Writing one checked delivery file in the caller's transaction: the members and 財形契約 it
//! names (updated from the newest file: names, 所属 and 口座番号 change), the delivery, and its
//! rows. A delivery with the same key (契約, kind, 区分, date) is replaced: deleted with its rows
//! first, so the file is the delivery whole.

use super::statements;
use crate::kinds::{Cycle, DeliveryKind, DeliveryState, SavingsKind};
use crate::layout::{Detail, Member, Parsed, Row};
use madoguchi_core::normalize::kana_search_key;
use madoguchi_store::Conn;
use sqlx::Row as _;
use std::collections::HashMap;

/// The folded text the 氏名 filter searches: 氏名 and フリガナ.
pub fn search_key(name: &str, kana: &str) -> String {
    kana_search_key(&format!("{name} {kana}"))
}

/// Deletes the delivery (and its rows) of the contract; false when there was none.
pub async fn delete_delivery(conn: &mut Conn, contract: i64, delivery: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM zaikei_deliveries WHERE id = $1 AND contract_id = $2")
        .bind(delivery)
        .bind(contract)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores the file as a new delivery of the contract; returns its id. The caller has checked
/// (and removed) an existing delivery with the same key.
///
/// A few statements of many rows each, not three statements a row: 5,000 members were 15,000
/// round trips, 2 s on PostgreSQL against the import's 2 s budget (docs/BENCHMARKS.md 「財形」).
pub async fn insert(
    conn: &mut Conn,
    contract: i64,
    parsed: &Parsed,
    file_name: &str,
    imported_by: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let delivery: i64 = sqlx::query_scalar(
        "INSERT INTO zaikei_deliveries (contract_id, kind, cycle, due_on, received_at, file_name, row_count, state, imported_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(contract)
    .bind(parsed.kind.code())
    .bind(parsed.cycle.map(Cycle::code).unwrap_or(""))
    .bind(&parsed.due_on)
    .bind(now)
    .bind(file_name)
    .bind(parsed.rows.len() as i64)
    .bind(DeliveryState::Received.code())
    .bind(imported_by)
    .fetch_one(&mut *conn)
    .await?;
    let departments_before = departments(conn, contract).await?;
    let members = newest_members(&parsed.rows);
    upsert_members(conn, contract, &members).await?;
    let accounts = newest_accounts(&parsed.rows);
    upsert_accounts(conn, contract, &accounts).await?;
    let account_ids = account_ids(conn, contract).await?;
    insert_details(conn, delivery, &parsed.rows, &account_ids).await?;
    if let Some(kind) = ordered(parsed.kind) {
        statements::renumber(conn, kind, delivery).await?;
    }
    // A member this file moves to another 所属 moves in the order of the deliveries kept.
    let moved = members.iter().any(|m| departments_before.get(&m.employee_no).is_some_and(|d| *d != m.dept_code));
    if moved {
        renumber_kept(conn, contract, delivery).await?;
    }
    Ok(delivery)
}

/// The kinds whose rows the 照会 pages in order (the alarms have their own list).
fn ordered(kind: DeliveryKind) -> Option<DeliveryKind> {
    (kind != DeliveryKind::Alarm).then_some(kind)
}

/// 所属コード of each member of the contract, by 社員番号.
async fn departments(conn: &mut Conn, contract: i64) -> Result<HashMap<String, String>, sqlx::Error> {
    let rows = sqlx::query("SELECT employee_no, dept_code FROM zaikei_members WHERE contract_id = $1")
        .bind(contract)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok((r.try_get("employee_no")?, r.try_get("dept_code")?))).collect()
}

/// Renumbers every other delivery of the contract that the 照会 orders.
async fn renumber_kept(conn: &mut Conn, contract: i64, except: i64) -> Result<(), sqlx::Error> {
    let kept = sqlx::query("SELECT id, kind FROM zaikei_deliveries WHERE contract_id = $1 AND id <> $2")
        .bind(contract)
        .bind(except)
        .fetch_all(&mut *conn)
        .await?;
    for row in kept {
        let kind: String = row.try_get("kind")?;
        if let Some(kind) = DeliveryKind::parse(&kind).and_then(ordered) {
            statements::renumber(conn, kind, row.try_get("id")?).await?;
        }
    }
    Ok(())
}

/// The members of the file, each once with what its last row says — as if each row updated
/// the member in turn: a 生年月日 a later row leaves empty stays as an earlier one gave it.
fn newest_members(rows: &[Row]) -> Vec<Member> {
    let mut members: Vec<Member> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for row in rows {
        match at.get(row.member.employee_no.as_str()) {
            Some(&i) => {
                let birth_date = row.member.birth_date.clone().or_else(|| members[i].birth_date.take());
                members[i] = Member { birth_date, ..row.member.clone() };
            }
            None => {
                at.insert(&row.member.employee_no, members.len());
                members.push(row.member.clone());
            }
        }
    }
    members
}

/// A 財形契約 of the file: its member's 社員番号, 口座番号, 契約日 and the 非課税限度額 a 加入者残高
/// 一覧表 gives.
struct NewAccount<'a> {
    employee_no: &'a str,
    kind: SavingsKind,
    account_no: &'a str,
    contracted_on: Option<&'a str>,
    tax_free_limit: Option<i64>,
}

/// The 財形契約 of the file, each once, as if each row updated it in turn (an アラーム明細 may
/// name one several times): the last 口座番号, the last 契約日 and 限度額 given.
fn newest_accounts(rows: &[Row]) -> Vec<NewAccount<'_>> {
    let mut accounts: Vec<NewAccount<'_>> = Vec::new();
    let mut at: HashMap<(&str, SavingsKind), usize> = HashMap::new();
    for row in rows {
        let this = NewAccount {
            employee_no: &row.member.employee_no,
            kind: row.account.kind,
            account_no: &row.account.account_no,
            contracted_on: row.account.contracted_on.as_deref(),
            tax_free_limit: match row.detail {
                Detail::Balance { tax_free_limit, .. } => tax_free_limit,
                _ => None,
            },
        };
        match at.get(&(this.employee_no, this.kind)) {
            Some(&i) => {
                let earlier = &accounts[i];
                accounts[i] = NewAccount {
                    contracted_on: this.contracted_on.or(earlier.contracted_on),
                    tax_free_limit: this.tax_free_limit.or(earlier.tax_free_limit),
                    ..this
                };
            }
            None => {
                at.insert((this.employee_no, this.kind), accounts.len());
                accounts.push(this);
            }
        }
    }
    accounts
}

/// Rows a statement inserts at most: 500 × 9 values stays under both databases' limits on
/// bound values (SQLite 32,766, PostgreSQL 65,535).
const CHUNK: usize = 500;

/// `($1, $2, …), ($n+1, …)` for `rows` rows of `columns` values.
fn placeholders(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=columns).map(|c| format!("${}", r * columns + c)).collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

async fn upsert_members(conn: &mut Conn, contract: i64, members: &[Member]) -> Result<(), sqlx::Error> {
    for chunk in members.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO zaikei_members (contract_id, employee_no, name, kana, birth_date, dept_code, dept_name, search_key)
             VALUES {}
             ON CONFLICT (contract_id, employee_no) DO UPDATE SET name = excluded.name, kana = excluded.kana,
               birth_date = COALESCE(excluded.birth_date, zaikei_members.birth_date), dept_code = excluded.dept_code,
               dept_name = excluded.dept_name, search_key = excluded.search_key",
            placeholders(chunk.len(), 8)
        );
        // Safe: the text is fixed columns and numbered placeholders; every value is bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for m in chunk {
            query = query
                .bind(contract)
                .bind(m.employee_no.as_str())
                .bind(m.name.as_str())
                .bind(m.kana.as_str())
                .bind(m.birth_date.as_deref())
                .bind(m.dept_code.as_str())
                .bind(m.dept_name.as_str())
                .bind(search_key(&m.name, &m.kana));
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn upsert_accounts(conn: &mut Conn, contract: i64, accounts: &[NewAccount<'_>]) -> Result<(), sqlx::Error> {
    let members = member_ids(conn, contract).await?;
    for chunk in accounts.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO zaikei_accounts (member_id, kind, account_no, contracted_on, tax_free_limit)
             VALUES {}
             ON CONFLICT (member_id, kind) DO UPDATE SET account_no = excluded.account_no,
               contracted_on = COALESCE(excluded.contracted_on, zaikei_accounts.contracted_on),
               tax_free_limit = COALESCE(excluded.tax_free_limit, zaikei_accounts.tax_free_limit)",
            placeholders(chunk.len(), 5)
        );
        // Safe: the text is fixed columns and numbered placeholders; every value is bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for a in chunk {
            let member = members.get(a.employee_no).copied().ok_or_else(|| missing("member"))?;
            query =
                query.bind(member).bind(a.kind.code()).bind(a.account_no).bind(a.contracted_on).bind(a.tax_free_limit);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

fn missing(what: &str) -> sqlx::Error {
    sqlx::Error::Protocol(format!("zaikei import: the {what} just written is not there"))
}

/// The contract's members' ids by 社員番号.
async fn member_ids(conn: &mut Conn, contract: i64) -> Result<HashMap<String, i64>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, employee_no FROM zaikei_members WHERE contract_id = $1")
        .bind(contract)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok((r.try_get("employee_no")?, r.try_get("id")?))).collect()
}

/// The contract's 財形契約 ids by 社員番号 and 財形種類.
async fn account_ids(conn: &mut Conn, contract: i64) -> Result<HashMap<(String, String), i64>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT a.id, m.employee_no, a.kind FROM zaikei_accounts a JOIN zaikei_members m ON m.id = a.member_id
          WHERE m.contract_id = $1",
    )
    .bind(contract)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(((r.try_get("employee_no")?, r.try_get("kind")?), r.try_get("id")?))).collect()
}

/// The 明細 of the file, into the table of its kind (one kind per file).
async fn insert_details(
    conn: &mut Conn,
    delivery: i64,
    rows: &[Row],
    accounts: &HashMap<(String, String), i64>,
) -> Result<(), sqlx::Error> {
    let Some(first) = rows.first() else { return Ok(()) };
    let (head, columns) = match first.detail {
        Detail::Deposit { .. } => (
            "zaikei_deposit_rows (delivery_id, account_id, line_no, savings_kind, amount, change_kind, previous_amount, incentive_amount)",
            8,
        ),
        Detail::Balance { .. } => (
            "zaikei_balance_rows (delivery_id, account_id, line_no, savings_kind, principal, interest, total, tax_free_limit, limit_rest)",
            9,
        ),
        Detail::Incentive { .. } => {
            ("zaikei_incentive_rows (delivery_id, account_id, line_no, savings_kind, amount, cumulative)", 6)
        }
        Detail::Alarm { .. } => {
            ("zaikei_alarms (delivery_id, account_id, line_no, alarm_kind, content, due_on, required_action)", 7)
        }
    };
    for chunk in rows.chunks(CHUNK) {
        let sql = format!("INSERT INTO {head} VALUES {}", placeholders(chunk.len(), columns));
        // Safe: the text is fixed columns and numbered placeholders; every value is bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            let key = (row.member.employee_no.clone(), row.account.kind.code().to_string());
            let account = accounts.get(&key).copied().ok_or_else(|| missing("財形契約"))?;
            query = query.bind(delivery).bind(account).bind(row.line as i64);
            query = match &row.detail {
                Detail::Deposit { amount, previous_amount, change, incentive } => query
                    .bind(row.account.kind.code())
                    .bind(*amount)
                    .bind(change.code())
                    .bind(*previous_amount)
                    .bind(*incentive),
                Detail::Balance { principal, interest, total, tax_free_limit } => query
                    .bind(row.account.kind.code())
                    .bind(*principal)
                    .bind(*interest)
                    .bind(*total)
                    .bind(*tax_free_limit)
                    .bind(tax_free_limit.map(|limit| limit - total)),
                Detail::Incentive { amount, cumulative } => {
                    query.bind(row.account.kind.code()).bind(*amount).bind(*cumulative)
                }
                Detail::Alarm { alarm_kind, content, due_on, action } => {
                    query.bind(alarm_kind.as_str()).bind(content.as_str()).bind(due_on.as_str()).bind(action.as_str())
                }
            };
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Brings the database's statistics of the module's tables up to date, in the import's
/// transaction (ANALYZE counts the rows the transaction itself inserted).
///
/// Why: the 照会 queries join rows, 財形契約 and members. Right after a delivery of thousands of
/// rows into tables the planner still thinks nearly empty, PostgreSQL picks nested loops over
/// every row — measured on a 5,000-member contract: 25 ms a page instead of 0.3 ms — until
/// autovacuum's own ANALYZE, and a generic plan cached on a pooled connection keeps the mistake.
/// SQLite, without statistics, drives a 所属 or 氏名 filter from the delivery's 5,000 rows
/// instead of the contract's members: 3.6 ms instead of 0.9 ms. Both sample (PostgreSQL at most
/// 30,000 rows a table; SQLite 1,000 index entries, `analysis_limit`): a few milliseconds.
pub async fn refresh_statistics(conn: &mut Conn) -> Result<(), sqlx::Error> {
    const TABLES: &str = "zaikei_members, zaikei_accounts, zaikei_deliveries, zaikei_deposit_rows, zaikei_balance_rows,
                          zaikei_incentive_rows, zaikei_alarms";
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {TABLES}"))).execute(conn).await?;
        return Ok(());
    }
    sqlx::query("PRAGMA analysis_limit = 1000").execute(&mut *conn).await?;
    for table in TABLES.split(',') {
        sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {}", table.trim()))).execute(&mut *conn).await?;
    }
    Ok(())
}
