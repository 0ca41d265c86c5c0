//! Files the portal serves from the database (manuals, a contract's documents): the PDF
//! response with its own Japanese file name, and the lines the lists show.

use crate::ctx::Ctx;
use crate::format::format_ts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use madoguchi_store::manuals;

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
}
