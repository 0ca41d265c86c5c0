//! The plan's identifiers as users type them (modules spec mlit-plan.md §4.2, §4.7): each
//! parser folds full-width input (NFKC, japanese-data.md), returns the stored form, or a
//! [`FieldError`] whose message key is in locales/ (`plan.err.*`).

use madoguchi_core::normalize::fold;

/// Why a Part 1–6 field is refused; [`FieldError::message_key`] names its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("required")]
    Required,
    #[error("在留カード番号")]
    ResidenceCard,
    #[error("CCUS ID")]
    CcusId,
    #[error("CCUS ID of fourteen zeros")]
    CcusZeros,
    #[error("CCUS reason")]
    CcusReason,
    #[error("郵便番号")]
    PostalCode,
    #[error("求人番号")]
    JobNumber,
    #[error("電話番号")]
    Phone,
    #[error("not a whole number")]
    Count,
    #[error("below the minimum")]
    CountMin { min: u32 },
    #[error("not an amount")]
    Yen,
    #[error("not a date")]
    Date,
}

impl FieldError {
    pub fn message_key(self) -> &'static str {
        match self {
            FieldError::Required => "plan.err.required",
            FieldError::ResidenceCard => "plan.err.residence_card",
            FieldError::CcusId => "plan.err.ccus_id",
            FieldError::CcusZeros => "plan.err.ccus_zeros",
            FieldError::CcusReason => "plan.err.ccus_reason",
            FieldError::PostalCode => "plan.err.postal_code",
            FieldError::JobNumber => "plan.err.job_number",
            FieldError::Phone => "plan.err.phone",
            FieldError::Count => "plan.err.count",
            FieldError::CountMin { .. } => "plan.err.count_min",
            FieldError::Yen => "plan.err.yen",
            FieldError::Date => "plan.err.date",
        }
    }

    /// The `{name}` values of the message.
    pub fn params(self) -> Vec<(&'static str, String)> {
        match self {
            FieldError::CountMin { min } => vec![("min", min.to_string())],
            _ => Vec::new(),
        }
    }
}

/// Folded, all whitespace dropped: what every identifier parser reads.
fn compact(raw: &str) -> String {
    fold(raw).chars().filter(|c| !c.is_whitespace()).collect()
}

/// 在留カード番号: `[A-Z]{2}[0-9]{8}[A-Z]{2}` [ML-jac0304]. Lower-case letters are taken as
/// upper-case (the card prints capitals; phones type lower-case first). Stored upper-case.
pub fn residence_card(raw: &str) -> Result<String, FieldError> {
    let text = compact(raw).to_ascii_uppercase();
    if text.is_empty() {
        return Err(FieldError::Required);
    }
    let b = text.as_bytes();
    let ok = b.len() == 12
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..10].iter().all(u8::is_ascii_digit)
        && b[10..].iter().all(u8::is_ascii_uppercase);
    if ok { Ok(text) } else { Err(FieldError::ResidenceCard) }
}

/// The two reasons the original form offers for a missing CCUS 技能者ID [ML-jac0204].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CcusReason {
    /// 「海外在住である為入力不要」
    LivesAbroad,
    /// 「他社に勤務中であり、かつID未取得の為入力不能」
    EmployedElsewhere,
}

impl CcusReason {
    pub const ALL: [CcusReason; 2] = [CcusReason::LivesAbroad, CcusReason::EmployedElsewhere];

    /// The form's value.
    pub fn code(self) -> &'static str {
        match self {
            CcusReason::LivesAbroad => "abroad",
            CcusReason::EmployedElsewhere => "employed_elsewhere",
        }
    }

    /// The original's words, shown as they are in both languages' forms (the label is the
    /// reason MLIT's reviewer reads).
    pub fn label(self) -> &'static str {
        match self {
            CcusReason::LivesAbroad => "海外在住である為入力不要",
            CcusReason::EmployedElsewhere => "他社に勤務中であり、かつID未取得の為入力不能",
        }
    }

    pub fn parse(code: &str) -> Option<CcusReason> {
        CcusReason::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// A worker's CCUS 技能者ID, or "pending" with its reason (Beyond: the original has the user
/// type fourteen 0s and attach a reason document [ML-jac0304]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CcusId {
    Id(String),
    Pending(CcusReason),
}

