//! The input form and the confirmation as templates show them, built from the field table
//! (`fields::views`): labels from `posting.field.<name>`, choices from
//! `posting.choice.<field>.<code>` or the taxonomy, the typed values kept as typed, each
//! field's errors in the same words as the summary.

use crate::fields::{self, FieldError, Form, REFERENCE_URLS_MAX, Widget};
use crate::taxonomy::{Entry, Taxonomy};
use madoguchi_web::forms::FieldErrors;
use madoguchi_web::i18n::Tr;

/// One choice of a radio group, a checkbox group or a select.
pub struct Choice {
    pub code: String,
    pub label: String,
    pub chosen: bool,
    /// The 大分類 a 小分類 belongs to (its optgroup); empty elsewhere.
    pub group: String,
}

/// One field of the input form.
pub struct FieldRow {
    pub name: &'static str,
    pub label: String,
    /// `line`, `area`, `radio`, `checks`, `select`, `multiselect`, `date`, `number`, `email`,
    /// `url`, `tel`.
    pub kind: &'static str,
    pub value: String,
    /// The 参考URL inputs (three, the typed ones first).
    pub values: Vec<String>,
    pub max: usize,
    pub choices: Vec<Choice>,
    /// 「必須」 or 「条件付き必須」, empty for an optional field.
    pub marker: String,
    pub hint: String,
}

/// A fieldset of the form: its legend and its fields.
pub struct Group {
    pub legend: String,
    pub fields: Vec<FieldRow>,
}

/// The first field of each fieldset, with the legend's key (the §1.4 table's order).
const GROUPS: &[(&str, &str)] = &[
    ("title", "posting.group.basic"),
    ("major", "posting.group.field"),
    ("location", "posting.group.place"),
    ("employment", "posting.group.terms"),
    ("smoking", "posting.group.qualifications"),
    ("documents", "posting.group.apply"),
    ("consideration", "posting.group.contact"),
];

fn choice_label(t: &Tr, field: &str, code: &str) -> String {
    t.get(&format!("posting.choice.{field}.{code}")).to_string()
}

fn taxo_choices(entries: &[Entry], taxonomy: &Taxonomy, chosen: &[&str], grouped: bool) -> Vec<Choice> {
    entries
        .iter()
        .map(|e| Choice {
            code: e.code.clone(),
            label: e.name.clone(),
            chosen: chosen.contains(&e.code.as_str()),
            group: if grouped {
                Taxonomy::name(&taxonomy.majors, &e.parent).unwrap_or_default().to_string()
            } else {
                String::new()
            },
        })
        .collect()
}

/// The form's fieldsets with the values of `pairs`.
pub fn groups(t: &Tr, taxonomy: &Taxonomy, pairs: &[(String, String)]) -> Vec<Group> {
    let form = Form(pairs);
    let mut groups: Vec<Group> = Vec::new();
    for view in fields::views() {
        if let Some((_, key)) = GROUPS.iter().find(|(first, _)| *first == view.name) {
            groups.push(Group { legend: t.get(key).to_string(), fields: Vec::new() });
        }
        let chosen = form.all(view.name);
        let (kind, max, choices) = match view.widget {
            Widget::Line(max) => ("line", max, Vec::new()),
            Widget::Area(max) => ("area", max, Vec::new()),
            Widget::Radio(codes) | Widget::Checks(codes) => (
                if matches!(view.widget, Widget::Radio(_)) { "radio" } else { "checks" },
                0,
                codes
                    .iter()
                    .map(|c| Choice {
                        code: c.to_string(),
                        label: choice_label(t, view.name, c),
                        chosen: chosen.contains(c),
                        group: String::new(),
                    })
                    .collect(),
            ),
            // 317 小分類 as checkboxes would bury the form: a list box grouped by 大分類.
            Widget::TaxoChecks(taxo @ fields::Taxo::Minor, max) => {
                ("multiselect", max, taxo_choices(fields::list(taxonomy, taxo), taxonomy, &chosen, true))
            }
            Widget::TaxoChecks(taxo, max) => {
                ("checks", max, taxo_choices(fields::list(taxonomy, taxo), taxonomy, &chosen, false))
            }
            Widget::TaxoSelect(taxo) => {
                ("select", 0, taxo_choices(fields::list(taxonomy, taxo), taxonomy, &chosen, false))
            }
            Widget::Date => ("date", 0, Vec::new()),
            Widget::Yen => ("number", 0, Vec::new()),
            Widget::Email => ("email", 254, Vec::new()),
            Widget::Url => ("url", fields::URL_MAX, Vec::new()),
            Widget::Phone => ("tel", 20, Vec::new()),
        };
        let mut values: Vec<String> = Vec::new();
        if view.name == "reference_url" {
            values = chosen.iter().map(|v| v.to_string()).collect();
            values.resize(REFERENCE_URLS_MAX.max(values.len()), String::new());
        }
        let marker = if view.required {
            t.get("form.required").to_string()
        } else if view.required_when {
            t.get("posting.form.required_when").to_string()
        } else {
            String::new()
        };
        let hint = t.find(&format!("posting.hint.{}", view.name)).unwrap_or_default().to_string();
        let row = FieldRow {
            name: view.name,
            label: t.get(&format!("posting.field.{}", view.name)).to_string(),
            kind,
            value: form.one(view.name).to_string(),
            values,
            max,
            choices,
            marker,
            hint,
        };
        if let Some(group) = groups.last_mut() {
            group.fields.push(row);
        }
    }
    groups
}

