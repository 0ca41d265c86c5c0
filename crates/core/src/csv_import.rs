//! Reading an imported CSV file, the same way for every import (accounts, contracts, the 財形
//! deliveries; the console's upload and paste box and the command line): the bytes decoded
//! ([`decode_csv`]), then the rows after the header, each with its line in the file
//! ([`import_rows`]), and [`RowError`], a refused row with that line.

/// One refused row of an import: its line in the file and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

/// The file's text: UTF-8 (a BOM is dropped), or Shift_JIS as Excel saves it in Japan.
pub fn decode_csv(bytes: &[u8]) -> Result<String, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
    if had_errors {
        Err("文字コードが UTF-8 でも Shift_JIS でもありません。".into())
    } else {
        Ok(text.into_owned())
    }
}

/// The rows of an import after its header line, each with its line in the file, and a
/// message for each line that is not CSV at all. Every import (accounts, shaho and rokin
/// contracts; the console's paste box and the command line) reads its text here.
///
/// - **Tab-separated** when the header line holds a tab: cells copied from Excel reach the
///   paste box that way, and a cell may hold a comma (「窓口商事株式会社, 本社」) that a
///   comma-separated reading would split.
/// - **Line numbers** as an editor shows them, also for CRLF files (what Excel saves):
///   line ends are made `\n` before reading, because the csv crate counted a CRLF file's
///   lines one too low.
pub fn import_rows(text: &str) -> (Vec<(u64, csv::StringRecord)>, Vec<RowError>) {
    let text = text.replace("\r\n", "\n");
    let delimiter = if text.lines().next().is_some_and(|header| header.contains('\t')) { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    for record in reader.records() {
        match record {
            Ok(r) => rows.push((r.position().map(|p| p.line()).unwrap_or(0), r)),
            Err(e) => errors.push(RowError {
                line: e.position().map(|p| p.line()).unwrap_or(0),
                message: format!("CSVとして読めません: {e}"),
            }),
        }
    }
    (rows, errors)
}
