//! Bulk downloads (modules README §0.4, docs/FILES.md "ZIP"): stored files as one ZIP that is
//! sent while it is built. A task writes the archive into one end of a 64 KiB in-memory pipe
//! and the response body reads the other, so at most one file's bytes (read from the
//! database one file at a time) and the pipe's buffer are in memory, whatever the number of
//! files; a slow client slows the writer, a client that leaves stops it.
//!
//! The archive (`async_zip`): every entry stored, not deflated (PDF, JPEG and ZIP do not
//! shrink, and stored entries open everywhere), with its sizes and CRC in the local header (no
//! data descriptors: the whole file is at hand when its entry is written), names in UTF-8 with
//! the language encoding flag (general purpose bit 11) so that Windows, macOS and `unzip` show
//! the Japanese names, dates in Japan time, Zip64 only past 4 GB. The index CSV (the kit's
//! `excel_csv`, UTF-8 with BOM) comes first. Each file's bytes are checked against the SHA-256
//! stored with it: the index can only list what the archive holds.

use crate::excel_csv::{self, ExcelEncoding, Unencodable};
use crate::files::protect;
use async_zip::tokio::write::ZipFileWriter;
use async_zip::{Compression, ZipDateTime, ZipDateTimeBuilder, ZipEntryBuilder};
use axum::body::Body;
use axum::response::Response;
use chrono::{Datelike, Timelike};
use futures_util::StreamExt;
use madoguchi_store::Store;
use madoguchi_store::files::{self, StoredFile};
use std::collections::HashSet;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio_util::io::ReaderStream;

/// One file of the archive, under the name the module gives it (`<応募受付ID>_<name>`).
pub struct ZipItem {
    pub entry_name: String,
    pub file: StoredFile,
}

/// The index entry: its name (`応募者一覧.csv`) and content (`index_csv`).
pub struct ZipIndex {
    pub name: String,
    pub content: Vec<u8>,
}

/// An index CSV as every export writes one: UTF-8 with BOM, CRLF, quoted, formula-safe.
/// The module's columns; list each file's `sha256` in one of them.
pub fn index_csv(headings: &[&str], rows: Vec<Vec<String>>) -> Result<Vec<u8>, Unencodable> {
    excel_csv::write(ExcelEncoding::Utf8Bom, headings, rows)
}

