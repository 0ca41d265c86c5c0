//! The password policy engine: one function checks a new password against a portal's
//! rules and returns every rule it breaks, each with its own message in Japanese and
//! English. Passwords are never normalized, only checked.
//!
//! The history rule (`Reused`) needs the stored hashes and is checked by the caller; its
//! message lives here with the others.

use crate::portal::{AllowedChars, CharClass, PasswordPolicy, parse_group};
use crate::text::Lang;
use std::collections::HashSet;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordRule {
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    /// A character outside half-width letters, digits and symbols, and the space where the
    /// policy allows it (`space`: shaho's printable ASCII), so that the message says so.
    InvalidCharacter {
        space: bool,
    },
    /// Not enough of the required class groups.
    MissingClasses {
        groups: Vec<String>,
        needed: usize,
    },
    /// Contains a run of `run` characters taken from the user's name or login ID.
    ContainsName {
        run: usize,
    },
    /// On the shipped list of common passwords.
    Common,
    /// One of the last `count` passwords.
    Reused {
        count: usize,
    },
    /// The confirmation field differs.
    Mismatch,
}

/// What the rules need to know about the account.
#[derive(Debug, Default, Clone, Copy)]
pub struct Subject<'a> {
    pub login_id: &'a str,
    /// Names as the user wrote them (kanji and romaji alike); only runs that can occur in a
    /// half-width password matter.
    pub names: &'a [&'a str],
}

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../../presets/common-passwords.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect()
});

pub fn check(policy: &PasswordPolicy, password: &str, subject: Subject<'_>) -> Vec<PasswordRule> {
    let mut broken = Vec::new();
    let length = password.chars().count();
    if length < policy.min {
        broken.push(PasswordRule::TooShort { min: policy.min });
    }
    if length > policy.max {
        broken.push(PasswordRule::TooLong { max: policy.max });
    }
    let allowed = |c: char| match policy.allowed {
        AllowedChars::AsciiGraphic => c.is_ascii_graphic(),
        AllowedChars::AsciiPrintable => c.is_ascii_graphic() || c == ' ',
    };
    if !password.chars().all(allowed) {
        broken.push(PasswordRule::InvalidCharacter { space: policy.allowed == AllowedChars::AsciiPrintable });
    }
    let groups: Vec<Vec<CharClass>> = policy.groups.iter().filter_map(|g| parse_group(g)).collect();
    let needed = policy.min_groups.unwrap_or(groups.len());
    let present =
        groups.iter().filter(|group| password.chars().any(|c| group.iter().any(|class| in_class(*class, c)))).count();
    if present < needed {
        broken.push(PasswordRule::MissingClasses { groups: policy.groups.clone(), needed });
    }
    if policy.no_name_run >= 3 && contains_run(password, &subject, policy.no_name_run) {
        broken.push(PasswordRule::ContainsName { run: policy.no_name_run });
    }
    if policy.common_list && COMMON.contains(password.to_lowercase().as_str()) {
        broken.push(PasswordRule::Common);
    }
    broken
}

fn in_class(class: CharClass, c: char) -> bool {
    match class {
        CharClass::Upper => c.is_ascii_uppercase(),
        CharClass::Lower => c.is_ascii_lowercase(),
        CharClass::Letter => c.is_ascii_alphabetic(),
        CharClass::Digit => c.is_ascii_digit(),
        CharClass::Symbol => c.is_ascii_punctuation(),
    }
}

/// True when some `run` consecutive characters of the password (case-insensitive) also
/// appear consecutively in the login ID or a name. The name is folded (NFKC) first: a name
/// typed in full-width letters (田中 Ｔａｎａｋａ) is the same name to whoever guesses
/// passwords. The password itself is never folded (a full-width one is refused anyway).
fn contains_run(password: &str, subject: &Subject<'_>, run: usize) -> bool {
    let pw: Vec<char> = password.to_lowercase().chars().collect();
    let sources: Vec<String> = std::iter::once(subject.login_id)
        .chain(subject.names.iter().copied())
        .map(|s| s.nfkc().collect::<String>().to_lowercase())
        .collect();
    pw.windows(run).any(|w| {
        let piece: String = w.iter().collect();
        sources.iter().any(|s| s.contains(&piece))
    })
}

fn class_name(class: &str, lang: Lang) -> &'static str {
    match (class, lang) {
        ("upper", Lang::Ja) => "英大文字",
        ("lower", Lang::Ja) => "英小文字",
        ("letter", Lang::Ja) => "英字",
        ("digit", Lang::Ja) => "数字",
        ("symbol", Lang::Ja) => "記号",
        ("upper", Lang::En) => "upper-case letters",
        ("lower", Lang::En) => "lower-case letters",
        ("letter", Lang::En) => "letters",
        ("digit", Lang::En) => "digits",
        ("symbol", Lang::En) => "symbols",
        _ => "?",
    }
}

fn group_name(group: &str, lang: Lang) -> String {
    let or = if lang == Lang::Ja { "または" } else { " or " };
    group.split('|').map(|c| class_name(c.trim(), lang)).collect::<Vec<_>>().join(or)
}

