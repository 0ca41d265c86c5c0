//! The retention of applications (jrec-in §1.13, docs/APPLICATIONS.md "Retention"): ONE
//! notice to the institution 30 days before 募集終了日 + 365 days (not the second before, not
//! twice); on the day (not the second before) the documents' bytes and the applicant data go,
//! the rows stay, drafts go whole, one audit event; both sides' pages say
//! 「保存期間経過のため削除されました」, the old download address answers 410 with a page that
//! says so, the ZIP lists the purged rows without a file, and 再提出待ち is no longer offered.

use super::{apply, institution, open_postings, seeker, upload, version};
use crate::modules::seekers;
use crate::testkit::TestApp;
use axum::http::StatusCode;
use madoguchi_applications::retention::{self, Outcome};
use madoguchi_core::rules::DAY;

const SUBJECT: &str = "【JREC-IN Portal】応募書類の保存期間が終了します";
const PURGED: &str = "保存期間経過のため削除されました";

async fn run(app: &TestApp) -> Outcome {
    retention::run(&app.state).await.unwrap()
}

fn set_clock(app: &TestApp, unix: i64) {
    app.set_clock(&chrono::DateTime::from_timestamp(unix, 0).unwrap().to_rfc3339());
}

async fn scalar_text(app: &TestApp, sql: &'static str, id: i64) -> String {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar(sql).bind(id).fetch_one(&mut *conn).await.unwrap()
}

async fn scalar_int(app: &TestApp, sql: &'static str, id: i64) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar(sql).bind(id).fetch_one(&mut *conn).await.unwrap()
}

