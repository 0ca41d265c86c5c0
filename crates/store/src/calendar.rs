//! 営業日カレンダー: the operator's days of a portal's business-day calendar (migration 0016).
//! Rows come back as the core's [`DayOverride`]; the calendar's rules live in
//! `madoguchi_core::calendar`.

use chrono::NaiveDate;
use madoguchi_core::calendar::{DayOverride, OverrideKind};
use sqlx::{AnyConnection, Row};

/// Days are kept as ISO text: it sorts as a date on both backends.
const DAY_FORMAT: &str = "%Y-%m-%d";

fn day_override(r: &sqlx::any::AnyRow) -> Result<DayOverride, sqlx::Error> {
    let day: String = r.try_get("day")?;
    let kind: String = r.try_get("kind")?;
    let bad = |what: String| sqlx::Error::Decode(what.into());
    Ok(DayOverride {
        id: r.try_get("id")?,
        date: NaiveDate::parse_from_str(&day, DAY_FORMAT).map_err(|_| bad(format!("calendar_days.day {day:?}")))?,
        kind: OverrideKind::parse(&kind).ok_or_else(|| bad(format!("calendar_days.kind {kind:?}")))?,
        note: r.try_get("note")?,
    })
}

/// Adds the day; None when the portal already has a row for it (one per day).
pub async fn insert(
    conn: &mut AnyConnection,
    portal: &str,
    date: NaiveDate,
    kind: OverrideKind,
    note: &str,
    created_by: &str,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO calendar_days (portal, day, kind, note, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (portal, day) DO NOTHING RETURNING id",
    )
    .bind(portal)
    .bind(date.format(DAY_FORMAT).to_string())
    .bind(kind.as_str())
    .bind(note)
    .bind(now)
    .bind(created_by)
    .fetch_optional(conn)
    .await
}

/// Every day of the portal, in date order (a few a year: the whole list is what the gate and
/// the calendar read, kept in memory by the web layer).
pub async fn list(conn: &mut AnyConnection, portal: &str) -> Result<Vec<DayOverride>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, day, kind, note FROM calendar_days WHERE portal = $1 ORDER BY day")
        .bind(portal)
        .fetch_all(conn)
        .await?;
    rows.iter().map(day_override).collect()
}

pub async fn by_id(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<Option<DayOverride>, sqlx::Error> {
    let row = sqlx::query("SELECT id, day, kind, note FROM calendar_days WHERE portal = $1 AND id = $2")
        .bind(portal)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(day_override).transpose()
}

/// Deletes the portal's day `id`; false when the portal has no such row.
pub async fn delete(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM calendar_days WHERE portal = $1 AND id = $2")
        .bind(portal)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
