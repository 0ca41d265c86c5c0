//! The rules of 財形積立明細変更 (spec rokin-zaikei §3.2, §3.3, §3.5, §3.6.6), pure: every
//! date and time is passed in. The screens, the send and the deadline reminder call these.

use crate::kinds::SavingsKind;
use chrono::{DateTime, Datelike, FixedOffset, Months, NaiveDate};
use madoguchi_core::calendar::BusinessCalendar;

/// 積立額 is a multiple of this (Choice; a common rule).
pub const AMOUNT_UNIT: i64 = 1_000;
/// The largest 積立額 of one 明細 (Choice).
pub const AMOUNT_MAX: i64 = 9_999_000;
/// 年金/住宅 are opened only by members younger than this on the 入金予定日.
pub const AGE_LIMIT: u32 = 55;
/// The reminder goes this many business days before the 変更期限's day.
pub const REMINDER_DAYS: u32 = 2;

/// Why a typed 積立額 is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    Empty,
    NotANumber,
    /// Zero or less: a stop is 「中止」, not ¥0.
    NotPositive,
    NotMultiple,
    TooLarge,
}

impl AmountError {
    /// The message's key in `locales/{ja,en}.toml`.
    pub fn key(self) -> &'static str {
        match self {
            AmountError::Empty => "zchange.err_amount_empty",
            AmountError::NotANumber => "zchange.err_amount_number",
            AmountError::NotPositive => "zchange.err_amount_positive",
            AmountError::NotMultiple => "zchange.err_amount_unit",
            AmountError::TooLarge => "zchange.err_amount_max",
        }
    }
}

/// 積立額 as typed → yen: full-width digits, `,`, `円` and `¥` are accepted; a multiple of
/// ¥1,000 from ¥1,000 to ¥9,999,000.
pub fn parse_amount(typed: &str) -> Result<i64, AmountError> {
    let folded: String = typed
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '，' => ',',
            '￥' => '¥',
            other => other,
        })
        .filter(|c| !matches!(c, ',' | '¥' | '円' | ' ' | '　'))
        .collect();
    if folded.is_empty() {
        return Err(AmountError::Empty);
    }
    if !folded.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return Err(AmountError::NotANumber);
    }
    let Ok(amount) = folded.parse::<i64>() else {
        // Only digits (and a sign) but too long for i64: far above the maximum.
        return if folded.starts_with('-') { Err(AmountError::NotPositive) } else { Err(AmountError::TooLarge) };
    };
    if amount <= 0 {
        Err(AmountError::NotPositive)
    } else if amount > AMOUNT_MAX {
        Err(AmountError::TooLarge)
    } else if amount % AMOUNT_UNIT != 0 {
        Err(AmountError::NotMultiple)
    } else {
        Ok(amount)
    }
}

/// Age in whole years on `on` (a birthday on 2/29 counts on 3/1 in other years).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// The 55-year rule of 年金/住宅 (§3.2): a new 年金 or 住宅 contract needs the member under 55
/// on the 入金予定日; 一般 has no limit.
pub fn may_open(kind: SavingsKind, birth: NaiveDate, due: NaiveDate) -> bool {
    kind == SavingsKind::General || age_on(birth, due) < AGE_LIMIT
}

/// The 2-year rule (§3.3): 年金/住宅 without a deposit for 2 years become taxable on
/// 最終積立日 + 2 years − 1 day. None for 一般 (no tax benefit to lose).
pub fn gap_rule_date(kind: SavingsKind, last_deposit: NaiveDate) -> Option<NaiveDate> {
    if kind == SavingsKind::General {
        return None;
    }
    last_deposit.checked_add_months(Months::new(24))?.pred_opt()
}

/// The 最終積立日 a 中止 is counted from when no earlier deposit of the account is kept: the
/// 入金予定日 one month before this サイクル's (a monthly deposit's previous one) — Choice,
/// docs/ZAIKEI.md.
pub fn assumed_last_deposit(due: NaiveDate) -> NaiveDate {
    due.checked_sub_months(Months::new(1)).unwrap_or(due)
}

/// The warning a 中止 of 年金/住宅 shows (orange), from its text (`{kind}`, `{last}`, `{date}`).
pub fn gap_warning(template: &str, kind: SavingsKind, last_deposit: NaiveDate) -> Option<String> {
    let bites = gap_rule_date(kind, last_deposit)?;
    Some(
        template
            .replace("{kind}", kind.label())
            .replace("{last}", &japanese_date(last_deposit))
            .replace("{date}", &japanese_date(bites)),
    )
}

/// `2025年7月18日`.
pub fn japanese_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// Where a サイクル stands against its 変更期限 at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Changes and sends are taken until the deadline.
    Open { deadline: DateTime<FixedOffset> },
    /// Past the deadline: nothing is taken.
    Closed { deadline: DateTime<FixedOffset> },
    /// The calendar found no 4th business day before (a year of closed days): no change.
    NoDeadline,
}

impl Window {
    pub fn of(calendar: &BusinessCalendar<'_>, due: NaiveDate, now: DateTime<FixedOffset>) -> Window {
        match calendar.change_deadline(due) {
            Some(deadline) if now < deadline => Window::Open { deadline },
            Some(deadline) => Window::Closed { deadline },
            None => Window::NoDeadline,
        }
    }

    pub fn is_open(self) -> bool {
        matches!(self, Window::Open { .. })
    }

    pub fn deadline(self) -> Option<DateTime<FixedOffset>> {
        match self {
            Window::Open { deadline } | Window::Closed { deadline } => Some(deadline),
            Window::NoDeadline => None,
        }
    }

    /// The refusal once closed (§3.5), from its text: 「変更期限（{month}月{day}日 {time}）を過ぎて
    /// いるため、変更できません。」; `no_deadline` when the calendar has none.
    pub fn refusal(self, closed: &str, no_deadline: &str) -> Option<String> {
        match self {
            Window::Open { .. } => None,
            Window::Closed { deadline } => Some(
                closed
                    .replace("{month}", &deadline.month().to_string())
                    .replace("{day}", &deadline.day().to_string())
                    .replace("{time}", &deadline.format("%H:%M").to_string()),
            ),
            Window::NoDeadline => Some(no_deadline.to_string()),
        }
    }
}

/// `2025-07-18 20:00` (JST), as the screens show a deadline.
pub fn deadline_text(deadline: DateTime<FixedOffset>) -> String {
    deadline.format("%Y-%m-%d %H:%M").to_string()
}

/// Whether the deadline reminder is due at `now` for a サイクル (§3.8): from 00:00 of the
/// business day 2 business days before the 変更期限's day, until the deadline itself.
pub fn reminder_due(calendar: &BusinessCalendar<'_>, due: NaiveDate, now: DateTime<FixedOffset>) -> bool {
    let Some(deadline) = calendar.change_deadline(due) else { return false };
    let Some(from) = calendar.nth_business_day_before(deadline.date_naive(), REMINDER_DAYS) else { return false };
    now.date_naive() >= from && now < deadline
}

/// The receipt number of a send: `ZK` + the JST date + the set's id (unique, and it says when).
pub fn receipt_number(sent_at: DateTime<FixedOffset>, set_id: i64) -> String {
    format!("ZK{}-{:06}", sent_at.format("%Y%m%d"), set_id)
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
