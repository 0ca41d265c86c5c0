//! Which office reviews a plan (mlit-plan.md §4.4): the 地方整備局, 北海道開発局 or 沖縄総合事務局
//! of the 主たる営業所's prefecture, from `presets/data/mlit-fwms/bureaus.csv` (47 prefectures;
//! its header cites MLIT's 管轄区域 for 建設業) and `bureau_names.csv`; and the 認定番号,
//! `<局略称>-<yyyy>-<6 digits>` (Choice), e.g. `KTR-2027-000123`.

use madoguchi_core::normalize::fold;
use std::sync::LazyLock;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bureau {
    /// The office's web abbreviation (`ktr`), also the queue's key.
    pub code: String,
    pub name: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefecture {
    /// JIS X 0401, `01`–`47`.
    pub code: String,
    pub name: String,
    pub bureau: String,
}

fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).skip(1).map(|l| l.split(',').collect())
}

static BUREAUS: LazyLock<Vec<Bureau>> = LazyLock::new(|| {
    rows(include_str!("../../../../presets/data/mlit-fwms/bureau_names.csv"))
        .filter_map(|c| match c[..] {
            [code, name, en] => Some(Bureau { code: code.into(), name: name.into(), name_en: en.into() }),
            _ => None,
        })
        .collect()
});

static PREFECTURES: LazyLock<Vec<Prefecture>> = LazyLock::new(|| {
    rows(include_str!("../../../../presets/data/mlit-fwms/bureaus.csv"))
        .filter_map(|c| match c[..] {
            [code, name, bureau] => Some(Prefecture { code: code.into(), name: name.into(), bureau: bureau.into() }),
            _ => None,
        })
        .collect()
});

pub fn bureaus() -> &'static [Bureau] {
    &BUREAUS
}

pub fn prefectures() -> &'static [Prefecture] {
    &PREFECTURES
}

pub fn bureau(code: &str) -> Option<&'static Bureau> {
    bureaus().iter().find(|b| b.code == code)
}

/// The reviewing office of a prefecture, by its JIS code (`13`) or its name (`東京都`).
pub fn route(prefecture: &str) -> Option<&'static Bureau> {
    let p = prefecture.trim();
    let row = prefectures().iter().find(|r| r.code == p || r.name == p)?;
    bureau(&row.bureau)
}

/// The office of an address typed as one line (主たる営業所の所在地 ≤ 200): the prefecture it
/// starts with. None when it starts with none (the screen then asks for the prefecture).
pub fn route_address(address: &str) -> Option<&'static Bureau> {
    let a = fold(address);
    let a = a.trim_start();
    let row = prefectures().iter().find(|r| a.starts_with(r.name.as_str()))?;
    bureau(&row.bureau)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalNumberError {
    #[error("unknown office")]
    Bureau,
    #[error("year")]
    Year,
    #[error("serial")]
    Serial,
    #[error("shape")]
    Shape,
}

impl ApprovalNumberError {
    pub fn message_key(self) -> &'static str {
        "plan.err.approval_number"
    }
}

/// The 認定番号 of the `serial`-th 認定 of an office in a year (the JST calendar year of the 認定日;
/// the serial is the store's per-portal `serials::next` under a name such as
/// `approval_number:ktr:2027`, so numbers restart at 1 each year and are never reused).
pub fn approval_number(bureau_code: &str, year: i32, serial: u32) -> Result<String, ApprovalNumberError> {
    if bureau(bureau_code).is_none() {
        return Err(ApprovalNumberError::Bureau);
    }
    if !(2000..=9999).contains(&year) {
        return Err(ApprovalNumberError::Year);
    }
    if !(1..=999_999).contains(&serial) {
        return Err(ApprovalNumberError::Serial);
    }
    Ok(format!("{}-{year}-{serial:06}", bureau_code.to_ascii_uppercase()))
}

/// A typed 認定番号 (search, the operator's look-up): folded, case-insensitive, spaces dropped.
/// Returns the office code, year and serial.
pub fn parse_approval_number(raw: &str) -> Result<(&'static Bureau, i32, u32), ApprovalNumberError> {
    let text: String = fold(raw).chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
    let mut parts = text.split('-');
    let (Some(code), Some(year), Some(serial), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(ApprovalNumberError::Shape);
    };
    let bureau = bureau(code).ok_or(ApprovalNumberError::Bureau)?;
    if year.len() != 4 || serial.len() != 6 || !(year.bytes().chain(serial.bytes()).all(|b| b.is_ascii_digit())) {
        return Err(ApprovalNumberError::Shape);
    }
    let year: i32 = year.parse().map_err(|_| ApprovalNumberError::Year)?;
    let serial: u32 = serial.parse().map_err(|_| ApprovalNumberError::Serial)?;
    approval_number(&bureau.code, year, serial)?;
    Ok((bureau, year, serial))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prefecture_has_an_office() {
        assert_eq!(prefectures().len(), 47);
        assert_eq!(bureaus().len(), 10);
        for (i, p) in prefectures().iter().enumerate() {
            assert_eq!(p.code, format!("{:02}", i + 1));
            assert!(route(&p.code).is_some(), "{}", p.name);
        }
        for b in bureaus() {
            assert!(prefectures().iter().any(|p| p.bureau == b.code), "{} reviews nothing", b.code);
        }
        let kanto: Vec<&str> = prefectures().iter().filter(|p| p.bureau == "ktr").map(|p| p.name.as_str()).collect();
        assert_eq!(kanto, ["茨城県", "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "山梨県", "長野県"]);
        assert_eq!(route("北海道").map(|b| b.name.as_str()), Some("北海道開発局"));
        assert_eq!(route("47").map(|b| b.name.as_str()), Some("沖縄総合事務局"));
        assert_eq!(route("福井県").map(|b| b.code.as_str()), Some("kkr"));
        assert_eq!(route("新潟県").map(|b| b.code.as_str()), Some("hrr"));
        assert_eq!(route("48"), None);
    }

    #[test]
    fn addresses_route_by_their_prefecture() {
        assert_eq!(route_address("東京都千代田区霞が関2-1-3").map(|b| b.code.as_str()), Some("ktr"));
        assert_eq!(route_address(" 京都府京都市").map(|b| b.code.as_str()), Some("kkr"));
        assert_eq!(route_address("千代田区霞が関"), None);
    }

    #[test]
    fn approval_numbers() {
        assert_eq!(approval_number("ktr", 2027, 123).as_deref(), Ok("KTR-2027-000123"));
        assert_eq!(approval_number("xyz", 2027, 1), Err(ApprovalNumberError::Bureau));
        assert_eq!(approval_number("ktr", 2027, 0), Err(ApprovalNumberError::Serial));
        assert_eq!(approval_number("ktr", 2027, 1_000_000), Err(ApprovalNumberError::Serial));
        let (b, y, s) = parse_approval_number("ｋｔｒ－2027－000123").expect("parses");
        assert_eq!((b.code.as_str(), y, s), ("ktr", 2027, 123));
        assert_eq!(parse_approval_number("KTR-2027-123"), Err(ApprovalNumberError::Shape));
        assert_eq!(parse_approval_number("KTR-2027-000000"), Err(ApprovalNumberError::Serial));
        assert_eq!(parse_approval_number("KTR-2027-000123-1"), Err(ApprovalNumberError::Shape));
    }
}
