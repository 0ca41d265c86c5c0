//! The time and counter rules of identity, as pure functions of a portal's policy values
//! and `now` (unix seconds, the form every timestamp takes in the database): how long a
//! one-time code, key or temporary password lives and how many tries it allows, when a
//! session ends, when a password warns and expires, how long a trusted browser skips the
//! login code, what a withdrawn account may still do, and the lockout state machine.
//!
//! Every screen decides with these functions; the store only keeps the numbers.
//!
//! The lockout is the exception that proves the rule: its counters must move in one
//! conditional `UPDATE` each (`store::users::reserve_attempt` / `attempt_failed`), or a
//! hundred parallel wrong passwords would each read "4 failures" and all be checked. A
//! read-decide-write through [`LockRule`] would need a row lock that SQLite does not have
//! (and would serialise every login of an account on PostgreSQL). So the SQL mirrors
//! [`LockRule::reserve`] and [`LockRule::fail`], and takes every threshold from the
//! [`LockRule`] (never from the policy directly); the integration test `rules.rs` runs the
//! same sequence of attempts through both, on SQLite and PostgreSQL, and checks that the
//! counters agree after every step. The other rules compare a stored deadline with `now`,
//! which the store leaves to these functions: it returns the row, the caller asks here.

use crate::portal::{LockoutPolicy, PasswordPolicy, Recovery, Registration, SecondFactor, SessionPolicy, Withdrawal};

pub const MINUTE: i64 = 60;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

/// A deadline is met while `now` is before it: a 30-minute code issued at 10:00:00 works
/// at 10:29:59 and not at 10:30:00.
pub fn before(deadline: i64, now: i64) -> bool {
    now < deadline
}

// ---- one-time codes, keys and temporary passwords ----

/// How long a one-time secret lives and how many entries it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeRule {
    pub valid_seconds: i64,
    /// Entries allowed, right or wrong; the entry after the last one is refused unchecked.
    pub max_attempts: i64,
}

/// What an entry of a one-time secret may do. `attempts` counts this entry (the store counts
/// it in the statement that fetches the code, so parallel guesses each use one up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeVerdict {
    /// Check the entry. `last`: a wrong one uses the secret up.
    Open { last: bool },
    /// Past its deadline.
    Expired,
    /// Every allowed entry was made.
    Spent,
}

impl CodeRule {
    pub const fn new(valid_seconds: i64, max_attempts: i64) -> CodeRule {
        CodeRule { valid_seconds, max_attempts }
    }

    /// The login code of the portal's second factor (hellowork's ワンタイムパスワード, shaho's
    /// 確認コード); none when the portal has no mailed login code.
    pub fn login_code(second_factor: &SecondFactor) -> Option<CodeRule> {
        match second_factor {
            SecondFactor::EmailOtp { code_minutes, max_attempts, .. }
            | SecondFactor::OptionalEmailCode { code_minutes, max_attempts } => {
                Some(CodeRule::new(i64::from(*code_minutes) * MINUTE, i64::from(*max_attempts)))
            }
            SecondFactor::None | SecondFactor::ClientCertificate { .. } => None,
        }
    }

    /// hellowork's 認証キー of パスワードをお忘れの方.
    pub fn reset_key(recovery: &Recovery) -> Option<CodeRule> {
        match recovery {
            Recovery::ResetKey { key_minutes, max_attempts, .. } => {
                Some(CodeRule::new(i64::from(*key_minutes) * MINUTE, i64::from(*max_attempts)))
            }
            _ => None,
        }
    }

    /// mlit-fwms's temporary password reissued by ID／パスワード紛失: it replaces the password
    /// once, so a single right entry is all it allows.
    pub fn reissued_password(recovery: &Recovery) -> Option<CodeRule> {
        match recovery {
            Recovery::ReissueTemporary { temp_password_hours, .. } => {
                Some(CodeRule::new(i64::from(*temp_password_hours) * HOUR, 1))
            }
            _ => None,
        }
    }

