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
    /// The serial (upper-case hex) of the client certificate a certificate login was made
    /// with: the session works only while that certificate is presented.
    pub certificate_serial: Option<String>,
}

/// Where a session was made, for the user's ログイン中のブラウザ list, and the certificate it
/// is bound to.
#[derive(Debug, Clone, Default)]
pub struct Meta<'a> {
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub certificate_serial: Option<&'a str>,
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
    insert_with(conn, token_hash, portal, holder, now, expires_at, &Meta::default()).await
}

pub async fn insert_with(
    conn: &mut AnyConnection,
    token_hash: &str,
    portal: &str,
    holder: Holder,
    now: i64,
    expires_at: i64,
    meta: &Meta<'_>,
) -> Result<(), sqlx::Error> {
    let (operator_id, user_id) = match holder {
        Holder::Operator(id) => (Some(id), None),
        Holder::User(id) => (None, Some(id)),
    };
    sqlx::query(
        "INSERT INTO sessions (token_hash, portal, operator_id, user_id, created_at, last_seen_at, expires_at,
                               ip, user_agent, certificate_serial)
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9)",
    )
    .bind(token_hash)
    .bind(portal)
    .bind(operator_id)
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .bind(meta.ip)
    .bind(meta.user_agent)
    .bind(meta.certificate_serial)
    .execute(conn)
    .await?;
    Ok(())
}

/// A user's session as the ログイン中のブラウザ list shows it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub token_hash: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub certificate_serial: Option<String>,
}

/// Every session of the user on the portal, the most recently used first (the caller drops
/// the timed-out ones with the portal's session rule).
pub async fn of_user(conn: &mut AnyConnection, portal: &str, user_id: i64) -> Result<Vec<Listed>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT token_hash, created_at, last_seen_at, expires_at, ip, user_agent, certificate_serial FROM sessions
         WHERE portal = $1 AND user_id = $2 ORDER BY last_seen_at DESC, created_at DESC",
    )
    .bind(portal)
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Listed {
                token_hash: r.try_get("token_hash")?,
                created_at: r.try_get("created_at")?,
                last_seen_at: r.try_get("last_seen_at")?,
                expires_at: r.try_get("expires_at")?,
                ip: r.try_get("ip")?,
                user_agent: r.try_get("user_agent")?,
                certificate_serial: r.try_get("certificate_serial")?,
            })
        })
        .collect()
}

/// Ends one session of the user (「ログアウトさせる」); false when it is not the user's or gone.
pub async fn delete_of_user(conn: &mut AnyConnection, user_id: i64, token_hash: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash = $2")
        .bind(user_id)
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends every session made with a certificate (it was revoked); how many.
pub async fn delete_for_certificate(conn: &mut AnyConnection, serial: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE certificate_serial = $1").bind(serial).execute(conn).await?;
    Ok(done.rows_affected())
}

pub async fn find(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<Session>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT portal, operator_id, user_id, created_at, last_seen_at, expires_at, certificate_serial FROM sessions
         WHERE token_hash = $1",
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
            certificate_serial: r.try_get("certificate_serial")?,
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
