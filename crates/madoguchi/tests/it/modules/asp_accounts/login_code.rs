//! 二段階認証, the account's own switch (modules/shaho.md, acceptance check 2): on ⇒ the next
//! login asks for the mailed code; off ⇒ it does not. Either change asks for the password
//! again, through the lockout rule (wrong entries count like failed logins), and mails
//! 「【次世代社労法務システム】二段階認証の設定を変更しました」 to the account. The 管理者 sees
//! each account's state in アカウント管理 and has no switch for it.

use super::{admin_and_member, events, user_id};
use crate::identity::signup::PASSWORD;
use crate::testkit::TestApp;
use axum::http::StatusCode;

const SUBJECT: &str = "【次世代社労法務システム】二段階認証の設定を変更しました";
const MEMBER: &str = "ippan@example.jp";

async fn change_mails(app: &TestApp) -> Vec<String> {
    app.mails().await.into_iter().filter(|m| m.to == MEMBER && m.subject == SUBJECT).map(|m| m.text).collect()
}

async fn failed_count(app: &TestApp) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    madoguchi_store::users::by_login_id(&mut conn, "shaho", MEMBER).await.unwrap().unwrap().failed_count
}

async fn login(b: &TestApp) -> crate::testkit::Page {
    b.post("/shaho/login", &[("login_id", MEMBER), ("password", PASSWORD)]).await
}

#[tokio::test]
async fn on_the_next_login_asks_for_the_mailed_code_and_off_it_does_not() {
    let app = TestApp::demo().await;
    let (admin, member) = admin_and_member(&app).await;
    member.get("/shaho/home").await.assert_contains("href=\"/shaho/login-code\"");
    member.get("/shaho/login-code").await.assert_contains("<strong id=\"code-state\">無効</strong>");
    admin.get("/shaho/accounts").await.assert_lacks("設定あり");

    // On: the password again, then a security mail.
    let on = member.post("/shaho/login-code", &[("password", PASSWORD), ("enable", "on")]).await;
    on.assert_contains("<strong id=\"code-state\">有効</strong>").assert_contains("二段階認証を有効にしました。");
    let mails = change_mails(&app).await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("変更後の設定：有効") && mails[0].contains(MEMBER), "{}", mails[0]);
    assert_eq!(events(&app, "login_code.enabled").await, 1);

    // The 管理者 sees it, and has no switch for it.
    let list = admin.get("/shaho/accounts").await;
    list.assert_contains("<td>設定あり</td>").assert_lacks("login-code");
    let member_id = user_id(&app, MEMBER).await;
    for action in ["login-code", "login_code", "enable"] {
        let address = format!("/shaho/accounts/{member_id}/{action}");
        assert_eq!(admin.get(&address).await.status, StatusCode::NOT_FOUND, "{address}");
        assert_eq!(admin.post(&address, &[("choice", "ok")]).await.status, StatusCode::NOT_FOUND, "{address}");
    }
    // The 管理者's own switch is the 管理者's only.
    admin.get("/shaho/login-code").await.assert_contains("無効</strong>");

    // The next login asks for the code the mail brings.
    member.post("/shaho/logout", &[]).await;
    assert_eq!(login(&member).await.location(), "/shaho/login/otp");
    let code = member.latest_code(MEMBER).await;
    assert_eq!(member.post("/shaho/login/otp", &[("otp", &code)]).await.location(), "/shaho/home");

    // Off: no password, or a wrong one, changes nothing (and the wrong one counts).
    member
        .post("/shaho/login-code", &[("password", ""), ("enable", "off")])
        .await
        .assert_contains("<div class=\"error-message\" id=\"password-error\">")
        .assert_contains("有効</strong>");
    member
        .post("/shaho/login-code", &[("password", "Wrong-Pass-99"), ("enable", "off")])
        .await
        .assert_contains("パスワードが正しくありません。")
        .assert_contains("有効</strong>");
    assert_eq!(failed_count(&app).await, 1, "a wrong entry counts toward the lockout");
    assert_eq!(events(&app, "login_code.change_refused").await, 1, "the empty one never reached the check");
    assert_eq!(change_mails(&app).await.len(), 1, "nothing changed, nothing mailed");
    let off = member.post("/shaho/login-code", &[("password", PASSWORD), ("enable", "off")]).await;
    off.assert_contains("<strong id=\"code-state\">無効</strong>").assert_contains("二段階認証を無効にしました。");
    assert_eq!(failed_count(&app).await, 0, "the right password clears the count, as a login does");
    let mails = change_mails(&app).await;
    assert_eq!(mails.len(), 2);
    assert!(mails[0].contains("変更後の設定：無効"), "{}", mails[0]);
    assert_eq!(events(&app, "login_code.disabled").await, 1);
    admin.get("/shaho/accounts").await.assert_lacks("設定あり");

    // The next login goes straight in.
    member.post("/shaho/logout", &[]).await;
    assert_eq!(login(&member).await.location(), "/shaho/home");
    // A second "off" (another tab's stale form) changes and mails nothing.
    member
        .post("/shaho/login-code", &[("password", PASSWORD), ("enable", "off")])
        .await
        .assert_contains("無効</strong>");
    assert_eq!(change_mails(&app).await.len(), 2);
}

/// The switch cannot be used to guess the password of a session left open: the portal's
/// lockout (10 wrong entries) locks the account and ends the session.
#[tokio::test]
async fn wrong_passwords_at_the_switch_lock_the_account_and_end_the_session() {
    let app = TestApp::demo().await;
    let (_admin, member) = admin_and_member(&app).await;
    member.post("/shaho/login-code", &[("password", PASSWORD), ("enable", "on")]).await;
    for _ in 0..9 {
        member
            .post("/shaho/login-code", &[("password", "Wrong-Pass-99"), ("enable", "off")])
            .await
            .assert_contains("パスワードが正しくありません。");
    }
    let locked = member.post("/shaho/login-code", &[("password", "Wrong-Pass-99"), ("enable", "off")]).await;
    locked.assert_contains("アカウントがロックされました。安全のためログアウトしました。");
    assert_eq!(member.get("/shaho/home").await.location(), "/shaho/login", "the session ended");
    login(&member).await.assert_contains("IDまたはパスワードが正しくありません");
    assert_eq!(events(&app, "account.locked").await, 1);
    let mut conn = app.state.store.acquire().await.unwrap();
    let user = madoguchi_store::users::by_login_id(&mut conn, "shaho", MEMBER).await.unwrap().unwrap();
    assert!(user.login_code_enabled, "still on");
}
