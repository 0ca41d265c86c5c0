//! Japan's national holidays (国民の祝日) and the days the law makes holidays with them (休日:
//! substitute holidays and a day between two holidays), from three sources in this order:
//!
//! 1. `data/holidays.toml`, embedded: the Cabinet Office's list typed year by year. A year in
//!    it is taken whole and no rule is read for it: the law moved holidays in 2020 and 2021 and
//!    may do so again, and the equinox days are announced a year ahead; only a list says that.
//!    Today 2020–2030.
//! 2. Every other year (from the law's start, 1948-07-20), the law's rules as they stood that
//!    year: fixed days, ハッピーマンデー, the equinoxes, 振替休日, 国民の休日, the days special laws
//!    added. The equinox days come from the formula in common use for 1900–2150 and, after 2150
//!    where the formula has no constants, from the Sun's position (Meeus, *Astronomical
//!    Algorithms*, ch. 27).
//!
//! This replaces the `jpholiday` crate (0.1.4), which had 2021 wrong (7/19, 7/22, 7/23, 8/9,
//! 8/11, 10/11), no equinox after 2150, and 39 wrong days in 1955–2019. The tests compare every
//! day of 1955–2099 with a second source (Python's `holidays` package,
//! `tests/fixtures/holidays-python.csv`); docs/CALENDAR.md tells the story.

use crate::text::Lang;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::collections::HashMap;
use std::sync::LazyLock;

/// The Cabinet Office's word for a substitute holiday and a day between two holidays.
pub const KYUJITSU: &str = "休日";

const TABLE_SOURCE: &str = include_str!("../data/holidays.toml");

/// The typed years: each date's name, and the first and last year held.
#[derive(Debug)]
struct Table {
    first: i32,
    last: i32,
    days: HashMap<NaiveDate, String>,
}

static TABLE: LazyLock<Result<Table, String>> = LazyLock::new(|| parse_table(TABLE_SOURCE));

fn parse_table(source: &str) -> Result<Table, String> {
    let doc: toml::Table = source.parse().map_err(|e| format!("holidays.toml: {e}"))?;
    let mut days = HashMap::new();
    let mut years = Vec::new();
    for (year_key, entries) in &doc {
        let year: i32 = year_key.parse().map_err(|_| format!("holidays.toml: [{year_key}] is not a year"))?;
        let entries = entries.as_table().ok_or_else(|| format!("holidays.toml: [{year}] must be a table"))?;
        if entries.is_empty() {
            return Err(format!("holidays.toml: [{year}] lists no holiday"));
        }
        for (day_key, name) in entries {
            let bad = || format!("holidays.toml: [{year}] \"{day_key}\" is not a date written MM-DD");
            let (m, d) = day_key.split_once('-').ok_or_else(bad)?;
            let date = NaiveDate::from_ymd_opt(year, m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?)
                .ok_or_else(bad)?;
            let name = name
                .as_str()
                .filter(|n| !n.trim().is_empty())
                .ok_or_else(|| format!("holidays.toml: [{year}] \"{day_key}\" needs the holiday's name as a string"))?;
            days.insert(date, name.to_string());
        }
        years.push(year);
    }
    years.sort_unstable();
    let (Some(&first), Some(&last)) = (years.first(), years.last()) else {
        return Err("holidays.toml: no year".into());
    };
    // A gap would let the rules answer for a year in the middle of the list.
    if years.len() as i64 != i64::from(last) - i64::from(first) + 1 {
        return Err(format!("holidays.toml: the years {first}..{last} must all be listed, none skipped"));
    }
    Ok(Table { first, last, days })
}

/// Whether the embedded table is sound; the configuration check reports it (a broken table
/// would leave its years to the rules, which do not know 2020 and 2021).
pub fn check_table() -> Result<(), String> {
    TABLE.as_ref().map(|_| ()).map_err(Clone::clone)
}

/// The years the typed table covers, if it is sound.
pub fn table_years() -> Option<(i32, i32)> {
    TABLE.as_ref().ok().map(|t| (t.first, t.last))
}

