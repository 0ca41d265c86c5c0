//! 財形積立明細変更's SQL: the 明細 of a 預入依頼書 delivery as the change screen lists them, the
//! change sets (versions: one draft, then sent ones) and their rows. Every query binds the
//! contract through `zaikei_deliveries.contract_id`.

use crate::kinds::{ChangeKind, DeliveryState, SavingsKind};
use madoguchi_store::Conn;
use sqlx::Row;

/// One 明細 of the delivery with its member, as the change screen lists it.
#[derive(Debug, Clone)]
pub struct DepositLine {
    pub row_id: i64,
    pub account_id: i64,
    pub member_id: i64,
    pub employee_no: String,
    pub name: String,
    pub kana: String,
    pub birth_date: Option<String>,
    pub dept_code: String,
    pub dept_name: String,
    pub kind: SavingsKind,
    pub amount: i64,
    pub change_kind: ChangeKind,
}

/// The change screen's filters (empty: all).
#[derive(Debug, Clone, Default)]
pub struct LineFilter {
    pub dept_code: String,
    pub employee_no: String,
    /// Already a `kana_search_key`.
    pub name_key: String,
    pub kind: Option<SavingsKind>,
}

macro_rules! line_from {
    () => {
        " FROM zaikei_deposit_rows r
      JOIN zaikei_deliveries d ON d.id = r.delivery_id
      JOIN zaikei_accounts a ON a.id = r.account_id
      JOIN zaikei_members m ON m.id = a.member_id
     WHERE r.delivery_id = $1 AND d.contract_id = $2 AND m.contract_id = $2
       AND ($3 = '' OR m.dept_code = $3) AND ($4 = '' OR m.employee_no = $4)
       AND ($5 = '' OR m.search_key LIKE $6) AND ($7 = '' OR a.kind = $7)"
    };
}

macro_rules! line_columns {
    () => {
        "SELECT r.id AS row_id, a.id AS account_id, m.id AS member_id, m.employee_no, m.name, m.kana, m.birth_date,
                m.dept_code, m.dept_name, a.kind, r.amount, r.change_kind"
    };
}

fn line(r: &sqlx::any::AnyRow) -> Result<DepositLine, sqlx::Error> {
    let kind: String = r.try_get("kind")?;
    let change: String = r.try_get("change_kind")?;
    let bad = |what: &str| sqlx::Error::Decode(format!("zaikei deposit row: unknown {what}").into());
    Ok(DepositLine {
        row_id: r.try_get("row_id")?,
        account_id: r.try_get("account_id")?,
        member_id: r.try_get("member_id")?,
        employee_no: r.try_get("employee_no")?,
        name: r.try_get("name")?,
        kana: r.try_get("kana")?,
        birth_date: r.try_get("birth_date")?,
        dept_code: r.try_get("dept_code")?,
        dept_name: r.try_get("dept_name")?,
        kind: SavingsKind::from_code(&kind).ok_or_else(|| bad("kind"))?,
        amount: r.try_get("amount")?,
        change_kind: ChangeKind::from_code(&change).ok_or_else(|| bad("change_kind"))?,
    })
}

/// A page of the delivery's 明細 (sorted by 所属, 社員番号, 財形種類) and the exact count.
pub async fn lines(
    conn: &mut Conn,
    contract: i64,
    delivery: i64,
    filter: &LineFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<DepositLine>, i64), sqlx::Error> {
    let like = format!("%{}%", filter.name_key.replace(['%', '_'], ""));
    let kind = filter.kind.map(SavingsKind::code).unwrap_or("");
    let total: i64 = sqlx::query_scalar(concat!("SELECT COUNT(*)", line_from!()))
        .bind(delivery)
        .bind(contract)
        .bind(&filter.dept_code)
        .bind(&filter.employee_no)
        .bind(&filter.name_key)
        .bind(&like)
        .bind(kind)
        .fetch_one(&mut *conn)
        .await?;
    let sql = concat!(line_columns!(), line_from!(), " ORDER BY m.dept_code, m.employee_no, a.kind LIMIT $8 OFFSET $9");
    let rows = sqlx::query(sql)
        .bind(delivery)
        .bind(contract)
        .bind(&filter.dept_code)
        .bind(&filter.employee_no)
        .bind(&filter.name_key)
        .bind(&like)
        .bind(kind)
        .bind(limit)
        .bind(offset)
        .fetch_all(conn)
        .await?;
    Ok((rows.iter().map(line).collect::<Result<_, _>>()?, total))
}

