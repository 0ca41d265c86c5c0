//! The seekers' pure rules: what a name, a reading and a 求職者情報 may hold (jrec-in §1.8.2),
//! and the unused-account expiry (§1.8.7), each with the clock passed in.

use crate::codes::{self, List};
use madoguchi_core::normalize;

/// 氏名 and フリガナ, in characters.
pub const NAME_MAX: usize = 50;
/// 現在の職, 経歴・業績の概要, 自己PR (§1.8.2), in characters.
pub const POSITION_MAX: usize = 200;
pub const CAREER_MAX: usize = 4000;
pub const APPEAL_MAX: usize = 2000;
/// researchmap URL, in bytes (an ASCII address).
pub const URL_MAX: usize = 300;
/// How many 研究分野, 希望職種 and 希望勤務地 a profile names (one select each).
pub const SLOTS: usize = 3;

/// A broken rule: the field's id and the locale key of its message (`{max}` filled in by
/// the page from `max`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub key: &'static str,
    pub max: Option<usize>,
}

impl Problem {
    fn new(field: &str, key: &'static str) -> Problem {
        Problem { field: field.to_string(), key, max: None }
    }

    fn too_long(field: &str, max: usize) -> Problem {
        Problem { field: field.to_string(), key: "seeker.error.too_long", max: Some(max) }
    }
}

/// Free text as stored: line ends as `\n`, no trailing white space; None when it holds a
/// control character other than a line end or a tab (pasted terminal escapes, NUL).
pub fn text(raw: &str) -> Option<String> {
    let text = raw.replace("\r\n", "\n").replace('\r', "\n");
    let text = text.trim_end().to_string();
    (!text.chars().any(|c| c.is_control() && c != '\n' && c != '\t')).then_some(text)
}

/// 氏名: as typed (trimmed), 1–[`NAME_MAX`] characters, one line. A researcher may write it
/// in any script (the portal serves researchers from abroad).
pub fn name(raw: &str) -> Result<String, &'static str> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("seeker.error.name_required");
    }
    if name.chars().any(char::is_control) {
        return Err("seeker.error.control");
    }
    if name.chars().count() > NAME_MAX {
        return Err("seeker.error.name_too_long");
    }
    Ok(name.to_string())
}

/// フリガナ: folded (half-width ｶﾅ → full-width, hiragana → katakana), then katakana, 長音,
/// 中黒 and spaces only — or Latin letters for a name without a Japanese reading.
pub fn furigana(raw: &str) -> Result<String, &'static str> {
    let folded: String = normalize::fold(raw)
        .trim()
        .chars()
        .map(|c| match c {
            'ぁ'..='ゖ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            ' ' => '\u{3000}',
            _ => c,
        })
        .collect();
    if folded.is_empty() {
        return Err("seeker.error.furigana_required");
    }
    let allowed = |c: char| {
        ('ァ'..='ヺ').contains(&c) || matches!(c, 'ー' | '・' | '\u{3000}' | '-' | '.') || c.is_ascii_alphabetic()
    };
    if !folded.chars().all(allowed) {
        return Err("seeker.error.furigana_kana");
    }
    if folded.chars().count() > NAME_MAX {
        return Err("seeker.error.name_too_long");
    }
    Ok(folded)
}

/// The 求職者情報 as the form sends it (every field a string; absent ones empty).
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    pub public: String,
    pub research: [String; SLOTS],
    pub jobs: [String; SLOTS],
    pub prefectures: [String; SLOTS],
    pub degree: String,
    pub position: String,
    pub career: String,
    pub appeal: String,
    pub researchmap: String,
}

/// A checked 求職者情報, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub public: bool,
    pub research: Vec<String>,
    pub jobs: Vec<String>,
    pub prefectures: Vec<String>,
    pub degree: String,
    pub position: String,
    pub career: String,
    pub appeal: String,
    pub researchmap: String,
}

/// The codes chosen in a field's selects: each must be on `list`, none twice; empty selects
/// are skipped.
fn chosen(prefix: &str, values: &[String; SLOTS], list: &List, problems: &mut Vec<Problem>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, value) in values.iter().enumerate() {
        let code = value.trim();
        if code.is_empty() {
            continue;
        }
        let field = format!("{prefix}_{}", i + 1);
        if !list.has(code) {
            problems.push(Problem::new(&field, "seeker.error.choice"));
        } else if out.iter().any(|c| c == code) {
            problems.push(Problem::new(&field, "seeker.error.duplicate"));
        } else {
            out.push(code.to_string());
        }
    }
    out
}

