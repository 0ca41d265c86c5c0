//! The console's exports for Excel: UTF-8 with a BOM (opens right on double-click), every
//! field quoted and kept from running as a formula, CRLF lines; and the audit entry every
//! export writes (a data export is a security event).

use crate::operator::{SignedIn, local};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use madoguchi_store::Conn;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_web::ctx::Origin;

pub fn csv_field(value: &str) -> String {
    // Quote every field; a leading = + - @ would be a formula in Excel: prefix a quote mark.
    let value = if value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value.to_string() };
    format!("\"{}\"", value.replace('"', "\"\""))
}

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
    heading: &str,
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Response {
    let rows: Vec<Vec<String>> = rows.into_iter().collect();
    let out = text(heading, &rows);
    let name = format!("attachment; filename=\"{stem}-{portal}-{}.csv\"", local(now).replace([':', 'T'], ""));
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, name)], out)
        .into_response()
}

/// The file's text: a BOM, the heading, each row quoted, CRLF lines (the downloads and the
/// command line's exports write the same bytes).
pub fn text(heading: &str, rows: &[Vec<String>]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(heading);
    out.push_str("\r\n");
    for row in rows {
        out.push_str(&row.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}
