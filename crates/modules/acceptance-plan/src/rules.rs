//! The plan's cross-field rules (mlit-plan.md §4.2, §4.7), with the time passed in as the
//! application date (the JST date of 「申請」). Each returns a typed refusal with a locale key
//! and the numbers its message shows.

use chrono::{Months, NaiveDate};

/// The 通算在留期間 cap of 特定技能1号 (5 years [ML-jac0204]), in months.
pub const TOTAL_STAY_MONTHS: u32 = 60;
/// The longest reason text (pay below the comparator), in characters (Choice, as the review's).
pub const REASON_MAX_CHARS: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("pay below the comparator without a reason")]
    PayBelowComparator { pay: u64, comparator: u64 },
    #[error("reason too long")]
    ReasonTooLong { max: usize },
    #[error("headcount cap")]
    Headcount { ssw: u32, construction: u32, planned: u32, total: u32, fulltime: u32 },
    #[error("period ends before it starts")]
    PeriodOrder,
    #[error("period beyond the 5-year total")]
    PeriodTooLong { latest_end: NaiveDate },
    #[error("prior stay already 5 years")]
    NoStayLeft,
    #[error("start before the application date")]
    StartsBeforeApplication { application: NaiveDate },
    #[error("dated too long before the application")]
    TooOld { earliest: NaiveDate },
    #[error("date after the application date")]
    AfterApplication { application: NaiveDate },
}

impl RuleError {
    pub fn message_key(&self) -> &'static str {
        match self {
            RuleError::PayBelowComparator { .. } => "plan.err.pay_below_comparator",
            RuleError::ReasonTooLong { .. } => "plan.err.reason_too_long",
            RuleError::Headcount { .. } => "plan.err.headcount",
            RuleError::PeriodOrder => "plan.err.period_order",
            RuleError::PeriodTooLong { .. } => "plan.err.period_too_long",
            RuleError::NoStayLeft => "plan.err.no_stay_left",
            RuleError::StartsBeforeApplication { .. } => "plan.err.starts_before_application",
            RuleError::TooOld { .. } => "plan.err.too_old",
            RuleError::AfterApplication { .. } => "plan.err.after_application",
        }
    }

    /// The `{name}` values of the message (dates ISO; the screen may show them in 和暦).
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match *self {
            RuleError::PayBelowComparator { pay, comparator } => {
                vec![("pay", pay.to_string()), ("comparator", comparator.to_string())]
            }
            RuleError::ReasonTooLong { max } => vec![("max", max.to_string())],
            RuleError::Headcount { ssw, construction, planned, total, fulltime } => vec![
                ("ssw", ssw.to_string()),
                ("construction", construction.to_string()),
                ("planned", planned.to_string()),
                ("total", total.to_string()),
                ("fulltime", fulltime.to_string()),
            ],
            RuleError::PeriodTooLong { latest_end } => vec![("latest_end", latest_end.to_string())],
            RuleError::StartsBeforeApplication { application } | RuleError::AfterApplication { application } => {
                vec![("application", application.to_string())]
            }
            RuleError::TooOld { earliest } => vec![("earliest", earliest.to_string())],
            RuleError::PeriodOrder | RuleError::NoStayLeft => Vec::new(),
        }
    }
}

/// 報酬月額 ≥ the comparator's 月額 (同等の技能を有する日本人, Part 4), or a written reason
/// (Part 6). A reason given although the pay is high enough is kept but not needed. Without
/// a comparator (no Japanese worker of equal skill) there is nothing to compare: Ok.
pub fn pay(pay: u64, comparator: Option<u64>, reason: &str) -> Result<(), RuleError> {
    let reason = reason.trim();
    if reason.chars().count() > REASON_MAX_CHARS {
        return Err(RuleError::ReasonTooLong { max: REASON_MAX_CHARS });
    }
    match comparator {
        Some(c) if pay < c && reason.is_empty() => Err(RuleError::PayBelowComparator { pay, comparator: c }),
        _ => Ok(()),
    }
}

/// The numbers of the headcount cap [DA] (JAC 1-07): the 1号特定技能外国人 already employed, the
/// 外国人建設就労者, the workers this plan (or change) adds, and 常勤の職員の数 (which excludes
/// all three and 技能実習生).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Headcount {
    pub current_ssw: u32,
    pub current_construction: u32,
    pub planned: u32,
    pub fulltime: u32,
}

