//! The plan's states (mlit-plan.md §4.4) and the three menus of [M-M] §6.1.
//!
//! - 未登録: no plan, or only a draft → the menu 「新規申請」.
//! - 登録済（未認定）: 申請中 (under review) or 補正中 (returned for correction) → 「計画確認」;
//!   in 補正中 the plan can also be corrected and resubmitted (「補正」, an action on 計画確認).
//! - 認定済 → 「計画確認」「変更申請」「変更届出」「受入報告書」「退職報告書」 and the later procedures.
//! - 不認定 (the operator's refusal, with its reason): the plan is closed. **Decision**: the
//!   organization sees the 未登録 menu again (it may apply anew; the screen shows the reason),
//!   since the manual has no fourth menu.
//!
//! The review steps map to the platform's workflow (`madoguchi_core::review`): 申請 = submit,
//! 補正依頼 = return, 補正 = resubmit, 認定 = approve, 不認定 = reject; a new 申請 after 不認定 is
//! the workflow's resubmit of the same item (a new round).

use madoguchi_core::review::{ReviewAction, ReviewState};
use serde::Deserialize;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanState {
    /// 未登録 (no plan, or only a draft).
    Unregistered,
    /// 申請中.
    Applied,
    /// 補正中.
    InCorrection,
    /// 認定済.
    Certified,
    /// 不認定.
    Rejected,
}

/// What moves a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanAction {
    /// 「申請」 (organization).
    Apply,
    /// 「補正依頼」 (operator, comments required).
    RequestCorrection,
    /// 「補正」 resubmitted (organization).
    Resubmit,
    /// 「認定」 (operator): 認定番号 and 認定日.
    Certify,
    /// 「不認定」 (operator, reason required).
    Reject,
}

/// The three menus of [M-M] §6.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MenuGroup {
    Unregistered,
    Registered,
    Certified,
}

impl PlanState {
    pub const ALL: [PlanState; 5] = [
        PlanState::Unregistered,
        PlanState::Applied,
        PlanState::InCorrection,
        PlanState::Certified,
        PlanState::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlanState::Unregistered => "unregistered",
            PlanState::Applied => "applied",
            PlanState::InCorrection => "in_correction",
            PlanState::Certified => "certified",
            PlanState::Rejected => "rejected",
        }
    }

    /// The page text (`plan.state.<state>`: 未登録, 申請中, 補正中, 認定済, 不認定).
    pub fn label_key(self) -> String {
        format!("plan.state.{}", self.as_str())
    }

    /// The state after `action`, or None when the action is not allowed in this state. After
    /// 認定 the plan stays 認定済: its changes are the procedures of §4.5 (変更申請 is reviewed
    /// as a revision while the certified version stays in force), not these steps.
    pub fn after(self, action: PlanAction) -> Option<PlanState> {
        use PlanAction as A;
        use PlanState as S;
        match (self, action) {
            (S::Unregistered | S::Rejected, A::Apply) => Some(S::Applied),
            (S::Applied, A::RequestCorrection) => Some(S::InCorrection),
            (S::InCorrection, A::Resubmit) => Some(S::Applied),
            (S::Applied, A::Certify) => Some(S::Certified),
            (S::Applied, A::Reject) => Some(S::Rejected),
            _ => None,
        }
    }

    /// The menu shown in this state.
    pub fn menu_group(self) -> MenuGroup {
        match self {
            PlanState::Unregistered | PlanState::Rejected => MenuGroup::Unregistered,
            PlanState::Applied | PlanState::InCorrection => MenuGroup::Registered,
            PlanState::Certified => MenuGroup::Certified,
        }
    }

    /// Whether the organization may edit the plan itself (the draft, or in 補正中).
    pub fn organization_may_edit(self) -> bool {
        matches!(self, PlanState::Unregistered | PlanState::InCorrection | PlanState::Rejected)
    }

    /// The state of a first plan from the platform's review state (None: never submitted).
    /// A revision under review after 認定 is a 変更申請: the plan stays 認定済 (`certified`
    /// says whether a version was ever approved).
    pub fn from_review(review: Option<ReviewState>, certified: bool) -> PlanState {
        match (review, certified) {
            (_, true) => PlanState::Certified,
            (None | Some(ReviewState::Withdrawn), false) => PlanState::Unregistered,
            (Some(ReviewState::UnderReview), false) => PlanState::Applied,
            (Some(ReviewState::Returned), false) => PlanState::InCorrection,
            (Some(ReviewState::Approved), false) => PlanState::Certified,
            (Some(ReviewState::Rejected), false) => PlanState::Rejected,
        }
    }
}

impl PlanAction {
    /// The platform workflow's step for this action (a new 申請 after 不認定 is a resubmit).
    pub fn review_action(self) -> Option<ReviewAction> {
        match self {
            PlanAction::Apply => Some(ReviewAction::Submit),
            PlanAction::RequestCorrection => Some(ReviewAction::Return),
            PlanAction::Resubmit => Some(ReviewAction::Resubmit),
            PlanAction::Certify => Some(ReviewAction::Approve),
            PlanAction::Reject => Some(ReviewAction::Reject),
        }
    }

