//! shaho's CustomerId (お客様番号) with the preset's rule (28 + 6 digits) and with rules an
//! operator may configure (prefix and length from the input).
#![no_main]

use libfuzzer_sys::fuzz_target;
use madoguchi_core::contract::customer_id;

fuzz_target!(|input: (u8, &str, &str)| {
    let (digits, prefix, text) = input;
    for (prefix, digits) in [("28", 6), (prefix, u32::from(digits % 16))] {
        if let Some(id) = customer_id(text, prefix, digits) {
            assert_eq!(id.len(), digits as usize, "{id:?}");
            assert!(id.starts_with(prefix) && id.chars().all(|c| c.is_ascii_digit()), "{id:?}");
            assert_eq!(customer_id(&id, prefix, digits).as_deref(), Some(id.as_str()));
        }
    }
});