    /// mlit-fwms's 仮パスワード of 仮申請, entered at 本申請. `max_attempts` is the screen's
    /// choice (the manual gives none).
    pub fn provisional_password(registration: &Registration, max_attempts: i64) -> Option<CodeRule> {
        match registration {
            Registration::ProvisionalTempPassword { temp_password_hours, .. } => {
                Some(CodeRule::new(i64::from(*temp_password_hours) * HOUR, max_attempts))
            }
            _ => None,
        }
    }

    /// shaho's 8-digit アカウント確認コード of the sign-up.
    pub fn signup_code(registration: &Registration, max_attempts: i64) -> Option<CodeRule> {
        match registration {
            Registration::EmailCodeWithContract { code_minutes, .. } => {
                Some(CodeRule::new(i64::from(*code_minutes) * MINUTE, max_attempts))
            }
            _ => None,
        }
    }

    pub fn expires_at(&self, issued_at: i64) -> i64 {
        issued_at + self.valid_seconds
    }

    pub fn verdict(&self, expires_at: i64, attempts: i64, now: i64) -> CodeVerdict {
        if !before(expires_at, now) {
            CodeVerdict::Expired
        } else if attempts > self.max_attempts {
            CodeVerdict::Spent
        } else {
            CodeVerdict::Open { last: attempts >= self.max_attempts }
        }
    }
}

// ---- sessions ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionRule {
    pub idle_seconds: i64,
    pub absolute_seconds: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionVerdict {
    Live,
    /// No request for the idle timeout.
    Idle,
    /// Older than the absolute timeout, however busy.
    Absolute,
}

impl SessionVerdict {
    /// The audit log's word for how the session ended.
    pub fn reason(self) -> Option<&'static str> {
        match self {
            SessionVerdict::Live => None,
            SessionVerdict::Idle => Some("idle_timeout"),
            SessionVerdict::Absolute => Some("absolute_timeout"),
        }
    }
}

impl SessionRule {
    pub fn of(policy: &SessionPolicy) -> SessionRule {
        SessionRule {
            idle_seconds: i64::from(policy.idle_minutes) * MINUTE,
            absolute_seconds: i64::from(policy.absolute_hours) * HOUR,
        }
    }

    /// The absolute end, fixed when the session starts (a later config change does not move it).
    pub fn expires_at(&self, created_at: i64) -> i64 {
        created_at + self.absolute_seconds
    }

    /// Whether a request at `now` writes itself down as the session's last activity. Only
    /// when the last write is a minute old or more: a page view otherwise only reads the
    /// session (no database write per request), and the idle timeout counts from the last
    /// request up to a minute early — 59 of 60 minutes at worst.
    pub fn needs_touch(last_seen_at: i64, now: i64) -> bool {
        now - last_seen_at >= MINUTE
    }

    pub fn verdict(&self, expires_at: i64, last_seen_at: i64, now: i64) -> SessionVerdict {
        if !before(expires_at, now) {
            SessionVerdict::Absolute
        } else if !before(last_seen_at + self.idle_seconds, now) {
            SessionVerdict::Idle
        } else {
            SessionVerdict::Live
        }
    }
}

// ---- password age ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordAge {
    /// No maximum age, or far from it.
    Fresh,
    /// Inside the warning window: every login shows the prompt. `days_left` counts a
    /// started day as a day (6 days and 1 hour left ⇒ 7).
    ExpiresSoon { days_left: i64 },
    /// Must be changed before anything else.
    Expired,
}

/// The maximum age and warning window of a portal's passwords, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryRule {
    pub max_age_seconds: i64,
    pub warning_seconds: i64,
}

impl ExpiryRule {
    /// None when the portal's passwords do not expire.
    pub fn of(policy: &PasswordPolicy) -> Option<ExpiryRule> {
        let days = policy.max_age_days?;
        Some(ExpiryRule {
            max_age_seconds: i64::from(days) * DAY,
            warning_seconds: i64::from(policy.expiry_warning_days) * DAY,
        })
    }

    pub fn expires_at(&self, changed_at: i64) -> i64 {
        changed_at + self.max_age_seconds
    }

