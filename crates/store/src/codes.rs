//! One-time codes bound to a browser (login one-time passwords, reset keys) and trusted
//! browsers that may skip the login code.

use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct Code {
    pub id: i64,
    pub user_id: i64,
    pub code_hash: String,
    pub expires_at: i64,
    pub attempts: i64,
}

fn code(r: &sqlx::any::AnyRow) -> Result<Code, sqlx::Error> {
    Ok(Code {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        code_hash: r.try_get("code_hash")?,
        expires_at: r.try_get("expires_at")?,
        attempts: r.try_get("attempts")?,
    })
}

pub struct NewCode<'a> {
    pub token_hash: &'a str,
    pub portal: &'a str,
    pub user_id: i64,
    pub purpose: &'a str,
    pub code_hash: &'a str,
    pub expires_at: i64,
}

/// Stores a code; an earlier pending code of the same purpose for the user is dropped.
pub async fn insert(conn: &mut AnyConnection, code: &NewCode<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM user_codes WHERE user_id = $1 AND purpose = $2")
        .bind(code.user_id)
        .bind(code.purpose)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO user_codes (token_hash, portal, user_id, purpose, code_hash, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(code.token_hash)
    .bind(code.portal)
    .bind(code.user_id)
    .bind(code.purpose)
    .bind(code.code_hash)
    .bind(code.expires_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The unused code behind a browser's token, counting this attempt in the same statement
/// so that parallel guesses each use one up. Whether it is still valid is the caller's
/// question to `rules::CodeRule::verdict` (an expired code counting one more is harmless).
pub async fn attempt(
    conn: &mut AnyConnection,
    portal: &str,
    purpose: &str,
    token_hash: &str,
) -> Result<Option<Code>, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE user_codes SET attempts = attempts + 1
         WHERE token_hash = $1 AND portal = $2 AND purpose = $3 AND used_at IS NULL
         RETURNING id, user_id, code_hash, expires_at, attempts",
    )
    .bind(token_hash)
    .bind(portal)
    .bind(purpose)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(code).transpose()
}

/// The unused code behind a browser's token, without counting an attempt (a page that only
/// shows where a flow stands).
pub async fn pending(
    conn: &mut AnyConnection,
    portal: &str,
    purpose: &str,
    token_hash: &str,
) -> Result<Option<Code>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, user_id, code_hash, expires_at, attempts FROM user_codes
         WHERE token_hash = $1 AND portal = $2 AND purpose = $3 AND used_at IS NULL",
    )
    .bind(token_hash)
    .bind(portal)
    .bind(purpose)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(code).transpose()
}

/// Marks the code used; false when a parallel request used it first.
pub async fn use_up(conn: &mut AnyConnection, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE user_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends a code without using it (its tries are spent). The row stays, inert (`attempt` and
/// `pending` skip it), so that later submits with its token still name the user in the
/// audit log; a new code of the same purpose replaces it.
pub async fn spend(conn: &mut AnyConnection, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE user_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// The user a browser's code token was made for, whatever became of the code.
pub async fn owner(
    conn: &mut AnyConnection,
    portal: &str,
    purpose: &str,
    token_hash: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT user_id FROM user_codes WHERE token_hash = $1 AND portal = $2 AND purpose = $3")
        .bind(token_hash)
        .bind(portal)
        .bind(purpose)
        .fetch_optional(conn)
        .await
}

pub async fn drop(conn: &mut AnyConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM user_codes WHERE id = $1").bind(id).execute(conn).await?;
    Ok(())
}

pub async fn trust_browser(
    conn: &mut AnyConnection,
    token_hash: &str,
    portal: &str,
    user_id: i64,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO trusted_browsers (token_hash, portal, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash)
        .bind(portal)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Until when this browser may skip the user's login code (`rules::TrustRule::skips`
/// decides), if it was ever trusted for the user.
pub async fn trusted_until(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT MAX(expires_at) FROM trusted_browsers WHERE token_hash = $1 AND user_id = $2")
        .bind(token_hash)
        .bind(user_id)
        .fetch_one(conn)
        .await
}

/// Ends the skip for every browser of the user (password reset or change).
pub async fn revoke_trusted(conn: &mut AnyConnection, user_id: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM trusted_browsers WHERE user_id = $1")
        .bind(user_id)
        .execute(conn)
        .await?
        .rows_affected())
}

/// The user's unused code of a purpose that is not bound to a browser (a reissued
/// temporary password); the caller asks `rules::CodeRule::verdict` whether it is still valid.
pub async fn pending_for_user(
    conn: &mut AnyConnection,
    user_id: i64,
    purpose: &str,
) -> Result<Option<Code>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, user_id, code_hash, expires_at, attempts FROM user_codes
         WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(purpose)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(code).transpose()
}

/// Uses up every pending code of the user (login codes, reset keys, reissued passwords):
/// an account the operator disables keeps no way to act on itself. Returns how many.
pub async fn void_pending(conn: &mut AnyConnection, user_id: i64, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("UPDATE user_codes SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
