//! The client's address behind the documented nginx (`server.trusted_proxies` and
//! `X-Forwarded-For`, `madoguchi_web::client_addr`) as the audit log and the per-address limits
//! see it, and `/metrics` only for `server.metrics_allow`.

use crate::testkit::{Page, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use madoguchi_core::Config;

/// The demo behind a proxy on 127.0.0.1 (the testkit's first browser).
async fn behind_proxy() -> TestApp {
    let mut config = Config::demo().unwrap();
    config.server.trusted_proxies = vec!["127.0.0.1/32".into()];
    TestApp::with(config, None, true).await
}

/// A form POST as `browser` would send it, with these extra headers.
async fn post_with(browser: &TestApp, path: &str, headers: &[(&str, &str)], fields: &[(&str, &str)]) -> Page {
    if browser.cookie("mdg_csrf").is_none() {
        browser.get("/").await;
    }
    let token = browser.cookie("mdg_csrf").unwrap();
    let mut all = vec![("_csrf", token.as_str())];
    all.extend_from_slice(fields);
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(all).finish();
    let mut request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, browser.cookie_header());
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    browser.send(request.body(Body::from(body)).unwrap()).await
}

/// The addresses of the audit events `event` of `portal`, oldest first.
async fn audited_ips(app: &TestApp, portal: &str, event: &str) -> Vec<String> {
    let mut conn = app.state.store.acquire().await.unwrap();
    let filter = madoguchi_store::audit::AuditFilter { event: Some(event.into()), ..Default::default() };
    let (rows, _) = madoguchi_store::audit::search(&mut conn, portal, &filter, 1000, 0).await.unwrap();
    rows.into_iter().rev().map(|r| r.ip.unwrap_or_default()).collect()
}

const WRONG: [(&str, &str); 2] = [("login_id", "demo-kikan"), ("password", "Wrong-Password-1")];

#[tokio::test]
async fn from_a_trusted_proxy_the_audit_log_names_the_client_and_from_anybody_else_the_peer() {
    let proxy = behind_proxy().await;
    post_with(&proxy, "/jrec-in/login", &[("x-forwarded-for", "203.0.113.7")], &WRONG).await;
    // A client that writes its own header in front gets the address nginx saw appended.
    post_with(&proxy, "/jrec-in/login", &[("x-forwarded-for", "10.9.9.9, 203.0.113.8")], &WRONG).await;
    post_with(&proxy, "/jrec-in/login", &[], &WRONG).await;
    // A browser elsewhere cannot name an address.
    let stranger = proxy.browser();
    post_with(&stranger, "/jrec-in/login", &[("x-forwarded-for", "203.0.113.9")], &WRONG).await;
    let peer = audited_ips(&proxy, "jrec-in", "login.failed").await;
    let stranger_ip = peer[3].clone();
    assert!(stranger_ip.starts_with("198.18."), "{peer:?}");
    assert_eq!(peer, ["203.0.113.7", "203.0.113.8", "127.0.0.1", stranger_ip.as_str()]);
}

#[tokio::test]
async fn a_per_address_limit_counts_each_client_behind_the_proxy_not_the_proxy() {
    let proxy = behind_proxy().await;
    let signup = |n: usize| format!("signup{n}@example.jp");
    let too_many = "短時間に多くの申込がありました";
    // shaho: 20 sign-ups per address per hour. One client uses them up…
    for n in 0..20 {
        let page =
            post_with(&proxy, "/shaho/signup", &[("x-forwarded-for", "203.0.113.10")], &[("email", &signup(n))]).await;
        assert!(!page.body.contains(too_many), "sign-up {n} refused");
    }
    let page =
        post_with(&proxy, "/shaho/signup", &[("x-forwarded-for", "203.0.113.10")], &[("email", &signup(20))]).await;
    page.assert_contains(too_many);
    // …and another client behind the same proxy still gets through.
    let other = proxy.twin();
    let page =
        post_with(&other, "/shaho/signup", &[("x-forwarded-for", "203.0.113.11")], &[("email", &signup(21))]).await;
    page.assert_lacks(too_many);
    let ips = audited_ips(&proxy, "shaho", "signup.started").await;
    assert_eq!(ips.iter().filter(|ip| *ip == "203.0.113.10").count(), 20);
    assert_eq!(ips.iter().filter(|ip| *ip == "203.0.113.11").count(), 1);

    // From an untrusted address the header changes nothing: every request counts against it.
    let stranger = proxy.browser();
    for n in 0..20 {
        let xff = format!("198.51.100.{n}");
        post_with(&stranger, "/shaho/signup", &[("x-forwarded-for", &xff)], &[("email", &signup(100 + n))]).await;
    }
    let page =
        post_with(&stranger, "/shaho/signup", &[("x-forwarded-for", "198.51.100.99")], &[("email", &signup(200))])
            .await;
    page.assert_contains(too_many);
}

#[tokio::test]
async fn metrics_answer_only_the_configured_addresses() {
    let app = behind_proxy().await;
    // The default list is this host: the testkit's first browser is 127.0.0.1.
    let page = app.get("/metrics").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("madoguchi_outbox_backlog");
    // Anybody else gets the 404 page; a client behind the proxy on 127.0.0.1 too.
    let page = app.browser().get("/metrics").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    page.assert_contains("ページが見つかりません").assert_lacks("madoguchi_");
    let page = app.get_with("/metrics", &[("x-forwarded-for", "203.0.113.7")]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);

    // A monitoring network of its own.
    let mut config = Config::demo().unwrap();
    config.server.metrics_allow = vec!["198.18.0.0/15".into()];
    let app = TestApp::with(config, None, true).await;
    assert_eq!(app.browser().get("/metrics").await.status, StatusCode::OK);
    assert_eq!(app.get("/metrics").await.status, StatusCode::NOT_FOUND);
}
