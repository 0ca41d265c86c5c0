//! The attachments of a plan (mlit-plan.md §4.3): the 16 kinds as data
//! (`presets/data/mlit-fwms/attachments.toml`; No.1 is two rows, the 登記事項証明書 of a 法人
//! and the 住民票 of a 個人事業主, so 17 rows under 16 numbers), which of them a plan needs
//! ([`required_kinds`]), what a file must be ([`check_file`]: PDF or JPEG by content, the size
//! limit), and the issue-date rule ([`check_issue_date`]).

use crate::rules::{RuleError, within_months};
use chrono::NaiveDate;
use serde::Deserialize;
use std::sync::LazyLock;

/// When a kind is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    Always,
    Corporation,
    SoleProprietor,
    /// A Japanese worker of equal skill exists (Part 4's comparator).
    Comparator,
    /// 常時10人以上の労働者 (the 就業規則 duty, 労働基準法第89条).
    TenWorkers,
    PerWorker,
    /// Filed by a 申請代理人.
    Agent,
    /// Only when the reviewer asked for it in a 補正依頼.
    OnRequest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileType {
    Pdf,
    Jpeg,
}

impl FileType {
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Text {
    pub ja: String,
    pub en: String,
}

/// One attachment kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kind {
    /// The §4.3 number (No.1 has two rows).
    pub no: u8,
    /// Stable key, stored with each file.
    pub key: String,
    pub when: When,
    pub name: Text,
    pub types: Vec<FileType>,
    pub max_bytes: u64,
    pub max_files: u32,
    pub max_age_months: Option<u32>,
}

#[derive(Deserialize)]
struct File {
    defaults: Defaults,
    kind: Vec<Row>,
}

#[derive(Deserialize)]
struct Defaults {
    types: Vec<FileType>,
    max_bytes: u64,
    max_files: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    no: u8,
    key: String,
    when: When,
    name: Text,
    types: Option<Vec<FileType>>,
    max_bytes: Option<u64>,
    max_files: Option<u32>,
    max_age_months: Option<u32>,
}

fn load(text: &str) -> Result<Vec<Kind>, String> {
    let file: File = toml::from_str(text).map_err(|e| format!("attachments.toml: {e}"))?;
    let kinds: Vec<Kind> = file
        .kind
        .into_iter()
        .map(|r| Kind {
            no: r.no,
            key: r.key,
            when: r.when,
            name: r.name,
            types: r.types.unwrap_or_else(|| file.defaults.types.clone()),
            max_bytes: r.max_bytes.unwrap_or(file.defaults.max_bytes),
            max_files: r.max_files.unwrap_or(file.defaults.max_files),
            max_age_months: r.max_age_months,
        })
        .collect();
    for (i, k) in kinds.iter().enumerate() {
        if kinds[..i].iter().any(|o| o.key == k.key) {
            return Err(format!("attachments.toml: key {} twice", k.key));
        }
        if k.types.is_empty() || k.max_bytes == 0 || k.max_files == 0 {
            return Err(format!("attachments.toml: {} accepts nothing", k.key));
        }
    }
    Ok(kinds)
}

static KINDS: LazyLock<Result<Vec<Kind>, String>> =
    LazyLock::new(|| load(include_str!("../../../../presets/data/mlit-fwms/attachments.toml")));

/// The kinds in the spec's order. The embedded file is checked by this crate's tests; were it
/// broken, the list is empty and [`check_data`] says why (the start-up check can call it).
pub fn kinds() -> &'static [Kind] {
    match &*KINDS {
        Ok(k) => k,
        Err(_) => &[],
    }
}

/// Whether the embedded data loaded.
pub fn check_data() -> Result<(), String> {
    KINDS.as_ref().map(|_| ()).map_err(Clone::clone)
}

pub fn kind(key: &str) -> Option<&'static Kind> {
    kinds().iter().find(|k| k.key == key)
}

/// The facts of a plan that decide which attachments it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlanFacts {
    pub sole_proprietor: bool,
    pub comparator_exists: bool,
    /// 常勤の職員の数 + the current 1号, 外国人建設就労者 and 技能実習生 + the planned workers:
    /// everyone the organization will employ while the plan runs (Decision: the 就業規則 duty
    /// counts every worker, foreign ones included, and the plan is judged for the period it
    /// covers, so the planned workers count).
    pub workers: u32,
    /// The Part 6 blocks.
    pub planned_workers: u32,
    pub agent: bool,
    /// The reviewer's 補正依頼 asked for other documents (No.16).
    pub other_requested: bool,
}

