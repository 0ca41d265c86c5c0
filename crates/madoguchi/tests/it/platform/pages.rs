//! The web shell: portals from presets, languages, help, service hours, CSRF, headers,
//! error pages, the test clock, metrics.

use crate::testkit::TestApp;
use axum::http::StatusCode;
use madoguchi_core::Config;

const PORTALS: [(&str, &str, &str); 5] = [
    ("mlit-fwms", "外国人就労管理システム", "連絡事項"),
    ("shaho", "次世代型社労法務システム", "お知らせ"),
    ("rokin", "賃金控除事務支援システム", "ご注意事項"),
    ("hellowork", "ハローワークインターネットサービス 求人者マイページ", "お知らせ"),
    ("jrec-in", "JREC-IN Portal 求人機関ページ", "お知らせ"),
];

#[tokio::test]
async fn the_index_lists_the_five_portals() {
    let app = TestApp::demo().await;
    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("<html lang=\"ja\">");
    for (id, name, _) in PORTALS {
        page.assert_contains(&format!("<a href=\"/{id}/\">{name}</a>"));
    }
}

#[tokio::test]
async fn each_portal_shows_name_notices_help_desk_and_help() {
    let app = TestApp::demo().await;
    for (id, name, notices) in PORTALS {
        let page = app.get(&format!("/{id}/")).await;
        assert_eq!(page.status, StatusCode::OK, "{id}");
        page.assert_contains(&format!("<h1>{name}</h1>"))
            .assert_contains(&format!("<h2 id=\"notices-heading\">{notices}</h2>"))
            .assert_contains("ヘルプデスク")
            .assert_contains("デモ環境です")
            .assert_contains(&format!("href=\"/{id}/help/top\""));
        let help = app.get(&format!("/{id}/help/top")).await;
        assert_eq!(help.status, StatusCode::OK, "{id}");
        help.assert_contains("<h1>ヘルプ");
        assert_eq!(app.get(&format!("/{id}")).await.location(), format!("/{id}/"));
    }
    app.get("/rokin/").await.assert_contains("0120-609-575");
    app.get("/mlit-fwms/").await.assert_contains("申請の手引き").assert_contains("04:00～翌01:00");
}

#[tokio::test]
async fn unknown_pages_are_a_japanese_404_that_reveals_nothing() {
    let app = TestApp::demo().await;
    for path in ["/nope/", "/rokin/help/nope", "/static/x", "/rokin/operator/announcements/999999"] {
        let page = app.get(path).await;
        assert!(
            page.status == StatusCode::NOT_FOUND || page.status == StatusCode::SEE_OTHER,
            "{path}: {}",
            page.status
        );
        if page.status == StatusCode::NOT_FOUND {
            page.assert_contains("ページが見つかりません").assert_lacks("sqlx").assert_lacks("panicked");
        }
    }
}

