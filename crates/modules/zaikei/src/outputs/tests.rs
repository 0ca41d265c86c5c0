use super::*;
use crate::kinds::{ChangeKind, Cycle, DeliveryState};

fn delivery(kind: DeliveryKind) -> Delivery {
    Delivery {
        id: 7,
        contract_id: 1,
        kind,
        cycle: kind.has_cycle().then_some(Cycle::Monthly),
        due_on: "2025-07-25".into(),
        received_at: 0,
        file_name: "f.csv".into(),
        row_count: 3,
        state: DeliveryState::Received,
    }
}

fn deposit(dept: &str, no: &str, savings: SavingsKind, amount: i64) -> Line {
    Line {
        row_id: 1,
        employee_no: no.into(),
        name: format!("労金　{no}"),
        kana: "ロウキン".into(),
        birth_date: Some("1980-04-01".into()),
        dept_code: dept.into(),
        dept_name: format!("部{dept}"),
        savings,
        account_no: "1234567".into(),
        contracted_on: None,
        figures: Figures::Deposit { amount, change: ChangeKind::Continue, previous_amount: amount, incentive: 100 },
    }
}

fn labels(report: &Report) -> Vec<(String, Vec<String>)> {
    report
        .rows
        .iter()
        .filter_map(|r| match r {
            Row::Subtotal { label, cells } | Row::Total { label, cells } => Some((label.clone(), cells.clone())),
            Row::Data(_) => None,
        })
        .collect()
}

#[test]
fn yen_groups_thousands() {
    assert_eq!(yen(0), "0");
    assert_eq!(yen(999), "999");
    assert_eq!(yen(1000), "1,000");
    assert_eq!(yen(12_345_678), "12,345,678");
    assert_eq!(yen(-1500), "-1,500");
}

#[test]
fn names_say_report_delivery_and_date() {
    let d = delivery(DeliveryKind::Deposit);
    assert_eq!(delivery_key(&d), "預入依頼書 月例 入金予定日 2025-07-25");
    assert_eq!(file_name("財形積立明細書", &d, "pdf"), "財形積立明細書_預入依頼書_月例_2025-07-25.pdf");
    let b = delivery(DeliveryKind::Balance);
    assert_eq!(delivery_key(&b), "加入者残高一覧表 基準日 2025-07-25");
    assert_eq!(ReportKind::parse("alarms"), Some(ReportKind::Alarms));
    assert_eq!(ReportKind::parse("change"), None);
}

/// A subtotal after each 所属, one per 財形種類 and the total, with the sums of their rows.
#[test]
fn statement_subtotals_per_department_and_kind() {
    let lines = vec![
        deposit("101", "A001", SavingsKind::General, 10_000),
        deposit("101", "A002", SavingsKind::Pension, 20_000),
        deposit("202", "B001", SavingsKind::General, 5_000),
    ];
    let report = statement_report("労金商事", "2025-07-14 10:00", &delivery(DeliveryKind::Deposit), &lines);
    assert!(report.to_pdf().is_ok(), "the columns fit the page and every row has its cells");
    let sums = labels(&report);
    let amount = |label: &str| sums.iter().find(|(l, _)| l == label).map(|(_, c)| (c[7].clone(), c[9].clone()));
    assert_eq!(amount("所属 101 部101 小計"), Some(("2 件".into(), "30,000".into())));
    assert_eq!(amount("所属 202 部202 小計"), Some(("1 件".into(), "5,000".into())));
    assert_eq!(amount("財形種類 一般 計"), Some(("2 件".into(), "15,000".into())));
    assert_eq!(amount("財形種類 年金 計"), Some(("1 件".into(), "20,000".into())));
    assert_eq!(amount("財形種類 住宅 計"), Some(("0 件".into(), "0".into())));
    assert_eq!(amount("合計"), Some(("3 件".into(), "35,000".into())));
    // The 所属 subtotal comes right after its last row.
    assert!(matches!(&report.rows[2], Row::Subtotal { label, .. } if label == "所属 101 部101 小計"));
    assert!(matches!(report.rows.last(), Some(Row::Total { .. })));
    assert_eq!(report.key, "預入依頼書 月例 入金予定日 2025-07-25");
}

#[test]
fn alarm_list_sorts_by_department_then_employee() {
    let alarm = |dept: &str, no: &str, due: &str, savings: &str| Alarm {
        id: 1,
        employee_no: no.into(),
        name: "労金　太郎".into(),
        dept_code: dept.into(),
        dept_name: "営業部".into(),
        savings: savings.into(),
        account_no: "1234567".into(),
        alarm_kind: "積立中断".into(),
        content: "2年経過予告".into(),
        due_on: due.into(),
        action: "変更届".into(),
        handled: false,
        note: String::new(),
        handled_at: None,
    };
    let alarms = vec![
        alarm("202", "B001", "2025-08-01", "pension"),
        alarm("101", "A002", "2025-09-01", "housing"),
        alarm("101", "A001", "2025-10-01", "pension"),
    ];
    let report = alarm_report("労金商事", "2025-07-14 10:00", &delivery(DeliveryKind::Alarm), &alarms);
    assert!(report.to_pdf().is_ok());
    let order: Vec<String> =
        report.rows.iter().filter_map(|r| if let Row::Data(c) = r { Some(c[2].clone()) } else { None }).collect();
    assert_eq!(order, ["A001", "A002", "B001"]);
    let sums = labels(&report);
    let count = |label: &str| sums.iter().find(|(l, _)| l == label).map(|(_, c)| c[10].clone());
    assert_eq!(count("所属 101 営業部 小計").as_deref(), Some("2 件"));
    assert_eq!(count("財形種類 年金 計").as_deref(), Some("2 件"));
    assert_eq!(count("財形種類 一般 計").as_deref(), Some("0 件"));
    assert_eq!(count("合計").as_deref(), Some("3 件"));
}

#[test]
fn csv_lines_match_their_headings() {
    let line = deposit("101", "A001", SavingsKind::General, 10_000);
    assert_eq!(csv_line(&line).len(), csv_headings(DeliveryKind::Deposit).len());
    assert_eq!(csv_line(&line)[..3], ["101", "部101", "A001"]);
    assert_eq!(csv_line(&line)[9..], ["10000", "10000", "継続", "100"]);
    let balance = Line {
        figures: Figures::Balance {
            principal: 1,
            interest: 2,
            total: 3,
            tax_free_limit: Some(5_500_000),
            limit_rest: None,
        },
        ..line.clone()
    };
    assert_eq!(csv_line(&balance).len(), csv_headings(DeliveryKind::Balance).len());
    assert_eq!(csv_line(&balance)[13], "");
    let incentive = Line { figures: Figures::Incentive { amount: 500, cumulative: 6000 }, ..line };
    assert_eq!(csv_line(&incentive).len(), csv_headings(DeliveryKind::Incentive).len());
    assert_eq!(csv_headings(DeliveryKind::Alarm).len(), 12);
}
