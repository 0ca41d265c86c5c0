//! What 財形積立明細書出力／財形アラーム明細出力 (PDF) and 財形積立明細データエクスポート (CSV)
//! write, as pure functions of the rows the store read (spec §3.6.4–5, modules README §0.7):
//! the screens in `output_pages` read the rows, call these and hand the bytes out.
//!
//! - The PDF reports: 財形積立明細書 of a 預入依頼書 delivery and 財形アラーム明細一覧表 of an
//!   アラーム明細 delivery, sorted by 所属 then 社員番号, a subtotal after each 所属, then one per
//!   財形種類 and the total (docs/ZAIKEI.md, 「帳票出力」).
//! - The CSV: any of the four deliveries, one line per 明細, columns in the order of the 照会
//!   screens, amounts as plain integers so Excel sums them.

use crate::kinds::{DeliveryKind, SavingsKind};
use crate::store::Delivery;
use crate::store::alarms::Alarm;
use crate::store::changes::{ChangeRow, ChangeSet};
use crate::store::statements::{Figures, Line};
use madoguchi_pdf::{Align, Column, Report, Row};

/// The PDF reports of the picker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// 財形積立明細書（財形貯蓄 虹の預金お積立明細書）: a 預入依頼書 delivery.
    Statement,
    /// 財形貯蓄アラーム/非課税申告手続等管理明細一覧表: an アラーム明細 delivery.
    Alarms,
    /// 財形積立変更明細書（預入依頼書のみ）: the latest sent version of the employer's changes
    /// to a 預入依頼書 delivery, kept after 労金処理済 as the statement of what was changed.
    Changes,
}

impl ReportKind {
    pub const ALL: [ReportKind; 3] = [ReportKind::Statement, ReportKind::Alarms, ReportKind::Changes];

    /// The form value.
    pub fn code(self) -> &'static str {
        match self {
            ReportKind::Statement => "statement",
            ReportKind::Alarms => "alarms",
            ReportKind::Changes => "changes",
        }
    }

    pub fn parse(code: &str) -> Option<ReportKind> {
        ReportKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The kind of delivery the report prints.
    pub fn delivery_kind(self) -> DeliveryKind {
        match self {
            ReportKind::Statement | ReportKind::Changes => DeliveryKind::Deposit,
            ReportKind::Alarms => DeliveryKind::Alarm,
        }
    }

    /// The report's title, on the page and in the file name (the 帳票 is Japanese whatever
    /// the screen's language, like the bank's paper one).
    pub fn title(self) -> &'static str {
        match self {
            ReportKind::Statement => "財形積立明細書",
            ReportKind::Alarms => "財形アラーム明細一覧表",
            ReportKind::Changes => "財形積立変更明細書",
        }
    }
}

/// Yen with thousands separators: 12,000.
pub fn yen(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if amount < 0 { format!("-{out}") } else { out }
}

/// What the delivery is, as the report's header and the audit log name it:
/// 「預入依頼書 月例 入金予定日 2025-07-25」.
pub fn delivery_key(delivery: &Delivery) -> String {
    let cycle = delivery.cycle.map(|c| format!(" {}", c.label())).unwrap_or_default();
    format!("{}{cycle} {} {}", delivery.kind.label(), delivery.kind.date_label(), delivery.due_on)
}

/// The download's name: 「財形積立明細書_預入依頼書_月例_2025-07-25.pdf」.
pub fn file_name(what: &str, delivery: &Delivery, extension: &str) -> String {
    let cycle = delivery.cycle.map(|c| format!("_{}", c.label())).unwrap_or_default();
    format!("{what}_{}{cycle}_{}.{extension}", delivery.kind.label(), delivery.due_on)
}

fn column(heading: &str, width_mm: f32, align: Align) -> Column {
    Column { heading: heading.to_string(), width_mm, align }
}

/// Count and sums of a group of 預入依頼書 rows: (件数, 前回積立額, 積立額, 奨励金額).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Sums {
    count: i64,
    previous: i64,
    amount: i64,
    incentive: i64,
}

impl Sums {
    fn add(&mut self, line: &Line) {
        self.count += 1;
        if let Figures::Deposit { amount, previous_amount, incentive, .. } = line.figures {
            self.previous += previous_amount;
            self.amount += amount;
            self.incentive += incentive;
        }
    }

