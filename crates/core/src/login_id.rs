//! Login identifiers per portal: parsed once from what the user typed (full-width folded),
//! so a handler never re-checks a rule.

use crate::normalize;
use crate::portal::{CharClass, LoginIdKind, LoginIdPolicy};
use crate::text::Lang;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginIdRule {
    Empty,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    /// Only half-width letters and digits (issued IDs also `-` `_` `.`).
    InvalidCharacter,
    /// Letters and digits must both appear (rokin).
    MissingClasses,
    NotAnEmail,
}

/// A login identifier in its stored form: e-mail lower-cased, case-insensitive IDs lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LoginId(String);

impl LoginId {
    pub fn parse(policy: &LoginIdPolicy, raw: &str) -> Result<LoginId, Vec<LoginIdRule>> {
        // An address takes NFKC only: a dash in it is part of the address (issue 14, item 18).
        let folded = match policy.kind {
            LoginIdKind::Email => normalize::email(raw),
            _ => normalize::fold(raw).trim().to_string(),
        };
        if folded.is_empty() {
            return Err(vec![LoginIdRule::Empty]);
        }
        let mut broken = Vec::new();
        let length = folded.chars().count();
        if length < policy.min {
            broken.push(LoginIdRule::TooShort { min: policy.min });
        }
        if length > policy.max {
            broken.push(LoginIdRule::TooLong { max: policy.max });
        }
        match policy.kind {
            LoginIdKind::Email => {
                if !normalize::is_email(&folded.to_lowercase()) {
                    broken.push(LoginIdRule::NotAnEmail);
                }
            }
            kind => {
                let extra: &[char] = if kind == LoginIdKind::Issued { &['-', '_', '.'] } else { &[] };
                if !folded.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(&c)) {
                    broken.push(LoginIdRule::InvalidCharacter);
                }
                let has = |class: &CharClass| match class {
                    CharClass::Letter => folded.chars().any(|c| c.is_ascii_alphabetic()),
                    CharClass::Upper => folded.chars().any(|c| c.is_ascii_uppercase()),
                    CharClass::Lower => folded.chars().any(|c| c.is_ascii_lowercase()),
                    CharClass::Digit => folded.chars().any(|c| c.is_ascii_digit()),
                    CharClass::Symbol => folded.chars().any(|c| c.is_ascii_punctuation()),
                };
                if !policy.require.iter().all(has) {
                    broken.push(LoginIdRule::MissingClasses);
                }
            }
        }
        if !broken.is_empty() {
            return Err(broken);
        }
        let stored =
            if policy.kind == LoginIdKind::Email || !policy.case_sensitive { folded.to_lowercase() } else { folded };
        Ok(LoginId(stored))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `again` (a 再確認 field) names this same ID: read by the same rules, so a
    /// case-insensitive ID typed once as `Kensetsu01` and once as `kensetsu01` agrees, as it
    /// is stored lower-cased anyway.
    pub fn confirmed_by(&self, policy: &LoginIdPolicy, again: &str) -> bool {
        LoginId::parse(policy, again).is_ok_and(|other| other == *self)
    }
}

