//! パスワードをお忘れの方 → 認証キー → パスワード再登録 (hellowork).

use crate::testkit::TestApp;
use axum::http::StatusCode;

const ID: &str = "demo@hellowork.example.jp";

fn key_in(text: &str) -> String {
    let line = text.lines().find(|l| l.starts_with("認証キー：")).expect("a key line");
    line.chars().filter(char::is_ascii_digit).collect()
}

async fn request_key(app: &TestApp, id: &str) -> Option<String> {
    let page = app.post("/hellowork/password/forgot", &[("login_id", id)]).await;
    assert_eq!(page.location(), "/hellowork/password/reset", "{}", page.body);
    let mails = app.mails().await;
    mails.iter().find(|m| m.to == id && m.subject.contains("パスワード再登録申込受付通知")).map(|m| key_in(&m.text))
}

#[tokio::test]
async fn a_forgotten_password_is_re_registered_with_the_mailed_key() {
    let app = TestApp::demo().await;
    app.get("/hellowork/login")
        .await
        .assert_contains("href=\"/hellowork/password/forgot\"")
        .assert_contains("パスワードをお忘れの方");
    app.get("/hellowork/password/forgot")
        .await
        .assert_contains("求人者マイページパスワード再登録")
        .assert_contains("次へ進む");
    // First trust this browser, so that the reset can be seen to end the skip.
    app.post("/hellowork/login", &[("login_id", ID), ("password", "Demo-User-2026")]).await;
    let mails = app.mails().await;
    let otp: String = mails[0]
        .text
        .lines()
        .find(|l| l.starts_with("ワンタイムパスワード："))
        .unwrap()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    app.post("/hellowork/login/otp", &[("otp", &otp), ("skip", "1")]).await;
    app.post("/hellowork/login/skip", &[("choice", "ok")]).await;
    let session = app.cookie("mdg_s").unwrap();

    let key = request_key(&app, ID).await.unwrap();
    let form = app.get("/hellowork/password/reset").await;
    form.assert_contains("パスワード再登録")
        .assert_contains("<label for=\"key\">認証キー</label>")
        .assert_contains("新しいパスワード（確認用）");
    let bad = app.post("/hellowork/password/reset", &[("new", "short"), ("confirm", "other"), ("key", "")]).await;
    bad.assert_contains("パスワードは8文字以上で入力してください。")
        .assert_contains("確認のため入力したパスワードが一致しません。")
        .assert_contains("認証キーを入力してください。");
    let wrong = app
        .post(
            "/hellowork/password/reset",
            &[("new", "Fresh-Pass-42"), ("confirm", "Fresh-Pass-42"), ("key", "00000000")],
        )
        .await;
    wrong.assert_contains("認証キーが正しくないか、有効期限が切れています");
    let done = app
        .post("/hellowork/password/reset", &[("new", "Fresh-Pass-42"), ("confirm", "Fresh-Pass-42"), ("key", &key)])
        .await;
    done.assert_contains("パスワードを再登録しました。");
    // Every session ended, the skip ended on every browser, the old password is gone.
    let page = app.get_with("/hellowork/home", &[("cookie", &format!("mdg_s={session}"))]).await;
    assert_eq!(page.location(), "/hellowork/login");
    app.post("/hellowork/login", &[("login_id", ID), ("password", "Demo-User-2026")])
        .await
        .assert_contains("IDまたはパスワードが正しくありません");
    let page = app.post("/hellowork/login", &[("login_id", ID), ("password", "Fresh-Pass-42")]).await;
    assert_eq!(page.location(), "/hellowork/login/otp", "the reset brings the one-time password back");
    // The key was single-use.
    app.post("/hellowork/password/reset", &[("new", "Other-Pass-43"), ("confirm", "Other-Pass-43"), ("key", &key)])
        .await
        .assert_contains("認証キーが正しくないか");
}

#[tokio::test]
async fn the_key_lasts_fifty_minutes() {
    let app = TestApp::demo().await;
    let key = request_key(&app, ID).await.unwrap();
    app.clock.advance(50 * 60 + 1);
    app.post("/hellowork/password/reset", &[("new", "Fresh-Pass-42"), ("confirm", "Fresh-Pass-42"), ("key", &key)])
        .await
        .assert_contains("有効期限が切れています");
    let key = request_key(&app, ID).await.unwrap();
    app.clock.advance(49 * 60 + 59);
    app.post("/hellowork/password/reset", &[("new", "Fresh-Pass-42"), ("confirm", "Fresh-Pass-42"), ("key", &key)])
        .await
        .assert_contains("パスワードを再登録しました。");
}

#[tokio::test]
async fn an_unknown_address_gets_the_same_answer_and_no_mail() {
    let app = TestApp::demo().await;
    assert!(request_key(&app, "stranger@example.jp").await.is_none());
    let page = app.get("/hellowork/password/reset").await;
    assert_eq!(page.status, StatusCode::OK);
    app.post(
        "/hellowork/password/reset",
        &[("new", "Fresh-Pass-42"), ("confirm", "Fresh-Pass-42"), ("key", "12345678")],
    )
    .await
    .assert_contains("認証キーが正しくないか");
    app.post("/hellowork/password/forgot", &[("login_id", "not an address")])
        .await
        .assert_contains("メールアドレスの形式で入力してください");
}

#[tokio::test]
async fn requests_are_limited_per_address_and_per_ip() {
    let app = TestApp::demo().await;
    for _ in 0..5 {
        app.post("/hellowork/password/forgot", &[("login_id", ID)]).await;
    }
    let sent = app.mails().await.iter().filter(|m| m.subject.contains("パスワード再登録申込受付通知")).count();
    assert_eq!(sent, 3, "three keys per address per hour");
    for i in 0..15 {
        app.post("/hellowork/password/forgot", &[("login_id", &format!("x{i}@example.jp"))]).await;
    }
    app.post("/hellowork/password/forgot", &[("login_id", ID)]).await.assert_contains("短時間に多くの申込がありました");
    app.clock.advance(3601);
    assert!(request_key(&app, ID).await.is_some());
}

#[tokio::test]
async fn portals_without_self_service_reset_have_no_such_page() {
    let app = TestApp::demo().await;
    assert_eq!(app.get("/jrec-in/password/forgot").await.status, StatusCode::NOT_FOUND);
    app.get("/jrec-in/login").await.assert_lacks("パスワードをお忘れの方");
}
