//! shaho sign-up: メールアドレス → アカウント確認コード → 詳細の追加, matched to a contract
//! (CustomerId and Tel) within its seats. The demo contract: 281234 / 03-1234-5678, 3 seats.

use crate::testkit::{Page, TestApp};
use axum::http::StatusCode;
use std::sync::Arc;

pub const CUSTOMER: &str = "281234";
pub const TEL: &str = "03-1234-5678";
pub const PASSWORD: &str = "Mado-Guchi-88";
/// The demo contract's 管理者登録コード (what the operator hands over for the first account).
pub const ADMIN_CODE: &str = "DEMO-ADMIN-2026";

fn signup_code(text: &str) -> String {
    let line = text.lines().find(|l| l.starts_with("アカウント確認コード：")).expect("a code line");
    line.chars().filter(char::is_ascii_digit).collect()
}

async fn code_for(app: &TestApp, email: &str) -> String {
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.to == email && m.subject.contains("アカウント確認コード")).expect("a code mail");
    signup_code(&mail.text)
}

/// Sign-up up to 詳細の追加 in `app`'s browser.
pub async fn verified(app: &TestApp, email: &str) {
    assert_eq!(app.post("/shaho/signup", &[("email", email)]).await.location(), "/shaho/signup/code");
    let code = code_for(app, email).await;
    assert_eq!(app.post("/shaho/signup/code", &[("code", &code)]).await.location(), "/shaho/signup/details");
}

pub async fn details(app: &TestApp, customer: &str, tel: &str, name: &str) -> Page {
    app.post(
        "/shaho/signup/details",
        &[
            ("password", PASSWORD),
            ("password_again", PASSWORD),
            ("customer_id", customer),
            ("display_name", name),
            ("tel", tel),
            ("admin_code", ADMIN_CODE),
        ],
    )
    .await
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap()
}

async fn shaho_users(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM users WHERE portal = 'shaho'").await
}

#[tokio::test]
async fn sign_up_against_the_contract_then_log_in() {
    let app = TestApp::demo().await;
    app.get("/shaho/login")
        .await
        .assert_contains("href=\"/shaho/signup\"")
        .assert_contains("アカウントをお持ちでない場合、作成できます");
    app.get("/shaho/signup").await.assert_contains("<label for=\"email\">メールアドレス</label>");
    app.post("/shaho/signup", &[("email", "not-an-address")]).await.assert_contains("value=\"not-an-address\"");
    assert!(app.mails().await.is_empty(), "a bad address sends nothing");

    // Full-width input folds; the code is 8 digits and works once entered right.
    assert_eq!(app.post("/shaho/signup", &[("email", "ｓａｔｏ@example.jp")]).await.location(), "/shaho/signup/code");
    let code = code_for(&app, "sato@example.jp").await;
    assert_eq!(code.len(), 8);
    app.get("/shaho/signup/code").await.assert_contains("sato@example.jp");
    app.post("/shaho/signup/code", &[("code", "00000000")]).await.assert_contains("コードが正しくありません。");
    assert_eq!(app.post("/shaho/signup/code", &[("code", &code)]).await.location(), "/shaho/signup/details");

    // Each bad field gets its message; what was typed stays (passwords excepted).
    let page = app
        .post(
            "/shaho/signup/details",
            &[
                ("password", "short"),
                ("password_again", "other"),
                ("customer_id", "291234"),
                ("display_name", ""),
                ("tel", "12-34"),
            ],
        )
        .await;
    page.assert_contains("CustomerIdは28から始まる6桁の数字で入力してください。")
        .assert_contains("表示名は1文字以上256文字以内で入力してください。")
        .assert_contains("電話番号は市外局番から入力してください。")
        .assert_contains("value=\"291234\"")
        .assert_contains("value=\"12-34\"")
        .assert_lacks("value=\"short\"");
    let long = "あ".repeat(257);
    details(&app, CUSTOMER, TEL, &long).await.assert_contains("表示名は1文字以上256文字以内で入力してください。");

    // CustomerId and Tel must both match one contract, else nothing is made.
    details(&app, CUSTOMER, "03-9999-9999", "佐藤 一郎")
        .await
        .assert_contains("どちらかが一致しないため、アカウントは登録されませんでした。")
        .assert_contains("value=\"佐藤 一郎\"");
    details(&app, "289999", TEL, "佐藤 一郎").await.assert_contains("どちらかが一致しないため");
    assert_eq!(shaho_users(&app).await, 0);

    // Full-width digits and any hyphen are accepted; the account works at once.
    details(&app, "２８１２３４", "０３−１２３４−５６７８", "佐藤 一郎")
        .await
        .assert_contains("アカウントを作成しました。");
    assert_eq!(shaho_users(&app).await, 1);
    let role: String = {
        let mut conn = app.state.store.acquire().await.unwrap();
        sqlx::query_scalar("SELECT role FROM users WHERE login_id = 'sato@example.jp'")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
    };
    assert_eq!(role, "admin", "the first account of a contract is its 管理者");
    let login = app.post("/shaho/login", &[("login_id", "sato@example.jp"), ("password", PASSWORD)]).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
    // The sign-up is over: its pages start again.
    app.get("/shaho/signup/details").await.assert_contains("はじめからやり直してください");
}