    /// Whether the step needs a written reason (補正依頼's comments, 不認定's reason).
    pub fn needs_reason(self) -> bool {
        matches!(self, PlanAction::RequestCorrection | PlanAction::Reject)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Text {
    pub ja: String,
    pub en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MenuItem {
    /// The screen's key (the route is the screens' business).
    pub key: String,
    pub ja: String,
    pub en: String,
    /// False: listed as 「準備中」 (a procedure of a later milestone).
    #[serde(default = "yes")]
    pub available: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Menu {
    pub group: MenuGroup,
    pub heading: Text,
    pub items: Vec<MenuItem>,
}

#[derive(Deserialize)]
struct MenuFile {
    menu: Vec<Menu>,
}

static MENUS: LazyLock<Result<Vec<Menu>, String>> = LazyLock::new(|| {
    toml::from_str::<MenuFile>(include_str!("../../../../presets/data/mlit-fwms/menus.toml"))
        .map(|f| f.menu)
        .map_err(|e| format!("menus.toml: {e}"))
});

/// The menu of a state; None only if the embedded data were broken (this crate's tests load it).
pub fn menu(state: PlanState) -> Option<&'static Menu> {
    let group = state.menu_group();
    MENUS.as_ref().ok()?.iter().find(|m| m.group == group)
}

#[cfg(test)]
mod tests {
    use super::*;
    use PlanAction as A;
    use PlanState as S;

    fn labels(state: PlanState) -> Vec<&'static str> {
        menu(state).expect("menu").items.iter().filter(|i| i.available).map(|i| i.ja.as_str()).collect()
    }

    #[test]
    fn the_three_menus() {
        MENUS.as_ref().expect("menus.toml");
        assert_eq!(labels(S::Unregistered), ["新規申請"]);
        assert_eq!(labels(S::Applied), ["計画確認"]);
        assert_eq!(labels(S::InCorrection), ["計画確認"]);
        assert_eq!(labels(S::Certified), ["計画確認", "変更申請", "変更届出", "受入報告書", "退職報告書"]);
        assert_eq!(menu(S::Certified).expect("menu").items.len(), 10);
        assert_eq!(labels(S::Rejected), ["新規申請"]);
        assert_eq!(menu(S::Applied).expect("menu").heading.ja, "建設特定技能受入計画が登録された（未認定）場合");
    }

    #[test]
    fn transitions() {
        assert_eq!(S::Unregistered.after(A::Apply), Some(S::Applied));
        assert_eq!(S::Applied.after(A::RequestCorrection), Some(S::InCorrection));
        assert_eq!(S::InCorrection.after(A::Resubmit), Some(S::Applied));
        assert_eq!(S::Applied.after(A::Certify), Some(S::Certified));
        assert_eq!(S::Applied.after(A::Reject), Some(S::Rejected));
        assert_eq!(S::Rejected.after(A::Apply), Some(S::Applied));
        let allowed: usize = S::ALL
            .iter()
            .map(|s| {
                [A::Apply, A::RequestCorrection, A::Resubmit, A::Certify, A::Reject]
                    .iter()
                    .filter(|a| s.after(**a).is_some())
                    .count()
            })
            .sum();
        assert_eq!(allowed, 6, "nothing else moves a plan");
        assert_eq!(S::Certified.after(A::Apply), None);
        assert_eq!(S::InCorrection.after(A::Certify), None);
    }

    #[test]
    fn from_the_review_workflow() {
        assert_eq!(S::from_review(None, false), S::Unregistered);
        assert_eq!(S::from_review(Some(ReviewState::UnderReview), false), S::Applied);
        assert_eq!(S::from_review(Some(ReviewState::Returned), false), S::InCorrection);
        assert_eq!(S::from_review(Some(ReviewState::Approved), false), S::Certified);
        assert_eq!(S::from_review(Some(ReviewState::UnderReview), true), S::Certified);
        assert_eq!(S::from_review(Some(ReviewState::Rejected), false), S::Rejected);
        // The plan's own steps agree with the workflow's where both have them.
        for (state, review) in [
            (S::Unregistered, None),
            (S::Applied, Some(ReviewState::UnderReview)),
            (S::InCorrection, Some(ReviewState::Returned)),
        ] {
            for action in [A::Apply, A::RequestCorrection, A::Resubmit, A::Certify, A::Reject] {
                let Some(ra) = action.review_action() else { continue };
                let actor = if ra.by_operator() {
                    madoguchi_core::review::Actor::Operator(1)
                } else {
                    madoguchi_core::review::Actor::User(1)
                };
                let ours = state.after(action);
                let theirs = ReviewState::after(review, ra, actor).ok().map(|r| S::from_review(Some(r), false));
                assert_eq!(ours, theirs, "{state:?} {action:?}");
            }
        }
        assert!(A::Reject.needs_reason() && A::RequestCorrection.needs_reason() && !A::Certify.needs_reason());
    }
}
