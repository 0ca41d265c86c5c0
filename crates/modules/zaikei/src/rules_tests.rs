use super::*;
use chrono::TimeZone;
use madoguchi_core::calendar::{ClosedDay, Overrides};
use madoguchi_core::clock::JST;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<FixedOffset> {
    JST.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn rokin_rules() -> Vec<ClosedDay> {
    ["sat", "sun", "holiday", "12-31", "01-01", "01-02", "01-03"].iter().map(|c| ClosedDay::parse(c).unwrap()).collect()
}

#[test]
fn amounts_are_thousands_up_to_the_maximum() {
    assert_eq!(parse_amount("13000"), Ok(13_000));
    assert_eq!(parse_amount("１３，０００円"), Ok(13_000));
    assert_eq!(parse_amount("¥9,999,000"), Ok(9_999_000));
    assert_eq!(parse_amount("12500"), Err(AmountError::NotMultiple));
    assert_eq!(parse_amount("12,5OO"), Err(AmountError::NotANumber));
    assert_eq!(parse_amount(""), Err(AmountError::Empty));
    assert_eq!(parse_amount("0"), Err(AmountError::NotPositive));
    assert_eq!(parse_amount("-1000"), Err(AmountError::NotPositive));
    assert_eq!(parse_amount("10000000"), Err(AmountError::TooLarge));
    assert_eq!(parse_amount("99999999999999999999999"), Err(AmountError::TooLarge));
    assert_eq!(parse_amount("1.5"), Err(AmountError::NotANumber));
    assert_eq!(AmountError::NotMultiple.key(), "zchange.err_amount_unit");
}

#[test]
fn the_55_year_rule_counts_on_the_payment_date() {
    let due = date(2025, 7, 25);
    // 55 on the day itself: refused; one day younger: taken.
    assert_eq!(age_on(date(1970, 7, 25), due), 55);
    assert_eq!(age_on(date(1970, 7, 26), due), 54);
    assert!(!may_open(SavingsKind::Housing, date(1970, 7, 25), due));
    assert!(!may_open(SavingsKind::Pension, date(1960, 1, 1), due));
    assert!(may_open(SavingsKind::Housing, date(1970, 7, 26), due));
    assert!(may_open(SavingsKind::General, date(1950, 1, 1), due));
    // A 2/29 birthday: the year is complete on 3/1.
    assert_eq!(age_on(date(1972, 2, 29), date(2027, 2, 28)), 54);
    assert_eq!(age_on(date(1972, 2, 29), date(2027, 3, 1)), 55);
}

#[test]
fn the_two_year_rule_bites_the_day_before_the_second_anniversary() {
    assert_eq!(gap_rule_date(SavingsKind::Pension, date(2025, 6, 25)), Some(date(2027, 6, 24)));
    assert_eq!(gap_rule_date(SavingsKind::Housing, date(2024, 2, 29)), Some(date(2026, 2, 27)));
    assert_eq!(gap_rule_date(SavingsKind::General, date(2025, 6, 25)), None);
    let text = "財形{kind}：最終積立日 {last}、{date} 以降は課税";
    let warning = gap_warning(text, SavingsKind::Housing, date(2025, 6, 25)).unwrap();
    assert_eq!(warning, "財形住宅：最終積立日 2025年6月25日、2027年6月24日 以降は課税");
    assert_eq!(assumed_last_deposit(date(2025, 7, 25)), date(2025, 6, 25));
    assert_eq!(gap_warning(text, SavingsKind::General, date(2025, 6, 25)), None);
}

#[test]
fn the_window_closes_at_the_deadline_of_the_sea_day_example() {
    let (rules, none) = (rokin_rules(), Overrides::default());
    let cal = BusinessCalendar::new(&rules, &none);
    let due = date(2025, 7, 25);
    let before = Window::of(&cal, due, at(2025, 7, 18, 19, 59, 59));
    assert!(before.is_open());
    let closed = "変更期限（{month}月{day}日 {time}）を過ぎているため、変更できません。";
    assert_eq!(before.refusal(closed, "none"), None);
    assert_eq!(deadline_text(before.deadline().unwrap()), "2025-07-18 20:00");
    let after = Window::of(&cal, due, at(2025, 7, 18, 20, 0, 1));
    assert!(!after.is_open());
    assert_eq!(after.refusal(closed, "none").unwrap(), "変更期限（7月18日 20:00）を過ぎているため、変更できません。");
    // At 20:00:00 the service has closed.
    assert!(!Window::of(&cal, due, at(2025, 7, 18, 20, 0, 0)).is_open());
    // The year end: 2026-01-05 → 2025-12-25 20:00.
    let year_end = Window::of(&cal, date(2026, 1, 5), at(2025, 12, 1, 10, 0, 0));
    assert_eq!(deadline_text(year_end.deadline().unwrap()), "2025-12-25 20:00");
}

#[test]
fn the_reminder_runs_from_two_business_days_before_the_deadline() {
    let (rules, none) = (rokin_rules(), Overrides::default());
    let cal = BusinessCalendar::new(&rules, &none);
    let due = date(2025, 7, 25);
    // Deadline Fri 7/18 20:00; 2 business days before: Wed 7/16.
    assert!(!reminder_due(&cal, due, at(2025, 7, 15, 23, 59, 59)));
    assert!(reminder_due(&cal, due, at(2025, 7, 16, 0, 0, 0)));
    assert!(reminder_due(&cal, due, at(2025, 7, 18, 19, 59, 59)));
    assert!(!reminder_due(&cal, due, at(2025, 7, 18, 20, 0, 0)));
}

#[test]
fn receipt_numbers_carry_the_day_and_the_set() {
    assert_eq!(receipt_number(at(2025, 7, 14, 10, 0, 0), 12), "ZK20250714-000012");
}
