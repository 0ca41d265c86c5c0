//! Puts a [`Report`] on A4 landscape pages: the rows are cut into pages first (a fixed number
//! per page, so the page count 「m」 is known before anything is drawn), then each page is
//! drawn as its graphics (bands and rules) followed by one text section.

use crate::font::Metrics;
use crate::{Align, Column, Report, Row};
use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rect, TextItem, TextMatrix, TextRenderingMode, WindingOrder,
};

pub const PAGE_WIDTH_MM: f32 = 297.0;
pub const PAGE_HEIGHT_MM: f32 = 210.0;
pub const MARGIN_MM: f32 = 12.0;
/// Where the table's heading row starts, from the top edge (the header lines are above it).
const TABLE_TOP_MM: f32 = 34.0;
const HEADING_HEIGHT_MM: f32 = 7.0;
const ROW_HEIGHT_MM: f32 = 6.0;
/// The footer's baseline, from the bottom edge; the last row ends above it with room.
const FOOTER_BASELINE_MM: f32 = 7.0;
const TABLE_BOTTOM_MM: f32 = PAGE_HEIGHT_MM - MARGIN_MM - 4.0;
const CELL_PADDING_MM: f32 = 1.5;
const BODY_PT: f32 = 9.0;
const SMALL_PT: f32 = 9.0;
const KEY_PT: f32 = 10.5;
const TITLE_PT: f32 = 15.0;

/// Rows per page: as many whole rows as fit between the heading row and the footer.
pub const ROWS_PER_PAGE: usize = ((TABLE_BOTTOM_MM - TABLE_TOP_MM - HEADING_HEIGHT_MM) / ROW_HEIGHT_MM) as usize;

pub fn render(report: &Report, font: &ParsedFont) -> Vec<u8> {
    let mut doc = PdfDocument::new(&report.title);
    let font_id = doc.add_font(font);
    let metrics = Metrics::new(font);
    // An empty report still prints one page: the header and headings say what was empty.
    let chunks: Vec<&[Row]> =
        if report.rows.is_empty() { vec![&[]] } else { report.rows.chunks(ROWS_PER_PAGE).collect() };
    let pages = chunks.len();
    let pdf_pages = chunks
        .iter()
        .enumerate()
        .map(|(i, rows)| {
            let page =
                PageWriter { report, metrics: &metrics, font: &font_id, graphics: vec![], text: vec![], state: None };
            page.draw(rows, i + 1, pages)
        })
        .collect();
    doc.with_pages(pdf_pages);
    let options = PdfSaveOptions { optimize: true, subset_fonts: true, ..PdfSaveOptions::default() };
    doc.save(&options, &mut Vec::new())
}

/// Millimetres from the top edge → PDF points from the bottom edge.
fn y_from_top(mm: f32) -> Pt {
    Mm(PAGE_HEIGHT_MM - mm).into()
}

fn x_mm(mm: f32) -> Pt {
    Mm(mm).into()
}

fn grey(level: f32) -> Color {
    Color::Greyscale(Greyscale { percent: level, icc_profile: None })
}

/// How a row is drawn.
#[derive(Clone, Copy, PartialEq)]
enum Weight {
    Normal,
    Bold,
}

struct PageWriter<'a> {
    report: &'a Report,
    metrics: &'a Metrics<'a>,
    font: &'a FontId,
    graphics: Vec<Op>,
    text: Vec<Op>,
    /// The text state last set, so a page does not repeat `Tf`/`Tr` before every cell.
    state: Option<(u32, Weight)>,
}