    /// When the warning (and its reminder mail) starts.
    pub fn warns_from(&self, changed_at: i64) -> i64 {
        self.expires_at(changed_at) - self.warning_seconds
    }

    pub fn age(&self, changed_at: i64, now: i64) -> PasswordAge {
        let expires = self.expires_at(changed_at);
        if !before(expires, now) {
            PasswordAge::Expired
        } else if !before(self.warns_from(changed_at), now) {
            PasswordAge::ExpiresSoon { days_left: (expires - now + DAY - 1) / DAY }
        } else {
            PasswordAge::Fresh
        }
    }
}

/// The age of a password under the portal's policy.
pub fn password_age(policy: &PasswordPolicy, changed_at: i64, now: i64) -> PasswordAge {
    ExpiryRule::of(policy).map_or(PasswordAge::Fresh, |rule| rule.age(changed_at, now))
}

// ---- trusted browsers ----

/// hellowork: a browser that passed the login code may skip it for this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustRule {
    pub days: u32,
}

impl TrustRule {
    /// None when the portal offers no skip.
    pub fn of(second_factor: &SecondFactor) -> Option<TrustRule> {
        match second_factor {
            SecondFactor::EmailOtp { skip_days, .. } if *skip_days > 0 => Some(TrustRule { days: *skip_days }),
            _ => None,
        }
    }

    pub fn expires_at(&self, trusted_at: i64) -> i64 {
        trusted_at + i64::from(self.days) * DAY
    }

    pub fn skips(&self, expires_at: i64, now: i64) -> bool {
        before(expires_at, now)
    }
}

// ---- withdrawal ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithdrawalStatus {
    /// hellowork's アカウントを再登録 still takes the old address and password.
    Returnable,
    /// Withdrawn for good, not yet deleted.
    Closed,
    /// The purge job deletes it.
    Purgeable,
}

pub fn withdrawal_status(w: &Withdrawal, withdrawn_at: i64, now: i64) -> WithdrawalStatus {
    if w.return_within_days.is_some_and(|days| before(withdrawn_at + i64::from(days) * DAY, now)) {
        WithdrawalStatus::Returnable
    } else if withdrawn_at < purge_cutoff(w, now) {
        WithdrawalStatus::Purgeable
    } else {
        WithdrawalStatus::Closed
    }
}

/// The purge deletes accounts withdrawn before this instant (`withdrawn_at < cutoff`): the
/// store's `DELETE` takes it from here, so it agrees with [`withdrawal_status`].
pub fn purge_cutoff(w: &Withdrawal, now: i64) -> i64 {
    now - i64::from(w.purge_after_days) * DAY
}

// ---- lockout ----

/// An account's lockout counters, as the `users` row keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LockState {
    /// Attempts reserved since the counters last started again.
    pub failed_count: i64,
    pub locked_until: Option<i64>,
    /// Locks since the last right password (or unlock).
    pub lock_count: i64,
    /// 閉塞: only an unblocker lifts it.
    pub blocked: bool,
}

impl LockState {
    /// Whether an unlock would change anything now: blocked, or locked and the lock not yet run out.
    pub fn holds(&self, now: i64) -> bool {
        self.blocked || self.locked_until.is_some_and(|until| before(until, now))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockOutcome {
    StillOpen,
    Locked { lock_count: i64 },
    Blocked { lock_count: i64 },
}

/// N failures lock the account for T; the K-th lock blocks it (rokin's 閉塞).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockRule {
    pub threshold: i64,
    pub lock_seconds: i64,
    pub block_after: Option<i64>,
}

impl LockRule {
    pub fn of(policy: &LockoutPolicy) -> LockRule {
        LockRule {
            threshold: i64::from(policy.failures),
            lock_seconds: i64::from(policy.lock_minutes) * MINUTE,
            block_after: policy.block_after_locks.map(i64::from),
        }
    }

    /// Whether a password may be checked now.
    pub fn admits(&self, s: &LockState, now: i64) -> bool {
        !s.blocked
            && match s.locked_until {
                None => s.failed_count < self.threshold,
                Some(until) => !before(until, now),
            }
    }