/// 14 digits (folded, spaces and hyphens dropped), or, when the field is empty, one of the
/// two reasons (`reason` is the form's code, empty when none was chosen). Both given: the ID
/// wins only if valid — a reason next to a typed ID is ignored, since the ID is the better
/// fact. Fourteen zeros are refused with their own message pointing at the reasons.
pub fn ccus_worker_id(raw: &str, reason: &str) -> Result<CcusId, FieldError> {
    let text: String = compact(raw).chars().filter(|c| *c != '-').collect();
    if text.is_empty() {
        return match reason.trim() {
            "" => Err(FieldError::Required),
            code => CcusReason::parse(code).map(CcusId::Pending).ok_or(FieldError::CcusReason),
        };
    }
    fourteen_digits(&text).map(CcusId::Id)
}

/// The organization's CCUS 事業者ID: 14 digits as well (Choice: the length of the 事業者ID is
/// n/f; the 技能者ID's 14 is known [ML-jac0304] and CCUS numbers both alike).
pub fn ccus_business_id(raw: &str) -> Result<String, FieldError> {
    let text: String = compact(raw).chars().filter(|c| *c != '-').collect();
    if text.is_empty() {
        return Err(FieldError::Required);
    }
    fourteen_digits(&text)
}

fn fourteen_digits(text: &str) -> Result<String, FieldError> {
    if text.len() != 14 || !text.bytes().all(|b| b.is_ascii_digit()) {
        Err(FieldError::CcusId)
    } else if text.bytes().all(|b| b == b'0') {
        Err(FieldError::CcusZeros)
    } else {
        Ok(text.to_string())
    }
}

/// 郵便番号: 7 digits, typed with or without the hyphen after the third (any dash folds);
/// stored `NNN-NNNN`.
pub fn postal_code(raw: &str) -> Result<String, FieldError> {
    let text = compact(raw);
    if text.is_empty() {
        return Err(FieldError::Required);
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let shape = text.len() == 7 || (text.len() == 8 && text.find('-') == Some(3));
    if digits.len() == 7 && shape && text.chars().all(|c| c.is_ascii_digit() || c == '-') {
        Ok(format!("{}-{}", &digits[..3], &digits[3..]))
    } else {
        Err(FieldError::PostalCode)
    }
}

/// ハローワーク求人番号 `NNNNN-NNNNNNNN` (hellowork spec §2.1: 5 digits of the office, 8 of the
/// number). Typed with any dash or none; stored with the hyphen.
pub fn job_number(raw: &str) -> Result<String, FieldError> {
    let text = compact(raw);
    if text.is_empty() {
        return Err(FieldError::Required);
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let shape = text.len() == 13 || (text.len() == 14 && text.find('-') == Some(5));
    if digits.len() == 13 && shape && text.chars().all(|c| c.is_ascii_digit() || c == '-') {
        Ok(format!("{}-{}", &digits[..5], &digits[5..]))
    } else {
        Err(FieldError::JobNumber)
    }
}

/// 電話番号 by the platform's rule (japanese-data.md, `madoguchi_core::phone`): the digits.
pub fn phone(raw: &str) -> Result<String, FieldError> {
    if compact(raw).is_empty() {
        return Err(FieldError::Required);
    }
    madoguchi_core::phone::parse(raw).ok_or(FieldError::Phone)
}

/// A count of people (常勤の職員の数 ≥ 1, the current foreign workers ≥ 0): digits only, with
/// thousands commas allowed; at most 1,000,000 (no employer has more; it bounds the sums).
pub fn count(raw: &str, min: u32) -> Result<u32, FieldError> {
    let text: String = compact(raw).chars().filter(|c| *c != ',').collect();
    if text.is_empty() {
        return Err(FieldError::Required);
    }
    if text.len() > 7 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::Count);
    }
    let n: u32 = text.parse().map_err(|_| FieldError::Count)?;
    if n > 1_000_000 {
        Err(FieldError::Count)
    } else if n < min {
        Err(FieldError::CountMin { min })
    } else {
        Ok(n)
    }
}

/// A monthly amount in whole yen (報酬月額, the comparator's 月額): digits with commas, an
/// optional 円 or leading ¥; 1 – 100,000,000.
pub fn yen(raw: &str) -> Result<u64, FieldError> {
    let text = compact(raw);
    let text = text.strip_prefix('¥').unwrap_or(&text);
    let text = text.strip_suffix('円').unwrap_or(text);
    let digits: String = text.chars().filter(|c| *c != ',').collect();
    if digits.is_empty() {
        return Err(FieldError::Required);
    }
    if digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::Yen);
    }
    match digits.parse::<u64>() {
        Ok(n) if (1..=100_000_000).contains(&n) => Ok(n),
        _ => Err(FieldError::Yen),
    }
}

