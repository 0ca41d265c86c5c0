//! shaho's contract import (`madoguchi contract import`, the console's CSV form): any bytes
//! are decoded and read — contracts with CustomerId, phone, seats and one ASP user ID per
//! seat, or refusals with their lines, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use madoguchi_console::contracts::read_import;
use madoguchi_identity::accounts::decode_csv;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = decode_csv(bytes) else { return };
    let shaho = madoguchi_fuzz::presets().iter().find(|p| p.id == "shaho").expect("the shaho preset");
    match read_import(shaho, &text) {
        Ok(contracts) => {
            for (_, c) in contracts {
                assert_eq!(c.asp_user_ids.len() as i64, c.seats, "one ASP user ID per seat");
            }
        }
        Err(errors) => assert!(errors.iter().all(|e| !e.message.is_empty())),
    }
});
