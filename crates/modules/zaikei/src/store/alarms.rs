//! 財形アラーム明細照会's query over one アラーム明細 delivery of the contract (filters アラーム
//! 種別, 期限日 ≤, 対応状況), the 未対応 count for インフォメーション, and marking an alarm 対応済.

use madoguchi_store::Conn;
use sqlx::Row;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlarmFilter {
    pub alarm_kind: String,
    /// `YYYY-MM-DD`: alarms due on or before it; '' for any.
    pub due_by: String,
    /// Some(false) 未対応, Some(true) 対応済.
    pub handled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alarm {
    pub id: i64,
    pub employee_no: String,
    pub name: String,
    pub dept_code: String,
    pub dept_name: String,
    pub savings: String,
    pub account_no: String,
    pub alarm_kind: String,
    pub content: String,
    pub due_on: String,
    pub action: String,
    pub handled: bool,
    pub note: String,
    pub handled_at: Option<i64>,
}

/// The alarms of the delivery that pass the filter, by 期限日 then 所属 and 社員番号.
pub async fn list(conn: &mut Conn, contract: i64, delivery: i64, f: &AlarmFilter) -> Result<Vec<Alarm>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT r.id, m.employee_no, m.name, m.dept_code, m.dept_name, a.kind AS savings, a.account_no, r.alarm_kind,
                r.content, r.due_on, r.required_action, r.handled, r.note, r.handled_at
           FROM zaikei_alarms r JOIN zaikei_deliveries d ON d.id = r.delivery_id
           JOIN zaikei_accounts a ON a.id = r.account_id JOIN zaikei_members m ON m.id = a.member_id
          WHERE r.delivery_id = $1 AND d.contract_id = $2 AND m.contract_id = $2
            AND ($3 = '' OR r.alarm_kind = $3)
            AND ($4 = '' OR r.due_on <= $4)
            AND ($5 < 0 OR r.handled = $5)
          ORDER BY r.due_on, m.dept_code, m.employee_no, r.id",
    )
    .bind(delivery)
    .bind(contract)
    .bind(f.alarm_kind.as_str())
    .bind(f.due_by.as_str())
    .bind(f.handled.map(i64::from).unwrap_or(-1))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Alarm {
                id: r.try_get("id")?,
                employee_no: r.try_get("employee_no")?,
                name: r.try_get("name")?,
                dept_code: r.try_get("dept_code")?,
                dept_name: r.try_get("dept_name")?,
                savings: r.try_get("savings")?,
                account_no: r.try_get("account_no")?,
                alarm_kind: r.try_get("alarm_kind")?,
                content: r.try_get("content")?,
                due_on: r.try_get("due_on")?,
                action: r.try_get("required_action")?,
                handled: r.try_get::<i64, _>("handled")? != 0,
                note: r.try_get("note")?,
                handled_at: r.try_get("handled_at")?,
            })
        })
        .collect()
}

/// The アラーム種別 present in the delivery (the filter's choices).
pub async fn kinds(conn: &mut Conn, contract: i64, delivery: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT r.alarm_kind FROM zaikei_alarms r JOIN zaikei_deliveries d ON d.id = r.delivery_id
          WHERE r.delivery_id = $1 AND d.contract_id = $2 ORDER BY r.alarm_kind",
    )
    .bind(delivery)
    .bind(contract)
    .fetch_all(conn)
    .await
}

/// How many alarms of the delivery are 未対応.
pub async fn open_count(conn: &mut Conn, contract: i64, delivery: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM zaikei_alarms r JOIN zaikei_deliveries d ON d.id = r.delivery_id
          WHERE r.delivery_id = $1 AND d.contract_id = $2 AND r.handled = 0",
    )
    .bind(delivery)
    .bind(contract)
    .fetch_one(conn)
    .await
}

/// Marks an alarm of the contract 対応済 with the note; false when the contract has no such
/// alarm (another contract's id changes nothing).
pub async fn mark_handled(
    conn: &mut Conn,
    contract: i64,
    alarm: i64,
    note: &str,
    by: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE zaikei_alarms SET handled = 1, note = $3, handled_by = $4, handled_at = $5
          WHERE id = $1 AND delivery_id IN (SELECT id FROM zaikei_deliveries WHERE contract_id = $2)",
    )
    .bind(alarm)
    .bind(contract)
    .bind(note)
    .bind(by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The delivery an alarm of the contract belongs to.
pub async fn delivery_of(conn: &mut Conn, contract: i64, alarm: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT r.delivery_id FROM zaikei_alarms r JOIN zaikei_deliveries d ON d.id = r.delivery_id
          WHERE r.id = $1 AND d.contract_id = $2",
    )
    .bind(alarm)
    .bind(contract)
    .fetch_optional(conn)
    .await
}

/// One 財形年金 / 財形住宅 契約 of the contract with the figures 「システム判定」 reads
/// (`computed`): 残高合計 and 非課税限度額 from the balance delivery, 積立額 from the deposit
/// delivery (0 where it has no row for the account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldingRow {
    pub employee_no: String,
    pub name: String,
    pub dept_code: String,
    pub dept_name: String,
    pub savings: String,
    pub account_no: String,
    pub balance: i64,
    pub limit: Option<i64>,
    pub monthly: i64,
}

/// The 年金 and 住宅 契約 of `balance` (a 加入者残高一覧表 delivery of the contract) that are
/// still saving (積立中 / 中止中), each with its 積立額 in `deposit` (a 月例 預入依頼書 of the
/// same contract; None: no deposit known), by 所属 and 社員番号. The limit is the balance row's,
/// else the one the 財形契約 declares.
pub async fn holdings(
    conn: &mut Conn,
    contract: i64,
    balance: i64,
    deposit: Option<i64>,
) -> Result<Vec<HoldingRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT m.employee_no, m.name, m.dept_code, m.dept_name, a.kind AS savings, a.account_no, b.total,
                COALESCE(b.tax_free_limit, a.tax_free_limit) AS tax_free_limit, COALESCE(p.amount, 0) AS monthly
           FROM zaikei_balance_rows b JOIN zaikei_deliveries d ON d.id = b.delivery_id
           JOIN zaikei_accounts a ON a.id = b.account_id JOIN zaikei_members m ON m.id = a.member_id
           LEFT JOIN zaikei_deposit_rows p ON p.account_id = a.id AND p.delivery_id = $3
          WHERE b.delivery_id = $1 AND d.contract_id = $2 AND m.contract_id = $2
            AND a.kind IN ('pension', 'housing') AND a.state IN ('active', 'paused')
          ORDER BY m.dept_code, m.employee_no, a.kind",
    )
    .bind(balance)
    .bind(contract)
    .bind(deposit.unwrap_or(-1))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HoldingRow {
                employee_no: r.try_get("employee_no")?,
                name: r.try_get("name")?,
                dept_code: r.try_get("dept_code")?,
                dept_name: r.try_get("dept_name")?,
                savings: r.try_get("savings")?,
                account_no: r.try_get("account_no")?,
                balance: r.try_get("total")?,
                limit: r.try_get("tax_free_limit")?,
                monthly: r.try_get("monthly")?,
            })
        })
        .collect()
}
