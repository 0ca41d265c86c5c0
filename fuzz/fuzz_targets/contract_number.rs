//! rokin's 契約番号 (the preset's 8 digits, full-width typing folded) and the shape rule of its
//! 初期パスワード (8 half-width characters, all four classes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use madoguchi_core::contract::{INITIAL_PASSWORD_LENGTH, contract_number, initial_password_ok};

fuzz_target!(|input: (u8, &str)| {
    let (digits, text) = input;
    for digits in [8, u32::from(digits % 16)] {
        if let Some(number) = contract_number(text, digits) {
            assert_eq!(number.len(), digits as usize, "{number:?}");
            assert!(number.chars().all(|c| c.is_ascii_digit()), "{number:?}");
            assert_eq!(contract_number(&number, digits).as_deref(), Some(number.as_str()));
        }
    }
    if initial_password_ok(text) {
        assert_eq!(text.len(), INITIAL_PASSWORD_LENGTH);
        assert!(text.chars().all(|c| c.is_ascii_graphic()), "{text:?}");
    }
});
