//! The rules of the Files platform block (modules README §0.4, docs/FILES.md): what kind of
//! file an upload is, decided by its first bytes and never by its name or the browser's
//! declared type; what a portal accepts where (`Accept`: the kinds and a size limit, a value
//! a preset can carry); and the name a stored file keeps. No I/O: the kit reads the upload and
//! the store keeps it.

use serde::Deserialize;
use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;

/// The kinds of file the portals take, each known by its content.
///
/// DOCX and XLSX are ZIP archives inside (Office Open XML): they are told apart from a plain
/// ZIP by the archive's `[Content_Types].xml` and its `word/` or `xl/` folder, so that a place
/// that takes "PDF or ZIP" (jrec-in's Web応募) does not take a Word file, which an institution
/// would then receive named `.zip`. No preset takes them today; a policy that wants them
/// names `docx` / `xlsx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaType {
    Pdf,
    Jpeg,
    Png,
    Zip,
    Docx,
    Xlsx,
}

impl MediaType {
    pub const ALL: [MediaType; 6] =
        [MediaType::Pdf, MediaType::Jpeg, MediaType::Png, MediaType::Zip, MediaType::Docx, MediaType::Xlsx];

    /// The `Content-Type` of the file when it is served.
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Zip => "application/zip",
            MediaType::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            MediaType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The kind a stored `mime` names (the `files.media_type` column).
    pub fn from_mime(mime: &str) -> Option<MediaType> {
        MediaType::ALL.into_iter().find(|t| t.mime() == mime)
    }

    /// The extensions a name of this kind may end in (lower case); the first is the one added
    /// to a name that has none of them.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            MediaType::Pdf => &["pdf"],
            MediaType::Jpeg => &["jpg", "jpeg", "jpe"],
            MediaType::Png => &["png"],
            MediaType::Zip => &["zip"],
            MediaType::Docx => &["docx"],
            MediaType::Xlsx => &["xlsx"],
        }
    }

    /// How a message names the kind: 「PDF」「JPEG」….
    pub fn label(self) -> &'static str {
        match self {
            MediaType::Pdf => "PDF",
            MediaType::Jpeg => "JPEG",
            MediaType::Png => "PNG",
            MediaType::Zip => "ZIP",
            MediaType::Docx => "Word (DOCX)",
            MediaType::Xlsx => "Excel (XLSX)",
        }
    }

    /// The kind of `content` by its magic bytes, or None for anything else.
    ///
    /// A PDF must start with `%PDF-` (PDF 2.0 §7.5.2; readers tolerate junk before it, we do
    /// not: a file that needs the tolerance is not what a form asks for). JPEG is `FF D8 FF`,
    /// PNG its 8-byte signature. A ZIP starts with a local file header (`PK 03 04`) or is the
    /// empty archive (`PK 05 06`), and its central directory must be readable; then its names
    /// say whether it is an Office file.
    pub fn detect(content: &[u8]) -> Option<MediaType> {
        if content.starts_with(b"%PDF-") {
            Some(MediaType::Pdf)
        } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(MediaType::Jpeg)
        } else if content.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(MediaType::Png)
        } else if content.starts_with(b"PK\x03\x04") || content.starts_with(b"PK\x05\x06") {
            zip_kind(content)
        } else {
            None
        }
    }
}

/// A ZIP's kind from the names in its central directory; None when there is no readable one
/// (a cut upload, or a file that only starts like a ZIP).
fn zip_kind(content: &[u8]) -> Option<MediaType> {
    let names = zip_names(content)?;
    let office = names.iter().any(|n| n == b"[Content_Types].xml");
    let under = |folder: &[u8]| names.iter().any(|n| n.starts_with(folder));
    Some(if office && under(b"word/") {
        MediaType::Docx
    } else if office && under(b"xl/") {
        MediaType::Xlsx
    } else {
        MediaType::Zip
    })
}

