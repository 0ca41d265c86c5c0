//! A posting's lifecycle (jrec-in spec §1.3). The state is not stored: it follows from the
//! review state (`madoguchi_core::review`), the publication times (§0.3) and the 募集終了日 at
//! `now`, so that 公開待ち → 公開中 → 募集終了 happen to the second with no job running. The
//! institution's actions are allowed or refused here, with the manual's words [M-J].

use crate::store::Posting;
use chrono::NaiveDate;
use madoguchi_core::publication;
use madoguchi_core::review::ReviewState;

/// What the module stores about a posting, from which its state follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts {
    /// The review item's state; None while the posting was never submitted.
    pub review: Option<ReviewState>,
    /// Whether an approved version exists (then a submission is a revision, 修正).
    pub has_approved: bool,
    /// Whether the institution has an unsent revision draft (修正・一時保存).
    pub revision_draft: bool,
    pub publish_at: Option<i64>,
    pub unpublish_at: Option<i64>,
    /// The approved version's 募集終了日.
    pub end_date: Option<NaiveDate>,
}

impl Facts {
    /// The facts of a stored posting at `now`: its review state, whether a version was
    /// approved, an open revision draft, its publication times and the 募集終了日 in force
    /// (a revision's once its 反映 time has come).
    pub fn of(
        posting: &Posting,
        review: Option<ReviewState>,
        has_approved: bool,
        revision_draft: bool,
        now: i64,
    ) -> Facts {
        Facts {
            review,
            has_approved,
            revision_draft,
            publish_at: posting.publish_at,
            unpublish_at: posting.unpublish_at,
            end_date: posting.public().end_date_at(now),
        }
    }
}

/// The states of §1.3, labels in `posting.state.<as_str>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PostingState {
    /// 「一時保存」
    Draft,
    /// 「登録依頼中」
    Requested,
    /// 「差戻し」 (Choice)
    Returned,
    /// 「公開待ち」 (Choice): approved, 反映 time ahead.
    Scheduled,
    /// 「公開中」
    Published,
    /// 「修正・一時保存」: a revision being edited (or returned) while the approved version stays.
    RevisionDraft,
    /// 「修正依頼中」
    RevisionRequested,
    /// 「取り下げ済」
    Withdrawn,
    /// 「募集終了」
    Ended,
}

impl PostingState {
    pub const ALL: [PostingState; 9] = [
        PostingState::Draft,
        PostingState::Requested,
        PostingState::Returned,
        PostingState::Scheduled,
        PostingState::Published,
        PostingState::RevisionDraft,
        PostingState::RevisionRequested,
        PostingState::Withdrawn,
        PostingState::Ended,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PostingState::Draft => "draft",
            PostingState::Requested => "requested",
            PostingState::Returned => "returned",
            PostingState::Scheduled => "scheduled",
            PostingState::Published => "published",
            PostingState::RevisionDraft => "revision_draft",
            PostingState::RevisionRequested => "revision_requested",
            PostingState::Withdrawn => "withdrawn",
            PostingState::Ended => "ended",
        }
    }

    pub fn label_key(self) -> String {
        format!("posting.state.{}", self.as_str())
    }

    /// The state at `now`. Withdrawal first (a 取り下げ of a scheduled posting cancels it at
    /// once: it never reaches its 反映 time), then an open revision (the institution's lists
    /// show it as 修正依頼中 or 修正・一時保存 although the approved version is still public),
    /// then the end date, then the publication time.
    pub fn of(facts: &Facts, now: i64) -> PostingState {
        let withdrawn_now =
            facts.unpublish_at.is_some_and(|until| now >= until || facts.publish_at.is_none_or(|from| from >= until));
        if facts.review == Some(ReviewState::Withdrawn) || withdrawn_now {
            return PostingState::Withdrawn;
        }
        if !facts.has_approved {
            return match facts.review {
                Some(ReviewState::UnderReview) => PostingState::Requested,
                Some(ReviewState::Returned) => PostingState::Returned,
                _ => PostingState::Draft,
            };
        }
        match facts.review {
            Some(ReviewState::UnderReview) => return PostingState::RevisionRequested,
            Some(ReviewState::Returned) => return PostingState::RevisionDraft,
            _ if facts.revision_draft => return PostingState::RevisionDraft,
            _ => {}
        }
        if facts.end_date.is_some_and(|end| publication::has_ended(end, now)) {
            return PostingState::Ended;
        }
        match facts.publish_at {
            Some(from) if now < from => PostingState::Scheduled,
            Some(_) => PostingState::Published,
            // Approved without a publication time: not yet scheduled by the module.
            None => PostingState::Scheduled,
        }
    }
}

