//! What the public sees of a posting, as a pure rule over its columns (jrec-in spec §1.3 rules 5,
//! 6, 8 and 10; modules spec §0.3): the first approval sets the public version and its time, an
//! approved revision waits beside it until its own 反映 time, a 取り下げ sets the time it goes.
//! Nothing here reads a clock: every function takes `now`, so that the 22:00 / 00:00 edges are
//! tested to the second and the switch needs no job.

use chrono::NaiveDate;

/// The public columns of a posting (`job_postings`, migrations 0022 and 0024).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Public {
    /// The version published (or scheduled: `publish_at` ahead).
    pub snapshot: Option<String>,
    pub publish_at: Option<i64>,
    pub unpublish_at: Option<i64>,
    pub end_date: Option<String>,
    /// When `snapshot` became (or becomes) public: `publish_at`, then each revision's time.
    pub since: Option<i64>,
    /// An approved revision and the moment it replaces `snapshot`.
    pub next_snapshot: Option<String>,
    pub next_at: Option<i64>,
    pub next_end_date: Option<String>,
}

/// One approved version: its snapshot, its 募集終了日 and when it is to become public.
#[derive(Debug, Clone, Copy)]
pub struct Approved<'a> {
    pub snapshot: &'a str,
    pub end_date: &'a str,
    pub at: i64,
}

/// The version the public sees at `now`, with its 募集終了日 (None: nothing ever approved).
/// Whether it is visible at all is `madoguchi_core::publication::is_visible(publish_at,
/// unpublish_at, now)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Current<'a> {
    pub snapshot: &'a str,
    pub end_date: Option<&'a str>,
    /// When this version became (or becomes) the public one: the first publication, or the
    /// revision's 反映 time — the detail page's 更新日.
    pub since: Option<i64>,
}

