//! The rule engines of every preset (lockout, one-time codes, sessions, password age,
//! trusted browsers, withdrawal) at instants from year 1 to 9999 and counters up to a
//! million — the ranges the database and the clock can hold — with the lockout's promise
//! checked: at most `threshold` password checks between two locks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use madoguchi_core::rules::{
    CodeRule, LockRule, LockState, SessionRule, TrustRule, password_age, purge_cutoff, withdrawal_status,
};

const EARLIEST: i64 = -62_135_596_800;
const LATEST: i64 = 253_402_300_799;

fn instant(raw: i64) -> i64 {
    EARLIEST + raw.rem_euclid(LATEST - EARLIEST + 1)
}

fuzz_target!(|input: (u8, [i64; 3], u32, Vec<(bool, u16)>)| {
    let (selector, times, count, events) = input;
    let portal = madoguchi_fuzz::preset(selector);
    let s = &portal.settings;
    let [a, b, now] = times.map(instant);
    let count = i64::from(count % 1_000_001);

    let session = SessionRule::of(&s.session);
    let _ = session.verdict(session.expires_at(a), b, now).reason();
    for rule in [CodeRule::login_code(&s.second_factor), CodeRule::reset_key(&s.recovery)].into_iter().flatten() {
        let _ = rule.verdict(rule.expires_at(a), count, now);
    }
    let _ = password_age(&s.password, a, now);
    if let Some(trust) = TrustRule::of(&s.second_factor) {
        let _ = trust.skips(trust.expires_at(a), now);
    }
    if let Some(w) = &s.withdrawal {
        let _ = (withdrawal_status(w, a, now), purge_cutoff(w, now));
    }

    // A run of login attempts: (wrong password?, seconds since the previous one).
    let lock = LockRule::of(&s.lockout);
    let mut state = LockState { lock_count: count % 8, ..LockState::default() };
    let mut clock = now.min(LATEST - 70_000 * 256);
    let mut checks_since_lock = 0;
    for (wrong, pause) in events.into_iter().take(256) {
        clock += i64::from(pause);
        let Some(reserved) = lock.reserve(&state, clock) else {
            assert!(state.holds(clock) || state.failed_count >= lock.threshold, "refused while open");
            continue;
        };
        checks_since_lock += 1;
        assert!(checks_since_lock <= lock.threshold, "more than {} checks between locks", lock.threshold);
        state = if wrong {
            let (next, _) = lock.fail(&reserved, reserved.failed_count, clock);
            if next.locked_until != reserved.locked_until {
                checks_since_lock = 0;
            }
            next
        } else {
            checks_since_lock = 0;
            LockRule::succeed(&reserved)
        };
    }
});