impl Headcount {
    /// 1号 + 外国人建設就労者 (current and planned) ≤ 常勤職員数. The planned workers are new to the
    /// organization (a worker already counted in `current_ssw` is not planned again). Sums are
    /// taken in u64, so no count overflows.
    pub fn check(self) -> Result<(), RuleError> {
        let total = u64::from(self.current_ssw) + u64::from(self.current_construction) + u64::from(self.planned);
        if total <= u64::from(self.fulltime) {
            Ok(())
        } else {
            Err(RuleError::Headcount {
                ssw: self.current_ssw,
                construction: self.current_construction,
                planned: self.planned,
                total: u32::try_from(total).unwrap_or(u32::MAX),
                fulltime: self.fulltime,
            })
        }
    }
}

/// The part of the 5-year 通算在留期間 already used as 特定技能1号 (and the 特定活動 bridge that
/// counts), as the form asks for it: years, months and days (Choice: the original's field is
/// n/f; this is how the 在留 periods are written on ISA's forms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PriorStay {
    pub years: u32,
    pub months: u32,
    pub days: u32,
}

/// The last day a 受入予定期間 starting on `start` may run to: `start` + (60 months − the prior
/// years and months) − the prior days − 1 day (the period's days are inclusive: a period
/// starting 2027-04-01 with nothing used ends at the latest on 2032-03-31). Months are
/// calendar months (chrono's `checked_add_months`, which clamps to the month's last day:
/// 2027-08-31 + 6 months → 2028-02-29). None when nothing is left (or the date leaves
/// chrono's range).
pub fn latest_end(start: NaiveDate, prior: PriorStay) -> Option<NaiveDate> {
    let used_months = u64::from(prior.years) * 12 + u64::from(prior.months);
    let left = u64::from(TOTAL_STAY_MONTHS).checked_sub(used_months)?;
    let end_exclusive = start.checked_add_months(Months::new(u32::try_from(left).ok()?))?;
    let end_exclusive = end_exclusive.checked_sub_days(chrono::Days::new(u64::from(prior.days)))?;
    let last = end_exclusive.pred_opt()?;
    (last >= start).then_some(last)
}

/// 受入予定期間 `start..=end` within the rest of the 5 years (§4.2 Part 6), starting on or after
/// the application date.
pub fn stay_period(
    start: NaiveDate,
    end: NaiveDate,
    prior: PriorStay,
    application: NaiveDate,
) -> Result<(), RuleError> {
    if end < start {
        return Err(RuleError::PeriodOrder);
    }
    if start < application {
        return Err(RuleError::StartsBeforeApplication { application });
    }
    let latest = latest_end(start, prior).ok_or(RuleError::NoStayLeft)?;
    if end > latest { Err(RuleError::PeriodTooLong { latest_end: latest }) } else { Ok(()) }
}

/// 雇用契約期間: 開始日 on or after the application date (JAC's notes on 契約開始日
/// [ML-jac301-17]), ending after it starts.
pub fn contract_period(start: NaiveDate, end: NaiveDate, application: NaiveDate) -> Result<(), RuleError> {
    if end < start {
        Err(RuleError::PeriodOrder)
    } else if start < application {
        Err(RuleError::StartsBeforeApplication { application })
    } else {
        Ok(())
    }
}

/// A dated document or fact must be at most `months` calendar months old at the application
/// date and not later than it: accepted from `application − months` (chrono clamps a
/// missing day: 2024-02-29 − 12 months = 2023-02-28) through `application`.
pub fn within_months(date: NaiveDate, months: u32, application: NaiveDate) -> Result<(), RuleError> {
    if date > application {
        return Err(RuleError::AfterApplication { application });
    }
    let earliest = application.checked_sub_months(Months::new(months)).unwrap_or(NaiveDate::MIN);
    if date < earliest { Err(RuleError::TooOld { earliest }) } else { Ok(()) }
}

