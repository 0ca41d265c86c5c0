//! The review workflow (modules spec §0.2) as pure rules: which action an organization user or
//! an operator may take in which state, the return reason, the canned reasons per portal, and
//! the queue's age in business days. jrec-in postings (事務局), hellowork 求人 (安定所) and mlit
//! plans (地方整備局) share it; the SQL is `madoguchi_store::review`, which asks
//! [`ReviewState::after`] before every change and stores the answer in the same statement.
//!
//! - An item enters review by `submit` (the organization's 「登録依頼」/「完了」/「申請」); its
//!   snapshot is frozen in the history and the organization cannot edit it [M-J].
//! - The operator `approve`s (with the module's effective time), `return`s with a reason of
//!   1–2,000 characters (Choice) built from the portal's canned texts and free text, or edits
//!   the snapshot (`operator_edit`, before and after kept, so the organization sees a diff).
//! - A returned item is edited in place and `resubmit`ted; so is a revision of an approved one
//!   (the approved version stays current until the revision is approved). [`diff`] compares a
//!   resubmission with the current approved version.
//! - `withdraw_request`: the operator withdraws on the organization's request, in the states
//!   the organization cannot touch itself [M-J].
//! - `reject`: the operator refuses the item under review with a reason (mlit's 不認定). The
//!   item is closed but not gone: its snapshot stays as it was refused, and the organization
//!   may edit it in place and `resubmit` it as a new round (python.org's "resubmit as new"
//!   confused its users [PY-713]); an approved version, if any, stays current.

pub mod diff;

use crate::calendar::BusinessCalendar;
use crate::publication::jst_date;
use chrono::Days;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The longest return (and withdrawal) reason, in characters (Choice, §0.2).
pub const REASON_MAX_CHARS: usize = 2_000;
/// The queue shows the items submitted within this many days unless asked for more (§0.2,
/// python.org needed exactly that filter [PY-657]).
pub const QUEUE_DEFAULT_DAYS: i64 = 120;
/// How far back [`age_in_business_days`] counts: far beyond any queue, bounded so that a
/// corrupt timestamp cannot make it loop for long.
const AGE_LIMIT_DAYS: u64 = 3_660;

/// Where an item stands in review. An item never submitted has no state (it is a draft).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewState {
    UnderReview,
    Returned,
    Approved,
    Withdrawn,
    /// Refused by the operator (`reject`, with a reason).
    Rejected,
}

impl ReviewState {
    pub const ALL: [ReviewState; 5] = [
        ReviewState::UnderReview,
        ReviewState::Returned,
        ReviewState::Approved,
        ReviewState::Withdrawn,
        ReviewState::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::UnderReview => "under_review",
            ReviewState::Returned => "returned",
            ReviewState::Approved => "approved",
            ReviewState::Withdrawn => "withdrawn",
            ReviewState::Rejected => "rejected",
        }
    }

    pub fn parse(raw: &str) -> Option<ReviewState> {
        ReviewState::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The page text's key (`review.state.<state>` in locales/).
    pub fn label_key(self) -> String {
        format!("review.state.{}", self.as_str())
    }

    /// The state after `action` by `actor`, or why it is refused. `current` is None for an
    /// item that was never submitted.
    pub fn after(current: Option<ReviewState>, action: ReviewAction, actor: Actor) -> Result<ReviewState, Refusal> {
        use ReviewAction as A;
        use ReviewState as S;
        if action.by_operator() != matches!(actor, Actor::Operator(_)) {
            return Err(Refusal::WrongActor);
        }
        match (current, action) {
            (None, A::Submit) => Ok(S::UnderReview),
            (Some(_), A::Submit) => Err(Refusal::AlreadySubmitted),
            (Some(S::Returned | S::Approved | S::Rejected), A::Resubmit) => Ok(S::UnderReview),
            (Some(S::UnderReview), A::Resubmit) => Err(Refusal::UnderReview),
            (Some(S::UnderReview), A::Approve) => Ok(S::Approved),
            (Some(S::UnderReview), A::Return) => Ok(S::Returned),
            (Some(S::UnderReview), A::Reject) => Ok(S::Rejected),
            (Some(s @ (S::UnderReview | S::Approved)), A::OperatorEdit) => Ok(s),
            (Some(S::UnderReview | S::Returned | S::Approved), A::WithdrawRequest) => Ok(S::Withdrawn),
            (Some(S::Withdrawn), _) => Err(Refusal::Withdrawn),
            (None, _) => Err(Refusal::NotSubmitted),
            (Some(_), _) => Err(Refusal::NotUnderReview),
        }
    }

    /// [`ReviewState::after`], plus what the step must carry: a reason where one is required, a
    /// snapshot where the step freezes one.
    pub fn check(
        current: Option<ReviewState>,
        action: ReviewAction,
        actor: Actor,
        reason: Option<&str>,
        snapshot: Option<&str>,
    ) -> Result<ReviewState, Refusal> {
        let next = ReviewState::after(current, action, actor)?;
        if action.reason_rule() == ReasonRule::Required && reason.is_none_or(|r| r.trim().is_empty()) {
            return Err(Refusal::ReasonRequired);
        }
        if action.carries_snapshot() && snapshot.is_none() {
            return Err(Refusal::SnapshotRequired);
        }
        Ok(next)
    }

    /// Whether the organization may edit the item itself (only while it is not frozen).
    pub fn organization_may_edit(state: Option<ReviewState>) -> bool {
        matches!(state, None | Some(ReviewState::Returned) | Some(ReviewState::Approved) | Some(ReviewState::Rejected))
    }
}

