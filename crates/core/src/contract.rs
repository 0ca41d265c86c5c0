//! Contract identifiers as employers type them: shaho's CustomerId (お客様番号) and phone.

use crate::normalize::fold;

/// お客様番号: `digits` digits beginning with `prefix` (shaho: 6 digits beginning 28).
pub fn customer_id(raw: &str, prefix: &str, digits: u32) -> Option<String> {
    let id: String = fold(raw).trim().to_string();
    (id.len() == digits as usize && id.chars().all(|c| c.is_ascii_digit()) && id.starts_with(prefix)).then_some(id)
}

/// A Japanese phone number as digits: hyphens of any kind, spaces, parentheses and
/// full-width digits accepted; 10 digits (landline, 050, 0120, 0570) or 11 (070/080/090).
pub fn phone(raw: &str) -> Option<String> {
    let folded = fold(raw);
    if folded.chars().any(|c| !(c.is_ascii_digit() || matches!(c, '-' | ' ' | '(' | ')' | '\u{3000}'))) {
        return None;
    }
    let digits: String = folded.chars().filter(char::is_ascii_digit).collect();
    let ok = digits.starts_with('0')
        && match digits.len() {
            10 => true,
            11 => ["070", "080", "090", "050", "0120", "0800"].iter().any(|p| digits.starts_with(p)),
            _ => false,
        };
    ok.then_some(digits)
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
        assert_eq!(phone("1234-5678"), None);
        assert_eq!(phone("03-1234-567"), None);
        assert_eq!(phone("03-1234-5678 内線12"), None);
    }
}