/// The holiday's name on `date` (Japanese, as the Cabinet Office writes it), or None.
pub fn holiday_name(date: NaiveDate) -> Option<String> {
    match TABLE.as_ref() {
        Ok(t) if (t.first..=t.last).contains(&date.year()) => t.days.get(&date).cloned(),
        // Outside the table, or a broken table (which the configuration check refuses).
        _ => law_name(date),
    }
}

pub fn is_holiday(date: NaiveDate) -> bool {
    holiday_name(date).is_some()
}

/// Every holiday of `year`, in date order.
pub fn in_year(year: i32) -> Vec<(NaiveDate, String)> {
    let (Some(mut date), Some(end)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
    else {
        return Vec::new();
    };
    let mut found = Vec::new();
    while date <= end {
        if let Some(name) = holiday_name(date) {
            found.push((date, name));
        }
        date += Duration::days(1);
    }
    found
}

/// A holiday's name in the reader's language (the Japanese one is the official name).
pub fn display_name(name: &str, lang: Lang) -> &str {
    if lang == Lang::Ja {
        return name;
    }
    match name {
        "元日" => "New Year's Day",
        "成人の日" => "Coming of Age Day",
        "建国記念の日" => "National Foundation Day",
        "天皇誕生日" => "The Emperor's Birthday",
        "春分の日" => "Vernal Equinox Day",
        "昭和の日" => "Showa Day",
        "憲法記念日" => "Constitution Memorial Day",
        "みどりの日" => "Greenery Day",
        "こどもの日" => "Children's Day",
        "海の日" => "Marine Day",
        "山の日" => "Mountain Day",
        "敬老の日" => "Respect for the Aged Day",
        "秋分の日" => "Autumnal Equinox Day",
        "スポーツの日" => "Sports Day",
        "体育の日" => "Health and Sports Day",
        "文化の日" => "Culture Day",
        "勤労感謝の日" => "Labour Thanksgiving Day",
        KYUJITSU | "国民の休日" => "Holiday (substitute, or between two holidays)",
        n if n.ends_with("振替休日") => "Substitute holiday",
        other => other,
    }
}

/// The day the law (国民の祝日に関する法律, 昭和23年法律第178号) took effect.
fn law_start() -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1948, 7, 20)
}

/// The 国民の祝日 of a year under the law as it stood that year (and the days its special
/// laws made 祝日: imperial ceremonies, the 2020 and 2021 Games), before any 休日.
fn law_base(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let fixed = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d);
    let monday = |m: u32, nth: u8| NaiveDate::from_weekday_of_month_opt(year, m, Weekday::Mon, nth);
    let from = |first: i32, day: Option<NaiveDate>| day.filter(|_| year >= first);
    let games = |in_2020: (u32, u32), in_2021: (u32, u32), usual: Option<NaiveDate>| match year {
        2020 => fixed(in_2020.0, in_2020.1),
        2021 => fixed(in_2021.0, in_2021.1),
        _ => usual,
    };
    let days = [
        (fixed(1, 1), "元日"),
        (if year <= 1999 { fixed(1, 15) } else { monday(1, 2) }, "成人の日"),
        (from(1967, fixed(2, 11)), "建国記念の日"),
        (
            match year {
                ..=1988 => fixed(4, 29),
                1989..=2018 => fixed(12, 23),
                2019 => None,
                _ => fixed(2, 23),
            },
            "天皇誕生日",
        ),
        (fixed(3, equinox_day(year, Equinox::March)), "春分の日"),
        (if (1989..=2006).contains(&year) { fixed(4, 29) } else { from(2007, fixed(5, 4)) }, "みどりの日"),
        (from(2007, fixed(4, 29)), "昭和の日"),
        (fixed(5, 3), "憲法記念日"),
        (fixed(5, 5), "こどもの日"),
        (
            match year {
                ..=1995 => None,
                1996..=2002 => fixed(7, 20),
                _ => games((7, 23), (7, 22), monday(7, 3)),
            },
            "海の日",
        ),
        (from(2016, games((8, 10), (8, 8), fixed(8, 11))), "山の日"),
        (from(1966, if year <= 2002 { fixed(9, 15) } else { monday(9, 3) }), "敬老の日"),
        (fixed(9, equinox_day(year, Equinox::September)), "秋分の日"),
        (
            match year {
                ..=1965 | 2020.. => None,
                1966..=1999 => fixed(10, 10),
                _ => monday(10, 2),
            },
            "体育の日",
        ),
        (from(2020, games((7, 24), (7, 23), monday(10, 2))), "スポーツの日"),
        (fixed(11, 3), "文化の日"),
        (fixed(11, 23), "勤労感謝の日"),
    ];
    let special = SPECIAL_DAYS.iter().filter(|(y, ..)| *y == year).map(|(y, m, d, name)| (fixed_in(*y, *m, *d), *name));
    let start = law_start();
    let mut base: Vec<(NaiveDate, &'static str)> = days
        .into_iter()
        .chain(special)
        .filter_map(|(date, name)| date.filter(|d| Some(*d) >= start).map(|d| (d, name)))
        .collect();
    base.sort_unstable();
    base
}

