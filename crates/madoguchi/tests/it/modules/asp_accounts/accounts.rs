//! shaho after sign-up: the ASP user link at first login, and アカウント管理 by the contract's
//! 管理者 (unlink, delete the login information, hand the admin role over).

use super::{link, option, signed_up, user_id};
use crate::identity::signup::{CUSTOMER, PASSWORD, TEL, details, verified};
use crate::testkit::TestApp;
use axum::http::StatusCode;
use std::sync::Arc;

async fn used_seats(app: &TestApp) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT used_seats FROM contracts WHERE customer_id = '281234'")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_first_login_links_an_asp_user_and_cancel_lets_nobody_in() {
    let app = TestApp::demo().await;
    let admin = signed_up(&app, "kanri@example.jp", "管理 太郎").await;
    assert_eq!(admin.get("/shaho/home").await.location(), "/shaho/link");
    let page = admin.get("/shaho/link").await;
    page.assert_contains(
        "アカウントとASPユーザーの紐づけが必要です。このアカウントを現在使用しているASPユーザーと紐づけますか？",
    )
    .assert_contains(">abcd8-01</option>")
    .assert_contains(">abcd8-03</option>")
    .assert_contains("<label for=\"asp\">ASPユーザーID</label>");

    // キャンセル: not linked, no entry.
    admin
        .post("/shaho/link", &[("choice", "cancel")])
        .await
        .assert_contains("ASPユーザーと紐づけられていないアカウントはご利用いただけません。");
    assert_eq!(admin.get("/shaho/home").await.location(), "/shaho/login");

    admin.post("/shaho/login", &[("login_id", "kanri@example.jp"), ("password", PASSWORD)]).await;
    admin
        .post("/shaho/link", &[("choice", "ok"), ("asp", "not-a-number")])
        .await
        .assert_contains("紐づけるASPユーザーIDを選択してください。");
    assert_eq!(link(&admin, "abcd8-02").await.location(), "/shaho/home");
    admin.get("/shaho/home").await.assert_contains("href=\"/shaho/accounts\"").assert_contains("アカウント管理");
    // Linked once: the screen sends the account on.
    assert_eq!(admin.get("/shaho/link").await.location(), "/shaho/home");

    // The next account sees only what is still free.
    let member = signed_up(&app, "ippan@example.jp", "一般 花子").await;
    member.get("/shaho/link").await.assert_lacks(">abcd8-02</option>").assert_contains(">abcd8-01</option>");
}

#[tokio::test]
async fn two_accounts_choosing_one_asp_user_at_once_link_one() {
    let app = TestApp::demo().await;
    let a = Arc::new(signed_up(&app, "a@example.jp", "A").await);
    let b = Arc::new(signed_up(&app, "b@example.jp", "B").await);
    let value = option(&a.get("/shaho/link").await, "abcd8-01");
    let tasks: Vec<_> = [a, b]
        .into_iter()
        .map(|tab| {
            let value = value.clone();
            tokio::spawn(async move { tab.post("/shaho/link", &[("choice", "ok"), ("asp", &value)]).await })
        })
        .collect();
    let mut linked = 0;
    for t in tasks {
        let page = t.await.unwrap();
        if page.location() == "/shaho/home" {
            linked += 1;
        } else {
            page.assert_contains("ほかのアカウントに紐づけられています");
        }
    }
    assert_eq!(linked, 1);
}

