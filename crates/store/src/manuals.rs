//! マニュアル照会: the PDFs of a portal, kept in the database (see migration 0009 for why).
//! Lists never read the content; only a download does.

use sqlx::{AnyConnection, Row};

/// A manual without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manual {
    pub id: i64,
    pub title: String,
    pub file_name: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: i64,
}

pub struct NewManual<'a> {
    pub portal: &'a str,
    pub title: &'a str,
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub uploaded_by: &'a str,
}

fn manual(r: &sqlx::any::AnyRow) -> Result<Manual, sqlx::Error> {
    Ok(Manual {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        file_name: r.try_get("file_name")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
        uploaded_at: r.try_get("uploaded_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, m: &NewManual<'_>, now: i64) -> Result<i64, sqlx::Error> {
    let size = i64::try_from(m.content.len()).unwrap_or(i64::MAX);
    sqlx::query_scalar(
        "INSERT INTO manuals (portal, title, file_name, size, sha256, content, uploaded_at, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(m.portal)
    .bind(m.title)
    .bind(m.file_name)
    .bind(size)
    .bind(m.sha256)
    .bind(m.content.to_vec())
    .bind(now)
    .bind(m.uploaded_by)
    .fetch_one(conn)
    .await
}

/// The portal's manuals, in the order they were uploaded.
pub async fn list(conn: &mut AnyConnection, portal: &str) -> Result<Vec<Manual>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, title, file_name, size, sha256, uploaded_at FROM manuals WHERE portal = $1 ORDER BY id",
    )
    .bind(portal)
    .fetch_all(conn)
    .await?;
    rows.iter().map(manual).collect()
}

pub async fn by_id(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<Option<Manual>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, title, file_name, size, sha256, uploaded_at FROM manuals WHERE portal = $1 AND id = $2",
    )
    .bind(portal)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(manual).transpose()
}

/// The manual with its bytes.
pub async fn content(
    conn: &mut AnyConnection,
    portal: &str,
    id: i64,
) -> Result<Option<(Manual, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, title, file_name, size, sha256, uploaded_at, content FROM manuals WHERE portal = $1 AND id = $2",
    )
    .bind(portal)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(|r| Ok((manual(r)?, r.try_get::<Vec<u8>, _>("content")?))).transpose()
}

/// False when it was gone already.
pub async fn delete(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM manuals WHERE portal = $1 AND id = $2").bind(portal).bind(id).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}
