//! A seeker's session never opens an employer's page and an employer's never a seeker's, by
//! cookie or by a token moved from one cookie to the other; one seeker's pages show only their
//! own data (the seekers' addresses carry no ids: every page reads the session's account).

use super::{PASSWORD, seeker};
use crate::testkit::TestApp;
use axum::http::StatusCode;

const SEEKER_PAGES: [&str; 3] = ["/jrec-in/seeker/home", "/jrec-in/seeker/profile", "/jrec-in/seeker/withdraw"];

#[tokio::test]
async fn a_seeker_sees_no_employer_page_and_an_employer_no_seeker_page() {
    let app = TestApp::demo().await;
    let (browser, _) = seeker(&app, "apart@example.jp", "別々 太郎").await;
    for path in ["/jrec-in/home", "/jrec-in/password", "/jrec-in/registered-info", "/jrec-in/withdraw"] {
        let page = browser.get(path).await;
        assert_eq!(page.location(), "/jrec-in/login", "GET {path}: {}", page.status);
    }
    // The seeker's token in the employer's cookie is no session there (and is ended).
    let token = browser.cookie("mdg_seeker").unwrap();
    let forged = app.browser();
    let page = forged.get_with("/jrec-in/home", &[("cookie", &format!("mdg_s={token}"))]).await;
    assert_eq!(page.location(), "/jrec-in/login");

    // The demo institution signed in: the seekers' pages send it to the seekers' login.
    let employer = app.browser();
    let login = employer.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    assert_eq!(login.location(), "/jrec-in/home");
    let employer_token = employer.cookie("mdg_s").unwrap();
    for path in SEEKER_PAGES {
        assert_eq!(employer.get(path).await.location(), "/jrec-in/seeker/login", "GET {path}");
        let moved = employer.get_with(path, &[("cookie", &format!("mdg_seeker={employer_token}"))]).await;
        assert_eq!(moved.location(), "/jrec-in/seeker/login", "GET {path} with the employer's token");
    }
    let post = employer.post("/jrec-in/seeker/withdraw", &[("confirm", "1"), ("password", "DemoUser2026")]).await;
    assert_eq!(post.location(), "/jrec-in/seeker/login");
    assert_eq!(employer.get("/jrec-in/home").await.status, StatusCode::OK, "the employer's own session stands");
    // A portal without the module has no seekers' pages at all.
    assert_eq!(app.get("/shaho/seeker/login").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn one_seeker_sees_nothing_of_another() {
    let app = TestApp::demo().await;
    let (first, first_id) = seeker(&app, "first@example.jp", "一番 太郎").await;
    first
        .post("/jrec-in/seeker/profile", &[("public", "1"), ("position", "一番の職"), ("appeal", "一番の自己PR")])
        .await;
    let (second, second_id) = seeker(&app, "second@example.jp", "二番 花子").await;
    for path in SEEKER_PAGES {
        let page = second.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "GET {path}");
        page.assert_lacks("一番").assert_lacks(&first_id).assert_lacks("first@example.jp");
    }
    second.get("/jrec-in/seeker/home").await.assert_contains(&second_id).assert_contains("二番 花子");
    // The second one's save and withdrawal touch only its own account.
    second.post("/jrec-in/seeker/profile", &[("position", "二番の職")]).await;
    second
        .post("/jrec-in/seeker/withdraw", &[("confirm", "1"), ("password", PASSWORD)])
        .await
        .assert_contains("退会しました");
    first.get("/jrec-in/seeker/profile").await.assert_contains("value=\"一番の職\"").assert_contains("一番の自己PR");
    assert_eq!(first.get("/jrec-in/seeker/home").await.status, StatusCode::OK);
}