/// One 明細 of the delivery (None for another contract's or another delivery's).
pub async fn line_of(
    conn: &mut Conn,
    contract: i64,
    delivery: i64,
    row: i64,
) -> Result<Option<DepositLine>, sqlx::Error> {
    let found = sqlx::query(concat!(line_columns!(), line_from!(), " AND r.id = $8"))
        .bind(delivery)
        .bind(contract)
        .bind("")
        .bind("")
        .bind("")
        .bind("%%")
        .bind("")
        .bind(row)
        .fetch_optional(conn)
        .await?;
    found.as_ref().map(line).transpose()
}

/// What the contract knows of a member by 社員番号: their 財形契約 kinds that are not closed
/// (解約 / 払出済 free the kind again) and their 生年月日.
pub async fn member_accounts(
    conn: &mut Conn,
    contract: i64,
    employee_no: &str,
) -> Result<Vec<SavingsKind>, sqlx::Error> {
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT a.kind FROM zaikei_accounts a JOIN zaikei_members m ON m.id = a.member_id
          WHERE m.contract_id = $1 AND m.employee_no = $2 AND a.state IN ('active', 'paused')",
    )
    .bind(contract)
    .bind(employee_no)
    .fetch_all(conn)
    .await?;
    Ok(kinds.iter().filter_map(|k| SavingsKind::from_code(k)).collect())
}

/// The latest 入金予定日 before `due` on which the account was paid into (a kept 預入依頼書 of
/// the contract with an amount): the 最終積立日 a 中止's 2-year warning counts from.
pub async fn last_deposit_before(
    conn: &mut Conn,
    contract: i64,
    account: i64,
    due: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT MAX(d.due_on) FROM zaikei_deposit_rows r JOIN zaikei_deliveries d ON d.id = r.delivery_id
          WHERE d.contract_id = $1 AND r.account_id = $2 AND d.kind = 'deposit' AND d.due_on < $3 AND r.amount > 0",
    )
    .bind(contract)
    .bind(account)
    .bind(due)
    .fetch_one(conn)
    .await
}

/// One version of the employer's changes to a delivery.
#[derive(Debug, Clone)]
pub struct ChangeSet {
    pub id: i64,
    pub delivery_id: i64,
    pub version: i64,
    pub sent: bool,
    pub revision: i64,
    pub updated_by: String,
    pub updated_at: i64,
    pub sent_by: Option<String>,
    pub sent_at: Option<i64>,
    pub receipt_no: Option<String>,
    pub processed_at: Option<i64>,
}

macro_rules! set_columns {
    () => {
        "SELECT s.id, s.delivery_id, s.version, s.state, s.revision, s.updated_by, s.updated_at,
                s.sent_by, s.sent_at, s.receipt_no, s.processed_at
           FROM zaikei_change_sets s JOIN zaikei_deliveries d ON d.id = s.delivery_id"
    };
}

fn set(r: &sqlx::any::AnyRow) -> Result<ChangeSet, sqlx::Error> {
    let state: String = r.try_get("state")?;
    Ok(ChangeSet {
        id: r.try_get("id")?,
        delivery_id: r.try_get("delivery_id")?,
        version: r.try_get("version")?,
        sent: state == "sent",
        revision: r.try_get("revision")?,
        updated_by: r.try_get("updated_by")?,
        updated_at: r.try_get("updated_at")?,
        sent_by: r.try_get("sent_by")?,
        sent_at: r.try_get("sent_at")?,
        receipt_no: r.try_get("receipt_no")?,
        processed_at: r.try_get("processed_at")?,
    })
}

/// Every version of the delivery's changes, oldest first.
pub async fn sets(conn: &mut Conn, contract: i64, delivery: i64) -> Result<Vec<ChangeSet>, sqlx::Error> {
    let sql = concat!(set_columns!(), " WHERE s.delivery_id = $1 AND d.contract_id = $2 ORDER BY s.version");
    let rows = sqlx::query(sql).bind(delivery).bind(contract).fetch_all(conn).await?;
    rows.iter().map(set).collect()
}

