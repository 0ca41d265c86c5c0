use super::*;
use crate::layout::ROWS_PER_PAGE;
use std::process::Command;

fn columns() -> Vec<Column> {
    let column = |heading: &str, width_mm: f32, align| Column { heading: heading.to_string(), width_mm, align };
    vec![
        column("所属コード", 25.0, Align::Left),
        column("社員番号", 25.0, Align::Left),
        column("氏名", 45.0, Align::Left),
        column("財形種類", 30.0, Align::Left),
        column("積立額", 35.0, Align::Right),
    ]
}

fn data(i: usize) -> Row {
    let name = if i == 0 { "山田　太郎".to_string() } else { format!("財形　花子{i}") };
    Row::Data(vec!["101".into(), format!("{:06}", 1000 + i), name, "一般財形".into(), format!("¥{},000", 10 + i % 50)])
}

/// `rows` data rows, a subtotal and a total, as rokin's 財形積立明細書 lays them out.
fn report(rows: usize) -> Report {
    let mut all: Vec<Row> = (0..rows).map(data).collect();
    all.push(Row::Subtotal {
        label: "所属 101 小計".into(),
        cells: vec!["".into(), "".into(), "".into(), format!("{rows} 件"), "¥1,234,000".into()],
    });
    all.push(Row::Total {
        label: "合計".into(),
        cells: vec!["".into(); 4].into_iter().chain(["¥1,234,000".into()]).collect(),
    });
    Report {
        title: "財形積立明細書".into(),
        organization: "株式会社テスト製作所".into(),
        key: "預入依頼書 入金予定日 2025-07-25".into(),
        created: "2025-07-22 10:15".into(),
        columns: columns(),
        rows: all,
    }
}

fn pages_of(pdf: &[u8]) -> usize {
    match lopdf::Document::load_mem(pdf) {
        Ok(doc) => doc.get_pages().len(),
        Err(e) => panic!("the PDF does not parse: {e}"),
    }
}

fn render(report: &Report) -> Vec<u8> {
    match report.to_pdf() {
        Ok(pdf) => pdf,
        Err(e) => panic!("the report renders: {e}"),
    }
}

#[test]
fn a_report_is_a_pdf_of_as_many_pages_as_its_rows_need() {
    let one = render(&report(3));
    assert!(one.starts_with(b"%PDF-"));
    assert_eq!(pages_of(&one), 1);
    // Two full pages of data, then the subtotal and total on a third.
    let three = render(&report(2 * ROWS_PER_PAGE));
    assert_eq!(pages_of(&three), 3);
    // No rows: still one page, with the header and the headings.
    let empty = Report { rows: vec![], ..report(0) };
    assert_eq!(pages_of(&render(&empty)), 1);
}

#[test]
fn the_font_is_embedded_as_a_subset_not_whole() {
    let pdf = render(&report(3));
    // IPAex Gothic is 6 MB; the glyphs of one page of Japanese are a few KB.
    assert!(pdf.len() < 100_000, "{} bytes", pdf.len());
    let Ok(doc) = lopdf::Document::load_mem(&pdf) else { panic!("parses") };
    let font_files = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.has(b"FontFile2") || d.has(b"FontFile3"))
        .count();
    assert_eq!(font_files, 1, "one embedded font program");
    // The text can be extracted: a ToUnicode map, with the ideographic space of 「山田　太郎」.
    let cmaps: Vec<Vec<u8>> = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .filter_map(|s| s.decompressed_content().ok().or_else(|| Some(s.content.clone())))
        .filter(|c| c.windows(9).any(|w| w == b"begincmap"))
        .collect();
    assert_eq!(cmaps.len(), 1);
    assert!(String::from_utf8_lossy(&cmaps[0]).contains("<3000>"), "U+3000 in the ToUnicode map");
}

#[test]
fn five_thousand_rows_stay_a_small_file() {
    let pdf = render(&report(5_000));
    assert_eq!(pages_of(&pdf), 5_002usize.div_ceil(ROWS_PER_PAGE));
    assert!(pdf.len() < 3_000_000, "{} bytes for 5,000 rows", pdf.len());
}

#[test]
fn a_report_that_cannot_be_laid_out_is_refused() {
    let mut wide = report(1);
    wide.columns[2].width_mm = 300.0;
    assert!(matches!(wide.to_pdf(), Err(ReportError::TooWide { .. })));
    let mut short_row = report(1);
    short_row.rows[0] = Row::Data(vec!["101".into()]);
    assert_eq!(short_row.to_pdf(), Err(ReportError::CellCount { row: 0, cells: 1, columns: 5 }));
    let mut covered = report(1);
    covered.rows[1] = Row::Subtotal { label: "小計".into(), cells: vec!["101".into(); 5] };
    assert_eq!(covered.to_pdf(), Err(ReportError::LabelOverCell { row: 1 }));
    let mut zero = report(1);
    zero.columns[0].width_mm = 0.0;
    assert_eq!(zero.to_pdf(), Err(ReportError::BadWidth { column: 0, width_mm: 0.0 }));
    assert_eq!(Report { columns: vec![], ..report(0) }.to_pdf(), Err(ReportError::NoColumns));
}

/// pdftotext (poppler-utils, in CI's apt list) reads what a person would copy from the file.
fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = std::env::temp_dir().join(format!("madoguchi-pdf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("report.pdf");
    std::fs::write(&path, pdf).ok()?;
    let out = Command::new("pdftotext").arg("-raw").arg(&path).arg("-").output();
    let _ = std::fs::remove_dir_all(&dir);
    match out {
        Ok(out) => {
            assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("pdftotext: {e}"),
    }
}

#[test]
fn the_japanese_text_can_be_extracted_from_every_page() {
    let mut long = report(2 * ROWS_PER_PAGE);
    if let Row::Data(cells) = &mut long.rows[1] {
        cells[2] = "長い氏名の方長い氏名の方長い氏名の方長い氏名の方".into();
    }
    let pdf = render(&long);
    let Some(text) = pdftotext(&pdf) else {
        eprintln!("skipped: pdftotext (poppler-utils) is not installed");
        return;
    };
    let pages: Vec<&str> = text.split('\u{c}').filter(|p| !p.trim().is_empty()).collect();
    assert_eq!(pages.len(), 3);
    for (i, page) in pages.iter().enumerate() {
        // Every page: the header and the column headings again, and its page number.
        for expected in
            ["財形積立明細書", "株式会社テスト製作所", "預入依頼書 入金予定日 2025-07-25", "作成日時 2025-07-22 10:15"]
        {
            assert!(page.contains(expected), "page {}: {expected} in {page}", i + 1);
        }
        assert!(page.contains("社員番号") && page.contains("積立額"), "headings on page {}", i + 1);
        assert!(page.contains(&format!("{} / 3", i + 1)), "page number on page {}: {page}", i + 1);
    }
    // Poppler writes every blank glyph as an ASCII space, the ideographic one too; the file
    // itself maps it to U+3000 (the ToUnicode test below), so a viewer copies 「山田　太郎」.
    assert!(pages[0].contains("山田 太郎"), "{}", pages[0]);
    assert!(pages[0].contains("¥10,000"));
    // The long name is cut inside its column with 「…」.
    assert!(pages[0].contains("長い氏名の方長い氏名の方…"), "{}", pages[0]);
    assert!(!pages[0].contains("長い氏名の方長い氏名の方長い氏名の方長い氏名の方"));
    assert!(pages[2].contains("所属 101 小計") && pages[2].contains("合計") && pages[2].contains("¥1,234,000"));
}
