//! The procedures after 認定 (mlit-plan.md §4.5 items 3 and 4, §4.6, §4.9 checks 10 and the 退職
//! part of 13): a certified plan with two workers, both 受入前 「要報告」; the 受入報告書 with its
//! five fields and the 在留資格許可日 (refused input kept, confirmation, 従事中, nothing twice); the
//! other worker's grant date starts the clock: the reminder job mails 7 days before the deadline
//! and from the day after it, once each, and both sides see 「受入報告期限超過」; the 退職報告書
//! (退職 frees the headcount at once, shown on the list and 計画確認); another company reaches
//! nothing.

use super::{HOME, PLAN, WORKER, add_worker, audit_count, complete_plan, other_company, post_section, setup};
use super::{sign_in, upload_required};
use crate::testkit::{Page, TestApp};
use axum::http::StatusCode;

const CONSOLE: &str = "/mlit-fwms/operator/plans";
const REPORTS: &str = "/mlit-fwms/plan/reports";

/// The demo company's plan with two workers (keys 1 and 2), applied for and certified on
/// 2026-11-24 by the office; the plan's id and the office's operator, signed in (signed in
/// first: its code is then not confused with the 審査待ち mail of the same frozen second).
pub(super) async fn certified_plan(app: &TestApp) -> (i64, TestApp) {
    let op = app.browser();
    op.operator_login("mlit-fwms").await;
    let first = complete_plan(app).await;
    let second = add_worker(app).await;
    let mut fields = WORKER.to_vec();
    fields.retain(|(k, _)| !matches!(*k, "name_roman" | "residence_card"));
    fields.extend([("name_roman", "TRAN THI B"), ("residence_card", "CD87654321EF")]);
    let saved = post_section(app, &format!("workers/{second}"), "next", &fields).await;
    assert_eq!(saved.location(), PLAN, "{}", saved.body);
    upload_required(app, &first).await;
    upload_required(app, &second).await;
    let done = app.press_yes(&app.get(&format!("{PLAN}/apply")).await).await;
    assert_eq!(done.location(), format!("{PLAN}/view?done=applied"), "{}", done.body);
    let mut conn = app.state.store.acquire().await.unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM acceptance_plans").fetch_one(&mut *conn).await.unwrap();
    drop(conn);
    let review = op.get(&format!("{CONSOLE}/{id}")).await;
    let at = review.body.find("name=\"seq\" value=\"").unwrap() + "name=\"seq\" value=\"".len();
    let seq = review.body[at..at + review.body[at..].find('"').unwrap()].to_string();
    let mut fields: Vec<(&str, &str)> =
        madoguchi_acceptance_plan::bureau::CRITERIA.iter().map(|c| ("criteria", *c)).collect();
    fields.extend([("seq", seq.as_str()), ("certified_on", "2026-11-24")]);
    let certified = op.post(&format!("{CONSOLE}/{id}/certify"), &fields).await;
    assert_eq!(certified.location(), format!("{CONSOLE}/{id}?done=certified"), "{}", certified.body);
    (id, op)
}

const ARRIVAL: &[(&str, &str)] = &[
    ("granted_on", "2026-11-24"),
    ("residence_card", "AB12345678CD"),
    ("ccus_id", "12345678901234"),
    ("stay_expires", "2027-11-23"),
    ("landed_on", ""),
    ("started_on", "2026-11-24"),
];

/// Files worker 1's 受入報告書 through its confirmation; the confirmation page.
pub(super) async fn arrive(app: &TestApp) -> Page {
    let asked = app.post(&format!("{REPORTS}/1/arrival"), ARRIVAL).await;
    asked.assert_contains("提出します。よろしいですか？").assert_contains("AB12345678CD");
    let done = app.press_yes(&asked).await;
    assert_eq!(done.location(), format!("{REPORTS}?done=arrival"), "{}", done.body);
    asked
}