fn limited(field: &str, raw: &str, max: usize, problems: &mut Vec<Problem>) -> String {
    match text(raw) {
        None => {
            problems.push(Problem::new(field, "seeker.error.control"));
            String::new()
        }
        Some(t) if t.chars().count() > max => {
            problems.push(Problem::too_long(field, max));
            t
        }
        Some(t) => t,
    }
}

/// A researchmap address: `https://researchmap.jp/…`, nothing else (institutions follow the
/// link, so it may not lead anywhere else, nor be a `javascript:` address).
pub fn researchmap(raw: &str) -> Result<String, &'static str> {
    let raw = normalize::fold(raw).trim().to_string();
    if raw.is_empty() {
        return Ok(raw);
    }
    if raw.len() > URL_MAX {
        return Err("seeker.error.researchmap");
    }
    match url::Url::parse(&raw) {
        Ok(u) if u.scheme() == "https" && u.host_str() == Some("researchmap.jp") && u.username().is_empty() => {
            Ok(u.to_string())
        }
        _ => Err("seeker.error.researchmap"),
    }
}

/// Checks a 求職者情報: the profile to store, or every broken rule.
pub fn profile(input: &ProfileInput) -> Result<Profile, Vec<Problem>> {
    let mut problems = Vec::new();
    let public = match input.public.as_str() {
        "1" => true,
        "0" | "" => false,
        _ => {
            problems.push(Problem::new("public", "seeker.error.choice"));
            false
        }
    };
    let research = chosen("research", &input.research, &codes::RESEARCH_FIELDS, &mut problems);
    let jobs = chosen("job", &input.jobs, &codes::JOB_KINDS, &mut problems);
    let prefectures = chosen("prefecture", &input.prefectures, &codes::PREFECTURES, &mut problems);
    let degree = input.degree.trim().to_string();
    if !degree.is_empty() && !codes::DEGREES.iter().any(|(c, _)| *c == degree) {
        problems.push(Problem::new("degree", "seeker.error.choice"));
    }
    let position = limited("position", &input.position, POSITION_MAX, &mut problems);
    if position.contains('\n') {
        problems.push(Problem::new("position", "seeker.error.one_line"));
    }
    let career = limited("career", &input.career, CAREER_MAX, &mut problems);
    let appeal = limited("appeal", &input.appeal, APPEAL_MAX, &mut problems);
    let researchmap = researchmap(&input.researchmap).unwrap_or_else(|key| {
        problems.push(Problem::new("researchmap", key));
        String::new()
    });
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Profile { public, research, jobs, prefectures, degree, position, career, appeal, researchmap })
}

// ---- the unused-account expiry (§1.8.7) ----

pub const DAY: i64 = 86_400;

/// An account unused for `unused_seconds` gets a notice; `notice_seconds` after it, it is
/// deleted unless its owner logged in meanwhile (which voids the notice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    pub unused_seconds: i64,
    pub notice_seconds: i64,
}

/// What the daily job does with one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryStep {
    Keep,
    /// Mail the notice (and remember when).
    Notify,
    /// The notice's time is up without a login: delete the account.
    Delete,
}

impl Expiry {
    pub fn of(settings: &madoguchi_core::portal::SeekerSettings) -> Expiry {
        Expiry {
            unused_seconds: i64::from(settings.unused_days) * DAY,
            notice_seconds: i64::from(settings.notice_days) * DAY,
        }
    }

    /// `last_active`: the last login, else the registration. `noticed_at`: when the notice
    /// went out, if it did. The store's claims (`store::claim_expiry_notices`,
    /// `store::delete_expired`) mirror this in SQL.
    pub fn step(&self, last_active: i64, noticed_at: Option<i64>, now: i64) -> ExpiryStep {
        match noticed_at {
            // A notice stands while nobody logged in after it.
            Some(at) if at > last_active => {
                if now >= at + self.notice_seconds {
                    ExpiryStep::Delete
                } else {
                    ExpiryStep::Keep
                }
            }
            _ if now >= last_active + self.unused_seconds => ExpiryStep::Notify,
            _ => ExpiryStep::Keep,
        }
    }

