//! The console's exports for Excel, written by the kit's `excel_csv` (UTF-8 with a BOM: the
//! console offers no CP932 choice, its files are the operator's own), and the audit entry
//! every export writes (a data export is a security event).

use crate::operator::{SignedIn, local};
use axum::response::Response;
use madoguchi_store::Conn;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_web::ctx::Origin;
use madoguchi_web::error::AppError;
use madoguchi_web::excel_csv::{self, ExcelEncoding};

/// Writes `data.exported` (which file, how many rows) on `conn`, the export's transaction.
pub async fn record_export(
    conn: &mut Conn,
    signed: &SignedIn,
    origin: &Origin,
    file: &str,
    rows: usize,
    now: i64,
) -> Result<(), madoguchi_store::DbError> {
    let actor = format!("operator:{}", signed.operator.id);
    let detail = format!("{file} {rows} rows");
    let entry = AuditEntry {
        portal: &signed.portal.id,
        event: "data.exported",
        actor: Some(&actor),
        subject: None,
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail: Some(&detail),
    };
    audit::record(conn, &entry, now).await
}

/// The file as a download named `<stem>-<portal>-<JST time>.csv`.
pub fn download(
    stem: &str,
    portal: &str,
    now: i64,
    headings: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<Response, AppError> {
    // Only CP932 refuses a character; UTF-8 holds them all, so this error is never a user's.
    let content = excel_csv::write(ExcelEncoding::Utf8Bom, headings, rows)
        .map_err(|e| AppError::Internal(format!("csv: {e:?}")))?;
    let name = format!("{stem}-{portal}-{}.csv", local(now).replace([':', 'T'], ""));
    Ok(excel_csv::download(&name, ExcelEncoding::Utf8Bom, content))
}
