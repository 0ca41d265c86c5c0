//! The plan's sections as the templates draw them: each field's label, hint, value and choices
//! from the field table (`form`) and the values as typed, the issues (`check`) as messages
//! beside their fields, and the read-only lists of 計画確認 and the confirmation.

use crate::check::Issue;
use crate::choices;
use crate::form::{self, Field, Input, Section, Values};
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::i18n::Tr;

pub struct ChoiceView {
    pub code: String,
    pub label: String,
    pub chosen: bool,
}

pub struct FieldView {
    pub name: &'static str,
    pub label: String,
    /// text, textarea, date, number, select, radio, check, checks.
    pub kind: &'static str,
    pub marker: String,
    pub hint: String,
    pub value: String,
    /// The text limit as the page says it (「200文字以内」), empty for other inputs, and the id
    /// that ties it to the control (with the hint and the messages).
    pub max: String,
    pub max_id: String,
    pub choices: Vec<ChoiceView>,
    /// Shown but not editable (a 変更申請's items outside its cases): the control is disabled,
    /// so it is not posted, and the save keeps the certified value whatever arrives.
    pub locked: bool,
}

pub struct GroupView {
    pub legend: String,
    pub fields: Vec<FieldView>,
}

fn english(t: &Tr) -> bool {
    t.code() == "en"
}

fn kind(input: Input) -> &'static str {
    match input {
        Input::Line(_) => "text",
        Input::Area(_) => "textarea",
        Input::Date => "date",
        Input::Count | Input::Yen => "number",
        Input::Select(_) => "select",
        Input::Radio(_) => "radio",
        Input::Check => "check",
        Input::Checks(_) => "checks",
    }
}

fn field_view(t: &Tr, field: &'static Field, values: &Values) -> FieldView {
    let typed = form::all(values, field.name);
    let choices = match field.input {
        Input::Select(c) | Input::Radio(c) | Input::Checks(c) => choices::list(c)
            .into_iter()
            .map(|ch| ChoiceView {
                chosen: typed.contains(&ch.code),
                label: if english(t) { ch.en } else { ch.ja },
                code: ch.code,
            })
            .collect(),
        _ => Vec::new(),
    };
    let marker = match field.need {
        form::Need::Always => t.get("form.required").to_string(),
        form::Need::Optional => String::new(),
        _ => t.get("plan.form.conditional").to_string(),
    };
    FieldView {
        name: field.name,
        label: t.get(&format!("plan.field.{}", field.name)).to_string(),
        kind: kind(field.input),
        marker,
        hint: if field.hint { t.get(&format!("plan.hint.{}", field.name)).to_string() } else { String::new() },
        value: form::one(values, field.name).to_string(),
        // Free text says its limit; codes (法人番号, 郵便番号, …) have their shape in the hint.
        max: match field.input {
            Input::Line(m) | Input::Area(m) if m >= 50 => t.get("plan.form.max").replace("{max}", &m.to_string()),
            _ => String::new(),
        },
        max_id: match field.input {
            Input::Line(m) | Input::Area(m) if m >= 50 => format!("{}-max", field.name),
            _ => String::new(),
        },
        choices,
        locked: false,
    }
}

/// Locks every field of `groups` that `editable` refuses (a 変更申請: the items outside its
/// cases, or an existing worker's whole block).
pub fn lock(groups: &mut [GroupView], editable: impl Fn(&str) -> bool) {
    for f in groups.iter_mut().flat_map(|g| g.fields.iter_mut()) {
        f.locked = !editable(f.name);
    }
}

/// The section's fieldsets with `values`. Part 1 leaves out the 法人番号 while
/// 「法人番号なし（個人事業主）」 is stored ticked (§4.9 check 1: the choice hides the field).
pub fn groups(t: &Tr, section: &'static Section, values: &Values) -> Vec<GroupView> {
    let sole = form::one(values, "sole_proprietor") == "1";
    section
        .groups
        .iter()
        .map(|g| GroupView {
            legend: t.get(g.legend).to_string(),
            fields: g
                .fields
                .iter()
                .filter(|f| !(sole && f.name == "corporate_number"))
                .map(|f| field_view(t, f, values))
                .collect(),
        })
        .collect()
}

/// An issue's text with its `{param}`s filled (amounts with thousands separators).
pub fn message(t: &Tr, issue: &Issue) -> String {
    let mut text = t.get(issue.key).to_string();
    for (name, value) in &issue.params {
        let shown = match *name {
            "pay" | "comparator" => grouped(value),
            _ => value.clone(),
        };
        text = text.replace(&format!("{{{name}}}"), &shown);
    }
    text
}

fn grouped(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The issues of `section` as the form's errors (the field's own message beside it and in the
/// summary; a section-wide one only in the summary).
pub fn errors(t: &Tr, issues: &[Issue], section: &str) -> FieldErrors {
    let mut out = FieldErrors::default();
    for issue in issues.iter().filter(|i| i.section == section) {
        out.add(issue.field, &message(t, issue));
    }
    out
}

/// One line of a read-only list: label and value as shown (choices by their labels).
pub struct Shown {
    pub label: String,
    pub value: String,
}

pub struct ShownGroup {
    pub legend: String,
    pub rows: Vec<Shown>,
}

fn shown_value(t: &Tr, field: &Field, values: &Values) -> String {
    let typed = form::all(values, field.name);
    match field.input {
        Input::Select(c) | Input::Radio(c) | Input::Checks(c) => typed
            .iter()
            .map(|code| choices::label(c, code, english(t)))
            .collect::<Vec<_>>()
            .join(t.get("plan.view.sep")),
        Input::Check => {
            if typed.iter().any(|v| v == "1") {
                t.get("plan.view.checked").to_string()
            } else {
                String::new()
            }
        }
        _ => typed.join(""),
    }
}

/// The section read-only: every field that has a value (the 法人番号 as 「法人番号なし
/// （個人事業主）」 when so chosen).
pub fn shown(t: &Tr, section: &'static Section, values: &Values) -> Vec<ShownGroup> {
    section
        .groups
        .iter()
        .map(|g| ShownGroup {
            legend: t.get(g.legend).to_string(),
            rows: g
                .fields
                .iter()
                .map(|f| Shown {
                    label: t.get(&format!("plan.field.{}", f.name)).to_string(),
                    value: shown_value(t, f, values),
                })
                .filter(|s| !s.value.is_empty())
                .collect(),
        })
        .filter(|g| !g.rows.is_empty())
        .collect()
}

/// One field of the section in words ("" when not typed or not a field of the section).
pub fn value(t: &Tr, section: &'static Section, values: &Values, name: &str) -> String {
    section.field(name).map(|f| shown_value(t, f, values)).unwrap_or_default()
}

/// Every field of the section with its label and value in words (empty when not typed), in
/// the form's order: what a diff of two versions compares field by field.
pub fn words(t: &Tr, section: &'static Section, values: &Values) -> Vec<(String, String)> {
    section
        .groups
        .iter()
        .flat_map(|g| g.fields.iter())
        .map(|f| (t.get(&format!("plan.field.{}", f.name)).to_string(), shown_value(t, f, values)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_grouped() {
        assert_eq!(grouped("250000"), "250,000");
        assert_eq!(grouped("1000"), "1,000");
        assert_eq!(grouped("999"), "999");
        assert_eq!(grouped("12345678"), "12,345,678");
    }
}
