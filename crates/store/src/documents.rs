//! The contracts' document shelves (shaho's ドキュメント, module `asp_accounts`): PDFs the
//! operator hands out to one contract or to every contract, kept in the manuals' table
//! (shelf `documents`, migration 0013). A contract's accounts read its own documents and the
//! ones for every contract; the contract is bound in the query, so no other contract's
//! document can be listed or opened, whatever id is asked for.

use crate::manuals::{Manual, columns, manual, with_content};
use sqlx::AnyConnection;

/// A document is a manual's row on another shelf.
pub type Document = Manual;

/// Which shelf: the one every contract sees, or one contract's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shelf {
    AllContracts,
    Contract(i64),
}

impl Shelf {
    pub fn contract_id(self) -> Option<i64> {
        match self {
            Shelf::AllContracts => None,
            Shelf::Contract(id) => Some(id),
        }
    }

    pub fn of(document: &Document) -> Shelf {
        document.contract_id.map_or(Shelf::AllContracts, Shelf::Contract)
    }
}

/// A file to put on a shelf or to replace a document's file with.
pub struct NewFile<'a> {
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub uploaded_by: &'a str,
}

fn size(content: &[u8]) -> i64 {
    i64::try_from(content.len()).unwrap_or(i64::MAX)
}

pub async fn insert(
    conn: &mut AnyConnection,
    portal: &str,
    shelf: Shelf,
    title: &str,
    file: &NewFile<'_>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO manuals (portal, title, file_name, size, sha256, content, uploaded_at, uploaded_by, shelf, admins_only, contract_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'documents', 0, $9) RETURNING id",
    )
    .bind(portal)
    .bind(title)
    .bind(file.file_name)
    .bind(size(file.content))
    .bind(file.sha256)
    .bind(file.content.to_vec())
    .bind(now)
    .bind(file.uploaded_by)
    .bind(shelf.contract_id())
    .fetch_one(conn)
    .await
}

/// The documents on one shelf, as the operator manages it, in the order they were uploaded.
pub async fn on_shelf(conn: &mut AnyConnection, portal: &str, shelf: Shelf) -> Result<Vec<Document>, sqlx::Error> {
    let rows = match shelf {
        Shelf::AllContracts => {
            sqlx::query(concat!(
                "SELECT ",
                columns!(),
                " FROM manuals WHERE portal = $1 AND shelf = 'documents' AND contract_id IS NULL ORDER BY id"
            ))
            .bind(portal)
            .fetch_all(conn)
            .await?
        }
        Shelf::Contract(id) => {
            sqlx::query(concat!(
                "SELECT ",
                columns!(),
                " FROM manuals WHERE portal = $1 AND shelf = 'documents' AND contract_id = $2 ORDER BY id"
            ))
            .bind(portal)
            .bind(id)
            .fetch_all(conn)
            .await?
        }
    };
    rows.iter().map(manual).collect()
}

/// What a contract's accounts see: the documents for every contract first, then the
/// contract's own, each in the order they were uploaded.
pub async fn of_contract(
    conn: &mut AnyConnection,
    portal: &str,
    contract_id: i64,
) -> Result<Vec<Document>, sqlx::Error> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM manuals WHERE portal = $1 AND shelf = 'documents' AND (contract_id IS NULL OR contract_id = $2)
          ORDER BY CASE WHEN contract_id IS NULL THEN 0 ELSE 1 END, id"
    ))
    .bind(portal)
    .bind(contract_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(manual).collect()
}

/// A document with its bytes, if it is on a shelf `contract_id`'s accounts see: None as for
/// a document that does not exist.
pub async fn content_for_contract(
    conn: &mut AnyConnection,
    portal: &str,
    contract_id: i64,
    id: i64,
) -> Result<Option<(Document, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        ", content FROM manuals WHERE portal = $1 AND id = $2 AND shelf = 'documents'
          AND (contract_id IS NULL OR contract_id = $3)"
    ))
    .bind(portal)
    .bind(id)
    .bind(contract_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(with_content).transpose()
}

pub async fn by_id(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<Option<Document>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM manuals WHERE portal = $1 AND id = $2 AND shelf = 'documents'"
    ))
    .bind(portal)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(manual).transpose()
}

/// The document with its bytes, on whichever shelf (the operator's check of an upload).
pub async fn content(
    conn: &mut AnyConnection,
    portal: &str,
    id: i64,
) -> Result<Option<(Document, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        ", content FROM manuals WHERE portal = $1 AND id = $2 AND shelf = 'documents'"
    ))
    .bind(portal)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(with_content).transpose()
}

/// A new file for the document (same title, same shelf, same id, so the accounts' links stay
/// valid). False when it was gone.
pub async fn replace(
    conn: &mut AnyConnection,
    portal: &str,
    id: i64,
    file: &NewFile<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE manuals SET file_name = $1, size = $2, sha256 = $3, content = $4, uploaded_at = $5, uploaded_by = $6
         WHERE portal = $7 AND id = $8 AND shelf = 'documents'",
    )
    .bind(file.file_name)
    .bind(size(file.content))
    .bind(file.sha256)
    .bind(file.content.to_vec())
    .bind(now)
    .bind(file.uploaded_by)
    .bind(portal)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// False when it was gone already.
pub async fn delete(conn: &mut AnyConnection, portal: &str, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM manuals WHERE portal = $1 AND id = $2 AND shelf = 'documents'")
        .bind(portal)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
