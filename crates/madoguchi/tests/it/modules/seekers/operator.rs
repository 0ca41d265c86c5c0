//! 求職者管理 (jrec-in §1.11 item 6): the 事務局 finds a seeker, reads the account with its
//! inquiry counts (no text), turns the profile 非公開 through the confirmation (gone from the
//! institutions' search at once, audited) and disables the account with the console's own
//! action; the employer accounts' list no longer lists seekers; other portals have no such page.

use super::{PASSWORD, events, login};
use crate::modules::seeker_mail::{inquire, institution, seeker_with_profile};
use crate::testkit::TestApp;
use axum::http::StatusCode;

#[tokio::test]
async fn the_operator_finds_a_seeker_hides_the_profile_and_disables_the_account() {
    let app = TestApp::demo().await;
    let (seeker, seeker_id) = seeker_with_profile(&app, "kanri@seeker.example.jp", true, "公開中のPR").await;
    super::seeker(&app, "hoka@seeker.example.jp", "別の 人").await;
    let institution = institution(&app).await;
    inquire(&institution, &seeker_id, "ご経歴について伺いたく、ご連絡しました。").await;
    let op = app.browser();
    op.operator_login("jrec-in").await;

    // The console's menu names it; the list finds by ユーザID, address and part of the name.
    op.get("/jrec-in/operator/").await.assert_contains("href=\"/jrec-in/operator/seekers\"");
    let all = op.get("/jrec-in/operator/seekers").await;
    all.assert_contains(&seeker_id)
        .assert_contains("kanri@seeker.example.jp")
        .assert_contains("hoka@seeker.example.jp");
    for q in [seeker_id.to_lowercase(), "KANRI@seeker.example.jp".to_string(), "照会".to_string()] {
        let found = op.get(&format!("/jrec-in/operator/seekers?q={}", urlencode(&q))).await;
        found.assert_contains(&seeker_id).assert_lacks("hoka@seeker.example.jp");
    }
    op.get("/jrec-in/operator/seekers?q=%25").await.assert_contains("該当する求職者はいません。");
    let long = op.get(&format!("/jrec-in/operator/seekers?q={}", "あ".repeat(257))).await;
    long.assert_contains("検索する語は256文字以内で入力してください。")
        .assert_contains("aria-invalid=\"true\"")
        .assert_contains(&"あ".repeat(257))
        .assert_lacks(&seeker_id);
    // The employer accounts' list is the employers' only.
    op.get("/jrec-in/operator/users?q=kanri").await.assert_lacks(&seeker_id);

    // The account: 公開, one inquiry received and none answered; never the inquiry's text.
    let path = seeker_page(&op, "kanri@seeker.example.jp").await;
    let detail = op.get(&path).await;
    detail
        .assert_contains("<dd id=\"seeker-profile\">公開</dd>")
        .assert_contains("受信 1 件（うち返信 0 件）")
        .assert_lacks("ご経歴について");

    // 非公開にする: confirmed only, then gone from the institutions' search at once.
    let hide = format!("{path}/hide");
    op.get(&hide).await.assert_contains("この求職者の求職者情報を非公開にします。よろしいですか？");
    op.post(&hide, &[]).await.assert_contains("よろしいですか？");
    assert_eq!(institution.get(&format!("/jrec-in/seeker-search/{seeker_id}")).await.status, StatusCode::OK);
    let hidden = op.post(&hide, &[("_step", "confirmed")]).await;
    assert_eq!(hidden.location(), format!("{path}?done=hidden"));
    op.get(hidden.location())
        .await
        .assert_contains("求職者情報を非公開にしました。")
        .assert_contains("<dd id=\"seeker-profile\">非公開</dd>");
    assert_eq!(institution.get(&format!("/jrec-in/seeker-search/{seeker_id}")).await.status, StatusCode::NOT_FOUND);
    seeker.get("/jrec-in/seeker/profile").await.assert_contains("公開中のPR");
    // A second press changes and records nothing.
    op.post(&hide, &[("_step", "confirmed")]).await;
    let log = events(&app).await;
    assert_eq!(log.iter().filter(|e| *e == "seeker.profile_hidden").count(), 1, "{log:?}");

    // 利用停止 through the console's account action: the seeker's session ends, login refused.
    let user = path.rsplit('/').next().unwrap();
    // The console's account page of a seeker is 求職者管理's, and so are the action's way back
    // (「キャンセル」) and its result.
    assert_eq!(op.get(&format!("/jrec-in/operator/users/{user}")).await.location(), path);
    let confirm = op.get(&format!("/jrec-in/operator/users/{user}/disable")).await;
    confirm.assert_contains(&format!("href=\"{path}\""));
    let disabled = op.post(&format!("/jrec-in/operator/users/{user}/disable"), &[("_step", "confirmed")]).await;
    assert_eq!(disabled.location(), format!("{path}?done=disabled"), "{}", disabled.body);
    op.get(disabled.location())
        .await
        .assert_contains("アカウントの利用を停止しました。")
        .assert_contains("<dd id=\"seeker-state\">利用停止中</dd>");
    assert!(seeker.get("/jrec-in/seeker/home").await.status.is_redirection());
    let again = app.browser();
    assert_ne!(login(&again, "kanri@seeker.example.jp", PASSWORD).await.location(), "/jrec-in/seeker/home");
}

#[tokio::test]
async fn only_the_portals_operator_reaches_a_seeker() {
    let app = TestApp::demo().await;
    let (seeker, _) = seeker_with_profile(&app, "only@seeker.example.jp", true, "PR").await;
    let op = app.browser();
    op.operator_login("jrec-in").await;
    let path = seeker_page(&op, "only@seeker.example.jp").await;

    // A portal without seekers has no 求職者管理, and its operator cannot reach jrec-in's.
    let other = app.browser();
    other.operator_login("mlit-fwms").await;
    assert_eq!(other.get("/mlit-fwms/operator/seekers").await.status, StatusCode::NOT_FOUND);
    other.get("/mlit-fwms/operator/").await.assert_lacks("/operator/seekers");
    assert!(other.get(&path).await.status.is_redirection());
    // An employer account's id is not a seeker's page; the seeker's own session is not the console's.
    let employer = employer_id(&app).await;
    assert_eq!(op.get(&format!("/jrec-in/operator/seekers/{employer}")).await.status, StatusCode::NOT_FOUND);
    assert!(seeker.get(&path).await.status.is_redirection());
    let hide = seeker.post(&format!("{path}/hide"), &[("_step", "confirmed")]).await;
    assert!(hide.status.is_redirection() || hide.status == StatusCode::FORBIDDEN, "{}", hide.status);
    assert_eq!(op.get(&path).await.status, StatusCode::OK);
    op.get(&path).await.assert_contains("<dd id=\"seeker-profile\">公開</dd>");
}

/// The console's address of the one seeker the list finds by `email`.
async fn seeker_page(op: &TestApp, email: &str) -> String {
    let found = op.get(&format!("/jrec-in/operator/seekers?q={}", urlencode(email))).await;
    found.assert_contains("<span id=\"seekers-total\">1</span>");
    let href = found.body.split("href=\"").find(|s| s.starts_with("/jrec-in/operator/seekers/")).unwrap();
    href[..href.find('"').unwrap()].to_string()
}

async fn employer_id(app: &TestApp) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT id FROM users WHERE portal = 'jrec-in' AND role <> 'seeker' ORDER BY id LIMIT 1")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

fn urlencode(q: &str) -> String {
    url::form_urlencoded::byte_serialize(q.as_bytes()).collect()
}