/// A date as the form's `<input type="date">` sends it (`YYYY-MM-DD`), or typed with `/`.
pub fn date(raw: &str) -> Result<chrono::NaiveDate, FieldError> {
    let text = compact(raw).replace('/', "-");
    if text.is_empty() {
        return Err(FieldError::Required);
    }
    chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| FieldError::Date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residence_card_numbers() {
        assert_eq!(residence_card("AB12345678CD").as_deref(), Ok("AB12345678CD"));
        assert_eq!(residence_card("ａｂ１２３４５６７８ｃｄ").as_deref(), Ok("AB12345678CD"));
        assert_eq!(residence_card("AB1234567C"), Err(FieldError::ResidenceCard));
        assert_eq!(residence_card("AB123456789D"), Err(FieldError::ResidenceCard));
        assert_eq!(residence_card("1B12345678CD"), Err(FieldError::ResidenceCard));
        assert_eq!(residence_card("ÄB12345678CD"), Err(FieldError::ResidenceCard));
        assert_eq!(residence_card(""), Err(FieldError::Required));
    }

    #[test]
    fn ccus_ids_and_reasons() {
        assert_eq!(ccus_worker_id("1234 5678 9012 34", ""), Ok(CcusId::Id("12345678901234".into())));
        assert_eq!(ccus_worker_id("", ""), Err(FieldError::Required));
        assert_eq!(ccus_worker_id("", "abroad"), Ok(CcusId::Pending(CcusReason::LivesAbroad)));
        assert_eq!(ccus_worker_id("", "employed_elsewhere"), Ok(CcusId::Pending(CcusReason::EmployedElsewhere)));
        assert_eq!(ccus_worker_id("", "other"), Err(FieldError::CcusReason));
        assert_eq!(ccus_worker_id("00000000000000", ""), Err(FieldError::CcusZeros));
        assert_eq!(ccus_worker_id("1234567890123", "abroad"), Err(FieldError::CcusId), "a wrong ID is not hidden");
        assert_eq!(ccus_business_id("１２３４５６７８９０１２３４").as_deref(), Ok("12345678901234"));
        assert_eq!(ccus_business_id("123456789012345"), Err(FieldError::CcusId));
    }

    #[test]
    fn postal_codes_job_numbers_phones() {
        assert_eq!(postal_code("100ー0001").as_deref(), Ok("100-0001"));
        assert_eq!(postal_code("1000001").as_deref(), Ok("100-0001"));
        assert_eq!(postal_code("10-00001"), Err(FieldError::PostalCode));
        assert_eq!(postal_code("100-00011"), Err(FieldError::PostalCode));
        assert_eq!(job_number("13010-12345678").as_deref(), Ok("13010-12345678"));
        assert_eq!(job_number("１３０１０－１２３４５６７８").as_deref(), Ok("13010-12345678"));
        assert_eq!(job_number("1301012345678").as_deref(), Ok("13010-12345678"));
        assert_eq!(job_number("1301-012345678"), Err(FieldError::JobNumber));
        assert_eq!(job_number("13010-1234567"), Err(FieldError::JobNumber));
        assert_eq!(phone("03−1234−5678").as_deref(), Ok("0312345678"));
        assert_eq!(phone("12345"), Err(FieldError::Phone));
    }

    #[test]
    fn counts_amounts_dates() {
        assert_eq!(count("１２", 1), Ok(12));
        assert_eq!(count("1,200", 1), Ok(1200));
        assert_eq!(count("0", 1), Err(FieldError::CountMin { min: 1 }));
        assert_eq!(count("0", 0), Ok(0));
        assert_eq!(count("-1", 0), Err(FieldError::Count));
        assert_eq!(count("99999999", 0), Err(FieldError::Count));
        assert_eq!(yen("¥250,000"), Ok(250_000));
        assert_eq!(yen("２５００００円"), Ok(250_000));
        assert_eq!(yen("0"), Err(FieldError::Yen));
        assert_eq!(yen("25万"), Err(FieldError::Yen));
        assert_eq!(date("2026/12/06"), Ok(chrono::NaiveDate::from_ymd_opt(2026, 12, 6).expect("date")));
        assert_eq!(date("2026-02-30"), Err(FieldError::Date));
    }
}
