//! Form helpers: field errors shown next to their fields and in a summary, and input
//! folding the way Japanese users type (full-width digits and letters → half-width).

use unicode_normalization::UnicodeNormalization;

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
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, m)| m.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Everything, for the summary at the top: (field id or "", message).
    pub fn all(&self) -> &[(String, String)] {
        &self.0
    }
}

/// NFKC with the dash family mapped to `-`: for IDs, numbers, phones and addresses.
/// Never for passwords.
pub fn fold(raw: &str) -> String {
    raw.nfkc()
        .map(|c| match c {
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
            | '\u{2212}' | '\u{30FC}' | '\u{FF70}' => '-',
            c => c,
        })
        .collect()
}

/// E-mail as a login identifier: folded, trimmed, lower-cased.
pub fn normalize_email(raw: &str) -> String {
    fold(raw).trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_input_folds() {
        assert_eq!(fold("１２３４５６"), "123456");
        assert_eq!(
            normalize_email(" ＯＰ＠Ｅｘａｍｐｌｅ．ｊｐ "),
            "op@example.jp"
        );
        assert_eq!(fold("06−1234ー5678"), "06-1234-5678");
    }
}