    /// Takes one attempt before the password is checked: the new counters (the attempt's
    /// number is their `failed_count`), or None when locked or blocked. Counting first keeps
    /// at most `threshold` checks per lock period, however many arrive at once. A lock that
    /// has run out starts the count again.
    pub fn reserve(&self, s: &LockState, now: i64) -> Option<LockState> {
        if !self.admits(s, now) {
            return None;
        }
        Some(match s.locked_until {
            Some(_) => LockState { failed_count: 1, locked_until: None, ..*s },
            None => LockState { failed_count: s.failed_count + 1, ..*s },
        })
    }

    /// The attempt that reaches the threshold locks.
    pub fn locks_at(&self, attempt: i64) -> bool {
        attempt >= self.threshold
    }

    pub fn lock_until(&self, now: i64) -> i64 {
        now + self.lock_seconds
    }

    /// The checked attempt number `attempt` failed.
    pub fn fail(&self, s: &LockState, attempt: i64, now: i64) -> (LockState, LockOutcome) {
        if !self.locks_at(attempt) {
            return (*s, LockOutcome::StillOpen);
        }
        let lock_count = s.lock_count + 1;
        let blocks = self.blocks_at(lock_count);
        let next =
            LockState { locked_until: Some(self.lock_until(now)), lock_count, blocked: s.blocked || blocks, ..*s };
        let outcome =
            if next.blocked { LockOutcome::Blocked { lock_count } } else { LockOutcome::Locked { lock_count } };
        (next, outcome)
    }

    /// Whether the `lock_count`-th lock blocks.
    pub fn blocks_at(&self, lock_count: i64) -> bool {
        self.block_after.is_some_and(|k| k > 0 && lock_count >= k)
    }

    /// The password was right: the counters start again (a block stays for its unblocker).
    pub fn succeed(s: &LockState) -> LockState {
        LockState { failed_count: 0, locked_until: None, lock_count: 0, blocked: s.blocked }
    }
}

// ---- client certificates (rokin): rules/certificate.rs ----

mod certificate;
pub use certificate::{CertificateRule, Issuance};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::portal::PortalSettings;

    const T0: i64 = 1_795_000_000;

    fn preset(id: &str) -> PortalSettings {
        Config::demo().unwrap().portal(id).unwrap().settings.as_ref().clone()
    }

    fn mins(m: i64) -> i64 {
        m * MINUTE
    }

    /// One row per preset: the values of portals.md's policy table (and the presets' "chosen"
    /// values), which every check below walks at its boundaries.
    struct Expect {
        id: &'static str,
        /// (minutes, entries) of the mailed login code.
        login_code: Option<(i64, i64)>,
        /// (failures, lock minutes, k-th lock blocks).
        lock: (i64, i64, Option<i64>),
        /// (max age days, warning days).
        expiry: Option<(i64, i64)>,
        trust_days: Option<i64>,
        /// (return within days, purge after days).
        withdrawal: Option<(Option<i64>, i64)>,
        reset_key: Option<(i64, i64)>,
        reissued_hours: Option<i64>,
        provisional_hours: Option<i64>,
        signup_code_minutes: Option<i64>,
        idle_minutes: i64,
        absolute_hours: i64,
    }

