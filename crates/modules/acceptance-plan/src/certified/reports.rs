//! The procedures after 認定 for each worker of the certified plan (mlit-plan.md §4.5 items 3
//! and 4, §4.7): the 受入報告書 (受入前 → 従事中) and the 退職報告書 (従事中 → 退職), their fields as
//! tables of `form` (drawn and checked like the plan's sections), their rules with the day passed
//! in, the 受入報告's deadline and its reminders. No SQL, no I/O.
//!
//! **The deadline** [ML-jac0304]: the report is due within 1 month of the 特定技能 grant, the
//! 在留資格許可日 the company types (Choice, §4.5.3). A period in months counts from the next day
//! and ends on the day of the last month that corresponds to the grant day (民法第140条・第143条
//! 第2項): granted 2027-04-10 → due 2027-05-10. Where the last month has no such day, the period
//! ends on its last day (第143条第2項ただし書): 2027-01-31 → 2027-02-28, 2028-01-31 → 2028-02-29,
//! 2027-03-31 → 2027-04-30. chrono's `checked_add_months` clamps exactly so. The dates are JST
//! calendar days; the report is late from the day after the deadline.

use crate::check::{self, Issue};
use crate::form::{Choices, Group, Input as I, Need as N, PlanForm, Section, Values, f, h, one};
use crate::ids;
use crate::rules::Headcount;
use chrono::{Days, Months, NaiveDate};

/// 受入報告書 (§4.1 [ML-jac0304]): the 在留資格許可日 that starts the clock (Choice), then the five
/// fields of the original: 在留カード番号, CCUS 技能者ID (or the pending reason), 在留期間満了年月日,
/// 上陸年月日, 特定技能従事開始年月日.
pub static ARRIVAL: Section = Section {
    key: "arrival",
    groups: &[Group {
        legend: "plan.report.arrival_group",
        fields: &[
            h("granted_on", I::Date, N::Always),
            h("residence_card", I::Line(20), N::Always),
            h("ccus_id", I::Line(20), N::Optional),
            f("ccus_reason", I::Select(Choices::CcusReason), N::Optional),
            f("stay_expires", I::Date, N::Always),
            h("landed_on", I::Date, N::Optional),
            f("started_on", I::Date, N::Always),
        ],
    }],
};

/// 退職報告書 (§4.5.4): 退職年月日, 退職理由 (+ its text for その他), 帰国予定日 (for 帰国).
pub static DEPARTURE: Section = Section {
    key: "departure",
    groups: &[Group {
        legend: "plan.report.departure_group",
        fields: &[
            f("left_on", I::Date, N::Always),
            f("leave_reason", I::Radio(Choices::LeaveReason), N::Always),
            f("leave_reason_text", I::Line(200), N::IfOtherReason),
            h("return_on", I::Date, N::IfReturnHome),
        ],
    }],
};

/// A worker's 従事状況 (§4.4): 受入前 → (受入報告書) 従事中 → (退職報告書) 退職.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkerState {
    Arriving,
    Working,
    Left,
}

/// What moves a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    Arrival,
    Departure,
}

impl WorkerState {
    pub const ALL: [WorkerState; 3] = [WorkerState::Arriving, WorkerState::Working, WorkerState::Left];

    pub fn as_str(self) -> &'static str {
        match self {
            WorkerState::Arriving => "arriving",
            WorkerState::Working => "working",
            WorkerState::Left => "left",
        }
    }

    pub fn parse(code: &str) -> Option<WorkerState> {
        WorkerState::ALL.into_iter().find(|s| s.as_str() == code)
    }

    /// 受入前, 従事中, 退職 (`plan.worker_state.<state>`).
    pub fn label_key(self) -> String {
        format!("plan.worker_state.{}", self.as_str())
    }

    /// The state after `report`, or None when the report is not for a worker in this state (a
    /// second 受入報告, a 退職報告 before the 受入報告 or after the 退職).
    pub fn after(self, report: Report) -> Option<WorkerState> {
        match (self, report) {
            (WorkerState::Arriving, Report::Arrival) => Some(WorkerState::Working),
            (WorkerState::Working, Report::Departure) => Some(WorkerState::Left),
            _ => None,
        }
    }

    /// Whether the worker counts against the headcount cap: everyone until the 退職 (the
    /// headcount is freed at once, §4.5.4).
    pub fn counts(self) -> bool {
        self != WorkerState::Left
    }
}

/// The 受入報告's deadline: `granted` + 1 calendar month, the last day of a shorter month.
pub fn due_on(granted: NaiveDate) -> Option<NaiveDate> {
    granted.checked_add_months(Months::new(1))
}

