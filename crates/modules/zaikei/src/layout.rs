//! The provisional file layout of the bank's deliveries and its one parser (docs/ZAIKEI.md,
//! 「取込ファイルの形式」: the bank's real layout replaces the column tables here, in one place).
//!
//! One file per kind, CSV in UTF-8 (with or without BOM) or CP932, a header row in Japanese,
//! one row per 明細. The file is taken whole or not at all: [`parse`] returns every refused
//! line with its number as an editor shows it (CRLF files too), or the checked rows.

use crate::kinds::{ChangeKind, Cycle, DeliveryKind, SavingsKind};
use chrono::NaiveDate;
use madoguchi_core::csv_import::{RowError, decode_csv, import_rows};
use madoguchi_core::normalize;
use std::collections::HashSet;

/// The columns of each kind, in file order.
pub fn columns(kind: DeliveryKind) -> &'static [&'static str] {
    match kind {
        DeliveryKind::Deposit => &[
            "区分",
            "入金予定日",
            "社員番号",
            "氏名",
            "フリガナ",
            "生年月日",
            "所属コード",
            "所属名",
            "財形種類",
            "口座番号",
            "契約日",
            "積立額",
            "前回積立額",
            "変更区分",
            "奨励金額",
        ],
        DeliveryKind::Balance => &[
            "基準日",
            "社員番号",
            "氏名",
            "フリガナ",
            "生年月日",
            "所属コード",
            "所属名",
            "財形種類",
            "口座番号",
            "契約日",
            "元金残高",
            "利息",
            "残高合計",
            "非課税限度額",
        ],
        DeliveryKind::Incentive => &[
            "区分",
            "入金予定日",
            "社員番号",
            "氏名",
            "フリガナ",
            "所属コード",
            "所属名",
            "財形種類",
            "口座番号",
            "奨励金額",
            "累計",
        ],
        DeliveryKind::Alarm => &[
            "作成日",
            "社員番号",
            "氏名",
            "フリガナ",
            "所属コード",
            "所属名",
            "財形種類",
            "口座番号",
            "アラーム種別",
            "内容",
            "期限日",
            "必要な手続",
        ],
    }
}

/// The largest 積立額 of one 明細 (¥9,999,000) and its unit (¥1,000).
pub const MAX_DEPOSIT: i64 = 9_999_000;
pub const DEPOSIT_UNIT: i64 = 1_000;
/// The largest other amount (balances, incentives): a sanity bound, not a rule of the bank.
const MAX_AMOUNT: i64 = 999_999_999_999;

/// A worker as a row names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub employee_no: String,
    pub name: String,
    pub kana: String,
    pub birth_date: Option<String>,
    pub dept_code: String,
    pub dept_name: String,
}

/// A 財形契約 as a row names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub kind: SavingsKind,
    pub account_no: String,
    pub contracted_on: Option<String>,
}

/// What a row says beyond the member and the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    Deposit { amount: i64, previous_amount: i64, change: ChangeKind, incentive: i64 },
    Balance { principal: i64, interest: i64, total: i64, tax_free_limit: Option<i64> },
    Incentive { amount: i64, cumulative: i64 },
    Alarm { alarm_kind: String, content: String, due_on: String, action: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub member: Member,
    pub account: Account,
    pub detail: Detail,
}

/// A checked file: its kind, 区分 (deposits, incentives), date, and rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub kind: DeliveryKind,
    pub cycle: Option<Cycle>,
    pub due_on: String,
    pub rows: Vec<Row>,
}

impl Parsed {
    /// 件数 and 金額 per 財形種類 (積立額, 残高合計 or 奨励金額; alarms count only), for the preview.
    pub fn totals(&self) -> Vec<(SavingsKind, i64, i64)> {
        SavingsKind::ALL
            .into_iter()
            .map(|k| {
                let rows = self.rows.iter().filter(|r| r.account.kind == k);
                let (count, sum) = rows.fold((0, 0), |(n, s), r| (n + 1, s + amount_of(&r.detail)));
                (k, count, sum)
            })
            .collect()
    }
}