/// What the institution asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Open the input form of the draft (or the returned posting) and save it.
    Edit,
    /// 「登録依頼」 from the confirmation screen.
    RequestRegistration,
    /// Delete a draft that never was public (Choice, rule 11).
    Delete,
    /// 「修正・一時保存」: start or continue a revision of a registered posting.
    Revise,
    /// 「修正依頼」 of the revision.
    RequestRevision,
    /// 「取り下げ」.
    Withdraw,
}

/// Why the institution may not; each has the manual's words where it has any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 「修正依頼中または公募終了から2週間を経過したものは修正できません。」 [M-J]
    #[error("under a revision request, or more than two weeks after the end")]
    NoRevision,
    /// The manual's instruction while 登録依頼中 or 修正依頼中: contact the 事務局 [M-J].
    #[error("under request: only the 事務局 may change or withdraw it")]
    UnderRequest,
    #[error("the posting was withdrawn")]
    Withdrawn,
    #[error("not in this state")]
    NotAllowed,
}

impl Refusal {
    pub fn message_key(self) -> &'static str {
        match self {
            Refusal::NoRevision => "posting.refused.no_revision",
            Refusal::UnderRequest => "posting.refused.under_request",
            Refusal::Withdrawn => "posting.refused.withdrawn",
            Refusal::NotAllowed => "posting.refused.not_allowed",
        }
    }
}

/// Whether the institution may take `action` on a posting with `facts` at `now`.
pub fn may(action: Action, facts: &Facts, now: i64) -> Result<(), Refusal> {
    use PostingState as S;
    let state = PostingState::of(facts, now);
    let window_open = facts.end_date.is_none_or(|end| publication::may_revise(end, now));
    // A 取り下げ pressed today leaves the posting public until 22:00, but nothing more may be
    // done with it: no revision, no second withdrawal.
    if facts.unpublish_at.is_some() {
        return Err(Refusal::Withdrawn);
    }
    let running = facts.end_date.is_none_or(|end| !publication::has_ended(end, now));
    match (action, state) {
        (_, S::Withdrawn) => Err(Refusal::Withdrawn),
        // An unsent (or returned) revision does not stop a 取り下げ of what is public.
        (Action::Withdraw, S::RevisionDraft) if running => Ok(()),
        (Action::Edit, S::Draft | S::Returned) => Ok(()),
        (Action::Edit | Action::RequestRevision | Action::Revise, S::RevisionDraft) if window_open => Ok(()),
        (Action::Edit | Action::RequestRevision | Action::Revise, S::RevisionDraft) => Err(Refusal::NoRevision),
        (Action::RequestRegistration | Action::Delete, S::Draft | S::Returned) => Ok(()),
        (Action::Revise, S::Scheduled | S::Published | S::Ended) if window_open => Ok(()),
        (Action::Revise, S::Scheduled | S::Published | S::Ended | S::RevisionRequested) => Err(Refusal::NoRevision),
        (Action::Withdraw, S::Scheduled | S::Published) => Ok(()),
        (_, S::Requested | S::RevisionRequested) => Err(Refusal::UnderRequest),
        _ => Err(Refusal::NotAllowed),
    }
}