/// The rules' failures as the screen's errors, in form order (the summary's order).
pub fn errors(t: &Tr, failures: &[FieldError]) -> FieldErrors {
    let mut errors = FieldErrors::default();
    for failure in failures {
        let label = t.get(&failure.label_key()).to_string();
        let mut message = t.get(failure.message_key()).replace("{label}", &label);
        if let Some(max) = failure.max() {
            message = message.replace("{max}", &max.to_string());
        }
        errors.add(failure.field, &message);
    }
    errors
}

/// One field on the confirmation screen (and in the two versions of a conflict).
pub struct Shown {
    /// The field's name (an anchor of the public page: `#apply_method`).
    pub name: &'static str,
    pub label: String,
    pub value: String,
}

/// What the form says, field by field, in words (choice labels, taxonomy names); the fields
/// left empty are left out.
pub fn shown(t: &Tr, taxonomy: &Taxonomy, pairs: &[(String, String)]) -> Vec<Shown> {
    let form = Form(pairs);
    let mut out = Vec::new();
    for view in fields::views() {
        let values = form.all(view.name);
        let words: Vec<String> = values
            .iter()
            .filter(|v| !v.is_empty())
            .map(|v| match view.widget {
                Widget::Radio(_) | Widget::Checks(_) => choice_label(t, view.name, v),
                Widget::TaxoChecks(taxo, _) | Widget::TaxoSelect(taxo) => {
                    Taxonomy::name(fields::list(taxonomy, taxo), v).unwrap_or(v).to_string()
                }
                _ => v.to_string(),
            })
            .collect();
        if words.is_empty() {
            continue;
        }
        let joiner = if matches!(view.widget, Widget::Url) { "\n" } else { "、" };
        out.push(Shown {
            name: view.name,
            label: t.get(&format!("posting.field.{}", view.name)).to_string(),
            value: words.join(joiner),
        });
    }
    out
}

/// Every field's name, label and value in words (empty when left empty), in form order: what
/// a revision's diff compares, so that the 事務局 reads 「屋内禁煙」, not a code.
pub fn words(t: &Tr, taxonomy: &Taxonomy, pairs: &[(String, String)]) -> Vec<(&'static str, String, String)> {
    let form = Form(pairs);
    fields::views()
        .map(|view| {
            let words: Vec<String> = form
                .all(view.name)
                .iter()
                .filter(|v| !v.is_empty())
                .map(|v| match view.widget {
                    Widget::Radio(_) | Widget::Checks(_) => choice_label(t, view.name, v),
                    Widget::TaxoChecks(taxo, _) | Widget::TaxoSelect(taxo) => {
                        Taxonomy::name(fields::list(taxonomy, taxo), v).unwrap_or(v).to_string()
                    }
                    _ => v.to_string(),
                })
                .collect();
            let joiner = if matches!(view.widget, Widget::Url | Widget::TaxoChecks(..) | Widget::Checks(_)) {
                "\n"
            } else {
                "、"
            };
            (view.name, t.get(&format!("posting.field.{}", view.name)).to_string(), words.join(joiner))
        })
        .collect()
}
