//! 建設業許可 (Part 1, mlit-plan.md §4.2): 許可行政庁 (国土交通大臣 or a 知事), 一般／特定,
//! 許可番号 (the 年度 in the parenthesis, 2 digits, and the number, ≤ 6 digits), 許可年月日,
//! 有効期間満了日 (after the application date [ML-jac0301]) and the 許可業種 (the 29 of 建設業法
//! 別表第一, `presets/data/mlit-fwms/trades.csv`).

use chrono::NaiveDate;
use madoguchi_core::normalize::fold;
use std::sync::LazyLock;

/// Who granted the permit: the minister (two or more prefectures) or a governor (JIS code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    Minister,
    Governor(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermitKind {
    /// 一般 (般)
    General,
    /// 特定 (特)
    Special,
}

/// One 許可業種.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trade {
    pub code: String,
    pub abbr: String,
    pub name: String,
}

static TRADES: LazyLock<Vec<Trade>> = LazyLock::new(|| {
    include_str!("../../../../presets/data/mlit-fwms/trades.csv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
        .filter_map(|l| {
            let mut cols = l.split(',');
            Some(Trade { code: cols.next()?.into(), abbr: cols.next()?.into(), name: cols.next()?.into() })
        })
        .collect()
});

/// The 29 業種 in the law's order.
pub fn trades() -> &'static [Trade] {
    &TRADES
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PermitError {
    #[error("許可番号")]
    Number,
    #[error("許可行政庁")]
    Authority,
    #[error("業種")]
    Trade,
    #[error("no 業種")]
    NoTrade,
    #[error("expired at the application date")]
    Expired,
    #[error("expiry not after the permit date")]
    ExpiryBeforeGrant,
    #[error("permit date in the future")]
    GrantedLater,
}

impl PermitError {
    pub fn message_key(self) -> &'static str {
        match self {
            PermitError::Number => "plan.err.permit_number",
            PermitError::Authority => "plan.err.permit_authority",
            PermitError::Trade => "plan.err.permit_trade",
            PermitError::NoTrade => "plan.err.permit_no_trade",
            PermitError::Expired => "plan.err.permit_expired",
            PermitError::ExpiryBeforeGrant => "plan.err.permit_expiry_order",
            PermitError::GrantedLater => "plan.err.permit_granted_later",
        }
    }
}

/// 許可行政庁 as the form's select sends it: `minister` or `governor-NN` (JIS prefecture code
/// 01–47).
pub fn authority(raw: &str) -> Result<Authority, PermitError> {
    let text = raw.trim();
    if text == "minister" {
        return Ok(Authority::Minister);
    }
    let code = text.strip_prefix("governor-").ok_or(PermitError::Authority)?;
    match code.parse::<u8>() {
        Ok(n) if code.len() == 2 && (1..=47).contains(&n) => Ok(Authority::Governor(n)),
        _ => Err(PermitError::Authority),
    }
}

/// 許可番号 as two fields: the 年度 in the parenthesis (1–2 digits, 1–99: the era year of the
/// grant or renewal) and the number (1–6 digits, no leading-zero games: stored as a number).
pub fn number(year: &str, number: &str) -> Result<(u8, u32), PermitError> {
    let y = digits(year, 2).ok_or(PermitError::Number)?;
    let n = digits(number, 6).ok_or(PermitError::Number)?;
    match (u8::try_from(y), n) {
        (Ok(y), n) if y >= 1 && n >= 1 => Ok((y, n)),
        _ => Err(PermitError::Number),
    }
}

