//! The rules of a 変更申請 (mlit-plan.md §4.5 item 1; [ML-jac0504]): which items need one, and
//! what a proposed version may not do against the certified one. Pure functions on two
//! `PlanForm`s, used by the 変更申請's screens (`change_pages`, `pages`, `apply`).
//!
//! - [`CASES`]: §4.1's 変更申請 cases as data, each with the fields it covers.
//! - [`check`]: a proposal changes only those fields; an existing worker is not changed from the
//!   list (its 基本給 lowered is refused with the rule that it must be filed as a new worker; a
//!   worker is not removed); nothing changed is refused; the headcount cap counts the certified
//!   workers who have not left (`reports::headcount`, a 退職 worker no longer counts) plus the
//!   workers added.

use crate::form::{self, PlanForm};
use crate::reports;
use crate::rules::RuleError;

/// One 変更申請 case of [ML-jac0504] and the plan's fields it covers (Parts 1–5 by name; the
/// worker blocks are the case `workers`: adding a worker is the only change of the list).
pub struct Case {
    pub key: &'static str,
    pub fields: &'static [&'static str],
}

pub const CASES: [Case; 10] = [
    Case { key: "name_address", fields: &["name", "name_kana", "postal_code", "address"] },
    Case {
        key: "permit",
        fields: &[
            "permit_authority",
            "permit_kind",
            "permit_year",
            "permit_number",
            "permit_granted",
            "permit_expires",
            "permit_trades",
        ],
    },
    Case { key: "ccus_business", fields: &["ccus_business_id"] },
    Case { key: "association", fields: &["membership", "association", "member_number"] },
    Case { key: "fulltime", fields: &["fulltime"] },
    Case { key: "period", fields: &["period_start", "period_end"] },
    Case { key: "category", fields: &["categories"] },
    // 昇給の不利益変更 (Part 4's 昇給の考え方), 基本賃金の総額の減少 and 所定労働時間の増加 (the
    // comparator Part 4 names; a worker's own terms change only as a new worker).
    Case { key: "pay_terms", fields: &["raise_policy", "comparator", "comparator_monthly", "comparator_years"] },
    // 受入人数 (only with adding a worker) and 受入れる外国人に関する事項: the worker blocks.
    Case { key: "workers", fields: &[] },
    Case { key: "current_workers", fields: &["current_ssw", "current_construction", "current_trainees"] },
];

/// Whether a Part field is changed by 変更申請 (else by 変更届出, or not after 認定 at all).
pub fn needs_application(field: &str) -> bool {
    CASES.iter().any(|c| c.fields.contains(&field))
}

/// Why a proposed 変更申請 is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeError {
    /// Nothing differs from the certified version.
    Unchanged,
    /// A field that a 変更申請 does not change (a 変更届出 item, or one fixed after 認定).
    NotByApplication { field: String },
    /// An existing worker's 報酬月額 lowered: a disadvantageous change is filed as a new worker.
    PayLowered { worker: u32 },
    /// Another change of an existing worker's block.
    WorkerChanged { worker: u32 },
    /// An existing worker removed from the list.
    WorkerRemoved { worker: u32 },
    /// The cap, with its numbers.
    Headcount(RuleError),
}

impl ChangeError {
    pub fn message_key(&self) -> &'static str {
        match self {
            ChangeError::Unchanged => "plan.change.err.unchanged",
            ChangeError::NotByApplication { .. } => "plan.change.err.not_by_application",
            ChangeError::PayLowered { .. } => "plan.change.err.pay_lowered",
            ChangeError::WorkerChanged { .. } => "plan.change.err.worker_changed",
            ChangeError::WorkerRemoved { .. } => "plan.change.err.worker_removed",
            ChangeError::Headcount(e) => e.message_key(),
        }
    }
}

fn normalized(values: &[String]) -> Vec<&str> {
    values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()).collect()
}

