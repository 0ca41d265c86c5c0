//! rokin's findings (issue 12): certificate sessions bound to their certificate and ended by
//! its revocation, refused certificate logins audited, the password asked when the e-mail
//! changes, the 仮パスワード kept out of the confirmation page, the ログイン中のブラウザ screen.

use crate::identity::protections::{events_of, user_id};
use crate::rokin::certificate::{MASTER_EMAIL, MASTER_ID, MASTER_PASSWORD, certificate_der, issue, register_master};
use crate::testkit::{TestApp, rokin_organization};
use axum::http::StatusCode;

/// The master registered, its certificate issued and presented, and logged in with it.
async fn master_with_certificate(app: &TestApp) -> (Vec<u8>, i64) {
    register_master(app).await;
    let (p12, _) = issue(app, MASTER_ID, MASTER_PASSWORD, MASTER_EMAIL).await;
    let der = certificate_der(&p12, MASTER_PASSWORD);
    app.present_certificate(Some(der.clone()));
    assert_eq!(app.post("/rokin/login", &[("password", MASTER_PASSWORD)]).await.location(), "/rokin/home");
    assert_eq!(app.get("/rokin/home").await.status, StatusCode::OK);
    (der, user_id(app, "rokin", MASTER_ID).await)
}

/// A certificate for `login_id` from the portal's own CA (`ours`) or from a fresh foreign one.
fn issued_by(app: &TestApp, ours: bool, login_id: &str) -> Vec<u8> {
    let profile = madoguchi_ca::ClientProfile::with_suffix("ROKIN Koujyo Web System", 366);
    let serial = madoguchi_ca::Serial::random().unwrap();
    let now = madoguchi_core::Clock::now(&*app.clock);
    let issued = if ours {
        app.state.ca("rokin").unwrap().issue_client(login_id, &profile, &serial, now, "x").unwrap()
    } else {
        let dir = std::env::temp_dir().join("madoguchi-tests").join(format!("ca-{}", uuid::Uuid::new_v4()));
        let ca = madoguchi_ca::Authority::open_or_create(&dir, "rokin", "Other CA", None, now).unwrap();
        ca.issue_client(login_id, &profile, &serial, now, "x").unwrap()
    };
    issued.certificate_der
}

/// The token of a general user's registration on its confirmation page.
pub fn pending_token(body: &str) -> String {
    let start = body.find("name=\"pending\" value=\"").expect("a pending registration on the page") + 22;
    body[start..].split('"').next().unwrap().to_string()
}

async fn sessions_of(app: &TestApp, user: i64) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
        .bind(user)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_certificate_session_needs_its_certificate_on_every_request() {
    let app = TestApp::demo().await;
    let (der, id) = master_with_certificate(&app).await;
    // The same cookie without the certificate (plain http, or a copied cookie): refused, and over.
    app.present_certificate(None);
    assert_ne!(app.get("/rokin/home").await.status, StatusCode::OK);
    app.present_certificate(Some(der.clone()));
    assert_ne!(app.get("/rokin/home").await.status, StatusCode::OK, "the session ended");
    assert_eq!(sessions_of(&app, id).await, 0);

    // Another valid certificate of the portal does not carry the session either.
    assert_eq!(app.post("/rokin/login", &[("password", MASTER_PASSWORD)]).await.location(), "/rokin/home");
    let other = issued_by(&app, true, "Other0001");
    app.present_certificate(Some(other));
    assert_ne!(app.get("/rokin/home").await.status, StatusCode::OK);
}

#[tokio::test]
async fn revoking_a_certificate_ends_its_sessions() {
    let app = TestApp::demo().await;
    let (_, id) = master_with_certificate(&app).await;
    assert_eq!(sessions_of(&app, id).await, 1);
    let mut conn = app.state.store.acquire().await.unwrap();
    let current = madoguchi_store::certificates::current(&mut conn, id).await.unwrap().unwrap();
    assert!(
        madoguchi_store::certificates::revoke(&mut conn, current.id, "operator", app.state.clock.unix()).await.unwrap()
    );
    drop(conn);
    assert_eq!(sessions_of(&app, id).await, 0, "revocation ends the certificate's sessions");
    assert_ne!(app.get("/rokin/home").await.status, StatusCode::OK);
}

#[tokio::test]
async fn refused_certificate_logins_are_audited() {
    let app = TestApp::demo().await;
    let b = app.browser();
    assert_eq!(b.post("/rokin/login", &[("password", "Anything#1")]).await.status, StatusCode::FORBIDDEN);
    let foreign = issued_by(&app, false, MASTER_ID);
    b.present_certificate(Some(foreign));
    assert_eq!(b.post("/rokin/login", &[("password", "Anything#1")]).await.status, StatusCode::FORBIDDEN);
    let mut conn = app.state.store.acquire().await.unwrap();
    let details: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE event = 'login.failed' AND portal = 'rokin' ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert_eq!(details, ["certificate_none", "certificate_foreign"]);
}

