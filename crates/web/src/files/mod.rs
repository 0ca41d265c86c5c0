//! Files the portal serves from the database: the PDF response of the manuals and a
//! contract's documents with their own Japanese file name, the lines the lists show, and the
//! Files block's download of any stored file (`download`, docs/FILES.md) with the audit event
//! that every hand-out of personal data leaves (`record_download`, `file.downloaded`).
//! The room of the Files block: `uploads` (the upload form's reader) and `zip` (bulk
//! downloads streamed while they are built) live here too.

pub mod uploads;
pub mod zip;

use crate::ctx::{Ctx, Origin};
use crate::format::format_ts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use madoguchi_core::files::MediaType;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_store::files::StoredFile;
use madoguchi_store::{Conn, manuals};

pub struct ManualLine {
    pub id: i64,
    pub title: String,
    pub file_name: String,
    pub size: String,
    pub uploaded: String,
    /// For an organization's 管理者 only.
    pub admins_only: bool,
}

/// A size as people read it: 「1.2 MB」, 「35 KB」.
pub fn human_size(bytes: i64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    let b = bytes as f64;
    if b >= MB { format!("{:.1} MB", b / MB) } else { format!("{} KB", (bytes + 1023) / 1024) }
}

pub fn line(m: manuals::Manual, ctx: &Ctx) -> ManualLine {
    ManualLine {
        id: m.id,
        title: m.title,
        file_name: m.file_name,
        size: human_size(m.size),
        uploaded: format_ts(m.uploaded_at, ctx.lang),
        admins_only: m.admins_only,
    }
}