#[tokio::test]
async fn the_code_works_for_thirty_minutes() {
    let app = TestApp::demo().await;
    app.post("/shaho/signup", &[("email", "a@example.jp")]).await;
    let code = code_for(&app, "a@example.jp").await;
    app.clock.advance(29 * 60 + 59);
    assert_eq!(app.post("/shaho/signup/code", &[("code", &code)]).await.location(), "/shaho/signup/details");

    let late = app.browser();
    late.post("/shaho/signup", &[("email", "b@example.jp")]).await;
    let code = code_for(&late, "b@example.jp").await;
    late.clock.advance(30 * 60 + 1);
    late.post("/shaho/signup/code", &[("code", &code)]).await.assert_contains("コードの有効期限が切れたか");
}

#[tokio::test]
async fn five_wrong_codes_end_the_signup() {
    let app = TestApp::demo().await;
    app.post("/shaho/signup", &[("email", "a@example.jp")]).await;
    let code = code_for(&app, "a@example.jp").await;
    for _ in 0..5 {
        app.post("/shaho/signup/code", &[("code", "12345678")]).await.assert_contains("コードが正しくありません。");
    }
    app.post("/shaho/signup/code", &[("code", &code)]).await.assert_contains("入力の回数が上限に達しました");
    app.get("/shaho/signup/details").await.assert_contains("はじめからやり直してください");
}

#[tokio::test]
async fn a_registered_address_is_told_by_mail_and_the_page_says_nothing() {
    let app = TestApp::demo().await;
    verified(&app, "sato@example.jp").await;
    details(&app, CUSTOMER, TEL, "佐藤").await.assert_contains("アカウントを作成しました。");

    let other = app.browser();
    let fresh = other.post("/shaho/signup", &[("email", "new@example.jp")]).await;
    let again = other.post("/shaho/signup", &[("email", "sato@example.jp")]).await;
    assert_eq!((again.status, again.location()), (fresh.status, fresh.location()), "the same answer either way");
    let mails = app.mails().await;
    let told =
        mails.iter().find(|m| m.to == "sato@example.jp" && m.subject.contains("アカウント作成のお申込みについて"));
    let told = told.expect("the owner is told");
    assert!(told.text.contains("すでにアカウントとして登録されている"));
    assert!(!told.text.contains("アカウント確認コード："), "no code for a registered address");
    other.post("/shaho/signup/code", &[("code", "12345678")]).await.assert_contains("コードが正しくありません。");
    assert_eq!(shaho_users(&app).await, 1);
}

