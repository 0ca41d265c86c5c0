//! Publication is a timestamp, not a batch (modules spec §0.3): a public item is visible while
//! `publish_at ≤ now < unpublish_at` and, where it has a closing date, before the end of that
//! date. Every query and the search filter compute visibility from these numbers, so a
//! scheduled time is exact to the second, needs no nightly run and survives downtime.
//!
//! The times are JREC-IN's [M-J] (jrec-in spec §1.3 rules 5, 8 and 10), in JST (UTC+09:00, no
//! daylight saving). Every function takes the moment it decides for (`now`, Unix seconds) and
//! returns Unix seconds, the form every timestamp takes in the database.

use crate::clock::JST;
use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone};

/// 22:00 JST: a same-day 反映日 publishes then, and a 取り下げ takes effect then [M-J].
pub const EVENING: (u32, u32) = (22, 0);
/// The 修正 window: a posting may be revised until this many days after its 募集終了日 [M-J]
/// (「公募終了から2週間を経過したものは修正できません」).
pub const REVISION_DAYS_AFTER_END: u64 = 14;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PublicationError {
    /// The 反映日 lies before the approval day (the 事務局 approves with 反映日 ≥ today [M-J]).
    #[error("the 反映日 is before the approval day")]
    ReflectDateInPast,
    /// A date outside what the calendar arithmetic can hold.
    #[error("the date is out of range")]
    OutOfRange,
}

/// The JST calendar day of `at`.
pub fn jst_date(at: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp(at, 0).map(|t| t.with_timezone(&JST).date_naive())
}

/// `date` at `h:m:00` JST, as Unix seconds.
pub fn jst_time(date: NaiveDate, (h, m): (u32, u32)) -> Option<i64> {
    let time = NaiveTime::from_hms_opt(h, m, 0)?;
    JST.from_local_datetime(&date.and_time(time)).single().map(|t| t.timestamp())
}

/// When an item approved at `approved_at` with the 反映日 `reflect_on` becomes public:
/// 22:00 of the 反映日 when it is the approval day, 00:00 of the 反映日 when later [M-J]. An
/// approval at or after 22:00 for the same day publishes at once (Choice, spec §1.3 rule 5:
/// the 22:00 of that day has passed, and waiting for the next day's 22:00 would move the 反映日).
pub fn publish_at(approved_at: i64, reflect_on: NaiveDate) -> Result<i64, PublicationError> {
    let today = jst_date(approved_at).ok_or(PublicationError::OutOfRange)?;
    if reflect_on < today {
        return Err(PublicationError::ReflectDateInPast);
    }
    if reflect_on == today {
        let evening = jst_time(today, EVENING).ok_or(PublicationError::OutOfRange)?;
        Ok(evening.max(approved_at))
    } else {
        jst_time(reflect_on, (0, 0)).ok_or(PublicationError::OutOfRange)
    }
}

/// When a 取り下げ made at `withdrawn_at` takes the item off the public pages: 22:00 of that
/// day [M-J]; a withdrawal at or after 22:00 takes effect at once (Choice, spec §1.3 rule 8).
pub fn unpublish_at(withdrawn_at: i64) -> Result<i64, PublicationError> {
    let today = jst_date(withdrawn_at).ok_or(PublicationError::OutOfRange)?;
    let evening = jst_time(today, EVENING).ok_or(PublicationError::OutOfRange)?;
    Ok(evening.max(withdrawn_at))
}

/// The first second after the 募集終了日: a posting is open through 23:59:59 JST of that date
/// (spec §1.3 rule 10) and `ended` from this moment.
pub fn ended_at(end_date: NaiveDate) -> Result<i64, PublicationError> {
    let next = end_date.checked_add_days(Days::new(1)).ok_or(PublicationError::OutOfRange)?;
    jst_time(next, (0, 0)).ok_or(PublicationError::OutOfRange)
}

/// Whether the posting has ended at `now`.
pub fn has_ended(end_date: NaiveDate, now: i64) -> bool {
    ended_at(end_date).map(|end| now >= end).unwrap_or(false)
}

/// The last JST day on which the institution may still file a 修正 (募集終了日 + 14 days): on
/// that day it may, the day after it may not (「2週間を経過したもの」 are refused [M-J]).
pub fn last_revision_day(end_date: NaiveDate) -> Option<NaiveDate> {
    end_date.checked_add_days(Days::new(REVISION_DAYS_AFTER_END))
}

/// Whether the 修正 window is open at `now` (spec §1.3 rule 6, the date half of it; the other
/// half — no open revision — is the lifecycle's).
pub fn may_revise(end_date: NaiveDate, now: i64) -> bool {
    match (last_revision_day(end_date), jst_date(now)) {
        (Some(last), Some(today)) => today <= last,
        _ => false,
    }
}

/// The visibility predicate of §0.3: published (`publish_at ≤ now`) and not yet taken down
/// (`now < unpublish_at`). An item without `publish_at` was never approved and is never visible.
pub fn is_visible(publish_at: Option<i64>, unpublish_at: Option<i64>, now: i64) -> bool {
    match publish_at {
        Some(from) if from <= now => unpublish_at.is_none_or(|until| now < until),
        _ => false,
    }
}

