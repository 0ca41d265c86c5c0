//! A new posting's form posted twice (a double click on 「一時保存」, or back and again) makes one
//! posting, not two (docs/JOB_POSTINGS.md, 「A new form posted twice」): the same content answers
//! as the first POST did; other content meets the stored draft side by side, nothing lost; a
//! fresh form makes a fresh posting.

use super::setup;
use crate::testkit::{Page, TestApp};
use axum::http::StatusCode;

fn token_in(page: &Page) -> String {
    let marker = "name=\"form_token\" value=\"";
    let at = page.body.find(marker).unwrap_or_else(|| panic!("no form_token: {}", page.body)) + marker.len();
    page.body[at..at + page.body[at..].find('"').unwrap()].to_string()
}

async fn postings(app: &TestApp) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM job_postings").fetch_one(&mut *conn).await.unwrap()
}

async fn new_form(app: &TestApp) -> String {
    app.post("/jrec-in/job-postings/new/language", &[]).await;
    token_in(&app.get("/jrec-in/job-postings/new/form?language=ja").await)
}

async fn post(app: &TestApp, token: &str, title: &str) -> Page {
    let fields = [("language", "ja"), ("version", "0"), ("form_token", token), ("action", "save"), ("title", title)];
    app.post("/jrec-in/job-postings/new/form", &fields).await
}

#[tokio::test]
async fn a_new_form_posted_twice_makes_one_posting() {
    let app = setup().await;
    let token = new_form(&app).await;
    let first = post(&app, &token, "二度押しの公募").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert!(first.location().ends_with("/saved"), "{}", first.location());
    let second = post(&app, &token, "二度押しの公募").await;
    assert_eq!(second.location(), first.location(), "the second click lands where the first did");
    assert_eq!(postings(&app).await, 1);

    // Back and again with the 件名 changed: the same posting; the form keeps what was typed and
    // shows the stored draft beside it.
    let again = post(&app, &token, "二度押しの公募（直した件名）").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    again.assert_contains("value=\"二度押しの公募（直した件名）\"").assert_contains("二度押しの公募");
    assert_eq!(postings(&app).await, 1);
    app.get("/jrec-in/job-postings/register").await.assert_contains("二度押しの公募");

    // A form opened anew has a token of its own.
    let other = new_form(&app).await;
    assert_ne!(other, token);
    assert_eq!(post(&app, &other, "別の公募").await.status, StatusCode::SEE_OTHER);
    assert_eq!(postings(&app).await, 2);
    // A POST without a token (or with a value the form never sends) makes one each time, as before.
    post(&app, "", "トークンなし").await;
    post(&app, "not a token!", "トークンなし").await;
    assert_eq!(postings(&app).await, 4);
}