    const TABLE: [Expect; 5] = [
        Expect {
            id: "mlit-fwms",
            login_code: None,
            lock: (5, 30, None),
            expiry: Some((180, 7)),
            trust_days: None,
            withdrawal: None,
            reset_key: None,
            reissued_hours: Some(3),
            provisional_hours: Some(3),
            signup_code_minutes: None,
            idle_minutes: 60,
            absolute_hours: 12,
        },
        Expect {
            id: "shaho",
            login_code: Some((30, 5)),
            lock: (10, 30, None),
            expiry: None,
            trust_days: None,
            withdrawal: None,
            reset_key: Some((30, 5)),
            reissued_hours: None,
            provisional_hours: None,
            signup_code_minutes: Some(30),
            idle_minutes: 60,
            absolute_hours: 12,
        },
        Expect {
            id: "rokin",
            login_code: None,
            lock: (6, 60, Some(3)),
            expiry: Some((180, 7)),
            trust_days: None,
            withdrawal: None,
            reset_key: None,
            reissued_hours: None,
            provisional_hours: None,
            signup_code_minutes: None,
            idle_minutes: 60,
            absolute_hours: 12,
        },
        Expect {
            id: "hellowork",
            login_code: Some((30, 10)),
            lock: (5, 30, None),
            expiry: None,
            trust_days: Some(90),
            withdrawal: Some((Some(30), 30)),
            reset_key: Some((50, 5)),
            reissued_hours: None,
            provisional_hours: None,
            signup_code_minutes: None,
            idle_minutes: 60,
            absolute_hours: 12,
        },
        Expect {
            id: "jrec-in",
            login_code: None,
            lock: (5, 30, None),
            expiry: None,
            trust_days: None,
            withdrawal: Some((None, 30)),
            reset_key: Some((30, 5)),
            reissued_hours: None,
            provisional_hours: None,
            signup_code_minutes: None,
            idle_minutes: 60,
            absolute_hours: 12,
        },
    ];

    #[test]
    fn the_table_covers_every_preset() {
        let ids: Vec<_> = TABLE.iter().map(|e| e.id).collect();
        assert_eq!(ids, crate::config::preset_names().collect::<Vec<_>>());
    }

    /// A secret valid `minutes` with `entries` allowed: works one second before its end, not
    /// one second after (nor at it); the last entry is open and marked last, the next spent.
    fn walk_code(id: &str, what: &str, rule: Option<CodeRule>, expect: Option<(i64, i64)>) {
        let Some((seconds, entries)) = expect else {
            assert_eq!(rule, None, "{id}: no {what}");
            return;
        };
        let rule = rule.unwrap_or_else(|| panic!("{id}: a {what}"));
        assert_eq!(rule, CodeRule::new(seconds, entries), "{id}: {what}");
        let expires = rule.expires_at(T0);
        assert_eq!(rule.verdict(expires, 1, T0 + seconds - 1), CodeVerdict::Open { last: entries == 1 }, "{id} {what}");
        assert_eq!(rule.verdict(expires, 1, T0 + seconds), CodeVerdict::Expired, "{id} {what}");
        assert_eq!(rule.verdict(expires, 1, T0 + seconds + 1), CodeVerdict::Expired, "{id} {what}");
        for attempt in 1..entries {
            assert_eq!(rule.verdict(expires, attempt, T0), CodeVerdict::Open { last: false }, "{id} {what} #{attempt}");
        }
        assert_eq!(rule.verdict(expires, entries, T0), CodeVerdict::Open { last: true }, "{id} {what}");
        assert_eq!(rule.verdict(expires, entries + 1, T0), CodeVerdict::Spent, "{id} {what}");
        // Expiry wins over a spent count: the page says "expired", which is also true.
        assert_eq!(rule.verdict(expires, entries + 1, T0 + seconds + 1), CodeVerdict::Expired);
    }

    #[test]
    fn one_time_codes_keys_and_temporary_passwords() {
        for e in &TABLE {
            let s = preset(e.id);
            walk_code(
                e.id,
                "login code",
                CodeRule::login_code(&s.second_factor),
                e.login_code.map(|(m, n)| (mins(m), n)),
            );
            walk_code(e.id, "reset key", CodeRule::reset_key(&s.recovery), e.reset_key.map(|(m, n)| (mins(m), n)));
            walk_code(
                e.id,
                "reissued password",
                CodeRule::reissued_password(&s.recovery),
                e.reissued_hours.map(|h| (h * HOUR, 1)),
            );
            walk_code(
                e.id,
                "provisional password",
                CodeRule::provisional_password(&s.registration, 5),
                e.provisional_hours.map(|h| (h * HOUR, 5)),
            );
            walk_code(
                e.id,
                "sign-up code",
                CodeRule::signup_code(&s.registration, 5),
                e.signup_code_minutes.map(|m| (mins(m), 5)),
            );
        }
    }

