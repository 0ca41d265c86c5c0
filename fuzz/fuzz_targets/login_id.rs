//! Login IDs under every preset's policy: parsing never panics, every refusal has a message
//! in both languages, and an accepted ID is stored in a form that parses to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use madoguchi_core::Lang;
use madoguchi_core::login_id::LoginId;

fuzz_target!(|text: &str| {
    for portal in madoguchi_fuzz::presets() {
        let policy = &portal.settings.login_id;
        match LoginId::parse(policy, text) {
            Ok(id) => {
                let again = LoginId::parse(policy, id.as_str());
                assert_eq!(again.as_ref(), Ok(&id), "{}: a stored ID must parse to itself", portal.id);
            }
            Err(rules) => {
                assert!(!rules.is_empty(), "a refusal names its rule");
                for rule in rules {
                    assert!(!rule.message("ログインID", Lang::Ja).is_empty());
                    assert!(!rule.message("login ID", Lang::En).is_empty());
                }
            }
        }
    }
});