impl LoginIdRule {
    /// `label` is the field's label as the screen shows it (ログインＩＤ, ユーザーＩＤ, ID(メールアドレス)).
    pub fn message(&self, label: &str, lang: Lang) -> String {
        match (self, lang) {
            (LoginIdRule::Empty, Lang::Ja) => format!("{label}を入力してください。"),
            (LoginIdRule::Empty, Lang::En) => format!("Enter the {label}."),
            (LoginIdRule::TooShort { min }, Lang::Ja) => {
                format!("{label}は{min}文字以上で入力してください。")
            }
            (LoginIdRule::TooShort { min }, Lang::En) => {
                format!("The {label} must be at least {min} characters.")
            }
            (LoginIdRule::TooLong { max }, Lang::Ja) => {
                format!("{label}は{max}文字以内で入力してください。")
            }
            (LoginIdRule::TooLong { max }, Lang::En) => {
                format!("The {label} must be at most {max} characters.")
            }
            (LoginIdRule::InvalidCharacter, Lang::Ja) => {
                format!("{label}は半角英数字で入力してください。")
            }
            (LoginIdRule::InvalidCharacter, Lang::En) => {
                format!("The {label} may contain only half-width letters and digits.")
            }
            (LoginIdRule::MissingClasses, Lang::Ja) => {
                format!("{label}には英字と数字の両方を含めてください。")
            }
            (LoginIdRule::MissingClasses, Lang::En) => {
                format!("The {label} must contain both letters and digits.")
            }
            (LoginIdRule::NotAnEmail, Lang::Ja) => {
                format!("{label}はメールアドレスの形式で入力してください。")
            }
            (LoginIdRule::NotAnEmail, Lang::En) => {
                format!("The {label} must be an e-mail address.")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn parse(preset: &str, raw: &str) -> Result<String, Vec<LoginIdRule>> {
        let config = Config::demo().unwrap();
        LoginId::parse(&config.portal(preset).unwrap().settings.login_id, raw).map(|id| id.as_str().to_string())
    }

    #[test]
    fn rokin_user_ids_are_case_sensitive_with_letters_and_digits() {
        assert_eq!(parse("rokin", "Taro01"), Ok("Taro01".into()));
        assert_eq!(parse("rokin", "Ｔａｒｏ０１"), Ok("Taro01".into()), "full-width folds");
        assert_eq!(parse("rokin", "taro01"), Ok("taro01".into()), "a different ID from Taro01");
        assert_eq!(parse("rokin", "Taro1"), Err(vec![LoginIdRule::TooShort { min: 6 }]));
        assert_eq!(parse("rokin", "Taro0123456789"), Err(vec![LoginIdRule::TooLong { max: 12 }]));
        assert_eq!(parse("rokin", "taroyamada"), Err(vec![LoginIdRule::MissingClasses]));
        assert_eq!(parse("rokin", "123456"), Err(vec![LoginIdRule::MissingClasses]));
        assert_eq!(parse("rokin", "taro-01"), Err(vec![LoginIdRule::InvalidCharacter]));
        assert_eq!(parse("rokin", "  "), Err(vec![LoginIdRule::Empty]));
    }

    #[test]
    fn email_identifiers_fold_and_lower_case() {
        assert_eq!(parse("hellowork", " Jinji@Example.JP "), Ok("jinji@example.jp".into()));
        assert_eq!(parse("shaho", "ｊｉｎｊｉ＠ｅｘａｍｐｌｅ．ｊｐ"), Ok("jinji@example.jp".into()));
        assert_eq!(parse("hellowork", "jinji"), Err(vec![LoginIdRule::NotAnEmail]));
    }

    #[test]
    fn mlit_login_ids_are_half_width_alphanumeric() {
        assert_eq!(parse("mlit-fwms", "Kensetsu01"), Ok("kensetsu01".into()));
        assert_eq!(parse("mlit-fwms", "建設01"), Err(vec![LoginIdRule::InvalidCharacter]));
        assert_eq!(LoginIdRule::Empty.message("ログインＩＤ", Lang::Ja), "ログインＩＤを入力してください。");
    }

    /// Issue 14 item 22: ログインＩＤ(再確認) was compared as typed, although the ID is
    /// stored lower-cased.
    #[test]
    fn a_confirmation_reads_by_the_same_rules() {
        let config = Config::demo().unwrap();
        let mlit = &config.portal("mlit-fwms").unwrap().settings.login_id;
        let id = LoginId::parse(mlit, "Kensetsu01").unwrap();
        assert!(id.confirmed_by(mlit, "kensetsu01"));
        assert!(id.confirmed_by(mlit, " ＫＥＮＳＥＴＳＵ０１ "));
        assert!(!id.confirmed_by(mlit, "kensetsu02"));
        assert!(!id.confirmed_by(mlit, ""));
        let rokin = &config.portal("rokin").unwrap().settings.login_id;
        let id = LoginId::parse(rokin, "Taro01").unwrap();
        assert!(!id.confirmed_by(rokin, "taro01"), "rokin's user IDs are case-sensitive");
    }

    #[test]
    fn an_address_keeps_its_dashes() {
        assert_eq!(parse("hellowork", "tarob-6@example.jp"), Ok("tarob-6@example.jp".into()));
        assert_eq!(parse("hellowork", "tarobー6@example.jp"), Err(vec![LoginIdRule::NotAnEmail]));
    }
}
