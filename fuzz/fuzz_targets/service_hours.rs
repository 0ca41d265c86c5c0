//! Service hours (`HH:MM-HH:MM`) and closed days (`sat`, `holiday`, `MM-DD` …) as a config
//! gives them, asked at any instant from year 1 to 9999: no panic, and a closed portal names
//! a reopening after the instant.
#![no_main]

use chrono::DateTime;
use libfuzzer_sys::fuzz_target;
use madoguchi_core::calendar::{ClosedDay, Overrides};
use madoguchi_core::clock::JST;
use madoguchi_core::hours::{Availability, ServiceHours};

/// 0001-01-01 … 9999-12-31 in Unix seconds.
const EARLIEST: i64 = -62_135_596_800;
const LATEST: i64 = 253_402_300_799;

fuzz_target!(|input: (&str, Vec<String>, i64)| {
    let (hours, closed, at) = input;
    // The business-day calendar's closures that `non_business_days` stands for: weekends and
    // holidays, as a portal without a `[calendar]` table has.
    let calendar = [ClosedDay::parse("sat"), ClosedDay::parse("sun"), ClosedDay::parse("holiday")];
    let calendar: Vec<ClosedDay> = calendar.into_iter().flatten().collect();
    let Ok(hours) = ServiceHours::parse(hours, &closed, &calendar) else { return };
    let _ = hours.window_label();
    let at = EARLIEST + at.rem_euclid(LATEST - EARLIEST + 1);
    let Some(at) = DateTime::from_timestamp(at, 0) else { return };
    let at = at.with_timezone(&JST);
    if let Availability::Closed { reopens_at: Some(reopens) } = hours.availability(at, &Overrides::default()) {
        assert!(reopens > at, "reopens {reopens} at or before {at}");
    }
});