fn amount_of(detail: &Detail) -> i64 {
    match detail {
        Detail::Deposit { amount, .. } => *amount,
        Detail::Balance { total, .. } => *total,
        Detail::Incentive { amount, .. } => *amount,
        Detail::Alarm { .. } => 0,
    }
}

/// Reads a delivery file of `kind`: all rows, or every refused line.
pub fn parse(kind: DeliveryKind, bytes: &[u8]) -> Result<Parsed, Vec<RowError>> {
    let text = decode_csv(bytes).map_err(|message| vec![RowError { line: 1, message }])?;
    let header: Vec<String> = text
        .trim_start_matches('\u{FEFF}')
        .lines()
        .next()
        .unwrap_or("")
        .split([',', '\t'])
        .map(|c| c.trim().trim_matches('"').to_string())
        .collect();
    let expected = columns(kind);
    if header != expected {
        let message = format!("見出し行が{}の形式ではありません（{}）。", kind.label(), expected.join(","));
        return Err(vec![RowError { line: 1, message }]);
    }
    let (records, mut errors) = import_rows(&text);
    if records.is_empty() && errors.is_empty() {
        errors.push(RowError { line: 1, message: "明細の行がありません。".into() });
    }
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    let mut key: Option<(Option<Cycle>, String)> = None;
    for (line, record) in records {
        let cells: Vec<&str> = record.iter().collect();
        if cells.len() != expected.len() {
            let message = format!("項目の数が{}個です（{}個必要です）。", cells.len(), expected.len());
            errors.push(RowError { line, message });
            continue;
        }
        let cells = Cells { names: expected, cells };
        let mut problems = Vec::new();
        let row = read_row(kind, &cells, &mut problems);
        let this_key = row_key(kind, &cells, &mut problems);
        match (&key, &this_key) {
            (None, Some(k)) => key = Some(k.clone()),
            (Some(first), Some(k)) if first != k => problems.push(format!(
                "{}が他の行と異なります。1つのファイルには1回分の明細だけを入れてください。",
                kind.date_label()
            )),
            _ => {}
        }
        if let Some(row) = &row {
            let id = (row.member.employee_no.clone(), row.account.kind, alarm_key(&row.detail));
            if !seen.insert(id) {
                problems.push(format!(
                    "社員番号 {} の{}の明細が重複しています。",
                    row.member.employee_no,
                    row.account.kind.label()
                ));
            }
        }
        match row {
            Some(row) if problems.is_empty() => rows.push(Row { line, ..row }),
            _ => errors.extend(problems.into_iter().map(|message| RowError { line, message })),
        }
    }
    match key {
        Some((cycle, due_on)) if errors.is_empty() => Ok(Parsed { kind, cycle, due_on, rows }),
        _ => Err(errors),
    }
}

/// A row's cells by column name.
struct Cells<'a> {
    names: &'static [&'static str],
    cells: Vec<&'a str>,
}

impl Cells<'_> {
    fn get(&self, name: &str) -> &str {
        self.names.iter().position(|c| *c == name).and_then(|i| self.cells.get(i)).copied().unwrap_or("")
    }
}

/// Alarms may name one account several times, once per アラーム種別.
fn alarm_key(detail: &Detail) -> String {
    match detail {
        Detail::Alarm { alarm_kind, .. } => alarm_kind.clone(),
        _ => String::new(),
    }
}

/// The file's 区分 and date as this row states them.
fn row_key(kind: DeliveryKind, cells: &Cells<'_>, problems: &mut Vec<String>) -> Option<(Option<Cycle>, String)> {
    let cycle = if kind.has_cycle() {
        match Cycle::from_label(cells.get("区分")) {
            Some(c) => Some(c),
            None => {
                problems.push(format!("区分「{}」は「月例」か「一時金」で入力してください。", cells.get("区分")));
                return None;
            }
        }
    } else {
        None
    };
    let date = date(kind.date_label(), cells.get(kind.date_label()), problems)?;
    Some((cycle, date))
}

