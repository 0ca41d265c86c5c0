//! Dates and times as the pages show and read them: Japan time (UTC+09:00, no DST), the
//! Japanese form on Japanese pages and ISO dates with "(JST)" on English ones.

use crate::ctx::Ctx;
use crate::forms::{FieldErrors, fold};
use chrono::{DateTime, FixedOffset, NaiveDate};
use madoguchi_core::Lang;
use madoguchi_core::clock::JST;
use madoguchi_store::users::User;

/// A moment in the page's language: `2026年12月05日 18:30` or `2026-12-05 18:30 (JST)`.
pub fn format_datetime(at: DateTime<FixedOffset>, lang: Lang) -> String {
    match lang {
        Lang::Ja => at.format("%Y年%m月%d日 %H:%M").to_string(),
        Lang::En => at.format("%Y-%m-%d %H:%M (JST)").to_string(),
    }
}

/// A stored Unix time (seconds) as [`format_datetime`] shows it in Japan time.
pub fn format_ts(ts: i64, lang: Lang) -> String {
    DateTime::from_timestamp(ts, 0).map(|d| format_datetime(d.with_timezone(&JST), lang)).unwrap_or_default()
}

/// A time of day in Japan time, as a lock's end is told: `10時30分` or `10:30 (JST)`.
pub fn format_clock(ts: i64, lang: Lang) -> String {
    let at = DateTime::from_timestamp(ts, 0).map(|d| d.with_timezone(&JST));
    match (at, lang) {
        (Some(at), Lang::Ja) => at.format("%-H時%M分").to_string(),
        (Some(at), Lang::En) => at.format("%H:%M (JST)").to_string(),
        (None, _) => String::new(),
    }
}

/// The search's 開始日 and 終了日 (`from`, `to`: `2026-12-01`, Japan time, full-width digits
/// folded) as the start of the first day and the end of the last; a bad date is an error of
/// its field. Shared with the employers' 操作ログ照会.
pub fn day_range(from: &str, to: &str, ctx: &Ctx, errors: &mut FieldErrors) -> (Option<i64>, Option<i64>) {
    let mut day = |raw: &str, field: &str| -> Option<i64> {
        let raw = fold(raw);
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        let parsed = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|d| d.and_local_timezone(JST).single());
        if parsed.is_none() {
            errors.add(field, ctx.t.get("op.audit.err_date"));
        }
        parsed.map(|d| d.timestamp())
    };
    let from = day(from, "from");
    let until = day(to, "to").map(|t| t + 86_400);
    (from, until)
}

/// A moment as a `datetime-local` value in Japan time (`2026-12-05T18:30`): the console's
/// date fields and its tables.
pub fn local(ts: i64) -> String {
    DateTime::from_timestamp(ts, 0)
        .map(|d| d.with_timezone(&JST).format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

/// The account's state as the operator reads it, and whether a lock or block can be lifted.
pub fn state_of(u: &User, now: i64, ctx: &Ctx) -> (String, bool) {
    let locked = u.lock_state().holds(now);
    let text = if u.withdrawn_at.is_some() {
        ctx.t.get("op.users.withdrawn").to_string()
    } else if u.disabled_at.is_some() {
        ctx.t.get("op.users.disabled").to_string()
    } else if u.blocked_at.is_some() {
        ctx.t.get("op.users.blocked").to_string()
    } else if let Some(until) = u.locked_until.filter(|until| *until > now) {
        format!("{}（{}）", ctx.t.get("op.users.locked"), local(until).replace('T', " "))
    } else {
        ctx.t.get("op.users.active").to_string()
    };
    (text, locked)
}

/// Yen with thousands separators: 1234000 ⇒ `1,234,000` (the screens add 円 or ¥ around it).
pub fn format_yen(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if amount < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod yen_tests {
    #[test]
    fn yen_has_separators() {
        assert_eq!(super::format_yen(0), "0");
        assert_eq!(super::format_yen(999), "999");
        assert_eq!(super::format_yen(1_000), "1,000");
        assert_eq!(super::format_yen(9_999_000), "9,999,000");
        assert_eq!(super::format_yen(-1_234_567), "-1,234,567");
    }
}
