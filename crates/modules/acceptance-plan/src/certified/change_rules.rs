//! The 変更申請's editing rules (mlit-plan.md §4.5 item 1; [ML-jac0504]), in one place so that
//! every way a section reaches the change's draft locks the same fields: the plan's forms
//! (`pages::save`, `pages::show`) and the section posted after the idle logout (`restore`).
//!
//! - [`Loaded::changing`] and friends: whether the organization is writing a change now, and
//!   the certified version it is written against.
//! - [`editable_in_change`]: a Part's field when a 変更申請 case covers it, an added worker's
//!   every field; an existing worker's none (the form shows the rest locked).
//! - [`lock`]: what a posted section of a change may store — the certified value put back in
//!   every locked field (a forged post changes nothing), an existing worker's block refused when
//!   it differs (a lowered 報酬月額 is applied for as a new worker).

use crate::change_application::{self, ChangeError};
use crate::form::{PlanForm, Values};
use crate::pages::{Loaded, Target};
use crate::state::PlanState;
use madoguchi_core::review::ReviewState;
use madoguchi_web::ctx::Ctx;
use madoguchi_web::forms::FieldErrors;

impl Loaded {
    /// The certified version, once 認定済 (what is in force while a 変更申請 is pending).
    pub(crate) fn certified(&self) -> Option<PlanForm> {
        match &self.item {
            Some(i) if self.state == PlanState::Certified => Some(crate::report_pages::certified_form(i)),
            _ => None,
        }
    }

    /// A 変更申請 the organization is writing (its draft of the certified plan) or correcting
    /// (the office returned it): the plan's forms edit the change, the certified version stays.
    pub(crate) fn changing(&self) -> bool {
        self.state == PlanState::Certified
            && (self.draft.is_some() || self.item.as_ref().is_some_and(|i| i.state == ReviewState::Returned))
    }

    /// The certified version a change is written against, while one is being written.
    pub(crate) fn change_basis(&self) -> Option<PlanForm> {
        if self.changing() { self.certified() } else { None }
    }

    /// The files of the certified version (none before 認定): a 変更申請 keeps them.
    pub(crate) fn certified_files(&self) -> Vec<i64> {
        match &self.item {
            Some(i) if self.state == PlanState::Certified => {
                crate::submitted::Submitted::parse(i.approved_snapshot.as_deref().unwrap_or("{}"))
                    .files
                    .iter()
                    .map(|f| f.file_id)
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// A 変更申請 waiting on the office's decision.
    pub(crate) fn change_pending(&self) -> bool {
        self.state == PlanState::Certified && self.item.as_ref().is_some_and(|i| i.state == ReviewState::UnderReview)
    }

    /// Whether the organization edits the plan now: the plan itself (未登録, 補正中, 不認定) or
    /// its 変更申請.
    pub(crate) fn may_edit(&self) -> bool {
        self.state.organization_may_edit() || self.changing()
    }
}

/// In a 変更申請, whether `target`'s field `name` may change: a Part's field when a 変更申請 case
/// covers it, an added worker's every field; an existing worker's none.
pub(crate) fn editable_in_change(certified: &PlanForm, target: Target, name: &str) -> bool {
    match target {
        Target::Part(_) => change_application::needs_application(name),
        Target::Worker(k) => certified.worker(k).is_none(),
    }
}

/// What a change's posted section may do with the draft.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Locked {
    /// Store the section (its locked fields now the certified values).
    Store,
    /// An existing worker's block posted unchanged (its fields are locked): nothing to store.
    Nothing,
    /// An existing worker's block changed: refused, nothing stored.
    Refused(Vec<ChangeError>),
}

/// A 変更申請's section `target` as `typed` (taken from `pairs`): a Part keeps the certified
/// value of every field no case covers (they are shown locked and not posted; a forged post
/// changes nothing either); an added worker is stored as typed; an existing worker's block is
/// nothing to store when posted unchanged, else refused by the rules — a lowered 報酬月額 must
/// be applied for as a new worker, any other change of the list is refused.
pub(crate) fn lock(certified: &PlanForm, target: Target, typed: &mut Values, pairs: &[(String, String)]) -> Locked {
    match target {
        Target::Part(section) => {
            for field in section.fields() {
                if change_application::needs_application(field.name) {
                    continue;
                }
                match certified.fields.get(field.name) {
                    Some(v) => typed.insert(field.name.to_string(), v.clone()),
                    None => typed.remove(field.name),
                };
            }
            Locked::Store
        }
        Target::Worker(key) if certified.worker(key).is_none() => Locked::Store,
        Target::Worker(key) => {
            if !target.section().fields().any(|f| pairs.iter().any(|(k, _)| k == f.name)) {
                return Locked::Nothing;
            }
            let mut proposed = certified.clone();
            if let Some(w) = proposed.workers.iter_mut().find(|w| w.key == key) {
                w.fields = typed.clone();
            }
            let refused: Vec<ChangeError> = change_application::check(certified, &proposed, &[])
                .into_iter()
                .filter(|e| {
                    matches!(e, ChangeError::PayLowered { worker } | ChangeError::WorkerChanged { worker } if *worker == key)
                })
                .collect();
            if refused.is_empty() { Locked::Nothing } else { Locked::Refused(refused) }
        }
    }
}

/// A refusal of [`lock`] beside its field: the 報酬月額 for a lowered pay, the form for the rest.
pub(crate) fn field_errors(ctx: &Ctx, refused: &[ChangeError]) -> FieldErrors {
    let mut errors = FieldErrors::default();
    for e in refused {
        let field = if matches!(e, ChangeError::PayLowered { .. }) { "monthly_pay" } else { "" };
        errors.add(field, ctx.t.get(e.message_key()));
    }
    errors
}

/// The refusal a restored post names in the form's address (`?refused=`), and back: the form
/// opened after the login shows why the typed block was not stored.
pub(crate) fn refusal_code(refused: &[ChangeError]) -> &'static str {
    if refused.iter().any(|e| matches!(e, ChangeError::PayLowered { .. })) { "pay_lowered" } else { "worker_changed" }
}

/// The refusal of a `?refused=` code, for the worker `key` (unknown codes show nothing).
pub(crate) fn refusal_of(code: &str, key: u32) -> Option<ChangeError> {
    match code {
        "pay_lowered" => Some(ChangeError::PayLowered { worker: key }),
        "worker_changed" => Some(ChangeError::WorkerChanged { worker: key }),
        _ => None,
    }
}
