//! Japanese phone numbers, checked against the numbering plan by libphonenumber's metadata
//! (the `phonenumber` crate, its Rust port) instead of hand-written prefix rules: which
//! prefixes exist and how many digits each takes (landline 10, mobile 070/080/090 11, IP phone
//! 050 11, toll-free 0120 10 and 0800 11, 0570 10) is the metadata's business, and it is
//! updated with the crate.
//!
//! - **Typed**: full-width digits, any hyphen or dash (also 〜 between digits), spaces and
//!   parentheses, as [`crate::normalize::fold`] reads them; `+81` in front is the same
//!   number. Letters, extensions (内線) and numbers of other countries are refused.
//! - **Stored**: the digits of the national number, with its leading 0 (`0312345678`).
//! - **Shown**: hyphenated the way the plan groups it (`03-1234-5678`, `0120-123-456`),
//!   by [`hyphenated`].

use crate::normalize::fold;
use phonenumber::{Mode, PhoneNumber, country};

/// The number as stored (digits, leading 0), or None when it is not a Japanese number in use.
pub fn parse(raw: &str) -> Option<String> {
    let number = number(raw)?;
    let shown = phonenumber::format(&number).mode(Mode::National).to_string();
    let digits: String = shown.chars().filter(char::is_ascii_digit).collect();
    digits.starts_with('0').then_some(digits)
}

/// The number for people to read, hyphenated (`03-1234-5678`). A stored value that is not a
/// valid number (kept from before the check existed) is shown as it is.
pub fn hyphenated(stored: &str) -> String {
    match number(stored) {
        Some(number) => phonenumber::format(&number).mode(Mode::National).to_string(),
        None => stored.to_string(),
    }
}

fn number(raw: &str) -> Option<PhoneNumber> {
    let folded = fold(raw);
    let text = folded.trim();
    let (international, rest) = match text.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    // What people write between digit groups, and nothing else: libphonenumber would also
    // read letters (vanity numbers), `tel:` URIs and extensions, none of which we store.
    if !rest.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '(' | ')')) {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    // E.164 numbers have at most 15 digits; longer input is refused before the library reads it.
    if digits.len() > 15 {
        return None;
    }
    // National numbers start with the trunk prefix 0; international ones with 81.
    let domestic =
        if international { digits.strip_prefix("81")?.to_string() } else { digits.strip_prefix('0')?.to_string() };
    if domestic.is_empty() || domestic.starts_with('0') {
        return None;
    }
    let number = phonenumber::parse(Some(country::Id::JP), format!("+81{domestic}")).ok()?;
    (number.code().value() == 81 && number.extension().is_none() && phonenumber::is_valid(&number)).then_some(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_use_are_accepted_and_stored_as_digits() {
        for (typed, stored, shown) in [
            ("03-1234-5678", "0312345678", "03-1234-5678"),
            ("０３−１２３４−５６７８", "0312345678", "03-1234-5678"),
            ("(06) 1234 5678", "0612345678", "06-1234-5678"),
            ("（０３）１２３４－５６７８", "0312345678", "03-1234-5678"),
            ("06〜5555〜6666", "0655556666", "06-5555-6666"),
            ("090-1234-5678", "09012345678", "090-1234-5678"),
            ("070 1234 5678", "07012345678", "070-1234-5678"),
            ("050-1234-5678", "05012345678", "050-1234-5678"),
            ("0120-123-456", "0120123456", "0120-123-456"),
            ("0800-123-4567", "08001234567", "0800-123-4567"),
            ("0570-123-456", "0570123456", "0570-123-456"),
            ("+81 3-1234-5678", "0312345678", "03-1234-5678"),
            ("0312345678", "0312345678", "03-1234-5678"),
            ("0466-12-3456", "0466123456", "0466-12-3456"),
        ] {
            assert_eq!(parse(typed).as_deref(), Some(stored), "{typed}");
            assert_eq!(hyphenated(stored), shown, "{typed}");
            assert_eq!(parse(stored).as_deref(), Some(stored), "the stored form is accepted again");
            assert_eq!(parse(shown).as_deref(), Some(stored), "so is the shown form");
        }
    }

    /// Issue 14 item 20: the hand rules accepted 0120 with 11 digits and a mobile with 10.
    #[test]
    fn numbers_outside_the_plan_are_refused() {
        for typed in [
            "0120-123-4567",
            "090-123-4567",
            "03-1234-567",
            "03-1234-56789",
            "1234-5678",
            "3-1234-5678",
            "03-1234-5678 内線12",
            "03-1234-5678 ext. 12",
            "0ABC-DEF-GHI",
            "tel:+81-3-1234-5678",
            "+1 202-555-0143",
            "+81 03-1234-5678",
            "",
            "0",
            "-",
            "00-1234-5678",
            "03-1234-5678-9012-3456",
        ] {
            assert_eq!(parse(typed), None, "{typed}");
        }
    }

    #[test]
    fn a_stored_value_that_is_no_number_is_shown_as_it_is() {
        assert_eq!(hyphenated(""), "");
        assert_eq!(hyphenated("12"), "12");
    }
}
