//! 財形 demo deliveries: about 120 members of the demo rokin contract over the three kinds
//! (預入依頼書 with an 入金予定日 in the coming weeks, a 加入者残高一覧表, 奨励金) and some
//! アラーム明細, as CSV in the provisional layout (docs/ZAIKEI.md), imported through the same
//! parser and store as the operator's files. The tests build their files here too.

use chrono::{Datelike, Duration, NaiveDate};

const SURNAMES: [(&str, &str); 20] = [
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
];

const GIVEN: [(&str, &str); 13] = [
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("健一", "ケンイチ"),
    ("美咲", "ミサキ"),
    ("大輔", "ダイスケ"),
    ("陽子", "ヨウコ"),
    ("翔太", "ショウタ"),
    ("由美", "ユミ"),
    ("誠", "マコト"),
    ("恵子", "ケイコ"),
    ("拓也", "タクヤ"),
    ("直子", "ナオコ"),
    ("浩二", "コウジ"),
];

const DEPTS: [(&str, &str); 6] = [
    ("S01", "総務部"),
    ("S02", "人事部"),
    ("E01", "営業第一部"),
    ("E02", "営業第二部"),
    ("M01", "製造部"),
    ("K01", "経理部"),
];

/// One demo member and their one 財形契約.
pub struct DemoMember {
    pub employee_no: String,
    pub name: String,
    pub kana: String,
    pub birth_date: String,
    pub dept: (&'static str, &'static str),
    /// 一般, 年金 or 住宅.
    pub savings: &'static str,
    pub account_no: String,
    pub contracted_on: String,
    /// 積立額 (a multiple of ¥1,000) and the previous one.
    pub amount: i64,
    pub previous: i64,
    pub change: &'static str,
}

/// `n` members, the same every time.
pub fn members(n: usize) -> Vec<DemoMember> {
    (0..n)
        .map(|i| {
            let (surname, surname_kana) = SURNAMES[i % SURNAMES.len()];
            let (given, given_kana) = GIVEN[(i * 7 + i / SURNAMES.len()) % GIVEN.len()];
            let savings = match i % 4 {
                0 | 1 => "一般",
                2 => "年金",
                _ => "住宅",
            };
            let amount = ((i % 9) as i64 + 1) * 5_000 + if i % 2 == 0 { 0 } else { 3_000 };
            let (previous, change) = match i % 15 {
                4 => (amount - 2_000, "金額変更"),
                9 => (0, "新規"),
                _ => (amount, "継続"),
            };
            DemoMember {
                employee_no: format!("E{:05}", 10_001 + i),
                name: format!("{surname}　{given}"),
                kana: format!("{surname_kana}　{given_kana}"),
                birth_date: format!("{}-{:02}-{:02}", 1965 + (i * 3) % 36, 1 + i % 12, 1 + (i * 5) % 28),
                dept: DEPTS[i % DEPTS.len()],
                savings,
                account_no: format!("{:07}", 2_000_000 + i * 37),
                contracted_on: format!("{}-04-01", 2005 + i % 19),
                amount,
                previous,
                change,
            }
        })
        .collect()
}

/// The 預入依頼書 of `members` for 入金予定日 `due` (月例).
pub fn deposit_csv(members: &[DemoMember], due: &str) -> String {
    let mut out = String::from(
        "区分,入金予定日,社員番号,氏名,フリガナ,生年月日,所属コード,所属名,財形種類,口座番号,契約日,積立額,前回積立額,変更区分,奨励金額\r\n",
    );
    for m in members {
        out.push_str(&format!(
            "月例,{due},{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
            m.employee_no,
            m.name,
            m.kana,
            m.birth_date,
            m.dept.0,
            m.dept.1,
            m.savings,
            m.account_no,
            m.contracted_on,
            m.amount,
            m.previous,
            m.change,
            m.amount / 20
        ));
    }
    out
}

/// The 加入者残高一覧表 at 基準日 `date`.
pub fn balance_csv(members: &[DemoMember], date: &str) -> String {
    let mut out = String::from(
        "基準日,社員番号,氏名,フリガナ,生年月日,所属コード,所属名,財形種類,口座番号,契約日,元金残高,利息,残高合計,非課税限度額\r\n",
    );
    for (i, m) in members.iter().enumerate() {
        let principal = m.amount * (12 + (i as i64 % 40) * 6);
        let interest = principal / 400;
        let limit = if m.savings == "一般" { String::new() } else { "5500000".to_string() };
        out.push_str(&format!(
            "{date},{},{},{},{},{},{},{},{},{},{principal},{interest},{},{limit}\r\n",
            m.employee_no,
            m.name,
            m.kana,
            m.birth_date,
            m.dept.0,
            m.dept.1,
            m.savings,
            m.account_no,
            m.contracted_on,
            principal + interest
        ));
    }
    out
}

