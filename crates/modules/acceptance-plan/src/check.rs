//! The checks of a plan as typed (mlit-plan.md §4.2), with the application date passed in: every
//! field's own rule (the parsers of `ids`, `permit`, `corporate_number`), the conditions between
//! fields, and the rules across sections (pay against Part 4's comparator, the headcount cap with
//! the number of worker blocks, each worker's 業務区分 among Part 2's). Each refusal is an
//! [`Issue`] naming its section and field, so a screen shows it beside the field and in the
//! summary, and 「申請」 lists them all.

use crate::form::{self, Choices, Input, PlanForm, Section, Values, Worker};
use crate::rules::{self, Headcount, PriorStay};
use crate::{corporate_number, ids, permit};
use chrono::NaiveDate;

/// One refusal: where (`p1`…`p5`, `w<key>` or `workers`), which field (its form name; "" for the
/// section), the message key and its `{param}` values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub section: String,
    pub field: &'static str,
    pub key: &'static str,
    pub params: Vec<(&'static str, String)>,
}

/// The choices' codes, for checking a posted value.
pub fn codes(choices: Choices) -> Vec<String> {
    crate::choices::list(choices).into_iter().map(|c| c.code).collect()
}

struct Out<'a> {
    section: &'a str,
    issues: &'a mut Vec<Issue>,
}

impl Out<'_> {
    fn push(&mut self, field: &'static str, key: &'static str, params: Vec<(&'static str, String)>) {
        // One message per field: the first rule it breaks.
        if !self.issues.iter().any(|i| i.section == self.section && i.field == field && !field.is_empty()) {
            self.issues.push(Issue { section: self.section.to_string(), field, key, params });
        }
    }
    fn has(&self, field: &str) -> bool {
        self.issues.iter().any(|i| i.section == self.section && i.field == field)
    }
}

/// Lengths, required fields and the coded values of one section.
fn basics(section: &Section, values: &Values, out: &mut Out<'_>) {
    for field in section.fields() {
        let typed = form::all(values, field.name);
        let empty = typed.iter().all(|v| v.trim().is_empty());
        if empty {
            if form::required(field, values) {
                let key = match field.input {
                    Input::Check => "plan.err.attest",
                    Input::Select(_) | Input::Radio(_) | Input::Checks(_) => "plan.err.choose",
                    _ => "plan.err.required",
                };
                out.push(field.name, key, Vec::new());
            }
            continue;
        }
        match field.input {
            Input::Line(max) | Input::Area(max) => {
                if typed.iter().any(|v| v.chars().count() > max) {
                    out.push(field.name, "plan.err.too_long", vec![("max", max.to_string())]);
                }
            }
            Input::Select(c) | Input::Radio(c) | Input::Checks(c) => {
                let known = codes(c);
                if typed.iter().any(|v| !known.contains(v)) {
                    out.push(field.name, "plan.err.choose", Vec::new());
                }
            }
            Input::Check => {
                if typed.iter().any(|v| v != "1") {
                    out.push(field.name, "plan.err.attest", Vec::new());
                }
            }
            Input::Date | Input::Count | Input::Yen => {}
        }
    }
}

/// A date field, or None (with its message) when typed wrong; None silently when empty.
fn date(values: &Values, field: &'static str, out: &mut Out<'_>) -> Option<NaiveDate> {
    let raw = form::one(values, field);
    if raw.trim().is_empty() || out.has(field) {
        return None;
    }
    match ids::date(raw) {
        Ok(d) => Some(d),
        Err(e) => {
            out.push(field, e.message_key(), e.params());
            None
        }
    }
}

fn count(values: &Values, field: &'static str, min: u32, out: &mut Out<'_>) -> Option<u32> {
    let raw = form::one(values, field);
    if raw.trim().is_empty() || out.has(field) {
        return None;
    }
    match ids::count(raw, min) {
        Ok(n) => Some(n),
        Err(e) => {
            out.push(field, e.message_key(), e.params());
            None
        }
    }
}

fn yen(values: &Values, field: &'static str, out: &mut Out<'_>) -> Option<u64> {
    let raw = form::one(values, field);
    if raw.trim().is_empty() || out.has(field) {
        return None;
    }
    match ids::yen(raw) {
        Ok(n) => Some(n),
        Err(e) => {
            out.push(field, e.message_key(), e.params());
            None
        }
    }
}

