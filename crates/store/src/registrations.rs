//! Provisional registrations (仮申請): one pending application per login ID and portal.

use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct Provisional {
    pub id: i64,
    pub login_id: String,
    pub email: String,
    pub temp_hash: String,
    pub expires_at: i64,
    pub attempts: i64,
}

/// Stores an application; a second one for the same pending login ID replaces the first.
pub async fn upsert(
    conn: &mut AnyConnection,
    portal: &str,
    login_id: &str,
    email: &str,
    temp_hash: &str,
    expires_at: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO provisional_registrations (portal, login_id, email, temp_hash, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (portal, login_id) DO UPDATE SET email = excluded.email, temp_hash = excluded.temp_hash,
             expires_at = excluded.expires_at, attempts = 0, created_at = excluded.created_at",
    )
    .bind(portal)
    .bind(login_id)
    .bind(email)
    .bind(temp_hash)
    .bind(expires_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The pending application of a login ID, counting this attempt in the same statement.
pub async fn attempt(
    conn: &mut AnyConnection,
    portal: &str,
    login_id: &str,
) -> Result<Option<Provisional>, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE provisional_registrations SET attempts = attempts + 1 WHERE portal = $1 AND login_id = $2
         RETURNING id, login_id, email, temp_hash, expires_at, attempts",
    )
    .bind(portal)
    .bind(login_id)
    .fetch_optional(conn)
    .await?;
    row.map(provisional).transpose()
}

/// The pending application of a login ID, read only: for what needs no entry of the
/// temporary password (whether it has expired).
pub async fn find(conn: &mut AnyConnection, portal: &str, login_id: &str) -> Result<Option<Provisional>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, login_id, email, temp_hash, expires_at, attempts FROM provisional_registrations
         WHERE portal = $1 AND login_id = $2",
    )
    .bind(portal)
    .bind(login_id)
    .fetch_optional(conn)
    .await?;
    row.map(provisional).transpose()
}

/// A right entry that did not use the application (the check before the confirmation step)
/// gives its attempt back, so that confirming does not cost a try.
pub async fn refund_attempt(conn: &mut AnyConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE provisional_registrations SET attempts = attempts - 1 WHERE id = $1 AND attempts > 0")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

fn provisional(r: sqlx::any::AnyRow) -> Result<Provisional, sqlx::Error> {
    Ok(Provisional {
        id: r.try_get("id")?,
        login_id: r.try_get("login_id")?,
        email: r.try_get("email")?,
        temp_hash: r.try_get("temp_hash")?,
        expires_at: r.try_get("expires_at")?,
        attempts: r.try_get("attempts")?,
    })
}

/// Removes the application; false when a parallel request completed it first.
pub async fn take(conn: &mut AnyConnection, id: i64) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM provisional_registrations WHERE id = $1").bind(id).execute(conn).await?.rows_affected()
        == 1)
}
