//! 「事務局へ依頼する」 and 依頼一覧 (jrec-in spec §1.3 rule 7, §1.6 item 3, §1.11 item 3): the
//! institution files a request from the read-only view of a posting under review (refused
//! input kept and marked, a confirmation, a 完了 page, never filed twice), another institution
//! reaches none of it, the 事務局 sees the open requests oldest first with their age in
//! business days, closes one with a required note that is mailed and shown to the institution,
//! and a second close of the same request answers 409.

use super::review::{audit_count, requested, sign_in};
use super::{other_institution, setup};
use crate::testkit::TestApp;
use axum::http::StatusCode;
use madoguchi_core::Lang;
use madoguchi_job_postings::office_requests::{CLOSED, FILED};
use madoguchi_web::i18n::Tr;

const REQUESTS: &str = "/jrec-in/operator/job-postings/requests";

fn ja(key: &str) -> String {
    Tr::for_lang(Lang::Ja).get(key).to_string()
}

async fn count(app: &TestApp, open_only: bool) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    let sql = if open_only {
        "SELECT COUNT(*) FROM posting_office_requests WHERE closed_at IS NULL"
    } else {
        "SELECT COUNT(*) FROM posting_office_requests"
    };
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap()
}

/// The request id at the end of a 完了 address `/jrec-in/job-postings/{id}/requests/{rid}`.
fn request_id(location: &str) -> i64 {
    location.rsplit('/').next().unwrap().parse().unwrap()
}

/// Files a request about `id` through the form and its confirmation: the 完了 address.
async fn file(app: &TestApp, id: i64, kind: &str, body: &str) -> String {
    let view = format!("/jrec-in/job-postings/{id}/requested");
    let asked = app.post(&view, &[("kind", kind), ("body", body), ("location", "")]).await;
    asked.assert_contains(&ja("posting.office_request.question"));
    let done = app.press_yes(&asked).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    done.location().to_string()
}