/// The newest version (a draft, or the last sent one).
pub async fn latest(conn: &mut Conn, contract: i64, delivery: i64) -> Result<Option<ChangeSet>, sqlx::Error> {
    Ok(sets(conn, contract, delivery).await?.pop())
}

/// The newest sent version: what the bank gets.
pub async fn latest_sent(conn: &mut Conn, contract: i64, delivery: i64) -> Result<Option<ChangeSet>, sqlx::Error> {
    Ok(sets(conn, contract, delivery).await?.into_iter().rev().find(|s| s.sent))
}

/// Whether the employer has changed anything in this delivery (a draft or a send).
pub async fn exists(conn: &mut Conn, contract: i64, delivery: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM zaikei_change_sets s JOIN zaikei_deliveries d ON d.id = s.delivery_id
          WHERE s.delivery_id = $1 AND d.contract_id = $2",
    )
    .bind(delivery)
    .bind(contract)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// One change of a set.
#[derive(Debug, Clone, Default)]
pub struct ChangeRow {
    pub id: i64,
    pub deposit_row_id: Option<i64>,
    pub kind: Option<ChangeKind>,
    pub amount_text: String,
    pub amount: Option<i64>,
    pub before_amount: Option<i64>,
    pub employee_no: String,
    pub name: String,
    pub kana: String,
    pub birth_date: String,
    pub savings_kind: String,
    pub changed_by: String,
    pub changed_at: i64,
}

impl ChangeRow {
    /// The 積立額 after the change: 0 for a 中止, None while the typed amount is invalid.
    pub fn after(&self) -> Option<i64> {
        match self.kind {
            Some(ChangeKind::Stop) => Some(0),
            _ => self.amount,
        }
    }
}

/// The rows of a set (bound to the contract), in the order they were made.
pub async fn rows(conn: &mut Conn, contract: i64, set_id: i64) -> Result<Vec<ChangeRow>, sqlx::Error> {
    let found = sqlx::query(
        "SELECT c.id, c.deposit_row_id, c.change_kind, c.amount_text, c.amount, c.before_amount, c.employee_no, c.name,
                c.kana, c.birth_date, c.savings_kind, c.changed_by, c.changed_at
           FROM zaikei_change_rows c JOIN zaikei_change_sets s ON s.id = c.set_id
           JOIN zaikei_deliveries d ON d.id = s.delivery_id
          WHERE c.set_id = $1 AND d.contract_id = $2 ORDER BY c.id",
    )
    .bind(set_id)
    .bind(contract)
    .fetch_all(conn)
    .await?;
    found
        .iter()
        .map(|r| {
            let kind: String = r.try_get("change_kind")?;
            Ok(ChangeRow {
                id: r.try_get("id")?,
                deposit_row_id: r.try_get("deposit_row_id")?,
                kind: ChangeKind::from_code(&kind),
                amount_text: r.try_get("amount_text")?,
                amount: r.try_get("amount")?,
                before_amount: r.try_get("before_amount")?,
                employee_no: r.try_get("employee_no")?,
                name: r.try_get("name")?,
                kana: r.try_get("kana")?,
                birth_date: r.try_get("birth_date")?,
                savings_kind: r.try_get("savings_kind")?,
                changed_by: r.try_get("changed_by")?,
                changed_at: r.try_get("changed_at")?,
            })
        })
        .collect()
}

