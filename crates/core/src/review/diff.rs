//! Field-by-field comparison of two review snapshots (§0.2): what a resubmission changes
//! against the current approved version, and what an operator edit changed in the
//! organization's text. A snapshot is a JSON object of field name → value (the form fields as
//! the module keeps them); the result is plain data a template renders without logic of its own.
//!
//! Text is compared with the `similar` crate: single-line values character by character (a
//! Japanese sentence has no spaces to split words on), multi-line values line by line, so a
//! changed paragraph of 仕事内容 reads as removed and added lines. Myers' algorithm without a
//! deadline: the longest field is 4,000 characters, well within its O(N·D) cost, and a
//! deadline would make the same two texts diff differently on a busy machine.

use serde_json::Value;
use similar::{Algorithm, ChangeTag};

/// A run of text in a field's diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    Unchanged(String),
    Added(String),
    Removed(String),
}

impl Span {
    /// `unchanged`, `added` or `removed`: the CSS class a template gives the run.
    pub fn kind(&self) -> &'static str {
        match self {
            Span::Unchanged(_) => "unchanged",
            Span::Added(_) => "added",
            Span::Removed(_) => "removed",
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Span::Unchanged(t) | Span::Added(t) | Span::Removed(t) => t,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldChange {
    Unchanged,
    /// The field is new or was empty before.
    Added,
    /// The field is gone or empty now.
    Removed,
    Changed,
}

impl FieldChange {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldChange::Unchanged => "unchanged",
            FieldChange::Added => "added",
            FieldChange::Removed => "removed",
            FieldChange::Changed => "changed",
        }
    }
}

/// One field of the comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDiff {
    pub field: String,
    pub change: FieldChange,
    /// The text before and after (empty when absent), for a side-by-side view.
    pub before: String,
    pub after: String,
    /// The runs of a unified view; one `Unchanged` run for an unchanged field.
    pub spans: Vec<Span>,
}

/// The comparison of two snapshots, one entry per field present in either, in `order` first
/// (the form's order, so the diff reads like the form) and then the remaining fields by name.
/// A snapshot that is not a JSON object compares as an empty one.
pub fn snapshots(before: &Value, after: &Value, order: &[&str]) -> Vec<FieldDiff> {
    let empty = serde_json::Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut names: Vec<&str> = order.iter().copied().filter(|n| b.contains_key(*n) || a.contains_key(*n)).collect();
    let mut rest: Vec<&str> = b.keys().chain(a.keys()).map(String::as_str).filter(|n| !order.contains(n)).collect();
    rest.sort_unstable();
    rest.dedup();
    names.extend(rest);
    names.into_iter().map(|name| field(name, &text_of(b.get(name)), &text_of(a.get(name)))).collect()
}

/// Only the fields that changed.
pub fn changed_only(diffs: Vec<FieldDiff>) -> Vec<FieldDiff> {
    diffs.into_iter().filter(|d| d.change != FieldChange::Unchanged).collect()
}

/// A value as the text compared: strings as they are, lists one item per line (a multi-select
/// reads as its codes), null as empty, anything else as JSON.
pub fn text_of(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items.iter().map(|v| text_of(Some(v))).collect::<Vec<_>>().join("\n"),
        Some(other) => other.to_string(),
    }
}

/// One field's comparison.
pub fn field(name: &str, before: &str, after: &str) -> FieldDiff {
    let change = match (before.is_empty(), after.is_empty()) {
        _ if before == after => FieldChange::Unchanged,
        (true, false) => FieldChange::Added,
        (false, true) => FieldChange::Removed,
        _ => FieldChange::Changed,
    };
    FieldDiff {
        field: name.to_string(),
        change,
        before: before.to_string(),
        after: after.to_string(),
        spans: text_spans(before, after),
    }
}