/// A needed attachment: the kind, and for a per-worker kind which worker (0-based Part 6 block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Required {
    pub kind: &'static Kind,
    pub worker: Option<u32>,
}

/// The attachments a plan with these facts needs, in the spec's order (the per-worker ones
/// once per worker). 就業規則 from 10 workers (労働基準法第89条: 常時10人以上).
pub fn required_kinds(facts: &PlanFacts) -> Vec<Required> {
    let mut out = Vec::new();
    for kind in kinds() {
        let needed = match kind.when {
            When::Always => true,
            When::Corporation => !facts.sole_proprietor,
            When::SoleProprietor => facts.sole_proprietor,
            When::Comparator => facts.comparator_exists,
            When::TenWorkers => facts.workers >= 10,
            When::Agent => facts.agent,
            When::OnRequest => facts.other_requested,
            When::PerWorker => {
                out.extend((0..facts.planned_workers).map(|w| Required { kind, worker: Some(w) }));
                false
            }
        };
        if needed {
            out.push(Required { kind, worker: None });
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("not a PDF or JPEG")]
    Type,
    #[error("too large")]
    TooLarge { max_mb: u64 },
    #[error("empty")]
    Empty,
    #[error("too many files")]
    TooMany { max: u32 },
}

impl FileError {
    pub fn message_key(self) -> &'static str {
        match self {
            FileError::Type => "plan.err.file_type",
            FileError::TooLarge { .. } => "plan.err.file_too_large",
            FileError::Empty => "plan.err.file_empty",
            FileError::TooMany { .. } => "plan.err.file_too_many",
        }
    }

    pub fn params(self) -> Vec<(&'static str, String)> {
        match self {
            FileError::TooLarge { max_mb } => vec![("max_mb", max_mb.to_string())],
            FileError::TooMany { max } => vec![("max", max.to_string())],
            _ => Vec::new(),
        }
    }
}

/// The type by content: a PDF starts with `%PDF-` (ISO 32000 §7.5.2; readers tolerate junk
/// before it, but a scanner's output never has any, and accepting it would let a polyglot
/// through), a JPEG with the SOI marker and a further marker (`FF D8 FF`). The name and the
/// browser's Content-Type are ignored.
pub fn sniff(bytes: &[u8]) -> Option<FileType> {
    if bytes.starts_with(b"%PDF-") {
        Some(FileType::Pdf)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileType::Jpeg)
    } else {
        None
    }
}

/// A file for `kind`: its type by content among the kind's, its size within the kind's limit,
/// and the kind's count with `already` files of it stored.
pub fn check_file(kind: &Kind, bytes: &[u8], already: u32) -> Result<FileType, FileError> {
    if already >= kind.max_files {
        return Err(FileError::TooMany { max: kind.max_files });
    }
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    if bytes.len() as u64 > kind.max_bytes {
        return Err(FileError::TooLarge { max_mb: kind.max_bytes / (1024 * 1024) });
    }
    match sniff(bytes) {
        Some(t) if kind.types.contains(&t) => Ok(t),
        _ => Err(FileError::Type),
    }
}