impl PageWriter<'_> {
    fn draw(mut self, rows: &[Row], page: usize, pages: usize) -> PdfPage {
        self.header();
        self.headings();
        let mut top = TABLE_TOP_MM + HEADING_HEIGHT_MM;
        for row in rows {
            self.row(row, top);
            top += ROW_HEIGHT_MM;
        }
        self.footer(page, pages);
        let mut ops = self.graphics;
        // The outline of the bold text (below): black and thin, whatever the rules last set.
        ops.extend([
            Op::SetOutlineColor { col: grey(0.0) },
            Op::SetOutlineThickness { pt: Pt(0.3) },
            Op::StartTextSection,
        ]);
        ops.extend(self.text);
        ops.push(Op::EndTextSection);
        PdfPage::new(Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM), ops)
    }

    /// Organization and 作成日時 on the first line, the title, then the document's key.
    fn header(&mut self) {
        let right = PAGE_WIDTH_MM - MARGIN_MM;
        let room = (right - MARGIN_MM) * 0.6;
        let created = format!("作成日時 {}", self.report.created);
        self.text_left(&self.report.organization, MARGIN_MM, 16.0, SMALL_PT, room, Weight::Normal);
        self.text_right(&created, right, 16.0, SMALL_PT, room / 2.0, Weight::Normal);
        self.text_left(&self.report.title, MARGIN_MM, 24.0, TITLE_PT, right - MARGIN_MM, Weight::Bold);
        self.text_left(&self.report.key, MARGIN_MM, 30.5, KEY_PT, right - MARGIN_MM, Weight::Normal);
    }

    fn headings(&mut self) {
        let width = self.table_width();
        self.band(TABLE_TOP_MM, HEADING_HEIGHT_MM, width, 0.85);
        self.rule(TABLE_TOP_MM, width, 0.8, 0.0);
        self.rule(TABLE_TOP_MM + HEADING_HEIGHT_MM, width, 0.8, 0.0);
        let baseline = TABLE_TOP_MM + HEADING_HEIGHT_MM - 2.2;
        let mut left = MARGIN_MM;
        for column in &self.report.columns {
            self.cell(&column.heading, column, left, baseline, Weight::Bold);
            left += column.width_mm;
        }
    }

    fn row(&mut self, row: &Row, top: f32) {
        let width = self.table_width();
        let bottom = top + ROW_HEIGHT_MM;
        let baseline = bottom - 1.9;
        let (label, cells, weight) = match row {
            Row::Data(cells) => {
                self.rule(bottom, width, 0.3, 0.7);
                (None, cells, Weight::Normal)
            }
            Row::Subtotal { label, cells } => {
                self.band(top, ROW_HEIGHT_MM, width, 0.93);
                self.rule(top, width, 0.6, 0.0);
                self.rule(bottom, width, 0.3, 0.7);
                (Some(label), cells, Weight::Bold)
            }
            Row::Total { label, cells } => {
                self.band(top, ROW_HEIGHT_MM, width, 0.88);
                self.rule(top - 0.6, width, 0.6, 0.0);
                self.rule(top, width, 0.6, 0.0);
                self.rule(bottom, width, 0.8, 0.0);
                (Some(label), cells, Weight::Bold)
            }
        };
        // The label takes the leading columns whose cells are empty (at least the first).
        let mut first = 0;
        if let Some(label) = label {
            let span = cells.iter().take_while(|c| c.is_empty()).count().max(1);
            let span_mm: f32 = self.report.columns.iter().take(span).map(|c| c.width_mm).sum();
            let label_column = Column { heading: String::new(), width_mm: span_mm, align: Align::Left };
            self.cell(label, &label_column, MARGIN_MM, baseline, weight);
            first = span;
        }
        let mut left = MARGIN_MM + self.report.columns.iter().take(first).map(|c| c.width_mm).sum::<f32>();
        for (column, value) in self.report.columns.iter().zip(cells).skip(first) {
            self.cell(value, column, left, baseline, weight);
            left += column.width_mm;
        }
    }

    fn footer(&mut self, page: usize, pages: usize) {
        let text = format!("{page} / {pages}");
        let width = self.metrics.width(&text, SMALL_PT);
        let x = PAGE_WIDTH_MM / 2.0 - width * 25.4 / 72.0 / 2.0;
        let baseline = PAGE_HEIGHT_MM - FOOTER_BASELINE_MM;
        self.text_left(&text, x, baseline, SMALL_PT, PAGE_WIDTH_MM, Weight::Normal);
    }

    fn table_width(&self) -> f32 {
        self.report.columns.iter().map(|c| c.width_mm).sum()
    }

    fn cell(&mut self, value: &str, column: &Column, left: f32, baseline: f32, weight: Weight) {
        let room = column.width_mm - 2.0 * CELL_PADDING_MM;
        match column.align {
            Align::Left => self.text_left(value, left + CELL_PADDING_MM, baseline, BODY_PT, room, weight),
            Align::Right => {
                self.text_right(value, left + column.width_mm - CELL_PADDING_MM, baseline, BODY_PT, room, weight)
            }
        }
    }

    fn text_left(&mut self, text: &str, x: f32, baseline: f32, size: f32, room_mm: f32, weight: Weight) {
        let fitted = self.metrics.fit(text, size, Mm(room_mm).into_pt().0);
        self.show(fitted, x_mm(x), y_from_top(baseline), size, weight);
    }

    fn text_right(&mut self, text: &str, right: f32, baseline: f32, size: f32, room_mm: f32, weight: Weight) {
        let fitted = self.metrics.fit(text, size, Mm(room_mm).into_pt().0);
        let x = Pt(x_mm(right).0 - self.metrics.width(&fitted, size));
        self.show(fitted, x, y_from_top(baseline), size, weight);
    }

    fn show(&mut self, text: String, x: Pt, y: Pt, size: f32, weight: Weight) {
        if text.is_empty() {
            return;
        }
        // IPAex Gothic has no bold face: bold is the glyphs filled and stroked with a thin
        // outline, which keeps the text one font (one subset) and extractable.
        let state = (size.to_bits(), weight);
        if self.state != Some(state) {
            let mode = if weight == Weight::Bold { TextRenderingMode::FillStroke } else { TextRenderingMode::Fill };
            self.text.extend([
                Op::SetFont { font: PdfFontHandle::External(self.font.clone()), size: Pt(size) },
                Op::SetTextRenderingMode { mode },
            ]);
            self.state = Some(state);
        }
        self.text.extend([
            Op::SetTextMatrix { matrix: TextMatrix::Translate(x, y) },
            Op::ShowText { items: vec![TextItem::Text(text)] },
        ]);
    }

    /// A filled band `height` mm tall from `top`, the table's width.
    fn band(&mut self, top: f32, height: f32, width: f32, level: f32) {
        self.graphics.extend([
            Op::SetFillColor { col: grey(level) },
            Op::DrawRectangle {
                rectangle: Rect {
                    x: x_mm(MARGIN_MM),
                    y: y_from_top(top + height),
                    width: Mm(width).into(),
                    height: Mm(height).into(),
                    mode: Some(PaintMode::Fill),
                    winding_order: Some(WindingOrder::NonZero),
                },
            },
            Op::SetFillColor { col: grey(0.0) },
        ]);
    }

    /// A horizontal rule across the table at `at` mm from the top.
    fn rule(&mut self, at: f32, width: f32, thickness_pt: f32, level: f32) {
        let point = |x: f32| LinePoint { p: Point { x: x_mm(x), y: y_from_top(at) }, bezier: false };
        self.graphics.extend([
            Op::SetOutlineColor { col: grey(level) },
            Op::SetOutlineThickness { pt: Pt(thickness_pt) },
            Op::DrawLine { line: Line { points: vec![point(MARGIN_MM), point(MARGIN_MM + width)], is_closed: false } },
        ]);
    }
}