/// Days before the deadline when 「受入報告の期限が近づいています」 goes (§4.6).
pub const REMIND_DAYS: u64 = 7;

/// Where a 受入前 worker's report stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// More than 7 days left.
    Open,
    /// The deadline is within 7 days (today included).
    DueSoon,
    /// The deadline has passed (from the day after it): 「受入報告期限超過」.
    Overdue,
}

pub fn standing(due: NaiveDate, today: NaiveDate) -> Standing {
    if today > due {
        Standing::Overdue
    } else if due.checked_sub_days(Days::new(REMIND_DAYS)).is_none_or(|from| today >= from) {
        Standing::DueSoon
    } else {
        Standing::Open
    }
}

/// The reminder to send on `today`, given which were sent: the overdue mail once from the day
/// after the deadline; the near one once in the 7 days before it (not any more once overdue:
/// a grant date typed late gets the overdue mail only).
pub fn reminder(due: NaiveDate, today: NaiveDate, soon_sent: bool, overdue_sent: bool) -> Option<Standing> {
    match standing(due, today) {
        Standing::Overdue if !overdue_sent => Some(Standing::Overdue),
        Standing::DueSoon if !soon_sent => Some(Standing::DueSoon),
        _ => None,
    }
}

fn push(issues: &mut Vec<Issue>, section: &str, field: &'static str, key: &'static str, date: Option<NaiveDate>) {
    if issues.iter().any(|i| i.field == field) {
        return;
    }
    let params = date.map(|d| vec![("date", d.to_string())]).unwrap_or_default();
    issues.push(Issue { section: section.to_string(), field, key, params });
}

/// A date field as typed: None when empty or already refused (the refusal is pushed).
fn date(values: &Values, section: &str, field: &'static str, issues: &mut Vec<Issue>) -> Option<NaiveDate> {
    let raw = one(values, field);
    if raw.trim().is_empty() || issues.iter().any(|i| i.field == field) {
        return None;
    }
    match ids::date(raw) {
        Ok(d) => Some(d),
        Err(e) => {
            issues.push(Issue { section: section.to_string(), field, key: e.message_key(), params: e.params() });
            None
        }
    }
}

/// The 受入報告書's issues: the fields' own rules, the 在留資格許可日 between the 認定日 and
/// today, the 在留期間 ending after the grant, 上陸 and 従事開始 not in the future and the
/// 従事開始 not before the grant.
pub fn check_arrival(values: &Values, certified_on: NaiveDate, today: NaiveDate) -> Vec<Issue> {
    let s = ARRIVAL.key;
    let mut issues = check::basic_issues(s, &ARRIVAL, values);
    let granted = date(values, s, "granted_on", &mut issues);
    if let Some(g) = granted {
        if g > today {
            push(&mut issues, s, "granted_on", "plan.err.report.future", None);
        } else if g < certified_on {
            push(&mut issues, s, "granted_on", "plan.err.report.before_certified", Some(certified_on));
        }
    }
    let card = one(values, "residence_card");
    if !card.trim().is_empty()
        && let Err(e) = ids::residence_card(card)
    {
        push(&mut issues, s, "residence_card", e.message_key(), None);
    }
    if let Err(e) = ids::ccus_worker_id(one(values, "ccus_id"), one(values, "ccus_reason")) {
        push(&mut issues, s, "ccus_id", e.message_key(), None);
    }
    if let (Some(expires), Some(g)) = (date(values, s, "stay_expires", &mut issues), granted)
        && expires <= g
    {
        push(&mut issues, s, "stay_expires", "plan.err.report.expires_before_grant", Some(g));
    }
    if date(values, s, "landed_on", &mut issues).is_some_and(|d| d > today) {
        push(&mut issues, s, "landed_on", "plan.err.report.future", None);
    }
    if let Some(started) = date(values, s, "started_on", &mut issues) {
        if started > today {
            push(&mut issues, s, "started_on", "plan.err.report.future", None);
        } else if let Some(g) = granted.filter(|g| started < *g) {
            push(&mut issues, s, "started_on", "plan.err.report.start_before_grant", Some(g));
        }
    }
    issues
}

/// The 退職報告書's issues: 退職年月日 not before the worker's 受入 (the 特定技能従事開始年月日 of
/// the 受入報告書) and not in the future, the reason's text for その他, the 帰国予定日 for 帰国 on
/// or after the 退職年月日.
pub fn check_departure(values: &Values, started_on: NaiveDate, today: NaiveDate) -> Vec<Issue> {
    let s = DEPARTURE.key;
    let mut issues = check::basic_issues(s, &DEPARTURE, values);
    let left = date(values, s, "left_on", &mut issues);
    if let Some(l) = left {
        if l > today {
            push(&mut issues, s, "left_on", "plan.err.report.future", None);
        } else if l < started_on {
            push(&mut issues, s, "left_on", "plan.err.report.left_before_start", Some(started_on));
        }
    }
    if one(values, "leave_reason") == "return_home"
        && let (Some(back), Some(l)) = (date(values, s, "return_on", &mut issues), left)
        && back < l
    {
        push(&mut issues, s, "return_on", "plan.err.report.return_before_left", Some(l));
    }
    issues
}

