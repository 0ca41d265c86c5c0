use super::*;

const HEADER: &str = "区分,入金予定日,社員番号,氏名,フリガナ,生年月日,所属コード,所属名,財形種類,口座番号,契約日,積立額,前回積立額,変更区分,奨励金額";

fn deposit_file(rows: &[&str], eol: &str) -> Vec<u8> {
    let mut text = String::from(HEADER);
    for row in rows {
        text.push_str(eol);
        text.push_str(row);
    }
    text.push_str(eol);
    text.into_bytes()
}

const ROW1: &str =
    "月例,2025-07-25,A001,山田　太郎,ヤマダ　タロウ,1980-04-01,S01,総務部,一般,1234567,2010-04-01,10000,10000,継続,500";
const ROW2: &str = "月例,2025-07-25,A002,佐藤　花子,ｻﾄｳ ﾊﾅｺ,1990-10-10,S02,営業部,住宅,2345678,,20000,15000,金額変更,0";

#[test]
fn a_good_file_reads_whole() {
    let parsed = parse(DeliveryKind::Deposit, &deposit_file(&[ROW1, ROW2], "\n")).unwrap();
    assert_eq!(parsed.cycle, Some(Cycle::Monthly));
    assert_eq!(parsed.due_on, "2025-07-25");
    assert_eq!(parsed.rows.len(), 2);
    assert_eq!(parsed.rows[1].member.kana, "サトウ　ハナコ", "half-width kana widened");
    assert_eq!(parsed.rows[1].line, 3);
    let totals = parsed.totals();
    assert_eq!(totals[0], (SavingsKind::General, 1, 10_000));
    assert_eq!(totals[2], (SavingsKind::Housing, 1, 20_000));
}

#[test]
fn one_bad_amount_refuses_the_file_and_names_its_line_also_in_crlf_files() {
    let bad = ROW2.replace("20000", "\"12,5OO\"");
    for eol in ["\n", "\r\n"] {
        let errors = parse(DeliveryKind::Deposit, &deposit_file(&[ROW1, &bad], eol)).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, 3);
        assert!(errors[0].message.contains("積立額「12,5OO」"), "{}", errors[0].message);
    }
}

#[test]
fn the_field_rules() {
    let cases = [
        (ROW1.replace("A001", "A0012345678"), "社員番号"),
        (ROW1.replace("山田　太郎", "Yamada"), "氏名"),
        (ROW1.replace("ヤマダ　タロウ", "山田"), "フリガナ"),
        (ROW1.replace("S01", "S012345"), "所属コード"),
        (ROW1.replace(",10000,10000,", ",12500,10000,"), "1,000円単位"),
        (ROW1.replace(",10000,10000,", ",10000000,10000,"), "9,999,000"),
        (ROW1.replace("1234567", "123456"), "口座番号"),
        (ROW1.replace("2025-07-25", "2025-02-30"), "入金予定日"),
        (ROW1.replace("一般", "定期"), "財形種類"),
        (ROW1.replace("継続", "停止"), "変更区分"),
    ];
    for (row, expected) in cases {
        let errors = parse(DeliveryKind::Deposit, &deposit_file(&[&row], "\n")).unwrap_err();
        assert!(errors.iter().any(|e| e.line == 2 && e.message.contains(expected)), "{expected}: {errors:?}");
    }
}

#[test]
fn cp932_and_bom_files_read() {
    let text = String::from_utf8(deposit_file(&[ROW1], "\r\n")).unwrap();
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
    let parsed = parse(DeliveryKind::Deposit, &sjis).unwrap();
    assert_eq!(parsed.rows[0].member.name, "山田　太郎");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    assert_eq!(parse(DeliveryKind::Deposit, &bom).unwrap().rows.len(), 1);
}

#[test]
fn the_file_is_one_delivery_with_distinct_rows_and_the_right_header() {
    let other_day = ROW2.replace("2025-07-25", "2025-08-25");
    let errors = parse(DeliveryKind::Deposit, &deposit_file(&[ROW1, &other_day], "\n")).unwrap_err();
    assert_eq!(errors[0].line, 3);
    let errors = parse(DeliveryKind::Deposit, &deposit_file(&[ROW1, ROW1], "\n")).unwrap_err();
    assert!(errors[0].message.contains("重複"), "{errors:?}");
    let errors = parse(DeliveryKind::Balance, &deposit_file(&[ROW1], "\n")).unwrap_err();
    assert_eq!(errors[0].line, 1);
    let errors = parse(DeliveryKind::Deposit, HEADER.as_bytes()).unwrap_err();
    assert!(errors[0].message.contains("明細の行がありません"));
}

#[test]
fn balances_add_up_and_alarms_read() {
    let header = columns(DeliveryKind::Balance).join(",");
    let good = format!(
        "{header}\n2025-06-30,A001,山田　太郎,ヤマダ　タロウ,,S01,総務部,年金,1234567,,1000000,2500,1002500,5500000\n"
    );
    let parsed = parse(DeliveryKind::Balance, good.as_bytes()).unwrap();
    assert_eq!(parsed.cycle, None);
    assert_eq!(
        parsed.rows[0].detail,
        Detail::Balance { principal: 1_000_000, interest: 2_500, total: 1_002_500, tax_free_limit: Some(5_500_000) }
    );
    let bad = good.replace("1002500", "1002501");
    assert!(parse(DeliveryKind::Balance, bad.as_bytes()).unwrap_err()[0].message.contains("残高合計"));
    let header = columns(DeliveryKind::Alarm).join(",");
    let alarm = format!(
        "{header}\n2025-07-01,A001,山田　太郎,ヤマダ　タロウ,S01,総務部,住宅,1234567,積立中断,最終積立日から2年経過予定,2025-09-30,変更届の提出\n"
    );
    let parsed = parse(DeliveryKind::Alarm, alarm.as_bytes()).unwrap();
    assert_eq!(parsed.due_on, "2025-07-01");
}
