//! The plan's input as a table (mlit-plan.md §4.2): Parts 1–5 and the Part 6 worker block,
//! each field with its input, whether it is required (and when), and the payload a draft keeps
//! ([`PlanForm`]: the fields as typed, one list of values per name, and the worker blocks with
//! stable keys so that a worker's attachments stay with them when another block is removed).
//! Nothing here blocks a save (§0.1): [`missing`] lists the empty required fields for the
//! draft's 必須未入力, and the checks themselves are in `check`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a field is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// One line, at most n characters.
    Line(usize),
    /// Several lines, at most n characters.
    Area(usize),
    Date,
    /// A whole number (人数, 年数).
    Count,
    /// Whole yen.
    Yen,
    Select(Choices),
    Radio(Choices),
    /// One checkbox (an attestation or a switch), value `1`.
    Check,
    /// Several checkboxes.
    Checks(Choices),
}

/// The coded lists the form offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choices {
    /// 許可行政庁: `minister` or `governor-NN`.
    Authority,
    /// 一般 / 特定.
    PermitKind,
    /// JAC 正会員団体 / 賛助会員.
    Membership,
    /// 業務区分: 土木 / 建築 / ライフライン・設備.
    Categories,
    /// The languages MLIT ships the 重要事項事前説明書 in.
    Languages,
    YesNo,
    Sex,
    /// 現在の在留資格.
    Status,
    /// Why the CCUS 技能者ID is not given.
    CcusReason,
    /// 受入れの区分.
    Admission,
    /// The 29 許可業種.
    Trades,
    /// 退職理由 (退職報告書).
    LeaveReason,
}

/// When a field must be filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Always,
    Optional,
    /// 法人番号: unless 「法人番号なし（個人事業主）」.
    UnlessSoleProprietor,
    /// 所属団体名: when a 正会員団体 is the membership.
    IfAssociation,
    /// 申請代理人's name and qualification: when any 代理人 field is filled.
    IfAgent,
    /// The comparator's 月額 and 経験年数: when a Japanese worker of equal skill exists.
    IfComparator,
    /// 在留カード番号 and 現在の在留資格: when the worker lives in Japan.
    IfInJapan,
    /// 退職理由の内容: when the 退職理由 is その他.
    IfOtherReason,
    /// 帰国予定日: when the 退職理由 is 帰国.
    IfReturnHome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub input: Input,
    pub need: Need,
    /// Whether `plan.hint.<name>` explains the field.
    pub hint: bool,
}

pub(crate) const fn f(name: &'static str, input: Input, need: Need) -> Field {
    Field { name, input, need, hint: false }
}

pub(crate) const fn h(name: &'static str, input: Input, need: Need) -> Field {
    Field { name, input, need, hint: true }
}

/// A fieldset of a section: its legend's key and fields.
pub struct Group {
    pub legend: &'static str,
    pub fields: &'static [Field],
}

/// One section of the plan: `p1`…`p5`, or `worker` (Part 6, one per worker).
pub struct Section {
    pub key: &'static str,
    pub groups: &'static [Group],
}

use Input as I;
use Need as N;

const NAME_MAX: usize = 100;
const TEXT_MAX: usize = 2_000;

pub static PART1: Section = Section {
    key: "p1",
    groups: &[
        Group {
            legend: "plan.group.organization",
            fields: &[
                h("sole_proprietor", I::Check, N::Optional),
                h("corporate_number", I::Line(20), N::UnlessSoleProprietor),
                f("name", I::Line(NAME_MAX), N::Always),
                h("name_kana", I::Line(200), N::Always),
                f("rep_title", I::Line(50), N::Always),
                f("rep_name", I::Line(50), N::Always),
                h("postal_code", I::Line(10), N::Always),
                h("address", I::Line(200), N::Always),
                f("phone", I::Line(20), N::Always),
                h("email", I::Line(254), N::Always),
            ],
        },
        Group {
            legend: "plan.group.permit",
            fields: &[
                f("permit_authority", I::Select(Choices::Authority), N::Always),
                f("permit_kind", I::Radio(Choices::PermitKind), N::Always),
                h("permit_year", I::Line(4), N::Always),
                h("permit_number", I::Line(8), N::Always),
                f("permit_granted", I::Date, N::Always),
                h("permit_expires", I::Date, N::Always),
                f("permit_trades", I::Checks(Choices::Trades), N::Always),
            ],
        },
        Group {
            legend: "plan.group.membership",
            fields: &[
                h("ccus_business_id", I::Line(20), N::Always),
                f("membership", I::Radio(Choices::Membership), N::Always),
                f("association", I::Line(NAME_MAX), N::IfAssociation),
                f("member_number", I::Line(20), N::Always),
            ],
        },
        Group {
            legend: "plan.group.staff",
            fields: &[
                h("fulltime", I::Count, N::Always),
                f("current_ssw", I::Count, N::Always),
                f("current_construction", I::Count, N::Always),
                f("current_trainees", I::Count, N::Always),
            ],
        },
        Group {
            legend: "plan.group.contact",
            fields: &[
                f("contact_department", I::Line(NAME_MAX), N::Always),
                f("contact_name", I::Line(50), N::Always),
                f("contact_phone", I::Line(20), N::Always),
                h("contact_email", I::Line(254), N::Always),
            ],
        },
        Group {
            legend: "plan.group.agent",
            fields: &[
                h("agent_name", I::Line(50), N::IfAgent),
                f("agent_qualification", I::Line(NAME_MAX), N::IfAgent),
                f("agent_office", I::Line(200), N::Optional),
                f("agent_phone", I::Line(20), N::Optional),
            ],
        },
    ],
};