fn read_row(kind: DeliveryKind, cells: &Cells<'_>, problems: &mut Vec<String>) -> Option<Row> {
    let member = Member {
        employee_no: employee_no(cells.get("社員番号"), problems),
        name: full_width_name(cells.get("氏名"), problems),
        kana: kana(cells.get("フリガナ"), problems),
        birth_date: optional_date("生年月日", cells.get("生年月日"), problems),
        dept_code: dept_code(cells.get("所属コード"), problems),
        dept_name: bounded("所属名", cells.get("所属名"), 40, problems),
    };
    let account = Account {
        kind: savings_kind(cells.get("財形種類"), problems).unwrap_or(SavingsKind::General),
        account_no: account_no(cells.get("口座番号"), problems),
        contracted_on: optional_date("契約日", cells.get("契約日"), problems),
    };
    let detail = match kind {
        DeliveryKind::Deposit => Detail::Deposit {
            amount: deposit("積立額", cells.get("積立額"), problems),
            previous_amount: deposit("前回積立額", cells.get("前回積立額"), problems),
            change: match ChangeKind::from_label(cells.get("変更区分")) {
                Some(c) => c,
                None => {
                    problems.push(format!(
                        "変更区分「{}」は「継続」「金額変更」「中止」「新規」のいずれかで入力してください。",
                        cells.get("変更区分")
                    ));
                    ChangeKind::Continue
                }
            },
            incentive: yen("奨励金額", cells.get("奨励金額"), problems),
        },
        DeliveryKind::Balance => {
            let principal = yen("元金残高", cells.get("元金残高"), problems);
            let interest = yen("利息", cells.get("利息"), problems);
            let total = yen("残高合計", cells.get("残高合計"), problems);
            if problems.is_empty() && principal + interest != total {
                problems.push("残高合計が元金残高と利息の合計と一致しません。".into());
            }
            let tax_free_limit = match cells.get("非課税限度額") {
                "" => None,
                raw => Some(yen("非課税限度額", raw, problems)),
            };
            Detail::Balance { principal, interest, total, tax_free_limit }
        }
        DeliveryKind::Incentive => Detail::Incentive {
            amount: yen("奨励金額", cells.get("奨励金額"), problems),
            cumulative: yen("累計", cells.get("累計"), problems),
        },
        DeliveryKind::Alarm => Detail::Alarm {
            alarm_kind: required("アラーム種別", cells.get("アラーム種別"), 30, problems),
            content: required("内容", cells.get("内容"), 200, problems),
            due_on: date("期限日", cells.get("期限日"), problems).unwrap_or_default(),
            action: bounded("必要な手続", cells.get("必要な手続"), 200, problems),
        },
    };
    problems.is_empty().then_some(Row { line: 0, member, account, detail })
}

fn is_half_width_alnum(text: &str) -> bool {
    text.chars().all(|c| c.is_ascii_alphanumeric())
}

fn employee_no(raw: &str, problems: &mut Vec<String>) -> String {
    let folded = normalize::fold(raw.trim());
    if folded.is_empty() || folded.chars().count() > 10 || !is_half_width_alnum(&folded) {
        problems.push(format!("社員番号「{raw}」は半角英数字10文字以内で入力してください。"));
    }
    folded
}

fn dept_code(raw: &str, problems: &mut Vec<String>) -> String {
    let folded = normalize::fold(raw.trim());
    if folded.is_empty() || folded.chars().count() > 6 || !is_half_width_alnum(&folded) {
        problems.push(format!("所属コード「{raw}」は半角英数字6文字以内で入力してください。"));
    }
    folded
}

/// Half-width: ASCII and the half-width katakana block.
fn is_half_width(c: char) -> bool {
    c.is_ascii() || ('\u{FF61}'..='\u{FF9F}').contains(&c)
}

