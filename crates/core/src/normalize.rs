//! How Japanese users type, folded before validation: full-width letters and digits become
//! half-width (NFKC), and a dash or wave dash that separates two digits becomes `-`
//! (06−1234ー5678, 100〜0001). Used on identifiers, numbers, phone numbers and search keys;
//! never on passwords, and never to rewrite a stored name. E-mail addresses take NFKC only
//! ([`email`]): a dash there is a character of the address, not a separator.

use unicode_normalization::UnicodeNormalization;

/// What users type between the groups of a number: the dash family that NFKC leaves alone
/// (‐ ‑ ‒ – — ― − ー), the wave dash 〜 (U+301C, what a Mac IME writes for から) and `~`
/// (what NFKC makes of Windows' full-width tilde ～ U+FF5E).
fn is_separator(c: char) -> bool {
    matches!(c, '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}' | '\u{301C}' | '~')
}

/// NFKC, then a separator between two digits becomes `-`. Only between digits: in
/// 「ヤマダー」 or 「abcー」 the long vowel mark is part of the text.
pub fn fold(raw: &str) -> String {
    let chars: Vec<char> = raw.nfkc().collect();
    let digit_at = |i: Option<usize>| i.and_then(|i| chars.get(i)).is_some_and(char::is_ascii_digit);
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| if is_separator(c) && digit_at(i.checked_sub(1)) && digit_at(Some(i + 1)) { '-' } else { c })
        .collect()
}

/// E-mail as a login identifier: NFKC, trimmed, lower-cased. No dash is mapped: `tarobー6@…`
/// is not `tarob-6@…` (and is then refused by [`is_email`], not silently mailed elsewhere).
pub fn email(raw: &str) -> String {
    raw.nfkc().collect::<String>().trim().to_lowercase()
}

/// The form in which the console compares names, IDs and addresses with what the operator
/// typed: folded ([`fold`]), lower-cased, spaces dropped. Both sides go through it, so
/// 「ｶﾞｸ」 finds ガク, 「sjis」 finds ＳＪＩＳ and 「(株)髙島屋」 or 「㈱髙島屋」 finds ㈱髙島屋.
/// Names stay stored as typed; only this copy is folded.
pub fn search_key(text: &str) -> String {
    fold(text).to_lowercase().chars().filter(|c| !c.is_whitespace()).collect()
}

/// [`search_key`] with hiragana folded to katakana as well, for names searched by their reading:
/// 「やまだ」 and 「ﾔﾏﾀﾞ」 both find 山田's フリガナ ヤマダ. Both sides go through it.
pub fn kana_search_key(text: &str) -> String {
    search_key(text)
        .chars()
        .map(|c| match c {
            '\u{3041}'..='\u{3096}' | '\u{309D}'..='\u{309E}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Whether `text` contains what the operator searched for (`needle`, already a
/// [`search_key`]); an empty needle matches everything.
pub fn search_matches(text: &str, needle: &str) -> bool {
    needle.is_empty() || search_key(text).contains(needle)
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
    fn kana_search_key_folds_width_and_hiragana() {
        assert_eq!(kana_search_key("ﾔﾏﾀﾞ ﾀﾛｳ"), "ヤマダタロウ");
        assert_eq!(kana_search_key("やまだ　たろう"), "ヤマダタロウ");
        assert_eq!(kana_search_key("ヤマダ タロウ"), "ヤマダタロウ");
        assert_eq!(kana_search_key("山田 太郎"), "山田太郎");
        assert!(kana_search_key("山田 太郎 ヤマダ タロウ").contains(&kana_search_key("ﾀﾛｳ")));
    }

    #[test]
    fn full_width_input_folds() {
        assert_eq!(fold("１２３４５６"), "123456");
        assert_eq!(email(" ＯＰ＠Ｅｘａｍｐｌｅ．ｊｐ "), "op@example.jp");
        assert_eq!(fold("06−1234ー5678"), "06-1234-5678");
        assert_eq!(fold("ｶﾞ"), "ガ");
    }

    /// Issue 14 item 19: 〜 (U+301C) and ～ (U+FF5E) between digits were left alone, so
    /// `06〜5555〜6666` and `100〜0001` were refused.
    #[test]
    fn wave_dashes_between_digits_fold() {
        assert_eq!(fold("06〜5555〜6666"), "06-5555-6666");
        assert_eq!(fold("100〜0001"), "100-0001");
        assert_eq!(fold("１００～０００１"), "100-0001");
        assert_eq!(fold("０３‐１２３４―５６７８"), "03-1234-5678");
    }

    /// Issue 14 item 18: the dash family was folded everywhere, so `tarobー6@…` became
    /// `tarob-6@…`, somebody else's address.
    #[test]
    fn dashes_fold_only_between_digits_and_never_in_addresses() {
        assert_eq!(fold("ヤマダー"), "ヤマダー");
        assert_eq!(fold("abcー01"), "abcー01");
        assert_eq!(fold("ー1"), "ー1");
        assert_eq!(fold("1ー"), "1ー");
        assert_eq!(fold("1ーー2"), "1ーー2");
        assert_eq!(email("tarobー6@example.jp"), "tarobー6@example.jp");
        assert!(!is_email(&email("tarobー6@example.jp")));
        assert_eq!(email("taro1ー6@example.jp"), "taro1ー6@example.jp");
        assert_eq!(email("taro1~6@example.jp"), "taro1~6@example.jp");
        assert_eq!(
            email("ｔａｒｏ－６＠ｅｘａｍｐｌｅ．ｊｐ"),
            "taro-6@example.jp",
            "a full-width hyphen-minus is a hyphen"
        );
    }

    /// Issue 14 item 24: one matcher folds both the stored text and the query.
    #[test]
    fn search_keys_fold_both_sides() {
        for (stored, typed) in [
            ("㈱髙島屋", "㈱髙島屋"),
            ("㈱髙島屋", "(株)髙島屋"),
            ("㈱髙島屋", "髙島屋"),
            ("ＳＪＩＳ研究所", "sjis"),
            ("SJIS研究所", "ＳＪＩＳ"),
            ("山田　太郎", "山田太郎"),
            ("ガクシュウ", "ｶﾞｸ"),
        ] {
            assert!(search_matches(stored, &search_key(typed)), "{typed} finds {stored}");
        }
        assert!(!search_matches("㈱髙島屋", &search_key("高島屋")), "髙 and 高 are different characters");
        assert!(search_matches("何でも", &search_key(" ")));
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