pub static PART2: Section = Section {
    key: "p2",
    groups: &[Group {
        legend: "plan.part.p2",
        fields: &[
            f("period_start", I::Date, N::Always),
            h("period_end", I::Date, N::Always),
            f("categories", I::Checks(Choices::Categories), N::Always),
            f("workplace", I::Area(500), N::Always),
        ],
    }],
};

pub static PART3: Section = Section {
    key: "p3",
    groups: &[Group {
        legend: "plan.part.p3",
        fields: &[
            h("hw_job_number", I::Line(20), N::Always),
            h("hw_received", I::Date, N::Always),
            f("domestic_efforts", I::Area(TEXT_MAX), N::Always),
        ],
    }],
};

pub static PART4: Section = Section {
    key: "p4",
    groups: &[
        Group {
            legend: "plan.group.pay",
            fields: &[
                f("monthly_salary", I::Check, N::Always),
                h("comparator", I::Radio(Choices::YesNo), N::Always),
                f("comparator_monthly", I::Yen, N::IfComparator),
                f("comparator_years", I::Count, N::IfComparator),
                f("raise_policy", I::Area(TEXT_MAX), N::Always),
            ],
        },
        Group {
            legend: "plan.group.environment",
            fields: &[
                f("work_rules", I::Radio(Choices::YesNo), N::Always),
                f("agreement36", I::Radio(Choices::YesNo), N::Always),
                f("explanation_date", I::Date, N::Always),
                f("explanation_language", I::Select(Choices::Languages), N::Always),
                f("training", I::Check, N::Always),
                f("guidance", I::Check, N::Always),
            ],
        },
    ],
};

pub static PART5: Section = Section {
    key: "p5",
    groups: &[Group { legend: "plan.part.p5", fields: &[f("safety_plan", I::Area(TEXT_MAX), N::Always)] }],
};

pub static WORKER: Section = Section {
    key: "worker",
    groups: &[
        Group {
            legend: "plan.group.person",
            fields: &[
                h("name_roman", I::Line(NAME_MAX), N::Always),
                f("sex", I::Radio(Choices::Sex), N::Always),
                f("birth_date", I::Date, N::Always),
                f("nationality", I::Line(50), N::Always),
                f("in_japan", I::Radio(Choices::YesNo), N::Always),
                h("residence_card", I::Line(20), N::IfInJapan),
                f("residence_status", I::Select(Choices::Status), N::IfInJapan),
                h("ccus_id", I::Line(20), N::Optional),
                f("ccus_reason", I::Select(Choices::CcusReason), N::Optional),
            ],
        },
        Group {
            legend: "plan.group.employment",
            fields: &[
                f("admission", I::Radio(Choices::Admission), N::Always),
                f("category", I::Radio(Choices::Categories), N::Always),
                f("job_type", I::Line(50), N::Always),
                f("contract_start", I::Date, N::Always),
                f("contract_end", I::Date, N::Always),
                f("stay_start", I::Date, N::Always),
                h("stay_end", I::Date, N::Always),
                h("prior_years", I::Count, N::Optional),
                f("prior_months", I::Count, N::Optional),
                f("prior_days", I::Count, N::Optional),
            ],
        },
        Group {
            legend: "plan.group.terms",
            fields: &[
                f("monthly_pay", I::Yen, N::Always),
                f("allowances", I::Line(200), N::Optional),
                f("bonus", I::Line(200), N::Optional),
                f("raise_plan", I::Line(200), N::Always),
                h("pay_reason", I::Area(TEXT_MAX), N::Optional),
                h("weekly_hours", I::Line(20), N::Always),
                f("holidays", I::Line(200), N::Always),
            ],
        },
    ],
};