/// The 奨励金 for 入金予定日 `due` (月例).
pub fn incentive_csv(members: &[DemoMember], due: &str) -> String {
    let mut out =
        String::from("区分,入金予定日,社員番号,氏名,フリガナ,所属コード,所属名,財形種類,口座番号,奨励金額,累計\r\n");
    for (i, m) in members.iter().enumerate() {
        let amount = m.amount / 20;
        out.push_str(&format!(
            "月例,{due},{},{},{},{},{},{},{},{amount},{}\r\n",
            m.employee_no,
            m.name,
            m.kana,
            m.dept.0,
            m.dept.1,
            m.savings,
            m.account_no,
            amount * (1 + i as i64 % 24)
        ));
    }
    out
}

/// アラーム明細 made on `date` for some 年金/住宅 members: the kinds of spec §3.3.
pub fn alarm_csv(members: &[DemoMember], date: &str) -> String {
    const KINDS: [(&str, &str, &str, i64); 4] = [
        (
            "非課税限度額超過見込み",
            "次回以降2回の積立で非課税申告限度額を超える見込みです。",
            "限度額変更申告書の提出",
            60,
        ),
        (
            "積立中断（2年経過予告）",
            "最終積立日から2年を経過すると非課税の扱いを受けられなくなります。",
            "財産形成貯蓄変更届の提出",
            90,
        ),
        ("限度額変更申告要", "非課税申告限度額の変更申告が必要です。", "限度額変更申告書の提出", 30),
        ("退職者の継続手続", "退職された方の継続手続が未了です。", "継続手続書類の提出", 45),
    ];
    let start = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap_or_default();
    let mut out = String::from(
        "作成日,社員番号,氏名,フリガナ,所属コード,所属名,財形種類,口座番号,アラーム種別,内容,期限日,必要な手続\r\n",
    );
    for (n, m) in members.iter().filter(|m| m.savings != "一般").step_by(6).enumerate() {
        let (kind, content, action, days) = KINDS[n % KINDS.len()];
        let due = (start + Duration::days(days)).format("%Y-%m-%d");
        out.push_str(&format!(
            "{date},{},{},{},{},{},{},{},{kind},{content},{due},{action}\r\n",
            m.employee_no, m.name, m.kana, m.dept.0, m.dept.1, m.savings, m.account_no
        ));
    }
    out
}

/// The demo's dates from `today`: the next 25th at least ten days ahead (入金予定日) and the
/// end of the previous month (基準日).
pub fn demo_dates(today: NaiveDate) -> (String, String) {
    let mut due = today.with_day(25).unwrap_or(today);
    while due < today + Duration::days(10) {
        due = (due.with_day(1).unwrap_or(due) + Duration::days(32)).with_day(25).unwrap_or(due);
    }
    let month_end = today.with_day(1).unwrap_or(today) - Duration::days(1);
    (due.format("%Y-%m-%d").to_string(), month_end.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use madoguchi_zaikei::kinds::DeliveryKind;
    use madoguchi_zaikei::layout::parse;

    /// Every demo file passes the import's own parser.
    #[test]
    fn the_demo_files_are_valid_deliveries() {
        let m = members(120);
        assert_eq!(parse(DeliveryKind::Deposit, deposit_csv(&m, "2025-07-25").as_bytes()).unwrap().rows.len(), 120);
        assert_eq!(parse(DeliveryKind::Balance, balance_csv(&m, "2025-06-30").as_bytes()).unwrap().rows.len(), 120);
        assert_eq!(parse(DeliveryKind::Incentive, incentive_csv(&m, "2025-07-25").as_bytes()).unwrap().rows.len(), 120);
        assert!(parse(DeliveryKind::Alarm, alarm_csv(&m, "2025-07-01").as_bytes()).unwrap().rows.len() >= 8);
        let (due, base) = demo_dates(NaiveDate::from_ymd_opt(2025, 7, 14).unwrap_or_default());
        assert_eq!((due.as_str(), base.as_str()), ("2025-07-25", "2025-06-30"));
        let (due, _) = demo_dates(NaiveDate::from_ymd_opt(2025, 7, 20).unwrap_or_default());
        assert_eq!(due, "2025-08-25");
    }
}
