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

/// 「システム判定」 (docs/ZAIKEI.md): from the latest 加入者残高一覧表 and the latest 月例
/// 預入依頼書, the 年金 and 住宅 契約 above their 非課税限度額 or passing it within two deposits.
#[tokio::test]
async fn system_checks_flag_pension_and_housing_savings_near_or_over_the_tax_free_limit() {
    let (app, b, _, contract) = setup().await;
    let page = b.get("/rokin/zaikei/alarms").await;
    page.assert_contains("加入者残高一覧表を受信すると、非課税限度額に対する判定をここに表示します。");
    let balance = "基準日,社員番号,氏名,フリガナ,生年月日,所属コード,所属名,財形種類,口座番号,契約日,元金残高,利息,残高合計,非課税限度額\r\n\
        2025-06-30,Z0001,年金　一郎,ネンキン　イチロウ,1980-04-01,S01,総務部,年金,3000001,2010-04-01,5480000,5000,5485000,5500000\r\n\
        2025-06-30,Z0002,住宅　二郎,ジュウタク　ジロウ,1981-04-01,S01,総務部,住宅,3000002,2011-04-01,5590000,10000,5600000,5500000\r\n\
        2025-06-30,Z0003,一般　三郎,イッパン　サブロウ,1982-04-01,E01,営業部,一般,3000003,2012-04-01,8990000,10000,9000000,\r\n\
        2025-06-30,Z0004,年金　四郎,ネンキン　シロウ,1983-04-01,E01,営業部,年金,3000004,2013-04-01,999000,1000,1000000,5500000\r\n";
    deliver(&app, contract, DeliveryKind::Balance, balance, false).await;
    // No 月例 預入依頼書 yet: only the balance over the limit.
    let page = b.get("/rokin/zaikei/alarms").await;
    page.assert_contains("月例の預入依頼書を受信していないため")
        .assert_contains("非課税限度額超過（システム判定）")
        .assert_lacks("非課税限度額超過見込み（システム判定）");
    let deposit = "区分,入金予定日,社員番号,氏名,フリガナ,生年月日,所属コード,所属名,財形種類,口座番号,契約日,積立額,前回積立額,変更区分,奨励金額\r\n\
        月例,2025-07-25,Z0001,年金　一郎,ネンキン　イチロウ,1980-04-01,S01,総務部,年金,3000001,2010-04-01,10000,10000,継続,0\r\n\
        月例,2025-07-25,Z0002,住宅　二郎,ジュウタク　ジロウ,1981-04-01,S01,総務部,住宅,3000002,2011-04-01,20000,20000,継続,0\r\n\
        月例,2025-07-25,Z0003,一般　三郎,イッパン　サブロウ,1982-04-01,E01,営業部,一般,3000003,2012-04-01,30000,30000,継続,0\r\n\
        月例,2025-07-25,Z0004,年金　四郎,ネンキン　シロウ,1983-04-01,E01,営業部,年金,3000004,2013-04-01,10000,10000,継続,0\r\n";
    deliver(&app, contract, DeliveryKind::Deposit, deposit, false).await;
    let page = b.get("/rokin/zaikei/alarms").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains(
        "加入者残高一覧表（基準日 2025-06-30）の残高合計と、預入依頼書（月例・入金予定日 2025-07-25）",
    );
    let table = page.body.split("<table id=\"computed\">").nth(1).expect("the system checks' table");
    let table = table.split("</table>").next().unwrap();
    let rows: Vec<&str> = table.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 2, "{table}");
    // 5,485,000 + 2 × 10,000 = 5,505,000 > 5,500,000: soon; 5,600,000 > 5,500,000: over.
    assert!(rows[0].contains("非課税限度額超過見込み（システム判定）") && rows[0].contains("Z0001"), "{}", rows[0]);
    assert!(rows[0].contains("5,505,000"), "{}", rows[0]);
    assert!(rows[1].contains("非課税限度額超過（システム判定）") && rows[1].contains("Z0002"), "{}", rows[1]);
    assert!(!table.contains("Z0003") && !table.contains("Z0004"), "{table}");
}
