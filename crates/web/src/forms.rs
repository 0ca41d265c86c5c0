//! Form helpers: field errors shown next to their fields and in a summary, and input
//! folding the way Japanese users type (full-width digits and letters → half-width).

/// Messages per field, in the order found; `""` is a message for the whole form.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    pub fn field(name: &str, message: &str) -> FieldErrors {
        let mut e = FieldErrors::default();
        e.add(name, message);
        e
    }

    pub fn form(message: &str) -> FieldErrors {
        FieldErrors::field("", message)
    }

    pub fn add(&mut self, name: &str, message: &str) {
        self.0.push((name.to_string(), message.to_string()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first message for a field, for the inline message.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, m)| m.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Everything, for the summary at the top: (field id or "", message).
    pub fn all(&self) -> &[(String, String)] {
        &self.0
    }

    /// Every message for a field, in order (a new password can break several rules at once):
    /// the words next to the field, the same as the summary's.
    pub fn messages(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(n, _)| n == name).map(|(_, m)| m.as_str()).collect()
    }

    /// The attributes that tie a control to what describes it, for `templates/field.html`:
    /// `aria-describedby` with the field's hint (`<name>-hint`, when `hint`), any ids in `also`
    /// (text shown elsewhere, such as the password rules above a form) and its messages
    /// (`<name>-error`, when it has any), then `aria-invalid`. Each part starts with a space.
    /// Names and ids are the templates' own identifiers, never user input, and so need no
    /// escaping.
    pub fn aria(&self, name: &str, hint: bool, also: &str) -> String {
        let mut ids: Vec<String> = Vec::new();
        if hint {
            ids.push(format!("{name}-hint"));
        }
        ids.extend(also.split_whitespace().map(str::to_string));
        let invalid = self.has(name);
        if invalid {
            ids.push(format!("{name}-error"));
        }
        let mut out = String::new();
        if !ids.is_empty() {
            out.push_str(&format!(" aria-describedby=\"{}\"", ids.join(" ")));
        }
        if invalid {
            out.push_str(" aria-invalid=\"true\"");
        }
        out
    }
}

pub use madoguchi_core::normalize::{email as normalize_email, fold};

/// A mailed code or key as typed: full-width digits folded, spaces (a copy-paste often
/// brings them) dropped.
pub fn typed_code(raw: &str) -> String {
    fold(raw).chars().filter(|c| !c.is_whitespace()).collect()
}

/// One broken rule: the field it belongs to, and the message in the language asked for (the
/// console's: Japanese or English; the command line and the CSV imports: Japanese).
#[derive(Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_control_points_at_its_hint_other_texts_and_every_message() {
        let mut errors = FieldErrors::default();
        errors.add("new", "8文字以上で入力してください。");
        errors.add("", "入力内容を確認してください。");
        errors.add("new", "記号を含めてください。");
        assert_eq!(errors.messages("new"), ["8文字以上で入力してください。", "記号を含めてください。"]);
        assert_eq!(
            errors.aria("new", true, "rules"),
            " aria-describedby=\"new-hint rules new-error\" aria-invalid=\"true\""
        );
        assert_eq!(errors.aria("confirm", false, ""), "");
        assert_eq!(errors.aria("confirm", true, ""), " aria-describedby=\"confirm-hint\"");
    }

    /// Every page that shows the error summary extends `form_base.html`, the layout that puts
    /// 「エラー：」 in the title and the focus on the summary; every field of such a page is the
    /// one component (`field` in `templates/ui.html`), so that no message is left untied.
    #[test]
    fn every_form_page_uses_the_error_layout_and_the_field_component() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates");
        let mut pages = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "html") {
                    pages.push(path);
                }
            }
        }
        let mut broken = Vec::new();
        for path in pages {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.strip_prefix(&root).unwrap().display().to_string();
            let layout = name == "form_base.html" || name == "form_errors.html";
            if !layout && text.contains("form_errors.html") && !text.contains("{% extends \"form_base.html\" %}") {
                broken.push(format!("{name}: shows the error summary but does not extend form_base.html"));
            }
            if name != "ui.html" && text.contains("class=\"error-message\"") {
                broken.push(format!("{name}: writes an error message by hand instead of ui.html's field"));
            }
        }
        assert!(broken.is_empty(), "{}", broken.join("\n"));
    }
}
