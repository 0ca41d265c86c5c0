//! CSV files for Excel, the way every export of the portal writes them (modules README §0.7,
//! docs/OUTPUTS.md): a header row, CRLF line ends, every field quoted, and a field Excel would
//! run as a formula (a leading `=` `+` `-` `@`, TAB or CR, as OWASP lists them) prefixed with
//! `'`. Two encodings, chosen on the export screen: UTF-8 with a BOM (Excel opens it right on
//! a double-click) or CP932 (Shift_JIS as Windows writes it, for older tools). Before CP932 the
//! characters Windows draws differently are mapped to the ones it has (〜 → ～, − → －, …); a
//! character CP932 still cannot hold is refused with its row, column and character, never
//! written as `&#NNNN;` or `?` (japanese-data.md).

use crate::files::content_disposition;
use crate::i18n::Tr;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use encoding_rs::SHIFT_JIS;
use serde::Deserialize;

/// The file's encoding, as the export screen's choice sends it (`utf8` / `cp932`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum ExcelEncoding {
    #[default]
    #[serde(rename = "utf8")]
    Utf8Bom,
    #[serde(rename = "cp932")]
    Cp932,
}

impl ExcelEncoding {
    /// Both choices, in the order the screen offers them, with their form value and label key.
    pub const ALL: [ExcelEncoding; 2] = [ExcelEncoding::Utf8Bom, ExcelEncoding::Cp932];

    /// The label of the choice on an export screen (`csv.encoding`, 「文字コード」).
    pub const LABEL_KEY: &'static str = "csv.encoding";

    /// The form value: `utf8` or `cp932`; anything else is no choice (`None`).
    pub fn parse(value: &str) -> Option<ExcelEncoding> {
        ExcelEncoding::ALL.into_iter().find(|e| e.form_value() == value)
    }

    /// The screen's choice, or the message for the field when there is none (a tampered or
    /// empty value): 「文字コードを選んでください。」.
    pub fn from_form(value: &str, t: &Tr) -> Result<ExcelEncoding, String> {
        ExcelEncoding::parse(value.trim()).ok_or_else(|| t.get("csv.encoding_required").to_string())
    }

    pub fn form_value(self) -> &'static str {
        match self {
            ExcelEncoding::Utf8Bom => "utf8",
            ExcelEncoding::Cp932 => "cp932",
        }
    }

    /// The choice's label in `locales/*.toml`.
    pub fn label_key(self) -> &'static str {
        match self {
            ExcelEncoding::Utf8Bom => "csv.encoding_utf8",
            ExcelEncoding::Cp932 => "csv.encoding_cp932",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExcelEncoding::Utf8Bom => "text/csv; charset=utf-8",
            ExcelEncoding::Cp932 => "text/csv; charset=Shift_JIS",
        }
    }
}

/// A character CP932 cannot hold, where it is: `row` counts the file's lines from 1 (the
/// header row is 1, the first data row 2, as Excel numbers them); `column` is the heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unencodable {
    pub row: usize,
    pub column: String,
    pub character: char,
}

impl Unencodable {
    /// The message for the export screen's error summary, in the screen's language.
    pub fn message(&self, t: &Tr) -> String {
        t.get("csv.cp932_unencodable")
            .replace("{row}", &self.row.to_string())
            .replace("{column}", &self.column)
            .replace("{char}", &self.character.to_string())
            .replace("{code}", &format!("U+{:04X}", u32::from(self.character)))
    }
}

/// The file: the headings as its first row, then `rows` (one value per heading).
pub fn write<I>(encoding: ExcelEncoding, headings: &[&str], rows: I) -> Result<Vec<u8>, Unencodable>
where
    I: IntoIterator<Item = Vec<String>>,
{
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(Vec::new());
    let header = headings.iter().map(|h| h.to_string());
    let lines = std::iter::once(header.collect::<Vec<_>>()).chain(rows);
    for (index, line) in lines.enumerate() {
        let mut fields = Vec::with_capacity(line.len());
        for (column, value) in line.into_iter().enumerate() {
            let value = neutralize_formula(value);
            let value = match encoding {
                ExcelEncoding::Utf8Bom => value,
                ExcelEncoding::Cp932 => cp932_field(&value).map_err(|character| Unencodable {
                    row: index + 1,
                    column: headings.get(column).map(|h| h.to_string()).unwrap_or_else(|| (column + 1).to_string()),
                    character,
                })?,
            };
            fields.push(value);
        }
        // Writing into a Vec cannot fail; the fields were checked above.
        let _ = writer.write_record(&fields);
    }
    let text = writer.into_inner().unwrap_or_default();
    Ok(match encoding {
        ExcelEncoding::Utf8Bom => [&b"\xEF\xBB\xBF"[..], &text].concat(),
        ExcelEncoding::Cp932 => {
            // Every field was encoded on its own above, and the rest is ASCII quotes, commas
            // and CRLF: the whole file encodes without a replacement.
            let text = String::from_utf8_lossy(&text);
            SHIFT_JIS.encode(&text).0.into_owned()
        }
    })
}

/// A field that would start a formula in Excel gets a leading `'` (shown, not run).
fn neutralize_formula(value: String) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value }
}

/// The characters that look alike but differ between Unicode's own and what CP932 decodes
/// to (japanese-data.md): text typed on a Mac or copied from the web has the left ones.
const CP932_LOOKALIKES: [(char, char); 7] = [
    ('\u{301C}', '\u{FF5E}'), // 〜 WAVE DASH → ～ FULLWIDTH TILDE
    ('\u{2212}', '\u{FF0D}'), // − MINUS SIGN → － FULLWIDTH HYPHEN-MINUS
    ('\u{2016}', '\u{2225}'), // ‖ DOUBLE VERTICAL LINE → ∥ PARALLEL TO
    ('\u{00AC}', '\u{FFE2}'), // ¬ NOT SIGN → ￢ FULLWIDTH NOT SIGN
    ('\u{00A2}', '\u{FFE0}'), // ¢ → ￠
    ('\u{00A3}', '\u{FFE1}'), // £ → ￡
    ('\u{2014}', '\u{2015}'), // — EM DASH → ― HORIZONTAL BAR
];

/// The text with the look-alikes mapped, for CP932.
pub fn cp932_lookalikes(value: &str) -> String {
    value.chars().map(|c| CP932_LOOKALIKES.iter().find(|(from, _)| *from == c).map_or(c, |(_, to)| *to)).collect()
}

/// The field ready for CP932, or the first character CP932 has no code for.
fn cp932_field(value: &str) -> Result<String, char> {
    let mapped = cp932_lookalikes(value);
    let (_, _, had_errors) = SHIFT_JIS.encode(&mapped);
    if !had_errors {
        return Ok(mapped);
    }
    let mut buffer = [0u8; 4];
    let bad = mapped.chars().find(|c| SHIFT_JIS.encode(c.encode_utf8(&mut buffer)).2);
    Err(bad.unwrap_or(char::REPLACEMENT_CHARACTER))
}

/// The file as a download: its name in UTF-8 (RFC 5987) with an ASCII fallback (RFC 6266),
/// the charset of the encoding, never sniffed as anything else.
pub fn download(file_name: &str, encoding: ExcelEncoding, content: Vec<u8>) -> Response {
    let mut response = content.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(encoding.content_type()));
    if let Ok(value) = HeaderValue::from_str(&content_disposition("attachment", file_name)) {
        h.insert(header::CONTENT_DISPOSITION, value);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

#[cfg(test)]
mod tests;
