use super::*;
use crate::form::{PART1, PART2, PART3, PART4, PART5, WORKER, take_section};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

/// The application date of these tests.
fn application() -> NaiveDate {
    d(2026, 11, 24)
}

fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

pub(crate) const P1: &[(&str, &str)] = &[
    ("corporate_number", "7000012050002"),
    ("name", "窓口建設株式会社"),
    ("name_kana", "マドグチケンセツカブシキガイシャ"),
    ("rep_title", "代表取締役"),
    ("rep_name", "建設 太郎"),
    ("postal_code", "100-0001"),
    ("address", "東京都千代田区千代田1-1"),
    ("phone", "03-1234-5678"),
    ("email", "demo@mlit-fwms.example.jp"),
    ("permit_authority", "governor-13"),
    ("permit_kind", "general"),
    ("permit_year", "5"),
    ("permit_number", "123456"),
    ("permit_granted", "2023-04-01"),
    ("permit_expires", "2028-03-31"),
    ("permit_trades", "01"),
    ("ccus_business_id", "12345678901234"),
    ("membership", "supporting"),
    ("member_number", "S-0123"),
    ("fulltime", "10"),
    ("current_ssw", "1"),
    ("current_construction", "0"),
    ("current_trainees", "2"),
    ("contact_department", "総務部"),
    ("contact_name", "窓口 花子"),
    ("contact_phone", "03-1234-5679"),
    ("contact_email", "demo@mlit-fwms.example.jp"),
];

const REST: &[(&str, &str)] = &[
    ("period_start", "2027-01-01"),
    ("period_end", "2031-12-31"),
    ("categories", "civil"),
    ("workplace", "東京都内の建設現場"),
    ("hw_job_number", "13010-12345678"),
    ("hw_received", "2026-10-01"),
    ("domestic_efforts", "ハローワークに求人を出し、3か月募集した。"),
    ("monthly_salary", "1"),
    ("comparator", "yes"),
    ("comparator_monthly", "250000"),
    ("comparator_years", "5"),
    ("raise_policy", "技能の習熟に応じて昇給する。"),
    ("work_rules", "yes"),
    ("agreement36", "yes"),
    ("explanation_date", "2026-11-20"),
    ("explanation_language", "vi"),
    ("training", "1"),
    ("guidance", "1"),
    ("safety_plan", "入社時に安全衛生教育を行う。"),
];

pub(crate) const W: &[(&str, &str)] = &[
    ("name_roman", "NGUYEN VAN A"),
    ("sex", "m"),
    ("birth_date", "1998-05-01"),
    ("nationality", "ベトナム"),
    ("in_japan", "yes"),
    ("residence_card", "AB12345678CD"),
    ("residence_status", "tit2"),
    ("ccus_id", "12345678901234"),
    ("admission", "tit2"),
    ("category", "civil"),
    ("job_type", "型枠施工"),
    ("contract_start", "2027-01-01"),
    ("contract_end", "2029-12-31"),
    ("stay_start", "2027-01-01"),
    ("stay_end", "2029-12-31"),
    ("monthly_pay", "250000"),
    ("raise_plan", "年1回"),
    ("weekly_hours", "40"),
    ("holidays", "土日祝"),
];

fn complete() -> PlanForm {
    let mut plan = PlanForm::default();
    let mut pairs = owned(P1);
    pairs.extend(owned(REST));
    for section in [&PART1, &PART2, &PART3, &PART4, &PART5] {
        take_section(section, &mut plan.fields, &pairs);
    }
    let key = plan.add_worker();
    let w = plan.workers.iter_mut().find(|w| w.key == key).unwrap();
    take_section(&WORKER, &mut w.fields, &owned(W));
    plan
}

fn set(plan: &mut PlanForm, name: &str, value: &str) {
    plan.fields.insert(name.into(), vec![value.into()]);
}

fn set_worker(plan: &mut PlanForm, name: &str, value: &str) {
    plan.workers[0].fields.insert(name.into(), vec![value.into()]);
}

fn keys(plan: &PlanForm) -> Vec<(String, &'static str, &'static str)> {
    check(plan, application()).into_iter().map(|i| (i.section, i.field, i.key)).collect()
}

#[test]
fn a_complete_plan_passes() {
    assert_eq!(check(&complete(), application()), Vec::new());
    assert!(crate::form::missing(&complete()).is_empty());
}

#[test]
fn corporate_number_check_digit_and_the_sole_proprietor() {
    let mut plan = complete();
    set(&mut plan, "corporate_number", "1234567890123");
    assert_eq!(keys(&plan), [("p1".into(), "corporate_number", "plan.err.corporate_number_check")]);
    set(&mut plan, "sole_proprietor", "1");
    assert_eq!(keys(&plan), [], "the number is not read when 個人事業主 is ticked");
    plan.fields.remove("corporate_number");
    plan.fields.remove("sole_proprietor");
    assert_eq!(keys(&plan), [("p1".into(), "corporate_number", "plan.err.required")]);
}

#[test]
fn the_headcount_cap_shows_its_numbers() {
    let mut plan = complete();
    set(&mut plan, "fulltime", "2");
    plan.add_worker();
    let issues = check(&plan, application());
    let cap = issues.iter().find(|i| i.key == "plan.err.headcount").expect("headcount");
    assert_eq!(cap.field, "fulltime");
    assert_eq!(
        cap.params,
        vec![
            ("ssw", "1".into()),
            ("construction", "0".into()),
            ("planned", "2".into()),
            ("total", "3".into()),
            ("fulltime", "2".into())
        ]
    );
    let key = plan.workers[1].key;
    plan.remove_worker(key);
    assert!(!keys(&plan).iter().any(|k| k.2 == "plan.err.headcount"), "1 + 0 + 1 ≤ 2");
}

