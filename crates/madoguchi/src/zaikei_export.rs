//! `madoguchi zaikei export --portal rokin --due YYYY-MM-DD [--out FILE]`: the bank's CSV of the
//! sent 財形 changes of one 入金予定日 — the same lines as the console's download (the latest
//! sent version per contract), UTF-8 with a BOM — to standard output or a file, audited as the
//! console's download is (`zaikei.changes_exported`, actor `cli`).

use anyhow::{Context, bail};
use chrono::NaiveDate;
use madoguchi_core::Config;
use madoguchi_store::Store;
use madoguchi_store::audit::{self, AuditEntry};
use madoguchi_web::excel_csv::{self, ExcelEncoding};

/// The CSV text of the export, after recording it; (text, contracts, rows).
pub async fn export(
    store: &Store,
    config: &Config,
    portal: &str,
    due: &str,
    now: i64,
) -> anyhow::Result<(String, usize, usize)> {
    let portal =
        config.portal(portal).with_context(|| format!("there is no portal \"{portal}\" in the configuration"))?;
    if !portal.settings.modules.contains(&madoguchi_zaikei::MODULE) {
        bail!("the portal \"{}\" has no 財形 module (zaikei)", portal.id);
    }
    let due = NaiveDate::parse_from_str(due.trim(), "%Y-%m-%d")
        .with_context(|| format!("--due is a date like 2025-07-25, not \"{due}\""))?
        .format("%Y-%m-%d")
        .to_string();
    let mut tx = store.begin().await?;
    let found = madoguchi_zaikei::export::of_due(&mut tx, &portal.id, &due).await?;
    let detail = format!("{due} {} contracts {} rows", found.contracts, found.lines.len());
    let entry = AuditEntry {
        portal: &portal.id,
        event: "zaikei.changes_exported",
        actor: Some("cli"),
        detail: Some(&detail),
        ..AuditEntry::default()
    };
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    let rows = found.lines.len();
    // The bank's file is UTF-8 with a BOM, as the console's download of the same rows.
    let bytes = excel_csv::write(ExcelEncoding::Utf8Bom, madoguchi_zaikei::export::HEADING, found.lines)
        .map_err(|e| anyhow::anyhow!("the export cannot be written: {e:?}"))?;
    let text = String::from_utf8(bytes).context("a UTF-8 export is UTF-8")?;
    Ok((text, found.contracts, rows))
}
