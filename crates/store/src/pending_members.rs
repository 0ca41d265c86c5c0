//! rokin: a general user's registration between the confirmation (確認) and 登録. What the
//! master typed waits here, the 仮パスワード only as its argon2id hash, so that the clear
//! password never goes back into a page; the browser holds a random token in the form.

use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct PendingMember {
    pub login_id: String,
    pub name: String,
    pub email: String,
    pub password_hash: String,
}

pub struct NewPending<'a> {
    pub token_hash: &'a str,
    pub portal: &'a str,
    pub master_id: i64,
    pub login_id: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub expires_at: i64,
}

/// Stores a confirmed registration; expired ones are cleared on the way.
pub async fn insert(conn: &mut AnyConnection, p: &NewPending<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM pending_members WHERE expires_at < $1").bind(now).execute(&mut *conn).await?;
    sqlx::query(
        "INSERT INTO pending_members (token_hash, portal, master_id, login_id, name, email, password_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(p.token_hash)
    .bind(p.portal)
    .bind(p.master_id)
    .bind(p.login_id)
    .bind(p.name)
    .bind(p.email)
    .bind(p.password_hash)
    .bind(p.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes the registration the token names, once, if this master made it and it has not
/// expired: two submits of the same confirmation register once.
pub async fn take(
    conn: &mut AnyConnection,
    portal: &str,
    master_id: i64,
    token_hash: &str,
    now: i64,
) -> Result<Option<PendingMember>, sqlx::Error> {
    let row = sqlx::query(
        "DELETE FROM pending_members WHERE token_hash = $1 AND portal = $2 AND master_id = $3 AND expires_at >= $4
         RETURNING login_id, name, email, password_hash",
    )
    .bind(token_hash)
    .bind(portal)
    .bind(master_id)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(PendingMember {
            login_id: r.try_get("login_id")?,
            name: r.try_get("name")?,
            email: r.try_get("email")?,
            password_hash: r.try_get("password_hash")?,
        })
    })
    .transpose()
}