#[tokio::test]
async fn an_institution_files_a_request_and_the_office_answers_it() {
    let app = setup().await;
    // A request filed on Friday 11-20 is 1 business day old on Tuesday 11-24 (Monday is a
    // holiday), and is listed before Tuesday's.
    app.set_clock("2026-11-20T10:00:00+09:00");
    sign_in(&app).await;
    let friday = requested(&app, "金曜日に依頼した公募").await;
    file(&app, friday, "withdraw", "応募者が決まったため取り下げてください。").await;
    app.set_clock("2026-11-24T10:00:00+09:00");
    sign_in(&app).await;
    let id = requested(&app, "修正を依頼する公募").await;
    let view = format!("/jrec-in/job-postings/{id}/requested");
    let page = app.get(&view).await;
    page.assert_contains(&ja("posting.office_request.title"))
        .assert_contains("name=\"body\"")
        .assert_contains("<label for=\"location\"")
        .assert_contains(&ja("posting.refused.under_request"));

    // Nothing chosen, nothing typed: the messages next to the fields and in the summary, the
    // 修正箇所 kept, nothing filed.
    let bad = app.post(&view, &[("kind", ""), ("body", "  "), ("location", "給与")]).await;
    assert_eq!(bad.status, StatusCode::OK);
    bad.assert_contains("error-summary")
        .assert_contains("href=\"#kind\"")
        .assert_contains("id=\"body-error\"")
        .assert_contains(&ja("posting.office_request.err.kind"))
        .assert_contains(&ja("posting.office_request.err.body_required"))
        .assert_contains("value=\"給与\"");
    let long = "あ".repeat(2_001);
    app.post(&view, &[("kind", "change"), ("body", long.as_str())])
        .await
        .assert_contains(&ja("posting.office_request.err.body_too_long"));
    assert_eq!(count(&app, false).await, 1);

    // 確認 → the confirmation with what the system attaches; 戻る keeps the input.
    let fields =
        [("kind", "change"), ("body", "給与を「本学規程による（年俸制）」に直してください。"), ("location", "給与")];
    let asked = app.post(&view, &fields).await;
    asked
        .assert_contains(&ja("posting.office_request.question"))
        .assert_contains("D000000002")
        .assert_contains("修正を依頼する公募")
        .assert_contains("修正希望");
    assert_eq!(count(&app, false).await, 1, "nothing before 「依頼する」");
    let mut back = fields.to_vec();
    back.push(("_step", "back"));
    app.post(&view, &back).await.assert_contains("（年俸制）").assert_contains("value=\"change\" checked");

    let done = app.press_yes(&asked).await;
    let filed = done.location().to_string();
    assert!(filed.starts_with(&format!("/jrec-in/job-postings/{id}/requests/")), "{}", done.body);
    app.get(&filed)
        .await
        .assert_contains(&ja("posting.office_request.done_title"))
        .assert_contains("修正希望")
        .assert_contains("（年俸制）");
    // The confirmation sent twice files one request.
    app.press_yes(&asked).await;
    assert_eq!(count(&app, false).await, 2);
    assert_eq!(audit_count(&app, FILED).await, 2);
    app.get(&view).await.assert_contains(&ja("posting.office_request.state.open")).assert_contains("（年俸制）");

    // Another institution reaches nothing of it.
    let other = other_institution(&app).await;
    assert_eq!(other.get(&view).await.status, StatusCode::NOT_FOUND);
    assert_eq!(other.post(&view, &fields).await.status, StatusCode::NOT_FOUND);
    assert_eq!(other.get(&filed).await.status, StatusCode::NOT_FOUND);
    assert_eq!(count(&app, false).await, 2);

    // The 事務局's 依頼一覧: linked from the console, oldest first, with the age.
    let op = app.browser();
    op.operator_login("jrec-in").await;
    op.get("/jrec-in/operator/").await.assert_contains(&format!("href=\"{REQUESTS}\""));
    let list = op.get(REQUESTS).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let older = list.body.find("金曜日に依頼した公募").expect("Friday's request");
    let newer = list.body.find("修正を依頼する公募").expect("Tuesday's request");
    assert!(older < newer, "oldest first");
    assert!(list.body[older..newer].contains("1営業日") && list.body[older..newer].contains("取り下げ希望"));
    assert!(list.body[newer..].contains("0営業日"));
    list.assert_contains(&format!("href=\"/jrec-in/operator/job-postings/{id}\"")).assert_contains("国立窓口大学");

    // Closed only with a note; a refused note changes nothing and keeps the typed text.
    let rid = request_id(&filed);
    let close = format!("{REQUESTS}/{rid}/close");
    let refused = op.post(&close, &[("note", " "), ("state", "open")]).await;
    assert_eq!(refused.status, StatusCode::OK);
    refused
        .assert_contains(&ja("posting.office_request.err.note_required"))
        .assert_contains(&format!("id=\"note-{rid}-error\""));
    assert_eq!(count(&app, true).await, 2);
    let note = "給与を修正するため差し戻しました。修正して再依頼してください。";
    let closed = op.post(&close, &[("note", note), ("state", "open")]).await;
    assert_eq!(closed.location(), format!("{REQUESTS}?state=open&done=closed"), "{}", closed.body);
    assert_eq!(count(&app, true).await, 1);
    assert_eq!(audit_count(&app, CLOSED).await, 1);
    // A second close (another tab, another operator) changes nothing.
    let again = op.post(&close, &[("note", "二度目の回答"), ("state", "open")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    again.assert_contains(&ja("posting.office_request.err.already_closed"));
    assert_eq!(audit_count(&app, CLOSED).await, 1);

    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.subject == "【JREC-IN Portal】事務局へのご依頼への回答").expect("the answer");
    assert!(
        mail.text.contains(note) && mail.text.contains("D000000002") && mail.text.contains("修正希望"),
        "{}",
        mail.text
    );
    assert!(!mail.text.contains("二度目"));
    op.get(REQUESTS).await.assert_lacks("修正を依頼する公募").assert_contains("金曜日に依頼した公募");
    op.get(&format!("{REQUESTS}?state=closed")).await.assert_contains(note).assert_lacks("金曜日に依頼した公募");
    op.get(&format!("{REQUESTS}?state=all")).await.assert_contains(note).assert_contains("金曜日に依頼した公募");
    // The institution reads the answer on the view.
    app.get(&view).await.assert_contains(&ja("posting.office_request.state.closed")).assert_contains(note);
}

/// Once the posting has left review (the 事務局 returned it), the form is gone and a post from
/// a page left open is refused with words, filing nothing.
#[tokio::test]
async fn no_request_once_the_posting_left_review() {
    let app = setup().await;
    let id = requested(&app, "差し戻される公募").await;
    let view = format!("/jrec-in/job-postings/{id}/requested");
    let asked = app.post(&view, &[("kind", "other"), ("body", "確認をお願いします。")]).await;
    let op = app.browser();
    op.operator_login("jrec-in").await;
    let page = op.get(&format!("/jrec-in/operator/job-postings/{id}")).await;
    let seq = super::review::seq_in(&page.body);
    let returned = op
        .post(&format!("/jrec-in/operator/job-postings/{id}/return"), &[("seq", seq.as_str()), ("reason", "記載不足")])
        .await;
    assert!(returned.location().ends_with("done=returned"), "{}", returned.body);
    assert_eq!(app.get(&view).await.status, StatusCode::NOT_FOUND);
    app.press_yes(&asked).await.assert_contains(&ja("posting.office_request.refused.not_under_review"));
    assert_eq!(count(&app, false).await, 0);
}
