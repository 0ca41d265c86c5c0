use super::*;
use madoguchi_core::Lang;
use std::io::Write;
use std::process::{Command, Stdio};

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

const HEADINGS: [&str; 3] = ["社員番号", "氏名", "備考"];

fn written(encoding: ExcelEncoding, rows: Vec<Vec<String>>) -> Vec<u8> {
    match write(encoding, &HEADINGS, rows) {
        Ok(bytes) => bytes,
        Err(e) => panic!("writes: {e:?}"),
    }
}

#[test]
fn utf8_has_a_bom_a_header_row_quoted_fields_and_crlf() {
    let bytes = written(ExcelEncoding::Utf8Bom, vec![row(&["000123", "山田　太郎", "a \"b\", c\nd"])]);
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    assert_eq!(
        String::from_utf8_lossy(&bytes[3..]),
        "\"社員番号\",\"氏名\",\"備考\"\r\n\"000123\",\"山田　太郎\",\"a \"\"b\"\", c\nd\"\r\n"
    );
}

#[test]
fn formulas_are_neutralized_in_both_encodings() {
    for encoding in ExcelEncoding::ALL {
        let rows = vec![row(&["=1+2", "+81", "-3"]), row(&["@SUM(A1)", "\tx", "\ry"]), row(&["a=b", "1-2", ""])];
        let bytes = written(encoding, rows);
        let text = match encoding {
            ExcelEncoding::Utf8Bom => String::from_utf8_lossy(&bytes[3..]).into_owned(),
            ExcelEncoding::Cp932 => SHIFT_JIS.decode(&bytes).0.into_owned(),
        };
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[1], "\"'=1+2\",\"'+81\",\"'-3\"");
        assert_eq!(lines[2], "\"'@SUM(A1)\",\"'\tx\",\"'\ry\"");
        assert_eq!(lines[3], "\"a=b\",\"1-2\",\"\"");
    }
}

/// What Excel on Windows does with the file: decode it as CP932 (Python's codec is Microsoft's
/// table, not encoding_rs, so this is a second opinion).
fn python_decodes_cp932(bytes: &[u8]) -> String {
    let script = "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read().decode('cp932').encode('utf-8'))";
    let child = Command::new("python3").args(["-c", script]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn();
    let Ok(mut child) = child else { panic!("python3 runs") };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(bytes);
    }
    let Ok(out) = child.wait_with_output() else { panic!("python3 finishes") };
    assert!(out.status.success(), "python3 could not decode the file as cp932");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn cp932_maps_the_lookalikes_and_windows_reads_it() {
    let rows = vec![row(&["001", "山田　太郎", "9時〜17時 −5 ‖ ¬ ¢ £ —"]), row(&["002", "髙橋　①", "～"])];
    let bytes = written(ExcelEncoding::Cp932, rows);
    assert!(!bytes.windows(2).any(|w| w == b"&#"), "no numeric character references");
    assert!(!bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    let text = python_decodes_cp932(&bytes);
    assert_eq!(
        text,
        "\"社員番号\",\"氏名\",\"備考\"\r\n\"001\",\"山田　太郎\",\"9時～17時 －5 ∥ ￢ ￠ ￡ ―\"\r\n\"002\",\"髙橋　①\",\"～\"\r\n"
    );
}

#[test]
fn a_character_cp932_cannot_hold_is_reported_not_replaced() {
    let rows = vec![row(&["001", "山田　太郎", ""]), row(&["002", "\u{20BB7}野　家", ""])];
    let Err(e) = write(ExcelEncoding::Cp932, &HEADINGS, rows.clone()) else { panic!("𠮷 is refused") };
    assert_eq!(e, Unencodable { row: 3, column: "氏名".into(), character: '\u{20BB7}' });
    let ja = e.message(Tr::for_lang(Lang::Ja));
    assert!(ja.contains("3行目") && ja.contains("氏名") && ja.contains("\u{20BB7}") && ja.contains("U+20BB7"), "{ja}");
    let en = e.message(Tr::for_lang(Lang::En));
    assert!(en.contains("line 3") && en.contains("U+20BB7"), "{en}");
    // UTF-8 holds it.
    let utf8 = written(ExcelEncoding::Utf8Bom, rows);
    assert!(String::from_utf8_lossy(&utf8).contains("\u{20BB7}野　家"));
}

#[test]
fn the_choice_is_read_from_the_form_value() {
    assert_eq!(ExcelEncoding::parse("utf8"), Some(ExcelEncoding::Utf8Bom));
    assert_eq!(ExcelEncoding::parse("cp932"), Some(ExcelEncoding::Cp932));
    assert_eq!(ExcelEncoding::parse("sjis"), None);
    assert_eq!(ExcelEncoding::default(), ExcelEncoding::Utf8Bom);
    let ja = Tr::for_lang(Lang::Ja);
    assert_eq!(ExcelEncoding::from_form(" cp932 ", ja), Ok(ExcelEncoding::Cp932));
    assert_eq!(ExcelEncoding::from_form("", ja), Err("文字コードを選んでください。".to_string()));
    assert_eq!(ja.get(ExcelEncoding::LABEL_KEY), "文字コード");
    for e in ExcelEncoding::ALL {
        assert!(Tr::for_lang(Lang::Ja).find(e.label_key()).is_some());
    }
}

#[test]
fn the_download_names_the_file_and_its_charset() {
    let response = download("財形積立明細-2025-07-25.csv", ExcelEncoding::Cp932, b"\"a\"\r\n".to_vec());
    let h = response.headers();
    assert_eq!(h[header::CONTENT_TYPE], "text/csv; charset=Shift_JIS");
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(
        h[header::CONTENT_DISPOSITION],
        "attachment; filename=\"______-2025-07-25.csv\"; filename*=UTF-8''%E8%B2%A1%E5%BD%A2%E7%A9%8D%E7%AB%8B%E6%98%8E%E7%B4%B0-2025-07-25.csv"
    );
    let utf8 = download("a.csv", ExcelEncoding::Utf8Bom, vec![]);
    assert_eq!(utf8.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
}
