//! Japanese PDF reports: a table on A4 landscape pages, the way a module prints its 帳票
//! (rokin 財形積立明細書, later mlit-fwms's lists).
//!
//! A module fills a [`Report`] (title, organization, the document's key, 作成日時, columns and
//! rows) and calls [`Report::to_pdf`]. Every page repeats the header (organization, title, key,
//! 作成日時) and the column headings; the footer says 「n / m」. A cell wider than its column is
//! shortened with 「…」, never drawn over its neighbour. The text is IPAex Gothic, embedded as
//! a subset of the glyphs used (a few tens of KB), with a ToUnicode map so the text can be
//! searched and copied (`pdftotext` reads it). The crate knows nothing of the portal: no
//! database, no HTTP; the caller passes the texts already formatted (dates, yen).

mod font;
mod layout;

use thiserror::Error;

/// A tabular report. The texts are shown as given; `created` is the 作成日時 text the caller
/// formats (e.g. 「2025-07-22 10:15」 in Japan time).
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub title: String,
    pub organization: String,
    /// What the document is about, e.g. 「預入依頼書 入金予定日 2025-07-25」.
    pub key: String,
    pub created: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub heading: String,
    /// Width on the page in millimetres; all columns together fit in [`TABLE_WIDTH_MM`].
    pub width_mm: f32,
    pub align: Align,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    /// Amounts and counts.
    Right,
}

/// One line of the table. Every variant has one cell per column.
#[derive(Debug, Clone)]
pub enum Row {
    Data(Vec<String>),
    /// A subtotal (per 所属, per 財形種類 …): bold, on a grey band with a rule above. The label
    /// is written from the first column over the leading cells left empty, so
    /// `label: "所属 101 小計"` with `cells: ["", "", "", "12 件", "¥120,000"]` spans three columns.
    /// The first cell must be empty (the label always takes the first column).
    Subtotal {
        label: String,
        cells: Vec<String>,
    },
    /// The report's total: like a subtotal, with a double rule above.
    Total {
        label: String,
        cells: Vec<String>,
    },
}

/// The width the columns may take together: A4 landscape (297 mm) less both margins.
pub const TABLE_WIDTH_MM: f32 = layout::PAGE_WIDTH_MM - 2.0 * layout::MARGIN_MM;

#[derive(Debug, Error, PartialEq)]
pub enum ReportError {
    #[error("the report has no columns")]
    NoColumns,
    #[error("the columns are {total_mm:.1} mm wide together; the page holds {TABLE_WIDTH_MM} mm")]
    TooWide { total_mm: f32 },
    #[error("column {column} has a width of {width_mm} mm")]
    BadWidth { column: usize, width_mm: f32 },
    #[error("row {row} has {cells} cells for {columns} columns")]
    CellCount { row: usize, cells: usize, columns: usize },
    #[error("row {row}: a subtotal's or total's label takes the first column, whose cell must be empty")]
    LabelOverCell { row: usize },
    #[error("the embedded font could not be read")]
    Font,
}

impl Report {
    /// The report as a PDF file. Fails only on a report that cannot be laid out (columns wider
    /// than the page, a row with the wrong number of cells): a programming error of the caller.
    pub fn to_pdf(&self) -> Result<Vec<u8>, ReportError> {
        self.check()?;
        let font = font::ipaex_gothic().ok_or(ReportError::Font)?;
        Ok(layout::render(self, font))
    }

    fn check(&self) -> Result<(), ReportError> {
        if self.columns.is_empty() {
            return Err(ReportError::NoColumns);
        }
        if let Some((column, c)) =
            self.columns.iter().enumerate().find(|(_, c)| !c.width_mm.is_finite() || c.width_mm <= 0.0)
        {
            return Err(ReportError::BadWidth { column, width_mm: c.width_mm });
        }
        let total_mm: f32 = self.columns.iter().map(|c| c.width_mm).sum();
        if total_mm > TABLE_WIDTH_MM + 0.01 {
            return Err(ReportError::TooWide { total_mm });
        }
        for (row, r) in self.rows.iter().enumerate() {
            let cells = match r {
                Row::Data(cells) | Row::Subtotal { cells, .. } | Row::Total { cells, .. } => cells.len(),
            };
            if cells != self.columns.len() {
                return Err(ReportError::CellCount { row, cells, columns: self.columns.len() });
            }
            if let Row::Subtotal { cells, .. } | Row::Total { cells, .. } = r
                && cells.first().is_some_and(|c| !c.is_empty())
            {
                return Err(ReportError::LabelOverCell { row });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
