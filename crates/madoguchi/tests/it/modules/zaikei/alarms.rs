//! 財形アラーム明細照会: the filters, the 未対応 count on インフォメーション, and 対応済 with a
//! note (CSRF-checked POST, refused without a note, audited).

use super::{deliver, delivery_id, setup};
use axum::http::StatusCode;
use madoguchi::demo_zaikei::{alarm_csv, members};
use madoguchi_zaikei::kinds::DeliveryKind;

#[tokio::test]
async fn alarms_filter_and_are_marked_handled_with_a_note() {
    let (app, b, _, contract) = setup().await;
    let m = members(120);
    let text = alarm_csv(&m, "2025-07-01");
    let total = text.lines().count() - 1;
    let delivery = delivery_id(&deliver(&app, contract, DeliveryKind::Alarm, &text, false).await);
    let mails = app.mails().await;
    assert!(mails.iter().any(|m| m.subject == "【賃金控除事務支援システム】財形アラーム明細を受信しました"));
    b.get("/rokin/home").await.assert_contains(&format!("未対応 {total} 件"));
    let page = b.get("/rokin/zaikei/alarms").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains(&format!("<span id=\"alarm-total\">{total}</span>"));
    let kind = "積立中断（2年経過予告）";
    let by_kind = text.lines().filter(|l| l.contains(kind)).count();
    b.get(&format!("/rokin/zaikei/alarms?alarm_kind={kind}"))
        .await
        .assert_contains(&format!("<span id=\"alarm-total\">{by_kind}</span>"));
    // 期限日 ≤ 2025-08-01: the 30-day kind only (made 07-01).
    let soon = text.lines().filter(|l| l.contains("限度額変更申告要")).count();
    b.get("/rokin/zaikei/alarms?due_by=2025-08-01")
        .await
        .assert_contains(&format!("<span id=\"alarm-total\">{soon}</span>"));
    b.get("/rokin/zaikei/alarms?due_by=2025-13-01")
        .await
        .assert_contains("日付は「2025-07-25」の形式で入力してください。");

    let mut conn = app.state.store.acquire().await.unwrap();
    let first: i64 = sqlx::query_scalar("SELECT MIN(id) FROM zaikei_alarms WHERE delivery_id = $1")
        .bind(delivery)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    // No note: refused by the field, nothing changed.
    let refused = b.post(&format!("/rokin/zaikei/alarms/{first}/handled"), &[("note", "  ")]).await;
    refused
        .assert_contains("対応内容を入力してください。")
        .assert_contains(&format!("aria-describedby=\"note-{first}-hint note-{first}-error\""));
    // Without the CSRF token: refused.
    let raw = b.post_raw(&format!("/rokin/zaikei/alarms/{first}/handled"), &[("note", "提出済")]).await;
    assert_eq!(raw.status, StatusCode::FORBIDDEN);
    let done = b.post(&format!("/rokin/zaikei/alarms/{first}/handled"), &[("note", "変更届を提出済")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let list = b.get(done.location()).await;
    list.assert_contains("アラーム明細を対応済にしました。").assert_contains("変更届を提出済");
    b.get("/rokin/zaikei/alarms?handled=done").await.assert_contains("<span id=\"alarm-total\">1</span>");
    b.get("/rokin/home").await.assert_contains(&format!("未対応 {} 件", total - 1));
    b.get("/rokin/operation-log?event=zaikei.alarm_handled").await.assert_contains("<span id=\"log-total\">1</span>");
}