async fn worker_state(app: &TestApp, worker: i64) -> Option<String> {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT state FROM plan_workers WHERE worker = $1")
        .bind(worker)
        .fetch_optional(&mut *conn)
        .await
        .unwrap()
}

async fn reminders(app: &TestApp) -> usize {
    madoguchi_acceptance_plan::report_job::reminders(&app.state).await.unwrap()
}

/// §4.9 check 10: 「要報告」, the 受入報告書 with its fields → 従事中; a grant date without a report:
/// the near and the overdue mail once each, 「受入報告期限超過」 on both sides.
#[tokio::test]
async fn check_10_the_acceptance_report_and_its_deadline() {
    let app = setup().await;
    let (id, _) = certified_plan(&app).await;
    app.get(HOME)
        .await
        .assert_contains(&format!("<a href=\"{REPORTS}\">受入報告書</a>"))
        .assert_contains(&format!("<a href=\"{REPORTS}\">退職報告書</a>"))
        .assert_contains(&format!("<a href=\"{PLAN}/change\">変更申請</a>"))
        .assert_lacks("変更申請（準備中）");
    let list = app.get(REPORTS).await;
    list.assert_contains("NGUYEN VAN A").assert_contains("TRAN THI B").assert_contains("受入前");
    assert_eq!(list.body.matches("要報告").count(), 2, "{}", list.body);

    // The form starts from the certified worker block; refused input is kept beside its message.
    app.get(&format!("{REPORTS}/1/arrival"))
        .await
        .assert_contains("value=\"AB12345678CD\"")
        .assert_contains("在留資格許可日（特定技能）")
        .assert_contains("在留期間満了年月日")
        .assert_contains("上陸年月日")
        .assert_contains("特定技能従事開始年月日");
    let mut wrong = ARRIVAL.to_vec();
    wrong.retain(|(k, _)| !matches!(*k, "residence_card" | "ccus_id" | "started_on"));
    wrong.extend([("residence_card", "AB1234567C"), ("ccus_id", ""), ("started_on", "2026-11-23")]);
    let refused = app.post(&format!("{REPORTS}/1/arrival"), &wrong).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    refused
        .assert_contains("在留カード番号は英字2桁、数字8桁、英字2桁の12桁で入力してください。")
        .assert_contains("特定技能従事開始年月日は在留資格許可日（2026-11-24）以降の日付を入力してください。")
        .assert_contains("value=\"AB1234567C\"")
        .assert_contains("error-summary");
    assert_eq!(worker_state(&app, 1).await, None, "nothing recorded");

    // Confirmed: 従事中; the same confirmation again records nothing twice.
    let asked = arrive(&app).await;
    let again = app.press_yes(&asked).await;
    assert_eq!(again.location(), REPORTS, "{}", again.body);
    assert_eq!(audit_count(&app, "plan.arrival_reported").await, 1);
    assert_eq!(worker_state(&app, 1).await.as_deref(), Some("working"));
    let list = app.get(&format!("{REPORTS}?done=arrival")).await;
    list.assert_contains("受入報告書を提出しました。").assert_contains("従事中");
    assert_eq!(list.body.matches("要報告").count(), 1);
    let second = app.get(&format!("{REPORTS}/1/arrival")).await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    second.assert_contains("この外国人の受入報告書は提出済みです。");

    // Worker 2's grant date starts the clock: due 2026-12-24 (one calendar month).
    let future = app.post(&format!("{REPORTS}/2/granted"), &[("granted_on", "2026-11-25")]).await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    future.assert_contains("今日より後の日付は入力できません。").assert_contains("value=\"2026-11-25\"");
    let granted = app.post(&format!("{REPORTS}/2/granted"), &[("granted_on", "2026-11-24")]).await;
    assert_eq!(granted.location(), format!("{REPORTS}?done=granted"), "{}", granted.body);
    app.get(REPORTS).await.assert_contains("2026-12-24");
    assert_eq!(audit_count(&app, "plan.grant_date_recorded").await, 1);

    assert_eq!(reminders(&app).await, 0, "a month ahead");
    app.set_clock("2026-12-16T09:00:00+09:00");
    assert_eq!(reminders(&app).await, 0, "8 days before");
    app.set_clock("2026-12-17T09:00:00+09:00");
    assert_eq!(reminders(&app).await, 1, "7 days before");
    assert_eq!(reminders(&app).await, 0, "once");
    let mails = app.mails().await;
    let near = mails.iter().find(|m| m.subject.contains("受入報告の期限が近づいています")).expect("the near mail");
    assert_eq!(near.subject, "【外国人就労管理システム】受入報告の期限が近づいています");
    assert!(near.text.contains("2026-12-24") && near.text.contains("/mlit-fwms/plan/reports"), "{}", near.text);
    assert!(!near.text.contains("TRAN") && !near.text.contains("CD87654321EF"), "no worker's data in a mail");
    app.set_clock("2026-12-24T23:00:00+09:00");
    assert_eq!(reminders(&app).await, 0, "the deadline day is in time");
    app.set_clock("2026-12-25T09:00:00+09:00");
    assert_eq!(reminders(&app).await, 1, "1 month + 1 day");
    assert_eq!(reminders(&app).await, 0, "once");
    let overdue = app.mails().await.into_iter().find(|m| m.subject.contains("受入報告の期限を過ぎています"));
    assert_eq!(overdue.expect("the overdue mail").subject, "【外国人就労管理システム】受入報告の期限を過ぎています");
    assert_eq!(audit_count(&app, "plan.arrival_due_mailed").await, 1);
    assert_eq!(audit_count(&app, "plan.arrival_overdue_mailed").await, 1);

    // Both sides see it (signed in anew: a month has passed).
    let company = app.browser();
    sign_in(&company).await;
    company.get(HOME).await.assert_contains(&format!(
        "<a href=\"{REPORTS}\">受入報告書</a> <strong class=\"flag\">（受入報告期限超過）</strong>"
    ));
    company.get(REPORTS).await.assert_contains("受入報告期限超過");
    company.get(&format!("{PLAN}/view")).await.assert_contains("受入報告期限超過").assert_contains("従事中");
    let office = app.browser();
    office.operator_login("mlit-fwms").await;
    office.get(CONSOLE).await.assert_contains("受入報告期限超過");
    office
        .get(&format!("{CONSOLE}/{id}"))
        .await
        .assert_contains("受入報告期限超過")
        .assert_contains("従事中")
        .assert_contains("AB12345678CD")
        .assert_contains("2026-12-24");

    // Filed late, the flag goes and no mail follows.
    let mut late = ARRIVAL.to_vec();
    late.retain(|(k, _)| !matches!(*k, "residence_card" | "started_on"));
    late.extend([("residence_card", "CD87654321EF"), ("started_on", "2026-12-01")]);
    let asked = company.post(&format!("{REPORTS}/2/arrival"), &late).await;
    let done = company.press_yes(&asked).await;
    assert_eq!(done.location(), format!("{REPORTS}?done=arrival"), "{}", done.body);
    assert!(!company.get(HOME).await.body.contains("受入報告期限超過"));
    assert!(!office.get(CONSOLE).await.body.contains("受入報告期限超過"));
    assert_eq!(reminders(&app).await, 0);
}

