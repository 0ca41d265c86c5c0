//! The workers of a certified plan as reported (migration `0030_plan_reports`): their state, the
//! 在留資格許可日 with the 受入報告's deadline, the two reports and the reminders sent. A worker
//! with no row is 受入前 with no grant date yet. Every function takes the plan's id, which the
//! caller read bound to its organization (or office); `&mut AnyConnection` composes in the
//! caller's transaction.

use crate::reports::WorkerState;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub worker: i64,
    pub state: WorkerState,
    pub granted_on: Option<String>,
    pub due_on: Option<String>,
    /// The 受入報告書 as kept (JSON of `form::Values`).
    pub arrival: Option<String>,
    pub arrived_at: Option<i64>,
    pub departure: Option<String>,
    pub left_on: Option<String>,
    pub departed_at: Option<i64>,
}

fn reported(r: &sqlx::any::AnyRow) -> Result<Reported, sqlx::Error> {
    let state: String = r.try_get("state")?;
    Ok(Reported {
        worker: r.try_get("worker")?,
        state: WorkerState::parse(&state).ok_or_else(|| sqlx::Error::Decode(format!("worker state {state}").into()))?,
        granted_on: r.try_get("granted_on")?,
        due_on: r.try_get("due_on")?,
        arrival: r.try_get("arrival")?,
        arrived_at: r.try_get("arrived_at")?,
        departure: r.try_get("departure")?,
        left_on: r.try_get("left_on")?,
        departed_at: r.try_get("departed_at")?,
    })
}

const COLUMNS: &str = "worker, state, granted_on, due_on, arrival, arrived_at, departure, left_on, departed_at";

/// The reported workers of the plan, by key.
pub async fn of_plan(conn: &mut AnyConnection, plan_id: i64) -> Result<Vec<Reported>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM plan_workers WHERE plan_id = $1 ORDER BY worker");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(plan_id).fetch_all(conn).await?;
    rows.iter().map(reported).collect()
}

/// Records the 在留資格許可日 (and the deadline it sets) of a worker still 受入前; a later date
/// typed again replaces it and the reminders start over. False when the worker is past 受入前.
pub async fn set_granted(
    conn: &mut AnyConnection,
    plan_id: i64,
    worker: i64,
    granted_on: &str,
    due_on: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO plan_workers (plan_id, worker, state, granted_on, due_on, updated_at)
         VALUES ($1, $2, 'arriving', $3, $4, $5)
         ON CONFLICT (plan_id, worker) DO UPDATE SET granted_on = $3, due_on = $4, updated_at = $5,
           due_soon_mailed_at = NULL, overdue_mailed_at = NULL
         WHERE plan_workers.state = 'arriving'",
    )
    .bind(plan_id)
    .bind(worker)
    .bind(granted_on)
    .bind(due_on)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A 受入報告書 to record.
#[derive(Clone, Copy)]
pub struct Arrival<'a> {
    pub plan_id: i64,
    pub worker: i64,
    pub granted_on: &'a str,
    pub due_on: &'a str,
    /// The report as kept (JSON).
    pub report: &'a str,
    pub user: i64,
}

/// The 受入報告書: 受入前 → 従事中, claimed atomically (a second submission of the same
/// confirmation, or another tab's, changes nothing and answers false).
pub async fn record_arrival(conn: &mut AnyConnection, a: &Arrival<'_>, now: i64) -> Result<bool, sqlx::Error> {
    let Arrival { plan_id, worker, granted_on, due_on, report, user } = *a;
    sqlx::query(
        "INSERT INTO plan_workers (plan_id, worker, state, updated_at) VALUES ($1, $2, 'arriving', $3)
         ON CONFLICT (plan_id, worker) DO NOTHING",
    )
    .bind(plan_id)
    .bind(worker)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let done = sqlx::query(
        "UPDATE plan_workers SET state = 'working', granted_on = $3, due_on = $4, arrival = $5, arrived_at = $6,
           arrived_by = $7, updated_at = $6
         WHERE plan_id = $1 AND worker = $2 AND state = 'arriving'",
    )
    .bind(plan_id)
    .bind(worker)
    .bind(granted_on)
    .bind(due_on)
    .bind(report)
    .bind(now)
    .bind(user)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The 退職報告書: 従事中 → 退職, claimed atomically like the 受入報告書.
pub async fn record_departure(
    conn: &mut AnyConnection,
    plan_id: i64,
    worker: i64,
    left_on: &str,
    report: &str,
    user: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE plan_workers SET state = 'left', left_on = $3, departure = $4, departed_at = $5, departed_by = $6,
           updated_at = $5
         WHERE plan_id = $1 AND worker = $2 AND state = 'working'",
    )
    .bind(plan_id)
    .bind(worker)
    .bind(left_on)
    .bind(report)
    .bind(now)
    .bind(user)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A 受入前 worker with a deadline, for the reminder job.
pub struct Awaited {
    pub plan_id: i64,
    pub organization_id: i64,
    pub bureau: String,
    pub worker: i64,
    pub due_on: String,
    pub soon_sent: bool,
    pub overdue_sent: bool,
}

/// The portal's 受入前 workers with a deadline whose overdue mail has not gone yet.
pub async fn awaited(conn: &mut AnyConnection, portal: &str) -> Result<Vec<Awaited>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT w.plan_id, p.organization_id, p.bureau, w.worker, w.due_on, w.due_soon_mailed_at, w.overdue_mailed_at
         FROM plan_workers w JOIN acceptance_plans p ON p.id = w.plan_id
         WHERE p.portal = $1 AND w.state = 'arriving' AND w.due_on IS NOT NULL AND w.overdue_mailed_at IS NULL
         ORDER BY w.plan_id, w.worker",
    )
    .bind(portal)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Awaited {
                plan_id: r.try_get("plan_id")?,
                organization_id: r.try_get("organization_id")?,
                bureau: r.try_get::<Option<String>, _>("bureau")?.unwrap_or_default(),
                worker: r.try_get("worker")?,
                due_on: r.try_get("due_on")?,
                soon_sent: r.try_get::<Option<i64>, _>("due_soon_mailed_at")?.is_some(),
                overdue_sent: r.try_get::<Option<i64>, _>("overdue_mailed_at")?.is_some(),
            })
        })
        .collect()
}

/// Claims one reminder (`overdue` or the near one) of a worker still 受入前 with the same
/// deadline: false when another run, a report or a new grant date came first.
pub async fn claim_reminder(
    conn: &mut AnyConnection,
    plan_id: i64,
    worker: i64,
    due_on: &str,
    overdue: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let column = if overdue { "overdue_mailed_at" } else { "due_soon_mailed_at" };
    let sql = format!(
        "UPDATE plan_workers SET {column} = $4 WHERE plan_id = $1 AND worker = $2 AND due_on = $3
         AND state = 'arriving' AND {column} IS NULL"
    );
    let done =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(plan_id).bind(worker).bind(due_on).bind(now).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// The office's certified plans with a 受入報告 past its deadline (`today`, YYYY-MM-DD): the
/// 審査一覧's 「受入報告期限超過」.
pub async fn overdue_plans(
    conn: &mut AnyConnection,
    portal: &str,
    bureau: &str,
    today: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT w.plan_id FROM plan_workers w JOIN acceptance_plans p ON p.id = w.plan_id
         WHERE p.portal = $1 AND p.bureau = $2 AND w.state = 'arriving' AND w.due_on < $3",
    )
    .bind(portal)
    .bind(bureau)
    .bind(today)
    .fetch_all(conn)
    .await
}
