//! Phone numbers as employers type them, read against libphonenumber's numbering plan
//! (madoguchi_core::phone): an accepted number is 10 or 11 ASCII digits starting with 0, is
//! accepted again as it is stored, and is shown hyphenated with the same digits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use madoguchi_core::contract::phone;
use madoguchi_core::phone::hyphenated;

fuzz_target!(|text: &str| {
    if let Some(digits) = phone(text) {
        assert!(digits.starts_with('0') && (10..=11).contains(&digits.len()), "{digits:?}");
        assert!(digits.chars().all(|c| c.is_ascii_digit()), "{digits:?}");
        assert_eq!(phone(&digits).as_deref(), Some(digits.as_str()), "stored form is accepted");
        let shown = hyphenated(&digits);
        assert_eq!(shown.replace('-', ""), digits, "{shown:?}");
        assert_eq!(phone(&shown).as_deref(), Some(digits.as_str()), "the shown form is accepted");
    }
});
