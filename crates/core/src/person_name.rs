//! A user's name where the manual asks for full-width characters only (rokin ユーザー名:
//! 「全角 20 文字以下で入力します。（カナ、漢字含む）」).
//!
//! The name is stored as typed, never folded: only a half-width space between family and
//! given name becomes a full-width one, because that is the one half-width character nearly
//! everybody types in a Japanese name and refusing it would help nobody. It is stored in NFC
//! (canonical composition: か + U+3099 becomes が, the same character by Unicode's own
//! definition, unlike NFKC's ㈱ → (株)) and its length is counted there: a name typed on a
//! Mac or pasted from a PDF, where 濁点 may come decomposed, is as long as the name it shows.

use crate::text::Lang;
use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    Empty,
    TooLong {
        max: usize,
    },
    /// Half-width letters, digits, symbols or katakana (ｶﾅ), or a control character.
    HalfWidth,
}

/// The name to store, or the first rule it breaks.
pub fn full_width(raw: &str, max: usize) -> Result<String, NameRule> {
    let name: String =
        raw.trim_matches(|c: char| c.is_whitespace()).nfc().map(|c| if c == ' ' { '\u{3000}' } else { c }).collect();
    if name.is_empty() {
        return Err(NameRule::Empty);
    }
    let half_width = |c: char| c.is_ascii() || ('\u{FF61}'..='\u{FF9F}').contains(&c) || c.is_control();
    if name.chars().any(half_width) {
        return Err(NameRule::HalfWidth);
    }
    if name.chars().count() > max {
        return Err(NameRule::TooLong { max });
    }
    Ok(name)
}

impl NameRule {
    /// `label` is the field as the screen names it (ユーザー名).
    pub fn message(&self, label: &str, lang: Lang) -> String {
        match (self, lang) {
            (NameRule::Empty, Lang::Ja) => format!("{label}を入力してください。"),
            (NameRule::Empty, Lang::En) => format!("Enter the {label}."),
            (NameRule::TooLong { max }, Lang::Ja) => format!("{label}は全角{max}文字以内で入力してください。"),
            (NameRule::TooLong { max }, Lang::En) => format!("The {label} must be at most {max} characters."),
            (NameRule::HalfWidth, Lang::Ja) => {
                format!("{label}は全角文字で入力してください（半角の英数字・記号・カナは使用できません）。")
            }
            (NameRule::HalfWidth, Lang::En) => format!(
                "The {label} must be written in full-width characters (no half-width letters, digits, symbols or kana)."
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_names() {
        assert_eq!(full_width("山田　太郎", 20), Ok("山田　太郎".into()));
        assert_eq!(full_width(" 山田 太郎 ", 20), Ok("山田\u{3000}太郎".into()));
        assert_eq!(full_width("ヤマダ　タロウ", 20), Ok("ヤマダ　タロウ".into()));
        assert_eq!(full_width("ＹＡＭＡＤＡ", 20), Ok("ＹＡＭＡＤＡ".into()));
        assert_eq!(full_width("", 20), Err(NameRule::Empty));
        assert_eq!(full_width("　 ", 20), Err(NameRule::Empty));
        assert_eq!(full_width("Yamada", 20), Err(NameRule::HalfWidth));
        assert_eq!(full_width("ﾔﾏﾀﾞ", 20), Err(NameRule::HalfWidth));
        assert_eq!(full_width("山田1", 20), Err(NameRule::HalfWidth));
        assert_eq!(full_width(&"あ".repeat(20), 20), Ok("あ".repeat(20)));
        assert_eq!(full_width(&"あ".repeat(21), 20), Err(NameRule::TooLong { max: 20 }));
    }

    /// Issue 14 item 21: 11 × か + U+3099 (combining 濁点) is 11 が, but was counted as 22.
    #[test]
    fn length_is_counted_after_nfc() {
        let decomposed = "か\u{3099}".repeat(11);
        assert_eq!(decomposed.chars().count(), 22);
        assert_eq!(full_width(&decomposed, 20), Ok("が".repeat(11)), "stored composed");
        assert_eq!(full_width(&"か\u{3099}".repeat(21), 20), Err(NameRule::TooLong { max: 20 }));
    }

    #[test]
    fn messages_name_the_field() {
        assert_eq!(
            NameRule::TooLong { max: 20 }.message("ユーザー名", Lang::Ja),
            "ユーザー名は全角20文字以内で入力してください。"
        );
        assert!(NameRule::HalfWidth.message("User name", Lang::En).contains("full-width"));
    }
}
