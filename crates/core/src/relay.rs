//! Relayed messages (modules README §0.8): the rules of a thread between an organization
//! (side a) and one user (side b), stored by `madoguchi_store::relay`. Pure: the clock and the
//! counts are passed in, so the unit tests fix them.
//!
//! jrec-in's 求職者照会メール (§1.10) is the first user: an institution opens a thread with one
//! inquiry, the seeker answers it once through the portal; later exchanges go directly by
//! mail, as the manual's notes tell the institution.

use crate::clock::JST;
use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;

/// The anti-spam limits of opening threads (jrec-in §1.10 item 6; a portal's `[seeker_mail]`
/// table, every value with a default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InquiryLimits {
    /// One thread per organization and recipient within this many days.
    pub per_recipient_days: u32,
    /// At most this many threads per organization per JST calendar day.
    pub per_day: u32,
}

impl Default for InquiryLimits {
    fn default() -> InquiryLimits {
        InquiryLimits { per_recipient_days: 30, per_day: 100 }
    }
}

/// What an organization has already sent, as the store counts it (see [`InquiryLimits::check`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    /// When the organization last opened a thread with this recipient, if ever.
    pub last_to_recipient: Option<i64>,
    /// Threads the organization opened since [`day_start`] of now.
    pub today: i64,
}

/// Why a new thread is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The same recipient within `per_recipient_days`; `until` is when it becomes possible.
    TooSoon { until: i64 },
    /// `per_day` reached for today (JST).
    DailyLimit,
}

impl InquiryLimits {
    /// Whether the organization may open one more thread with the recipient at `now`.
    pub fn check(&self, now: i64, sent: Sent) -> Result<(), Refusal> {
        if let Some(last) = sent.last_to_recipient {
            let until = last + i64::from(self.per_recipient_days) * 86_400;
            if now < until {
                return Err(Refusal::TooSoon { until });
            }
        }
        if sent.today >= i64::from(self.per_day) {
            return Err(Refusal::DailyLimit);
        }
        Ok(())
    }
}

/// 00:00 JST of the day that contains `now` (unix seconds): where "per day" counts from.
pub fn day_start(now: i64) -> i64 {
    let Some(at) = DateTime::<Utc>::from_timestamp(now, 0) else {
        return now;
    };
    let date = at.with_timezone(&JST).date_naive();
    date.and_hms_opt(0, 0, 0).and_then(|d| JST.from_local_datetime(&d).single()).map_or(now, |d| d.timestamp())
}

/// Side b's messages a thread accepts: jrec-in's one reply through the portal [M-J].
pub const REPLIES: i64 = 1;

/// Whether side b may still answer a thread it has answered `replies` times.
pub fn may_reply(replies: i64) -> bool {
    replies < REPLIES
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-04-01 12:00 JST.
    const NOON: i64 = 1_775_012_400;

    #[test]
    fn day_starts_at_midnight_jst() {
        assert_eq!(day_start(NOON), NOON - 12 * 3600);
        // A day start is its own day start; a second before it belongs to the day before.
        assert_eq!(day_start(NOON - 12 * 3600), NOON - 12 * 3600);
        assert_eq!(day_start(NOON - 12 * 3600 - 1), NOON - 36 * 3600);
    }

    #[test]
    fn one_per_recipient_within_thirty_days() {
        let limits = InquiryLimits::default();
        let last = NOON - 29 * 86_400;
        let sent = Sent { last_to_recipient: Some(last), today: 0 };
        assert_eq!(limits.check(NOON, sent), Err(Refusal::TooSoon { until: last + 30 * 86_400 }));
        assert_eq!(limits.check(last + 30 * 86_400 - 1, sent), Err(Refusal::TooSoon { until: last + 30 * 86_400 }));
        assert_eq!(limits.check(last + 30 * 86_400, sent), Ok(()));
        assert_eq!(limits.check(NOON, Sent { last_to_recipient: None, today: 0 }), Ok(()));
    }

    #[test]
    fn a_hundred_a_day() {
        let limits = InquiryLimits::default();
        assert_eq!(limits.check(NOON, Sent { last_to_recipient: None, today: 99 }), Ok(()));
        assert_eq!(limits.check(NOON, Sent { last_to_recipient: None, today: 100 }), Err(Refusal::DailyLimit));
        let small = InquiryLimits { per_recipient_days: 1, per_day: 2 };
        assert_eq!(small.check(NOON, Sent { last_to_recipient: None, today: 2 }), Err(Refusal::DailyLimit));
    }

    #[test]
    fn one_reply() {
        assert!(may_reply(0));
        assert!(!may_reply(1));
        assert!(!may_reply(2));
    }
}
