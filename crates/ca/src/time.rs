//! Time conversions: the workspace's clock speaks chrono, rcgen speaks `time`.

use chrono::{DateTime, FixedOffset, Timelike, Utc};
use time::OffsetDateTime;

use crate::CaError;

/// Japan Standard Time, UTC+09:00 (no daylight saving time): certificate names and file
/// names show Japanese wall-clock time.
// A `const`: the match runs at compile time, so the arm below can never run in the server.
pub const JST: FixedOffset = match FixedOffset::east_opt(9 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+09:00 is a valid offset"),
};

/// Certificates carry whole seconds; dropping the fraction first keeps what is issued and
/// what is reported identical.
pub(crate) fn truncate_to_second(at: DateTime<Utc>) -> DateTime<Utc> {
    at.with_nanosecond(0).unwrap_or(at)
}

pub(crate) fn to_asn1_time(at: DateTime<Utc>) -> Result<OffsetDateTime, CaError> {
    OffsetDateTime::from_unix_timestamp(at.timestamp()).map_err(|_| CaError::TimeOutOfRange(at.to_rfc3339()))
}

pub(crate) fn from_unix(seconds: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(seconds, 0)
}

/// `yyyymmddhhmmss` in JST, as in certificate and file names.
pub fn compact_jst(at: DateTime<Utc>) -> String {
    at.with_timezone(&JST).format("%Y%m%d%H%M%S").to_string()
}