/// ハローワーク求人 受付日 ≤ 1 year before the application [ML-yamato].
pub fn job_offer_received(received: NaiveDate, application: NaiveDate) -> Result<(), RuleError> {
    within_months(received, 12, application)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn pay_against_the_comparator() {
        assert_eq!(pay(250_000, Some(250_000), ""), Ok(()));
        assert_eq!(
            pay(249_999, Some(250_000), " "),
            Err(RuleError::PayBelowComparator { pay: 249_999, comparator: 250_000 })
        );
        assert_eq!(pay(249_999, Some(250_000), "経験年数が短いため（3年 対 8年）"), Ok(()));
        assert_eq!(pay(180_000, None, ""), Ok(()));
        let long = "あ".repeat(REASON_MAX_CHARS + 1);
        assert_eq!(pay(1, Some(2), &long), Err(RuleError::ReasonTooLong { max: REASON_MAX_CHARS }));
    }

    #[test]
    fn headcount_cap_with_its_numbers() {
        // Acceptance check 4: 常勤 2, existing 1号 1, two planned → refused; one → passes.
        let h = Headcount { current_ssw: 1, current_construction: 0, planned: 2, fulltime: 2 };
        let err = h.check().expect_err("over the cap");
        assert_eq!(err, RuleError::Headcount { ssw: 1, construction: 0, planned: 2, total: 3, fulltime: 2 });
        assert!(err.params().contains(&("total", "3".into())));
        assert_eq!(Headcount { planned: 1, ..h }.check(), Ok(()));
        assert!(Headcount { current_construction: 1, planned: 1, ..h }.check().is_err());
        let max = Headcount { current_ssw: u32::MAX, current_construction: u32::MAX, planned: u32::MAX, fulltime: 1 };
        assert!(max.check().is_err(), "no overflow");
    }

    #[test]
    fn the_rest_of_five_years() {
        let app = d(2027, 1, 15);
        let none = PriorStay::default();
        assert_eq!(latest_end(d(2027, 4, 1), none), Some(d(2032, 3, 31)));
        assert_eq!(stay_period(d(2027, 4, 1), d(2032, 3, 31), none, app), Ok(()));
        assert_eq!(
            stay_period(d(2027, 4, 1), d(2032, 4, 1), none, app),
            Err(RuleError::PeriodTooLong { latest_end: d(2032, 3, 31) })
        );
        let used = PriorStay { years: 2, months: 3, days: 10 };
        // 60 − 27 = 33 months from 2027-04-01 → 2030-01-01, − 10 days → 2029-12-22, − 1 day.
        assert_eq!(latest_end(d(2027, 4, 1), used), Some(d(2029, 12, 21)));
        assert_eq!(latest_end(d(2027, 8, 31), PriorStay { years: 4, months: 6, days: 0 }), Some(d(2028, 2, 28)));
        assert_eq!(latest_end(d(2027, 4, 1), PriorStay { years: 5, months: 0, days: 0 }), None);
        assert_eq!(latest_end(d(2027, 4, 1), PriorStay { years: 4, months: 12, days: 0 }), None);
        assert_eq!(latest_end(d(2027, 4, 1), PriorStay { years: u32::MAX, months: u32::MAX, days: 0 }), None);
        assert_eq!(
            stay_period(d(2027, 4, 1), d(2027, 5, 1), PriorStay { years: 5, ..none }, app),
            Err(RuleError::NoStayLeft)
        );
        assert_eq!(stay_period(d(2027, 4, 1), d(2027, 3, 1), none, app), Err(RuleError::PeriodOrder));
        assert_eq!(
            stay_period(d(2027, 1, 14), d(2027, 3, 1), none, app),
            Err(RuleError::StartsBeforeApplication { application: app })
        );
    }

    #[test]
    fn contract_starts_on_or_after_the_application() {
        let app = d(2027, 1, 15);
        assert_eq!(contract_period(d(2027, 1, 15), d(2028, 1, 14), app), Ok(()));
        assert!(contract_period(d(2027, 1, 14), d(2028, 1, 14), app).is_err());
        assert_eq!(contract_period(d(2027, 2, 1), d(2027, 1, 31), app), Err(RuleError::PeriodOrder));
    }

    #[test]
    fn job_offer_within_a_year() {
        let app = d(2026, 12, 6);
        assert_eq!(job_offer_received(d(2025, 12, 6), app), Ok(()));
        assert_eq!(job_offer_received(d(2025, 12, 5), app), Err(RuleError::TooOld { earliest: d(2025, 12, 6) }));
        assert_eq!(job_offer_received(d(2026, 12, 7), app), Err(RuleError::AfterApplication { application: app }));
        assert_eq!(job_offer_received(d(2023, 2, 28), d(2024, 2, 29)), Ok(()));
    }
}
