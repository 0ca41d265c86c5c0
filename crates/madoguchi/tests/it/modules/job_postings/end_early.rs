//! Ending a posting early by a 修正依頼 (jrec-in spec §1.3 rule 9): the revision may move
//! 募集終了日 to the request day or earlier — back to the 公開開始日, not before — where a new
//! posting's form asks for tomorrow or later; the 事務局 approves it without a 反映日 and it takes
//! effect at once: the posting is 募集終了, gone from the default search at that second and
//! found with 「募集期間終了を含める」, its page with the ended banner.

use super::public::{demo_institution, total, until_total};
use super::review::{approve, posting, requested, seq_in, sign_in};
use super::{complete, setup, version_in};
use axum::http::StatusCode;

const KEYWORD: &str = "/jrec-in/postings?all=%E6%97%A9%E6%9C%9F%E7%B5%82%E4%BA%86"; // all=早期終了

fn revision<'a>(end_date: &'a str, version: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<(&str, &str)> =
        complete().into_iter().filter(|(k, _)| !matches!(*k, "title" | "end_date")).collect();
    out.extend([("title", "早期終了の公募"), ("end_date", end_date), ("version", version), ("action", "confirm")]);
    out
}

#[tokio::test]
async fn a_revision_moving_the_end_date_to_the_request_day_ends_the_posting_when_approved() {
    let app = setup().await;
    demo_institution(&app).await;
    let id = requested(&app, "早期終了の公募").await;
    let op = app.browser();
    op.operator_login("jrec-in").await;
    assert!(approve(&op, id, "2026-11-24").await.location().ends_with("?done=approved"));

    // Two days later, public and open.
    app.set_clock("2026-11-26T10:00:00+09:00");
    sign_in(&app).await;
    let public = app.browser();
    until_total(&public, KEYWORD, 1).await;
    let edit = format!("/jrec-in/job-postings/{id}/edit");
    // Before the first publication (2026-11-24): refused, next to the field and in the summary.
    let before = app.post(&edit, &revision("2026-11-23", "0")).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    assert_eq!(before.body.matches("募集終了日は公開開始日より前の日付にはできません。").count(), 2, "{}", before.body);
    before.assert_contains("value=\"2026-11-23\"");
    // The day before the request: accepted (a new posting's form would ask for tomorrow).
    let version = version_in(&before);
    let confirmed = app.post(&edit, &revision("2026-11-25", &version)).await;
    assert_eq!(confirmed.location(), format!("/jrec-in/job-postings/{id}/confirm"), "{}", confirmed.body);
    let version = version_in(&app.get(confirmed.location()).await);
    let done = app.post(confirmed.location(), &[("version", version.as_str())]).await;
    assert_eq!(done.location(), "/jrec-in/job-postings/revise", "{}", done.body);
    // Still open until the 事務局 approves.
    assert_eq!(total(&public.get(KEYWORD).await), 1);

    op.operator_login("jrec-in").await;
    // The 事務局: no 反映日 to choose, the ending said in words; 承認 takes effect at once.
    let review = format!("/jrec-in/operator/job-postings/{id}");
    let page = op.get(&review).await;
    page.assert_contains("募集終了日を 2026-11-25（本日以前）に変更する").assert_lacks("name=\"reflect_on\"");
    let seq = seq_in(&page.body);
    let approved = op.post(&format!("{review}/approve"), &[("seq", seq.as_str())]).await;
    assert_eq!(approved.location(), format!("{review}?done=approved"), "{}", approved.body);
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-26T10:00:00+09:00").unwrap().timestamp();
    let stored = posting(&app, id).await;
    let current = stored.public();
    assert_eq!(current.current(now).and_then(|c| c.end_date), Some("2026-11-25"));
    assert_eq!(current.current(now).and_then(|c| c.since), Some(now), "in force from the approval");
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.subject == "JREC-IN Portal求人公募情報登録完了のお知らせ").expect("approved");
    assert!(mail.text.contains("2026年11月26日 10:00"), "{}", mail.text);

    // 募集終了 from now: out of the default search, found with 「募集期間終了を含める」.
    until_total(&public, KEYWORD, 0).await;
    assert_eq!(total(&public.get(&format!("{KEYWORD}&ended=1")).await), 1);
    public.get(&format!("/jrec-in/postings/{id}")).await.assert_contains("この求人公募の募集は終了しました。");
    app.get("/jrec-in/job-postings/revise").await.assert_contains("<td>募集終了</td>");
    // Withdrawal is for running postings only: an ended one is not offered.
    app.get("/jrec-in/job-postings/withdraw").await.assert_lacks("早期終了の公募");
}
