//! Configuration files: any text is refused with messages or accepted, never a panic; an
//! accepted configuration's rules and service hours then run at a few instants.
#![no_main]

use libfuzzer_sys::fuzz_target;
use madoguchi_core::Config;
use madoguchi_core::rules::{CodeRule, LockRule, SessionRule, TrustRule, password_age, withdrawal_status};

fuzz_target!(|text: &str| {
    let config = match Config::parse("fuzz.toml", text) {
        Ok(config) => config,
        Err(errors) => {
            assert!(!errors.0.is_empty(), "a refusal names its rule");
            let _ = errors.to_string();
            return;
        }
    };
    // 2025-06-01 and 2100-01-01 (JST is applied by the rules themselves).
    for now in [1_748_736_000_i64, 4_102_444_800] {
        for portal in &config.portals {
            let s = &portal.settings;
            let _ = SessionRule::of(&s.session).verdict(now + 60, now - 30, now);
            let lock = LockRule::of(&s.lockout);
            let _ = lock.fail(&Default::default(), lock.threshold, now);
            let _ = CodeRule::login_code(&s.second_factor).map(|r| r.verdict(r.expires_at(now), 1, now));
            let _ = TrustRule::of(&s.second_factor).map(|r| r.skips(r.expires_at(now), now));
            let _ = password_age(&s.password, now - 86_400 * 200, now);
            let _ = s.withdrawal.as_ref().map(|w| withdrawal_status(w, now - 86_400 * 40, now));
            if let Some(at) = chrono::DateTime::from_timestamp(now, 0) {
                let _ = portal.hours.availability(
                    at.with_timezone(&madoguchi_core::clock::JST),
                    &madoguchi_core::calendar::Overrides::default(),
                );
            }
        }
    }
});