    #[test]
    fn the_issues_examples_of_code_boundaries() {
        // hellowork: a 30-minute code at 29:59 works, at 30:01 it does not; 10 entries.
        let otp = CodeRule::login_code(&preset("hellowork").second_factor).unwrap();
        let expires = otp.expires_at(T0);
        assert!(matches!(otp.verdict(expires, 1, T0 + 29 * 60 + 59), CodeVerdict::Open { .. }));
        assert_eq!(otp.verdict(expires, 1, T0 + 30 * 60 + 1), CodeVerdict::Expired);
        assert_eq!(otp.verdict(expires, 10, T0), CodeVerdict::Open { last: true });
        assert_eq!(otp.verdict(expires, 11, T0), CodeVerdict::Spent);
        // shaho's login code: 5 entries.
        let code = CodeRule::login_code(&preset("shaho").second_factor).unwrap();
        assert_eq!(code.verdict(code.expires_at(T0), 5, T0), CodeVerdict::Open { last: true });
        assert_eq!(code.verdict(code.expires_at(T0), 6, T0), CodeVerdict::Spent);
        // hellowork's reset key: 50 minutes.
        let key = CodeRule::reset_key(&preset("hellowork").recovery).unwrap();
        assert!(matches!(key.verdict(key.expires_at(T0), 1, T0 + 49 * 60 + 59), CodeVerdict::Open { .. }));
        assert_eq!(key.verdict(key.expires_at(T0), 1, T0 + 50 * 60 + 1), CodeVerdict::Expired);
        // mlit-fwms's temporary password: 3 hours.
        let temp = CodeRule::provisional_password(&preset("mlit-fwms").registration, 5).unwrap();
        assert!(matches!(temp.verdict(temp.expires_at(T0), 1, T0 + 3 * HOUR - 1), CodeVerdict::Open { .. }));
        assert_eq!(temp.verdict(temp.expires_at(T0), 1, T0 + 3 * HOUR + 1), CodeVerdict::Expired);
    }

    #[test]
    fn sessions_end_when_idle_and_at_the_absolute_timeout() {
        for e in &TABLE {
            let rule = SessionRule::of(&preset(e.id).session);
            let (idle, absolute) = (mins(e.idle_minutes), e.absolute_hours * HOUR);
            assert_eq!(rule, SessionRule { idle_seconds: idle, absolute_seconds: absolute }, "{}", e.id);
            let expires = rule.expires_at(T0);
            assert_eq!(expires, T0 + absolute);
            assert_eq!(rule.verdict(expires, T0, T0 + idle - 1), SessionVerdict::Live, "{}", e.id);
            assert_eq!(rule.verdict(expires, T0, T0 + idle), SessionVerdict::Idle, "{}", e.id);
            assert_eq!(rule.verdict(expires, T0, T0 + idle + 1), SessionVerdict::Idle, "{}", e.id);
            // Busy all along (seen a second ago): still ends at the absolute timeout.
            let busy = |now: i64| rule.verdict(expires, now - 1, now);
            assert_eq!(busy(T0 + absolute - 1), SessionVerdict::Live, "{}", e.id);
            assert_eq!(busy(T0 + absolute), SessionVerdict::Absolute, "{}", e.id);
            assert_eq!(busy(T0 + absolute + 1), SessionVerdict::Absolute, "{}", e.id);
            assert_eq!(SessionVerdict::Absolute.reason(), Some("absolute_timeout"));
            assert_eq!(SessionVerdict::Idle.reason(), Some("idle_timeout"));
        }
    }

    #[test]
    fn a_session_is_written_at_most_once_a_minute() {
        assert!(!SessionRule::needs_touch(T0, T0));
        assert!(!SessionRule::needs_touch(T0, T0 + MINUTE - 1));
        assert!(SessionRule::needs_touch(T0, T0 + MINUTE));
        // A clock set back (the test clock) never writes an older time over a newer one.
        assert!(!SessionRule::needs_touch(T0, T0 - HOUR));
    }

