//! Service hours (サービス提供時間): when a portal's pages answer, in Japan time.

use crate::calendar::{OverrideKind, Overrides};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Timelike};

pub use crate::calendar::ClosedDay;

/// The `service_hours.closed` word for "every day the portal's business-day calendar closes"
/// (its `[calendar] closed` rules), so a portal open on business days only says it once.
pub const NON_BUSINESS_DAYS: &str = "non_business_days";

/// Opening window of each open day, in minutes after midnight. `close` may pass 24:00
/// (mlit-fwms is open 04:00 to 翌01:00, i.e. 04:00–25:00).
#[derive(Debug, Clone)]
pub struct ServiceHours {
    open: u32,
    close: u32,
    closed: Vec<ClosedDay>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    Open,
    Closed { reopens_at: Option<DateTime<FixedOffset>> },
}

impl ServiceHours {
    /// `hours` is `HH:MM-HH:MM`; an end at or before the start means the next day. `closed`
    /// lists closed days; [`NON_BUSINESS_DAYS`] among them stands for `calendar`'s rules.
    pub fn parse(hours: &str, closed: &[String], calendar: &[ClosedDay]) -> Result<ServiceHours, String> {
        let bad = || format!("\"{hours}\" is not a time range: write HH:MM-HH:MM such as 08:00-20:00");
        let (start, end) = hours.split_once('-').ok_or_else(bad)?;
        let open = parse_minutes(start).filter(|m| *m < 24 * 60).ok_or_else(bad)?;
        let mut close = parse_minutes(end).filter(|m| *m <= 24 * 60).ok_or_else(bad)?;
        if close <= open {
            close += 24 * 60;
        }
        let mut days: Vec<ClosedDay> = Vec::new();
        for raw in closed {
            let parsed = if raw == NON_BUSINESS_DAYS { calendar.to_vec() } else { vec![ClosedDay::parse(raw)?] };
            for day in parsed {
                if !days.contains(&day) {
                    days.push(day);
                }
            }
        }
        Ok(ServiceHours { open, close, closed: days })
    }

    pub fn always() -> ServiceHours {
        ServiceHours { open: 0, close: 24 * 60, closed: Vec::new() }
    }

    pub fn is_always_open(&self) -> bool {
        self.open == 0 && self.close >= 24 * 60 && self.closed.is_empty()
    }

    /// `HH:MM～HH:MM` as the manuals write it (翌 for the next day).
    pub fn window_label(&self) -> String {
        let fmt = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
        if self.close > 24 * 60 {
            format!("{}～翌{}", fmt(self.open), fmt(self.close - 24 * 60))
        } else {
            format!("{}～{}", fmt(self.open), fmt(self.close))
        }
    }

    /// Whether the rules of `closed` close `date` (the operator's days aside). Never for a
    /// portal open at all hours.
    pub fn closed_on(&self, date: NaiveDate) -> bool {
        !self.is_always_open() && self.closed.iter().any(|c| c.matches(date))
    }

    pub fn closed_days(&self) -> &[ClosedDay] {
        &self.closed
    }

    /// Whether the portal answers at `at`. The operator's calendar days decide a day outright
    /// (a day marked closed is closed, one marked open is open, whatever `closed` says); other
    /// days follow `closed`. A portal open at all hours has no gate and ignores them.
    pub fn availability(&self, at: DateTime<FixedOffset>, overrides: &Overrides) -> Availability {
        if self.is_always_open() {
            return Availability::Open;
        }
        let date = at.date_naive();
        let minute = at.hour() * 60 + at.minute();
        let open_today = self.day_is_open(date, overrides) && (self.open..self.close).contains(&minute);
        let spill_from_yesterday = self.close > 24 * 60
            && date.pred_opt().is_some_and(|y| self.day_is_open(y, overrides))
            && minute + 24 * 60 < self.close;
        if open_today || spill_from_yesterday {
            return Availability::Open;
        }
        Availability::Closed { reopens_at: self.next_opening(at, overrides) }
    }

    fn day_is_open(&self, date: NaiveDate, overrides: &Overrides) -> bool {
        match overrides.get(date).map(|o| o.kind) {
            Some(OverrideKind::Closed) => false,
            Some(OverrideKind::Open) => true,
            None => !self.closed.iter().any(|c| c.matches(date)),
        }
    }

    fn next_opening(&self, at: DateTime<FixedOffset>, overrides: &Overrides) -> Option<DateTime<FixedOffset>> {
        let mut date = at.date_naive();
        // A year and a bit covers every closure a calendar can express.
        for _ in 0..400 {
            if self.day_is_open(date, overrides) {
                let naive = date.and_hms_opt(self.open / 60, self.open % 60, 0)?;
                let opening = at.timezone().from_local_datetime(&naive).single()?;
                if opening > at {
                    return Some(opening);
                }
            }
            date += Duration::days(1);
        }
        None
    }
}

