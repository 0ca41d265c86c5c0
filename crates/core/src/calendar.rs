//! The business-day calendar (営業日カレンダー) of a portal: national holidays
//! ([`crate::holidays`]) + the portal's own closures (the preset's `[calendar] closed`, e.g.
//! rokin's Saturdays, Sundays, holidays and 12/31–1/3) + the operator's overrides (an extra
//! closed day, or a day opened that the rules close). The operator's word wins over the rules.
//! rokin's change deadline, queue ageing and JREC-IN's "next business day" all count on it,
//! and the service-hours gate (`hours.rs`) reads the same overrides. Pure: the
//! overrides and the clock come in as values. docs/CALENDAR.md.

use crate::clock::JST;
use crate::holidays;
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Weekday};
use std::collections::BTreeMap;

/// A day a rule closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClosedDay {
    Weekday(Weekday),
    /// National holidays and 休日 ([`crate::holidays`]).
    Holiday,
    /// A fixed date every year, such as the year-end closure 12-31..01-03.
    MonthDay(u32, u32),
}

impl ClosedDay {
    pub fn parse(raw: &str) -> Result<ClosedDay, String> {
        let weekday = match raw {
            "mon" => Some(Weekday::Mon),
            "tue" => Some(Weekday::Tue),
            "wed" => Some(Weekday::Wed),
            "thu" => Some(Weekday::Thu),
            "fri" => Some(Weekday::Fri),
            "sat" => Some(Weekday::Sat),
            "sun" => Some(Weekday::Sun),
            _ => None,
        };
        if let Some(day) = weekday {
            return Ok(ClosedDay::Weekday(day));
        }
        if raw == "holiday" {
            return Ok(ClosedDay::Holiday);
        }
        let parsed = raw.split_once('-').and_then(|(m, d)| {
            let (m, d) = (m.parse::<u32>().ok()?, d.parse::<u32>().ok()?);
            // 2024 is a leap year, so 02-29 is accepted as a date that exists.
            NaiveDate::from_ymd_opt(2024, m, d).map(|_| ClosedDay::MonthDay(m, d))
        });
        parsed.ok_or_else(|| format!("\"{raw}\" is not a closed day: use mon..sun, holiday, or MM-DD such as 12-31"))
    }

    pub fn matches(&self, date: NaiveDate) -> bool {
        match self {
            ClosedDay::Weekday(day) => date.weekday() == *day,
            ClosedDay::Holiday => holidays::is_holiday(date),
            ClosedDay::MonthDay(m, d) => date.month() == *m && date.day() == *d,
        }
    }
}

/// What the operator said about one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideKind {
    /// Not a business day, whatever the rules say (臨時休業).
    Closed,
    /// A business day, whatever the rules say (臨時営業).
    Open,
}