    #[test]
    fn passwords_warn_then_expire() {
        for e in &TABLE {
            let policy = preset(e.id).password;
            let Some((max_days, warn_days)) = e.expiry else {
                assert_eq!(ExpiryRule::of(&policy), None, "{}: passwords do not expire", e.id);
                assert_eq!(password_age(&policy, T0, T0 + 10_000 * DAY), PasswordAge::Fresh);
                continue;
            };
            let rule = ExpiryRule::of(&policy).unwrap();
            assert_eq!(rule, ExpiryRule { max_age_seconds: max_days * DAY, warning_seconds: warn_days * DAY });
            let age = |seconds: i64| password_age(&policy, T0, T0 + seconds);
            let warn_from = (max_days - warn_days) * DAY;
            assert_eq!(age(0), PasswordAge::Fresh, "{}", e.id);
            assert_eq!(age(warn_from - 1), PasswordAge::Fresh, "{}", e.id);
            assert_eq!(age(warn_from), PasswordAge::ExpiresSoon { days_left: warn_days }, "{}", e.id);
            assert_eq!(age(warn_from + HOUR), PasswordAge::ExpiresSoon { days_left: warn_days }, "{}", e.id);
            assert_eq!(age(max_days * DAY - DAY), PasswordAge::ExpiresSoon { days_left: 1 }, "{}", e.id);
            assert_eq!(age(max_days * DAY - 1), PasswordAge::ExpiresSoon { days_left: 1 }, "{}", e.id);
            assert_eq!(age(max_days * DAY), PasswordAge::Expired, "{}", e.id);
            assert_eq!(age(max_days * DAY + 1), PasswordAge::Expired, "{}", e.id);
            assert_eq!(rule.warns_from(T0), T0 + warn_from);
        }
    }

    #[test]
    fn trusted_browsers_skip_the_code_for_their_days() {
        for e in &TABLE {
            let rule = TrustRule::of(&preset(e.id).second_factor);
            let Some(days) = e.trust_days else {
                assert_eq!(rule, None, "{}: no skip", e.id);
                continue;
            };
            let rule = rule.unwrap();
            let expires = rule.expires_at(T0);
            assert_eq!(expires, T0 + days * DAY, "{}", e.id);
            assert!(rule.skips(expires, T0 + (days - 1) * DAY), "{}: day {} skips", e.id, days - 1);
            assert!(rule.skips(expires, T0 + days * DAY - 1), "{}", e.id);
            assert!(!rule.skips(expires, T0 + days * DAY), "{}", e.id);
            assert!(!rule.skips(expires, T0 + (days + 1) * DAY), "{}: day {} asks again", e.id, days + 1);
        }
    }

    #[test]
    fn withdrawn_accounts_return_within_their_window_then_go() {
        for e in &TABLE {
            let w = preset(e.id).withdrawal;
            let Some((return_days, purge_days)) = e.withdrawal else {
                assert!(w.is_none(), "{}: no withdrawal", e.id);
                continue;
            };
            let w = w.unwrap();
            assert_eq!((w.return_within_days.map(i64::from), i64::from(w.purge_after_days)), (return_days, purge_days));
            let status = |seconds: i64| withdrawal_status(&w, T0, T0 + seconds);
            let open = if return_days.is_some() { WithdrawalStatus::Returnable } else { WithdrawalStatus::Closed };
            assert_eq!(status(0), open, "{}", e.id);
            if let Some(days) = return_days {
                assert_eq!(status(days * DAY - 1), WithdrawalStatus::Returnable, "{}", e.id);
                assert_eq!(status(days * DAY), WithdrawalStatus::Closed, "{}: day {days} is too late", e.id);
            }
            assert_ne!(status(purge_days * DAY), WithdrawalStatus::Purgeable, "{}: day {purge_days} is kept", e.id);
            assert_eq!(status(purge_days * DAY + 1), WithdrawalStatus::Purgeable, "{}", e.id);
            // The purge's cutoff agrees with the status.
            for offset in [-1, 0, 1] {
                let now = T0 + purge_days * DAY + offset;
                assert_eq!(T0 < purge_cutoff(&w, now), withdrawal_status(&w, T0, now) == WithdrawalStatus::Purgeable);
            }
        }
    }

