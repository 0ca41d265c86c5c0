//! Times a 5,000-row report, the budget of issue 15 (≤ 2 s in a release build), and writes it
//! where it can be looked at: `cargo run --release -p madoguchi-pdf --example report_time [FILE]`.

use madoguchi_pdf::{Align, Column, Report, Row};
use std::time::Instant;

fn main() {
    let column = |heading: &str, width_mm: f32, align| Column { heading: heading.to_string(), width_mm, align };
    let columns = vec![
        column("所属コード", 25.0, Align::Left),
        column("所属名", 45.0, Align::Left),
        column("社員番号", 25.0, Align::Left),
        column("氏名", 40.0, Align::Left),
        column("フリガナ", 45.0, Align::Left),
        column("財形種類", 28.0, Align::Left),
        column("積立額", 30.0, Align::Right),
        column("変更区分", 20.0, Align::Left),
    ];
    let mut rows = Vec::new();
    for i in 0..5_000 {
        let office = 100 + i / 250;
        rows.push(Row::Data(vec![
            office.to_string(),
            format!("東京第{office}営業所"),
            format!("{:06}", 10_000 + i),
            format!("山田　太郎{i}"),
            format!("ヤマダ　タロウ{i}"),
            ["一般財形", "財形年金", "財形住宅"][i % 3].to_string(),
            format!("¥{},000", 5 + i % 40),
            if i % 7 == 0 { "変更".to_string() } else { String::new() },
        ]));
        if i % 250 == 249 {
            let mut cells = vec![String::new(); 6];
            cells.extend(["¥3,000,000".to_string(), String::new()]);
            rows.push(Row::Subtotal { label: format!("所属 {office} 小計 250 件"), cells });
        }
    }
    let mut cells = vec![String::new(); 6];
    cells.extend(["¥60,000,000".to_string(), String::new()]);
    rows.push(Row::Total { label: "合計 5,000 件".to_string(), cells });
    let report = Report {
        title: "財形積立明細書".to_string(),
        organization: "株式会社テスト製作所".to_string(),
        key: "預入依頼書 入金予定日 2025-07-25".to_string(),
        created: "2025-07-22 10:15".to_string(),
        columns,
        rows,
    };
    // The first report of a process also parses the font; later ones reuse it.
    let mut pdf = Vec::new();
    for run in ["first (font parsed)", "second"] {
        let started = Instant::now();
        pdf = match report.to_pdf() {
            Ok(pdf) => pdf,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        };
        println!("5,000 rows, {run}: {} bytes in {:.3} s", pdf.len(), started.elapsed().as_secs_f64());
    }
    if let Some(path) = std::env::args().nth(1)
        && let Err(e) = std::fs::write(&path, &pdf)
    {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    }
}