/// Visible and before the end of its 募集終了日: what the default public search shows. An ended
/// posting stays [`is_visible`] (found with 「募集期間終了を含める」) until it is taken down.
pub fn is_open(publish_at: Option<i64>, unpublish_at: Option<i64>, end_date: NaiveDate, now: i64) -> bool {
    is_visible(publish_at, unpublish_at, now) && !has_ended(end_date, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
        JST.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap().timestamp()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn same_day_reflection_publishes_at_22() {
        let today = day(2026, 11, 24);
        assert_eq!(publish_at(at(2026, 11, 24, 10, 0, 0), today), Ok(at(2026, 11, 24, 22, 0, 0)));
        assert_eq!(publish_at(at(2026, 11, 24, 21, 59, 59), today), Ok(at(2026, 11, 24, 22, 0, 0)));
        // At or after 22:00 the evening has come: at once.
        assert_eq!(publish_at(at(2026, 11, 24, 22, 0, 0), today), Ok(at(2026, 11, 24, 22, 0, 0)));
        assert_eq!(publish_at(at(2026, 11, 24, 23, 30, 5), today), Ok(at(2026, 11, 24, 23, 30, 5)));
        // 00:00:00 is the new day: its own 22:00.
        assert_eq!(publish_at(at(2026, 11, 25, 0, 0, 0), day(2026, 11, 25)), Ok(at(2026, 11, 25, 22, 0, 0)));
    }

    #[test]
    fn later_reflection_publishes_at_midnight_of_that_day() {
        let approved = at(2026, 11, 24, 10, 0, 0);
        assert_eq!(publish_at(approved, day(2026, 11, 26)), Ok(at(2026, 11, 26, 0, 0, 0)));
        assert_eq!(publish_at(at(2026, 11, 24, 22, 30, 0), day(2026, 11, 25)), Ok(at(2026, 11, 25, 0, 0, 0)));
        assert_eq!(publish_at(approved, day(2026, 11, 23)), Err(PublicationError::ReflectDateInPast));
        // 23:59:59 JST on the 24th is still the 24th, though UTC has moved on.
        assert_eq!(publish_at(at(2026, 11, 24, 23, 59, 59), day(2026, 11, 24)), Ok(at(2026, 11, 24, 23, 59, 59)));
    }

    #[test]
    fn the_visibility_edges_are_exact_to_the_second() {
        let publish = publish_at(at(2026, 11, 24, 10, 0, 0), day(2026, 11, 24)).ok();
        assert!(!is_visible(publish, None, at(2026, 11, 24, 21, 59, 59)));
        assert!(is_visible(publish, None, at(2026, 11, 24, 22, 0, 0)));
        let later = publish_at(at(2026, 11, 24, 10, 0, 0), day(2026, 11, 26)).ok();
        assert!(!is_visible(later, None, at(2026, 11, 25, 23, 59, 59)));
        assert!(is_visible(later, None, at(2026, 11, 26, 0, 0, 0)));
        assert!(!is_visible(None, None, at(2030, 1, 1, 0, 0, 0)), "never approved");
    }

    #[test]
    fn a_withdrawal_takes_effect_at_22_or_at_once() {
        let publish = Some(at(2026, 11, 1, 0, 0, 0));
        let down = unpublish_at(at(2026, 11, 24, 15, 0, 0)).unwrap();
        assert_eq!(down, at(2026, 11, 24, 22, 0, 0));
        assert!(is_visible(publish, Some(down), at(2026, 11, 24, 21, 59, 59)));
        assert!(!is_visible(publish, Some(down), at(2026, 11, 24, 22, 0, 0)));
        assert_eq!(unpublish_at(at(2026, 11, 24, 22, 0, 0)), Ok(at(2026, 11, 24, 22, 0, 0)));
        assert_eq!(unpublish_at(at(2026, 11, 24, 22, 0, 1)), Ok(at(2026, 11, 24, 22, 0, 1)));
        assert_eq!(unpublish_at(at(2026, 11, 25, 0, 0, 0)), Ok(at(2026, 11, 25, 22, 0, 0)));
    }

    #[test]
    fn a_posting_ends_after_235959_of_its_end_date() {
        let end = day(2026, 12, 10);
        assert_eq!(ended_at(end), Ok(at(2026, 12, 11, 0, 0, 0)));
        assert!(!has_ended(end, at(2026, 12, 10, 23, 59, 59)));
        assert!(has_ended(end, at(2026, 12, 11, 0, 0, 0)));
        let publish = Some(at(2026, 11, 1, 0, 0, 0));
        assert!(is_open(publish, None, end, at(2026, 12, 10, 23, 59, 59)));
        assert!(!is_open(publish, None, end, at(2026, 12, 11, 0, 0, 0)));
        assert!(is_visible(publish, None, at(2026, 12, 11, 0, 0, 0)), "ended is still found on request");
    }

    #[test]
    fn the_revision_window_closes_14_days_after_the_end() {
        let end = day(2026, 12, 10);
        assert_eq!(last_revision_day(end), Some(day(2026, 12, 24)));
        assert!(may_revise(end, at(2026, 12, 24, 23, 59, 59)));
        assert!(!may_revise(end, at(2026, 12, 25, 0, 0, 0)));
        assert!(may_revise(end, at(2026, 11, 24, 10, 0, 0)));
    }
}