    /// The subtotal's cells under the 11 columns: the label spans the first 7, which stay empty.
    fn cells(&self) -> Vec<String> {
        let mut cells = vec![String::new(); 7];
        cells.extend([format!("{} 件", self.count), yen(self.previous), yen(self.amount), yen(self.incentive)]);
        cells
    }
}

/// 財形積立明細書 of a 預入依頼書 delivery. `lines` come sorted by 所属コード, 社員番号 and
/// 財形種類 (`statements::all`); a subtotal follows each 所属, then one per 財形種類 and the total.
pub fn statement_report(organization: &str, created: &str, delivery: &Delivery, lines: &[Line]) -> Report {
    let columns = vec![
        column("所属コード", 17.0, Align::Left),
        column("所属名", 34.0, Align::Left),
        column("社員番号", 21.0, Align::Left),
        column("氏名", 34.0, Align::Left),
        column("フリガナ", 38.0, Align::Left),
        column("財形種類", 15.0, Align::Left),
        column("口座番号", 19.0, Align::Left),
        column("変更区分", 19.0, Align::Left),
        column("前回積立額（円）", 26.0, Align::Right),
        column("積立額（円）", 26.0, Align::Right),
        column("奨励金額（円）", 24.0, Align::Right),
    ];
    let mut rows = Vec::with_capacity(lines.len() + lines.len() / 10 + 5);
    let mut per_kind: Vec<(SavingsKind, Sums)> = SavingsKind::ALL.iter().map(|k| (*k, Sums::default())).collect();
    let mut total = Sums::default();
    for group in lines.chunk_by(|a, b| a.dept_code == b.dept_code) {
        let mut dept = Sums::default();
        for line in group {
            let (change, previous, amount, incentive) = match &line.figures {
                Figures::Deposit { amount, change, previous_amount, incentive } => {
                    (change.label(), yen(*previous_amount), yen(*amount), yen(*incentive))
                }
                // A 預入依頼書 delivery holds deposit rows only.
                Figures::Balance { .. } | Figures::Incentive { .. } => {
                    ("", String::new(), String::new(), String::new())
                }
            };
            rows.push(Row::Data(vec![
                line.dept_code.clone(),
                line.dept_name.clone(),
                line.employee_no.clone(),
                line.name.clone(),
                line.kana.clone(),
                line.savings.label().to_string(),
                line.account_no.clone(),
                change.to_string(),
                previous,
                amount,
                incentive,
            ]));
            dept.add(line);
            total.add(line);
            if let Some((_, sums)) = per_kind.iter_mut().find(|(k, _)| *k == line.savings) {
                sums.add(line);
            }
        }
        let first = &group[0];
        rows.push(Row::Subtotal {
            label: format!("所属 {} {} 小計", first.dept_code, first.dept_name),
            cells: dept.cells(),
        });
    }
    for (kind, sums) in &per_kind {
        rows.push(Row::Subtotal { label: format!("財形種類 {} 計", kind.label()), cells: sums.cells() });
    }
    rows.push(Row::Total { label: "合計".to_string(), cells: total.cells() });
    Report {
        title: ReportKind::Statement.title().to_string(),
        organization: organization.to_string(),
        key: delivery_key(delivery),
        created: created.to_string(),
        columns,
        rows,
    }
}

/// The count cells of the alarm list's subtotals: the label spans the first 10 columns.
fn count_cells(count: usize) -> Vec<String> {
    let mut cells = vec![String::new(); 10];
    cells.push(format!("{count} 件"));
    cells
}

