//! How Japanese users type, folded before validation: full-width letters and digits become
//! half-width (NFKC), and the dash family becomes `-` where it separates digits. Used on
//! identifiers, numbers, phone numbers and e-mail addresses; never on passwords, and never to
//! rewrite a stored name.

use unicode_normalization::UnicodeNormalization;

pub fn fold(raw: &str) -> String {
    raw.nfkc()
        .map(|c| match c {
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}' | '\u{30FC}'
            | '\u{FF70}' => '-',
            c => c,
        })
        .collect()
}

/// E-mail as a login identifier: folded, trimmed, lower-cased.
pub fn email(raw: &str) -> String {
    fold(raw).trim().to_lowercase()
}

/// A plausible single address: one `@`, a dotted domain, no spaces or control characters,
/// at most 254 characters (RFC 5321). Ownership is proven by mail, not by syntax.
pub fn is_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let ok_char = |c: char| {
        c.is_ascii_graphic() && !matches!(c, '@' | '<' | '>' | '(' | ')' | ',' | ';' | ':' | '\\' | '"' | '[' | ']')
    };
    !local.is_empty()
        && local.len() <= 64
        && address.len() <= 254
        && local.chars().all(ok_char)
        && !local.starts_with('.')
        && !local.ends_with('.')
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_input_folds() {
        assert_eq!(fold("１２３４５６"), "123456");
        assert_eq!(email(" ＯＰ＠Ｅｘａｍｐｌｅ．ｊｐ "), "op@example.jp");
        assert_eq!(fold("06−1234ー5678"), "06-1234-5678");
        assert_eq!(fold("ｶﾞ"), "ガ");
    }

    #[test]
    fn addresses() {
        for ok in ["a@example.jp", "taro.yamada+jobs@mail.example.co.jp", "x_y-z@a-b.jp"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@",
            "@example.jp",
            "a@example",
            "a b@example.jp",
            "a@@example.jp",
            "a@-x.jp",
            ".a@example.jp",
            "a@example..jp",
            "山田@example.jp",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