/// The runs of `before` → `after`: by line when either has several lines, else by character;
/// neighbouring runs of one kind are merged. In line mode both texts are compared as if they
/// ended with a newline, so that a last line that gained a successor does not read as changed;
/// every run then ends with one.
pub fn text_spans(before: &str, after: &str) -> Vec<Span> {
    if before == after {
        return if before.is_empty() { Vec::new() } else { vec![Span::Unchanged(before.to_string())] };
    }
    let (before_lines, after_lines);
    let pieces = if before.contains('\n') || after.contains('\n') {
        before_lines = with_final_newline(before);
        after_lines = with_final_newline(after);
        similar::utils::diff_lines(Algorithm::Myers, before_lines.as_str(), after_lines.as_str())
    } else {
        similar::utils::diff_chars(Algorithm::Myers, before, after)
    };
    let mut spans: Vec<Span> = Vec::new();
    for (tag, text) in pieces {
        match (spans.last_mut(), tag) {
            (Some(Span::Unchanged(t)), ChangeTag::Equal)
            | (Some(Span::Added(t)), ChangeTag::Insert)
            | (Some(Span::Removed(t)), ChangeTag::Delete) => t.push_str(text),
            (_, ChangeTag::Equal) => spans.push(Span::Unchanged(text.to_string())),
            (_, ChangeTag::Insert) => spans.push(Span::Added(text.to_string())),
            (_, ChangeTag::Delete) => spans.push(Span::Removed(text.to_string())),
        }
    }
    spans
}

fn with_final_newline(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') { text.to_string() } else { format!("{text}\n") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_changed_field_is_marked() {
        let before = json!({"title": "准教授の公募", "salary": "月額40万円", "fields": ["38010", "60050"]});
        let after = json!({"title": "准教授の公募", "salary": "月額45万円", "fields": ["38010", "60050"]});
        let diffs = snapshots(&before, &after, &["title", "salary"]);
        assert_eq!(diffs.iter().map(|d| d.field.as_str()).collect::<Vec<_>>(), ["title", "salary", "fields"]);
        let changed = changed_only(diffs);
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].field, "salary");
        assert_eq!(changed[0].change, FieldChange::Changed);
        assert_eq!(
            changed[0].spans,
            vec![
                Span::Unchanged("月額4".into()),
                Span::Removed("0".into()),
                Span::Added("5".into()),
                Span::Unchanged("万円".into()),
            ]
        );
    }

    #[test]
    fn multi_line_text_is_compared_by_line_and_lists_by_item() {
        let spans = text_spans("研究\n教育\n社会貢献", "研究\n教育と指導\n社会貢献");
        assert_eq!(
            spans,
            vec![
                Span::Unchanged("研究\n".into()),
                Span::Removed("教育\n".into()),
                Span::Added("教育と指導\n".into()),
                Span::Unchanged("社会貢献\n".into()),
            ]
        );
        let d = snapshots(&json!({"kinds": ["00012"]}), &json!({"kinds": ["00012", "00022"]}), &[]);
        assert_eq!(d[0].change, FieldChange::Changed);
        assert_eq!(d[0].spans, vec![Span::Unchanged("00012\n".into()), Span::Added("00022\n".into())]);
    }

    #[test]
    fn added_and_removed_fields() {
        let d = snapshots(&json!({"a": "x", "b": null}), &json!({"b": "y", "c": 3}), &[]);
        let by: Vec<_> = d.iter().map(|f| (f.field.as_str(), f.change)).collect();
        assert_eq!(by, [("a", FieldChange::Removed), ("b", FieldChange::Added), ("c", FieldChange::Added)]);
        assert_eq!(d[2].after, "3");
        assert_eq!(d[0].spans, vec![Span::Removed("x".into())]);
        assert_eq!(d[0].spans[0].kind(), "removed");
        // Not objects: compared as empty.
        assert!(snapshots(&json!("x"), &json!(null), &[]).is_empty());
        assert_eq!(field("t", "同じ", "同じ").spans, vec![Span::Unchanged("同じ".into())]);
    }
}