/// `Content-Disposition` with the file's own name (RFC 6266): an ASCII `filename` for old
/// clients and the UTF-8 `filename*` (RFC 5987) that every current browser prefers.
pub fn content_disposition(kind: &str, file_name: &str) -> String {
    let fallback: String =
        file_name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' { c } else { '_' }).collect();
    let mut encoded = String::new();
    for byte in file_name.bytes() {
        // RFC 5987 attr-char: ALPHA DIGIT ! # $ & + - . ^ _ ` | ~ stay as they are.
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// The PDF itself: shown in the browser (`inline`) or saved (`attachment`).
pub fn pdf_response(manual: &manuals::Manual, content: Vec<u8>, kind: &str) -> Response {
    let mut response = pdf(&manual.file_name, content, kind);
    let h = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", manual.sha256)) {
        h.insert(header::ETAG, value);
    }
    response
}

/// A PDF the portal made (a module's report, `madoguchi-pdf`) or stored, named `file_name`:
/// `inline` or `attachment`, never sniffed as anything but a PDF.
pub fn pdf(file_name: &str, content: Vec<u8>, kind: &str) -> Response {
    let mut response = content.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(value) = HeaderValue::from_str(&content_disposition(kind, file_name)) {
        h.insert(header::CONTENT_DISPOSITION, value);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // The pages' strict policy (`security::headers`: object-src 'none' …) stays on the PDF:
    // Chromium's built-in viewer shows it all the same (checked with Chromium 156, headless),
    // and `nosniff` keeps it from ever being read as anything but a PDF.
    response
}

/// The headers of every download of an uploaded file (`download`, the bulk ZIP): saved, never
/// shown in the portal's origin (`attachment`, and a `sandbox` policy should a browser show it
/// anyway: no script, no same-origin access), never sniffed as another type, never cached
/// (personal data on shared PCs).
pub fn protect(h: &mut HeaderMap, content_type: &str, file_name: &str) {
    let content_type =
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, content_type);
    if let Ok(value) = HeaderValue::from_str(&content_disposition("attachment", file_name)) {
        h.insert(header::CONTENT_DISPOSITION, value);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
}

/// A stored file (`madoguchi_store::files`) as a download, under its own name. The type
/// served is the one detected at upload; a row whose type is not one of ours (never written
/// by this code) goes out as `application/octet-stream`.
pub fn download(file: &StoredFile, content: Vec<u8>) -> Response {
    let mime = MediaType::from_mime(&file.media_type).map_or("application/octet-stream", MediaType::mime);
    let mut response = content.into_response();
    let h = response.headers_mut();
    protect(h, mime, &file.name);
    if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", file.sha256)) {
        h.insert(header::ETAG, value);
    }
    response
}

/// A stored PDF or JPEG shown in the browser (a reviewer's preview of an uploaded document,
/// mlit-plan.md §4.4 「inline PDF/JPEG viewer」): `inline`, never sniffed, never cached. A JPEG
/// keeps the `sandbox` policy (an image needs nothing else); a PDF goes without it, as `pdf`
/// does, because Chromium's viewer refuses a sandboxed document — the pages' strict policy
/// stays on it. Any other type (never accepted by the Files block's uploads) is a download.
pub fn preview(file: &StoredFile, content: Vec<u8>) -> Response {
    match MediaType::from_mime(&file.media_type) {
        Some(MediaType::Pdf) => {
            let mut response = pdf(&file.name, content, "inline");
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            response
        }
        Some(MediaType::Jpeg) => {
            let mut response = download(file, content);
            if let Ok(value) = HeaderValue::from_str(&content_disposition("inline", &file.name)) {
                response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        _ => download(file, content),
    }
}

/// The audit event of handing `file` out (`file.downloaded`): `actor` is who downloaded it
/// (`user:<id>` or `operator:<id>`); the subject is the owning organization, so the entry
/// carries that organization and its admin reads it in the organization's log. Detail: the
/// file's id, purpose, name and size, and `context` (the ZIP it went out in, say). Written in
/// the caller's transaction, before the bytes are sent.
pub async fn record_download(
    conn: &mut Conn,
    origin: &Origin,
    actor: &str,
    file: &StoredFile,
    context: Option<&str>,
    now: i64,
) -> Result<(), madoguchi_store::DbError> {
    let subject = file.owner_organization_id.map(|id| format!("organization:{id}"));
    let detail = DownloadDetail::text(file, context);
    let entry = AuditEntry {
        portal: &file.portal,
        event: DOWNLOADED,
        actor: Some(actor),
        subject: subject.as_deref().or(Some(actor)),
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        detail: Some(&detail),
    };
    audit::record(conn, &entry, now).await
}

/// The event name of a download of a stored file.
pub const DOWNLOADED: &str = "file.downloaded";

/// What a `file.downloaded` entry's detail says, read back for the screens that list the
/// hand-outs (the file may be gone by then: the entry is all that is left of it). The text is
/// `<id> <purpose> <name> (<size> bytes)[ in <context>]`; a name is the uploader's and may hold
/// anything the clean-name rule lets through, `(3 bytes)` included, while the context is the
/// server's own (a ZIP's name): so the size is the last `(<digits> bytes)` of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadDetail {
    pub file_id: i64,
    pub purpose: String,
    pub name: String,
    pub size: i64,
    /// What the file went out in (a ZIP's name), when not on its own.
    pub context: Option<String>,
}

impl DownloadDetail {
    fn text(file: &StoredFile, context: Option<&str>) -> String {
        let mut detail = format!("{} {} {} ({} bytes)", file.id, file.purpose, file.name, file.size);
        if let Some(context) = context {
            detail.push_str(&format!(" in {context}"));
        }
        detail
    }

    /// None for a text this module did not write.
    pub fn parse(detail: &str) -> Option<DownloadDetail> {
        let (id, rest) = detail.split_once(' ')?;
        let (purpose, rest) = rest.split_once(' ')?;
        let close = rest.rfind(" bytes)")?;
        let open = rest[..close].rfind(" (")?;
        let size = rest[open + 2..close].parse().ok()?;
        let context = match &rest[close + " bytes)".len()..] {
            "" => None,
            tail => Some(tail.strip_prefix(" in ")?.to_string()),
        };
        Some(DownloadDetail {
            file_id: id.parse().ok()?,
            purpose: purpose.to_string(),
            name: rest[..open].to_string(),
            size,
            context,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_file_names_are_encoded_for_every_browser() {
        assert_eq!(
            content_disposition("attachment", "操作マニュアル.pdf"),
            "attachment; filename=\"_______.pdf\"; filename*=UTF-8''%E6%93%8D%E4%BD%9C%E3%83%9E%E3%83%8B%E3%83%A5%E3%82%A2%E3%83%AB.pdf"
        );
        assert_eq!(
            content_disposition("inline", "a \"b\".pdf"),
            "inline; filename=\"a__b_.pdf\"; filename*=UTF-8''a%20%22b%22.pdf"
        );
        assert_eq!(human_size(1536), "2 KB");
        assert_eq!(human_size(3 * 1024 * 1024 / 2), "1.5 MB");
    }

    #[test]
    fn a_report_pdf_is_served_with_its_name_and_never_sniffed() {
        let response = pdf("財形積立明細書.pdf", b"%PDF-1.7".to_vec(), "attachment");
        let h = response.headers();
        assert_eq!(h[header::CONTENT_TYPE], "application/pdf");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(h[header::CONTENT_DISPOSITION].to_str().is_ok_and(|v| v.starts_with("attachment; filename=\"")));
    }

    fn stored(name: &str, media_type: &str) -> StoredFile {
        StoredFile {
            id: 7,
            portal: "jrec-in".into(),
            owner_organization_id: Some(3),
            owner_user_id: None,
            purpose: "application".into(),
            name: name.into(),
            media_type: media_type.into(),
            size: 8,
            sha256: "ab12".into(),
            created_at: 0,
        }
    }

    #[test]
    fn a_download_entry_reads_back_as_written_whatever_the_name_holds() {
        for name in ["履歴書 (最新).pdf", "a (3 bytes).pdf", "x in y.zip", "業績 一覧 (12 bytes) in z.pdf"] {
            for context in [None, Some("応募書類_D000000001_202612061300.zip")] {
                let file = stored(name, "application/pdf");
                let read = DownloadDetail::parse(&DownloadDetail::text(&file, context));
                let expected = DownloadDetail {
                    file_id: 7,
                    purpose: "application".into(),
                    name: name.into(),
                    size: 8,
                    context: context.map(str::to_string),
                };
                assert_eq!(read, Some(expected), "{name} {context:?}");
            }
        }
        assert_eq!(DownloadDetail::parse("a manual was read"), None);
        assert_eq!(DownloadDetail::parse("7 application x.pdf (8 bytes) and more"), None);
    }

    #[tokio::test]
    async fn a_stored_file_downloads_saved_sandboxed_and_unsniffed() {
        let response = download(&stored("履歴書 (最新).pdf", "application/pdf"), b"%PDF-1.7".to_vec());
        let h = response.headers();
        assert_eq!(h[header::CONTENT_TYPE], "application/pdf");
        assert_eq!(
            h[header::CONTENT_DISPOSITION],
            "attachment; filename=\"____(__).pdf\"; filename*=UTF-8''%E5%B1%A5%E6%AD%B4%E6%9B%B8%20%28%E6%9C%80%E6%96%B0%29.pdf"
        );
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(h[header::CONTENT_SECURITY_POLICY].to_str().is_ok_and(|v| v.starts_with("sandbox")));
        assert_eq!(h[header::CACHE_CONTROL], "private, no-store");
        assert_eq!(h[header::ETAG], "\"ab12\"");
        let body = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], b"%PDF-1.7");
        // A type this code never stored is not repeated to the browser.
        let odd = download(&stored("x.html", "text/html"), b"<p>".to_vec());
        assert_eq!(odd.headers()[header::CONTENT_TYPE], "application/octet-stream");
        let jpeg = download(&stored("写真.jpg", "image/jpeg"), vec![0xFF, 0xD8, 0xFF]);
        assert_eq!(jpeg.headers()[header::CONTENT_TYPE], "image/jpeg");
    }
}