/// The draft to edit: the newest version if it is a draft, else a new version copied from the
/// last sent one (a resend supersedes it). The delivery goes 変更中.
pub async fn open_draft(
    conn: &mut Conn,
    contract: i64,
    delivery: i64,
    by: &str,
    now: i64,
) -> Result<ChangeSet, sqlx::Error> {
    let latest = latest(conn, contract, delivery).await?;
    if let Some(draft) = latest.as_ref().filter(|s| !s.sent) {
        return Ok(draft.clone());
    }
    let version = latest.as_ref().map_or(1, |s| s.version + 1);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO zaikei_change_sets (delivery_id, version, state, revision, updated_by, updated_at)
         SELECT id, $3, 'draft', 0, $4, $5 FROM zaikei_deliveries WHERE id = $1 AND contract_id = $2
         RETURNING id",
    )
    .bind(delivery)
    .bind(contract)
    .bind(version)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    if let Some(previous) = latest {
        sqlx::query(
            "INSERT INTO zaikei_change_rows (set_id, deposit_row_id, change_kind, amount_text, amount, before_amount,
                    employee_no, name, kana, birth_date, savings_kind, changed_by, changed_at)
             SELECT $1, deposit_row_id, change_kind, amount_text, amount, before_amount, employee_no, name, kana,
                    birth_date, savings_kind, changed_by, changed_at
               FROM zaikei_change_rows WHERE set_id = $2 ORDER BY id",
        )
        .bind(id)
        .bind(previous.id)
        .execute(&mut *conn)
        .await?;
    }
    set_delivery_state(conn, contract, delivery, DeliveryState::Changing).await?;
    let sql = concat!(set_columns!(), " WHERE s.id = $1 AND d.contract_id = $2");
    set(&sqlx::query(sql).bind(id).bind(contract).fetch_one(conn).await?)
}

/// Takes the optimistic lock of a draft: bumps its revision if it is still `revision` and
/// still a draft. False: another tab (or user) saved or sent in between.
pub async fn claim(conn: &mut Conn, set_id: i64, revision: i64, by: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE zaikei_change_sets SET revision = revision + 1, updated_by = $3, updated_at = $4
          WHERE id = $1 AND revision = $2 AND state = 'draft'",
    )
    .bind(set_id)
    .bind(revision)
    .bind(by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Puts a change into a claimed draft, replacing the draft's earlier change of the same 明細
/// (or, for a 新規, the one with `replaces`).
pub async fn put_row(conn: &mut Conn, set_id: i64, replaces: Option<i64>, row: &ChangeRow) -> Result<(), sqlx::Error> {
    if let Some(deposit) = row.deposit_row_id {
        sqlx::query("DELETE FROM zaikei_change_rows WHERE set_id = $1 AND deposit_row_id = $2")
            .bind(set_id)
            .bind(deposit)
            .execute(&mut *conn)
            .await?;
    }
    if let Some(old) = replaces {
        remove_row(conn, set_id, old).await?;
    }
    sqlx::query(
        "INSERT INTO zaikei_change_rows (set_id, deposit_row_id, change_kind, amount_text, amount, before_amount,
                employee_no, name, kana, birth_date, savings_kind, changed_by, changed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(set_id)
    .bind(row.deposit_row_id)
    .bind(row.kind.unwrap_or(ChangeKind::Amount).code())
    .bind(&row.amount_text)
    .bind(row.amount)
    .bind(row.before_amount)
    .bind(&row.employee_no)
    .bind(&row.name)
    .bind(&row.kana)
    .bind(&row.birth_date)
    .bind(&row.savings_kind)
    .bind(&row.changed_by)
    .bind(row.changed_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes a change out of a claimed draft (「変更を取り消す」).
pub async fn remove_row(conn: &mut Conn, set_id: i64, change: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM zaikei_change_rows WHERE set_id = $1 AND id = $2")
        .bind(set_id)
        .bind(change)
        .execute(conn)
        .await?;
    Ok(())
}

/// 送信: the claimed draft becomes the sent version with its receipt number.
pub async fn mark_sent(
    conn: &mut Conn,
    contract: i64,
    set: &ChangeSet,
    by: &str,
    now: i64,
    receipt: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE zaikei_change_sets SET state = 'sent', sent_by = $2, sent_at = $3, receipt_no = $4 WHERE id = $1",
    )
    .bind(set.id)
    .bind(by)
    .bind(now)
    .bind(receipt)
    .execute(&mut *conn)
    .await?;
    set_delivery_state(conn, contract, set.delivery_id, DeliveryState::Sent).await
}

pub async fn set_delivery_state(
    conn: &mut Conn,
    contract: i64,
    delivery: i64,
    state: DeliveryState,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE zaikei_deliveries SET state = $3 WHERE id = $1 AND contract_id = $2")
        .bind(delivery)
        .bind(contract)
        .bind(state.code())
        .execute(conn)
        .await?;
    Ok(())
}