/// The entry names of a ZIP's central directory (APPNOTE 4.3.12, 4.3.16), or None when the
/// end record or a header is not where it says. Zip64 archives (over 4 GB) are never uploads
/// here and read as None.
fn zip_names(content: &[u8]) -> Option<Vec<Vec<u8>>> {
    const END: &[u8] = b"PK\x05\x06";
    const HEADER: &[u8] = b"PK\x01\x02";
    let u16_at = |at: usize| -> Option<usize> {
        Some(usize::from(u16::from_le_bytes(content.get(at..at + 2)?.try_into().ok()?)))
    };
    let u32_at = |at: usize| -> Option<usize> {
        usize::try_from(u32::from_le_bytes(content.get(at..at + 4)?.try_into().ok()?)).ok()
    };
    // The end record is 22 bytes plus a comment of up to 65,535: search that tail backwards.
    let tail_start = content.len().saturating_sub(22 + 65_535);
    let end = (tail_start..=content.len().checked_sub(22)?).rev().find(|&at| content[at..].starts_with(END))?;
    let count = u16_at(end + 10)?;
    let mut at = u32_at(end + 16)?;
    let mut names = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        if !content.get(at..)?.starts_with(HEADER) {
            return None;
        }
        let (name_len, extra_len, comment_len) = (u16_at(at + 28)?, u16_at(at + 30)?, u16_at(at + 32)?);
        names.push(content.get(at + 46..at + 46 + name_len)?.to_vec());
        at += 46 + name_len + extra_len + comment_len;
    }
    Some(names)
}

/// What a place takes: the kinds, and the largest file in bytes. A preset may carry one
/// (`types = ["pdf", "jpeg"]`, `max_bytes = 10485760`); the module's own default is one of
/// the constants below.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accept {
    pub types: Cow<'static, [MediaType]>,
    pub max_bytes: u64,
}

const MB: u64 = 1024 * 1024;

impl Accept {
    /// jrec-in's Web応募 document: one PDF, or a ZIP of several (the original asks applicants
    /// to 「圧縮して1つのファイルにする、まとめて1つのPDFファイルにする」), ≤ 10 MB (jrec-in.md
    /// §1.8, a Choice: the original's limit is not published).
    pub const APPLICATION: Accept =
        Accept { types: Cow::Borrowed(&[MediaType::Pdf, MediaType::Zip]), max_bytes: 10 * MB };
    /// mlit-fwms plan attachments: scanned PDF or a JPEG photo, ≤ 10 MB each (mlit-plan.md §4.3).
    pub const PLAN_ATTACHMENT: Accept =
        Accept { types: Cow::Borrowed(&[MediaType::Pdf, MediaType::Jpeg]), max_bytes: 10 * MB };
    /// jrec-in's 募集要項PDF: one PDF ≤ 10 MB (jrec-in.md §1.4).
    pub const POSTING_PDF: Accept = Accept { types: Cow::Borrowed(&[MediaType::Pdf]), max_bytes: 10 * MB };

    /// PDF only, up to `max_bytes` (the console's manuals and documents, `server.manual_max_bytes`).
    pub fn pdf(max_bytes: u64) -> Accept {
        Accept { types: Cow::Borrowed(&[MediaType::Pdf]), max_bytes }
    }

    /// The upload's verdict: its kind and the name it keeps, or why it is refused. `raw_name`
    /// is what the browser sent; `fallback` names a file whose own name is empty after cleaning.
    pub fn check(&self, raw_name: &str, content: &[u8], fallback: &str) -> Result<Accepted, FileError> {
        if content.is_empty() {
            return Err(FileError::Missing);
        }
        if u64::try_from(content.len()).unwrap_or(u64::MAX) > self.max_bytes {
            return Err(FileError::TooLarge { max_bytes: self.max_bytes });
        }
        let Some(media_type) = MediaType::detect(content).filter(|t| self.types.contains(t)) else {
            return Err(FileError::WrongType { allowed: self.types.to_vec() });
        };
        Ok(Accepted { media_type, name: file_name(raw_name, fallback, Some(media_type)) })
    }

    /// The allowed kinds as a message lists them: 「PDF、JPEG」.
    pub fn labels(&self, separator: &str) -> String {
        self.types.iter().map(|t| t.label()).collect::<Vec<_>>().join(separator)
    }
}

