//! The forms' rules: an inquiry's and a reply's text (≤ 2,000 characters, jrec-in §1.10 item 2,
//! Choice for the reply too), and the search's conditions. Pure functions.

use crate::store::Profile;
use madoguchi_core::normalize::search_key;

/// The longest inquiry or reply, in characters.
pub const BODY_MAX: usize = 2_000;

/// Why a text is refused: the locale key of the message.
pub fn body(text: &str) -> Result<String, &'static str> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    if text.trim().is_empty() {
        return Err("smail.err.body_required");
    }
    if text.chars().count() > BODY_MAX {
        return Err("smail.err.body_long");
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err("smail.err.body_control");
    }
    Ok(text)
}

/// The language of the inquiry mail: `ja` or `en`.
pub fn lang(code: &str) -> Option<&'static str> {
    match code {
        "ja" => Some("ja"),
        "en" => Some("en"),
        _ => None,
    }
}

/// The search: words that must all appear (「キーワードで探す」), and the 複数の条件 (each, when
/// given, must be among the profile's codes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    pub words: Vec<String>,
    pub research: String,
    pub job: String,
    pub prefecture: String,
    pub degree: String,
}

impl Conditions {
    /// `keyword` split on ASCII and ideographic spaces, each word folded (NFKC, lower case).
    pub fn new(keyword: &str, research: &str, job: &str, prefecture: &str, degree: &str) -> Conditions {
        Conditions {
            words: keyword.split([' ', '\u{3000}', '\t']).map(search_key).filter(|w| !w.is_empty()).collect(),
            research: research.trim().to_string(),
            job: job.trim().to_string(),
            prefecture: prefecture.trim().to_string(),
            degree: degree.trim().to_string(),
        }
    }

    /// Whether the profile is a hit. The keyword is looked for in the free texts and in the
    /// names of its codes (`names`: 研究分野, 職種, 勤務地 as shown).
    pub fn matches(&self, p: &Profile, names: &str) -> bool {
        let has = |codes: &[String], wanted: &str| wanted.is_empty() || codes.iter().any(|c| c == wanted);
        if !has(&p.research, &self.research) || !has(&p.jobs, &self.job) || !has(&p.prefectures, &self.prefecture) {
            return false;
        }
        if !self.degree.is_empty() && p.degree != self.degree {
            return false;
        }
        if self.words.is_empty() {
            return true;
        }
        let text = search_key(&format!("{} {} {} {} {}", p.seeker_id, p.position, p.career, p.appeal, names));
        self.words.iter().all(|w| text.contains(w.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        Profile {
            user_id: 1,
            seeker_id: "U123456789".into(),
            research: vec!["10101".into()],
            jobs: vec!["01".into()],
            prefectures: vec!["13".into()],
            degree: "doctor".into(),
            position: "ポスドク研究員".into(),
            career: "量子化学の計算".into(),
            appeal: "Ｐｙｔｈｏｎ".into(),
            researchmap: String::new(),
            updated_at: 0,
        }
    }

    #[test]
    fn bodies() {
        assert_eq!(body("  "), Err("smail.err.body_required"));
        assert_eq!(body(&"あ".repeat(2_001)), Err("smail.err.body_long"));
        assert_eq!(body(&"あ".repeat(2_000)).map(|b| b.chars().count()), Ok(2_000));
        assert_eq!(body("a\u{7}"), Err("smail.err.body_control"));
        assert_eq!(body("一行目\r\n二行目"), Ok("一行目\n二行目".to_string()));
    }

    #[test]
    fn every_word_and_every_condition() {
        let p = profile();
        assert!(Conditions::new("量子　python", "", "", "", "").matches(&p, ""));
        assert!(!Conditions::new("量子 生物", "", "", "", "").matches(&p, ""));
        assert!(Conditions::new("", "10101", "01", "13", "doctor").matches(&p, ""));
        assert!(!Conditions::new("", "", "", "27", "").matches(&p, ""));
        assert!(!Conditions::new("", "", "", "", "master").matches(&p, ""));
        assert!(Conditions::new("化学系", "", "", "", "").matches(&p, "化学系"));
    }
}
