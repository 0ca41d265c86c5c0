//! E-mail addresses as typed: folding never panics and is idempotent; an address the check
//! accepts is plain ASCII of at most 254 bytes with one `@`, and stays as it is when typed
//! again. (Non-ASCII text need not be stable under `email()` — "Y\u{30a}" lower-cases to
//! "y\u{30a}", which NFKC composes to "ẙ" — and never is an address: `is_email` refuses it.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use madoguchi_core::normalize::{email, fold, is_email};

fuzz_target!(|text: &str| {
    let folded = fold(text);
    assert_eq!(fold(&folded), folded, "fold is idempotent");
    let address = email(text);
    if is_email(&address) {
        assert!(address.is_ascii() && address.len() <= 254 && address.matches('@').count() == 1, "{address:?}");
        assert_eq!(email(&address), address, "an accepted address is stable");
    }
    let _ = is_email(text);
});