/// Every refusal of `proposed` against the `certified` version; `left` are the keys of the
/// certified workers reported 退職 (they no longer count against the cap).
pub fn check(certified: &PlanForm, proposed: &PlanForm, left: &[u32]) -> Vec<ChangeError> {
    let mut found = Vec::new();
    let mut changed = false;
    let names: std::collections::BTreeSet<&String> = certified.fields.keys().chain(proposed.fields.keys()).collect();
    for name in names {
        let before = normalized(form::all(&certified.fields, name));
        let after = normalized(form::all(&proposed.fields, name));
        if before != after {
            changed = true;
            if !needs_application(name) {
                found.push(ChangeError::NotByApplication { field: name.clone() });
            }
        }
    }
    for old in &certified.workers {
        let Some(new) = proposed.worker(old.key) else {
            found.push(ChangeError::WorkerRemoved { worker: old.key });
            continue;
        };
        let pay = |w: &form::Worker| crate::ids::yen(form::one(&w.fields, "monthly_pay")).ok();
        if let (Some(before), Some(after)) = (pay(old), pay(new))
            && after < before
        {
            found.push(ChangeError::PayLowered { worker: old.key });
        } else if old.fields.iter().any(|(k, v)| normalized(v) != normalized(form::all(&new.fields, k)))
            || new.fields.iter().any(|(k, v)| normalized(v) != normalized(form::all(&old.fields, k)))
        {
            found.push(ChangeError::WorkerChanged { worker: old.key });
        }
    }
    let added = proposed.workers.iter().filter(|w| certified.worker(w.key).is_none()).count();
    changed |= added > 0;
    if !changed && found.is_empty() {
        return vec![ChangeError::Unchanged];
    }
    let staying = certified.workers.iter().filter(|w| !left.contains(&w.key)).count();
    if let Some(cap) = reports::headcount(proposed, staying + added)
        && let Err(e) = cap.check()
    {
        found.push(ChangeError::Headcount(e));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::Worker;

    fn plan(fields: &[(&str, &str)], workers: &[(u32, &str)]) -> PlanForm {
        PlanForm {
            fields: fields.iter().map(|(k, v)| (k.to_string(), vec![v.to_string()])).collect(),
            workers: workers
                .iter()
                .map(|(key, pay)| Worker {
                    key: *key,
                    fields: [("monthly_pay".to_string(), vec![pay.to_string()])].into(),
                })
                .collect(),
            next_worker: workers.iter().map(|w| w.0).max().unwrap_or(0) + 1,
        }
    }

    const PART1: &[(&str, &str)] =
        &[("fulltime", "2"), ("current_ssw", "0"), ("current_construction", "0"), ("name", "窓口建設株式会社")];

    #[test]
    fn the_cases_and_the_notice_are_apart() {
        for f in crate::change_notice::NOTICE.fields() {
            assert!(!needs_application(f.name), "{} is both a notice and an application item", f.name);
        }
        for name in crate::change_notice::APPLICATION_ITEMS {
            assert!(needs_application(name), "{name} is shown as a 変更申請 item but no case covers it");
        }
    }

    #[test]
    fn lowering_an_existing_workers_pay_is_refused_as_a_new_worker_matter() {
        let certified = plan(PART1, &[(1, "250000")]);
        let lowered = plan(PART1, &[(1, "240,000")]);
        assert_eq!(check(&certified, &lowered, &[]), vec![ChangeError::PayLowered { worker: 1 }]);
        assert_eq!(ChangeError::PayLowered { worker: 1 }.message_key(), "plan.change.err.pay_lowered");
        let raised = plan(PART1, &[(1, "260000")]);
        assert_eq!(check(&certified, &raised, &[]), vec![ChangeError::WorkerChanged { worker: 1 }]);
        assert_eq!(check(&certified, &plan(PART1, &[]), &[]), vec![ChangeError::WorkerRemoved { worker: 1 }]);
    }

    #[test]
    fn adding_a_worker_counts_the_workers_who_have_not_left() {
        let certified = plan(PART1, &[(1, "250000"), (2, "250000")]);
        let added = plan(PART1, &[(1, "250000"), (2, "250000"), (3, "250000")]);
        // 2 certified + 1 new = 3 > 常勤 2.
        let found = check(&certified, &added, &[]);
        assert!(
            matches!(found.as_slice(), [ChangeError::Headcount(RuleError::Headcount { planned: 3, .. })]),
            "{found:?}"
        );
        // Worker 2 has left: 1 + 1 = 2 ≤ 2.
        assert_eq!(check(&certified, &added, &[2]), Vec::new());
    }

    #[test]
    fn only_the_cases_fields_change_and_something_must() {
        let certified = plan(PART1, &[(1, "250000")]);
        assert_eq!(check(&certified, &certified, &[]), vec![ChangeError::Unchanged]);
        let mut renamed = certified.clone();
        renamed.fields.insert("name".into(), vec!["新窓口建設株式会社".into()]);
        assert_eq!(check(&certified, &renamed, &[]), Vec::new());
        let mut contact = certified.clone();
        contact.fields.insert("contact_name".into(), vec!["窓口 次郎".into()]);
        assert_eq!(
            check(&certified, &contact, &[]),
            vec![ChangeError::NotByApplication { field: "contact_name".into() }]
        );
        // More current 1号 than 常勤 allows with the plan's worker: the cap says so.
        let mut more = certified.clone();
        more.fields.insert("current_ssw".into(), vec!["2".into()]);
        let found = check(&certified, &more, &[]);
        assert!(matches!(found.as_slice(), [ChangeError::Headcount(_)]), "{found:?}");
    }
}