/// One step of an item's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewAction {
    Submit,
    Resubmit,
    Approve,
    Return,
    OperatorEdit,
    WithdrawRequest,
    /// The operator's refusal (不認定), reason required.
    Reject,
}

impl ReviewAction {
    pub const ALL: [ReviewAction; 7] = [
        ReviewAction::Submit,
        ReviewAction::Resubmit,
        ReviewAction::Approve,
        ReviewAction::Return,
        ReviewAction::OperatorEdit,
        ReviewAction::WithdrawRequest,
        ReviewAction::Reject,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewAction::Submit => "submit",
            ReviewAction::Resubmit => "resubmit",
            ReviewAction::Approve => "approve",
            ReviewAction::Return => "return",
            ReviewAction::OperatorEdit => "operator_edit",
            ReviewAction::WithdrawRequest => "withdraw_request",
            ReviewAction::Reject => "reject",
        }
    }

    pub fn parse(raw: &str) -> Option<ReviewAction> {
        ReviewAction::ALL.into_iter().find(|a| a.as_str() == raw)
    }

    /// Approve, return, edit and withdraw are the operator's; submit and resubmit the
    /// organization's.
    pub fn by_operator(self) -> bool {
        !matches!(self, ReviewAction::Submit | ReviewAction::Resubmit)
    }

    /// A return and a rejection need a reason (§0.2); a withdrawal may carry one, an approval
    /// may not.
    pub fn reason_rule(self) -> ReasonRule {
        match self {
            ReviewAction::Return | ReviewAction::Reject => ReasonRule::Required,
            ReviewAction::WithdrawRequest | ReviewAction::OperatorEdit => ReasonRule::Optional,
            _ => ReasonRule::None,
        }
    }

    /// Submissions and operator edits carry the snapshot the step leaves current.
    pub fn carries_snapshot(self) -> bool {
        matches!(self, ReviewAction::Submit | ReviewAction::Resubmit | ReviewAction::OperatorEdit)
    }

    /// The audit event of this step for a module's item kind, `<prefix>.<verb>`, e.g.
    /// `posting.submitted` (modules spec §6.2 lists posting.submitted / .approved / .returned /
    /// .withdrawn / .edited_by_operator; `.resubmitted` is this workflow's own).
    pub fn audit_event(self, prefix: &str) -> String {
        let verb = match self {
            ReviewAction::Submit => "submitted",
            ReviewAction::Resubmit => "resubmitted",
            ReviewAction::Approve => "approved",
            ReviewAction::Return => "returned",
            ReviewAction::OperatorEdit => "edited_by_operator",
            ReviewAction::WithdrawRequest => "withdrawn",
            ReviewAction::Reject => "rejected",
        };
        format!("{prefix}.{verb}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonRule {
    Required,
    Optional,
    None,
}

/// Who took a step: an organization user or an operator, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    User(i64),
    Operator(i64),
}

impl Actor {
    pub fn kind(self) -> &'static str {
        match self {
            Actor::User(_) => "user",
            Actor::Operator(_) => "operator",
        }
    }

    pub fn id(self) -> i64 {
        match self {
            Actor::User(id) | Actor::Operator(id) => id,
        }
    }

    pub fn from_parts(kind: &str, id: i64) -> Option<Actor> {
        match kind {
            "user" => Some(Actor::User(id)),
            "operator" => Some(Actor::Operator(id)),
            _ => None,
        }
    }
}

