//! Phone numbers as employers type them: an accepted number is 10 or 11 ASCII digits
//! starting with 0 and is accepted again as it is stored.
#![no_main]

use libfuzzer_sys::fuzz_target;
use madoguchi_core::contract::phone;

fuzz_target!(|text: &str| {
    if let Some(digits) = phone(text) {
        assert!(digits.starts_with('0') && (10..=11).contains(&digits.len()), "{digits:?}");
        assert!(digits.chars().all(|c| c.is_ascii_digit()), "{digits:?}");
        assert_eq!(phone(&digits).as_deref(), Some(digits.as_str()), "stored form is accepted");
    }
});
