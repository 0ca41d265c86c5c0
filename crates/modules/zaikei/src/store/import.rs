//! Writing one checked delivery file in the caller's transaction: the members and 財形契約 it
//! names (updated from the newest file: names, 所属 and 口座番号 change), the delivery, and its
//! rows. A delivery with the same key (契約, kind, 区分, date) is replaced: deleted with its rows
//! first, so the file is the delivery whole.

use crate::kinds::{Cycle, DeliveryState};
use crate::layout::{Account, Detail, Member, Parsed};
use madoguchi_core::normalize::kana_search_key;
use madoguchi_store::Conn;

/// The folded text the 氏名 filter searches: 氏名 and フリガナ.
pub fn search_key(name: &str, kana: &str) -> String {
    kana_search_key(&format!("{name} {kana}"))
}

async fn member(conn: &mut Conn, contract: i64, m: &Member) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO zaikei_members (contract_id, employee_no, name, kana, birth_date, dept_code, dept_name, search_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (contract_id, employee_no) DO UPDATE SET name = excluded.name, kana = excluded.kana,
           birth_date = COALESCE(excluded.birth_date, zaikei_members.birth_date), dept_code = excluded.dept_code,
           dept_name = excluded.dept_name, search_key = excluded.search_key
         RETURNING id",
    )
    .bind(contract)
    .bind(&m.employee_no)
    .bind(&m.name)
    .bind(&m.kana)
    .bind(m.birth_date.as_deref())
    .bind(&m.dept_code)
    .bind(&m.dept_name)
    .bind(search_key(&m.name, &m.kana))
    .fetch_one(conn)
    .await
}

async fn account(conn: &mut Conn, member: i64, a: &Account, limit: Option<i64>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO zaikei_accounts (member_id, kind, account_no, contracted_on, tax_free_limit)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (member_id, kind) DO UPDATE SET account_no = excluded.account_no,
           contracted_on = COALESCE(excluded.contracted_on, zaikei_accounts.contracted_on),
           tax_free_limit = COALESCE(excluded.tax_free_limit, zaikei_accounts.tax_free_limit)
         RETURNING id",
    )
    .bind(member)
    .bind(a.kind.code())
    .bind(&a.account_no)
    .bind(a.contracted_on.as_deref())
    .bind(limit)
    .fetch_one(conn)
    .await
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
    for row in &parsed.rows {
        let member = member(conn, contract, &row.member).await?;
        let limit = match row.detail {
            Detail::Balance { tax_free_limit, .. } => tax_free_limit,
            _ => None,
        };
        let account = account(conn, member, &row.account, limit).await?;
        insert_detail(conn, delivery, account, row.line as i64, &row.detail).await?;
    }
    Ok(delivery)
}

async fn insert_detail(
    conn: &mut Conn,
    delivery: i64,
    account: i64,
    line: i64,
    detail: &Detail,
) -> Result<(), sqlx::Error> {
    let query = match detail {
        Detail::Deposit { amount, previous_amount, change, incentive } => sqlx::query(
            "INSERT INTO zaikei_deposit_rows (delivery_id, account_id, line_no, amount, change_kind, previous_amount, incentive_amount)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(delivery)
        .bind(account)
        .bind(line)
        .bind(*amount)
        .bind(change.code())
        .bind(*previous_amount)
        .bind(*incentive),
        Detail::Balance { principal, interest, total, tax_free_limit } => sqlx::query(
            "INSERT INTO zaikei_balance_rows (delivery_id, account_id, line_no, principal, interest, total, tax_free_limit, limit_rest)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(delivery)
        .bind(account)
        .bind(line)
        .bind(*principal)
        .bind(*interest)
        .bind(*total)
        .bind(*tax_free_limit)
        .bind(tax_free_limit.map(|limit| limit - total)),
        Detail::Incentive { amount, cumulative } => sqlx::query(
            "INSERT INTO zaikei_incentive_rows (delivery_id, account_id, line_no, amount, cumulative)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(delivery)
        .bind(account)
        .bind(line)
        .bind(*amount)
        .bind(*cumulative),
        Detail::Alarm { alarm_kind, content, due_on, action } => sqlx::query(
            "INSERT INTO zaikei_alarms (delivery_id, account_id, line_no, alarm_kind, content, due_on, required_action)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(delivery)
        .bind(account)
        .bind(line)
        .bind(alarm_kind.as_str())
        .bind(content.as_str())
        .bind(due_on.as_str())
        .bind(action.as_str()),
    };
    query.execute(conn).await?;
    Ok(())
}

/// Brings PostgreSQL's statistics of the module's tables up to date, in the import's
/// transaction (ANALYZE counts the rows the transaction itself inserted).
///
/// Why: the 照会 queries join rows, 財形契約 and members and sort by 所属 and 社員番号. Right after a
/// delivery of thousands of rows into tables the planner still thinks nearly empty, it picks
/// nested loops over every row and a full sort — measured on a 5,000-member contract: 25 ms a
/// page instead of 0.3 ms, p99 118 ms under 4 clients (docs/BENCHMARKS.md 「財形」) — until
/// autovacuum's own ANALYZE, and a generic plan cached on a pooled connection keeps the mistake
/// until the statistics change. ANALYZE samples at most 30,000 rows a table: a few
/// milliseconds here. SQLite plans these queries well without statistics (same figures), so it
/// is left alone.
pub async fn refresh_statistics(conn: &mut Conn) -> Result<(), sqlx::Error> {
    if conn.backend_name() != "PostgreSQL" {
        return Ok(());
    }
    sqlx::query(
        "ANALYZE zaikei_members, zaikei_accounts, zaikei_deliveries, zaikei_deposit_rows, zaikei_balance_rows,
                 zaikei_incentive_rows, zaikei_alarms",
    )
    .execute(conn)
    .await?;
    Ok(())
}
