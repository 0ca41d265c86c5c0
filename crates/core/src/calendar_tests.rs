use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<FixedOffset> {
    JST.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

/// rokin's preset: Saturdays, Sundays, holidays and 12/31–1/3.
fn rokin_rules() -> Vec<ClosedDay> {
    ["sat", "sun", "holiday", "12-31", "01-01", "01-02", "01-03"].iter().map(|c| ClosedDay::parse(c).unwrap()).collect()
}

fn override_(id: i64, d: NaiveDate, kind: OverrideKind) -> DayOverride {
    DayOverride { id, date: d, kind, note: format!("note {id}") }
}

#[test]
fn the_sea_day_example_of_the_spec() {
    let (rules, none) = (rokin_rules(), Overrides::default());
    let cal = BusinessCalendar::new(&rules, &none);
    // 入金予定日 Fri 2025-07-25: 24, 23, 22, (21 海の日), 18.
    assert_eq!(cal.day(date(2025, 7, 21)), Day::Holiday("海の日".into()));
    assert_eq!(cal.nth_business_day_before(date(2025, 7, 25), 4), Some(date(2025, 7, 18)));
    assert_eq!(cal.change_deadline(date(2025, 7, 25)), Some(at(2025, 7, 18, 20, 0, 0)));
}

#[test]
fn the_year_end_example_of_the_spec() {
    let (rules, none) = (rokin_rules(), Overrides::default());
    let cal = BusinessCalendar::new(&rules, &none);
    // 入金予定日 Mon 2026-01-05: 12/30 (1), 12/29 (2), 12/26 (3), 12/25 (4); 12/31–1/3 closed.
    assert_eq!(cal.change_deadline(date(2026, 1, 5)), Some(at(2025, 12, 25, 20, 0, 0)));
    assert_eq!(cal.day(date(2025, 12, 31)), Day::Closure(&ClosedDay::MonthDay(12, 31)));
    assert_eq!(cal.day(date(2026, 1, 1)), Day::Holiday("元日".into()));
    assert_eq!(cal.day(date(2026, 1, 2)), Day::Closure(&ClosedDay::MonthDay(1, 2)));
    // A Saturday in the closure is named by its date, not its weekday.
    assert_eq!(cal.day(date(2026, 1, 3)), Day::Closure(&ClosedDay::MonthDay(1, 3)));
}

#[test]
fn the_deadline_holds_to_the_second() {
    let (rules, none) = (rokin_rules(), Overrides::default());
    let cal = BusinessCalendar::new(&rules, &none);
    let due = date(2025, 7, 25);
    assert!(cal.may_change(due, at(2025, 7, 18, 19, 59, 59)));
    assert!(!cal.may_change(due, at(2025, 7, 18, 20, 0, 0)));
    assert!(!cal.may_change(due, at(2025, 7, 18, 20, 0, 1)));
    assert!(!cal.may_change(due, at(2025, 7, 22, 9, 0, 0)));
    let new_year = date(2026, 1, 5);
    assert!(cal.may_change(new_year, at(2025, 12, 25, 19, 59, 59)));
    assert!(!cal.may_change(new_year, at(2025, 12, 25, 20, 0, 1)));
}

#[test]
fn next_business_day_skips_weekends_holidays_and_closures() {
    let (rules, none) = (rokin_rules(), Overrides::default());
    let cal = BusinessCalendar::new(&rules, &none);
    // Fri 2025-12-26 → Mon 12-29; Tue 12-30 → (31, 1, 2, 3, Sun 4) → Mon 2026-01-05.
    assert_eq!(cal.next_business_day(date(2025, 12, 26)), Some(date(2025, 12, 29)));
    assert_eq!(cal.next_business_day(date(2025, 12, 30)), Some(date(2026, 1, 5)));
    // Fri 2025-07-18 → Tue 07-22 (Monday is 海の日).
    assert_eq!(cal.next_business_day(date(2025, 7, 18)), Some(date(2025, 7, 22)));
    assert!(cal.is_business_day(date(2025, 7, 22)));
    assert!(!cal.is_business_day(date(2025, 7, 19)));
}

#[test]
fn the_operators_days_win_over_the_rules() {
    let rules = rokin_rules();
    // A closed Tuesday, and a Saturday opened.
    let tuesday = date(2025, 7, 22);
    let saturday = date(2025, 7, 19);
    let overrides =
        Overrides::new([override_(1, tuesday, OverrideKind::Closed), override_(2, saturday, OverrideKind::Open)]);
    let cal = BusinessCalendar::new(&rules, &overrides);
    assert!(matches!(cal.day(tuesday), Day::ClosedByOperator(o) if o.id == 1));
    assert!(matches!(cal.day(saturday), Day::OpenedByOperator(o) if o.id == 2));
    assert!(cal.is_business_day(saturday));
    assert!(!cal.is_business_day(tuesday));
    // 25 Fri: 24, 23, (22 closed), (21 海の日), 18 → 4th is (19 opened): 24, 23, 19... counted:
    // 24 (1), 23 (2), 19 (3), 18 (4).
    assert_eq!(cal.nth_business_day_before(date(2025, 7, 25), 4), Some(date(2025, 7, 18)));
    assert_eq!(cal.nth_business_day_before(date(2025, 7, 25), 3), Some(date(2025, 7, 19)));
    assert_eq!(cal.next_business_day(date(2025, 7, 18)), Some(saturday));
    // An "open" override on a day already open says nothing new.
    let plain = Overrides::new([override_(3, date(2025, 7, 24), OverrideKind::Open)]);
    assert_eq!(BusinessCalendar::new(&rules, &plain).day(date(2025, 7, 24)), Day::Business);
}

#[test]
fn a_calendar_without_business_days_ends_the_search() {
    let rules: Vec<ClosedDay> =
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].iter().map(|c| ClosedDay::parse(c).unwrap()).collect();
    let none = Overrides::default();
    let cal = BusinessCalendar::new(&rules, &none);
    assert_eq!(cal.next_business_day(date(2026, 1, 1)), None);
    assert_eq!(cal.change_deadline(date(2026, 1, 1)), None);
    assert!(!cal.may_change(date(2026, 1, 1), at(2025, 1, 1, 0, 0, 0)));
}

#[test]
fn holidays_close_only_where_the_rules_say_so() {
    let rules = vec![ClosedDay::Weekday(Weekday::Sun)];
    let none = Overrides::default();
    let cal = BusinessCalendar::new(&rules, &none);
    assert!(cal.is_business_day(date(2025, 7, 21)), "海の日 is open where holidays are not closed");
    assert_eq!(OverrideKind::parse("closed"), Some(OverrideKind::Closed));
    assert_eq!(OverrideKind::parse(OverrideKind::Open.as_str()), Some(OverrideKind::Open));
    assert_eq!(OverrideKind::parse("shut"), None);
}