/// Why a step is refused; each has its page text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the item is under review")]
    UnderReview,
    #[error("the item is not under review")]
    NotUnderReview,
    #[error("the item was never submitted")]
    NotSubmitted,
    #[error("the item was already submitted")]
    AlreadySubmitted,
    #[error("the item was withdrawn")]
    Withdrawn,
    #[error("this step is not for this kind of actor")]
    WrongActor,
    /// Another step was recorded since the page was read (the store's conditional update).
    #[error("the item changed meanwhile")]
    Conflict,
    /// A return without its reason (the screen checks it first with [`reason`]).
    #[error("the step needs a reason")]
    ReasonRequired,
    /// A submission or edit without the snapshot it freezes.
    #[error("the step needs a snapshot")]
    SnapshotRequired,
}

impl Refusal {
    pub fn message_key(self) -> &'static str {
        match self {
            Refusal::UnderReview => "review.refused.under_review",
            Refusal::NotUnderReview => "review.refused.not_under_review",
            Refusal::NotSubmitted => "review.refused.not_submitted",
            Refusal::AlreadySubmitted => "review.refused.already_submitted",
            Refusal::Withdrawn => "review.refused.withdrawn",
            Refusal::WrongActor => "review.refused.wrong_actor",
            Refusal::Conflict => "review.refused.conflict",
            Refusal::ReasonRequired => "review.reason.required",
            Refusal::SnapshotRequired => "review.refused.snapshot_required",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReasonError {
    #[error("a reason is required")]
    Required,
    #[error("the reason is longer than {REASON_MAX_CHARS} characters")]
    TooLong,
    #[error("the canned reason is not one of the portal's")]
    UnknownCanned,
}

impl ReasonError {
    pub fn message_key(self) -> &'static str {
        match self {
            ReasonError::Required => "review.reason.required",
            ReasonError::TooLong => "review.reason.too_long",
            ReasonError::UnknownCanned => "review.reason.unknown_canned",
        }
    }
}

/// The reason of a step: the canned texts chosen (each must be one of `portal`'s) followed by
/// the free text, one per line, trimmed; at most [`REASON_MAX_CHARS`] characters. Returns None
/// when nothing was given and the rule allows that.
pub fn reason(rule: ReasonRule, portal: &str, canned: &[&str], free: &str) -> Result<Option<String>, ReasonError> {
    let known = canned_reasons(portal);
    if canned.iter().any(|c| !known.iter().any(|k| k == c)) {
        return Err(ReasonError::UnknownCanned);
    }
    let mut parts: Vec<&str> = canned.to_vec();
    let free = free.trim();
    if !free.is_empty() {
        parts.push(free);
    }
    let text = parts.join("\n");
    if text.chars().count() > REASON_MAX_CHARS {
        return Err(ReasonError::TooLong);
    }
    match (text.is_empty(), rule) {
        (true, ReasonRule::Required) => Err(ReasonError::Required),
        (true, _) | (false, ReasonRule::None) => Ok(None),
        (false, _) => Ok(Some(text)),
    }
}

/// The canned return reasons of every portal (`presets/data/review_reasons.toml`, Choice).
static CANNED: LazyLock<Result<BTreeMap<String, Vec<String>>, String>> =
    LazyLock::new(|| parse_canned(include_str!("../../../presets/data/review_reasons.toml")));

fn parse_canned(source: &str) -> Result<BTreeMap<String, Vec<String>>, String> {
    let doc: toml::Table = source.parse().map_err(|e| format!("review_reasons.toml: {e}"))?;
    let mut out = BTreeMap::new();
    for (portal, entry) in doc {
        let list = entry
            .get("reasons")
            .and_then(|r| r.as_array())
            .ok_or_else(|| format!("review_reasons.toml: [{portal}] needs `reasons`, a list of texts"))?;
        let mut reasons = Vec::new();
        for r in list {
            let text = r.as_str().map(str::trim).filter(|t| !t.is_empty());
            let text =
                text.ok_or_else(|| format!("review_reasons.toml: [{portal}] has an empty or non-text reason"))?;
            if text.chars().count() > REASON_MAX_CHARS {
                return Err(format!("review_reasons.toml: [{portal}] has a reason over {REASON_MAX_CHARS} characters"));
            }
            reasons.push(text.to_string());
        }
        out.insert(portal, reasons);
    }
    Ok(out)
}

/// Whether the embedded canned reasons are sound (the configuration check can report it).
pub fn check_canned_reasons() -> Result<(), String> {
    CANNED.as_ref().map(|_| ()).map_err(Clone::clone)
}

/// The canned return reasons of `portal`, in the order the operator sees them; none when the
/// portal has no list (the operator then types the reason).
pub fn canned_reasons(portal: &str) -> &'static [String] {
    match CANNED.as_ref() {
        Ok(all) => all.get(portal).map(Vec::as_slice).unwrap_or(&[]),
        Err(_) => &[],
    }
}