/// Parts 1–5 in order.
pub static PARTS: [&Section; 5] = [&PART1, &PART2, &PART3, &PART4, &PART5];

/// The organization's section of `key` (`p1`…`p5`).
pub fn part(key: &str) -> Option<&'static Section> {
    PARTS.iter().copied().find(|s| s.key == key)
}

impl Section {
    pub fn fields(&self) -> impl Iterator<Item = &'static Field> + '_ {
        self.groups.iter().flat_map(|g| g.fields.iter())
    }

    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.groups.iter().flat_map(|g| g.fields.iter()).find(|f| f.name == name)
    }
}

/// The values of one section as typed: one list per field name (one value, several for
/// checkboxes), absent when never typed.
pub type Values = BTreeMap<String, Vec<String>>;

/// One Part 6 block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Worker {
    /// Stable within the plan (1, 2, …), never reused: attachments name it.
    pub key: u32,
    #[serde(default)]
    pub fields: Values,
}

/// What the draft keeps: Parts 1–5 (field names are unique across them) and the workers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    pub fields: Values,
    #[serde(default)]
    pub workers: Vec<Worker>,
    /// The key the next added worker gets.
    #[serde(default)]
    pub next_worker: u32,
}

/// The first value of `name`, "" when none.
pub fn one<'a>(values: &'a Values, name: &str) -> &'a str {
    values.get(name).and_then(|v| v.first()).map(String::as_str).unwrap_or("")
}

/// Every value of `name`.
pub fn all<'a>(values: &'a Values, name: &str) -> &'a [String] {
    values.get(name).map(Vec::as_slice).unwrap_or(&[])
}

impl PlanForm {
    /// The payload as stored; an unreadable one (never written by this code) is empty.
    pub fn from_json(text: &str) -> PlanForm {
        serde_json::from_str(text).unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    pub fn get(&self, name: &str) -> &str {
        one(&self.fields, name)
    }

    pub fn worker(&self, key: u32) -> Option<&Worker> {
        self.workers.iter().find(|w| w.key == key)
    }

    /// Adds an empty worker block; its key.
    pub fn add_worker(&mut self) -> u32 {
        let key = self.next_worker.max(self.workers.iter().map(|w| w.key).max().unwrap_or(0)) + 1;
        self.next_worker = key;
        self.workers.push(Worker { key, fields: Values::new() });
        key
    }

    /// Removes a worker block; whether there was one.
    pub fn remove_worker(&mut self, key: u32) -> bool {
        let before = self.workers.len();
        self.workers.retain(|w| w.key != key);
        self.workers.len() != before
    }

    pub fn sole_proprietor(&self) -> bool {
        self.get("sole_proprietor") == "1"
    }

    pub fn comparator(&self) -> bool {
        self.get("comparator") == "yes"
    }
}

/// Replaces the values of `section`'s fields in `target` by what the form posted (a checkbox
/// not posted is unticked; every other field keeps what was typed, trimmed of nothing: the
/// checks fold and trim when they read). Other names in `pairs` are ignored.
pub fn take_section(section: &Section, target: &mut Values, pairs: &[(String, String)]) {
    for field in section.fields() {
        let values: Vec<String> =
            pairs.iter().filter(|(k, _)| k == field.name).map(|(_, v)| v.clone()).filter(|v| !v.is_empty()).collect();
        let values = match field.input {
            Input::Checks(_) => values,
            _ => values.into_iter().take(1).collect(),
        };
        if values.is_empty() {
            target.remove(field.name);
        } else {
            target.insert(field.name.to_string(), values);
        }
    }
}

/// Whether `field` must be filled, given the section's values and the plan's.
pub fn required(field: &Field, values: &Values) -> bool {
    let filled = |name: &str| !one(values, name).trim().is_empty();
    match field.need {
        Need::Always => true,
        Need::Optional => false,
        Need::UnlessSoleProprietor => one(values, "sole_proprietor") != "1",
        Need::IfAssociation => one(values, "membership") == "association",
        Need::IfAgent => ["agent_name", "agent_qualification", "agent_office", "agent_phone"].into_iter().any(filled),
        Need::IfComparator => one(values, "comparator") == "yes",
        Need::IfInJapan => one(values, "in_japan") == "yes",
        Need::IfOtherReason => one(values, "leave_reason") == "other",
        Need::IfReturnHome => one(values, "leave_reason") == "return_home",
    }
}

fn is_empty(field: &Field, values: &Values) -> bool {
    all(values, field.name).iter().all(|v| v.trim().is_empty())
}

/// The required fields of a section that are empty (an unticked attestation is empty).
pub fn missing_in(section: &Section, values: &Values) -> Vec<&'static str> {
    section.fields().filter(|f| required(f, values) && is_empty(f, values)).map(|f| f.name).collect()
}

