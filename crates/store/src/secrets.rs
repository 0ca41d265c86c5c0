//! Keys the server makes for itself (`server_secrets`): made at first start, then read by every
//! instance on the database, so that what one instance signs another accepts.

use sqlx::AnyConnection;

/// The secret called `name`: the stored one, or `candidate` (hex) if there is none yet. Two
/// instances starting together both get the one that was stored first.
pub async fn get_or_create(
    conn: &mut AnyConnection,
    name: &str,
    candidate: &str,
    now: i64,
) -> Result<String, sqlx::Error> {
    sqlx::query(
        "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(candidate)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1").bind(name).fetch_one(conn).await
}