/// 財形アラーム明細一覧表 of an アラーム明細 delivery, sorted by 所属コード then 社員番号 (the
/// 照会 screen sorts by 期限日), a count after each 所属, then per 財形種類 and the total.
pub fn alarm_report(organization: &str, created: &str, delivery: &Delivery, alarms: &[Alarm]) -> Report {
    let columns = vec![
        column("所属コード", 17.0, Align::Left),
        column("所属名", 30.0, Align::Left),
        column("社員番号", 20.0, Align::Left),
        column("氏名", 30.0, Align::Left),
        column("財形種類", 15.0, Align::Left),
        column("口座番号", 18.0, Align::Left),
        column("アラーム種別", 36.0, Align::Left),
        column("内容", 46.0, Align::Left),
        column("期限日", 20.0, Align::Left),
        column("必要な手続", 26.0, Align::Left),
        column("対応状況", 15.0, Align::Left),
    ];
    let mut sorted: Vec<&Alarm> = alarms.iter().collect();
    sorted.sort_by(|a, b| (&a.dept_code, &a.employee_no, &a.due_on).cmp(&(&b.dept_code, &b.employee_no, &b.due_on)));
    let mut rows = Vec::with_capacity(sorted.len() + 8);
    for group in sorted.chunk_by(|a, b| a.dept_code == b.dept_code) {
        for alarm in group {
            rows.push(Row::Data(vec![
                alarm.dept_code.clone(),
                alarm.dept_name.clone(),
                alarm.employee_no.clone(),
                alarm.name.clone(),
                savings_label(&alarm.savings).to_string(),
                alarm.account_no.clone(),
                alarm.alarm_kind.clone(),
                alarm.content.clone(),
                alarm.due_on.clone(),
                alarm.action.clone(),
                handled_label(alarm.handled).to_string(),
            ]));
        }
        let first = group[0];
        rows.push(Row::Subtotal {
            label: format!("所属 {} {} 小計", first.dept_code, first.dept_name),
            cells: count_cells(group.len()),
        });
    }
    for kind in SavingsKind::ALL {
        let count = alarms.iter().filter(|a| a.savings == kind.code()).count();
        rows.push(Row::Subtotal { label: format!("財形種類 {} 計", kind.label()), cells: count_cells(count) });
    }
    rows.push(Row::Total { label: "合計".to_string(), cells: count_cells(alarms.len()) });
    Report {
        title: ReportKind::Alarms.title().to_string(),
        organization: organization.to_string(),
        key: delivery_key(delivery),
        created: created.to_string(),
        columns,
        rows,
    }
}

fn savings_label(code: &str) -> &str {
    match SavingsKind::from_code(code) {
        Some(kind) => kind.label(),
        None => code,
    }
}

fn handled_label(handled: bool) -> &'static str {
    if handled { "対応済" } else { "未対応" }
}

/// The CSV's headings for a delivery of `kind`, in the 照会 screens' column order (the screen's
/// one 所属 column is 所属コード and 所属名 here, so that a spreadsheet can sort and total by
/// either): 財形積立明細照会's member and 財形契約 columns, then the figures; 財形アラーム明細照会's
/// columns and the 対応内容 note.
pub fn csv_headings(kind: DeliveryKind) -> Vec<&'static str> {
    let member = ["所属コード", "所属名", "社員番号", "氏名", "フリガナ", "生年月日", "財形種類", "口座番号", "契約日"];
    let figures: &[&str] = match kind {
        DeliveryKind::Deposit => &["前回積立額", "積立額", "変更区分", "奨励金額"],
        DeliveryKind::Balance => &["元金残高", "利息", "残高合計", "非課税限度額", "限度額までの残り"],
        DeliveryKind::Incentive => &["奨励金額", "累計"],
        DeliveryKind::Alarm => {
            return vec![
                "期限日",
                "アラーム種別",
                "所属コード",
                "所属名",
                "社員番号",
                "氏名",
                "財形種類",
                "口座番号",
                "内容",
                "必要な手続",
                "対応状況",
                "対応内容",
            ];
        }
    };
    member.iter().chain(figures).copied().collect()
}

fn optional(amount: Option<i64>) -> String {
    amount.map(|a| a.to_string()).unwrap_or_default()
}

/// One CSV line of a 預入依頼書, 加入者残高一覧表 or 奨励金 明細, under [`csv_headings`];
/// amounts as plain integers, so that Excel reads them as numbers.
pub fn csv_line(line: &Line) -> Vec<String> {
    let mut cells = vec![
        line.dept_code.clone(),
        line.dept_name.clone(),
        line.employee_no.clone(),
        line.name.clone(),
        line.kana.clone(),
        line.birth_date.clone().unwrap_or_default(),
        line.savings.label().to_string(),
        line.account_no.clone(),
        line.contracted_on.clone().unwrap_or_default(),
    ];
    match &line.figures {
        Figures::Deposit { amount, change, previous_amount, incentive } => cells.extend([
            previous_amount.to_string(),
            amount.to_string(),
            change.label().to_string(),
            incentive.to_string(),
        ]),
        Figures::Balance { principal, interest, total, tax_free_limit, limit_rest } => cells.extend([
            principal.to_string(),
            interest.to_string(),
            total.to_string(),
            optional(*tax_free_limit),
            optional(*limit_rest),
        ]),
        Figures::Incentive { amount, cumulative } => cells.extend([amount.to_string(), cumulative.to_string()]),
    }
    cells
}