/// The draft's 必須未入力: `p1.name`, `w2.birth_date`, …, and `workers` while no worker is added.
pub fn missing(plan: &PlanForm) -> Vec<String> {
    let mut out = Vec::new();
    for section in PARTS {
        out.extend(missing_in(section, &plan.fields).into_iter().map(|n| format!("{}.{n}", section.key)));
    }
    if plan.workers.is_empty() {
        out.push("workers".into());
    }
    for w in &plan.workers {
        out.extend(missing_in(&WORKER, &w.fields).into_iter().map(|n| format!("w{}.{n}", w.key)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn field_names_are_unique_across_parts_and_within_the_worker_block() {
        let mut seen = std::collections::BTreeSet::new();
        for section in PARTS {
            for field in section.fields() {
                assert!(seen.insert(field.name), "{} twice", field.name);
            }
        }
        let mut worker = std::collections::BTreeSet::new();
        for field in WORKER.fields() {
            assert!(worker.insert(field.name), "{} twice", field.name);
        }
    }

    #[test]
    fn a_section_replaces_only_its_own_fields() {
        let mut plan = PlanForm::default();
        plan.fields.insert("safety_plan".into(), vec!["計画".into()]);
        take_section(
            &PART1,
            &mut plan.fields,
            &pairs(&[("name", "窓口建設"), ("permit_trades", "01"), ("permit_trades", "05"), ("safety_plan", "x")]),
        );
        assert_eq!(plan.get("name"), "窓口建設");
        assert_eq!(all(&plan.fields, "permit_trades"), ["01", "05"]);
        assert_eq!(plan.get("safety_plan"), "計画", "Part 5 untouched by a Part 1 post");
        take_section(&PART1, &mut plan.fields, &pairs(&[]));
        assert_eq!(plan.get("name"), "", "an emptied field is gone");
    }

    #[test]
    fn what_is_missing_follows_the_conditions() {
        let mut plan = PlanForm::default();
        let all_missing = missing(&plan);
        assert!(all_missing.contains(&"p1.corporate_number".to_string()));
        assert!(all_missing.contains(&"workers".to_string()));
        assert!(!all_missing.contains(&"p1.association".to_string()), "only for a 正会員団体");
        assert!(!all_missing.contains(&"p1.agent_name".to_string()), "no agent");
        plan.fields.insert("sole_proprietor".into(), vec!["1".into()]);
        plan.fields.insert("membership".into(), vec!["association".into()]);
        plan.fields.insert("agent_office".into(), vec!["行政書士事務所".into()]);
        let now = missing(&plan);
        assert!(!now.contains(&"p1.corporate_number".to_string()));
        assert!(now.contains(&"p1.association".to_string()));
        assert!(now.contains(&"p1.agent_name".to_string()));
        let key = plan.add_worker();
        assert_eq!(key, 1);
        let now = missing(&plan);
        assert!(!now.contains(&"workers".to_string()));
        assert!(now.contains(&"w1.birth_date".to_string()));
        assert!(!now.contains(&"w1.residence_card".to_string()), "not in Japan (yet)");
    }

    #[test]
    fn worker_keys_are_never_reused() {
        let mut plan = PlanForm::default();
        assert_eq!(plan.add_worker(), 1);
        assert_eq!(plan.add_worker(), 2);
        assert!(plan.remove_worker(2));
        assert!(!plan.remove_worker(2));
        assert_eq!(plan.add_worker(), 3);
        let back = PlanForm::from_json(&plan.to_json());
        assert_eq!(back, plan);
        assert_eq!(PlanForm::from_json("not json"), PlanForm::default());
    }
}
