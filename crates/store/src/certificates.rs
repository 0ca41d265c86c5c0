//! Client certificates issued by a portal's own CA (rokin): one row per certificate, kept
//! after its user is deleted so that a revoked certificate stays on the CRL until it expires.
//!
//! A user has at most one valid certificate: issuing a new one (renewal) revokes the old one
//! in the same transaction. The PKCS#12 file (encrypted with the user's login password) stays
//! only for the download window after 発行, then its bytes are dropped.

use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct Certificate {
    pub id: i64,
    pub portal: String,
    pub user_id: Option<i64>,
    pub login_id: String,
    /// Upper-case hex, as `madoguchi_ca::Serial::to_hex` writes it.
    pub serial: String,
    pub subject: String,
    pub not_before: i64,
    /// The last valid second.
    pub not_after: i64,
    pub issued_at: i64,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
    pub file_name: String,
}

/// The columns [`certificate`] reads, as a literal so that every query stays a static string.
macro_rules! columns {
    () => {
        "id, portal, user_id, login_id, serial, subject, not_before, not_after, issued_at, revoked_at, revoked_reason, file_name"
    };
}

fn certificate(r: &sqlx::any::AnyRow) -> Result<Certificate, sqlx::Error> {
    Ok(Certificate {
        id: r.try_get("id")?,
        portal: r.try_get("portal")?,
        user_id: r.try_get("user_id")?,
        login_id: r.try_get("login_id")?,
        serial: r.try_get("serial")?,
        subject: r.try_get("subject")?,
        not_before: r.try_get("not_before")?,
        not_after: r.try_get("not_after")?,
        issued_at: r.try_get("issued_at")?,
        revoked_at: r.try_get("revoked_at")?,
        revoked_reason: r.try_get("revoked_reason")?,
        file_name: r.try_get("file_name")?,
    })
}

pub struct NewCertificate<'a> {
    pub portal: &'a str,
    pub user_id: i64,
    pub login_id: &'a str,
    pub serial: &'a str,
    pub subject: &'a str,
    pub not_before: i64,
    pub not_after: i64,
    pub file_name: &'a str,
    pub p12: &'a [u8],
    pub download_token_hash: &'a str,
    pub download_until: i64,
}

pub async fn insert(conn: &mut AnyConnection, c: &NewCertificate<'_>, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO certificates (portal, user_id, login_id, serial, subject, not_before, not_after, issued_at,
                                   file_name, p12, download_token_hash, download_until)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(c.portal)
    .bind(c.user_id)
    .bind(c.login_id)
    .bind(c.serial)
    .bind(c.subject)
    .bind(c.not_before)
    .bind(c.not_after)
    .bind(now)
    .bind(c.file_name)
    .bind(c.p12.to_vec())
    .bind(c.download_token_hash)
    .bind(c.download_until)
    .fetch_one(conn)
    .await
}

/// The user's certificate that is not revoked, the newest first (expired ones included: the
/// caller decides with the clock).
pub async fn current(conn: &mut AnyConnection, user_id: i64) -> Result<Option<Certificate>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM certificates WHERE user_id = $1 AND revoked_at IS NULL ORDER BY not_after DESC, id DESC LIMIT 1"
    );
    let row = sqlx::query(sql).bind(user_id).fetch_optional(conn).await?;
    row.as_ref().map(certificate).transpose()
}

pub async fn by_serial(
    conn: &mut AnyConnection,
    portal: &str,
    serial: &str,
) -> Result<Option<Certificate>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), " FROM certificates WHERE portal = $1 AND serial = $2");
    let row = sqlx::query(sql).bind(portal).bind(serial).fetch_optional(conn).await?;
    row.as_ref().map(certificate).transpose()
}

pub async fn by_id(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<Option<Certificate>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), " FROM certificates WHERE portal = $1 AND id = $2");
    let row = sqlx::query(sql).bind(portal).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(certificate).transpose()
}

/// Every certificate a user was ever issued, the newest first (the operator's user page).
pub async fn of_user(conn: &mut AnyConnection, user_id: i64) -> Result<Vec<Certificate>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), " FROM certificates WHERE user_id = $1 ORDER BY id DESC");
    let rows = sqlx::query(sql).bind(user_id).fetch_all(conn).await?;
    rows.iter().map(certificate).collect()
}

/// The .p12 of a just-issued certificate, to the browser holding the download token, within
/// the window: `(file name, bytes)`.
pub async fn download(
    conn: &mut AnyConnection,
    portal: &str,
    token_hash: &str,
    now: i64,
) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT file_name, p12 FROM certificates
         WHERE portal = $1 AND download_token_hash = $2 AND download_until > $3 AND p12 IS NOT NULL AND revoked_at IS NULL",
    )
    .bind(portal)
    .bind(token_hash)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    row.map(|r| Ok((r.try_get("file_name")?, r.try_get("p12")?))).transpose()
}

