//! 変更届出 (mlit-plan.md §4.5 item 2, §4.9 check 12): on a certified plan the 担当者 is editable
//! and the 商号 read-only with 「この項目は変更申請が必要です。」; refused input is kept beside its
//! field; the confirmation shows before → after; 「はい」 changes the certified version at once
//! (計画確認 and the office's 審査 page show the new value, the history keeps both), a second
//! 「はい」 records nothing; the office marks it 確認済. Before 認定 there is nothing to notify;
//! another company and another office reach nothing.

use super::reports::certified_plan;
use super::review::operator_of;
use super::{HOME, PLAN, audit_count, notice_form as form, other_company, setup};
use axum::http::StatusCode;

const NOTICE: &str = "/mlit-fwms/plan/change-notice";
const CONSOLE: &str = "/mlit-fwms/operator/plans";

async fn notices(app: &crate::testkit::TestApp) -> Vec<(i64, Option<i64>)> {
    let mut conn = app.state.store.acquire().await.unwrap();
    let rows: Vec<(i64, Option<i64>)> = sqlx::query_as("SELECT id, confirmed_at FROM plan_change_notices ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    rows
}

#[tokio::test]
async fn check_12_the_contact_is_notified_and_the_trade_name_needs_an_application() {
    let app = setup().await;
    // Before 認定: nothing to notify, the menu lists no 変更届出 link.
    super::start(&app).await;
    app.get(NOTICE).await.assert_contains("計画の認定後に提出できます。");
    let (id, office) = certified_plan(&app).await;
    let home = app.get(HOME).await;
    home.assert_contains(&format!("href=\"{NOTICE}\""));

    let page = app.get(NOTICE).await;
    assert_eq!(page.status, StatusCode::OK);
    // The 担当者 is a field, filled with the certified value; the 商号 is shown, not editable.
    page.assert_contains("name=\"contact_name\"").assert_contains("窓口 花子");
    page.assert_lacks("name=\"name\"").assert_contains("窓口建設株式会社");
    page.assert_contains("この項目は変更申請が必要です。");

    // Refused: a wrong address and an empty required field, kept and shown beside the fields.
    let refused = app.post(NOTICE, &form(&[("contact_email", "not-a-mail"), ("contact_name", "")])).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    refused.assert_contains("not-a-mail").assert_contains("aria-invalid=\"true\"");
    // Nothing changed: said so.
    let same = app.post(NOTICE, &form(&[])).await;
    assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
    same.assert_contains("変更された項目がありません。");
    assert!(notices(&app).await.is_empty());

    // The 担当者 changes: the confirmation shows before → after; 「はい」 files it.
    let asked = app.post(NOTICE, &form(&[("contact_name", "窓口 次郎")])).await;
    asked.assert_contains("変更届出を提出します。よろしいですか？").assert_contains("窓口 花子 → 窓口 次郎");
    let done = app.press_yes(&asked).await;
    assert_eq!(done.location(), format!("{NOTICE}?done=filed"), "{}", done.body);
    let again = app.press_yes(&asked).await;
    assert_eq!(again.location(), NOTICE, "a second 「はい」 records nothing");
    assert_eq!(notices(&app).await.len(), 1);
    assert_eq!(audit_count(&app, "plan.change_notified").await, 1);

    // The certified version took it at once: 計画確認, the history, the office's 審査 page.
    app.get(&format!("{PLAN}/view")).await.assert_contains("窓口 次郎");
    app.get(&format!("{NOTICE}?done=filed"))
        .await
        .assert_contains("窓口 花子 → 窓口 次郎")
        .assert_contains("審査機関の確認待ち");
    let review = office.get(&format!("{CONSOLE}/{id}")).await;
    review.assert_contains("窓口 花子 → 窓口 次郎").assert_contains("確認済にする");
    office.get(CONSOLE).await.assert_contains("未確認の変更届出あり");
    let notice = notices(&app).await[0].0;

    // Another company and another office reach nothing; the notice stays unconfirmed.
    let stranger = other_company(&app).await;
    let theirs = stranger.get(NOTICE).await;
    theirs.assert_lacks("窓口 次郎");
    let theirs = stranger.post(&format!("{NOTICE}/workers/1"), &[("residence_card", "EF87654321GH")]).await;
    assert_ne!(theirs.status, StatusCode::OK);
    theirs.assert_lacks("NGUYEN VAN A");
    let other = operator_of(&app, "thr@mlit-fwms.example.jp", Some("thr")).await;
    let refused = other.post(&format!("{CONSOLE}/{id}/notices/{notice}/confirm"), &[]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let unknown = office.post(&format!("{CONSOLE}/{id}/notices/{}/confirm", notice + 100), &[]).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(notices(&app).await[0].1, None);

    // The office marks it 確認済; pressed twice, once.
    let confirmed = office.post(&format!("{CONSOLE}/{id}/notices/{notice}/confirm"), &[]).await;
    assert_eq!(confirmed.location(), format!("{CONSOLE}/{id}?done=notice_confirmed"), "{}", confirmed.body);
    office.post(&format!("{CONSOLE}/{id}/notices/{notice}/confirm"), &[]).await;
    assert_eq!(audit_count(&app, "plan.change_notice_confirmed").await, 1);
    assert!(notices(&app).await[0].1.is_some());
    app.get(NOTICE).await.assert_contains("確認済").assert_lacks("審査機関の確認待ち");
    office.get(CONSOLE).await.assert_lacks("未確認の変更届出あり");
}

/// The spec's worker items: a renewed 在留カード番号 (a wrong one refused and kept), filed and
/// in the certified block at once; a worker key the plan does not have is a 404.
#[tokio::test]
async fn a_workers_renewed_residence_card_is_notified() {
    let app = setup().await;
    let (_id, _office) = certified_plan(&app).await;
    let list = app.get(NOTICE).await;
    list.assert_contains(&format!("href=\"{NOTICE}/workers/1\"")).assert_contains("NGUYEN VAN A");
    let form = app.get(&format!("{NOTICE}/workers/1")).await;
    form.assert_contains("name=\"residence_card\"").assert_contains("AB12345678CD").assert_lacks("name=\"ccus_id\"");
    let refused = app.post(&format!("{NOTICE}/workers/1"), &[("residence_card", "EF8765432G")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("EF8765432G").assert_contains("aria-invalid=\"true\"");
    let asked = app.post(&format!("{NOTICE}/workers/1"), &[("residence_card", "ef87654321gh")]).await;
    asked.assert_contains("NGUYEN VAN A の在留カード番号").assert_contains("AB12345678CD → EF87654321GH");
    let done = app.press_yes(&asked).await;
    assert_eq!(done.location(), format!("{NOTICE}?done=filed"), "{}", done.body);
    assert_eq!(app.press_yes(&asked).await.location(), NOTICE, "nothing twice");
    assert_eq!(notices(&app).await.len(), 1);
    app.get(&format!("{PLAN}/view")).await.assert_contains("EF87654321GH");
    assert_eq!(app.get(&format!("{NOTICE}/workers/9")).await.status, StatusCode::NOT_FOUND);
}