fn fixed_in(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Days that laws of their own made holidays (皇室の慶弔行事), with the names Python's list uses.
const SPECIAL_DAYS: [(i32, u32, u32, &str); 6] = [
    (1959, 4, 10, "結婚の儀"),
    (1989, 2, 24, "大喪の礼"),
    (1990, 11, 12, "即位礼正殿の儀"),
    (1993, 6, 9, "結婚の儀"),
    (2019, 5, 1, "天皇の即位の日"),
    (2019, 10, 22, "即位礼正殿の儀が行われる日"),
];

/// The name on `date` by the law's rules: a 国民の祝日, else a 休日 —
/// 振替休日 (第3条第2項, from 1973-04-12): a 祝日 on a Sunday makes the next day a 休日; since
/// 2007 the nearest following day that is not a 祝日.
/// 国民の休日 (第3条第3項, from 1985-12-27): a day between two 祝日; until 2006 not when it is a
/// Sunday or already a 振替休日.
fn law_name(date: NaiveDate) -> Option<String> {
    // No 祝日 falls on 12-31 or 01-01's eve, so a 休日 never depends on another year.
    let base = law_base(date.year());
    let is_base = |d: NaiveDate| base.iter().any(|(b, _)| *b == d);
    if let Some((_, name)) = base.iter().find(|(b, _)| *b == date) {
        return Some((*name).to_string());
    }
    let substitutes_from = NaiveDate::from_ymd_opt(1973, 4, 12)?;
    let reform_2007 = NaiveDate::from_ymd_opt(2007, 1, 1)?;
    let mut day = date.pred_opt()?;
    while is_base(day) {
        if day.weekday() == Weekday::Sun
            && day >= substitutes_from
            && (date >= reform_2007 || date.pred_opt() == Some(day))
        {
            return Some(KYUJITSU.to_string());
        }
        if date < reform_2007 {
            break;
        }
        day = day.pred_opt()?;
    }
    let between_from = NaiveDate::from_ymd_opt(1985, 12, 27)?;
    let between = date >= between_from
        && date.pred_opt().is_some_and(is_base)
        && date.succ_opt().is_some_and(is_base)
        && (date >= reform_2007 || date.weekday() != Weekday::Sun);
    between.then(|| KYUJITSU.to_string())
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Equinox {
    March,
    September,
}

/// Day of the month of the equinox in Japan time. The law names the equinox day itself; the
/// Cabinet Office announces it each February from the National Astronomical Observatory's
/// reckoning, which the formula below follows for 1900–2150.
fn equinox_day(year: i32, which: Equinox) -> u32 {
    let constant = match (which, year) {
        (Equinox::March, 1900..=1979) => Some(20.8357),
        (Equinox::March, 1980..=2099) => Some(20.8431),
        (Equinox::March, 2100..=2150) => Some(21.8510),
        (Equinox::September, 1900..=1979) => Some(23.2588),
        (Equinox::September, 1980..=2099) => Some(23.2488),
        (Equinox::September, 2100..=2150) => Some(24.2488),
        _ => None,
    };
    match constant {
        Some(c) => formula_day(year, c),
        None => astronomical_day(year, which),
    }
}

fn formula_day(year: i32, constant: f64) -> u32 {
    let y = year - 1980;
    let day = (constant + 0.242194 * f64::from(y)).floor() as i64 - i64::from(y.div_euclid(4));
    day.clamp(1, 31) as u32
}

/// The equinox's date in Japan time from the Sun's mean motion and the periodic terms of
/// Meeus, *Astronomical Algorithms* (2nd ed.), ch. 27 (about a minute of error for the years
/// 1000–3000), less ΔT (TT − UT, Espenak–Meeus's extrapolation: minutes, uncertain far ahead).
fn astronomical_day(year: i32, which: Equinox) -> u32 {
    let y = (f64::from(year) - 2000.0) / 1000.0;
    let jde0 = match which {
        Equinox::March => {
            2451623.80984 + 365242.37404 * y + 0.05169 * y.powi(2) - 0.00411 * y.powi(3) - 0.00057 * y.powi(4)
        }
        Equinox::September => {
            2451810.21715 + 365242.01767 * y - 0.11575 * y.powi(2) + 0.00337 * y.powi(3) + 0.00078 * y.powi(4)
        }
    };
    let t = (jde0 - 2451545.0) / 36525.0;
    let w = (35999.373 * t - 2.47).to_radians();
    let delta_lambda = 1.0 + 0.0334 * w.cos() + 0.0007 * (2.0 * w).cos();
    let s: f64 = PERIODIC_TERMS.iter().map(|(a, b, c)| a * (b + c * t).to_radians().cos()).sum();
    let jde = jde0 + 0.00001 * s / delta_lambda;
    let jst = jde - delta_t_seconds(f64::from(year)) / 86400.0 + 9.0 / 24.0;
    // Julian day 2440587.5 is 1970-01-01 00:00.
    let days_since_1970 = (jst - 2440587.5).floor() as i64;
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|epoch| epoch.checked_add_signed(Duration::days(days_since_1970)))
        .map(|d| d.day())
        .unwrap_or(if which == Equinox::March { 20 } else { 23 })
}

/// TT − UT in seconds (Espenak and Meeus, "Polynomial expressions for Delta T").
fn delta_t_seconds(year: f64) -> f64 {
    let u = (year - 1820.0) / 100.0;
    if year < 2005.0 {
        64.0
    } else if year < 2050.0 {
        let t = year - 2000.0;
        62.92 + 0.32217 * t + 0.005589 * t * t
    } else if year < 2150.0 {
        -20.0 + 32.0 * u * u - 0.5628 * (2150.0 - year)
    } else {
        -20.0 + 32.0 * u * u
    }
}

/// Meeus, table 27.C: A, B (degrees), C (degrees per Julian century).
const PERIODIC_TERMS: [(f64, f64, f64); 24] = [
    (485.0, 324.96, 1934.136),
    (203.0, 337.23, 32964.467),
    (199.0, 342.08, 20.186),
    (182.0, 27.85, 445267.112),
    (156.0, 73.14, 45036.886),
    (136.0, 171.52, 22518.443),
    (77.0, 222.54, 65928.934),
    (74.0, 296.72, 3034.906),
    (70.0, 243.58, 9037.513),
    (58.0, 119.81, 33718.147),
    (52.0, 297.17, 150.678),
    (50.0, 21.02, 2281.226),
    (45.0, 247.54, 29929.562),
    (44.0, 325.15, 31555.956),
    (29.0, 60.93, 4443.417),
    (18.0, 155.12, 67555.328),
    (17.0, 288.79, 4562.452),
    (16.0, 198.04, 62894.029),
    (14.0, 199.76, 31436.921),
    (12.0, 95.39, 14577.848),
    (12.0, 287.11, 31931.756),
    (12.0, 320.81, 34777.259),
    (9.0, 227.73, 1222.114),
    (8.0, 15.45, 16859.074),
];

#[cfg(test)]
#[path = "holidays_tests.rs"]
mod tests;
