//! 営業日カレンダー: the console page (list, add, delete, audit, field errors, one portal's
//! days out of another's reach) and the service-hours gate reading the operator's days.

use crate::testkit::{Page, TestApp};
use axum::http::StatusCode;

async fn audit_count(app: &TestApp, portal: &str, event: &str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    madoguchi_store::audit::count_events(&mut conn, portal, event).await.unwrap()
}

async fn stored(app: &TestApp, portal: &str) -> Vec<madoguchi_core::calendar::DayOverride> {
    let mut conn = app.state.store.acquire().await.unwrap();
    madoguchi_store::calendar::list(&mut conn, portal).await.unwrap()
}

async fn add(op: &TestApp, portal: &str, day: &str, kind: &str, note: &str) -> Page {
    op.post(&format!("/{portal}/operator/calendar"), &[("day", day), ("kind", kind), ("note", note)]).await
}

/// Adds a day that must be taken (the operator signed in at the clock's time: a console
/// session ends after its idle minutes, and the test clock jumps days).
async fn added(op: &TestApp, portal: &str, day: &str, kind: &str, note: &str) {
    let page = add(op, portal, day, kind, note).await;
    assert!(page.location().ends_with("&done=added"), "{} {}: {}", page.status, page.location(), page.body);
}

#[tokio::test]
async fn the_operator_lists_adds_and_deletes_days() {
    let app = TestApp::demo().await;
    app.operator_login("rokin").await;
    app.get("/rokin/operator/").await.assert_contains("href=\"/rokin/operator/calendar\"");
    let year = app.get("/rokin/operator/calendar?year=2026").await;
    assert_eq!(year.status, StatusCode::OK);
    year.assert_contains("2026年の休業日")
        .assert_contains("2026年7月20日（月）")
        .assert_contains("祝日（海の日）")
        .assert_contains("2026年9月22日（火）")
        .assert_contains("休日（振替休日・国民の休日）")
        .assert_contains("2026年1月3日（土）")
        .assert_contains("休業日の設定（1月3日）")
        .assert_contains("2026年12月31日（木）")
        .assert_contains("休業日の設定（12月31日）")
        .assert_contains("土曜日、日曜日、国民の祝日・休日、12月31日、1月1日、1月2日、1月3日")
        // A Saturday closed only by the weekly rule is not listed.
        .assert_lacks("2026年11月21日（土）");

    // Nothing typed: three messages, next to the fields and in the summary; nothing stored.
    let empty = add(&app, "rokin", "", "", "").await;
    assert_eq!(empty.status, StatusCode::OK);
    empty
        .assert_contains("class=\"error-summary\"")
        .assert_contains("<a href=\"#day\">日付を入力してください。</a>")
        .assert_contains("<a href=\"#kind\">休業日にするか営業日にするかを選んでください。</a>")
        .assert_contains("<a href=\"#note\">メモを入力してください。</a>")
        .assert_contains("id=\"day-error\"");
    // A bad date keeps what was typed.
    add(&app, "rokin", "2026-13-01", "closed", "臨時休業")
        .await
        .assert_contains("日付は 2026-05-12 の形で入力してください。")
        .assert_contains("value=\"2026-13-01\"")
        .assert_contains("value=\"臨時休業\"")
        .assert_contains("value=\"closed\" checked");
    add(&app, "rokin", "1999-12-31", "closed", "x").await.assert_contains("2000年から2100年まで");
    add(&app, "rokin", "2026-12-01", "closed", &"長".repeat(101)).await.assert_contains("メモは100文字以内");
    // Days that would change nothing.
    add(&app, "rokin", "2026-11-23", "closed", "x")
        .await
        .assert_contains("この日はすでに休業日です（祝日（勤労感謝の日））。");
    add(&app, "rokin", "2026-11-25", "open", "x").await.assert_contains("この日はすでに営業日です。");
    assert!(stored(&app, "rokin").await.is_empty());
    assert_eq!(audit_count(&app, "rokin", "calendar.day_added").await, 0);

    // A closed Tuesday, typed in full-width with slashes as a Japanese keyboard gives it.
    let done = add(&app, "rokin", "２０２６/１２/０１", "closed", "システム保守").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/rokin/operator/calendar?year=2026&done=added");
    let listed = app.get(done.location()).await;
    listed
        .assert_contains("保存しました。")
        .assert_contains("2026年12月1日（火）")
        .assert_contains("オペレーター登録：システム保守")
        .assert_contains("data-confirm=\"2026年12月1日（火） の登録を削除します。よろしいですか？\"");
    assert_eq!(audit_count(&app, "rokin", "calendar.day_added").await, 1);
    // One entry per day.
    add(&app, "rokin", "2026-12-01", "open", "x").await.assert_contains("この日はすでに登録されています。");
    // An open Saturday.
    added(&app, "rokin", "2026-12-05", "open", "決算対応").await;
    app.get("/rokin/operator/calendar?year=2026")
        .await
        .assert_contains("2026年12月5日（土）")
        .assert_contains("営業日（臨時営業）")
        .assert_contains("オペレーター登録：決算対応 / 休業日の設定（土曜日）");
    let days = stored(&app, "rokin").await;
    assert_eq!(days.len(), 2);

    let gone = app.post(&format!("/rokin/operator/calendar/{}/delete", days[0].id), &[]).await;
    assert_eq!(gone.location(), "/rokin/operator/calendar?year=2026&done=deleted");
    app.get(gone.location()).await.assert_contains("削除しました。").assert_lacks("システム保守");
    assert_eq!(stored(&app, "rokin").await.len(), 1);
    assert_eq!(audit_count(&app, "rokin", "calendar.day_deleted").await, 1);
    // The audit log says what was done, with the note.
    app.get("/rokin/operator/audit?event=calendar.day_deleted").await.assert_contains("2026-12-01 closed システム保守");
    // Deleting it again: nothing there.
    let again = app.post(&format!("/rokin/operator/calendar/{}/delete", days[0].id), &[]).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_page_speaks_english_when_chosen() {
    let app = TestApp::demo().await;
    app.operator_login("rokin").await;
    app.post("/_lang", &[("lang", "en"), ("back", "/")]).await;
    app.get("/rokin/operator/calendar?year=2025")
        .await
        .assert_contains("Non-business days in 2025")
        .assert_contains("2025-07-21 (Mon)")
        .assert_contains("Holiday（Marine Day）");
    add(&app, "rokin", "", "closed", "x").await.assert_contains("Enter the date.");
}

#[tokio::test]
async fn another_portals_operator_cannot_see_or_change_the_days() {
    let app = TestApp::demo().await;
    app.operator_login("rokin").await;
    added(&app, "rokin", "2026-12-01", "closed", "ろうきん保守").await;
    let id = stored(&app, "rokin").await[0].id;

    let shaho = app.browser();
    shaho.operator_login("shaho").await;
    shaho.get("/shaho/operator/calendar?year=2026").await.assert_lacks("ろうきん保守").assert_lacks("2026年12月1日");
    let refused = shaho.post(&format!("/shaho/operator/calendar/{id}/delete"), &[]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    // rokin's console is not shaho's operator's.
    let other = shaho.post(&format!("/rokin/operator/calendar/{id}/delete"), &[]).await;
    assert_eq!(other.status, StatusCode::SEE_OTHER);
    assert_eq!(other.location(), "/rokin/operator/login");
    let viewed = shaho.get("/rokin/operator/calendar").await;
    assert_eq!(viewed.location(), "/rokin/operator/login");
    assert_eq!(stored(&app, "rokin").await.len(), 1);
    assert!(stored(&app, "shaho").await.is_empty());
    assert_eq!(audit_count(&app, "rokin", "calendar.day_deleted").await, 0);
    // shaho's own days stay its own.
    added(&shaho, "shaho", "2026-12-01", "closed", "事務所移転").await;
    app.get("/rokin/operator/calendar?year=2026").await.assert_lacks("事務所移転");
}

#[tokio::test]
async fn an_operator_closed_tuesday_closes_rokin_and_an_opened_saturday_opens_it() {
    let app = TestApp::demo().await;
    let op = app.browser();
    // Tuesday 2026-11-24 10:00: open (without a certificate, the page that explains it).
    app.set_clock("2026-11-24T10:00:00+09:00");
    op.operator_login("rokin").await;
    assert_eq!(app.get("/rokin/login").await.status, StatusCode::FORBIDDEN);
    added(&op, "rokin", "2026-11-24", "closed", "臨時休業").await;
    let closed = app.get("/rokin/login").await;
    assert_eq!(closed.status, StatusCode::SERVICE_UNAVAILABLE);
    closed.assert_contains("サービス提供時間外です");
    // The first screen says so, and when it reopens: Wednesday 08:00.
    app.get("/rokin/").await.assert_contains("現在はサービス提供時間外のため").assert_contains("2026年11月25日 08:00");

    // Saturday 2026-11-28 12:00: closed by the rules, opened by the operator.
    app.set_clock("2026-11-28T12:00:00+09:00");
    op.operator_login("rokin").await;
    assert_eq!(app.get("/rokin/login").await.status, StatusCode::SERVICE_UNAVAILABLE);
    added(&op, "rokin", "2026-11-28", "open", "臨時営業").await;
    assert_eq!(app.get("/rokin/login").await.status, StatusCode::FORBIDDEN, "open on the opened Saturday");
    app.get("/rokin/").await.assert_lacks("現在はサービス提供時間外のため");
    // Still within the hours only.
    app.set_clock("2026-11-28T20:00:01+09:00");
    assert_eq!(app.get("/rokin/login").await.status, StatusCode::SERVICE_UNAVAILABLE);

    // Deleting the Tuesday opens it again at once (the cache is cleared by the edit).
    app.set_clock("2026-11-24T10:00:00+09:00");
    op.operator_login("rokin").await;
    let id = stored(&app, "rokin").await.into_iter().find(|d| d.note == "臨時休業").unwrap().id;
    let deleted = op.post(&format!("/rokin/operator/calendar/{id}/delete"), &[]).await;
    assert!(deleted.location().ends_with("&done=deleted"), "{}", deleted.location());
    assert_eq!(app.get("/rokin/login").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_closed_day_closes_a_portal_open_every_day() {
    let app = TestApp::demo().await;
    let op = app.browser();
    app.set_clock("2026-11-28T12:00:00+09:00");
    op.operator_login("mlit-fwms").await;
    assert_eq!(app.get("/mlit-fwms/login").await.status, StatusCode::OK, "open on Saturdays");
    added(&op, "mlit-fwms", "2026-11-28", "closed", "システム更新").await;
    assert_eq!(app.get("/mlit-fwms/login").await.status, StatusCode::SERVICE_UNAVAILABLE);
    // Past midnight the day before's window (04:00–翌01:00) still runs.
    app.set_clock("2026-11-28T00:30:00+09:00");
    assert_eq!(app.get("/mlit-fwms/login").await.status, StatusCode::OK);
    // Portals open at all hours have no gate to close: hellowork stays open.
    let hw = app.browser();
    hw.operator_login("hellowork").await;
    added(&hw, "hellowork", "2026-11-30", "closed", "保守").await;
    app.set_clock("2026-11-30T12:00:00+09:00");
    assert_eq!(app.get("/hellowork/login").await.status, StatusCode::OK);
}
