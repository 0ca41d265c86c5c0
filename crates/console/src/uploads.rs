//! The operator's PDF uploads (マニュアル管理, the contracts' ドキュメント): the multipart form
//! read with its size cut, and the checks every upload passes. A file is taken only when it is
//! a PDF by its first bytes (`%PDF-`, whatever its name or declared type says) and no larger
//! than `server.manual_max_bytes`. The form's CSRF token is checked by the same middleware as
//! every other form (`security::csrf` reads the `_csrf` part, and lets only these addresses
//! bring a file: `security::accepts_upload`).

use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use madoguchi_web::ctx::Ctx;
use madoguchi_web::forms::FieldErrors;
use unicode_normalization::UnicodeNormalization;

pub const TITLE_MAX: usize = 100;
const FILE_NAME_MAX: usize = 150;

/// What the form sent: its text fields, and the file's name and bytes (None: no file part).
pub struct Upload {
    fields: Vec<(String, String)>,
    pub file: Option<(String, Vec<u8>)>,
    /// The file was cut at the limit.
    pub too_large: bool,
}

impl Upload {
    pub fn text(&self, name: &str) -> &str {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }
}

async fn read_parts(multipart: &mut Multipart, max: usize) -> Result<Upload, axum::extract::multipart::MultipartError> {
    let mut upload = Upload { fields: Vec::new(), file: None, too_large: false };
    while let Some(mut field) = multipart.next_field().await? {
        match field.name().map(str::to_string).as_deref() {
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_string();
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await? {
                    if bytes.len() + chunk.len() > max {
                        upload.too_large = true;
                        break;
                    }
                    bytes.extend_from_slice(&chunk);
                }
                upload.file = Some((name, bytes));
            }
            // `_csrf` was checked before the handler.
            Some("_csrf") | None => {}
            Some(name) => {
                let value = field.text().await?;
                upload.fields.push((name.to_string(), value));
            }
        }
    }
    Ok(upload)
}

/// The form, or None when it is not readable multipart (a hand-made request, a body cut
/// short): the caller shows its page again with 「送信された内容を読み取れませんでした。」.
pub async fn read(multipart: Result<Multipart, MultipartRejection>, max: usize) -> Option<Upload> {
    let read = match multipart {
        Ok(mut multipart) => read_parts(&mut multipart, max).await.map_err(|e| e.to_string()),
        Err(rejection) => Err(rejection.body_text()),
    };
    match read {
        Ok(upload) => Some(upload),
        Err(error) => {
            tracing::info!(%error, "an upload that is not readable multipart");
            None
        }
    }
}

/// The title, trimmed, with its error where it is empty or too long.
pub fn title(upload: &Upload, ctx: &Ctx, errors: &mut FieldErrors) -> String {
    let title = upload.text("title").trim().to_string();
    if title.is_empty() {
        errors.add("title", ctx.t.get("op.manuals.err_title"));
    } else if title.chars().count() > TITLE_MAX {
        errors.add("title", ctx.t.get("op.manuals.err_title_long"));
    }
    title
}

/// The file, if it is a PDF within `max` bytes; else its error.
pub fn pdf(upload: Upload, max: usize, ctx: &Ctx, errors: &mut FieldErrors) -> Option<(String, Vec<u8>)> {
    let limit = madoguchi_web::files::human_size(max as i64);
    match &upload.file {
        _ if upload.too_large => errors.add("file", &ctx.t.get("op.manuals.err_large").replace("{max}", &limit)),
        Some((_, bytes)) if !bytes.is_empty() && !bytes.starts_with(b"%PDF-") => {
            errors.add("file", ctx.t.get("op.manuals.err_not_pdf"))
        }
        Some((_, bytes)) if !bytes.is_empty() => return upload.file,
        _ => errors.add("file", ctx.t.get("op.manuals.err_file")),
    }
    None
}

/// The uploaded file's own name, kept for the download: the last part of whatever path the
/// browser sent, in NFC (macOS browsers send decomposed カナ: マ + ゙), without control
/// characters, shortened, and ending in `.pdf`.
pub fn file_name(raw: &str, title: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.nfc().filter(|c| !c.is_control()).collect();
    let clean = clean.trim();
    let stem = if clean.is_empty() { title } else { clean };
    let mut name: String = stem.chars().take(FILE_NAME_MAX).collect();
    if !name.to_lowercase().ends_with(".pdf") {
        name.push_str(".pdf");
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_their_japanese_and_lose_their_path() {
        assert_eq!(file_name("操作マニュアル【事業主編】.pdf", "t"), "操作マニュアル【事業主編】.pdf");
        assert_eq!(file_name("C:\\Users\\rokin\\依頼書.PDF", "t"), "依頼書.PDF");
        assert_eq!(file_name("../../etc/passwd", "t"), "passwd.pdf");
        assert_eq!(file_name("", "ログインＩＤ／パスワード依頼書"), "ログインＩＤ／パスワード依頼書.pdf");
        assert_eq!(file_name("a\u{7}b.pdf", "t"), "ab.pdf");
        // ド decomposed (ト + U+3099), as macOS names files: stored composed.
        assert_eq!(file_name("ト\u{3099}キュメント.pdf", "t"), "ドキュメント.pdf");
    }
}