/// The certificate whose .p12 the browser holding the download token may still download.
pub async fn downloadable(
    conn: &mut AnyConnection,
    portal: &str,
    token_hash: &str,
    now: i64,
) -> Result<Option<Certificate>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM certificates WHERE portal = $1 AND download_token_hash = $2 AND download_until > $3 AND p12 IS NOT NULL AND revoked_at IS NULL"
    );
    let row = sqlx::query(sql).bind(portal).bind(token_hash).bind(now).fetch_optional(conn).await?;
    row.as_ref().map(certificate).transpose()
}

/// Drops the PKCS#12 bytes whose download window has passed (a scheduled job).
pub async fn end_downloads(conn: &mut AnyConnection, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE certificates SET p12 = NULL, download_token_hash = NULL, download_until = NULL
         WHERE p12 IS NOT NULL AND download_until <= $1",
    )
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Revokes one certificate and ends the sessions made with it (every revocation goes
/// through here or [`revoke_for_user`]); false when it was revoked already.
pub async fn revoke(conn: &mut AnyConnection, id: i64, reason: &str, now: i64) -> Result<bool, sqlx::Error> {
    let serial: Option<String> = sqlx::query_scalar(
        "UPDATE certificates SET revoked_at = $2, revoked_reason = $3, p12 = NULL, download_token_hash = NULL,
                download_until = NULL
         WHERE id = $1 AND revoked_at IS NULL RETURNING serial",
    )
    .bind(id)
    .bind(now)
    .bind(reason)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(serial) = serial else { return Ok(false) };
    crate::sessions::delete_for_certificate(conn, &serial).await?;
    Ok(true)
}

/// Revokes every certificate of the user still in force (renewal, deletion), ending the
/// sessions made with them: their serials.
pub async fn revoke_for_user(
    conn: &mut AnyConnection,
    user_id: i64,
    reason: &str,
    now: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let serials: Vec<String> = sqlx::query_scalar(
        "UPDATE certificates SET revoked_at = $2, revoked_reason = $3, p12 = NULL, download_token_hash = NULL,
                download_until = NULL
         WHERE user_id = $1 AND revoked_at IS NULL AND not_after >= $2 RETURNING serial",
    )
    .bind(user_id)
    .bind(now)
    .bind(reason)
    .fetch_all(&mut *conn)
    .await?;
    for serial in &serials {
        crate::sessions::delete_for_certificate(conn, serial).await?;
    }
    Ok(serials)
}

/// The CRL's entries: revoked certificates that have not expired yet, `(serial, revoked_at)`.
pub async fn revoked(conn: &mut AnyConnection, portal: &str, now: i64) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT serial, revoked_at FROM certificates
         WHERE portal = $1 AND revoked_at IS NOT NULL AND not_after >= $2 ORDER BY revoked_at, id",
    )
    .bind(portal)
    .bind(now)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("serial")?, r.try_get("revoked_at")?))).collect()
}

/// Claims, once each, the certificates in force whose renewal window has opened
/// (`not_after - renew_before <= now`): the caller mails their users.
pub async fn claim_renewal_mails(
    conn: &mut AnyConnection,
    portal: &str,
    renew_before_seconds: i64,
    now: i64,
) -> Result<Vec<Certificate>, sqlx::Error> {
    let sql = concat!(
        "UPDATE certificates SET renewal_mailed_at = $3
         WHERE portal = $1 AND revoked_at IS NULL AND user_id IS NOT NULL AND renewal_mailed_at IS NULL
           AND not_after >= $3 AND not_after - $2 <= $3
         RETURNING ",
        columns!(),
        ""
    );
    let rows = sqlx::query(sql).bind(portal).bind(renew_before_seconds).bind(now).fetch_all(conn).await?;
    rows.iter().map(certificate).collect()
}

/// Claims, once each, the certificates that expired unrenewed and unrevoked.
pub async fn claim_expiry_mails(
    conn: &mut AnyConnection,
    portal: &str,
    now: i64,
) -> Result<Vec<Certificate>, sqlx::Error> {
    let sql = concat!(
        "UPDATE certificates SET expiry_mailed_at = $2
         WHERE portal = $1 AND revoked_at IS NULL AND user_id IS NOT NULL AND expiry_mailed_at IS NULL
           AND not_after < $2
         RETURNING ",
        columns!(),
        ""
    );
    let rows = sqlx::query(sql).bind(portal).bind(now).fetch_all(conn).await?;
    rows.iter().map(certificate).collect()
}