#[test]
fn residence_card_and_ccus() {
    let mut plan = complete();
    set_worker(&mut plan, "residence_card", "AB1234567C");
    assert_eq!(keys(&plan), [("w1".into(), "residence_card", "plan.err.residence_card")]);
    set_worker(&mut plan, "in_japan", "no");
    assert_eq!(keys(&plan), [], "not asked of a worker abroad");
    plan.workers[0].fields.remove("ccus_id");
    assert_eq!(keys(&plan), [("w1".into(), "ccus_id", "plan.err.required")]);
    set_worker(&mut plan, "ccus_reason", "abroad");
    assert_eq!(keys(&plan), []);
    set_worker(&mut plan, "ccus_id", "00000000000000");
    assert_eq!(keys(&plan), [("w1".into(), "ccus_id", "plan.err.ccus_zeros")]);
}

#[test]
fn pay_below_the_comparator_needs_a_reason() {
    let mut plan = complete();
    set_worker(&mut plan, "monthly_pay", "240000");
    let issues = check(&plan, application());
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].key, "plan.err.pay_below_comparator");
    assert_eq!(issues[0].params, vec![("pay", "240000".into()), ("comparator", "250000".into())]);
    set_worker(&mut plan, "pay_reason", "経験年数が短いため。");
    assert_eq!(keys(&plan), []);
    set(&mut plan, "comparator", "no");
    set_worker(&mut plan, "pay_reason", "");
    assert_eq!(keys(&plan), [], "no comparator, nothing to compare");
}

#[test]
fn the_stay_within_the_rest_of_five_years() {
    let mut plan = complete();
    set_worker(&mut plan, "prior_years", "3");
    let issues = check(&plan, application());
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].key, "plan.err.period_too_long");
    assert_eq!(issues[0].field, "stay_end");
    assert_eq!(issues[0].params, vec![("latest_end", "2028-12-31".into())]);
    set_worker(&mut plan, "stay_end", "2028-12-31");
    assert_eq!(keys(&plan), []);
    set_worker(&mut plan, "stay_start", "2026-11-23");
    assert_eq!(keys(&plan), [("w1".into(), "stay_start", "plan.err.starts_before_application")]);
}

#[test]
fn permit_dates_documents_and_categories() {
    let mut plan = complete();
    set(&mut plan, "permit_expires", "2026-11-24");
    assert_eq!(keys(&plan), [("p1".into(), "permit_expires", "plan.err.permit_expired")]);
    let mut plan = complete();
    set(&mut plan, "hw_received", "2025-11-23");
    assert_eq!(keys(&plan), [("p3".into(), "hw_received", "plan.err.too_old")]);
    let mut plan = complete();
    set_worker(&mut plan, "category", "building");
    assert_eq!(keys(&plan), [("w1".into(), "category", "plan.err.category_not_in_plan")]);
    let mut plan = complete();
    set(&mut plan, "name_kana", "まどぐち");
    set(&mut plan, "address", "千代田区千代田1-1");
    set(&mut plan, "permit_authority", "governor-48");
    set(&mut plan, "training", "yes");
    assert_eq!(
        keys(&plan),
        [
            ("p1".into(), "permit_authority", "plan.err.choose"),
            ("p1".into(), "name_kana", "plan.err.kana"),
            ("p1".into(), "address", "plan.err.address_prefecture"),
            ("p4".into(), "training", "plan.err.attest"),
        ]
    );
}

#[test]
fn an_empty_plan_lists_required_fields_and_no_workers() {
    let issues = check(&PlanForm::default(), application());
    assert!(issues.iter().any(|i| i.section == "workers" && i.key == "plan.err.no_workers"));
    assert!(issues.iter().any(|i| i.field == "monthly_salary" && i.key == "plan.err.attest"));
    assert!(issues.iter().any(|i| i.field == "membership" && i.key == "plan.err.choose"));
    assert!(issues.iter().all(|i| i.key != "plan.err.headcount"));
}

#[test]
fn every_message_key_is_in_both_locales() {
    let mut plan = complete();
    set(&mut plan, "name", &"長".repeat(101));
    set(&mut plan, "email", "not-an-address");
    let mut keys: Vec<&str> = check(&plan, application()).iter().map(|i| i.key).collect();
    keys.extend([
        "plan.err.attest",
        "plan.err.choose",
        "plan.err.too_long",
        "plan.err.email",
        "plan.err.kana",
        "plan.err.address_prefecture",
        "plan.err.category_not_in_plan",
        "plan.err.no_workers",
    ]);
    let mut labels: Vec<String> = Vec::new();
    for section in [&PART1, &PART2, &PART3, &PART4, &PART5, &WORKER] {
        for g in section.groups {
            labels.push(g.legend.to_string());
        }
        for f in section.fields() {
            labels.push(format!("plan.field.{}", f.name));
            if f.hint {
                labels.push(format!("plan.hint.{}", f.name));
            }
        }
    }
    for (name, text) in
        [("ja", include_str!("../../../../locales/ja.toml")), ("en", include_str!("../../../../locales/en.toml"))]
    {
        let table: toml::Table = toml::from_str(text).expect("locale file");
        for key in keys.iter().copied().chain(labels.iter().map(String::as_str)) {
            assert!(table.get(key).and_then(|v| v.as_str()).is_some(), "{name}: {key} missing");
        }
    }
}
