//! The CSRF check (`security::csrf`, `madoguchi_web::csrf`): signed tokens, renewed at login,
//! and refused from another site; and forms the handler cannot read, answered with our page.

use crate::testkit::TestApp;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

const LOGIN: &str = "/jrec-in/login";
const ACCOUNT: [(&str, &str); 2] = [("login_id", "demo-kikan"), ("password", "DemoUser2026")];

/// A form POST with exactly these cookies and headers (no token added, unlike `post`).
async fn post_as(
    app: &TestApp,
    path: &str,
    cookie: &str,
    headers: &[(&str, &str)],
    fields: &[(&str, &str)],
) -> crate::testkit::Page {
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
    let mut request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "portal.example.jp")
        .header(header::COOKIE, cookie);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    app.send(request.body(Body::from(body)).unwrap()).await
}

async fn failed_logins(app: &TestApp) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    madoguchi_store::audit::count_events(&mut conn, "jrec-in", "login.succeeded").await.unwrap()
        + madoguchi_store::audit::count_events(&mut conn, "jrec-in", "login.failed").await.unwrap()
}

#[tokio::test]
async fn a_token_the_client_made_up_itself_is_refused_even_with_a_matching_cookie() {
    let app = TestApp::demo().await;
    // What an attacker plants: any value as the cookie, the same in the field.
    for planted in ["0123456789abcdef".repeat(4), "a".repeat(64), "x".into()] {
        let cookie = format!("mdg_csrf={planted}");
        let mut fields = vec![("_csrf", planted.as_str())];
        fields.extend(ACCOUNT);
        let page = post_as(&app, LOGIN, &cookie, &[], &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{planted}: {}", page.body);
        page.assert_contains("画面の有効期限が切れました");
        assert!(page.headers.get_all("set-cookie").iter().all(|c| !c.to_str().unwrap().starts_with("mdg_s=")));
        // …and the server answers with a token of its own, which is not the planted one.
        let issued = page.headers.get("set-cookie").unwrap().to_str().unwrap();
        assert!(issued.starts_with("mdg_csrf=") && !issued.starts_with(&format!("mdg_csrf={planted};")), "{issued}");
    }
    assert_eq!(failed_logins(&app).await, 0, "the login never ran");
    // The server's own pair works.
    assert_eq!(app.post(LOGIN, &ACCOUNT).await.location(), "/jrec-in/home");
}

#[tokio::test]
async fn the_token_is_renewed_when_a_session_starts() {
    let app = TestApp::demo().await;
    app.get(LOGIN).await;
    let before = app.cookie("mdg_csrf").unwrap();
    let page = app.post(LOGIN, &ACCOUNT).await;
    assert_eq!(page.location(), "/jrec-in/home");
    let after = app.cookie("mdg_csrf").unwrap();
    assert_ne!(before, after, "a new token with the session");
    assert!(page.headers.get_all("set-cookie").iter().any(|c| c.to_str().unwrap().starts_with("mdg_s=")));
    // The new one works on the signed-in pages.
    app.get("/jrec-in/home").await.assert_contains(&after);
    // A failed login does not renew it.
    let other = app.browser();
    other.get(LOGIN).await;
    let token = other.cookie("mdg_csrf").unwrap();
    other.post(LOGIN, &[("login_id", "demo-kikan"), ("password", "wrong-Password1")]).await;
    assert_eq!(other.cookie("mdg_csrf").unwrap(), token);

    // The operator's session (its own cookie, `mdg_op`) too.
    let operator = app.browser();
    operator.get("/jrec-in/operator/login").await;
    let before = operator.cookie("mdg_csrf").unwrap();
    operator.operator_login("jrec-in").await;
    assert!(operator.cookie("mdg_op").is_some());
    assert_ne!(operator.cookie("mdg_csrf").unwrap(), before);
}

#[tokio::test]
async fn a_post_from_another_site_is_refused_with_the_error_page() {
    let app = TestApp::demo().await;
    app.get(LOGIN).await;
    let token = app.cookie("mdg_csrf").unwrap();
    let cookie = format!("mdg_csrf={token}");
    let mut fields = vec![("_csrf", token.as_str())];
    fields.extend(ACCOUNT);
    for headers in [
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
        vec![("sec-fetch-site", "cross-site")],
        vec![("origin", "https://portal.example.jp"), ("sec-fetch-site", "same-site")],
    ] {
        let page = post_as(&app, LOGIN, &cookie, &headers, &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert!(page.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
        page.assert_contains("画面の有効期限が切れました").assert_contains("別の画面から送信されました");
    }
    // In English when the browser asks for it.
    let english =
        post_as(&app, LOGIN, &cookie, &[("origin", "https://evil.example"), ("accept-language", "en")], &fields).await;
    english.assert_contains("This screen has expired");
    assert_eq!(failed_logins(&app).await, 0, "the login never ran");
    // From this site itself (the host the browser used): accepted.
    let page = post_as(
        &app,
        LOGIN,
        &cookie,
        &[("origin", "https://portal.example.jp"), ("sec-fetch-site", "same-origin")],
        &fields,
    )
    .await;
    assert_eq!(page.location(), "/jrec-in/home", "{}", page.body);
}

#[tokio::test]
async fn a_form_the_handler_cannot_read_gets_the_400_page_in_the_request_language() {
    let app = TestApp::demo().await;
    app.get(LOGIN).await;
    let token = app.cookie("mdg_csrf").unwrap();
    let cookie = format!("mdg_csrf={token}");
    let twice = [("_csrf", token.as_str()), ("login_id", "demo-kikan"), ("login_id", "x"), ("password", "p")];
    let page = post_as(&app, LOGIN, &cookie, &[], &twice).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(page.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    page.assert_contains("送信内容を読み取れませんでした").assert_contains("<html");
    assert_eq!(failed_logins(&app).await, 0);
    let english = post_as(&app, LOGIN, &format!("{cookie}; mdg_lang=en"), &[], &twice).await;
    assert_eq!(english.status, StatusCode::BAD_REQUEST);
    english.assert_contains("The form could not be read");
    // A query the handler cannot read (a page number that is not one) gets the same page.
    app.operator_login("jrec-in").await;
    let page = app.get("/jrec-in/operator/users?page=abc").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    page.assert_contains("送信内容を読み取れませんでした");
}