fn full_width_name(raw: &str, problems: &mut Vec<String>) -> String {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 20 || name.chars().any(is_half_width) {
        problems.push(format!("氏名「{raw}」は全角20文字以内で入力してください。"));
    }
    name.to_string()
}

/// フリガナ: katakana (half-width is widened), spaces and ー, at most 30 characters.
fn kana(raw: &str, problems: &mut Vec<String>) -> String {
    let widened: String = normalize::fold(raw.trim()).replace(' ', "　");
    let ok = |c: char| matches!(c, '\u{30A1}'..='\u{30FA}' | 'ー' | '　' | '・');
    if widened.is_empty() || widened.chars().count() > 30 || !widened.chars().all(ok) {
        problems.push(format!("フリガナ「{raw}」は全角カタカナ30文字以内で入力してください。"));
    }
    widened
}

fn bounded(label: &str, raw: &str, max: usize, problems: &mut Vec<String>) -> String {
    let text = raw.trim();
    if text.chars().count() > max {
        problems.push(format!("{label}は{max}文字以内で入力してください。"));
    }
    text.to_string()
}

fn required(label: &str, raw: &str, max: usize, problems: &mut Vec<String>) -> String {
    if raw.trim().is_empty() {
        problems.push(format!("{label}を入力してください。"));
    }
    bounded(label, raw, max, problems)
}

fn savings_kind(raw: &str, problems: &mut Vec<String>) -> Option<SavingsKind> {
    let label = raw.trim().trim_start_matches("財形").trim_end_matches("財形");
    let found = SavingsKind::from_label(label);
    if found.is_none() {
        problems.push(format!("財形種類「{raw}」は「一般」「年金」「住宅」のいずれかで入力してください。"));
    }
    found
}

fn account_no(raw: &str, problems: &mut Vec<String>) -> String {
    let text = raw.trim();
    if text.len() != 7 || !text.bytes().all(|b| b.is_ascii_digit()) {
        problems.push(format!("口座番号「{raw}」は半角数字7桁で入力してください。"));
    }
    text.to_string()
}

/// Integer yen, half-width digits only: 「12,5OO」 or 「1.5万」 are refused, not guessed.
fn yen(label: &str, raw: &str, problems: &mut Vec<String>) -> i64 {
    let text = raw.trim();
    match text.parse::<i64>() {
        Ok(v) if text.bytes().all(|b| b.is_ascii_digit()) && v <= MAX_AMOUNT => v,
        _ => {
            problems.push(format!("{label}「{raw}」は半角数字（円単位、カンマなし）で入力してください。"));
            0
        }
    }
}

/// 積立額: integer yen in ¥1,000 units, at most ¥9,999,000.
fn deposit(label: &str, raw: &str, problems: &mut Vec<String>) -> i64 {
    let before = problems.len();
    let value = yen(label, raw, problems);
    if problems.len() == before && (value % DEPOSIT_UNIT != 0 || value > MAX_DEPOSIT) {
        problems.push(format!("{label}「{raw}」は1,000円単位、9,999,000円以下で入力してください。"));
    }
    value
}

/// `YYYY-MM-DD` or `YYYY/MM/DD` (full-width digits folded), stored as `YYYY-MM-DD`.
fn date(label: &str, raw: &str, problems: &mut Vec<String>) -> Option<String> {
    let folded = normalize::fold(raw.trim()).replace('/', "-");
    match NaiveDate::parse_from_str(&folded, "%Y-%m-%d") {
        Ok(d) => Some(d.format("%Y-%m-%d").to_string()),
        Err(_) => {
            problems.push(format!("{label}「{raw}」は日付（例 2025-07-25）で入力してください。"));
            None
        }
    }
}

fn optional_date(label: &str, raw: &str, problems: &mut Vec<String>) -> Option<String> {
    if raw.trim().is_empty() { None } else { date(label, raw, problems) }
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;