/// An upload that passed: its kind and its clean name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub media_type: MediaType,
    pub name: String,
}

/// Why an upload is refused; each has its message under `files.err_*` in the locales.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    /// No file, or an empty one.
    Missing,
    /// Larger than the place takes (also when the reader stopped at the limit).
    TooLarge { max_bytes: u64 },
    /// Not one of the kinds the place takes, whatever its name says.
    WrongType { allowed: Vec<MediaType> },
}

impl FileError {
    /// The locale key of the message; `{max}` and `{types}` in it are the caller's to fill.
    pub fn key(&self) -> &'static str {
        match self {
            FileError::Missing => "files.err_missing",
            FileError::TooLarge { .. } => "files.err_too_large",
            FileError::WrongType { allowed } if allowed.as_slice() == [MediaType::Pdf] => "files.err_not_pdf",
            FileError::WrongType { .. } => "files.err_type",
        }
    }
}

/// The longest name kept, in characters and in UTF-8 bytes: a file system takes 255 bytes,
/// and a ZIP entry puts its prefix (`E123456789_`) before the name.
pub const NAME_MAX_CHARS: usize = 100;
pub const NAME_MAX_BYTES: usize = 200;

/// Characters that change how text around them is drawn, used to disguise an extension
/// (`invoice\u{202E}fdp.exe` shows as `invoiceexe.pdf`): the bidi embeddings and overrides
/// (U+202A–U+202E), isolates (U+2066–U+2069), the marks (U+200E, U+200F, U+061C), zero-width
/// characters and the BOM.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// The name a stored file keeps (docs/FILES.md "Names"): the last part of whatever path the
/// browser sent (`C:\Users\…\依頼書.pdf` → `依頼書.pdf`), in NFC (macOS sends カナ decomposed:
/// ト + U+3099), without control characters (U+0000–U+001F, U+007F–U+009F) or the invisible
/// ones above; Windows' reserved `< > : " | ? *` become `_`; no leading dots (no hidden file,
/// no `..`), no trailing dots or spaces (Windows drops them); at most [`NAME_MAX_CHARS`]
/// characters and [`NAME_MAX_BYTES`] bytes, cut in the stem so the extension stays. With a
/// `media_type`, a name whose extension is not one of the kind's gets the kind's (`写真.png`
/// that is a JPEG → `写真.png.jpg`). An empty result takes `fallback` (cleaned the same way).
pub fn file_name(raw: &str, fallback: &str, media_type: Option<MediaType>) -> String {
    let cleaned = clean(raw);
    let name = if cleaned.is_empty() { clean(fallback) } else { cleaned };
    let name = if name.is_empty() { "file".to_string() } else { name };
    let (stem, ext) = match media_type {
        Some(t) => {
            let has = name
                .rsplit_once('.')
                .filter(|(stem, ext)| !stem.is_empty() && t.extensions().contains(&ext.to_lowercase().as_str()));
            match has {
                Some((stem, ext)) => (stem.to_string(), format!(".{ext}")),
                None => (name.clone(), format!(".{}", t.extensions()[0])),
            }
        }
        None => match name.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() && ext.chars().count() <= 8 => (stem.to_string(), format!(".{ext}")),
            _ => (name.clone(), String::new()),
        },
    };
    let mut stem: String = stem.chars().take(NAME_MAX_CHARS.saturating_sub(ext.chars().count())).collect();
    while stem.len() + ext.len() > NAME_MAX_BYTES {
        stem.pop();
    }
    let stem = stem.trim_end_matches(dot_or_space);
    format!("{stem}{ext}")
}

/// What Windows drops at the end of a name (and nobody sees): dots and spaces, any width.
fn dot_or_space(c: char) -> bool {
    c == '.' || c.is_whitespace()
}

/// A character no kept name has: a control character or one of the invisible ones above.
pub fn is_hidden_char(c: char) -> bool {
    c.is_control() || is_invisible(c)
}