/// A field parsed by one of `ids`' parsers, when typed.
fn parsed<T>(
    values: &Values,
    field: &'static str,
    out: &mut Out<'_>,
    parse: impl Fn(&str) -> Result<T, ids::FieldError>,
) -> Option<T> {
    let raw = form::one(values, field);
    if raw.trim().is_empty() || out.has(field) {
        return None;
    }
    match parse(raw) {
        Ok(v) => Some(v),
        Err(e) => {
            out.push(field, e.message_key(), e.params());
            None
        }
    }
}

fn email(values: &Values, field: &'static str, out: &mut Out<'_>) {
    let raw = form::one(values, field);
    if !raw.trim().is_empty() && !out.has(field) {
        let folded = madoguchi_core::normalize::email(raw);
        if !madoguchi_core::normalize::is_email(&folded) {
            out.push(field, "plan.err.email", Vec::new());
        }
    }
}

/// 全角カタカナ, the long-vowel mark, the middle dot and spaces (as フリガナ is written).
fn is_katakana(text: &str) -> bool {
    text.chars().all(|c| matches!(c, 'ァ'..='ヶ' | 'ー' | '・' | ' ' | '　'))
}

fn rule(out: &mut Out<'_>, field: &'static str, e: &rules::RuleError) {
    out.push(field, e.message_key(), e.params());
}

/// Part 1; the numbers of the headcount (when all three are valid).
fn part1(v: &Values, application: NaiveDate, out: &mut Out<'_>) -> Option<(u32, u32, u32)> {
    basics(&form::PART1, v, out);
    let sole = form::one(v, "sole_proprietor") == "1";
    if !sole && !out.has("corporate_number") {
        let raw = form::one(v, "corporate_number");
        if !raw.trim().is_empty()
            && let Err(e) = corporate_number::CorporateNumber::from_form(raw, false)
        {
            out.push("corporate_number", e.message_key(), Vec::new());
        }
    }
    let kana = form::one(v, "name_kana");
    if !kana.is_empty() && !out.has("name_kana") && !is_katakana(&madoguchi_core::normalize::fold(kana)) {
        out.push("name_kana", "plan.err.kana", Vec::new());
    }
    parsed(v, "postal_code", out, ids::postal_code);
    let address = form::one(v, "address");
    if !address.trim().is_empty() && !out.has("address") && crate::routing::route_address(address.trim()).is_none() {
        out.push("address", "plan.err.address_prefecture", Vec::new());
    }
    parsed(v, "phone", out, ids::phone);
    parsed(v, "contact_phone", out, ids::phone);
    parsed(v, "agent_phone", out, ids::phone);
    email(v, "email", out);
    email(v, "contact_email", out);
    let (year, number) = (form::one(v, "permit_year"), form::one(v, "permit_number"));
    if !year.trim().is_empty()
        && !number.trim().is_empty()
        && let Err(e) = permit::number(year, number)
    {
        out.push("permit_number", e.message_key(), Vec::new());
    }
    let granted = date(v, "permit_granted", out);
    let expires = date(v, "permit_expires", out);
    if let (Some(g), Some(e)) = (granted, expires)
        && let Err(err) = permit::check_dates(g, e, application)
    {
        let field = if err == permit::PermitError::GrantedLater { "permit_granted" } else { "permit_expires" };
        out.push(field, err.message_key(), Vec::new());
    }
    parsed(v, "ccus_business_id", out, ids::ccus_business_id);
    let fulltime = count(v, "fulltime", 1, out);
    let ssw = count(v, "current_ssw", 0, out);
    let construction = count(v, "current_construction", 0, out);
    count(v, "current_trainees", 0, out);
    Some((fulltime?, ssw?, construction?))
}

fn part2(v: &Values, application: NaiveDate, out: &mut Out<'_>) {
    basics(&form::PART2, v, out);
    let start = date(v, "period_start", out);
    let end = date(v, "period_end", out);
    if let (Some(s), Some(e)) = (start, end)
        && let Err(err) = rules::contract_period(s, e, application)
    {
        let field = if err == rules::RuleError::PeriodOrder { "period_end" } else { "period_start" };
        rule(out, field, &err);
    }
}

fn part3(v: &Values, application: NaiveDate, out: &mut Out<'_>) {
    basics(&form::PART3, v, out);
    parsed(v, "hw_job_number", out, ids::job_number);
    if let Some(received) = date(v, "hw_received", out)
        && let Err(err) = rules::job_offer_received(received, application)
    {
        rule(out, "hw_received", &err);
    }
}

/// Part 4; the comparator's 月額 when there is one and it is valid.
fn part4(v: &Values, out: &mut Out<'_>) -> Option<u64> {
    basics(&form::PART4, v, out);
    date(v, "explanation_date", out);
    if form::one(v, "comparator") != "yes" {
        return None;
    }
    count(v, "comparator_years", 0, out);
    yen(v, "comparator_monthly", out)
}

