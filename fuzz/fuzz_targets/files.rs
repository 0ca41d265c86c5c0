//! The Files block's rules (docs/FILES.md) on any bytes: `MediaType::detect` (its ZIP central
//! directory reader walks offsets the file itself gives) and `Accept::check` under every
//! module's policy never panic; an accepted file's kind is the detected one and one the
//! policy takes; every clean name is non-empty, within the caps, free of separators, control
//! and bidi characters, without leading dots or trailing dots and spaces, and in NFC; with a
//! kind it ends in one of the kind's extensions.
#![no_main]

use libfuzzer_sys::fuzz_target;
use madoguchi_core::files::{Accept, MediaType, NAME_MAX_BYTES, NAME_MAX_CHARS, file_name, is_hidden_char};

fn check_name(name: &str, kind: Option<MediaType>) {
    assert!(!name.is_empty());
    assert!(name.chars().count() <= NAME_MAX_CHARS && name.len() <= NAME_MAX_BYTES, "{name:?}");
    assert!(!name.contains(['/', '\\']) && !name.chars().any(is_hidden_char), "{name:?}");
    assert!(!name.starts_with('.') && !name.ends_with(['.', ' ']), "{name:?}");
    assert!(unicode_normalization::is_nfc(name), "{name:?}");
    if let Some(kind) = kind {
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_lowercase()).unwrap_or_default();
        assert!(kind.extensions().contains(&ext.as_str()), "{name:?} for {kind:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let detected = MediaType::detect(data);
    let raw = String::from_utf8_lossy(data);
    for accept in [Accept::APPLICATION, Accept::PLAN_ATTACHMENT, Accept::POSTING_PDF, Accept::pdf(64)] {
        if let Ok(accepted) = accept.check(&raw, data, "応募書類") {
            assert_eq!(Some(accepted.media_type), detected);
            assert!(accept.types.contains(&accepted.media_type));
            check_name(&accepted.name, Some(accepted.media_type));
        }
    }
    check_name(&file_name(&raw, "", None), None);
    for kind in MediaType::ALL {
        check_name(&file_name(&raw, &raw, Some(kind)), Some(kind));
    }
});
