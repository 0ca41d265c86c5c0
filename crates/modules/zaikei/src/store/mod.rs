//! The module's SQL, each function taking `&mut Conn` so that it composes inside the caller's
//! transaction. Every query of a contract's data binds the contract (`zaikei_deliveries.
//! contract_id`): a delivery, a row or an alarm of another contract is never found, whatever id
//! the address names.
//!
//! - this file: deliveries (list, find, keep the 3 most recent), the two change flags.
//! - `import`: writing one parsed file (members, 財形契約, delivery, rows).
//! - `statements`: the 照会 query (filters, totals, pages), also for the PDF/CSV.
//! - `alarms`: the アラーム明細 query and 対応済.
//! - `changes`: 財形積立明細変更's 明細 list, change sets (versions) and their rows.
//! - `sent`: the bank's side — sent changes per 入金予定日, the export, 「労金処理済」.

pub mod alarms;
pub mod changes;
pub mod import;
pub mod sent;
pub mod statements;

use crate::kinds::{Cycle, DeliveryKind, DeliveryState};
use madoguchi_store::Conn;
use sqlx::Row;

/// How many deliveries per kind and contract are shown and kept (「直近 3 回分」).
pub const KEPT: i64 = 3;

/// One file the bank delivered.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub contract_id: i64,
    pub kind: DeliveryKind,
    pub cycle: Option<Cycle>,
    /// 入金予定日 / 基準日 / 作成日, `YYYY-MM-DD`.
    pub due_on: String,
    pub received_at: i64,
    pub file_name: String,
    pub row_count: i64,
    pub state: DeliveryState,
}

macro_rules! columns {
    () => {
        "SELECT id, contract_id, kind, cycle, due_on, received_at, file_name, row_count, state FROM zaikei_deliveries"
    };
}

fn delivery(r: &sqlx::any::AnyRow) -> Result<Delivery, sqlx::Error> {
    let kind: String = r.try_get("kind")?;
    let state: String = r.try_get("state")?;
    let cycle: String = r.try_get("cycle")?;
    let bad = |what: &str| sqlx::Error::Decode(format!("zaikei_deliveries: unknown {what}").into());
    Ok(Delivery {
        id: r.try_get("id")?,
        contract_id: r.try_get("contract_id")?,
        kind: DeliveryKind::parse(&kind).ok_or_else(|| bad("kind"))?,
        cycle: Cycle::from_code(&cycle),
        due_on: r.try_get("due_on")?,
        received_at: r.try_get("received_at")?,
        file_name: r.try_get("file_name")?,
        row_count: r.try_get("row_count")?,
        state: DeliveryState::from_code(&state).ok_or_else(|| bad("state"))?,
    })
}

/// The contract's deliveries of one kind that are shown: the [`KEPT`] most recent by date
/// (then by arrival), newest first. An older one left by a 4th import is no longer listed even
/// before the daily job deletes it.
pub async fn recent(conn: &mut Conn, contract: i64, kind: DeliveryKind) -> Result<Vec<Delivery>, sqlx::Error> {
    let sql = concat!(
        columns!(),
        " WHERE contract_id = $1 AND kind = $2 ORDER BY due_on DESC, received_at DESC, id DESC LIMIT $3"
    );
    let rows = sqlx::query(sql).bind(contract).bind(kind.code()).bind(KEPT).fetch_all(conn).await?;
    rows.iter().map(delivery).collect()
}

/// A delivery of the contract that is still shown (one of [`recent`]); None for another
/// contract's, an unknown id or one pushed out by newer deliveries.
pub async fn shown(conn: &mut Conn, contract: i64, id: i64) -> Result<Option<Delivery>, sqlx::Error> {
    let sql = concat!(columns!(), " WHERE id = $1 AND contract_id = $2");
    let Some(row) = sqlx::query(sql).bind(id).bind(contract).fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let found = delivery(&row)?;
    let recent = recent(conn, contract, found.kind).await?;
    Ok(recent.into_iter().find(|d| d.id == id))
}

/// The delivery with this key (契約, kind, 区分, date), shown or not: what a re-import replaces.
pub async fn by_key(
    conn: &mut Conn,
    contract: i64,
    kind: DeliveryKind,
    cycle: Option<Cycle>,
    due_on: &str,
) -> Result<Option<Delivery>, sqlx::Error> {
    let sql = concat!(columns!(), " WHERE contract_id = $1 AND kind = $2 AND cycle = $3 AND due_on = $4");
    let row = sqlx::query(sql)
        .bind(contract)
        .bind(kind.code())
        .bind(cycle.map(Cycle::code).unwrap_or(""))
        .bind(due_on)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(delivery).transpose()
}

/// Whether the employer has changed anything in this delivery (財形積立明細変更: a draft or
/// a sent version): a re-import would throw that away, so it needs the operator's
/// 「変更内容を破棄して再取込」.
pub async fn has_employer_changes(conn: &mut Conn, contract: i64, delivery: i64) -> Result<bool, sqlx::Error> {
    changes::exists(conn, contract, delivery).await
}

/// Deletes every delivery beyond the [`KEPT`] most recent per contract and kind (their rows
/// go with them) on the portal; returns how many went. The jobs run it.
pub async fn prune(conn: &mut Conn, portal: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM zaikei_deliveries WHERE id IN (
           SELECT d.id FROM zaikei_deliveries d JOIN contracts c ON c.id = d.contract_id
           WHERE c.portal = $2 AND (SELECT COUNT(*) FROM zaikei_deliveries n
                  WHERE n.contract_id = d.contract_id AND n.kind = d.kind
                    AND (n.due_on > d.due_on OR (n.due_on = d.due_on AND (n.received_at > d.received_at
                         OR (n.received_at = d.received_at AND n.id > d.id))))) >= $1)",
    )
    .bind(KEPT)
    .bind(portal)
    .execute(&mut *conn)
    .await?;
    // Members no kept row names any more go too (a worker who left the scheme).
    sqlx::query(
        "DELETE FROM zaikei_members WHERE contract_id IN (SELECT id FROM contracts WHERE portal = $1) AND NOT EXISTS (
           SELECT 1 FROM zaikei_accounts a WHERE a.member_id = zaikei_members.id AND (
             EXISTS (SELECT 1 FROM zaikei_deposit_rows r WHERE r.account_id = a.id)
             OR EXISTS (SELECT 1 FROM zaikei_balance_rows r WHERE r.account_id = a.id)
             OR EXISTS (SELECT 1 FROM zaikei_incentive_rows r WHERE r.account_id = a.id)
             OR EXISTS (SELECT 1 FROM zaikei_alarms r WHERE r.account_id = a.id)))",
    )
    .bind(portal)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// The contract's 明細変更機能 option (the operator turns it on or off).
pub async fn set_change_option(conn: &mut Conn, contract: i64, on: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE contracts SET zaikei_change = $2 WHERE id = $1")
        .bind(contract)
        .bind(i64::from(on))
        .execute(conn)
        .await?;
    Ok(())
}

/// A user's 明細変更 right (the master grants it to general users), bound to the organization
/// so that a master cannot touch another organization's user.
pub async fn set_change_right(conn: &mut Conn, organization: i64, user: i64, on: bool) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET zaikei_change_right = $3 WHERE id = $1 AND organization_id = $2")
        .bind(user)
        .bind(organization)
        .bind(i64::from(on))
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
