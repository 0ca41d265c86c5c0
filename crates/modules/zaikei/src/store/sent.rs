//! The bank's side of the changes (送信済変更一覧, the export, 「労金処理済」): per 入金予定日, the
//! contracts of the portal with a 預入依頼書 delivery, their latest sent version, and applying
//! that version to the delivery's 明細. Bound by portal (the console) and by contract.

use super::changes::{self, ChangeRow, ChangeSet};
use crate::kinds::{ChangeKind, Cycle, DeliveryKind, DeliveryState, SavingsKind};
use madoguchi_core::normalize::kana_search_key;
use madoguchi_store::Conn;
use sqlx::Row;

/// A contract's 預入依頼書 delivery of the 入金予定日, and where its changes stand.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub contract_id: i64,
    /// 契約番号.
    pub contract_no: String,
    pub organization: String,
    pub delivery_id: i64,
    pub cycle: Option<Cycle>,
    pub due_on: String,
    pub state: DeliveryState,
    pub sent: Option<ChangeSet>,
    /// A draft newer than the last send (or the only version).
    pub draft: Option<ChangeSet>,
}

/// Every contract of the portal with a 預入依頼書 due on `due`, by 契約番号.
pub async fn due(conn: &mut Conn, portal: &str, due: &str) -> Result<Vec<DueDelivery>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.id AS contract_id, c.customer_id, o.name AS organization, d.id AS delivery_id, d.cycle, d.due_on,
                d.state
           FROM zaikei_deliveries d JOIN contracts c ON c.id = d.contract_id
           JOIN organizations o ON o.id = c.organization_id
          WHERE c.portal = $1 AND d.kind = 'deposit' AND d.due_on = $2
          ORDER BY c.customer_id, d.cycle",
    )
    .bind(portal)
    .bind(due)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let contract_id: i64 = r.try_get("contract_id")?;
        let delivery_id: i64 = r.try_get("delivery_id")?;
        let state: String = r.try_get("state")?;
        let cycle: String = r.try_get("cycle")?;
        let sets = changes::sets(conn, contract_id, delivery_id).await?;
        let sent = sets.iter().rev().find(|s| s.sent).cloned();
        let draft = sets.last().filter(|s| !s.sent).cloned();
        out.push(DueDelivery {
            contract_id,
            contract_no: r.try_get("customer_id")?,
            organization: r.try_get("organization")?,
            delivery_id,
            cycle: Cycle::from_code(&cycle),
            due_on: r.try_get("due_on")?,
            state: DeliveryState::from_code(&state).unwrap_or(DeliveryState::Received),
            sent,
            draft,
        });
    }
    Ok(out)
}

/// One line of the export: a changed or new 明細 of the latest sent version, in full.
#[derive(Debug, Clone)]
pub struct ExportLine {
    pub change: ChangeRow,
    pub dept_code: String,
    pub dept_name: String,
    pub employee_no: String,
    pub name: String,
    pub kana: String,
    pub birth_date: String,
    pub kind: String,
    pub account_no: String,
}