/// The issue date typed with a file of a kind that has an age rule: within `max_age_months`
/// before the application date and not after it. Kinds without a rule take any date.
pub fn check_issue_date(kind: &Kind, issued: NaiveDate, application: NaiveDate) -> Result<(), RuleError> {
    match kind.max_age_months {
        Some(months) => within_months(issued, months, application),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn keys(facts: &PlanFacts) -> Vec<String> {
        required_kinds(facts)
            .iter()
            .map(|r| match r.worker {
                Some(w) => format!("{}#{w}", r.kind.key),
                None => r.kind.key.clone(),
            })
            .collect()
    }

    #[test]
    fn sixteen_numbers_in_the_data() {
        check_data().expect("embedded data");
        let mut numbers: Vec<u8> = kinds().iter().map(|k| k.no).collect();
        numbers.dedup();
        assert_eq!(numbers, (1..=16).collect::<Vec<u8>>());
        let registry = kind("registry").expect("No.1");
        assert_eq!((registry.max_age_months, registry.max_bytes, registry.max_files), (Some(3), 10 * 1024 * 1024, 20));
        assert_eq!(kind("job_offer").and_then(|k| k.max_age_months), Some(12));
        assert!(kinds().iter().all(|k| k.types == [FileType::Pdf, FileType::Jpeg]));
        assert!(load("[defaults]\ntypes=[]\nmax_bytes=1\nmax_files=1\n[[kind]]\nno=1\nkey=\"a\"\nwhen=\"always\"\nname={ja=\"a\",en=\"a\"}\n").is_err());
        assert!(load("[defaults]\ntypes=[\"png\"]\nmax_bytes=1\nmax_files=1\nkind=[]").is_err());
    }

    #[test]
    fn what_a_plan_needs() {
        let small = PlanFacts { workers: 5, planned_workers: 1, ..PlanFacts::default() };
        assert_eq!(
            keys(&small),
            [
                "registry",
                "construction_permit",
                "fulltime_staff",
                "ccus_business",
                "jac_membership",
                "job_offer",
                "pay_statement",
                "overtime_agreement",
                "prior_explanation#0",
                "ccus_worker#0",
                "employment_contract#0"
            ]
        );
        let full = PlanFacts {
            sole_proprietor: true,
            comparator_exists: true,
            workers: 10,
            planned_workers: 2,
            agent: true,
            other_requested: true,
        };
        let k = keys(&full);
        assert!(k.contains(&"resident_record".into()) && !k.contains(&"registry".into()));
        for key in ["comparator_payroll", "comparator_experience", "work_rules", "power_of_attorney", "other"] {
            assert!(k.contains(&key.to_string()), "{key}");
        }
        assert!(k.contains(&"employment_contract#1".into()));
        assert_eq!(k.len(), 8 + 5 + 6);
        assert!(!keys(&PlanFacts { workers: 9, ..full }).contains(&"work_rules".into()));
    }

    #[test]
    fn files_by_content_and_size() {
        let kind = kind("construction_permit").expect("No.2");
        assert_eq!(check_file(kind, b"%PDF-1.7\n...", 0), Ok(FileType::Pdf));
        assert_eq!(check_file(kind, &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], 0), Ok(FileType::Jpeg));
        assert_eq!(check_file(kind, b"\x89PNG\r\n\x1a\n", 0), Err(FileError::Type), "a PNG named .pdf");
        assert_eq!(check_file(kind, b"  %PDF-1.7", 0), Err(FileError::Type));
        assert_eq!(check_file(kind, b"", 0), Err(FileError::Empty));
        let mut big = b"%PDF-1.7\n".to_vec();
        big.resize(11 * 1024 * 1024, b' ');
        assert_eq!(check_file(kind, &big, 0), Err(FileError::TooLarge { max_mb: 10 }));
        big.truncate(5 * 1024 * 1024);
        assert_eq!(check_file(kind, &big, 0), Ok(FileType::Pdf));
        big.resize(10 * 1024 * 1024, b' ');
        assert_eq!(check_file(kind, &big, 19), Ok(FileType::Pdf));
        assert_eq!(check_file(kind, &big, 20), Err(FileError::TooMany { max: 20 }));
    }

    #[test]
    fn issue_dates() {
        let app = d(2026, 12, 6);
        let registry = kind("registry").expect("No.1");
        assert_eq!(check_issue_date(registry, d(2026, 9, 6), app), Ok(()));
        // Acceptance check 6: four months old → refused.
        assert_eq!(check_issue_date(registry, d(2026, 8, 6), app), Err(RuleError::TooOld { earliest: d(2026, 9, 6) }));
        assert_eq!(
            check_issue_date(registry, d(2026, 12, 7), app),
            Err(RuleError::AfterApplication { application: app })
        );
        let offer = kind("job_offer").expect("No.6");
        assert_eq!(check_issue_date(offer, d(2025, 12, 6), app), Ok(()));
        assert!(check_issue_date(offer, d(2025, 12, 5), app).is_err());
        assert_eq!(check_issue_date(kind("jac_membership").expect("No.5"), d(2001, 1, 1), app), Ok(()));
    }
}
