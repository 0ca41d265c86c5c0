//! The result reminder (jrec-in §1.9 Beyond, §1.12): nothing before the 30th day after
//! 募集終了日; on it ONE mail to the institution listing the 応募受付ID and status of each
//! application still waiting (no name, no address) with the link to 応募情報一覧; a second run
//! sends nothing; a posting whose applicants were all told gets none.

use super::{apply, institution, open_postings, seeker, version};
use crate::testkit::TestApp;
use axum::http::StatusCode;
use madoguchi_core::rules::DAY;

const SUBJECT: &str = "【JREC-IN Portal】選考結果が未通知の応募があります";

async fn run(app: &TestApp) -> usize {
    madoguchi_applications::reminder::run(&app.state).await.unwrap()
}

fn set_clock(app: &TestApp, unix: i64) {
    app.set_clock(&chrono::DateTime::from_timestamp(unix, 0).unwrap().to_rfc3339());
}

async fn receipt(app: &TestApp, id: i64) -> String {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT receipt_id FROM applications WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// The institution sets 不採用(書類) and tells the applicant.
async fn tell_rejected(institution: &TestApp, id: i64) {
    let path = format!("/jrec-in/applications/{id}");
    let detail = institution.get(&path).await;
    let fields = [("status", "rejected_documents"), ("notify", "yes"), ("version", &version(&detail))];
    let done = institution.post_confirmed(&path, &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
}

#[tokio::test]
async fn thirty_days_after_the_closing_day_the_institution_is_reminded_once() {
    let app = TestApp::demo().await;
    let postings: Vec<_> = open_postings(&app).await.into_iter().filter(|p| p.ends_at.is_some()).collect();
    assert!(postings.len() >= 2, "two open demo postings with a 募集終了日");
    let (waiting, told) = (&postings[0], &postings[1]);
    let first = apply(&seeker(&app, "remind1@seeker.example.jp").await, waiting.id).await;
    let second = apply(&seeker(&app, "remind2@seeker.example.jp").await, waiting.id).await;
    let third = apply(&seeker(&app, "remind3@seeker.example.jp").await, told.id).await;
    let institution = institution(&app).await;
    tell_rejected(&institution, second).await;
    tell_rejected(&institution, third).await;

    let day_30 = |ends_at: Option<i64>| ends_at.unwrap() + 29 * DAY;
    set_clock(&app, day_30(waiting.ends_at) - 1);
    assert_eq!(run(&app).await, 0, "the day before the 30th: nothing");
    assert!(!app.mails().await.iter().any(|m| m.subject == SUBJECT));

    set_clock(&app, day_30(waiting.ends_at).max(day_30(told.ends_at)));
    assert_eq!(run(&app).await, 1, "one posting still waits");
    let mails: Vec<_> = app.mails().await.into_iter().filter(|m| m.subject == SUBJECT).collect();
    assert_eq!(mails.len(), 1, "one mail to the institution");
    let text = &mails[0].text;
    for expected in [
        waiting.data_number.as_str(),
        &waiting.title,
        &waiting.end_date,
        &format!("{}  応募中", receipt(&app, first).await),
        &format!("/jrec-in/applications/postings/{}", waiting.id),
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    for absent in [receipt(&app, second).await, receipt(&app, third).await, told.data_number.clone()] {
        assert!(!text.contains(&absent), "{absent:?} in {text}");
    }
    assert!(!text.contains("研究 太郎") && !text.contains("remind1@") && !text.contains("ケンキュウ"), "{text}");

    // Again, and a day later: nothing more, for either posting.
    assert_eq!(run(&app).await, 0);
    set_clock(&app, day_30(waiting.ends_at).max(day_30(told.ends_at)) + DAY);
    assert_eq!(run(&app).await, 0);
    assert_eq!(app.mails().await.iter().filter(|m| m.subject == SUBJECT).count(), 1);
    let events = crate::modules::seekers::events(&app).await;
    assert_eq!(events.iter().filter(|e| *e == "application.result_reminded").count(), 1);
}