impl PasswordRule {
    /// The message shown next to the field, naming the rule.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (PasswordRule::TooShort { min }, Lang::Ja) => format!("パスワードは{min}文字以上で入力してください。"),
            (PasswordRule::TooShort { min }, Lang::En) => format!("The password must be at least {min} characters."),
            (PasswordRule::TooLong { max }, Lang::Ja) => format!("パスワードは{max}文字以内で入力してください。"),
            (PasswordRule::TooLong { max }, Lang::En) => format!("The password must be at most {max} characters."),
            (PasswordRule::InvalidCharacter { space: false }, Lang::Ja) => "パスワードに使用できるのは半角の英字・数字・記号です（全角文字や空白は使えません）。".into(),
            (PasswordRule::InvalidCharacter { space: false }, Lang::En) => "The password may contain only half-width letters, digits and symbols (no full-width characters or spaces).".into(),
            (PasswordRule::InvalidCharacter { space: true }, Lang::Ja) => "パスワードに使用できるのは半角の英字・数字・記号と半角の空白です（全角文字は使えません）。".into(),
            (PasswordRule::InvalidCharacter { space: true }, Lang::En) => "The password may contain only half-width letters, digits, symbols and spaces (no full-width characters).".into(),
            (PasswordRule::MissingClasses { groups, needed }, lang) => {
                let names: Vec<String> = groups.iter().map(|g| group_name(g, lang)).collect();
                match lang {
                    Lang::Ja if *needed == groups.len() => format!("パスワードには{}をそれぞれ1文字以上含めてください。", names.join("、")),
                    Lang::Ja => format!("パスワードには{}のうち{needed}種類以上を含めてください。", names.join("、")),
                    Lang::En if *needed == groups.len() => format!("The password must contain at least one each of: {}.", names.join(", ")),
                    Lang::En => format!("The password must contain at least {needed} of: {}.", names.join(", ")),
                }
            }
            (PasswordRule::ContainsName { run }, Lang::Ja) => format!("パスワードに氏名やログインＩＤの連続した{run}文字以上を含めることはできません。"),
            (PasswordRule::ContainsName { run }, Lang::En) => format!("The password must not contain {run} or more consecutive characters of your name or login ID."),
            (PasswordRule::Common, Lang::Ja) => "よく使われていて推測されやすいパスワードは使用できません。".into(),
            (PasswordRule::Common, Lang::En) => "This password is too common and easy to guess.".into(),
            (PasswordRule::Reused { count }, Lang::Ja) => format!("過去{count}回以内に使用したパスワードは使用できません。"),
            (PasswordRule::Reused { count }, Lang::En) => format!("You cannot reuse any of your last {count} passwords."),
            (PasswordRule::Mismatch, Lang::Ja) => "確認のため入力したパスワードが一致しません。".into(),
            (PasswordRule::Mismatch, Lang::En) => "The two passwords do not match.".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn policy(preset: &str) -> PasswordPolicy {
        Config::demo().unwrap().portal(preset).unwrap().settings.password.clone()
    }

    fn broken(preset: &str, password: &str) -> Vec<PasswordRule> {
        check(&policy(preset), password, Subject { login_id: "user01", names: &["田中 Tanaka"] })
    }

    #[test]
    fn mlit_refuses_a_run_of_the_name() {
        // The manual's own example: 田中 Tanaka ⇒ 「12ana463X」 refused.
        assert_eq!(broken("mlit-fwms", "12ana463X"), [PasswordRule::ContainsName { run: 3 }]);
        assert_eq!(broken("mlit-fwms", "12AnA463X"), [PasswordRule::ContainsName { run: 3 }], "case-insensitive");
        assert_eq!(broken("mlit-fwms", "12an463X!"), []);
        assert_eq!(broken("mlit-fwms", "Xser0199z"), [PasswordRule::ContainsName { run: 3 }], "ser from the login ID");
    }

    /// Issue 14 item 22: a name typed in full-width letters was not compared.
    #[test]
    fn a_full_width_name_is_folded_before_the_run_check() {
        let policy = policy("mlit-fwms");
        let subject = Subject { login_id: "user01", names: &["田中 Ｔａｎａｋａ"] };
        assert_eq!(check(&policy, "12ana463X", subject), [PasswordRule::ContainsName { run: 3 }]);
        let half_width_kana = Subject { login_id: "ｕｓｅｒ０１", names: &[] };
        assert_eq!(check(&policy, "Xser0199z", half_width_kana), [PasswordRule::ContainsName { run: 3 }]);
    }

