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
}

pub use madoguchi_core::normalize::{email as normalize_email, fold};

/// A mailed code or key as typed: full-width digits folded, spaces (a copy-paste often
/// brings them) dropped.
pub fn typed_code(raw: &str) -> String {
    fold(raw).chars().filter(|c| !c.is_whitespace()).collect()
}
