//! Contract identifiers as employers type them: shaho's CustomerId (お客様番号) and phone.

use crate::normalize::fold;

/// お客様番号: `digits` digits beginning with `prefix` (shaho: 6 digits beginning 28).
pub fn customer_id(raw: &str, prefix: &str, digits: u32) -> Option<String> {
    let id: String = fold(raw).trim().to_string();
    (id.len() == digits as usize && id.chars().all(|c| c.is_ascii_digit()) && id.starts_with(prefix)).then_some(id)
}

/// The contract's phone number as digits ([`crate::phone::parse`]: the numbering plan's rules).
pub fn phone(raw: &str) -> Option<String> {
    crate::phone::parse(raw)
}

/// rokin's 契約番号: `digits` half-width digits (full-width typing folded).
pub fn contract_number(raw: &str, digits: u32) -> Option<String> {
    let number: String = fold(raw).trim().to_string();
    (number.len() == digits as usize && number.chars().all(|c| c.is_ascii_digit())).then_some(number)
}

/// The length of rokin's 初期パスワード, which the employer chose on the paper application.
pub const INITIAL_PASSWORD_LENGTH: usize = 8;

/// rokin's 初期パスワード: 8 half-width characters with an upper-case letter, a lower-case
/// letter, a digit and a symbol (「半角英大・小文字、数字、記号の 4 種必須」). Only the operator
/// registers it; at 初期登録ログイン it is compared with its hash whatever its shape.
pub fn initial_password_ok(raw: &str) -> bool {
    raw.len() == INITIAL_PASSWORD_LENGTH
        && raw.chars().all(|c| c.is_ascii_graphic())
        && raw.chars().any(|c| c.is_ascii_uppercase())
        && raw.chars().any(|c| c.is_ascii_lowercase())
        && raw.chars().any(|c| c.is_ascii_digit())
        && raw.chars().any(|c| c.is_ascii_punctuation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_ids() {
        assert_eq!(customer_id("281234", "28", 6).as_deref(), Some("281234"));
        assert_eq!(customer_id("２８１２３４", "28", 6).as_deref(), Some("281234"));
        assert_eq!(customer_id("291234", "28", 6), None);
        assert_eq!(customer_id("28123", "28", 6), None);
        assert_eq!(customer_id("28123a", "28", 6), None);
    }

    #[test]
    fn phones() {
        assert_eq!(phone("03-1234-5678").as_deref(), Some("0312345678"));
        assert_eq!(phone("０３−１２３４−５６７８").as_deref(), Some("0312345678"));
        assert_eq!(phone("(06) 1234 5678").as_deref(), Some("0612345678"));
        assert_eq!(phone("090-1234-5678").as_deref(), Some("09012345678"));
        assert_eq!(phone("0120-123-456").as_deref(), Some("0120123456"));
        assert_eq!(phone("0120-123-4567"), None, "toll-free 0120 has 10 digits");
        assert_eq!(phone("090-123-4567"), None, "a mobile number has 11 digits");
        assert_eq!(phone("1234-5678"), None);
        assert_eq!(phone("03-1234-567"), None);
        assert_eq!(phone("03-1234-5678 内線12"), None);
    }

    #[test]
    fn rokin_contract_fields() {
        assert_eq!(contract_number("１２３４５６７８", 8).as_deref(), Some("12345678"));
        assert_eq!(contract_number(" 12345678 ", 8).as_deref(), Some("12345678"));
        assert_eq!(contract_number("1234567", 8), None);
        assert_eq!(contract_number("1234567a", 8), None);
        assert!(initial_password_ok("Ab3$efgh"));
        assert!(!initial_password_ok("Ab3$efg"), "7 characters");
        assert!(!initial_password_ok("Ab3$efghi"), "9 characters");
        assert!(!initial_password_ok("ab3$efgh"), "no upper-case letter");
        assert!(!initial_password_ok("Ab3defgh"), "no symbol");
        assert!(!initial_password_ok("Ab3$ efg"), "a space");
    }
}
