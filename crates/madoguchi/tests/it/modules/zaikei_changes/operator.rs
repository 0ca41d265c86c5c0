//! Check 9 and the reminder: the operator's 送信済変更一覧, the CSV of the latest sent version
//! (never a draft), 「労金処理済」 with its mail and the 明細 taking the amounts, the CLI's
//! export, and the deadline reminder job (once).

use super::{DUE, amount, base_of, setup};
use axum::http::StatusCode;

async fn change(b: &crate::testkit::TestApp, d: i64, row: i64, amount: &str) {
    let path = format!("/rokin/zaikei/change/{d}/rows/{row}");
    let base = base_of(&b.get(&path).await.body);
    let saved = b.post(&path, &[("action", "amount"), ("amount", amount), ("base", &base)]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
}

async fn send(b: &crate::testkit::TestApp, d: i64) {
    let base = base_of(&b.get(&format!("/rokin/zaikei/send/{d}")).await.body);
    let done = b.post_confirmed(&format!("/rokin/zaikei/send/{d}"), &[("base", &base)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
}

#[tokio::test]
async fn check_9_the_bank_downloads_the_latest_send_and_marks_it_processed() {
    let (app, b, _, _, s) = setup().await;
    let d = s.delivery;
    change(&b, d, s.general, "13000").await;
    send(&b, d).await;
    // A resend supersedes: version 2 with ¥14,000; then an unsent draft of ¥99,000.
    change(&b, d, s.general, "14000").await;
    send(&b, d).await;
    change(&b, d, s.housing, "99000").await;

    let op = app.browser();
    op.operator_login("rokin").await;
    let list = op.get(&format!("/rokin/operator/zaikei/changes?due={DUE}")).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    list.assert_contains("10000001").assert_contains("送信済 第2").assert_contains("その後の未送信の変更あり");
    op.get("/rokin/operator/zaikei/changes?due=7/25")
        .await
        .assert_contains("入金予定日を「2025-07-25」の形式で入力してください。");

    let csv = op.get(&format!("/rokin/operator/zaikei/changes.csv?due={DUE}")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with('\u{feff}'), "a BOM");
    let lines: Vec<&str> = csv.body.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 2, "the heading and the one change of version 2:\n{}", csv.body);
    assert!(
        lines[1].contains("\"14000\"") && lines[1].contains("\"2\"") && lines[1].contains("\"金額変更\""),
        "{}",
        lines[1]
    );
    assert!(!csv.body.contains("99000") && !csv.body.contains("13000"), "{}", csv.body);
    // The CLI writes the same lines.
    let (text, contracts, rows) =
        madoguchi::zaikei_export::export(&app.state.store, &app.state.config, "rokin", DUE, app.state.clock.unix())
            .await
            .unwrap();
    assert_eq!((contracts, rows), (1, 1));
    assert_eq!(text.trim_end().split("\r\n").nth(1), Some(lines[1]));
    let mut conn = app.state.store.acquire().await.unwrap();
    assert_eq!(madoguchi_store::audit::count_events(&mut conn, "rokin", "zaikei.changes_exported").await.unwrap(), 2);
    drop(conn);

    // 労金処理済 (after the confirmation): the 明細 takes the sent amount, the draft stays a draft.
    let line = list.body.find("/zaikei/changes/").unwrap();
    let action = list.body[line..].split('"').next().unwrap();
    assert!(action.ends_with("/processed"), "{action}");
    let question = op.post(&format!("/rokin/operator{action}"), &[("due", DUE)]).await;
    question.assert_contains("送信された変更を労金処理済にします。");
    assert_eq!(amount(&app, s.general).await, 10_000, "nothing before the confirmation");
    let done = op.press_yes(&question).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(amount(&app, s.general).await, 14_000);
    assert_eq!(amount(&app, s.housing).await, 15_000, "the unsent draft is not applied");
    let mails = app.mails().await;
    let applied =
        mails.iter().find(|m| m.subject.contains("財形積立明細の変更が反映されました")).expect("the 反映 mail");
    assert_eq!(applied.to, crate::rokin::users::MASTER_EMAIL);
    assert!(!applied.text.contains("14000") && !applied.text.contains("山田"), "{}", applied.text);
    op.get(&format!("/rokin/operator/zaikei/changes?due={DUE}")).await.assert_contains("送信済 第2・労金処理済");
    b.get(&format!("/rokin/zaikei/history/{d}")).await.assert_contains("労金処理済");

    // 財形積立変更明細書 keeps the statement of the processed send: version 2, not the draft.
    let pdf = b.get(&format!("/rokin/zaikei/reports?report=changes&delivery={d}")).await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
    let text = crate::modules::zaikei::outputs::pdftotext(&pdf.bytes);
    for expected in ["財形積立変更明細書", "第2版", "金額変更", "10,000", "14,000", "+4,000", "合計", "1 / 1"]
    {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }
    assert!(!text.contains("99,000"), "the unsent draft is not on the statement:\n{text}");
}

#[tokio::test]
async fn a_delivery_without_a_sent_change_has_no_change_statement() {
    let (_app, b, _, _, s) = setup().await;
    let page = b.get(&format!("/rokin/zaikei/reports?report=changes&delivery={}", s.delivery)).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("この受信データには送信済の変更がありません。").assert_contains("aria-describedby");
    // A draft is not a statement either.
    change(&b, s.delivery, s.general, "13000").await;
    b.get(&format!("/rokin/zaikei/reports?report=changes&delivery={}", s.delivery))
        .await
        .assert_contains("この受信データには送信済の変更がありません。");
}

#[tokio::test]
async fn processing_all_takes_every_sent_contract() {
    let (app, b, _, _, s) = setup().await;
    let (_o, g, other) = super::other_contract(&app).await;
    change(&b, s.delivery, s.general, "13000").await;
    send(&b, s.delivery).await;
    change(&g, other.delivery, other.pension, "30000").await;
    send(&g, other.delivery).await;
    let op = app.browser();
    op.operator_login("rokin").await;
    let question = op.post("/rokin/operator/zaikei/changes/processed", &[("due", DUE)]).await;
    question.assert_contains("10000001").assert_contains("20000002");
    op.press_yes(&question).await;
    assert_eq!(amount(&app, s.general).await, 13_000);
    assert_eq!(amount(&app, other.pension).await, 30_000);
}

#[tokio::test]
async fn the_deadline_reminder_goes_once_for_an_unsent_draft() {
    let (app, b, _, _, s) = setup().await;
    change(&b, s.delivery, s.general, "13000").await;
    let count = |app: &crate::testkit::TestApp| {
        let app = app.state.clone();
        async move {
            let mut conn = app.store.acquire().await.unwrap();
            madoguchi_store::audit::count_events(&mut conn, "rokin", "zaikei.deadline_reminded").await.unwrap()
        }
    };
    // 2025-07-15: three business days before the deadline day — not yet.
    app.set_clock("2025-07-15T09:00:00+09:00");
    assert_eq!(madoguchi_zaikei::notify::deadline_reminders(&app.state).await.unwrap(), 0);
    app.set_clock("2025-07-16T09:00:00+09:00");
    assert_eq!(madoguchi_zaikei::notify::deadline_reminders(&app.state).await.unwrap(), 1);
    assert_eq!(madoguchi_zaikei::notify::deadline_reminders(&app.state).await.unwrap(), 0, "once");
    assert_eq!(count(&app).await, 1);
    let mails = app.mails().await;
    let mail =
        mails.iter().find(|m| m.subject.contains("財形積立明細の変更期限が近づいています")).expect("the reminder");
    assert!(mail.text.contains("2025-07-18 20:00") && !mail.text.contains("13000"), "{}", mail.text);
}