/// The new 募集終了日 of a revision under review that ends the posting early — on or before
/// the approval day, `now` (§1.3 rule 9: 「募集終了日を依頼日以前に変更する修正依頼」) — else None.
///
/// **Decision**: such a revision is approved without a 反映日 and takes effect at the approval
/// itself, not at 22:00 or the next 0:00: the institution has stopped recruiting, and every
/// further hour shown as open invites applications it will not read (the original's
/// 「翌営業日以降」 was its nightly batch). From then the posting is 募集終了 — at once when the
/// new date is past, at the end of the day when it is today — and follows rule 10 like any
/// ended posting (found with 「募集期間終了を含める」, its page with the ended banner).
pub fn ending_revision(item: &madoguchi_store::review::Item, now: i64) -> Option<NaiveDate> {
    if item.state != ReviewState::UnderReview || item.approved_snapshot.is_none() {
        return None;
    }
    let pending = serde_json::from_str::<serde_json::Value>(item.pending_snapshot.as_deref()?).ok()?;
    let end = crate::fields::date(pending.get("end_date")?.as_str()?)?;
    let today = publication::jst_date(now)?;
    (end <= today).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use madoguchi_core::clock::JST;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
        JST.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap().timestamp()
    }

    fn end() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 10).unwrap()
    }

    /// Approved on 11-24 at 10:00 with 反映日 the same day: public from 22:00.
    fn approved() -> Facts {
        Facts {
            review: Some(ReviewState::Approved),
            has_approved: true,
            publish_at: Some(at(2026, 11, 24, 22, 0, 0)),
            end_date: Some(end()),
            ..Facts::default()
        }
    }

    #[test]
    fn the_state_follows_review_and_time() {
        let now = at(2026, 11, 24, 10, 0, 0);
        assert_eq!(PostingState::of(&Facts::default(), now), PostingState::Draft);
        let requested = Facts { review: Some(ReviewState::UnderReview), ..Facts::default() };
        assert_eq!(PostingState::of(&requested, now), PostingState::Requested);
        let returned = Facts { review: Some(ReviewState::Returned), ..Facts::default() };
        assert_eq!(PostingState::of(&returned, now), PostingState::Returned);
        let a = approved();
        assert_eq!(PostingState::of(&a, at(2026, 11, 24, 21, 59, 59)), PostingState::Scheduled);
        assert_eq!(PostingState::of(&a, at(2026, 11, 24, 22, 0, 0)), PostingState::Published);
        assert_eq!(PostingState::of(&a, at(2026, 12, 10, 23, 59, 59)), PostingState::Published);
        assert_eq!(PostingState::of(&a, at(2026, 12, 11, 0, 0, 0)), PostingState::Ended);
        let revising = Facts { revision_draft: true, ..approved() };
        assert_eq!(PostingState::of(&revising, at(2026, 11, 25, 9, 0, 0)), PostingState::RevisionDraft);
        let revision_requested = Facts { review: Some(ReviewState::UnderReview), ..approved() };
        assert_eq!(PostingState::of(&revision_requested, now), PostingState::RevisionRequested);
        let revision_returned = Facts { review: Some(ReviewState::Returned), ..approved() };
        assert_eq!(PostingState::of(&revision_returned, now), PostingState::RevisionDraft);
        // 取り下げ at 15:00 on 11-30: public until 21:59:59, withdrawn from 22:00.
        let withdrawing = Facts { unpublish_at: Some(at(2026, 11, 30, 22, 0, 0)), ..approved() };
        assert_eq!(PostingState::of(&withdrawing, at(2026, 11, 30, 21, 59, 59)), PostingState::Published);
        assert_eq!(PostingState::of(&withdrawing, at(2026, 11, 30, 22, 0, 0)), PostingState::Withdrawn);
        // A scheduled posting withdrawn before its 反映 is cancelled at once.
        let cancelled = Facts { unpublish_at: Some(at(2026, 11, 24, 22, 0, 0)), ..approved() };
        assert_eq!(PostingState::of(&cancelled, at(2026, 11, 24, 15, 0, 0)), PostingState::Withdrawn);
        let by_operator = Facts { review: Some(ReviewState::Withdrawn), ..approved() };
        assert_eq!(PostingState::of(&by_operator, now), PostingState::Withdrawn);
        for s in PostingState::ALL {
            assert!(s.label_key().starts_with("posting.state."));
        }
    }

    #[test]
    fn the_manuals_refusals() {
        let now = at(2026, 11, 24, 10, 0, 0);
        let draft = Facts::default();
        assert_eq!(may(Action::Edit, &draft, now), Ok(()));
        assert_eq!(may(Action::RequestRegistration, &draft, now), Ok(()));
        assert_eq!(may(Action::Delete, &draft, now), Ok(()));
        assert_eq!(may(Action::Withdraw, &draft, now), Err(Refusal::NotAllowed));
        let requested = Facts { review: Some(ReviewState::UnderReview), ..Facts::default() };
        assert_eq!(may(Action::Edit, &requested, now), Err(Refusal::UnderRequest));
        assert_eq!(may(Action::Withdraw, &requested, now), Err(Refusal::UnderRequest));
        let published_at = at(2026, 11, 25, 9, 0, 0);
        assert_eq!(may(Action::Revise, &approved(), published_at), Ok(()));
        assert_eq!(may(Action::Withdraw, &approved(), published_at), Ok(()));
        assert_eq!(may(Action::Delete, &approved(), published_at), Err(Refusal::NotAllowed), "it was public");
        let revision_requested = Facts { review: Some(ReviewState::UnderReview), ..approved() };
        assert_eq!(may(Action::Revise, &revision_requested, published_at), Err(Refusal::NoRevision));
        assert_eq!(may(Action::Withdraw, &revision_requested, published_at), Err(Refusal::UnderRequest));
        // Ended on 12-10: 修正 until 12-24, refused from 12-25.
        assert_eq!(may(Action::Revise, &approved(), at(2026, 12, 24, 23, 59, 59)), Ok(()));
        assert_eq!(may(Action::Revise, &approved(), at(2026, 12, 25, 0, 0, 0)), Err(Refusal::NoRevision));
        assert_eq!(may(Action::Withdraw, &approved(), at(2026, 12, 11, 0, 0, 0)), Err(Refusal::NotAllowed));
        let revising = Facts { revision_draft: true, ..approved() };
        assert_eq!(may(Action::RequestRevision, &revising, published_at), Ok(()));
        assert_eq!(may(Action::RequestRevision, &revising, at(2026, 12, 25, 0, 0, 0)), Err(Refusal::NoRevision));
        let gone = Facts { review: Some(ReviewState::Withdrawn), ..approved() };
        assert_eq!(may(Action::Revise, &gone, published_at), Err(Refusal::Withdrawn));
        assert_eq!(Refusal::NoRevision.message_key(), "posting.refused.no_revision");
        // A revision being edited does not stop a withdrawal; a withdrawal stops everything.
        assert_eq!(may(Action::Withdraw, &revising, published_at), Ok(()));
        assert_eq!(may(Action::Withdraw, &revising, at(2026, 12, 11, 0, 0, 0)), Err(Refusal::NotAllowed));
        let withdrawing = Facts { unpublish_at: Some(at(2026, 11, 25, 22, 0, 0)), ..approved() };
        assert_eq!(may(Action::Revise, &withdrawing, published_at), Err(Refusal::Withdrawn));
        assert_eq!(may(Action::Withdraw, &withdrawing, published_at), Err(Refusal::Withdrawn));
    }

    fn item(state: ReviewState, approved: bool, end_date: &str) -> madoguchi_store::review::Item {
        madoguchi_store::review::Item {
            id: 1,
            portal: "jrec-in".into(),
            organization_id: 1,
            kind: crate::KIND.into(),
            item_id: 1,
            state,
            revision: 2,
            pending_snapshot: Some(format!("{{\"end_date\":\"{end_date}\"}}")),
            approved_snapshot: approved.then(|| "{}".to_string()),
            approved_revision: approved.then_some(1),
            effective_at: None,
            submitted_at: 0,
            last_seq: 3,
            updated_at: 0,
        }
    }

    /// §1.3 rule 9: a 修正依頼 whose 募集終了日 is on or before the approval day ends the posting.
    #[test]
    fn a_revision_ending_on_or_before_the_approval_day_ends_the_posting() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d);
        let revision = item(ReviewState::UnderReview, true, "2026-11-25");
        assert_eq!(ending_revision(&revision, at(2026, 11, 24, 23, 59, 59)), None, "tomorrow: an ordinary revision");
        assert_eq!(ending_revision(&revision, at(2026, 11, 25, 0, 0, 0)), day(25), "the approval day");
        assert_eq!(ending_revision(&revision, at(2026, 11, 26, 10, 0, 0)), day(25), "past");
        // Only a revision under review: never a new posting, nor a decided item.
        assert_eq!(
            ending_revision(&item(ReviewState::UnderReview, false, "2026-11-25"), at(2026, 11, 26, 0, 0, 0)),
            None
        );
        assert_eq!(ending_revision(&item(ReviewState::Returned, true, "2026-11-25"), at(2026, 11, 26, 0, 0, 0)), None);
        assert_eq!(ending_revision(&item(ReviewState::UnderReview, true, "来月"), at(2026, 11, 26, 0, 0, 0)), None);
    }
}