impl OverrideKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OverrideKind::Closed => "closed",
            OverrideKind::Open => "open",
        }
    }

    pub fn parse(raw: &str) -> Option<OverrideKind> {
        match raw {
            "closed" => Some(OverrideKind::Closed),
            "open" => Some(OverrideKind::Open),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayOverride {
    pub id: i64,
    pub date: NaiveDate,
    pub kind: OverrideKind,
    pub note: String,
}

/// A portal's overrides by date (one per day: the table's key).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides(BTreeMap<NaiveDate, DayOverride>);

impl Overrides {
    pub fn new(list: impl IntoIterator<Item = DayOverride>) -> Overrides {
        Overrides(list.into_iter().map(|o| (o.date, o)).collect())
    }

    pub fn get(&self, date: NaiveDate) -> Option<&DayOverride> {
        self.0.get(&date)
    }
}

/// Why a day is or is not a business day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Day<'a> {
    Business,
    /// A day the rules close, opened by the operator.
    OpenedByOperator(&'a DayOverride),
    ClosedByOperator(&'a DayOverride),
    /// A national holiday or 休日, by its name.
    Holiday(String),
    /// One of the portal's own closures (a weekday or a fixed date).
    Closure(&'a ClosedDay),
}

impl Day<'_> {
    pub fn is_business(&self) -> bool {
        matches!(self, Day::Business | Day::OpenedByOperator(_))
    }
}

/// How far a search for a business day goes before it gives up: a year and a bit covers any
/// closure the rules can express; only overrides closing a whole year could exhaust it.
const SEARCH_DAYS: i64 = 400;

/// 20:00 JST, rokin's service close: the hour of the 財形 change deadline (§3.5).
pub const CHANGE_DEADLINE_TIME: (u32, u32) = (20, 0);
/// The change deadline is this many business days before the 入金予定日.
pub const CHANGE_DEADLINE_DAYS: u32 = 4;

/// A portal's calendar: its closure rules and the operator's overrides.
#[derive(Debug, Clone, Copy)]
pub struct BusinessCalendar<'a> {
    closed: &'a [ClosedDay],
    overrides: &'a Overrides,
}

impl<'a> BusinessCalendar<'a> {
    pub fn new(closed: &'a [ClosedDay], overrides: &'a Overrides) -> BusinessCalendar<'a> {
        BusinessCalendar { closed, overrides }
    }

    /// The day and why: the operator's override first, then a holiday (when the rules close
    /// holidays), then the portal's other closures.
    pub fn day(&self, date: NaiveDate) -> Day<'a> {
        let ruled = self.by_rules(date);
        match self.overrides.get(date) {
            Some(o) if o.kind == OverrideKind::Closed => Day::ClosedByOperator(o),
            Some(o) if ruled != Day::Business => Day::OpenedByOperator(o),
            _ => ruled,
        }
    }

    /// The day as the rules alone make it (what an override changes).
    pub fn by_rules(&self, date: NaiveDate) -> Day<'a> {
        if self.closed.contains(&ClosedDay::Holiday)
            && let Some(name) = holidays::holiday_name(date)
        {
            return Day::Holiday(name);
        }
        // A fixed date says more than its weekday (1/3 on a Saturday is the year-end closure).
        let fixed = self.closed.iter().find(|c| matches!(c, ClosedDay::MonthDay(..)) && c.matches(date));
        match fixed.or_else(|| self.closed.iter().find(|c| matches!(c, ClosedDay::Weekday(_)) && c.matches(date))) {
            Some(rule) => Day::Closure(rule),
            None => Day::Business,
        }
    }

    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        self.day(date).is_business()
    }

    /// The `n`-th business day before `date` (`date` itself not counted); None when the
    /// calendar has no such day within [`SEARCH_DAYS`] per step.
    pub fn nth_business_day_before(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut day = date;
        for _ in 0..n {
            day = self.step(day, -1)?;
        }
        Some(day)
    }

    /// The first business day after `date`.
    pub fn next_business_day(&self, date: NaiveDate) -> Option<NaiveDate> {
        self.step(date, 1)
    }

    fn step(&self, from: NaiveDate, direction: i64) -> Option<NaiveDate> {
        let mut day = from;
        for _ in 0..SEARCH_DAYS {
            day = day.checked_add_signed(Duration::days(direction))?;
            if self.is_business_day(day) {
                return Some(day);
            }
        }
        None
    }

    /// rokin 財形: the last moment a サイクル's 預入依頼書 may be changed and sent, 20:00 JST of the
    /// 4th business day before its 入金予定日 (spec rokin-zaikei §3.5).
    pub fn change_deadline(&self, payment_date: NaiveDate) -> Option<DateTime<FixedOffset>> {
        let day = self.nth_business_day_before(payment_date, CHANGE_DEADLINE_DAYS)?;
        let (h, m) = CHANGE_DEADLINE_TIME;
        JST.from_local_datetime(&day.and_time(NaiveTime::from_hms_opt(h, m, 0)?)).single()
    }

    /// Whether a change may still be made at `now`: strictly before the deadline (at 20:00:00
    /// the service has closed). No deadline found: no change.
    pub fn may_change(&self, payment_date: NaiveDate, now: DateTime<FixedOffset>) -> bool {
        self.change_deadline(payment_date).is_some_and(|deadline| now < deadline)
    }
}

#[cfg(test)]
#[path = "calendar_tests.rs"]
mod tests;
