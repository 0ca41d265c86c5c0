//! The operator's account import (`madoguchi account import`, the console's CSV form): any
//! bytes are decoded (UTF-8 or Shift_JIS) and read for each preset — rows or refusals with
//! their lines, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use madoguchi_identity::accounts::{decode_csv, read_import};

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = decode_csv(bytes) else { return };
    for portal in madoguchi_fuzz::presets() {
        match read_import(portal, &text) {
            Ok(rows) => assert!(!rows.is_empty(), "an import reads at least one row"),
            Err(errors) => assert!(errors.iter().all(|e| !e.message.is_empty())),
        }
    }
});