/// One CSV line of an アラーム明細, under [`csv_headings`]`(Alarm)`.
pub fn csv_alarm_line(alarm: &Alarm) -> Vec<String> {
    vec![
        alarm.due_on.clone(),
        alarm.alarm_kind.clone(),
        alarm.dept_code.clone(),
        alarm.dept_name.clone(),
        alarm.employee_no.clone(),
        alarm.name.clone(),
        savings_label(&alarm.savings).to_string(),
        alarm.account_no.clone(),
        alarm.content.clone(),
        alarm.action.clone(),
        handled_label(alarm.handled).to_string(),
        alarm.note.clone(),
    ]
}

#[cfg(test)]
mod tests;

/// 財形積立変更明細書 of a 預入依頼書 delivery: the changes of one sent version (`set`),
/// sorted by 社員番号, with 変更前 → 変更後 and the difference, a subtotal per 財形種類 and the
/// total. The key names the 受付番号 and when it was sent (`sent`, formatted by the caller).
pub fn change_report(
    organization: &str,
    created: &str,
    delivery: &Delivery,
    set: &ChangeSet,
    sent: &str,
    changes: &[ChangeRow],
) -> Report {
    let columns = vec![
        column("社員番号", 22.0, Align::Left),
        column("氏名", 40.0, Align::Left),
        column("フリガナ", 44.0, Align::Left),
        column("財形種類", 18.0, Align::Left),
        column("変更区分", 20.0, Align::Left),
        column("変更前積立額（円）", 30.0, Align::Right),
        column("変更後積立額（円）", 30.0, Align::Right),
        column("差額（円）", 30.0, Align::Right),
        column("変更者", 39.0, Align::Left),
    ];
    let mut sorted: Vec<&ChangeRow> = changes.iter().collect();
    sorted.sort_by(|a, b| (&a.employee_no, &a.savings_kind).cmp(&(&b.employee_no, &b.savings_kind)));
    // (件数, 変更前, 変更後) per 財形種類 (in the order of SavingsKind::ALL) and overall.
    let mut per_kind: Vec<(SavingsKind, [i64; 3])> = SavingsKind::ALL.iter().map(|k| (*k, [0; 3])).collect();
    let mut total = [0i64; 3];
    let mut rows = Vec::with_capacity(sorted.len() + 4);
    for change in sorted {
        let before = change.before_amount.unwrap_or(0);
        let after = change.after().unwrap_or(before);
        let kind =
            SavingsKind::from_code(&change.savings_kind).or_else(|| SavingsKind::from_label(&change.savings_kind));
        rows.push(Row::Data(vec![
            change.employee_no.clone(),
            change.name.clone(),
            change.kana.clone(),
            kind.map(|k| k.label().to_string()).unwrap_or_else(|| change.savings_kind.clone()),
            change.kind.map(|k| k.label()).unwrap_or_default().to_string(),
            change.before_amount.map(yen).unwrap_or_default(),
            yen(after),
            signed_yen(after - before),
            change.changed_by.clone(),
        ]));
        add_change(&mut total, before, after);
        if let Some((_, sums)) = per_kind.iter_mut().find(|(k, _)| Some(*k) == kind) {
            add_change(sums, before, after);
        }
    }
    let cells = |s: &[i64; 3]| {
        let mut cells = vec![String::new(); 4];
        cells.extend([format!("{} 件", s[0]), yen(s[1]), yen(s[2]), signed_yen(s[2] - s[1]), String::new()]);
        cells
    };
    for (kind, sums) in &per_kind {
        rows.push(Row::Subtotal { label: format!("財形種類 {} 計", kind.label()), cells: cells(sums) });
    }
    rows.push(Row::Total { label: "合計".to_string(), cells: cells(&total) });
    let receipt = set.receipt_no.as_deref().unwrap_or_default();
    Report {
        title: ReportKind::Changes.title().to_string(),
        organization: organization.to_string(),
        key: format!("{} 受付番号 {receipt}（第{}版 送信 {sent}）", delivery_key(delivery), set.version),
        created: created.to_string(),
        columns,
        rows,
    }
}

fn add_change(sums: &mut [i64; 3], before: i64, after: i64) {
    sums[0] += 1;
    sums[1] += before;
    sums[2] += after;
}

/// A difference with its sign: +3,000 / -12,000 / 0.
fn signed_yen(amount: i64) -> String {
    if amount > 0 { format!("+{}", yen(amount)) } else { yen(amount) }
}
