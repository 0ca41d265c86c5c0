//! The password policy of every preset against a password, login ID and name (fields cut at
//! NUL): the check never panics and every broken rule has a message in both languages.
#![no_main]

use libfuzzer_sys::fuzz_target;
use madoguchi_core::Lang;
use madoguchi_core::password::{Subject, check};

fuzz_target!(|text: &str| {
    let [password, login_id, name] = madoguchi_fuzz::fields::<3>(text);
    let names = [name];
    for portal in madoguchi_fuzz::presets() {
        let policy = &portal.settings.password;
        let broken = check(policy, password, Subject { login_id, names: &names });
        for rule in &broken {
            assert!(!rule.message(Lang::Ja).is_empty());
            assert!(!rule.message(Lang::En).is_empty());
        }
        let length = password.chars().count();
        if (policy.min..=policy.max).contains(&length) && broken.is_empty() {
            assert!(password.chars().all(|c| c.is_ascii_graphic() || c == ' '), "accepted {password:?}");
        }
    }
});
