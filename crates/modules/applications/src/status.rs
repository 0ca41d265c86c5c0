//! The nine 応募状況 of jrec-in [J-a00] and their transitions (jrec-in §1.9's table, a Choice
//! of the spec) as data: which status may follow which, who sets it, and what the applicant
//! sees. Pure; the clock is passed in.

/// An application's 応募状況. `Draft` is no status of the manual: the document is uploaded
/// but the seeker has not yet pressed 「応募する」 (nobody but the seeker sees it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Draft,
    /// 応募中
    Applied,
    /// 不受理
    NotAccepted,
    /// 受理済
    Accepted,
    /// 再提出待ち
    ResubmitRequested,
    /// 再提出済
    Resubmitted,
    /// 不採用(書類)
    RejectedDocuments,
    /// 不採用(面接)
    RejectedInterview,
    /// 採用決定済
    Hired,
    /// その他(辞退等)
    Other,
}

use Status::*;

/// The nine statuses of the manual, in its order (the filter's and the counts' columns).
pub const ALL: [Status; 9] = [
    Applied,
    NotAccepted,
    Accepted,
    ResubmitRequested,
    Resubmitted,
    RejectedDocuments,
    RejectedInterview,
    Hired,
    Other,
];

/// Every status the institution can set (応募中 and 再提出済 are the system's): what the bulk
/// change offers. Whether a row may take it is the table's answer.
pub const SETTABLE: [Status; 7] =
    [NotAccepted, Accepted, ResubmitRequested, RejectedDocuments, RejectedInterview, Hired, Other];

/// How long the institution may take back a 不採用 (jrec-in §1.9: 7 days, a Choice).
pub const REVERT_DAYS: i64 = 7;

impl Status {
    /// The column value.
    pub fn code(self) -> &'static str {
        match self {
            Draft => "draft",
            Applied => "applied",
            NotAccepted => "not_accepted",
            Accepted => "accepted",
            ResubmitRequested => "resubmit_requested",
            Resubmitted => "resubmitted",
            RejectedDocuments => "rejected_documents",
            RejectedInterview => "rejected_interview",
            Hired => "hired",
            Other => "other",
        }
    }

    pub fn parse(code: &str) -> Option<Status> {
        std::iter::once(Draft).chain(ALL).find(|s| s.code() == code)
    }

    /// The locale key of its name (「応募中」 …).
    pub fn key(self) -> &'static str {
        match self {
            Draft => "app.status.draft",
            Applied => "app.status.applied",
            NotAccepted => "app.status.not_accepted",
            Accepted => "app.status.accepted",
            ResubmitRequested => "app.status.resubmit_requested",
            Resubmitted => "app.status.resubmitted",
            RejectedDocuments => "app.status.rejected_documents",
            RejectedInterview => "app.status.rejected_interview",
            Hired => "app.status.hired",
            Other => "app.status.other",
        }
    }

    /// The statuses the institution may set next (the table of §1.9). 再提出済 is the
    /// system's, set only by the applicant's new file; the 不採用 have none (see
    /// [`institution_may_set`] for their 7-day return).
    pub fn next(self) -> &'static [Status] {
        match self {
            Draft => &[],
            Applied => &[NotAccepted, Accepted, ResubmitRequested, RejectedDocuments, Other],
            NotAccepted => &[Accepted, Other],
            Accepted => &[ResubmitRequested, RejectedDocuments, RejectedInterview, Hired, Other],
            ResubmitRequested => &[NotAccepted, Other],
            Resubmitted => &[Accepted, ResubmitRequested, NotAccepted, RejectedDocuments],
            RejectedDocuments | RejectedInterview => &[],
            Hired => &[Other],
            Other => &[],
        }
    }

    /// Whether the applicant may replace the document: only while 再提出待ち [J-a00].
    pub fn takes_new_document(self) -> bool {
        self == ResubmitRequested
    }

    /// Whether the applicant may withdraw (「応募を辞退する」, §1.8.4): while no final status is
    /// set, i.e. from the statuses whose next in the table includes その他(辞退等), which the
    /// withdrawal sets.
    pub fn seeker_may_withdraw(self) -> bool {
        self.next().contains(&Other)
    }

    /// Statuses the institution sets that the applicant is always told of, whatever the
    /// 応募状況更新通知 choice: 再提出待ち asks the applicant to act (its own mail, §1.12).
    pub fn always_told(self) -> bool {
        self == ResubmitRequested
    }
}

