//! データ番号, the posting's number (jrec-in spec §1.2): `D` followed by 9 digits (e.g.
//! D121111597 [DA]), unique per portal, never reused, given at the first 一時保存 (Choice: the
//! original shows データ番号 in the list of saved drafts). The number is a portal-wide serial,
//! `madoguchi_store::serials::next(conn, portal, SERIAL_NAME)` in the first save's transaction;
//! this type only writes and reads it.

use std::fmt;

/// The name of the portal's counter (`serials.name`).
pub const SERIAL_NAME: &str = "data_number";

/// The largest serial a データ番号 holds.
pub const MAX_SERIAL: u32 = 999_999_999;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DataNumber(u32);

impl DataNumber {
    /// The number of serial `n` (1 ..= 999,999,999); None outside (serial 0 is never issued,
    /// so that `D000000000` never appears).
    pub fn from_serial(n: u32) -> Option<DataNumber> {
        (1..=MAX_SERIAL).contains(&n).then_some(DataNumber(n))
    }

    pub fn serial(self) -> u32 {
        self.0
    }

    /// A number as a user types it: full-width letters and digits folded, a lower-case `d`
    /// accepted, spaces around ignored; exactly `D` and 9 digits.
    pub fn parse(raw: &str) -> Option<DataNumber> {
        let folded = madoguchi_core::normalize::fold(raw.trim());
        let rest = folded.strip_prefix('D').or_else(|| folded.strip_prefix('d'))?;
        if rest.len() != 9 || !rest.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        DataNumber::from_serial(rest.parse().ok()?)
    }
}

impl fmt::Display for DataNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "D{:09}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn d_and_nine_digits() {
        let n = DataNumber::from_serial(121_111_597).unwrap();
        assert_eq!(n.to_string(), "D121111597");
        assert_eq!(DataNumber::from_serial(1).unwrap().to_string(), "D000000001");
        assert_eq!(DataNumber::parse("D121111597"), Some(n));
        assert_eq!(DataNumber::parse(" ｄ１２１１１１５９７ "), Some(n), "full-width and lower case");
        for bad in ["D12111159", "D1211115970", "E121111597", "121111597", "D12111159x", "D000000000", "D-12111159", ""]
        {
            assert_eq!(DataNumber::parse(bad), None, "{bad}");
        }
        assert_eq!(DataNumber::from_serial(0), None);
        assert_eq!(DataNumber::from_serial(MAX_SERIAL + 1), None);
        assert_eq!(DataNumber::from_serial(MAX_SERIAL).unwrap().to_string(), "D999999999");
    }
}