#[tokio::test]
async fn english_by_switch_or_by_browser() {
    let app = TestApp::demo().await;
    let page = app.get_with("/rokin/", &[("accept-language", "en-US,en;q=0.9")]).await;
    page.assert_contains("<html lang=\"en\">")
        .assert_contains("Wage Deduction Support System")
        .assert_contains("Help desk");
    let switched = app.post("/_lang", &[("lang", "en"), ("back", "/shaho/")]).await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    assert_eq!(switched.location(), "/shaho/");
    app.get("/shaho/").await.assert_contains("<html lang=\"en\">").assert_contains("Notices");
    app.post("/_lang", &[("lang", "ja"), ("back", "/shaho/")]).await;
    app.get("/shaho/").await.assert_contains("<html lang=\"ja\">");
    // Never an open redirect.
    assert_eq!(app.post("/_lang", &[("lang", "ja"), ("back", "//evil.example/")]).await.location(), "/");
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::demo().await;
    app.get("/").await;
    let page = app.post_raw("/_lang", &[("lang", "en"), ("back", "/")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    page.assert_contains("画面の有効期限が切れました");
    let page = app.post_raw("/_lang", &[("_csrf", "0000"), ("lang", "en"), ("back", "/")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.cookie("mdg_lang"), None);
    app.get("/").await.assert_contains("<html lang=\"ja\">");
}

#[tokio::test]
async fn security_headers_and_cookie_flags() {
    let app = TestApp::demo().await;
    let page = app.get("/rokin/").await;
    let h = |name: &str| page.headers.get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    assert!(
        h("content-security-policy").contains("script-src 'self'")
            && h("content-security-policy").contains("frame-ancestors 'none'")
    );
    assert!(!h("content-security-policy").contains("unsafe-inline"));
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert_eq!(h("referrer-policy"), "same-origin");
    assert!(!h("x-request-id").is_empty());
    let cookie = h("set-cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http demo: no Secure flag");
    assert!(h("strict-transport-security").is_empty());
}

#[tokio::test]
async fn behind_https_cookies_are_secure_and_hsts_is_sent() {
    let text = "[server]\npublic_url = \"https://portal.example.jp\"\n[[portal]]\npreset = \"shaho\"\n";
    let app = TestApp::with(Config::parse("t.toml", text).unwrap(), None, false).await;
    let page = app.get("/shaho/").await;
    assert!(page.headers.get("set-cookie").unwrap().to_str().unwrap().contains("Secure"));
    assert!(page.headers.get("strict-transport-security").is_some());
}

#[tokio::test]
async fn rokin_is_closed_on_a_saturday_and_at_new_year() {
    let app = TestApp::demo().await;
    // Open on a Tuesday morning: without a client certificate, the page that explains it.
    assert_eq!(app.get("/rokin/login").await.status, StatusCode::FORBIDDEN, "open on a Tuesday morning");
    for at in [
        "2026-11-28T12:00:00+09:00",
        "2027-01-02T12:00:00+09:00",
        "2026-11-23T12:00:00+09:00",
        "2026-11-24T20:00:00+09:00",
    ] {
        app.set_clock(at);
        let page = app.get("/rokin/login").await;
        assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{at}");
        page.assert_contains("サービス提供時間外です").assert_contains("08:00～20:00");
        assert!(page.headers.get("retry-after").is_some());
        // The first screen and help stay readable, and say it is closed.
        app.get("/rokin/").await.assert_contains("現在はサービス提供時間外のため");
        assert_eq!(app.get("/rokin/help/top").await.status, StatusCode::OK);
    }
    app.set_clock("2027-01-02T12:00:00+09:00");
    app.get("/rokin/").await.assert_contains("2027年01月04日 08:00");
}

#[tokio::test]
async fn mlit_is_closed_at_two_and_open_at_five() {
    let app = TestApp::demo().await;
    app.set_clock("2026-11-24T02:00:00+09:00");
    assert_eq!(app.get("/mlit-fwms/login").await.status, StatusCode::SERVICE_UNAVAILABLE);
    app.set_clock("2026-11-24T05:00:00+09:00");
    assert_eq!(app.get("/mlit-fwms/login").await.status, StatusCode::OK);
    app.set_clock("2026-11-24T00:30:00+09:00");
    assert_eq!(app.get("/mlit-fwms/login").await.status, StatusCode::OK, "翌01:00 まで open");
}

#[tokio::test]
async fn the_test_clock_exists_only_with_the_flag() {
    let with = TestApp::demo().await;
    assert_eq!(with.get("/_dev/clock").await.status, StatusCode::OK);
    let moved = with.post_raw("/_dev/clock/advance", &[("seconds", "3600")]).await;
    assert_eq!(moved.status, StatusCode::OK);
    moved.assert_contains("2026-11-24T11:00:00+09:00");
    let bad = with.post_raw("/_dev/clock/set", &[("at", "tomorrow")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("RFC 3339");
    let without = TestApp::with(Config::demo().unwrap(), None, false).await;
    assert_eq!(without.get("/_dev/clock").await.status, StatusCode::NOT_FOUND);
    assert_eq!(without.post_raw("/_dev/clock/advance", &[("seconds", "60")]).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_host_name_selects_its_portal() {
    let text =
        "[[portal]]\nid = \"rokin\"\npreset = \"rokin\"\nhost = \"rokin.example.jp\"\n[[portal]]\npreset = \"shaho\"\n";
    let app = TestApp::with(Config::parse("t.toml", text).unwrap(), None, false).await;
    let page = app.get_with("/", &[("host", "rokin.example.jp")]).await;
    page.assert_contains("<h1>賃金控除事務支援システム</h1>");
    app.get_with("/", &[("host", "other.example.jp")]).await.assert_contains("次世代型社労法務システム");
}

#[tokio::test]
async fn metrics_count_requests_by_route() {
    let app = TestApp::demo().await;
    app.get("/rokin/").await;
    let page = app.get("/metrics").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("madoguchi_http_requests_total{route=\"/{portal}/\",method=\"GET\",status=\"200\"} 1")
        .assert_contains("madoguchi_http_request_duration_seconds_bucket")
        .assert_contains("madoguchi_outbox_mails{state=\"pending\"}");
}

#[tokio::test]
async fn check_config_refuses_a_bad_file_with_file_key_and_rule() {
    let dir = std::env::temp_dir().join(format!("madoguchi-cfg-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("site.toml");
    std::fs::write(&file, "[[portal]]\npreset = \"rokin\"\nlockout = { failures = 0, colour = \"red\" }\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .args(["--config", file.to_str().unwrap(), "check-config"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("site.toml") && err.contains("portal[0].lockout") && err.contains("colour"), "{err}");
    std::fs::write(&file, "[[portal]]\npreset = \"rokin\"\nlockout = { failures = 0 }\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .args(["--config", file.to_str().unwrap(), "check-config"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("lockout.failures") && err.contains("at least 1"), "{err}");
    // A good file names its SMTP server (tests/it/startup.rs: a file without one is refused).
    std::fs::write(&file, "[server]\nsmtp = \"smtp://127.0.0.1:25\"\n[[portal]]\npreset = \"rokin\"\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .args(["--config", file.to_str().unwrap(), "check-config"])
        .env_remove("MADOGUCHI_SMTP_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
