//! Reading an upload form (multipart): its text fields and one file, the file read chunk by
//! chunk and given up as soon as it passes the caller's limit, so an oversized file is never
//! held whole by this reader. What the file is and the name it keeps are the Files block's
//! rules (`madoguchi_core::files`, docs/FILES.md); this module only reads and answers in the
//! page's language. Used by the console's uploads (manuals, documents, 財形データ取込) and by
//! any module that takes a file.
//!
//! The form's CSRF token is checked before the handler by `security::csrf`, which reads the
//! `_csrf` part and lets only the addresses `security::accepts_upload` names bring a body past
//! `server.body_limit_bytes`.

use crate::files::human_size;
use crate::i18n::Tr;
use axum::extract::Multipart;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use madoguchi_core::files::{Accept, Accepted, FileError};

/// The form field that carries the file.
pub const FILE_FIELD: &str = "file";

/// What the form sent: its text fields, and the file's name and bytes (None: no file part).
pub struct Upload {
    fields: Vec<(String, String)>,
    /// The browser's name for the file, and its bytes (empty when `too_large`).
    pub file: Option<(String, Vec<u8>)>,
    /// The file passed the limit: the reader stopped keeping it there.
    pub too_large: bool,
}

impl Upload {
    /// A text field's value, "" when the form had none.
    pub fn text(&self, name: &str) -> &str {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// The file under `accept`'s rules: its kind, clean name and bytes, or why not.
    /// `fallback` names a file whose own name is empty once cleaned (the form's title, say).
    pub fn check(&self, accept: &Accept, fallback: &str) -> Result<(Accepted, &[u8]), FileError> {
        if self.too_large {
            return Err(FileError::TooLarge { max_bytes: accept.max_bytes });
        }
        let Some((name, bytes)) = &self.file else {
            return Err(FileError::Missing);
        };
        accept.check(name, bytes, fallback).map(|accepted| (accepted, bytes.as_slice()))
    }

    /// Takes the file's name and bytes out (after `check`).
    pub fn take_file(&mut self) -> Option<(String, Vec<u8>)> {
        self.file.take()
    }
}

async fn read_parts(multipart: &mut Multipart, max: usize) -> Result<Upload, MultipartError> {
    let mut upload = Upload { fields: Vec::new(), file: None, too_large: false };
    while let Some(mut field) = multipart.next_field().await? {
        match field.name().map(str::to_string).as_deref() {
            // The first file part only: a second one is skipped unread.
            Some(FILE_FIELD) if upload.file.is_none() && !upload.too_large => {
                let name = field.file_name().unwrap_or("").to_string();
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await? {
                    if bytes.len() + chunk.len() > max {
                        // Stop here: what came is dropped, the rest of the part is skipped
                        // as the parser moves to the next part, never collected.
                        upload.too_large = true;
                        bytes = Vec::new();
                        break;
                    }
                    bytes.extend_from_slice(&chunk);
                }
                upload.file = Some((name, bytes));
            }
            // `_csrf` was checked before the handler.
            Some(FILE_FIELD) | Some("_csrf") | None => {}
            Some(name) => {
                let value = field.text().await?;
                upload.fields.push((name.to_string(), value));
            }
        }
    }
    Ok(upload)
}

/// The form, with its file cut at `max` bytes; None when it is not readable multipart (a
/// hand-made request, a body cut short): the caller shows its page again with
/// `files.err_unreadable`.
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

/// The refusal as the page shows it: 「ファイルが大きすぎます。10.0 MB以下のファイルを選択して
/// ください。」, 「ファイルの形式が正しくありません。PDF、JPEGのファイルを選択してください。」.
pub fn message(error: &FileError, t: &Tr) -> String {
    let text = t.get(error.key());
    match error {
        FileError::TooLarge { max_bytes } => {
            text.replace("{max}", &human_size(i64::try_from(*max_bytes).unwrap_or(i64::MAX)))
        }
        FileError::WrongType { allowed } => {
            let labels: Vec<&str> = allowed.iter().map(|t| t.label()).collect();
            text.replace("{types}", &labels.join(t.get("files.types_separator")))
        }
        FileError::Missing => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::extract::FromRequest;
    use axum::http::Request;
    use madoguchi_core::files::MediaType;

    fn form(parts: &[(&str, Option<&str>, &[u8])]) -> Request<Body> {
        let mut body = Vec::new();
        for (name, file_name, value) in parts {
            body.extend_from_slice(b"--XyZ\r\n");
            let disposition = match file_name {
                Some(f) => format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\r\n"),
                None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
            };
            body.extend_from_slice(disposition.as_bytes());
            body.extend_from_slice(value);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"--XyZ--\r\n");
        Request::builder()
            .method("POST")
            .header("content-type", "multipart/form-data; boundary=XyZ")
            .body(Body::from(body))
            .unwrap()
    }

    async fn upload(request: Request<Body>, max: usize) -> Upload {
        let multipart = Multipart::from_request(request, &()).await;
        read(multipart, max).await.unwrap()
    }

    #[tokio::test]
    async fn the_file_and_the_text_fields_are_read() {
        let pdf = b"%PDF-1.7 minimal";
        let request =
            form(&[("_csrf", None, b"t"), ("title", None, "募集要項".as_bytes()), ("file", Some("要項.pdf"), pdf)]);
        let read = upload(request, 1024).await;
        assert_eq!(read.text("title"), "募集要項");
        assert_eq!(read.text("_csrf"), "");
        let (accepted, bytes) = read.check(&Accept::POSTING_PDF, "f").unwrap();
        assert_eq!((accepted.media_type, accepted.name.as_str(), bytes), (MediaType::Pdf, "要項.pdf", &pdf[..]));
    }

    #[tokio::test]
    async fn a_file_past_the_limit_is_dropped_at_the_limit() {
        let big =
            [b'%', b'P', b'D', b'F', b'-'].iter().copied().chain(std::iter::repeat_n(b'x', 5000)).collect::<Vec<_>>();
        let request = form(&[("file", Some("a.pdf"), &big), ("title", None, b"after")]);
        let read = upload(request, 4096).await;
        assert!(read.too_large);
        assert_eq!(read.file.as_ref().map(|(_, b)| b.len()), Some(0));
        // The fields after the file are still read (the page shows them again).
        assert_eq!(read.text("title"), "after");
        assert_eq!(read.check(&Accept::pdf(4096), "f").unwrap_err(), FileError::TooLarge { max_bytes: 4096 });
    }

    #[tokio::test]
    async fn a_pdf_name_on_an_image_and_a_missing_file_are_refused() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        let read = upload(form(&[("file", Some("scan.pdf"), png)]), 1024).await;
        assert_eq!(read.check(&Accept::POSTING_PDF, "f").unwrap_err().key(), "files.err_not_pdf");
        let read = upload(form(&[("title", None, b"x")]), 1024).await;
        assert_eq!(read.check(&Accept::POSTING_PDF, "f").unwrap_err(), FileError::Missing);
        let read = upload(form(&[("file", Some(""), b"")]), 1024).await;
        assert_eq!(read.check(&Accept::POSTING_PDF, "f").unwrap_err(), FileError::Missing);
    }

    #[tokio::test]
    async fn a_path_and_bidi_characters_in_the_sent_name_are_dropped() {
        // (Control characters cannot reach here: the part's header would not parse; the
        // rule itself is tested in core::files.)
        let read = upload(form(&[("file", Some("../../a\u{202E}b.pdf"), b"%PDF-1.4")]), 1024).await;
        let (accepted, _) = read.check(&Accept::POSTING_PDF, "f").unwrap();
        assert_eq!(accepted.name, "ab.pdf");
    }

    #[tokio::test]
    async fn a_body_that_is_not_multipart_is_none() {
        let request =
            Request::builder().method("POST").header("content-type", "text/plain").body(Body::from("x")).unwrap();
        let multipart = Multipart::from_request(request, &()).await;
        assert!(read(multipart, 10).await.is_none());
    }
}