impl Public {
    /// The version current at `now`: the waiting revision once its time has come.
    pub fn current(&self, now: i64) -> Option<Current<'_>> {
        match (&self.next_snapshot, self.next_at) {
            (Some(next), Some(at)) if at <= now => {
                Some(Current { snapshot: next, end_date: self.next_end_date.as_deref(), since: Some(at) })
            }
            _ => self.snapshot.as_deref().map(|snapshot| Current {
                snapshot,
                end_date: self.end_date.as_deref(),
                since: self.since.or(self.publish_at),
            }),
        }
    }

    /// The 募集終了日 in force at `now`, as a date.
    pub fn end_date_at(&self, now: i64) -> Option<NaiveDate> {
        self.current(now).and_then(|c| c.end_date).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    }

    /// The columns with a revision whose time has come moved into the public ones (what the
    /// next write stores; readers get the same answer from [`Public::current`]).
    pub fn folded(&self, now: i64) -> Public {
        let mut out = self.clone();
        if let (Some(next), Some(at)) = (&self.next_snapshot, self.next_at)
            && at <= now
        {
            out.snapshot = Some(next.clone());
            out.end_date = self.next_end_date.clone();
            out.since = Some(at);
            out.next_snapshot = None;
            out.next_at = None;
            out.next_end_date = None;
        }
        out
    }

    /// The columns after the 事務局 approved `approved` at `now`:
    /// - never approved before: it becomes the public version from its time;
    /// - approved but not yet public (公開待ち): the new version replaces the waiting one, and
    ///   its own time decides (the 事務局 chose the 反映日 with it);
    /// - public: the public version stays until the revision's time (§1.3 rule 6); a revision
    ///   still waiting is replaced by this newer one, which was made from it.
    pub fn approve(&self, approved: Approved<'_>, now: i64) -> Public {
        let mut out = self.folded(now);
        let public_now = out.publish_at.is_some_and(|from| from <= now);
        if out.snapshot.is_none() || !public_now {
            out.snapshot = Some(approved.snapshot.to_string());
            out.end_date = Some(approved.end_date.to_string());
            out.publish_at = Some(approved.at);
            out.since = Some(approved.at);
            out.next_snapshot = None;
            out.next_at = None;
            out.next_end_date = None;
        } else {
            out.next_snapshot = Some(approved.snapshot.to_string());
            out.next_at = Some(approved.at);
            out.next_end_date = Some(approved.end_date.to_string());
        }
        out
    }

    /// The columns after a 取り下げ that takes effect at `until` (22:00 of the day, or at once
    /// after it): a revision waiting for a later time never comes.
    pub fn withdraw(&self, until: i64, now: i64) -> Public {
        let mut out = self.folded(now);
        out.unpublish_at = Some(out.unpublish_at.map_or(until, |u| u.min(until)));
        if out.next_at.is_some_and(|at| at >= until) {
            out.next_snapshot = None;
            out.next_at = None;
            out.next_end_date = None;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use madoguchi_core::clock::JST;
    use madoguchi_core::publication::{self, is_visible};

    fn at(d: u32, h: u32, mi: u32, s: u32) -> i64 {
        JST.with_ymd_and_hms(2026, 11, d, h, mi, s).unwrap().timestamp()
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn a_first_approval_publishes_at_its_time() {
        let approved_at = at(24, 10, 0, 0);
        let when = publication::publish_at(approved_at, day(24)).unwrap();
        let p = Public::default().approve(Approved { snapshot: "v1", end_date: "2027-01-31", at: when }, approved_at);
        assert_eq!(p.publish_at, Some(at(24, 22, 0, 0)));
        assert!(!is_visible(p.publish_at, p.unpublish_at, at(24, 21, 59, 59)));
        assert!(is_visible(p.publish_at, p.unpublish_at, at(24, 22, 0, 0)));
        assert_eq!(p.current(at(24, 22, 0, 0)).map(|c| c.snapshot), Some("v1"));
        assert_eq!(p.end_date_at(at(25, 0, 0, 0)), NaiveDate::from_ymd_opt(2027, 1, 31));
    }

    #[test]
    fn a_revision_waits_for_its_time_and_the_public_version_stays() {
        let first =
            Public::default().approve(Approved { snapshot: "v1", end_date: "2027-01-31", at: at(24, 22, 0, 0) }, 0);
        // Revised on the 25th at 10:00, approved for the same day: v1 until 21:59:59.
        let revised =
            first.approve(Approved { snapshot: "v2", end_date: "2027-02-28", at: at(25, 22, 0, 0) }, at(25, 10, 0, 0));
        assert_eq!(revised.publish_at, Some(at(24, 22, 0, 0)), "the first publication stays");
        assert_eq!(revised.current(at(25, 21, 59, 59)).map(|c| c.snapshot), Some("v1"));
        let now = revised.current(at(25, 22, 0, 0)).unwrap();
        assert_eq!((now.snapshot, now.end_date, now.since), ("v2", Some("2027-02-28"), Some(at(25, 22, 0, 0))));
        // Folded by the next write, the same answer.
        let folded = revised.folded(at(26, 9, 0, 0));
        assert_eq!(folded.snapshot.as_deref(), Some("v2"));
        assert_eq!(folded.next_snapshot, None);
        assert_eq!(folded.current(at(26, 9, 0, 0)), revised.current(at(26, 9, 0, 0)));
        // Not yet due: folding changes nothing.
        assert_eq!(revised.folded(at(25, 21, 0, 0)), revised);
    }

    #[test]
    fn a_scheduled_posting_is_replaced_by_a_newer_approval() {
        let first =
            Public::default().approve(Approved { snapshot: "v1", end_date: "2027-01-31", at: at(28, 0, 0, 0) }, 0);
        let again =
            first.approve(Approved { snapshot: "v2", end_date: "2027-01-31", at: at(26, 22, 0, 0) }, at(26, 10, 0, 0));
        assert_eq!(
            (again.snapshot.as_deref(), again.publish_at, again.next_at),
            (Some("v2"), Some(at(26, 22, 0, 0)), None)
        );
    }

    #[test]
    fn a_withdrawal_ends_at_22_and_cancels_a_later_revision() {
        let first =
            Public::default().approve(Approved { snapshot: "v1", end_date: "2027-01-31", at: at(24, 22, 0, 0) }, 0);
        let revised =
            first.approve(Approved { snapshot: "v2", end_date: "2027-01-31", at: at(28, 0, 0, 0) }, at(26, 10, 0, 0));
        let pressed = at(26, 15, 0, 0);
        let until = publication::unpublish_at(pressed).unwrap();
        let gone = revised.withdraw(until, pressed);
        assert_eq!(gone.unpublish_at, Some(at(26, 22, 0, 0)));
        assert!(is_visible(gone.publish_at, gone.unpublish_at, at(26, 21, 59, 59)));
        assert!(!is_visible(gone.publish_at, gone.unpublish_at, at(26, 22, 0, 0)));
        assert_eq!(gone.next_snapshot, None, "the revision for the 28th never comes");
        // A second withdrawal never moves the end later.
        assert_eq!(gone.withdraw(at(27, 22, 0, 0), at(27, 10, 0, 0)).unpublish_at, Some(at(26, 22, 0, 0)));
    }
}