/// What the institution may choose at `now` for an application in `current` (set at
/// `status_at`, after `previous`): the table's next statuses, or, within [`REVERT_DAYS`] of a
/// 不採用, the status it came from (a slip of the bulk change taken back).
pub fn institution_may_set(current: Status, previous: Option<Status>, status_at: i64, now: i64) -> Vec<Status> {
    let mut out = current.next().to_vec();
    let revertible = matches!(current, RejectedDocuments | RejectedInterview);
    if let Some(previous) = previous.filter(|p| revertible && *p != Draft && *p != current)
        && now - status_at < REVERT_DAYS * 86_400
    {
        out.push(previous);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_distinct() {
        let mut seen = std::collections::BTreeSet::new();
        for s in std::iter::once(Draft).chain(ALL) {
            assert_eq!(Status::parse(s.code()), Some(s));
            assert!(seen.insert(s.code()));
            assert!(s.key().starts_with("app.status."));
        }
        assert_eq!(Status::parse("応募中"), None);
        assert_eq!(ALL.len(), 9);
    }

    #[test]
    fn the_table_of_the_spec() {
        assert_eq!(Applied.next(), &[NotAccepted, Accepted, ResubmitRequested, RejectedDocuments, Other]);
        assert_eq!(NotAccepted.next(), &[Accepted, Other]);
        assert_eq!(Accepted.next(), &[ResubmitRequested, RejectedDocuments, RejectedInterview, Hired, Other]);
        assert_eq!(ResubmitRequested.next(), &[NotAccepted, Other]);
        assert_eq!(Resubmitted.next(), &[Accepted, ResubmitRequested, NotAccepted, RejectedDocuments]);
        assert_eq!(Hired.next(), &[Other]);
        for last in [RejectedDocuments, RejectedInterview, Other, Draft] {
            assert!(last.next().is_empty(), "{last:?}");
        }
    }

    #[test]
    fn nobody_but_the_system_sets_resubmitted_or_applied() {
        for s in std::iter::once(Draft).chain(ALL) {
            assert!(!s.next().contains(&Resubmitted), "{s:?}");
            assert!(!s.next().contains(&Applied), "{s:?}");
            assert!(!s.next().contains(&s), "{s:?} to itself");
        }
    }

    #[test]
    fn the_institution_can_set_exactly_what_the_table_reaches() {
        let mut reached: Vec<Status> = ALL.iter().flat_map(|s| s.next().iter().copied()).collect();
        reached.sort();
        reached.dedup();
        let mut settable = SETTABLE.to_vec();
        settable.sort();
        assert_eq!(reached, settable);
    }

    #[test]
    fn the_applicant_may_withdraw_until_a_final_status() {
        let may: Vec<Status> = ALL.into_iter().filter(|s| s.seeker_may_withdraw()).collect();
        assert_eq!(may, vec![Applied, NotAccepted, Accepted, ResubmitRequested, Hired]);
        assert!(!Draft.seeker_may_withdraw());
    }

    #[test]
    fn only_resubmit_requested_takes_a_new_document() {
        let takes: Vec<Status> = ALL.into_iter().filter(|s| s.takes_new_document()).collect();
        assert_eq!(takes, vec![ResubmitRequested]);
    }

    #[test]
    fn a_rejection_may_be_taken_back_within_seven_days_only() {
        let at = 1_800_000_000;
        let day = 86_400;
        assert_eq!(institution_may_set(RejectedDocuments, Some(Accepted), at, at + 7 * day - 1), vec![Accepted]);
        assert!(institution_may_set(RejectedDocuments, Some(Accepted), at, at + 7 * day).is_empty());
        assert_eq!(institution_may_set(RejectedInterview, Some(Accepted), at, at), vec![Accepted]);
        // Not for the other final statuses, and never back to a draft.
        assert!(institution_may_set(Other, Some(Accepted), at, at).is_empty());
        assert!(institution_may_set(RejectedDocuments, Some(Draft), at, at).is_empty());
        assert!(institution_may_set(RejectedDocuments, None, at, at).is_empty());
        // Elsewhere the table alone.
        assert_eq!(institution_may_set(Hired, Some(Accepted), at, at), vec![Other]);
    }
}