fn clean(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    // The hidden characters go before NFC: one between a letter and its combining mark
    // (か NUL U+3099) would otherwise leave the pair uncomposed.
    let visible: String = base.chars().filter(|&c| !is_hidden_char(c)).collect();
    let kept: String =
        visible.nfc().map(|c| if matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') { '_' } else { c }).collect();
    kept.trim_start_matches(|c: char| c == '.' || c.is_whitespace()).trim_end_matches(dot_or_space).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'];

    /// A ZIP of empty stored entries with these names, as `zip -0` writes it.
    fn zip_of(names: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for name in names {
            let offset = u32::try_from(out.len()).unwrap();
            let n = u16::try_from(name.len()).unwrap();
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(name.as_bytes());
            central.extend_from_slice(b"PK\x01\x02");
            central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&n.to_le_bytes());
            central.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let cd_offset = u32::try_from(out.len()).unwrap();
        let cd_size = u32::try_from(central.len()).unwrap();
        let count = u16::try_from(names.len()).unwrap();
        out.extend_from_slice(&central);
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&cd_size.to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    #[test]
    fn the_kind_is_read_from_the_content_not_the_name() {
        assert_eq!(MediaType::detect(b"%PDF-1.7\n..."), Some(MediaType::Pdf));
        assert_eq!(MediaType::detect(JPEG), Some(MediaType::Jpeg));
        assert_eq!(MediaType::detect(PNG), Some(MediaType::Png));
        assert_eq!(MediaType::detect(b"<html>%PDF-"), None);
        assert_eq!(MediaType::detect(b""), None);
        assert_eq!(MediaType::detect(&zip_of(&["履歴書.pdf", "業績一覧.pdf"])), Some(MediaType::Zip));
        assert_eq!(MediaType::detect(&zip_of(&[])), Some(MediaType::Zip));
        let docx = zip_of(&["[Content_Types].xml", "_rels/.rels", "word/document.xml"]);
        assert_eq!(MediaType::detect(&docx), Some(MediaType::Docx));
        let xlsx = zip_of(&["[Content_Types].xml", "xl/workbook.xml"]);
        assert_eq!(MediaType::detect(&xlsx), Some(MediaType::Xlsx));
        // Starts like a ZIP but its directory is gone (a cut upload).
        let cut = zip_of(&["a.pdf"]);
        assert_eq!(MediaType::detect(&cut[..cut.len() - 30]), None);
        for t in MediaType::ALL {
            assert_eq!(MediaType::from_mime(t.mime()), Some(t));
        }
    }

    #[test]
    fn a_pdf_that_is_really_an_image_is_refused_and_a_jpeg_taken_where_allowed() {
        let pdf_only = Accept::pdf(1024);
        let refused = pdf_only.check("申請書.pdf", PNG, "f");
        assert_eq!(refused, Err(FileError::WrongType { allowed: vec![MediaType::Pdf] }));
        assert_eq!(refused.unwrap_err().key(), "files.err_not_pdf");
        assert_eq!(
            Accept::PLAN_ATTACHMENT.check("現場写真.jpg", JPEG, "f"),
            Ok(Accepted { media_type: MediaType::Jpeg, name: "現場写真.jpg".into() })
        );
        // A JPEG sent as `.pdf`: taken as the JPEG it is, and named so.
        let taken = Accept::PLAN_ATTACHMENT.check("登記事項証明書.pdf", JPEG, "f").unwrap();
        assert_eq!(taken.name, "登記事項証明書.pdf.jpg");
        let wrong = Accept::PLAN_ATTACHMENT.check("a.png", PNG, "f").unwrap_err();
        assert_eq!(wrong.key(), "files.err_type");
        assert_eq!(Accept::PLAN_ATTACHMENT.labels("、"), "PDF、JPEG");
        // Web応募 takes a ZIP but not a Word file.
        let docx = zip_of(&["[Content_Types].xml", "word/document.xml"]);
        assert!(Accept::APPLICATION.check("cv.docx", &docx, "f").is_err());
        assert!(Accept::APPLICATION.check("書類.zip", &zip_of(&["cv.pdf"]), "f").is_ok());
    }

    #[test]
    fn the_size_limit_is_a_byte_more_than_allowed() {
        let accept = Accept::pdf(10);
        assert!(accept.check("a.pdf", b"%PDF-12345", "f").is_ok());
        assert_eq!(accept.check("a.pdf", b"%PDF-123456", "f"), Err(FileError::TooLarge { max_bytes: 10 }));
        assert_eq!(accept.check("a.pdf", b"", "f"), Err(FileError::Missing));
        assert_eq!(Accept::APPLICATION.max_bytes, 10 * 1024 * 1024);
    }

    #[test]
    fn names_lose_paths_control_and_bidi_characters() {
        let pdf = Some(MediaType::Pdf);
        assert_eq!(file_name("C:\\Users\\rokin\\依頼書.PDF", "f", pdf), "依頼書.PDF");
        assert_eq!(file_name("../../etc/passwd", "f", pdf), "passwd.pdf");
        assert_eq!(file_name("a\u{0}b\u{7}c\u{1F}d\u{7F}e.pdf", "f", pdf), "abcde.pdf");
        // The right-to-left override that would show `invoicefdp.exe` as `invoiceexe.pdf`.
        assert_eq!(file_name("invoice\u{202E}fdp.exe", "f", None), "invoicefdp.exe");
        assert_eq!(file_name("a\u{2066}b\u{2069}\u{200F}.pdf", "f", pdf), "ab.pdf");
        assert_eq!(file_name("...hidden.pdf", "f", pdf), "hidden.pdf");
        assert_eq!(file_name(" . .x", "f", None), "x");
        // A NUL between か and its combining mark: dropped first, then composed.
        assert_eq!(file_name("か\u{0}\u{3099}.pdf", "f", pdf), "が.pdf");
        assert_eq!(file_name("報告書. . .", "f", None), "報告書");
        assert_eq!(file_name("報告書 ..pdf", "f", pdf), "報告書.pdf");
        assert_eq!(file_name("a<b>c:d\"e|f?g*h.pdf", "f", pdf), "a_b_c_d_e_f_g_h.pdf");
        assert_eq!(file_name("/", "募集要項", pdf), "募集要項.pdf");
        assert_eq!(file_name("", "", pdf), "file.pdf");
        assert_eq!(file_name("..", "", None), "file");
        assert_eq!(file_name("x.pdf", "f", Some(MediaType::Jpeg)), "x.pdf.jpg");
        assert_eq!(file_name("写真.JPEG", "f", Some(MediaType::Jpeg)), "写真.JPEG");
        assert_eq!(file_name("zaikei.csv", "f", None), "zaikei.csv");
    }

    #[test]
    fn names_are_nfc_and_capped_in_characters_and_bytes() {
        // が decomposed (か + U+3099), as macOS names files: stored composed.
        assert_eq!(file_name("か\u{3099}くせき.pdf", "f", Some(MediaType::Pdf)), "がくせき.pdf");
        assert_eq!(file_name("ト\u{3099}キュメント.pdf", "f", Some(MediaType::Pdf)), "ドキュメント.pdf");
        let long = format!("{}.pdf", "a".repeat(300));
        let name = file_name(&long, "f", Some(MediaType::Pdf));
        assert_eq!(name.chars().count(), NAME_MAX_CHARS);
        assert!(name.ends_with("a.pdf"));
        let japanese = format!("{}.pdf", "書".repeat(90));
        let name = file_name(&japanese, "f", Some(MediaType::Pdf));
        assert!(name.len() <= NAME_MAX_BYTES && name.ends_with("書.pdf"), "{name}");
        assert_eq!(name.chars().count(), (NAME_MAX_BYTES - 4) / 3 + 4);
    }

    #[test]
    fn a_preset_can_carry_a_policy() {
        let accept: Accept = toml::from_str("types = [\"pdf\", \"jpeg\"]\nmax_bytes = 10485760").unwrap();
        assert_eq!(accept, Accept::PLAN_ATTACHMENT);
        assert!(toml::from_str::<Accept>("types = [\"exe\"]\nmax_bytes = 1").is_err());
    }
}