/// §4.9 check 13, the 退職 part: the 退職報告書 of a 従事中 worker → 退職, counted no more in the
/// headcount; its rules; another company reaches nothing.
#[tokio::test]
async fn check_13_the_resignation_report_frees_the_headcount() {
    let app = setup().await;
    let (id, office) = certified_plan(&app).await;
    let early = app.get(&format!("{REPORTS}/1/departure")).await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    early.assert_contains("退職報告書は、受入報告書を提出した従事中の外国人について提出できます。");
    let departure = format!("{REPORTS}/1/departure");
    let refused = app.post(&departure, &[("left_on", "2026-11-24"), ("leave_reason", "own")]).await;
    assert_eq!(refused.location(), REPORTS, "no 退職 before the 受入報告");
    arrive(&app).await;
    app.get(REPORTS).await.assert_contains("この計画の外国人（退職者を除く） 2人 ＝ 3人（上限：常勤の職員の数 10人）");

    // Refused: before the 受入, 帰国 without its date, その他 without its text.
    let wrong = app
        .post(&format!("{REPORTS}/1/departure"), &[("left_on", "2026-11-23"), ("leave_reason", "return_home")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.body);
    wrong
        .assert_contains("退職年月日は受入れ（特定技能従事開始年月日：2026-11-24）以降の日付を入力してください。")
        .assert_contains("value=\"2026-11-23\"")
        .assert_contains("id=\"return_on-error\"");
    let other = app.post(&departure, &[("left_on", "2026-11-24"), ("leave_reason", "other")]).await;
    other.assert_contains("id=\"leave_reason_text-error\"");
    let future = app.post(&departure, &[("left_on", "2026-11-25"), ("leave_reason", "own")]).await;
    future.assert_contains("今日より後の日付は入力できません。");
    assert_eq!(worker_state(&app, 1).await.as_deref(), Some("working"));

    // Another company: no plan of its own to report on; the demo company's workers stay as they are.
    let stranger = other_company(&app).await;
    for path in [REPORTS.to_string(), format!("{REPORTS}/1/departure"), format!("{REPORTS}/2/arrival")] {
        let page = stranger.get(&path).await;
        assert_ne!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("NGUYEN") && !page.body.contains("TRAN"), "{path}");
    }
    let posted = stranger.post(&format!("{REPORTS}/2/granted"), &[("granted_on", "2026-11-24")]).await;
    assert_ne!(posted.status, StatusCode::OK);
    let posted = stranger
        .post(
            &format!("{REPORTS}/1/departure"),
            &[("left_on", "2026-11-24"), ("leave_reason", "own"), ("_step", "confirmed")],
        )
        .await;
    assert_ne!(posted.status, StatusCode::OK);
    assert_eq!(worker_state(&app, 1).await.as_deref(), Some("working"));
    assert_eq!(worker_state(&app, 2).await, None);

    // 帰国 with its date: confirmed → 退職, the headcount one fewer at once.
    let fields = [("left_on", "2026-11-24"), ("leave_reason", "return_home"), ("return_on", "2026-12-01")];
    let asked = app.post(&format!("{REPORTS}/1/departure"), &fields).await;
    asked.assert_contains("提出します。よろしいですか？").assert_contains("帰国").assert_contains("2026-12-01");
    let done = app.press_yes(&asked).await;
    assert_eq!(done.location(), format!("{REPORTS}?done=departure"), "{}", done.body);
    assert_eq!(app.press_yes(&asked).await.location(), REPORTS, "nothing twice");
    assert_eq!(audit_count(&app, "plan.departure_reported").await, 1);
    assert_eq!(worker_state(&app, 1).await.as_deref(), Some("left"));
    app.get(&format!("{REPORTS}?done=departure"))
        .await
        .assert_contains("退職報告書を提出しました。")
        .assert_contains("この計画の外国人（退職者を除く） 1人 ＝ 2人（上限：常勤の職員の数 10人）");
    app.get(&format!("{PLAN}/view"))
        .await
        .assert_contains("退職")
        .assert_contains("帰国予定日")
        .assert_contains("2026-12-01")
        .assert_contains("（退職者を除く） 1人");
    office.get(&format!("{CONSOLE}/{id}")).await.assert_contains("帰国予定日").assert_contains("（退職者を除く） 1人");
    let again = app.get(&format!("{REPORTS}/1/departure")).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}