fn digits(raw: &str, max_len: usize) -> Option<u32> {
    let text: String = fold(raw).chars().filter(|c| !c.is_whitespace()).collect();
    if text.is_empty() || text.len() > max_len || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The permit as printed on the 許可通知書 and copied by users:
/// `国土交通大臣 許可（特－3）第12345号`, `東京都知事許可(般-05)第123456号`. Returns the kind, 年度
/// and number; the authority comes from its own select (the printed name is not parsed: 47
/// governors' spellings are not worth a second source of truth).
pub fn parse_printed(raw: &str) -> Result<(PermitKind, u8, u32), PermitError> {
    let text: String = fold(raw).chars().filter(|c| !c.is_whitespace()).collect();
    let open = text.find('(').ok_or(PermitError::Number)?;
    let close = text[open..].find(')').map(|i| open + i).ok_or(PermitError::Number)?;
    let inner = &text[open + 1..close];
    let (kind, year) = inner.split_once('-').ok_or(PermitError::Number)?;
    let kind = match kind {
        "般" => PermitKind::General,
        "特" => PermitKind::Special,
        _ => return Err(PermitError::Number),
    };
    let rest = &text[close + 1..];
    let num = rest.strip_prefix('第').and_then(|r| r.strip_suffix('号')).ok_or(PermitError::Number)?;
    let (y, n) = number(year, num)?;
    Ok((kind, y, n))
}

/// The chosen 業種 codes: known, at least one, each once (kept in the law's order).
pub fn trade_codes(codes: &[&str]) -> Result<Vec<String>, PermitError> {
    let mut out: Vec<String> = Vec::new();
    for code in codes {
        let code = code.trim();
        if !trades().iter().any(|t| t.code == code) {
            return Err(PermitError::Trade);
        }
        if !out.iter().any(|c| c == code) {
            out.push(code.to_string());
        }
    }
    if out.is_empty() {
        return Err(PermitError::NoTrade);
    }
    out.sort();
    Ok(out)
}

/// The dates: granted on or before the application date, expiring after the permit date and
/// strictly after the application date (a permit ending on the application day does not carry
/// the plan; [ML-jac0301] asks for one valid at application).
pub fn check_dates(granted: NaiveDate, expires: NaiveDate, application: NaiveDate) -> Result<(), PermitError> {
    if granted > application {
        Err(PermitError::GrantedLater)
    } else if expires <= granted {
        Err(PermitError::ExpiryBeforeGrant)
    } else if expires <= application {
        Err(PermitError::Expired)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn the_29_trades_are_data() {
        assert_eq!(trades().len(), 29);
        assert_eq!(trades()[0].name, "土木一式工事");
        assert_eq!(trades()[28].name, "解体工事");
        assert_eq!(trade_codes(&["05", "01", "05"]), Ok(vec!["01".to_string(), "05".to_string()]));
        assert_eq!(trade_codes(&["30"]), Err(PermitError::Trade));
        assert_eq!(trade_codes(&[]), Err(PermitError::NoTrade));
    }

    #[test]
    fn authorities_numbers_printed_forms() {
        assert_eq!(authority("minister"), Ok(Authority::Minister));
        assert_eq!(authority("governor-13"), Ok(Authority::Governor(13)));
        assert_eq!(authority("governor-48"), Err(PermitError::Authority));
        assert_eq!(authority("governor-7"), Err(PermitError::Authority));
        assert_eq!(number("05", "123456"), Ok((5, 123_456)));
        assert_eq!(number("５", "１２３"), Ok((5, 123)));
        assert_eq!(number("100", "1"), Err(PermitError::Number));
        assert_eq!(number("3", "1234567"), Err(PermitError::Number));
        assert_eq!(number("0", "1"), Err(PermitError::Number));
        assert_eq!(parse_printed("国土交通大臣 許可（特－3）第12345号"), Ok((PermitKind::Special, 3, 12_345)));
        assert_eq!(parse_printed("東京都知事許可(般-05)第123456号"), Ok((PermitKind::General, 5, 123_456)));
        assert_eq!(parse_printed("東京都知事許可(般-05)123456"), Err(PermitError::Number));
        assert_eq!(parse_printed("(特-3"), Err(PermitError::Number));
    }

    #[test]
    fn expiry_is_after_the_application_date() {
        let app = d(2026, 12, 6);
        assert_eq!(check_dates(d(2022, 1, 10), d(2027, 1, 9), app), Ok(()));
        assert_eq!(check_dates(d(2021, 12, 7), d(2026, 12, 6), app), Err(PermitError::Expired));
        assert_eq!(check_dates(d(2021, 12, 8), d(2026, 12, 7), app), Ok(()));
        assert_eq!(check_dates(d(2026, 12, 7), d(2031, 12, 6), app), Err(PermitError::GrantedLater));
        assert_eq!(check_dates(d(2026, 1, 7), d(2026, 1, 7), app), Err(PermitError::ExpiryBeforeGrant));
    }
}