fn worker(w: &Worker, plan: &PlanForm, comparator: Option<u64>, application: NaiveDate, out: &mut Out<'_>) {
    let v = &w.fields;
    basics(&form::WORKER, v, out);
    date(v, "birth_date", out);
    if form::one(v, "in_japan") == "yes" {
        parsed(v, "residence_card", out, ids::residence_card);
    }
    let ccus = form::one(v, "ccus_id");
    let reason = form::one(v, "ccus_reason");
    if !out.has("ccus_id")
        && !out.has("ccus_reason")
        && let Err(e) = ids::ccus_worker_id(ccus, reason)
    {
        out.push("ccus_id", e.message_key(), e.params());
    }
    let category = form::one(v, "category");
    if !category.is_empty()
        && !out.has("category")
        && !form::all(&plan.fields, "categories").iter().any(|c| c == category)
    {
        out.push("category", "plan.err.category_not_in_plan", Vec::new());
    }
    let contract_start = date(v, "contract_start", out);
    let contract_end = date(v, "contract_end", out);
    if let (Some(s), Some(e)) = (contract_start, contract_end)
        && let Err(err) = rules::contract_period(s, e, application)
    {
        rule(out, if err == rules::RuleError::PeriodOrder { "contract_end" } else { "contract_start" }, &err);
    }
    let prior = PriorStay {
        years: count(v, "prior_years", 0, out).unwrap_or(0),
        months: count(v, "prior_months", 0, out).unwrap_or(0),
        days: count(v, "prior_days", 0, out).unwrap_or(0),
    };
    let stay_start = date(v, "stay_start", out);
    let stay_end = date(v, "stay_end", out);
    if let (Some(s), Some(e)) = (stay_start, stay_end)
        && let Err(err) = rules::stay_period(s, e, prior, application)
    {
        let field = match err {
            rules::RuleError::StartsBeforeApplication { .. } => "stay_start",
            _ => "stay_end",
        };
        rule(out, field, &err);
    }
    if let Some(pay) = yen(v, "monthly_pay", out)
        && let Err(err) = rules::pay(pay, comparator, form::one(v, "pay_reason"))
    {
        let field = match err {
            rules::RuleError::ReasonTooLong { .. } => "pay_reason",
            _ => "monthly_pay",
        };
        rule(out, field, &err);
    }
}

/// Every issue of the plan on `application`, in the form's order: Parts 1–5, the workers, then
/// the rules across sections.
pub fn check(plan: &PlanForm, application: NaiveDate) -> Vec<Issue> {
    let mut issues = Vec::new();
    let staff = part1(&plan.fields, application, &mut Out { section: "p1", issues: &mut issues });
    part2(&plan.fields, application, &mut Out { section: "p2", issues: &mut issues });
    part3(&plan.fields, application, &mut Out { section: "p3", issues: &mut issues });
    let comparator = part4(&plan.fields, &mut Out { section: "p4", issues: &mut issues });
    basics(&form::PART5, &plan.fields, &mut Out { section: "p5", issues: &mut issues });
    if plan.workers.is_empty() {
        issues.push(Issue { section: "workers".into(), field: "", key: "plan.err.no_workers", params: Vec::new() });
    }
    for w in &plan.workers {
        let section = format!("w{}", w.key);
        worker(w, plan, comparator, application, &mut Out { section: &section, issues: &mut issues });
    }
    if let Some((fulltime, ssw, construction)) = staff {
        let planned = u32::try_from(plan.workers.len()).unwrap_or(u32::MAX);
        let cap = Headcount { current_ssw: ssw, current_construction: construction, planned, fulltime };
        if let Err(err) = cap.check() {
            rule(&mut Out { section: "p1", issues: &mut issues }, "fulltime", &err);
        }
    }
    issues
}

/// Lengths, required fields and coded values of another form made of the field tables (the
/// reports after 認定, `reports`), as the issues of `section_key`.
pub fn basic_issues(section_key: &str, section: &Section, values: &Values) -> Vec<Issue> {
    let mut issues = Vec::new();
    basics(section, values, &mut Out { section: section_key, issues: &mut issues });
    issues
}

/// The issues of one section (`p1`…`p5`, `w<key>`).
pub fn of_section<'a>(issues: &'a [Issue], section: &'a str) -> impl Iterator<Item = &'a Issue> + 'a {
    issues.iter().filter(move |i| i.section == section)
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;
