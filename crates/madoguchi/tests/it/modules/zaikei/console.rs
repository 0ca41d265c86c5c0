//! 財形データ取込 in the operator console (spec §3.7.1, acceptance checks 1 and 2 as the
//! operator does them): from 契約の管理 to the upload, the preview with its counts, 「取込」;
//! a bad file lists its lines (CRLF counted right) and stores nothing; a delivery the employer
//! changed is replaced only through 「変更内容を破棄して再取込」.

use super::{NUMBER, deposit_120, setup};
use crate::testkit::{Page, TestApp, confirmation_form};
use axum::http::StatusCode;

/// The contract's 財形データ取込 address, as 契約の管理 links it.
async fn contract_page(op: &TestApp) -> String {
    let list = op.get("/rokin/operator/contracts").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let marker = format!("aria-label=\"財形データ取込: {NUMBER}\"");
    let at = list.body.find(&marker).unwrap_or_else(|| panic!("{}", list.body));
    list.body[..at].rsplit("href=\"").next().unwrap().split('"').next().unwrap().to_string()
}

async fn upload(op: &TestApp, path: &str, kind: &str, bytes: &[u8]) -> Page {
    op.post_multipart(path, true, &[("kind", kind)], &[("file", "預入依頼書.csv", "text/csv", bytes)]).await
}

/// 「取込」 (or 「変更内容を破棄して再取込」) on the preview, as a browser sends its form.
async fn press_import(op: &TestApp, preview: &Page) -> Page {
    let (action, hidden) = confirmation_form(preview);
    let mut fields: Vec<(&str, &str)> = hidden.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    fields.push(("_step", "confirmed"));
    op.post_multipart(&action, true, &fields, &[]).await
}

#[tokio::test]
async fn the_operator_uploads_checks_and_imports_a_delivery() {
    let (app, b, _, _) = setup().await;
    let op = app.browser();
    op.operator_login("rokin").await;
    let path = contract_page(&op).await;
    let page = op.get(&path).await;
    page.assert_contains("財形データ取込（87654321").assert_contains("この帳票はまだ受信していません。");
    let preview = upload(&op, &path, "deposit", deposit_120().as_bytes()).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    preview
        .assert_contains("この内容で取り込みます。よろしいですか？")
        .assert_contains("<dt>入金予定日</dt><dd>2025-07-25</dd>")
        .assert_contains("<dt>件数</dt><dd>120</dd>");
    // Nothing stored before 「取込」.
    b.get("/rokin/home").await.assert_contains("未受信");
    let done = press_import(&op, &preview).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let back = op.get(done.location()).await;
    back.assert_contains("取り込みました。").assert_contains("<td class=\"num\">120</td>");
    b.get("/rokin/home").await.assert_contains("入金予定日 2025-07-25");
    b.get("/rokin/zaikei/statements").await.assert_contains("<span id=\"row-total\">120</span>");
    let mails = app.mails().await;
    assert!(mails.iter().any(|m| m.subject.contains("財形積立明細を受信しました（入金予定日 7月25日）")));
    // The import is the organization's event: its master sees it in 操作ログ照会.
    b.get("/rokin/operation-log?event=zaikei.imported").await.assert_contains("<span id=\"log-total\">1</span>");
}

#[tokio::test]
async fn a_bad_file_lists_its_lines_and_stores_nothing() {
    let (app, b, _, _) = setup().await;
    let op = app.browser();
    op.operator_login("rokin").await;
    let path = contract_page(&op).await;
    let text = deposit_120().replacen(",5000,5000,継続", ",\"12,5OO\",5000,継続", 1);
    assert_ne!(text, deposit_120());
    let page = upload(&op, &path, "deposit", text.as_bytes()).await;
    page.assert_contains("class=\"error-summary\"")
        .assert_contains("取り込めない行が1件あります。何も取り込んでいません。")
        .assert_contains("<li>2行目: 積立額「12,5OO」");
    let empty = op.post_multipart(&path, true, &[("kind", "deposit")], &[]).await;
    empty.assert_contains("取り込むファイルを選んでください。");
    let no_kind = upload(&op, &path, "", deposit_120().as_bytes()).await;
    no_kind.assert_contains("一覧から選んでください。");
    b.get("/rokin/home").await.assert_contains("未受信");
}

#[tokio::test]
async fn a_changed_delivery_needs_discard_and_reimport() {
    let (app, _, _, contract) = setup().await;
    let op = app.browser();
    op.operator_login("rokin").await;
    let path = contract_page(&op).await;
    let first = upload(&op, &path, "deposit", deposit_120().as_bytes()).await;
    press_import(&op, &first).await;
    let mut conn = app.state.store.acquire().await.unwrap();
    // What the employer's 一時保存 leaves: a draft version of the changes (財形積立明細変更).
    sqlx::query(
        "INSERT INTO zaikei_change_sets (delivery_id, version, state, revision, updated_by, updated_at)
         SELECT id, 1, 'draft', 0, 'user:0', 0 FROM zaikei_deliveries WHERE contract_id = $1 AND kind = 'deposit'",
    )
    .bind(contract)
    .execute(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    let again = upload(&op, &path, "deposit", deposit_120().as_bytes()).await;
    again.assert_contains("事業主による変更内容があります").assert_contains("変更内容を破棄して再取込");
    let done = press_import(&op, &again).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    op.get(done.location()).await.assert_contains("受信済");
    let mut conn = app.state.store.acquire().await.unwrap();
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE event = 'zaikei.reimported' AND actor LIKE 'operator:%'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn an_operator_past_the_hourly_import_limit_gets_a_page_that_says_so_and_nothing_is_stored() {
    let (app, b, _, _) = setup().await;
    let op = app.browser();
    op.operator_login("rokin").await;
    let path = contract_page(&op).await;
    let preview = upload(&op, &path, "deposit", deposit_120().as_bytes()).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    // The hour's 120 imports are used up (taken as the console takes them, by operator id).
    let email = madoguchi::demo::operator_email("rokin");
    let mut tx = app.state.store.begin().await.unwrap();
    let operator = madoguchi_store::operators::by_email(&mut tx, "rokin", &email).await.unwrap().unwrap();
    let limit = madoguchi_store::limits::Limit::per_hour("zaikei.import.operator", 120);
    let now = app.state.clock.unix();
    for _ in 0..120 {
        assert!(madoguchi_store::limits::take(&mut tx, "rokin", &limit, &operator.id.to_string(), now).await.unwrap());
    }
    tx.commit().await.unwrap();
    let refused = press_import(&op, &preview).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.body);
    refused.assert_contains("操作の回数が上限に達しました").assert_contains("時間をおいてからもう一度お試しください。");
    b.get("/rokin/home").await.assert_contains("未受信");
}