/// The changes of a sent version with the 明細 they change.
pub async fn export_lines(conn: &mut Conn, contract: i64, set: &ChangeSet) -> Result<Vec<ExportLine>, sqlx::Error> {
    let rows = changes::rows(conn, contract, set.id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for change in rows {
        let line = match change.deposit_row_id {
            Some(row) => changes::line_of(conn, contract, set.delivery_id, row).await?,
            None => None,
        };
        let account_no = match &line {
            Some(l) => {
                sqlx::query_scalar::<_, String>("SELECT account_no FROM zaikei_accounts WHERE id = $1")
                    .bind(l.account_id)
                    .fetch_optional(&mut *conn)
                    .await?
            }
            None => None,
        };
        out.push(match line {
            Some(l) => ExportLine {
                dept_code: l.dept_code,
                dept_name: l.dept_name,
                employee_no: l.employee_no,
                name: l.name,
                kana: l.kana,
                birth_date: l.birth_date.unwrap_or_default(),
                kind: l.kind.label().to_string(),
                account_no: account_no.unwrap_or_default(),
                change,
            },
            None => ExportLine {
                dept_code: String::new(),
                dept_name: String::new(),
                employee_no: change.employee_no.clone(),
                name: change.name.clone(),
                kana: change.kana.clone(),
                birth_date: change.birth_date.clone(),
                kind: SavingsKind::from_code(&change.savings_kind).map(SavingsKind::label).unwrap_or("").to_string(),
                account_no: String::new(),
                change,
            },
        });
    }
    Ok(out)
}

/// 「労金処理済」: the latest sent version's changes become the delivery's 明細 (金額変更 and 中止
/// rewrite the amount, keeping the old one as 前回積立額; 新規 adds the member, the 財形契約
/// and the 明細), the version is stamped processed and the delivery goes 労金処理済.
pub async fn apply(conn: &mut Conn, contract: i64, set: &ChangeSet, due: &str, now: i64) -> Result<(), sqlx::Error> {
    for change in changes::rows(conn, contract, set.id).await? {
        let Some(after) = change.after() else { continue };
        match (change.kind, change.deposit_row_id) {
            (Some(kind @ (ChangeKind::Amount | ChangeKind::Stop)), Some(row)) => {
                sqlx::query(
                    "UPDATE zaikei_deposit_rows SET previous_amount = amount, amount = $3, change_kind = $4
                      WHERE id = $1 AND delivery_id = $2",
                )
                .bind(row)
                .bind(set.delivery_id)
                .bind(after)
                .bind(kind.code())
                .execute(&mut *conn)
                .await?;
            }
            (Some(ChangeKind::New), None) => add_new(conn, contract, set.delivery_id, &change, after, due).await?,
            _ => {}
        }
    }
    // A 新規 took its place in the 照会's order (its sort_no is 0 until renumbered).
    super::statements::renumber(conn, DeliveryKind::Deposit, set.delivery_id).await?;
    sqlx::query("UPDATE zaikei_change_sets SET processed_at = $2 WHERE id = $1")
        .bind(set.id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE zaikei_deliveries SET row_count = (SELECT COUNT(*) FROM zaikei_deposit_rows WHERE delivery_id = $1)
          WHERE id = $1 AND contract_id = $2",
    )
    .bind(set.delivery_id)
    .bind(contract)
    .execute(&mut *conn)
    .await?;
    changes::set_delivery_state(conn, contract, set.delivery_id, DeliveryState::Processed).await
}

async fn add_new(
    conn: &mut Conn,
    contract: i64,
    delivery: i64,
    change: &ChangeRow,
    amount: i64,
    due: &str,
) -> Result<(), sqlx::Error> {
    let member: Option<i64> =
        sqlx::query_scalar("SELECT id FROM zaikei_members WHERE contract_id = $1 AND employee_no = $2")
            .bind(contract)
            .bind(&change.employee_no)
            .fetch_optional(&mut *conn)
            .await?;
    let member = match member {
        Some(id) => id,
        None => {
            sqlx::query_scalar(
                "INSERT INTO zaikei_members (contract_id, employee_no, name, kana, birth_date, dept_code, dept_name, search_key)
                 VALUES ($1, $2, $3, $4, $5, '', '', $6) RETURNING id",
            )
            .bind(contract)
            .bind(&change.employee_no)
            .bind(&change.name)
            .bind(&change.kana)
            .bind(&change.birth_date)
            .bind(kana_search_key(&format!("{}{}", change.name, change.kana)))
            .fetch_one(&mut *conn)
            .await?
        }
    };
    let account: Option<i64> = sqlx::query_scalar("SELECT id FROM zaikei_accounts WHERE member_id = $1 AND kind = $2")
        .bind(member)
        .bind(&change.savings_kind)
        .fetch_optional(&mut *conn)
        .await?;
    let account = match account {
        Some(id) => id,
        // The bank numbers the account; until its next delivery the 口座番号 is empty.
        None => {
            sqlx::query_scalar(
                "INSERT INTO zaikei_accounts (member_id, kind, account_no, contracted_on, state)
                 VALUES ($1, $2, '', $3, 'active') RETURNING id",
            )
            .bind(member)
            .bind(&change.savings_kind)
            .bind(due)
            .fetch_one(&mut *conn)
            .await?
        }
    };
    let line: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(line_no), 0) + 1 FROM zaikei_deposit_rows WHERE delivery_id = $1")
            .bind(delivery)
            .fetch_one(&mut *conn)
            .await?;
    sqlx::query(
        "INSERT INTO zaikei_deposit_rows (delivery_id, account_id, line_no, amount, change_kind, previous_amount, incentive_amount,
                                          savings_kind)
         VALUES ($1, $2, $3, $4, 'new', 0, 0, $5)",
    )
    .bind(delivery)
    .bind(account)
    .bind(line)
    .bind(amount)
    .bind(&change.savings_kind)
    .execute(conn)
    .await?;
    Ok(())
}

/// The contract's 明細変更機能 option (the console's contracts list shows it).
pub async fn change_option(conn: &mut Conn, contract: i64) -> Result<bool, sqlx::Error> {
    let on: Option<i64> = sqlx::query_scalar("SELECT zaikei_change FROM contracts WHERE id = $1")
        .bind(contract)
        .fetch_optional(conn)
        .await?;
    Ok(on.unwrap_or(0) != 0)
}

/// The organization of a contract (the subject of the operator's audit events).
pub async fn organization_of(conn: &mut Conn, contract: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT organization_id FROM contracts WHERE id = $1").bind(contract).fetch_optional(conn).await
}
