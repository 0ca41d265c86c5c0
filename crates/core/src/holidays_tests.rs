use super::*;
use std::collections::BTreeMap;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Python's `holidays` 0.109 (tools/holidays-fixture), 1955–2099: the second source.
fn python() -> BTreeMap<NaiveDate, String> {
    include_str!("../tests/fixtures/holidays-python.csv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (d, name) = l.split_once(',').unwrap();
            (NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap(), name.to_string())
        })
        .collect()
}

/// Both lists' names for the same day: the Cabinet Office calls a substitute holiday and a
/// day between two holidays 「休日」, Python 振替休日 and 国民の休日.
fn same_name(ours: &str, theirs: &str) -> bool {
    fn fold(n: &str) -> &str {
        if n == "振替休日" || n == "国民の休日" || n.ends_with(" 振替休日") { KYUJITSU } else { n }
    }
    fold(ours) == fold(theirs) || ours.starts_with(theirs) || theirs.starts_with(ours)
}

/// Every day of `years` where `ours` and the fixture disagree, as readable lines.
fn differences(years: std::ops::RangeInclusive<i32>, ours: impl Fn(NaiveDate) -> Option<String>) -> Vec<String> {
    let python = python();
    let mut day = date(*years.start(), 1, 1);
    let end = date(*years.end(), 12, 31);
    let mut found = Vec::new();
    while day <= end {
        match (ours(day), python.get(&day)) {
            (None, None) => {}
            (Some(a), Some(b)) if same_name(&a, b) => {}
            (a, b) => found.push(format!("{day}: ours {a:?}, python {b:?}")),
        }
        day += Duration::days(1);
    }
    found
}

#[test]
fn the_table_is_sound_and_covers_2020_to_2030() {
    assert_eq!(check_table(), Ok(()));
    assert_eq!(table_years(), Some((2020, 2030)));
}

#[test]
fn every_day_of_2020_to_2030_agrees_with_the_second_source() {
    let diff = differences(2020..=2030, holiday_name);
    assert!(diff.is_empty(), "{}", diff.join("\n"));
    // 4,018 days compared, the same number of holidays on both sides.
    let theirs = python().range(date(2020, 1, 1)..=date(2030, 12, 31)).count();
    assert_eq!((2020..=2030).map(|y| in_year(y).len()).sum::<usize>(), theirs);
    assert!(theirs > 180, "{theirs}");
}

#[test]
fn the_olympic_year_2021_is_right() {
    // jpholiday 0.1.4 had each of these the other way round.
    for (m, d, holiday) in [(7, 19, false), (7, 22, true), (7, 23, true), (8, 9, true), (8, 11, false), (10, 11, false)]
    {
        assert_eq!(is_holiday(date(2021, m, d)), holiday, "2021-{m:02}-{d:02}");
    }
    assert_eq!(holiday_name(date(2021, 8, 9)).as_deref(), Some(KYUJITSU));
}

#[test]
fn the_rules_of_the_law_give_the_typed_years() {
    for year in 2020..=2030 {
        let mut day = date(year, 1, 1);
        while day.year() == year {
            assert_eq!(law_name(day), holiday_name(day), "{day}");
            day += Duration::days(1);
        }
    }
}

#[test]
fn the_years_after_the_table_agree_with_the_second_source() {
    let diff = differences(2031..=2099, holiday_name);
    assert!(diff.is_empty(), "{}", diff.join("\n"));
}

#[test]
fn the_years_before_the_table_agree_with_the_second_source() {
    let diff = differences(1955..=2019, holiday_name);
    assert!(diff.is_empty(), "{}", diff.join("\n"));
}

#[test]
fn the_sun_and_the_formula_agree_on_every_equinox_of_1900_to_2150() {
    let mut disagree = Vec::new();
    for year in 1900..=2150 {
        for which in [Equinox::March, Equinox::September] {
            let c = equinox_constant(year, which);
            if astronomical_day(year, which) != formula_day(year, c) {
                disagree.push(format!("{year} {which:?}"));
            }
        }
    }
    // Two of 502, each an equinox within minutes of midnight in Japan (1917, before the law, and
    // 2107): the formula decides there.
    assert!(disagree.len() <= 2, "{disagree:?}");
}

fn equinox_constant(year: i32, which: Equinox) -> f64 {
    match (which, year) {
        (Equinox::March, ..=1979) => 20.8357,
        (Equinox::March, 1980..=2099) => 20.8431,
        (Equinox::March, _) => 21.8510,
        (Equinox::September, ..=1979) => 23.2588,
        (Equinox::September, 1980..=2099) => 23.2488,
        (Equinox::September, _) => 24.2488,
    }
}

#[test]
fn equinoxes_go_on_after_2150() {
    for year in 2151..=2400 {
        let spring: Vec<_> = in_year(year).into_iter().filter(|(_, n)| n == "春分の日").collect();
        let autumn: Vec<_> = in_year(year).into_iter().filter(|(_, n)| n == "秋分の日").collect();
        assert_eq!(spring.len(), 1, "{year}");
        assert_eq!(autumn.len(), 1, "{year}");
        assert!((19..=22).contains(&spring[0].0.day()) && spring[0].0.month() == 3, "{year} {spring:?}");
        assert!((21..=24).contains(&autumn[0].0.day()) && autumn[0].0.month() == 9, "{year} {autumn:?}");
    }
    // A Sunday equinox carries over to the Monday.
    let sunday = (2151..2200)
        .flat_map(in_year)
        .find(|(d, n)| n == "春分の日" && d.weekday() == Weekday::Sun)
        .map(|(d, _)| d)
        .unwrap();
    assert_eq!(holiday_name(sunday.succ_opt().unwrap()).as_deref(), Some(KYUJITSU));
}

#[test]
fn no_holiday_before_the_law() {
    assert_eq!(holiday_name(date(1948, 1, 1)), None);
    assert_eq!(holiday_name(date(1900, 11, 3)), None);
}

#[test]
fn a_broken_table_is_refused_with_the_place() {
    assert!(parse_table("[2020]\n\"13-01\" = \"x\"\n").unwrap_err().contains("\"13-01\""));
    assert!(parse_table("[2020]\n\"01-01\" = \"\"\n").unwrap_err().contains("name"));
    let gap = "[2020]\n\"01-01\" = \"元日\"\n[2022]\n\"01-01\" = \"元日\"\n";
    assert!(parse_table(gap).unwrap_err().contains("none skipped"));
    assert!(parse_table("[twenty]\n\"01-01\" = \"元日\"\n").unwrap_err().contains("not a year"));
}

#[test]
fn names_in_english() {
    assert_eq!(display_name("海の日", Lang::En), "Marine Day");
    assert_eq!(display_name("海の日", Lang::Ja), "海の日");
    assert_eq!(display_name(KYUJITSU, Lang::En), "Holiday (substitute, or between two holidays)");
}