const OWNER_ID: &str = "Owner0001";
const OWNER_EMAIL: &str = "owner@rokin-shoji.example.jp";

#[tokio::test]
async fn changing_the_email_asks_the_password() {
    let app = TestApp::demo().await;
    let id = rokin_organization(&app, "株式会社ろうきん商事", OWNER_ID, OWNER_EMAIL, "労金　太郎").await;
    app.sign_in_as("rokin", id).await;
    let thief = "thief@example.jp";
    let change = |password: &'static str| {
        vec![("name", "労金　太郎"), ("email", thief), ("email_confirm", thief), ("current_password", password)]
    };
    app.post("/rokin/user-info", &change(""))
        .await
        .assert_contains("メールアドレスを変更するには、現在のパスワードを入力してください。");
    app.post("/rokin/user-info", &change("Wrong#2026")).await.assert_contains("パスワードが正しくありません");
    let mut conn = app.state.store.acquire().await.unwrap();
    let email = madoguchi_store::users::by_id(&mut conn, id).await.unwrap().unwrap().email;
    drop(conn);
    assert_eq!(email, OWNER_EMAIL, "nothing changed");
    assert_eq!(events_of(&app, "reauth.failed", id).await, 1);
    let page = app.post("/rokin/user-info", &change(crate::testkit::ROKIN_MASTER_PASSWORD)).await;
    assert_eq!(page.location(), "/rokin/user-info?done=saved", "{}", page.body);
    // The name alone needs no password.
    let page =
        app.post("/rokin/user-info", &[("name", "労金　次郎"), ("email", thief), ("email_confirm", thief)]).await;
    assert_eq!(page.location(), "/rokin/user-info?done=saved", "{}", page.body);
}

#[tokio::test]
async fn the_temporary_password_stays_on_the_server_between_the_two_steps() {
    let app = TestApp::demo().await;
    let id = rokin_organization(&app, "株式会社ろうきん商事", OWNER_ID, OWNER_EMAIL, "労金　太郎").await;
    app.sign_in_as("rokin", id).await;
    let temp = "Tmp#2026zq";
    let fields = [
        ("step", "confirm"),
        ("login_id", "Ippan0001"),
        ("password", temp),
        ("password_confirm", temp),
        ("name", "一般　花子"),
        ("email", "ippan@example.jp"),
        ("email_confirm", "ippan@example.jp"),
    ];
    let confirm = app.post("/rokin/users/new", &fields).await;
    confirm.assert_contains("契約ユーザー情報登録確認").assert_lacks(temp);
    let pending = pending_token(&confirm.body);
    // Another master's browser cannot use the token.
    let other = app.browser();
    let other_id = rokin_organization(&app, "別会社", "Other0002", "o@example.jp", "別　太郎").await;
    other.sign_in_as("rokin", other_id).await;
    let page = other.post("/rokin/users/new", &[("step", "register"), ("pending", &pending)]).await;
    assert_ne!(page.location(), "/rokin/users?done=registered");
    let page = app.post("/rokin/users/new", &[("step", "register"), ("pending", &pending)]).await;
    assert_eq!(page.location(), "/rokin/users?done=registered", "{}", page.body);
    let mut conn = app.state.store.acquire().await.unwrap();
    let user = madoguchi_store::users::by_login_id(&mut conn, "rokin", "Ippan0001").await.unwrap().unwrap();
    drop(conn);
    assert!(app.state.hasher.verify(temp, Some(&user.password_hash)).await);
    assert!(user.must_change_password && user.organization_id.is_some());
    // The token worked once.
    let again = app.post("/rokin/users/new", &[("step", "register"), ("pending", &pending)]).await;
    assert_ne!(again.location(), "/rokin/users?done=registered");
}

#[tokio::test]
async fn the_logged_in_browsers_screen_is_in_the_menu() {
    let app = TestApp::demo().await;
    let id = rokin_organization(&app, "株式会社ろうきん商事", OWNER_ID, OWNER_EMAIL, "労金　太郎").await;
    app.sign_in_as("rokin", id).await;
    let other = app.browser();
    other.sign_in_as("rokin", id).await;
    app.get("/rokin/user-info").await.assert_contains("href=\"/rokin/sessions\"");
    let page = app.get("/rokin/sessions").await;
    page.assert_contains("ログイン中のブラウザ")
        .assert_contains("ログアウトさせる")
        .assert_contains("/rokin/help/sessions");
    let handle = page.body.split("name=\"session\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let done = app.post("/rokin/sessions/end", &[("session", &handle)]).await;
    assert_eq!(done.location(), "/rokin/sessions?done=ended");
    assert_ne!(other.get("/rokin/home").await.status, StatusCode::OK);
    app.get("/rokin/help/sessions").await.assert_contains("ログイン中のブラウザ");
}