#[derive(Debug, thiserror::Error)]
pub enum ZipFailure {
    #[error(transparent)]
    Db(#[from] madoguchi_store::DbError),
    #[error(transparent)]
    Zip(#[from] async_zip::error::ZipError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("file {0} is gone")]
    Gone(i64),
    #[error("file {0} does not match its SHA-256")]
    Altered(i64),
}

/// The pipe between the writer and the response body.
const PIPE: usize = 64 * 1024;

/// The entry names as they go into the archive: no path separators (a `/` would make a
/// folder, a `..` could climb out of it when unpacked), no control or bidi characters, and
/// unique (a repeat, compared without case as Windows does, gets 「 (2)」 before its extension).
pub fn entry_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = HashSet::new();
    names
        .into_iter()
        .map(|raw| {
            let name: String = raw
                .chars()
                .filter(|&c| !madoguchi_core::files::is_hidden_char(c))
                .map(|c| if c == '/' || c == '\\' { '_' } else { c })
                .collect();
            let name = name.trim_start_matches('.').to_string();
            let name = if name.is_empty() { "file".to_string() } else { name };
            let (stem, ext) = match name.rsplit_once('.') {
                Some((stem, ext)) if !stem.is_empty() => (stem.to_string(), format!(".{ext}")),
                _ => (name.clone(), String::new()),
            };
            let mut candidate = name;
            let mut n = 2;
            while !seen.insert(candidate.to_lowercase()) {
                candidate = format!("{stem} ({n}){ext}");
                n += 1;
            }
            candidate
        })
        .collect()
}

/// A Unix time as a ZIP date, in Japan time (ZIP dates have no zone; the people who open
/// these archives read Japan time).
fn zip_date(unix: i64) -> ZipDateTime {
    // Japan has no DST: UTC+09:00 always. ZIP dates start in 1980.
    let at = chrono::DateTime::from_timestamp(unix.max(315_532_800) + 9 * 3600, 0).unwrap_or_default();
    ZipDateTimeBuilder::new()
        .year(at.year())
        .month(at.month())
        .day(at.day())
        .hour(at.hour())
        .minute(at.minute())
        .second(at.second())
        .build()
}

fn entry(name: String, date: ZipDateTime) -> ZipEntryBuilder {
    ZipEntryBuilder::new(name.into(), Compression::Stored).last_modification_date(date).unix_permissions(0o644)
}

/// Writes the archive to `out`: the index first, then each file, its bytes read from the
/// database when its turn comes and checked against its SHA-256. Returns `out` after the
/// central directory; on an error the archive is incomplete and must not be offered as one.
pub async fn write_zip<W: AsyncWrite + Unpin>(
    out: W,
    store: &Store,
    items: &[ZipItem],
    index: Option<&ZipIndex>,
    now: i64,
) -> Result<W, ZipFailure> {
    let mut zip = ZipFileWriter::with_tokio(out);
    let names = entry_names(index.iter().map(|i| i.name.as_str()).chain(items.iter().map(|i| i.entry_name.as_str())));
    let mut names = names.into_iter();
    if let Some(index) = index {
        let name = names.next().unwrap_or_default();
        zip.write_entry_whole(entry(name, zip_date(now)), &index.content).await?;
    }
    for (item, name) in items.iter().zip(names) {
        let content = {
            let mut conn = store.acquire().await?;
            files::content(&mut conn, &item.file.portal, item.file.id).await?.ok_or(ZipFailure::Gone(item.file.id))?
        };
        if files::sha256_hex(&content) != item.file.sha256 {
            return Err(ZipFailure::Altered(item.file.id));
        }
        zip.write_entry_whole(entry(name, zip_date(item.file.created_at)), &content).await?;
    }
    Ok(zip.close().await?.into_inner())
}

/// The ZIP as a download named `zip_name`, its body streamed while `write_zip` builds it.
/// The headers are every file download's (`files::protect`). The caller has checked who may
/// have these files and recorded the download (`files::record_download`, one event per file)
/// before calling this. Should the archive fail half-way (a file deleted meanwhile, the
/// database gone), the body ends in an error, so the client sees a broken download instead of
/// a ZIP that looks complete.
pub fn zip_response(store: Store, zip_name: &str, items: Vec<ZipItem>, index: Option<ZipIndex>, now: i64) -> Response {
    let (writer, reader) = tokio::io::duplex(PIPE);
    let (done, finished) = tokio::sync::oneshot::channel::<bool>();
    tokio::spawn(async move {
        let result = async {
            let mut out = write_zip(writer, &store, &items, index.as_ref(), now).await?;
            out.shutdown().await?;
            Ok::<_, ZipFailure>(())
        }
        .await;
        if let Err(error) = &result {
            tracing::warn!(%error, "a ZIP download stopped before its end");
        }
        // Nobody listens when the client has gone: nothing to do then.
        let _ = done.send(result.is_ok());
    });
    let tail = futures_util::stream::once(async move {
        match finished.await {
            Ok(true) => None,
            _ => Some(Err(std::io::Error::other("the ZIP could not be completed"))),
        }
    })
    .filter_map(std::future::ready);
    let mut response = Response::new(Body::from_stream(ReaderStream::new(reader).chain(tail)));
    protect(response.headers_mut(), "application/zip", zip_name);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_are_flat_clean_and_unique() {
        let names = entry_names([
            "応募者一覧.csv",
            "E0000000001_履歴書.pdf",
            "E0000000002_../../etc/passwd",
            "E0000000003_a\u{202E}b.pdf",
            "E0000000001_履歴書.PDF",
            "E0000000001_履歴書.pdf",
            "..",
        ]);
        assert_eq!(
            names,
            [
                "応募者一覧.csv",
                "E0000000001_履歴書.pdf",
                "E0000000002_.._.._etc_passwd",
                "E0000000003_ab.pdf",
                "E0000000001_履歴書 (2).PDF",
                "E0000000001_履歴書 (3).pdf",
                "file",
            ]
        );
    }

    #[test]
    fn dates_are_japan_time() {
        // 2026-04-01 00:30 JST is 2026-03-31 15:30 UTC.
        let date = zip_date(1_774_971_000);
        assert_eq!((date.year(), date.month(), date.day(), date.hour(), date.minute()), (2026, 4, 1, 0, 30));
    }
}