    /// Walks N failures ⇒ locked for T ⇒ (after T) open again, up to the blocking lock.
    #[test]
    fn lockout_locks_at_the_threshold_for_its_minutes_and_blocks_at_the_kth_lock() {
        for e in &TABLE {
            let (failures, minutes, block_after) = e.lock;
            let rule = LockRule::of(&preset(e.id).lockout);
            assert_eq!(rule, LockRule { threshold: failures, lock_seconds: mins(minutes), block_after }, "{}", e.id);
            let mut s = LockState::default();
            let mut now = T0;
            for lock in 1..=block_after.unwrap_or(3) {
                for attempt in 1..=failures {
                    s = rule.reserve(&s, now).unwrap_or_else(|| panic!("{}: attempt {attempt} admitted", e.id));
                    assert_eq!(s.failed_count, attempt);
                    let (next, outcome) = rule.fail(&s, attempt, now);
                    s = next;
                    let expected = match (attempt == failures, block_after == Some(lock)) {
                        (false, _) => LockOutcome::StillOpen,
                        (true, false) => LockOutcome::Locked { lock_count: lock },
                        (true, true) => LockOutcome::Blocked { lock_count: lock },
                    };
                    assert_eq!(outcome, expected, "{}: lock {lock}, attempt {attempt}", e.id);
                }
                assert_eq!(rule.reserve(&s, now), None, "{}: locked", e.id);
                assert_eq!(rule.reserve(&s, now + mins(minutes) - 1), None, "{}: still locked", e.id);
                now += mins(minutes);
                if s.blocked {
                    assert_eq!(rule.reserve(&s, now + 365 * DAY), None, "{}: blocked until unblocked", e.id);
                    assert_eq!(rule.reserve(&LockRule::succeed(&s), now), None, "a right password lifts no block");
                } else {
                    assert!(rule.admits(&s, now), "{}: open again after {minutes} minutes", e.id);
                }
            }
            assert_eq!(s.blocked, block_after.is_some(), "{}", e.id);
        }
    }

    #[test]
    fn a_lock_holds_until_its_last_second_and_a_block_until_lifted() {
        let locked = LockState { locked_until: Some(T0 + 60), ..LockState::default() };
        assert!(locked.holds(T0 + 59));
        assert!(!locked.holds(T0 + 60));
        assert!(LockState { blocked: true, ..LockState::default() }.holds(T0 + 10 * DAY));
        assert!(!LockState { failed_count: 4, ..LockState::default() }.holds(T0));
    }

    #[test]
    fn a_right_password_starts_the_counts_again() {
        let rule = LockRule::of(&preset("rokin").lockout);
        let mut s = LockState::default();
        for attempt in 1..=5 {
            s = rule.reserve(&s, T0).unwrap();
            s = rule.fail(&s, attempt, T0).0;
        }
        s = LockRule::succeed(&rule.reserve(&s, T0).unwrap());
        assert_eq!(s, LockState::default());
        // Two locks, a right password, then two more locks: not blocked (the count restarted).
        let lock = |mut s: LockState, now: i64| {
            for attempt in 1..=6 {
                s = rule.reserve(&s, now).unwrap();
                s = rule.fail(&s, attempt, now).0;
            }
            s
        };
        s = lock(s, T0);
        s = lock(s, T0 + HOUR);
        assert_eq!(s.lock_count, 2);
        s = LockRule::succeed(&rule.reserve(&s, T0 + 2 * HOUR).unwrap());
        s = lock(s, T0 + 2 * HOUR);
        s = lock(s, T0 + 3 * HOUR);
        assert_eq!((s.lock_count, s.blocked), (2, false));
        s = lock(s, T0 + 4 * HOUR);
        assert_eq!((s.lock_count, s.blocked), (3, true));
    }
}
