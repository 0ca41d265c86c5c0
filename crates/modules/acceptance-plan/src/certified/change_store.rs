//! The 変更届出 of a certified plan (migration `0033_plan_change_notices`): each notice with its
//! changes (field, before, after) and the office's 確認済. Every function takes the plan's id,
//! which the caller read bound to its organization (or office).

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

/// One changed field of a notice, its values as typed before and after. A worker block's field
/// is `w<key>.<name>` and carries the worker's name as certified (the history names the worker
/// even if the block changes later).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub before: Vec<String>,
    pub after: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    pub changes: Vec<Change>,
    pub filed_at: i64,
    pub confirmed_at: Option<i64>,
}

fn notice(r: &sqlx::any::AnyRow) -> Result<Notice, sqlx::Error> {
    let changes: String = r.try_get("changes")?;
    Ok(Notice {
        id: r.try_get("id")?,
        changes: serde_json::from_str(&changes).map_err(|e| sqlx::Error::Decode(e.into()))?,
        filed_at: r.try_get("filed_at")?,
        confirmed_at: r.try_get("confirmed_at")?,
    })
}

/// The plan's notices, the latest first.
pub async fn of_plan(conn: &mut AnyConnection, plan_id: i64) -> Result<Vec<Notice>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, changes, filed_at, confirmed_at FROM plan_change_notices WHERE plan_id = $1 ORDER BY id DESC",
    )
    .bind(plan_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(notice).collect()
}

/// Keeps a notice filed by `user`; its id.
pub async fn record(
    conn: &mut AnyConnection,
    plan_id: i64,
    changes: &[Change],
    user: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let json = serde_json::to_string(changes).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query_scalar(
        "INSERT INTO plan_change_notices (plan_id, changes, filed_at, filed_by) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(plan_id)
    .bind(json)
    .bind(now)
    .bind(user)
    .fetch_one(conn)
    .await
}

/// The office's 確認済 of the plan's notice `id`: None when the plan has no such notice, false
/// when it was confirmed already (a second press changes nothing).
pub async fn confirm(
    conn: &mut AnyConnection,
    plan_id: i64,
    id: i64,
    operator: i64,
    now: i64,
) -> Result<Option<bool>, sqlx::Error> {
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM plan_change_notices WHERE id = $1 AND plan_id = $2")
        .bind(id)
        .bind(plan_id)
        .fetch_optional(&mut *conn)
        .await?;
    if exists.is_none() {
        return Ok(None);
    }
    let done = sqlx::query(
        "UPDATE plan_change_notices SET confirmed_at = $3, confirmed_by = $4
         WHERE id = $1 AND plan_id = $2 AND confirmed_at IS NULL",
    )
    .bind(id)
    .bind(plan_id)
    .bind(now)
    .bind(operator)
    .execute(conn)
    .await?;
    Ok(Some(done.rows_affected() == 1))
}

/// The office's plans with a notice not yet 確認済 (the 審査一覧 flags them).
pub async fn unconfirmed_plans(conn: &mut AnyConnection, portal: &str, bureau: &str) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT n.plan_id FROM plan_change_notices n JOIN acceptance_plans p ON p.id = n.plan_id
         WHERE p.portal = $1 AND p.bureau = $2 AND n.confirmed_at IS NULL",
    )
    .bind(portal)
    .bind(bureau)
    .fetch_all(conn)
    .await
}