fn parse_minutes(raw: &str) -> Option<u32> {
    let (h, m) = raw.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    (m < 60).then_some(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::JST;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<FixedOffset> {
        JST.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn rokin() -> ServiceHours {
        let closed: Vec<String> =
            ["sat", "sun", "holiday", "12-31", "01-01", "01-02", "01-03"].map(String::from).to_vec();
        ServiceHours::parse("08:00-20:00", &closed, &[]).unwrap()
    }

    #[test]
    fn rokin_weekday_hours() {
        let h = rokin();
        // 2026-11-24 is a Tuesday.
        assert_eq!(h.availability(at(2026, 11, 24, 8, 0), &Overrides::default()), Availability::Open);
        assert_eq!(h.availability(at(2026, 11, 24, 19, 59), &Overrides::default()), Availability::Open);
        assert_eq!(
            h.availability(at(2026, 11, 24, 20, 0), &Overrides::default()),
            Availability::Closed { reopens_at: Some(at(2026, 11, 25, 8, 0)) }
        );
        assert!(matches!(h.availability(at(2026, 11, 24, 7, 59), &Overrides::default()), Availability::Closed { .. }));
    }

    #[test]
    fn rokin_closed_on_weekends_holidays_and_year_end() {
        let h = rokin();
        // Saturday 2026-11-21, and Monday 2026-11-23 is 勤労感謝の日: reopens Tuesday.
        assert_eq!(
            h.availability(at(2026, 11, 21, 12, 0), &Overrides::default()),
            Availability::Closed { reopens_at: Some(at(2026, 11, 24, 8, 0)) }
        );
        // 2027-01-02 (Saturday, year-end closure); 01-04 is a Monday and open.
        assert_eq!(
            h.availability(at(2027, 1, 2, 12, 0), &Overrides::default()),
            Availability::Closed { reopens_at: Some(at(2027, 1, 4, 8, 0)) }
        );
        // 2026-12-31 is a Thursday, closed by the year-end rule alone.
        assert!(matches!(h.availability(at(2026, 12, 31, 12, 0), &Overrides::default()), Availability::Closed { .. }));
        // 2027-03-22 is the substitute holiday for 春分の日 (Sunday 03-21).
        assert!(matches!(h.availability(at(2027, 3, 22, 12, 0), &Overrides::default()), Availability::Closed { .. }));
    }

    #[test]
    fn mlit_open_past_midnight() {
        let h = ServiceHours::parse("04:00-01:00", &[], &[]).unwrap();
        assert_eq!(h.window_label(), "04:00～翌01:00");
        assert_eq!(h.availability(at(2026, 11, 22, 5, 0), &Overrides::default()), Availability::Open);
        assert_eq!(h.availability(at(2026, 11, 22, 0, 59), &Overrides::default()), Availability::Open);
        assert_eq!(
            h.availability(at(2026, 11, 22, 2, 0), &Overrides::default()),
            Availability::Closed { reopens_at: Some(at(2026, 11, 22, 4, 0)) }
        );
        assert!(matches!(h.availability(at(2026, 11, 22, 1, 0), &Overrides::default()), Availability::Closed { .. }));
        assert_eq!(h.availability(at(2026, 11, 22, 4, 0), &Overrides::default()), Availability::Open);
    }

    #[test]
    fn bad_hours_are_refused_with_the_rule() {
        assert!(ServiceHours::parse("8-20", &[], &[]).unwrap_err().contains("HH:MM-HH:MM"));
        assert!(ServiceHours::parse("08:00-20:61", &[], &[]).is_err());
        assert!(ServiceHours::parse("08:00-20:00", &["02-30".into()], &[]).unwrap_err().contains("MM-DD"));
        assert!(ServiceHours::parse("08:00-20:00", &["friday".into()], &[]).is_err());
    }

    #[test]
    fn the_2021_games_moved_holidays_and_the_gate_knows() {
        let h = rokin();
        // Monday 2021-07-19 was a working day (海の日 moved to Thursday 07-22).
        assert_eq!(h.availability(at(2021, 7, 19, 12, 0), &Overrides::default()), Availability::Open);
        assert!(matches!(h.availability(at(2021, 7, 22, 12, 0), &Overrides::default()), Availability::Closed { .. }));
        assert!(matches!(h.availability(at(2021, 8, 9, 12, 0), &Overrides::default()), Availability::Closed { .. }));
    }

    #[test]
    fn non_business_days_stands_for_the_calendar_rules() {
        let calendar: Vec<ClosedDay> =
            ["sat", "sun", "holiday", "12-31"].iter().map(|c| ClosedDay::parse(c).unwrap()).collect();
        let h = ServiceHours::parse("08:00-20:00", &[NON_BUSINESS_DAYS.into(), "sat".into()], &calendar).unwrap();
        assert_eq!(h.closed_days(), calendar.as_slice());
    }

    #[test]
    fn the_operators_days_decide_the_day() {
        use crate::calendar::DayOverride;
        let h = rokin();
        // Tuesday 2026-11-24 closed, Saturday 2026-11-21 opened.
        let overrides = Overrides::new([
            DayOverride {
                id: 1,
                date: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
                kind: OverrideKind::Closed,
                note: "x".into(),
            },
            DayOverride {
                id: 2,
                date: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
                kind: OverrideKind::Open,
                note: "y".into(),
            },
        ]);
        assert_eq!(
            h.availability(at(2026, 11, 24, 12, 0), &overrides),
            Availability::Closed { reopens_at: Some(at(2026, 11, 25, 8, 0)) }
        );
        assert_eq!(h.availability(at(2026, 11, 21, 12, 0), &overrides), Availability::Open);
        assert!(matches!(h.availability(at(2026, 11, 21, 20, 0), &overrides), Availability::Closed { .. }));
        // Sunday 2026-11-22 closed as before, reopening on the Monday? No: 11-23 is 勤労感謝の日,
        // 11-24 is closed by the operator: Wednesday.
        assert_eq!(
            h.availability(at(2026, 11, 22, 12, 0), &overrides),
            Availability::Closed { reopens_at: Some(at(2026, 11, 25, 8, 0)) }
        );
        // Open at all hours: no gate, no calendar.
        assert_eq!(ServiceHours::always().availability(at(2026, 11, 24, 12, 0), &overrides), Availability::Open);
    }
}