    #[test]
    fn the_five_presets_class_rules() {
        let cases: &[(&str, &str, bool)] = &[
            ("mlit-fwms", "Abcdefg1", true),
            ("mlit-fwms", "Abcdefg!", true),
            ("mlit-fwms", "abcdefg1", false),
            ("mlit-fwms", "ABCDEFG1", false),
            ("mlit-fwms", "Abcdefgh", false),
            ("shaho", "abcdef1!", true),
            ("shaho", "Abcdefg1", true),
            ("shaho", "abcdefg1", false),
            ("shaho", "abc def 1!", true),
            ("rokin", "Abcdef1!", true),
            ("rokin", "Abcdefg1", false),
            ("rokin", "abcdef1!", false),
            ("hellowork", "abcdef1!", true),
            ("hellowork", "abcdefg1", false),
            ("hellowork", "abcdefg!", false),
            ("jrec-in", "abcdefg1", true),
            ("jrec-in", "abcdefgh", false),
            ("jrec-in", "12345678", false),
        ];
        for (preset, password, ok) in cases {
            let rules = broken(preset, password);
            let missing = rules.iter().any(|r| matches!(r, PasswordRule::MissingClasses { .. }));
            assert_eq!(!missing, *ok, "{preset} {password}: {rules:?}");
        }
    }

    #[test]
    fn length_bounds_per_preset() {
        for (preset, min, max) in
            [("mlit-fwms", 8, 64), ("shaho", 8, 128), ("rokin", 8, 12), ("hellowork", 8, 32), ("jrec-in", 8, 32)]
        {
            let short = format!("Aa1!{}", "x".repeat(min - 5));
            let exact_min = format!("Aa1!{}", "x".repeat(min - 4));
            let exact_max = format!("Aa1!{}", "x".repeat(max - 4));
            let long = format!("Aa1!{}", "x".repeat(max - 3));
            assert!(broken(preset, &short).contains(&PasswordRule::TooShort { min }), "{preset}");
            assert!(
                !broken(preset, &exact_min)
                    .iter()
                    .any(|r| matches!(r, PasswordRule::TooShort { .. } | PasswordRule::TooLong { .. })),
                "{preset}"
            );
            assert!(!broken(preset, &exact_max).iter().any(|r| matches!(r, PasswordRule::TooLong { .. })), "{preset}");
            assert!(broken(preset, &long).contains(&PasswordRule::TooLong { max }), "{preset}");
        }
    }

    #[test]
    fn full_width_and_spaces_are_not_half_width() {
        let invalid = PasswordRule::InvalidCharacter { space: false };
        assert!(broken("rokin", "Ａbcdef1!").contains(&invalid));
        assert!(broken("rokin", "Abc def1!").contains(&invalid));
        assert!(broken("hellowork", "パスワード1!a").contains(&invalid));
    }

    /// Issue 14 item 23: shaho accepts printable ASCII, the space included (spec/portals.md),
    /// but its message said 「空白は使えません」. The rule and its message now agree.
    #[test]
    fn shaho_allows_the_space_and_says_so() {
        assert!(!broken("shaho", "Abc def1!").iter().any(|r| matches!(r, PasswordRule::InvalidCharacter { .. })));
        let rules = broken("shaho", "Abc　def1!");
        assert_eq!(rules, [PasswordRule::InvalidCharacter { space: true }], "a full-width space is refused");
        let ja = rules[0].message(Lang::Ja);
        assert!(!ja.contains("空白は使えません") && ja.contains("空白"), "{ja}");
        assert!(PasswordRule::InvalidCharacter { space: false }.message(Lang::Ja).contains("空白は使えません"));
        assert!(rules[0].message(Lang::En).contains("spaces"));
    }

    #[test]
    fn common_passwords_are_refused_unless_the_preset_turns_it_off() {
        assert!(broken("jrec-in", "password1").contains(&PasswordRule::Common));
        assert!(broken("jrec-in", "PASSWORD1").contains(&PasswordRule::Common));
        let mut off = policy("jrec-in");
        off.common_list = false;
        assert!(check(&off, "password1", Subject::default()).is_empty());
    }

    #[test]
    fn every_rule_has_a_message_in_both_languages_naming_it() {
        let rules = [
            PasswordRule::TooShort { min: 8 },
            PasswordRule::TooLong { max: 12 },
            PasswordRule::InvalidCharacter { space: false },
            PasswordRule::InvalidCharacter { space: true },
            PasswordRule::MissingClasses {
                groups: vec!["upper".into(), "lower".into(), "digit|symbol".into()],
                needed: 3,
            },
            PasswordRule::MissingClasses {
                groups: vec!["lower".into(), "upper".into(), "digit".into(), "symbol".into()],
                needed: 3,
            },
            PasswordRule::ContainsName { run: 3 },
            PasswordRule::Common,
            PasswordRule::Reused { count: 3 },
            PasswordRule::Mismatch,
        ];
        for rule in &rules {
            assert!(!rule.message(Lang::Ja).is_empty() && !rule.message(Lang::En).is_empty());
        }
        assert_eq!(
            rules[4].message(Lang::Ja),
            "パスワードには英大文字、英小文字、数字または記号をそれぞれ1文字以上含めてください。"
        );
        assert_eq!(
            rules[5].message(Lang::Ja),
            "パスワードには英小文字、英大文字、数字、記号のうち3種類以上を含めてください。"
        );
    }
}
