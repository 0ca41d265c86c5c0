//! Server-side sessions. The browser holds a random token; only its hash is stored.

use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct Session {
    pub portal: String,
    pub operator_id: Option<i64>,
    pub user_id: Option<i64>,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

/// Who a session belongs to.
#[derive(Debug, Clone, Copy)]
pub enum Holder {
    Operator(i64),
    User(i64),
}

pub async fn insert(
    conn: &mut AnyConnection,
    token_hash: &str,
    portal: &str,
    holder: Holder,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    let (operator_id, user_id) = match holder {
        Holder::Operator(id) => (Some(id), None),
        Holder::User(id) => (None, Some(id)),
    };
    sqlx::query(
        "INSERT INTO sessions (token_hash, portal, operator_id, user_id, created_at, last_seen_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $5, $6)",
    )
    .bind(token_hash)
    .bind(portal)
    .bind(operator_id)
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<Session>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT portal, operator_id, user_id, created_at, last_seen_at, expires_at FROM sessions WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(Session {
            portal: r.try_get("portal")?,
            operator_id: r.try_get("operator_id")?,
            user_id: r.try_get("user_id")?,
            created_at: r.try_get("created_at")?,
            last_seen_at: r.try_get("last_seen_at")?,
            expires_at: r.try_get("expires_at")?,
        })
    })
    .transpose()
}

pub async fn touch(conn: &mut AnyConnection, token_hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(conn).await?;
    Ok(())
}

/// Ends every session of the user but `keep` (a password change ends the others).
pub async fn delete_for_user(conn: &mut AnyConnection, user_id: i64, keep: Option<&str>) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
