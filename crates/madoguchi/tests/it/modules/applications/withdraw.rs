//! 「応募を辞退する」 (jrec-in §1.8.4): the applicant withdraws from the application's page
//! through a confirmation; その他(辞退等) on both sides, one mail to the institution without the
//! applicant's data, nothing twice; refused from a final status (a forged post too) and to
//! another seeker (404).

use super::{apply, count, institution, open_postings, seeker, version};
use crate::testkit::TestApp;
use axum::http::StatusCode;

const SUBJECT: &str = "応募が辞退されました";

#[tokio::test]
async fn the_applicant_withdraws_once_and_the_institution_is_told() {
    let app = TestApp::demo().await;
    let posting = open_postings(&app).await.remove(0);
    let applicant = seeker(&app, "withdraw1@seeker.example.jp").await;
    let id = apply(&applicant, posting.id).await;
    let path = format!("/jrec-in/seeker/applications/{id}");
    let page = applicant.get(&path).await;
    page.assert_contains("応募を辞退する").assert_contains(&format!("{path}/withdraw"));

    // Another seeker cannot even ask.
    let other = seeker(&app, "withdraw2@seeker.example.jp").await;
    let forged = other.post(&format!("{path}/withdraw"), &[("version", &version(&page)), ("_step", "confirmed")]).await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);

    let sent = app.mails().await.len();
    let confirm = applicant.post(&format!("{path}/withdraw"), &[("version", &version(&page))]).await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    confirm.assert_contains("次の応募を辞退します。").assert_contains("辞退する");
    assert_eq!(app.mails().await.len(), sent, "the confirmation changes nothing");
    let done = applicant.press_yes(&confirm).await;
    assert_eq!(done.location(), format!("{path}?done=withdrawn"), "{}", done.body);
    applicant
        .get(done.location())
        .await
        .assert_contains("応募を辞退しました。")
        .assert_contains("その他(辞退等)")
        .assert_lacks("応募を辞退する</button>");
    applicant.get("/jrec-in/seeker/applications").await.assert_contains("その他(辞退等)");
    let mails = app.mails().await;
    assert_eq!(mails.len(), sent + 1);
    let mail = mails.iter().rev().find(|m| m.subject.contains(SUBJECT)).expect("the institution's mail");
    assert!(mail.subject.starts_with("【JREC-IN Portal】"), "{}", mail.subject);
    assert!(!mail.text.contains("研究 太郎") && !mail.text.contains("withdraw1@"), "{}", mail.text);
    institution(&app).await.get(&format!("/jrec-in/applications/{id}")).await.assert_contains("その他(辞退等)");

    // The confirmation pressed again: no second change, event or mail.
    let again = applicant.press_yes(&confirm).await;
    assert_eq!(again.location(), format!("{path}?done=withdrawn"));
    assert_eq!(app.mails().await.len(), sent + 1);
    let events = crate::modules::seekers::events(&app).await;
    assert_eq!(events.iter().filter(|e| *e == "application.withdrawn").count(), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM applications WHERE status = 'other'").await, 1);
}

#[tokio::test]
async fn a_final_status_refuses_the_withdrawal_even_a_forged_post() {
    let app = TestApp::demo().await;
    let posting = open_postings(&app).await.remove(0);
    let applicant = seeker(&app, "withdraw3@seeker.example.jp").await;
    let id = apply(&applicant, posting.id).await;
    let institution = institution(&app).await;
    let detail = institution.get(&format!("/jrec-in/applications/{id}")).await;
    let fields = [("status", "rejected_documents"), ("notify", "yes"), ("version", &version(&detail))];
    let done = institution.post_confirmed(&format!("/jrec-in/applications/{id}"), &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    let path = format!("/jrec-in/seeker/applications/{id}");
    let page = applicant.get(&path).await;
    page.assert_contains("不採用(書類)").assert_lacks("応募を辞退する");
    let sent = app.mails().await.len();
    let current = count(&app, "SELECT MAX(version) FROM applications").await.to_string();
    for step in ["", "confirmed"] {
        let forged = applicant.post(&format!("{path}/withdraw"), &[("version", &current), ("_step", step)]).await;
        assert_eq!(forged.status, StatusCode::CONFLICT, "{}", forged.body);
        forged.assert_contains("この応募は辞退できません。");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM applications WHERE status = 'rejected_documents'").await, 1);
    assert_eq!(app.mails().await.len(), sent);
    let events = crate::modules::seekers::events(&app).await;
    assert!(!events.iter().any(|e| e == "application.withdrawn"));
}
