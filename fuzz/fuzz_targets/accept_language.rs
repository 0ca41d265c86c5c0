//! The language of a request: any Accept-Language header or language code picks a language
//! without panicking, and a known code round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use madoguchi_core::Lang;

fuzz_target!(|text: &str| {
    let _ = Lang::from_accept_language(text);
    if let Some(lang) = Lang::parse(text) {
        assert_eq!(Lang::parse(lang.code()), Some(lang));
    }
});
