//! The Files platform block's table (`files`, migration 0021; docs/FILES.md): uploaded files
//! with their SHA-256, size, media type and cleaned name. Reads are scoped by portal in SQL;
//! the owner check is the caller's, and `for_owner` is the getter that makes it in the query
//! (a module asks for "this organization's file n", so another organization's id answers
//! None exactly like a missing one). Metadata and content are separate reads: lists and a
//! ZIP's index never load the bytes, and a ZIP reads them one file at a time.

use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

/// A stored file without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub id: i64,
    pub portal: String,
    pub owner_organization_id: Option<i64>,
    pub owner_user_id: Option<i64>,
    pub purpose: String,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: i64,
}

/// A file to store. The caller has checked it (`core::files::Accept::check`): `name` is the
/// cleaned name and `media_type` the detected kind's MIME type.
pub struct NewFile<'a> {
    pub portal: &'a str,
    pub owner_organization_id: Option<i64>,
    pub owner_user_id: Option<i64>,
    pub purpose: &'a str,
    pub name: &'a str,
    pub media_type: &'a str,
    pub content: &'a [u8],
}

macro_rules! columns {
    () => {
        "id, portal, owner_organization_id, owner_user_id, purpose, name, media_type, size, sha256, created_at"
    };
}

fn stored(r: &sqlx::any::AnyRow) -> Result<StoredFile, sqlx::Error> {
    Ok(StoredFile {
        id: r.try_get("id")?,
        portal: r.try_get("portal")?,
        owner_organization_id: r.try_get("owner_organization_id")?,
        owner_user_id: r.try_get("owner_user_id")?,
        purpose: r.try_get("purpose")?,
        name: r.try_get("name")?,
        media_type: r.try_get("media_type")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Hex SHA-256, as stored and as the ZIP index lists it.
pub fn sha256_hex(content: &[u8]) -> String {
    hex::encode(Sha256::digest(content))
}

/// Stores the file (its size and SHA-256 computed here, so they always match the bytes) and
/// returns it without the content.
pub async fn insert(conn: &mut AnyConnection, file: &NewFile<'_>, now: i64) -> Result<StoredFile, sqlx::Error> {
    let size = i64::try_from(file.content.len()).unwrap_or(i64::MAX);
    let sha256 = sha256_hex(file.content);
    let row = sqlx::query(concat!(
        "INSERT INTO files (portal, owner_organization_id, owner_user_id, purpose, name, media_type, size, sha256, content, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ",
        columns!()
    ))
    .bind(file.portal)
    .bind(file.owner_organization_id)
    .bind(file.owner_user_id)
    .bind(file.purpose)
    .bind(file.name)
    .bind(file.media_type)
    .bind(size)
    .bind(&sha256)
    .bind(file.content.to_vec())
    .bind(now)
    .fetch_one(conn)
    .await?;
    stored(&row)
}

/// The file `id` of the portal, whoever owns it (the operator's reads; a module's own row
/// that names the file and was itself checked).
pub async fn by_id(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<Option<StoredFile>, sqlx::Error> {
    let row = sqlx::query(concat!("SELECT ", columns!(), " FROM files WHERE portal = $1 AND id = $2"))
        .bind(portal)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(stored).transpose()
}

/// The file `id` of the portal if `organization_id` owns it: the getter for an employer's
/// page. Another organization's file is None, as a missing one is.
pub async fn for_owner(
    conn: &mut AnyConnection,
    portal: &str,
    organization_id: i64,
    id: i64,
) -> Result<Option<StoredFile>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM files WHERE portal = $1 AND owner_organization_id = $2 AND id = $3"
    ))
    .bind(portal)
    .bind(organization_id)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(stored).transpose()
}

/// The content of file `id` of the portal (after the metadata read that checked the owner).
pub async fn content(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT content FROM files WHERE portal = $1 AND id = $2")
        .bind(portal)
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The files of the portal among `ids`, in the order of `ids` (the checked rows of a bulk
/// action); ids that are not the portal's are left out. Metadata only. One primary-key read
/// per id: a bulk action checks tens of rows, and one SQL text for any number of ids keeps
/// sqlx 0.9's static-SQL rule without scanning the table.
pub async fn list_by_ids(conn: &mut AnyConnection, portal: &str, ids: &[i64]) -> Result<Vec<StoredFile>, sqlx::Error> {
    let mut found = Vec::with_capacity(ids.len());
    for &id in ids {
        if let Some(file) = by_id(&mut *conn, portal, id).await? {
            found.push(file);
        }
    }
    Ok(found)
}

/// Deletes file `id` of the portal; false when there was none.
pub async fn delete(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM files WHERE portal = $1 AND id = $2").bind(portal).bind(id).execute(conn).await?;
    Ok(done.rows_affected() > 0)
}

/// Erases file `id` of the portal but keeps its row: the content, the name (an uploaded name
/// often carries a person's name), the size and the SHA-256 are emptied. For a module whose
/// row must keep naming the file after a retention period (a Web応募 document: the
/// application stays, `file_id` points here); what the erased file was is the module's to
/// say. False when there was none.
pub async fn erase(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE files SET content = $3, name = '', size = 0, sha256 = '' WHERE portal = $1 AND id = $2")
            .bind(portal)
            .bind(id)
            .bind(Vec::<u8>::new())
            .execute(conn)
            .await?;
    Ok(done.rows_affected() > 0)
}
