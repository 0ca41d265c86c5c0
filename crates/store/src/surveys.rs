//! The exit surveys (退会アンケート) as the operator reads them; written by `users::record_survey`.
//! They carry no link to the account that answered.

use sqlx::{AnyConnection, Row};

pub struct Survey {
    pub id: i64,
    /// Reason keys joined by commas (`filled,hard_to_use`).
    pub reasons: String,
    pub comment: String,
    pub created_at: i64,
}

/// One page of a portal's surveys, newest first, and how many there are in all.
pub async fn page(
    conn: &mut AnyConnection,
    portal: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Survey>, i64), sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM withdrawal_surveys WHERE portal = $1")
        .bind(portal)
        .fetch_one(&mut *conn)
        .await?;
    let rows = sqlx::query(
        "SELECT id, reasons, comment, created_at FROM withdrawal_surveys WHERE portal = $1
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(portal)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    let surveys = rows
        .iter()
        .map(|r| {
            Ok(Survey {
                id: r.try_get("id")?,
                reasons: r.try_get("reasons")?,
                comment: r.try_get("comment")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok((surveys, total))
}