#[tokio::test]
async fn when_every_seat_is_taken_no_account_is_made() {
    let app = TestApp::demo().await;
    for n in 1..=3 {
        let b = app.browser();
        let email = format!("user{n}@example.jp");
        verified(&b, &email).await;
        details(&b, CUSTOMER, TEL, &format!("利用者{n}")).await.assert_contains("アカウントを作成しました。");
    }
    let fourth = app.browser();
    verified(&fourth, "user4@example.jp").await;
    details(&fourth, CUSTOMER, TEL, "利用者4")
        .await
        .assert_contains("アカウント作成エラー")
        .assert_contains("登録アカウントがいっぱいです。現在の契約数は3アカウントです。");
    assert_eq!(shaho_users(&app).await, 3);
    let admins = count(&app, "SELECT COUNT(*) FROM users WHERE portal = 'shaho' AND role = 'admin'").await;
    assert_eq!(admins, 1);
}

#[tokio::test]
async fn fifty_concurrent_completions_for_three_seats_make_three_accounts() {
    let app = TestApp::demo().await;
    let mut browsers = Vec::new();
    for n in 0..50 {
        let b = app.browser();
        verified(&b, &format!("race{n}@example.jp")).await;
        browsers.push(Arc::new(b));
    }
    let tasks: Vec<_> = browsers
        .into_iter()
        .enumerate()
        .map(|(n, b)| tokio::spawn(async move { details(&b, CUSTOMER, TEL, &format!("利用者{n}")).await }))
        .collect();
    let (mut made, mut full) = (0, 0);
    for t in tasks {
        let page = t.await.unwrap();
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        if page.body.contains("アカウントを作成しました。") {
            made += 1;
        } else if page.body.contains("登録アカウントがいっぱいです。") {
            full += 1;
        }
    }
    assert_eq!((made, full), (3, 47));
    assert_eq!(shaho_users(&app).await, 3);
    assert_eq!(count(&app, "SELECT used_seats FROM contracts WHERE customer_id = '281234'").await, 3);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE portal = 'shaho' AND role = 'admin'").await, 1);
}

#[tokio::test]
async fn one_signup_submitted_from_ten_tabs_at_once_makes_one_account() {
    let app = TestApp::demo().await;
    verified(&app, "tabs@example.jp").await;
    let tabs: Vec<_> = (0..10)
        .map(|_| {
            let tab = app.twin();
            tokio::spawn(async move { details(&tab, CUSTOMER, TEL, "タブ").await })
        })
        .collect();
    let mut made = 0;
    for t in tabs {
        let page = t.await.unwrap();
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        made += usize::from(page.body.contains("アカウントを作成しました。"));
    }
    assert_eq!(made, 1);
    assert_eq!(shaho_users(&app).await, 1);
    assert_eq!(count(&app, "SELECT used_seats FROM contracts WHERE customer_id = '281234'").await, 1);
}

#[tokio::test]
async fn portals_without_contracts_have_no_signup() {
    let app = TestApp::demo().await;
    assert_eq!(app.get("/hellowork/signup").await.status, StatusCode::NOT_FOUND);
    app.get("/hellowork/login").await.assert_lacks("/hellowork/signup");
}

#[tokio::test]
async fn codes_to_one_address_are_limited_per_hour() {
    let app = TestApp::demo().await;
    for _ in 0..7 {
        let b = app.browser();
        assert_eq!(b.post("/shaho/signup", &[("email", "flood@example.jp")]).await.location(), "/shaho/signup/code");
    }
    let sent = app.mails().await.iter().filter(|m| m.to == "flood@example.jp").count();
    assert_eq!(sent, 5, "five codes an hour, then the page goes on without a mail");
    app.clock.advance(3601);
    app.browser().post("/shaho/signup", &[("email", "flood@example.jp")]).await;
    assert_eq!(app.mails().await.iter().filter(|m| m.to == "flood@example.jp").count(), 6);
}
