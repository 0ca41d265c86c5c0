//! 登録情報 (an organization's registered data, jrec-in): name, 機関種別, 部署名, 郵便番号,
//! 所在地, 電話番号 as typed (fields cut at NUL). Accepted data is normalized for good.
#![no_main]

use libfuzzer_sys::fuzz_target;
use madoguchi_core::organization::{ProfileInput, changes, parse};

fuzz_target!(|text: &str| {
    let [name, kind, department, postal_code, address, phone] = madoguchi_fuzz::fields::<6>(text);
    let input = ProfileInput {
        name: name.into(),
        kind: kind.into(),
        department: department.into(),
        postal_code: postal_code.into(),
        address: address.into(),
        phone: phone.into(),
    };
    if let Ok(profile) = parse(&input) {
        let again = ProfileInput {
            name: profile.name.clone(),
            kind: profile.kind.clone(),
            department: profile.department.clone(),
            postal_code: profile.postal_code.clone(),
            address: profile.address.clone(),
            phone: profile.phone.clone(),
        };
        assert_eq!(parse(&again).as_ref(), Ok(&profile), "stored data parses to itself");
        assert!(changes(&profile, &profile).is_empty());
    }
});