/// The length of the bytes stored for the application's document.
async fn document_bytes(app: &TestApp, id: i64) -> usize {
    let mut conn = app.state.store.acquire().await.unwrap();
    let content: Vec<u8> =
        sqlx::query_scalar("SELECT f.content FROM files f JOIN applications a ON a.file_id = f.id WHERE a.id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    content.len()
}

#[tokio::test]
async fn the_documents_go_at_the_end_of_the_retention_period_after_one_notice() {
    let app = TestApp::demo().await;
    let posting = open_postings(&app).await.into_iter().find(|p| p.ends_at.is_some()).expect("an open posting");
    let first_seeker = seeker(&app, "keep1@seeker.example.jp").await;
    let first = apply(&first_seeker, posting.id).await;
    let second = apply(&seeker(&app, "keep2@seeker.example.jp").await, posting.id).await;
    // A draft never confirmed: it goes on the purge day, with its document.
    let drafter = seeker(&app, "keep3@seeker.example.jp").await;
    upload(&drafter, posting.id, "下書き.pdf", &super::pdf(2048)).await;
    let drafts = "SELECT COUNT(*) FROM applications WHERE status = 'draft' AND posting_id = $1";
    assert_eq!(scalar_int(&app, drafts, posting.id).await, 1);
    let asked_seeker = seeker(&app, "keep4@seeker.example.jp").await;
    let asked = apply(&asked_seeker, posting.id).await;
    let institution = institution(&app).await;
    let asked_path = format!("/jrec-in/applications/{asked}");
    let page = institution.get(&asked_path).await;
    let v = version(&page);
    let fields = [("status", "resubmit_requested"), ("notify", "no"), ("version", v.as_str())];
    let confirm = institution.post(&asked_path, &fields).await;
    let changed = institution.press_yes(&confirm).await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    let detail = format!("/jrec-in/applications/{second}");
    institution.get(&detail).await.assert_contains("value=\"resubmit_requested\"");

    let purge = retention::purge_at(posting.ends_at.unwrap(), 365);
    let notice = purge - 30 * DAY;
    let purge_date = madoguchi_web::format::local(purge)[..10].to_string();

    // The notice: not the second before 00:00 JST of its day, then once.
    set_clock(&app, notice - 1);
    assert_eq!(run(&app).await, Outcome::default());
    set_clock(&app, notice);
    // Two instances at once: one notice between them.
    let (one, two) = tokio::join!(run(&app), run(&app));
    assert_eq!(one.noticed + two.noticed, 1, "{one:?} {two:?}");
    assert_eq!(run(&app).await, Outcome::default(), "a second run: nothing");
    let mails: Vec<_> = app.mails().await.into_iter().filter(|m| m.subject == SUBJECT).collect();
    assert_eq!(mails.len(), 1, "one mail to the institution");
    let text = &mails[0].text;
    for expected in [
        posting.data_number.as_str(),
        &posting.title,
        &purge_date,
        "応募件数：3件",
        "ZIP",
        &format!("/jrec-in/applications/postings/{}", posting.id),
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    assert!(!text.contains("研究 太郎") && !text.contains("keep1@") && !text.contains("ケンキュウ"), "{text}");

    // The purge: not the second before the day, then once.
    set_clock(&app, purge - 1);
    assert_eq!(run(&app).await, Outcome::default());
    assert_eq!(document_bytes(&app, first).await, 4096);
    set_clock(&app, purge);
    let (one, two) = tokio::join!(run(&app), run(&app));
    assert_eq!((one.purged + two.purged, one.noticed + two.noticed), (1, 0), "{one:?} {two:?}");
    assert_eq!(run(&app).await, Outcome::default(), "a second run: nothing");
    assert_eq!(app.mails().await.iter().filter(|m| m.subject == SUBJECT).count(), 1, "no second notice");
    for id in [first, second] {
        assert_eq!(document_bytes(&app, id).await, 0, "the bytes are gone");
        let snapshot =
            "SELECT name || furigana || email || phone || affiliation || message FROM applications WHERE id = $1";
        assert_eq!(scalar_text(&app, snapshot, id).await, "", "the applicant data is blank");
        let kept = "SELECT receipt_id || ' ' || status FROM applications WHERE id = $1";
        assert!(scalar_text(&app, kept, id).await.ends_with(" applied"), "the row stays");
        assert_eq!(scalar_int(&app, "SELECT purged_at FROM applications WHERE id = $1", id).await, purge);
    }
    assert_eq!(scalar_int(&app, drafts, posting.id).await, 0, "the draft is gone");
    let events = crate::modules::seekers::events(&app).await;
    assert_eq!(events.iter().filter(|e| *e == "application.retention_noticed").count(), 1);
    assert_eq!(events.iter().filter(|e| *e == "application.documents_purged").count(), 1);

    // The institution's pages (signed in again: a year has passed).
    let institution = super::institution(&app).await;
    let list = format!("/jrec-in/applications/postings/{}", posting.id);
    let page = institution.get(&list).await;
    page.assert_contains(PURGED);
    assert!(!page.body.contains("研究 太郎") && !page.body.contains("/document\""), "{}", page.body);
    let page = institution.get(&detail).await;
    page.assert_contains(PURGED).assert_contains("保存期間が過ぎたため");
    assert!(!page.body.contains("ケンキュウ") && !page.body.contains("keep2@"), "{}", page.body);
    assert!(!page.body.contains("value=\"resubmit_requested\""), "no 再提出待ち once purged");
    // The result can still be told: at the account's address, the application's copy being gone.
    let v = version(&page);
    let fields = [("status", "rejected_documents"), ("notify", "yes"), ("version", v.as_str())];
    let confirm = institution.post(&detail, &fields).await;
    let changed = institution.press_yes(&confirm).await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    let told: Vec<_> =
        app.mails().await.into_iter().filter(|m| m.subject.contains("応募状況が更新されました")).collect();
    assert_eq!(told.iter().map(|m| m.to.as_str()).collect::<Vec<_>>(), ["keep2@seeker.example.jp"]);
    assert!(told[0].text.contains("研究 太郎 様"), "{}", told[0].text);
    let gone = institution.get(&format!("/jrec-in/applications/{first}/document")).await;
    assert_eq!(gone.status, StatusCode::GONE);
    gone.assert_contains("この応募書類は、保存期間経過のため削除されました。");
    let (a, b) = (first.to_string(), second.to_string());
    let zip = institution.post(&format!("{list}/bulk"), &[("ids", &a), ("ids", &b), ("_action", "download")]).await;
    assert_eq!(zip.status, StatusCode::OK, "{}", zip.body);
    let read = super::bulk::python_reads(&zip.bytes);
    let entries = read["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "only the index: {entries:?}");
    let rows = read["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
    for row in &rows[1..] {
        assert_eq!(row[5], PURGED, "{row:?}");
        assert_eq!(row[1], "", "{row:?}");
    }

    // The seeker's pages: the history keeps title and status, the application says why.
    for (browser, email) in [(&first_seeker, "keep1@seeker.example.jp"), (&asked_seeker, "keep4@seeker.example.jp")] {
        let home = seekers::login(browser, email, seekers::PASSWORD).await;
        assert_eq!(home.location(), "/jrec-in/seeker/home");
    }
    let history = first_seeker.get("/jrec-in/seeker/applications").await;
    history.assert_contains(&posting.data_number).assert_contains("応募中");
    let mine = first_seeker.get(&format!("/jrec-in/seeker/applications/{first}")).await;
    mine.assert_contains(PURGED).assert_contains(&posting.data_number);
    assert!(!mine.body.contains("ケンキュウ") && !mine.body.contains("応募書類.pdf"), "{}", mine.body);
    // 再提出待ち before the purge: no form after it, and a post is refused.
    let path = format!("/jrec-in/seeker/applications/{asked}");
    let page = asked_seeker.get(&path).await;
    page.assert_contains(PURGED);
    assert!(!page.body.contains("resubmit-heading"), "{}", page.body);
    let bytes = super::pdf(1024);
    let files = [("file", "再提出.pdf", "application/pdf", bytes.as_slice())];
    let refused = asked_seeker.post_multipart(&format!("{path}/resubmit"), true, &[], &files).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    refused.assert_contains("保存期間経過のため応募書類が削除された応募には、再提出できません。");
    assert_eq!(document_bytes(&app, asked).await, 0, "nothing stored");
}