#[tokio::test]
async fn the_admin_unlinks_hands_over_and_deletes_with_a_mail_each_time() {
    let app = TestApp::demo().await;
    let admin = signed_up(&app, "kanri@example.jp", "管理 太郎").await;
    link(&admin, "abcd8-01").await;
    let member = signed_up(&app, "ippan@example.jp", "一般 花子").await;
    link(&member, "abcd8-02").await;
    let (admin_id, member_id) = (user_id(&app, "kanri@example.jp").await, user_id(&app, "ippan@example.jp").await);

    // Only the admin has アカウント管理.
    member.get("/shaho/home").await.assert_lacks("/shaho/accounts");
    assert_eq!(member.get("/shaho/accounts").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        member.post(&format!("/shaho/accounts/{admin_id}/delete"), &[("choice", "ok")]).await.status,
        StatusCode::NOT_FOUND
    );

    let list = admin.get("/shaho/accounts").await;
    list.assert_contains("管理 太郎")
        .assert_contains("（管理者）")
        .assert_contains("一般 花子")
        .assert_contains("abcd8-02")
        .assert_contains("ippan@example.jp")
        .assert_contains("契約数 3 / 使用中 2");
    // Nobody can unlink or delete the admin.
    assert_eq!(admin.get(&format!("/shaho/accounts/{admin_id}/delete")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        admin.post(&format!("/shaho/accounts/{admin_id}/unlink"), &[("choice", "ok")]).await.status,
        StatusCode::NOT_FOUND
    );

    // 紐づけ解除: confirmed, audited, mailed; the member links again at the next visit.
    admin
        .get(&format!("/shaho/accounts/{member_id}/unlink"))
        .await
        .assert_contains("紐づけを解除します。")
        .assert_contains("一般 花子");
    let cancelled = admin.post(&format!("/shaho/accounts/{member_id}/unlink"), &[("choice", "cancel")]).await;
    assert_eq!(cancelled.location(), "/shaho/accounts");
    let done = admin.post(&format!("/shaho/accounts/{member_id}/unlink"), &[("choice", "ok")]).await;
    assert_eq!(done.location(), "/shaho/accounts?done=unlink");
    admin
        .get(done.location())
        .await
        .assert_contains("ASPユーザーとの紐づけを解除しました。")
        .assert_contains("未紐づけ");
    assert_eq!(member.get("/shaho/home").await.location(), "/shaho/link");
    let mails = app.mails().await;
    let mail = mails
        .iter()
        .find(|m| m.to == "ippan@example.jp" && m.subject.contains("アカウント設定変更のお知らせ"))
        .expect("mailed");
    assert!(mail.text.contains("abcd8-02") && mail.text.contains("管理 太郎"), "{}", mail.text);
    link(&member, "abcd8-03").await;

    // 管理者の変更: both roles change together; the former admin loses アカウント管理.
    admin.get(&format!("/shaho/accounts/{member_id}/transfer")).await.assert_contains("管理者に変更します。");
    let done = admin.post(&format!("/shaho/accounts/{member_id}/transfer"), &[("choice", "ok")]).await;
    assert_eq!(done.location(), "/shaho/home?done=transfer");
    admin
        .get("/shaho/home?done=transfer")
        .await
        .assert_contains("管理者を変更しました。")
        .assert_lacks("/shaho/accounts");
    assert_eq!(admin.get("/shaho/accounts").await.status, StatusCode::NOT_FOUND);
    member.get("/shaho/accounts").await.assert_contains("一般 花子");

    // ログイン情報の削除 by the new admin: the seat comes back, the old login stops working.
    assert_eq!(used_seats(&app).await, 2);
    let done = member.post(&format!("/shaho/accounts/{admin_id}/delete"), &[("choice", "ok")]).await;
    assert_eq!(done.location(), "/shaho/accounts?done=delete");
    assert_eq!(user_id(&app, "kanri@example.jp").await, 0);
    assert_eq!(used_seats(&app).await, 1);
    assert_eq!(admin.get("/shaho/home").await.location(), "/shaho/login", "its sessions ended with it");
    admin
        .post("/shaho/login", &[("login_id", "kanri@example.jp"), ("password", PASSWORD)])
        .await
        .assert_contains("IDまたはパスワードが正しくありません");
    let mails = app.mails().await;
    assert!(mails.iter().any(|m| m.to == "kanri@example.jp" && m.text.contains("ログイン情報が削除されました")));

    let mut conn = app.state.store.acquire().await.unwrap();
    for event in ["asp.linked", "asp.unlinked", "role.changed", "user.deleted"] {
        assert!(madoguchi_store::audit::count_events(&mut conn, "shaho", event).await.unwrap() >= 1, "{event} audited");
    }
    drop(conn);
    // The address can register again (the way to change an e-mail address).
    let again = app.browser();
    verified(&again, "kanri@example.jp").await;
    details(&again, CUSTOMER, TEL, "管理 太郎").await.assert_contains("アカウントを作成しました。");
}

#[tokio::test]
async fn each_new_screen_links_its_help_page() {
    let app = TestApp::demo().await;
    app.get("/shaho/signup").await.assert_contains("href=\"/shaho/help/signup\"");
    app.get("/shaho/help/signup").await.assert_contains("8桁のアカウント確認コード");
    let admin = signed_up(&app, "kanri@example.jp", "管理 太郎").await;
    admin.get("/shaho/link").await.assert_contains("href=\"/shaho/help/link\"");
    app.get("/shaho/help/link").await.assert_contains("キャンセル");
    link(&admin, "abcd8-01").await;
    admin.get("/shaho/accounts").await.assert_contains("href=\"/shaho/help/accounts\"");
    app.get("/shaho/help/accounts").await.assert_contains("管理者のアカウントは、紐づけ解除も削除もできません。");
}

/// shaho lets the contract's 管理者 lift a lock (10 wrong passwords ⇒ 30 minutes) without
/// waiting or calling the operator; confirmed, audited and mailed like every other action.
#[tokio::test]
async fn the_admin_unlocks_a_locked_account() {
    let app = TestApp::demo().await;
    let admin = signed_up(&app, "kanri@example.jp", "管理 太郎").await;
    link(&admin, "abcd8-01").await;
    let member = signed_up(&app, "ippan@example.jp", "一般 花子").await;
    link(&member, "abcd8-02").await;
    member.post("/shaho/logout", &[]).await;
    let member_id = user_id(&app, "ippan@example.jp").await;
    // Nothing to unlock yet: no link, no confirmation page.
    admin.get("/shaho/accounts").await.assert_contains("<td>利用可</td>").assert_lacks("ロック解除");
    assert_eq!(admin.get(&format!("/shaho/accounts/{member_id}/unlock")).await.status, StatusCode::NOT_FOUND);

    for _ in 0..10 {
        member.post("/shaho/login", &[("login_id", "ippan@example.jp"), ("password", "Wrong-Pass-99")]).await;
    }
    let refused = member.post("/shaho/login", &[("login_id", "ippan@example.jp"), ("password", PASSWORD)]).await;
    refused.assert_contains("IDまたはパスワードが正しくありません");
    admin.get("/shaho/accounts").await.assert_contains("ロック中").assert_contains("ロック解除");
    admin
        .get(&format!("/shaho/accounts/{member_id}/unlock"))
        .await
        .assert_contains("ロック（閉塞を含む）を解除します。")
        .assert_contains("一般 花子");
    let done = admin.post(&format!("/shaho/accounts/{member_id}/unlock"), &[("choice", "ok")]).await;
    assert_eq!(done.location(), "/shaho/accounts?done=unlock");
    admin.get(done.location()).await.assert_contains("ロックを解除しました。").assert_lacks("ロック中");
    let login = member.post("/shaho/login", &[("login_id", "ippan@example.jp"), ("password", PASSWORD)]).await;
    assert_eq!(login.location(), "/shaho/home", "{}", login.body);
    // A second submit of the same confirmation changes nothing more.
    let again = admin.post(&format!("/shaho/accounts/{member_id}/unlock"), &[("choice", "ok")]).await;
    assert_eq!(again.location(), "/shaho/accounts");

    let mails = app.mails().await;
    assert!(mails.iter().any(|m| m.to == "ippan@example.jp" && m.text.contains("ロックが解除されました")));
    let mut conn = app.state.store.acquire().await.unwrap();
    assert_eq!(madoguchi_store::audit::count_events(&mut conn, "shaho", "account.unlocked").await.unwrap(), 1);
}

/// A business module answers only on the portals whose preset lists it: アカウント管理 is
/// shaho's (`modules = ["asp_accounts"]`); elsewhere its addresses do not exist, and an
/// operator who takes the module out of shaho's list turns the screens off.
#[tokio::test]
async fn the_module_answers_only_where_the_preset_lists_it() {
    let app = TestApp::demo().await;
    for path in ["/hellowork/accounts", "/jrec-in/link", "/rokin/accounts/1/unlink", "/mlit-fwms/accounts"] {
        assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    // On shaho the screens exist: an anonymous visitor is sent to the login.
    let page = app.get("/shaho/accounts").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    let text = "[server]\ndemo = true\n[[portal]]\nid = \"shaho\"\npreset = \"shaho\"\nmodules = []\n";
    let off = TestApp::with(madoguchi_core::Config::parse("t.toml", text).unwrap(), None, true).await;
    for path in ["/shaho/accounts", "/shaho/link"] {
        assert_eq!(off.get(path).await.status, StatusCode::NOT_FOUND, "{path} with the module off");
    }
    assert_eq!(off.get("/shaho/login").await.status, StatusCode::OK, "the portal itself stays");
}
