//! Operator accounts (the staff who run a portal) and their pending e-mailed login codes.

use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct Operator {
    pub id: i64,
    pub portal: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub failed_count: i64,
    pub locked_until: Option<i64>,
    /// The office the operator works for (mlit-fwms: the reviewing bureau's code, migration
    /// 0029); None for an operator of the whole portal.
    pub office: Option<String>,
}

fn operator(r: &sqlx::any::AnyRow) -> Result<Operator, sqlx::Error> {
    Ok(Operator {
        id: r.try_get("id")?,
        portal: r.try_get("portal")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        password_hash: r.try_get("password_hash")?,
        failed_count: r.try_get("failed_count")?,
        locked_until: r.try_get("locked_until")?,
        office: r.try_get("office")?,
    })
}

macro_rules! columns {
    () => {
        "id, portal, email, name, password_hash, failed_count, locked_until, office"
    };
}

/// Creates the operator, or returns None when the e-mail is taken on this portal.
pub async fn insert(
    conn: &mut AnyConnection,
    portal: &str,
    email: &str,
    name: &str,
    password_hash: &str,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO operators (portal, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (portal, email) DO NOTHING RETURNING id",
    )
    .bind(portal)
    .bind(email)
    .bind(name)
    .bind(password_hash)
    .bind(now)
    .fetch_optional(conn)
    .await
}

pub async fn by_email(conn: &mut AnyConnection, portal: &str, email: &str) -> Result<Option<Operator>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), " FROM operators WHERE portal = $1 AND email = $2");
    let row = sqlx::query(sql).bind(portal).bind(email).fetch_optional(conn).await?;
    row.as_ref().map(operator).transpose()
}

/// Every operator of a portal, `(email, name)`: who an alert is mailed to.
pub async fn of_portal(conn: &mut AnyConnection, portal: &str) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query("SELECT email, name FROM operators WHERE portal = $1 ORDER BY id")
        .bind(portal)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok((r.try_get("email")?, r.try_get("name")?))).collect()
}

/// Every operator of `office` on a portal, `(email, name)`: whom an office's mail goes to.
pub async fn of_office(
    conn: &mut AnyConnection,
    portal: &str,
    office: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query("SELECT email, name FROM operators WHERE portal = $1 AND office = $2 ORDER BY id")
        .bind(portal)
        .bind(office)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok((r.try_get("email")?, r.try_get("name")?))).collect()
}

/// Sets (or with None clears) the office of the operator `email` of `portal`; false when there
/// is no such operator.
pub async fn set_office(
    conn: &mut AnyConnection,
    portal: &str,
    email: &str,
    office: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE operators SET office = $3 WHERE portal = $1 AND email = $2")
        .bind(portal)
        .bind(email)
        .bind(office)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<Operator>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), " FROM operators WHERE id = $1");
    let row = sqlx::query(sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(operator).transpose()
}

/// Counts a failure atomically and locks at the threshold; returns the new count.
pub async fn record_failure(
    conn: &mut AnyConnection,
    id: i64,
    threshold: i64,
    lock_until: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE operators SET failed_count = failed_count + 1,
                locked_until = CASE WHEN failed_count + 1 >= $2 THEN $3 ELSE locked_until END
         WHERE id = $1 RETURNING failed_count",
    )
    .bind(id)
    .bind(threshold)
    .bind(lock_until)
    .fetch_one(conn)
    .await
}

pub async fn record_password_ok(conn: &mut AnyConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE operators SET failed_count = 0, locked_until = NULL WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn record_login(conn: &mut AnyConnection, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE operators SET last_login_at = $2 WHERE id = $1").bind(id).bind(now).execute(conn).await?;
    Ok(())
}

pub async fn set_password_hash(conn: &mut AnyConnection, id: i64, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE operators SET password_hash = $2 WHERE id = $1").bind(id).bind(hash).execute(conn).await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Challenge {
    pub id: i64,
    pub operator_id: i64,
    pub code_hash: String,
    pub expires_at: i64,
    pub attempts: i64,
}

pub async fn insert_challenge(
    conn: &mut AnyConnection,
    token_hash: &str,
    portal: &str,
    operator_id: i64,
    code_hash: &str,
    expires_at: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    // One pending code per operator: a new login replaces the previous one.
    sqlx::query("DELETE FROM login_challenges WHERE operator_id = $1").bind(operator_id).execute(&mut *conn).await?;
    sqlx::query(
        "INSERT INTO login_challenges (token_hash, portal, operator_id, code_hash, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash)
    .bind(portal)
    .bind(operator_id)
    .bind(code_hash)
    .bind(expires_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The unused challenge behind a browser's token, counting this attempt. Counting in the
/// same statement that reads makes parallel guesses each use up one attempt; whether it is
/// still valid is the caller's question to `rules::CodeRule::verdict`.
pub async fn attempt_challenge(
    conn: &mut AnyConnection,
    portal: &str,
    token_hash: &str,
) -> Result<Option<Challenge>, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE login_challenges SET attempts = attempts + 1
         WHERE token_hash = $1 AND portal = $2 AND used_at IS NULL
         RETURNING id, operator_id, code_hash, expires_at, attempts",
    )
    .bind(token_hash)
    .bind(portal)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(Challenge {
            id: r.try_get("id")?,
            operator_id: r.try_get("operator_id")?,
            code_hash: r.try_get("code_hash")?,
            expires_at: r.try_get("expires_at")?,
            attempts: r.try_get("attempts")?,
        })
    })
    .transpose()
}

/// Marks the code used; false when another request used it first.
pub async fn use_challenge(conn: &mut AnyConnection, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE login_challenges SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn drop_challenge(conn: &mut AnyConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_challenges WHERE id = $1").bind(id).execute(conn).await?;
    Ok(())
}