/// The report as kept: only its own fields, and a conditional field only where its condition
/// holds (the 帰国予定日 of a reason that is not 帰国 is not kept).
pub fn kept(section: &Section, values: &Values) -> Values {
    section
        .fields()
        .filter(|f| !matches!(f.need, N::IfOtherReason | N::IfReturnHome) || crate::form::required(f, values))
        .filter_map(|f| values.get(f.name).map(|v| (f.name.to_string(), v.clone())))
        .collect()
}

/// The headcount of the certified plan now (§4.7, §4.5.4): Part 1's current 1号 and 外国人建設
/// 就労者 plus the plan's workers who have not left, against 常勤の職員の数. None while Part 1's
/// numbers do not read (a certified plan's always do).
pub fn headcount(plan: &PlanForm, counting: usize) -> Option<Headcount> {
    let count = |name: &str, min: u32| ids::count(plan.get(name), min).ok();
    Some(Headcount {
        current_ssw: count("current_ssw", 0)?,
        current_construction: count("current_construction", 0)?,
        planned: u32::try_from(counting).unwrap_or(u32::MAX),
        fulltime: count("fulltime", 1)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn values(list: &[(&str, &str)]) -> Values {
        list.iter().map(|(k, v)| (k.to_string(), vec![v.to_string()])).collect()
    }

    #[test]
    fn the_deadline_is_the_corresponding_day_of_the_next_month_or_its_last_day() {
        assert_eq!(due_on(d("2027-04-10")), Some(d("2027-05-10")));
        assert_eq!(due_on(d("2027-01-31")), Some(d("2027-02-28")));
        assert_eq!(due_on(d("2028-01-31")), Some(d("2028-02-29")), "leap year");
        assert_eq!(due_on(d("2027-03-31")), Some(d("2027-04-30")));
        assert_eq!(due_on(d("2027-12-15")), Some(d("2028-01-15")), "across the year");
        assert_eq!(due_on(d("2027-02-28")), Some(d("2027-03-28")), "not the month's end again");
        assert_eq!(due_on(NaiveDate::MAX), None);
    }

    #[test]
    fn overdue_from_the_day_after_the_deadline_near_in_the_7_days_before() {
        let due = d("2027-05-10");
        assert_eq!(standing(due, d("2027-05-02")), Standing::Open);
        assert_eq!(standing(due, d("2027-05-03")), Standing::DueSoon);
        assert_eq!(standing(due, d("2027-05-10")), Standing::DueSoon, "the deadline day itself is in time");
        assert_eq!(standing(due, d("2027-05-11")), Standing::Overdue);
    }

    #[test]
    fn each_reminder_once_and_no_near_one_once_late() {
        let due = d("2027-05-10");
        assert_eq!(reminder(due, d("2027-05-01"), false, false), None);
        assert_eq!(reminder(due, d("2027-05-03"), false, false), Some(Standing::DueSoon));
        assert_eq!(reminder(due, d("2027-05-04"), true, false), None);
        assert_eq!(reminder(due, d("2027-05-11"), true, false), Some(Standing::Overdue));
        assert_eq!(reminder(due, d("2027-05-20"), true, true), None);
        assert_eq!(reminder(due, d("2027-05-20"), false, false), Some(Standing::Overdue));
    }

    #[test]
    fn the_states_move_only_forward_and_the_left_do_not_count() {
        use WorkerState as W;
        assert_eq!(W::Arriving.after(Report::Arrival), Some(W::Working));
        assert_eq!(W::Working.after(Report::Departure), Some(W::Left));
        assert_eq!(W::Arriving.after(Report::Departure), None, "no 退職 before the 受入報告");
        assert_eq!(W::Working.after(Report::Arrival), None, "one 受入報告");
        assert_eq!(W::Left.after(Report::Departure), None);
        assert_eq!(W::Left.after(Report::Arrival), None);
        assert!(W::Arriving.counts() && W::Working.counts() && !W::Left.counts());
        for s in W::ALL {
            assert_eq!(W::parse(s.as_str()), Some(s));
        }
    }

    fn arrival(over: &[(&str, &str)]) -> Values {
        let mut v = values(&[
            ("granted_on", "2027-04-10"),
            ("residence_card", "AB12345678CD"),
            ("ccus_id", "12345678901234"),
            ("stay_expires", "2028-04-09"),
            ("landed_on", "2027-04-12"),
            ("started_on", "2027-04-15"),
        ]);
        for (k, val) in over {
            if val.is_empty() {
                v.remove(*k);
            } else {
                v.insert(k.to_string(), vec![val.to_string()]);
            }
        }
        v
    }

    fn fields(issues: &[Issue]) -> Vec<(&str, &str)> {
        issues.iter().map(|i| (i.field, i.key)).collect()
    }

    #[test]
    fn an_arrival_report_is_checked_against_the_certification_and_today() {
        let (certified, today) = (d("2027-03-01"), d("2027-04-20"));
        assert_eq!(check_arrival(&arrival(&[]), certified, today), vec![]);
        let wrong = arrival(&[("residence_card", "AB1234567C"), ("ccus_id", ""), ("started_on", "2027-04-01")]);
        assert_eq!(
            fields(&check_arrival(&wrong, certified, today)),
            [
                ("residence_card", "plan.err.residence_card"),
                ("ccus_id", "plan.err.required"),
                ("started_on", "plan.err.report.start_before_grant")
            ]
        );
        let pending = arrival(&[("ccus_id", ""), ("ccus_reason", "abroad"), ("landed_on", "")]);
        assert_eq!(check_arrival(&pending, certified, today), vec![], "a pending ID with its reason; no 上陸");
        let future = arrival(&[("granted_on", "2027-04-21")]);
        assert_eq!(fields(&check_arrival(&future, certified, today))[0], ("granted_on", "plan.err.report.future"));
        let early = arrival(&[("granted_on", "2027-02-28"), ("started_on", "2027-03-01")]);
        assert_eq!(
            fields(&check_arrival(&early, certified, today)),
            [("granted_on", "plan.err.report.before_certified")]
        );
        let empty = check_arrival(&Values::new(), certified, today);
        for field in ["granted_on", "residence_card", "ccus_id", "stay_expires", "started_on"] {
            assert!(empty.iter().any(|i| i.field == field), "{field} required");
        }
        assert!(!empty.iter().any(|i| i.field == "landed_on"), "上陸年月日 is optional");
    }

    #[test]
    fn a_departure_report_needs_its_date_reason_and_return_date() {
        let (started, today) = (d("2027-04-15"), d("2028-01-10"));
        let ok = values(&[("left_on", "2028-01-09"), ("leave_reason", "own")]);
        assert_eq!(check_departure(&ok, started, today), vec![]);
        let home = values(&[("left_on", "2028-01-09"), ("leave_reason", "return_home")]);
        assert_eq!(fields(&check_departure(&home, started, today)), [("return_on", "plan.err.required")]);
        let back = values(&[("left_on", "2028-01-09"), ("leave_reason", "return_home"), ("return_on", "2028-01-08")]);
        assert_eq!(
            fields(&check_departure(&back, started, today)),
            [("return_on", "plan.err.report.return_before_left")]
        );
        let other = values(&[("left_on", "2027-04-14"), ("leave_reason", "other")]);
        assert_eq!(
            fields(&check_departure(&other, started, today)),
            [("leave_reason_text", "plan.err.required"), ("left_on", "plan.err.report.left_before_start")]
        );
        let later = values(&[("left_on", "2028-01-11"), ("leave_reason", "own")]);
        assert_eq!(fields(&check_departure(&later, started, today)), [("left_on", "plan.err.report.future")]);
        let none = check_departure(&Values::new(), started, today);
        assert_eq!(fields(&none), [("left_on", "plan.err.required"), ("leave_reason", "plan.err.choose")]);
    }

    #[test]
    fn only_the_fields_of_the_chosen_reason_are_kept() {
        let typed =
            values(&[("left_on", "2028-01-09"), ("leave_reason", "own"), ("return_on", "2028-02-01"), ("x", "y")]);
        let kept = kept(&DEPARTURE, &typed);
        assert_eq!(kept.keys().map(String::as_str).collect::<Vec<_>>(), ["leave_reason", "left_on"]);
    }

    #[test]
    fn the_headcount_counts_the_workers_who_have_not_left() {
        let mut plan = PlanForm::default();
        for (k, v) in [("fulltime", "2"), ("current_ssw", "1"), ("current_construction", "0")] {
            plan.fields.insert(k.into(), vec![v.into()]);
        }
        assert!(headcount(&plan, 2).unwrap().check().is_err(), "1 + 2 > 2");
        assert!(headcount(&plan, 1).unwrap().check().is_ok(), "one left: 1 + 1 ≤ 2");
        plan.fields.remove("fulltime");
        assert_eq!(headcount(&plan, 1), None);
    }
}
