//! Cookies and HSTS over HTTPS: on the TLS listener (real handshakes through the accept loop
//! `serve` runs) and behind a trusted proxy that says `X-Forwarded-Proto: https`.

use crate::platform::connections::Running;
use crate::testkit::TestApp;
use madoguchi_core::Config;

/// The `Set-Cookie` lines of a raw response whose cookie is `name`.
fn set_cookies<'a>(response: &'a str, name: &str) -> Vec<&'a str> {
    response
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
        .filter(|c| c.starts_with(&format!("{name}=")))
        .collect()
}

fn value_of(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_string()
}

fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    response.lines().find_map(|l| l.split_once(": ").filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

fn get(path: &str, cookie: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n")
}

#[tokio::test]
async fn on_the_tls_listener_cookies_are_secure_with_a_prefix_and_hsts_is_sent() {
    let app = TestApp::demo().await;
    let server = Running::start(&app, true).await;

    let page = server.exchange(&get("/jrec-in/login", "")).await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert_eq!(header(&page, "strict-transport-security"), Some("max-age=31536000; includeSubDomains"));
    let csrf = set_cookies(&page, "__Host-mdg_csrf");
    assert_eq!(csrf.len(), 1, "{page}");
    for flag in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(csrf[0].contains(flag), "{flag} in {}", csrf[0]);
    }
    assert!(set_cookies(&page, "mdg_csrf").is_empty(), "no plain cookie over TLS");
    let token = value_of(csrf[0]);

    // Log in over TLS: the session cookie keeps its portal path, so `__Secure-`.
    let body = format!("_csrf={token}&login_id=demo-kikan&password=DemoUser2026");
    let login = format!(
        "POST /jrec-in/login HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: __Host-mdg_csrf={token}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let answer = server.exchange(&login).await;
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    let session = set_cookies(&answer, "__Secure-mdg_s");
    assert_eq!(session.len(), 1, "{answer}");
    assert!(session[0].contains("Secure") && session[0].contains("Path=/jrec-in/"), "{}", session[0]);
    let renewed = set_cookies(&answer, "__Host-mdg_csrf");
    assert!(renewed.len() == 1 && value_of(renewed[0]) != token, "the token is renewed at login: {answer}");
    let session = value_of(session[0]);

    let home = server.exchange(&get("/jrec-in/home", &format!("__Secure-mdg_s={session}"))).await;
    assert!(home.starts_with("HTTP/1.1 200"), "{home}");
    // The same session under the plain name (a cookie set over plain HTTP, or planted there)
    // does not count over TLS.
    let planted = server.exchange(&get("/jrec-in/home", &format!("mdg_s={session}"))).await;
    assert!(planted.starts_with("HTTP/1.1 303") && planted.contains("/jrec-in/login"), "{planted}");
    server.stop().await;
}

#[tokio::test]
async fn a_trusted_proxy_saying_https_gets_secure_cookies_and_hsts_and_nobody_else_does() {
    let mut config = Config::demo().unwrap();
    config.server.trusted_proxies = vec!["127.0.0.1/32".into()];
    let proxy = TestApp::with(config, None, true).await;
    let https = [("x-forwarded-proto", "https"), ("x-forwarded-for", "203.0.113.5")];
    let page = proxy.get_with("/jrec-in/login", &https).await;
    let cookie = page.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.starts_with("__Host-mdg_csrf=") && cookie.contains("Secure"), "{cookie}");
    assert!(page.headers.get("strict-transport-security").is_some());

    // The same header from a browser is nothing.
    let stranger = proxy.browser();
    let page = stranger.get_with("/jrec-in/login", &https).await;
    let cookie = page.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.starts_with("mdg_csrf=") && !cookie.contains("Secure"), "{cookie}");
    assert!(page.headers.get("strict-transport-security").is_none());
    // …and plain HTTP through the proxy stays plain.
    let page = proxy.get_with("/jrec-in/login", &[("x-forwarded-proto", "http")]).await;
    assert!(page.headers.get("strict-transport-security").is_none());
}
