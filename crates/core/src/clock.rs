//! The one clock of the server. Every rule that depends on time reads it from here, so
//! tests (and `--test-clock`) can move time instead of waiting for it.

use chrono::{DateTime, FixedOffset, Utc};
use std::sync::{Arc, Mutex, PoisonError};

/// Japan has no daylight saving time: every portal's hours and dates are in UTC+09:00.
pub const JST: FixedOffset = match FixedOffset::east_opt(9 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+09:00 is a valid offset"),
};

pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;

    fn now_jst(&self) -> DateTime<FixedOffset> {
        self.now().with_timezone(&JST)
    }

    /// Unix seconds: the form every timestamp takes in the database.
    fn unix(&self) -> i64 {
        self.now().timestamp()
    }

    /// The test clock, when this is one (only `--test-clock` and tests make one).
    fn as_test(&self) -> Option<&TestClock> {
        None
    }
}

pub type SharedClock = Arc<dyn Clock>;

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told.
#[derive(Debug)]
pub struct TestClock {
    now: Mutex<DateTime<Utc>>,
}

impl TestClock {
    pub fn at(start: DateTime<Utc>) -> Self {
        Self { now: Mutex::new(start) }
    }

    pub fn advance(&self, seconds: i64) -> DateTime<Utc> {
        self.try_advance(seconds).unwrap_or_else(|| self.now())
    }

    /// Moves the clock, unless that leaves chrono's range (then it stays and None says so).
    pub fn try_advance(&self, seconds: i64) -> Option<DateTime<Utc>> {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now = now.checked_add_signed(chrono::Duration::try_seconds(seconds)?)?;
        Some(*now)
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = at;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn as_test(&self) -> Option<&TestClock> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn test_clock_moves_only_when_told() {
        let start = Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap();
        let clock = TestClock::at(start);
        assert_eq!(clock.now(), start);
        clock.advance(90);
        assert_eq!(clock.unix(), start.timestamp() + 90);
        assert_eq!(clock.now_jst().format("%H:%M").to_string(), "09:01");
        assert_eq!(clock.try_advance(i64::MAX), None, "out of range: refused, not a panic");
        assert_eq!(clock.unix(), start.timestamp() + 90);
    }
}
