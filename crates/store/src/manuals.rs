//! マニュアル照会 and the 管理者用操作マニュアル: the PDFs of a portal, kept in the database (see
//! migration 0009 for why). A manual may be for the organizations' 管理者 only (migration
//! 0013); the readers' queries say who reads, so such a manual is never listed or served to
//! anybody else. Lists never read the content; only a download does. The same table holds the
//! contracts' document shelves (`documents`, shelf `documents`), which these queries never see.

use sqlx::{AnyConnection, Row};

/// A manual (or a shelf's document) without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manual {
    pub id: i64,
    pub title: String,
    pub file_name: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: i64,
    /// Only an organization's 管理者 may list and open it.
    pub admins_only: bool,
    /// A document of this contract's shelf; None: a manual, or a document on every shelf.
    pub contract_id: Option<i64>,
}

pub struct NewManual<'a> {
    pub portal: &'a str,
    pub title: &'a str,
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub uploaded_by: &'a str,
    pub admins_only: bool,
}

/// Who reads: an organization's 管理者 (role `admin`, rokin's マスターユーザー) also sees the
/// manuals meant for 管理者 only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Anyone,
    Admin,
}

impl Reader {
    pub fn of_role(role: &str) -> Reader {
        if role == "admin" { Reader::Admin } else { Reader::Anyone }
    }

    fn bind(self) -> i64 {
        i64::from(self == Reader::Admin)
    }
}

macro_rules! columns {
    () => {
        "id, title, file_name, size, sha256, uploaded_at, admins_only, contract_id"
    };
}
pub(crate) use columns;

pub(crate) fn manual(r: &sqlx::any::AnyRow) -> Result<Manual, sqlx::Error> {
    Ok(Manual {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        file_name: r.try_get("file_name")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
        uploaded_at: r.try_get("uploaded_at")?,
        admins_only: r.try_get::<i64, _>("admins_only")? != 0,
        contract_id: r.try_get("contract_id")?,
    })
}

pub(crate) fn with_content(r: &sqlx::any::AnyRow) -> Result<(Manual, Vec<u8>), sqlx::Error> {
    Ok((manual(r)?, r.try_get::<Vec<u8>, _>("content")?))
}

pub async fn insert(conn: &mut AnyConnection, m: &NewManual<'_>, now: i64) -> Result<i64, sqlx::Error> {
    let size = i64::try_from(m.content.len()).unwrap_or(i64::MAX);
    sqlx::query_scalar(
        "INSERT INTO manuals (portal, title, file_name, size, sha256, content, uploaded_at, uploaded_by, shelf, admins_only)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'manuals', $9) RETURNING id",
    )
    .bind(m.portal)
    .bind(m.title)
    .bind(m.file_name)
    .bind(size)
    .bind(m.sha256)
    .bind(m.content.to_vec())
    .bind(now)
    .bind(m.uploaded_by)
    .bind(i64::from(m.admins_only))
    .fetch_one(conn)
    .await
}

/// Every manual of the portal, in the order they were uploaded (the operator's list).
pub async fn list(conn: &mut AnyConnection, portal: &str) -> Result<Vec<Manual>, sqlx::Error> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM manuals WHERE portal = $1 AND shelf = 'manuals' ORDER BY id"
    ))
    .bind(portal)
    .fetch_all(conn)
    .await?;
    rows.iter().map(manual).collect()
}

/// The manuals `reader` may see, in the order they were uploaded.
pub async fn readable(conn: &mut AnyConnection, portal: &str, reader: Reader) -> Result<Vec<Manual>, sqlx::Error> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM manuals WHERE portal = $1 AND shelf = 'manuals' AND (admins_only = 0 OR $2 = 1) ORDER BY id"
    ))
    .bind(portal)
    .bind(reader.bind())
    .fetch_all(conn)
    .await?;
    rows.iter().map(manual).collect()
}

pub async fn by_id(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<Option<Manual>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM manuals WHERE portal = $1 AND id = $2 AND shelf = 'manuals'"
    ))
    .bind(portal)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(manual).transpose()
}

/// The manual with its bytes, whoever may read it (the operator's check of an upload).
pub async fn content(
    conn: &mut AnyConnection,
    portal: &str,
    id: i64,
) -> Result<Option<(Manual, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        ", content FROM manuals WHERE portal = $1 AND id = $2 AND shelf = 'manuals'"
    ))
    .bind(portal)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(with_content).transpose()
}

/// The manual with its bytes, if `reader` may read it: None as for a manual that does not exist.
pub async fn readable_content(
    conn: &mut AnyConnection,
    portal: &str,
    id: i64,
    reader: Reader,
) -> Result<Option<(Manual, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        ", content FROM manuals WHERE portal = $1 AND id = $2 AND shelf = 'manuals' AND (admins_only = 0 OR $3 = 1)"
    ))
    .bind(portal)
    .bind(id)
    .bind(reader.bind())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(with_content).transpose()
}

/// False when it was gone already.
pub async fn delete(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM manuals WHERE portal = $1 AND id = $2 AND shelf = 'manuals'")
        .bind(portal)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