    /// The deletion day a notice sent at `noticed_at` announces.
    pub fn deletes_at(&self, noticed_at: i64) -> i64 {
        noticed_at + self.notice_seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_795_000_000;

    fn rule() -> Expiry {
        Expiry::of(&madoguchi_core::portal::SeekerSettings::default())
    }

    #[test]
    fn three_unused_years_bring_a_notice_and_thirty_days_more_the_deletion() {
        let r = rule();
        let three_years = 3 * 365 * DAY;
        assert_eq!(r.step(T0, None, T0 + three_years - 1), ExpiryStep::Keep);
        assert_eq!(r.step(T0, None, T0 + three_years), ExpiryStep::Notify);
        let noticed = T0 + three_years;
        assert_eq!(r.step(T0, Some(noticed), noticed + 29 * DAY), ExpiryStep::Keep);
        assert_eq!(r.step(T0, Some(noticed), noticed + 30 * DAY - 1), ExpiryStep::Keep);
        assert_eq!(r.step(T0, Some(noticed), noticed + 30 * DAY), ExpiryStep::Delete);
        assert_eq!(r.deletes_at(noticed), noticed + 30 * DAY);
    }

    #[test]
    fn a_login_after_the_notice_voids_it() {
        let r = rule();
        let noticed = T0 + 3 * 365 * DAY;
        let login = noticed + DAY;
        assert_eq!(r.step(login, Some(noticed), noticed + 31 * DAY), ExpiryStep::Keep);
        // Three more unused years: a new notice.
        assert_eq!(r.step(login, Some(noticed), login + 3 * 365 * DAY), ExpiryStep::Notify);
    }

    #[test]
    fn names_and_readings() {
        assert_eq!(name("  山田 太郎 "), Ok("山田 太郎".to_string()));
        assert_eq!(name("Marie Curie"), Ok("Marie Curie".to_string()));
        assert_eq!(name(""), Err("seeker.error.name_required"));
        assert_eq!(name("a\u{0}b"), Err("seeker.error.control"));
        assert_eq!(name(&"あ".repeat(51)), Err("seeker.error.name_too_long"));
        assert_eq!(furigana("やまだ たろう"), Ok("ヤマダ\u{3000}タロウ".to_string()));
        assert_eq!(furigana("ﾔﾏﾀﾞ"), Ok("ヤマダ".to_string()));
        assert_eq!(furigana("Curie"), Ok("Curie".to_string()));
        assert_eq!(furigana("山田"), Err("seeker.error.furigana_kana"));
        assert_eq!(furigana(" "), Err("seeker.error.furigana_required"));
    }

    fn input() -> ProfileInput {
        ProfileInput {
            public: "1".into(),
            research: ["60050".into(), String::new(), String::new()],
            jobs: ["00022".into(), "00012".into(), String::new()],
            prefectures: ["00013".into(), String::new(), String::new()],
            degree: "doctor".into(),
            position: "助教".into(),
            career: "2020年 博士（情報学）\r\n".into(),
            appeal: "自然言語処理".into(),
            researchmap: "https://researchmap.jp/yamada".into(),
        }
    }

    #[test]
    fn a_complete_profile_is_stored_as_checked() {
        let p = profile(&input()).unwrap();
        assert!(p.public);
        assert_eq!(p.jobs, vec!["00022", "00012"]);
        assert_eq!(p.career, "2020年 博士（情報学）");
        assert_eq!(profile(&ProfileInput::default()).unwrap(), Profile::default());
    }

    #[test]
    fn every_broken_rule_is_named_with_its_field() {
        let mut bad = input();
        bad.public = "yes".into();
        bad.research = ["60050".into(), "60050".into(), "x".into()];
        bad.degree = "phd".into();
        bad.position = "a\nb".into();
        bad.career = "あ".repeat(CAREER_MAX + 1);
        bad.appeal = "\u{1b}[31m".into();
        bad.researchmap = "javascript:alert(1)".into();
        let fields: Vec<String> = profile(&bad).unwrap_err().into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            ["public", "research_2", "research_3", "degree", "position", "career", "appeal", "researchmap"]
        );
        for url in ["http://researchmap.jp/a", "https://evil.example/researchmap.jp", "https://u@researchmap.jp/"] {
            assert_eq!(researchmap(url), Err("seeker.error.researchmap"), "{url}");
        }
        assert_eq!(researchmap("ｈｔｔｐｓ://researchmap.jp/x"), Ok("https://researchmap.jp/x".to_string()));
    }
}