/// How long an item has waited, in business days of the portal's calendar: the business days
/// after the JST day of `since` up to and including today. An item submitted today is 0, one
/// submitted on Friday is 1 on Monday (Saturday and Sunday closed).
pub fn age_in_business_days(calendar: &BusinessCalendar<'_>, since: i64, now: i64) -> u32 {
    let (Some(from), Some(today)) = (jst_date(since), jst_date(now)) else {
        return 0;
    };
    let mut age = 0;
    let mut day = from;
    for _ in 0..AGE_LIMIT_DAYS {
        match day.checked_add_days(Days::new(1)) {
            Some(next) if next <= today => day = next,
            _ => break,
        }
        if calendar.is_business_day(day) {
            age += 1;
        }
    }
    age
}

/// The start of the queue's default window at `now`.
pub fn queue_default_since(now: i64) -> i64 {
    now - QUEUE_DEFAULT_DAYS * crate::rules::DAY
}

/// A queue's 「依頼日」 filter as its address gives it (`365`, `all`, anything else the default
/// 120 days): the value to show as chosen and the first second the queue takes.
pub fn queue_window(days: &str, now: i64) -> (&'static str, i64) {
    match days {
        "365" => ("365", now - 365 * crate::rules::DAY),
        "all" => ("all", 0),
        _ => ("120", queue_default_since(now)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_window_is_120_days_unless_the_address_says_365_or_all() {
        let now = 400 * crate::rules::DAY;
        assert_eq!(queue_window("", now), ("120", 280 * crate::rules::DAY));
        assert_eq!(queue_window("x", now), ("120", 280 * crate::rules::DAY));
        assert_eq!(queue_window("365", now), ("365", 35 * crate::rules::DAY));
        assert_eq!(queue_window("all", now), ("all", 0));
    }
    use crate::calendar::{ClosedDay, Overrides};
    use crate::clock::JST;
    use chrono::{TimeZone, Weekday};

    fn at(y: i32, mo: u32, d: u32, h: u32) -> i64 {
        JST.with_ymd_and_hms(y, mo, d, h, 0, 0).unwrap().timestamp()
    }

    #[test]
    fn the_steps_follow_the_table() {
        use ReviewAction as A;
        use ReviewState as S;
        let user = Actor::User(1);
        let op = Actor::Operator(2);
        assert_eq!(S::after(None, A::Submit, user), Ok(S::UnderReview));
        assert_eq!(S::after(Some(S::UnderReview), A::Approve, op), Ok(S::Approved));
        assert_eq!(S::after(Some(S::UnderReview), A::Return, op), Ok(S::Returned));
        assert_eq!(S::after(Some(S::Returned), A::Resubmit, user), Ok(S::UnderReview));
        assert_eq!(S::after(Some(S::Approved), A::Resubmit, user), Ok(S::UnderReview), "a revision");
        assert_eq!(S::after(Some(S::Approved), A::OperatorEdit, op), Ok(S::Approved));
        assert_eq!(S::after(Some(S::UnderReview), A::OperatorEdit, op), Ok(S::UnderReview));
        assert_eq!(S::after(Some(S::Returned), A::WithdrawRequest, op), Ok(S::Withdrawn));
        assert_eq!(S::after(Some(S::UnderReview), A::Reject, op), Ok(S::Rejected));
        assert_eq!(S::after(Some(S::Rejected), A::Resubmit, user), Ok(S::UnderReview), "a new round");
        assert_eq!(S::after(Some(S::Returned), A::Reject, op), Err(Refusal::NotUnderReview));
        assert_eq!(S::after(Some(S::Rejected), A::Approve, op), Err(Refusal::NotUnderReview));
        assert_eq!(S::after(Some(S::UnderReview), A::Reject, user), Err(Refusal::WrongActor));
        assert_eq!(S::check(Some(S::UnderReview), A::Reject, op, None, None), Err(Refusal::ReasonRequired));
        assert!(S::organization_may_edit(Some(S::Rejected)));
        assert_eq!(A::Reject.audit_event("plan"), "plan.rejected");
        // Refusals.
        assert_eq!(S::after(Some(S::UnderReview), A::Resubmit, user), Err(Refusal::UnderReview));
        assert_eq!(S::after(Some(S::Approved), A::Approve, op), Err(Refusal::NotUnderReview));
        assert_eq!(S::after(Some(S::Returned), A::OperatorEdit, op), Err(Refusal::NotUnderReview));
        assert_eq!(S::after(Some(S::Withdrawn), A::Resubmit, user), Err(Refusal::Withdrawn));
        assert_eq!(S::after(None, A::Approve, op), Err(Refusal::NotSubmitted));
        assert_eq!(S::after(Some(S::Approved), A::Submit, user), Err(Refusal::AlreadySubmitted));
        assert_eq!(S::after(Some(S::UnderReview), A::Approve, user), Err(Refusal::WrongActor));
        assert_eq!(S::after(None, A::Submit, op), Err(Refusal::WrongActor));
        assert_eq!(S::check(Some(S::UnderReview), A::Return, op, Some(" "), None), Err(Refusal::ReasonRequired));
        assert_eq!(S::check(Some(S::UnderReview), A::Return, op, Some("理由"), None), Ok(S::Returned));
        assert_eq!(S::check(None, A::Submit, user, None, None), Err(Refusal::SnapshotRequired));
        assert_eq!(S::check(None, A::Submit, user, None, Some("{}")), Ok(S::UnderReview));
        assert!(!S::organization_may_edit(Some(S::UnderReview)));
        assert!(S::organization_may_edit(Some(S::Returned)));
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        for a in A::ALL {
            assert_eq!(A::parse(a.as_str()), Some(a));
        }
        assert_eq!(A::OperatorEdit.audit_event("posting"), "posting.edited_by_operator");
    }

    #[test]
    fn a_return_needs_a_reason_of_at_most_2000_characters() {
        let canned = canned_reasons("jrec-in");
        assert!(canned.len() >= 3, "jrec-in has canned reasons");
        let first = canned[0].as_str();
        assert_eq!(reason(ReasonRule::Required, "jrec-in", &[], "  "), Err(ReasonError::Required));
        assert_eq!(
            reason(ReasonRule::Required, "jrec-in", &[], "給与の記載を確認してください。"),
            Ok(Some("給与の記載を確認してください。".into()))
        );
        assert_eq!(reason(ReasonRule::Required, "jrec-in", &[first], "給与欄"), Ok(Some(format!("{first}\n給与欄"))));
        assert_eq!(reason(ReasonRule::Required, "jrec-in", &["勝手な定型文"], "x"), Err(ReasonError::UnknownCanned));
        assert_eq!(
            reason(ReasonRule::Required, "jrec-in", &[], &"字".repeat(2_000)).map(|r| r.map(|t| t.chars().count())),
            Ok(Some(2_000))
        );
        assert_eq!(reason(ReasonRule::Required, "jrec-in", &[], &"字".repeat(2_001)), Err(ReasonError::TooLong));
        assert_eq!(reason(ReasonRule::Optional, "jrec-in", &[], ""), Ok(None));
        assert!(check_canned_reasons().is_ok());
        assert!(canned_reasons("no-such-portal").is_empty());
    }

    #[test]
    fn age_counts_business_days_after_the_submission_day() {
        let closed = [ClosedDay::Weekday(Weekday::Sat), ClosedDay::Weekday(Weekday::Sun), ClosedDay::Holiday];
        let overrides = Overrides::new([]);
        let cal = BusinessCalendar::new(&closed, &overrides);
        // Tuesday 2026-11-24.
        assert_eq!(age_in_business_days(&cal, at(2026, 11, 24, 10), at(2026, 11, 24, 23)), 0);
        assert_eq!(age_in_business_days(&cal, at(2026, 11, 24, 10), at(2026, 11, 25, 9)), 1);
        // Friday 11-27 to Monday 11-30: the weekend does not count.
        assert_eq!(age_in_business_days(&cal, at(2026, 11, 27, 17), at(2026, 11, 30, 9)), 1);
        // Saturday to Monday: Monday counts.
        assert_eq!(age_in_business_days(&cal, at(2026, 11, 28, 12), at(2026, 11, 30, 9)), 1);
        // Across 勤労感謝の日 (Monday 2026-11-23, a holiday): Friday 11-20 → Tuesday 11-24 is 1.
        assert_eq!(age_in_business_days(&cal, at(2026, 11, 20, 12), at(2026, 11, 24, 9)), 1);
        // A clock behind the submission (never negative).
        assert_eq!(age_in_business_days(&cal, at(2026, 11, 24, 10), at(2026, 11, 20, 9)), 0);
        assert_eq!(queue_default_since(at(2026, 11, 24, 10)), at(2026, 7, 27, 10));
    }
}
