//! The institution's side: 応募状況確認, 一覧, 詳細, the audited download, status changes with
//! and without 通知, the 求人機関備考 never reaching the applicant, 再提出 only while 再提出待ち,
//! and every new page refused to the others (jrec-in §1.9, §1.15 checks 16, 17, 23).

use super::{apply, count, institution, open_posting, pdf, seeker};
use crate::testkit::{Page, TestApp, organization_user};
use axum::http::{StatusCode, header};

const NOTE: &str = "社内メモ：推薦状の確認が必要";

/// 「確認」 on the detail page with `fields`, then 「変更」 on the confirmation.
async fn change(institution: &TestApp, id: i64, fields: &[(&str, &str)]) -> (Page, Page) {
    let path = format!("/jrec-in/applications/{id}");
    let detail = institution.get(&path).await;
    let version = super::version(&detail);
    let mut all = fields.to_vec();
    all.push(("version", &version));
    let confirm = institution.post(&path, &all).await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    let done = institution.press_yes(&confirm).await;
    (confirm, done)
}

fn status_mails(mails: &[madoguchi_store::outbox::DevMail], to: &str) -> usize {
    mails.iter().filter(|m| m.to == to && m.subject.contains("応募状況が更新されました")).count()
}

#[tokio::test]
async fn the_institution_works_an_application_and_its_note_never_reaches_the_applicant() {
    let app = TestApp::demo().await;
    let posting = open_posting(&app).await;
    let email = "work@seeker.example.jp";
    let seeker = seeker(&app, email).await;
    let id = apply(&seeker, posting.id).await;
    let institution = institution(&app).await;

    // 応募状況確認: 応募者数 1, linking to the list; the menu and 修正・一時保存 link it too.
    institution.get("/jrec-in/home").await.assert_contains("href=\"/jrec-in/applications\"");
    let list_href = format!("/jrec-in/applications/postings/{}", posting.id);
    let overview = institution.get("/jrec-in/applications").await;
    overview.assert_contains(&posting.data_number).assert_contains(&format!("<a href=\"{list_href}\">1</a>"));
    institution.get("/jrec-in/job-postings/revise").await.assert_contains(&format!("href=\"{list_href}\">1<"));
    let list = institution.get(&list_href).await;
    list.assert_contains("研究 太郎")
        .assert_contains("応募書類.pdf")
        .assert_contains(&format!("/jrec-in/applications/{id}\""));
    let filtered = institution.get(&format!("{list_href}?status=accepted")).await;
    filtered.assert_contains("該当する応募はありません。");
    let sorted = institution.get(&format!("{list_href}?sort=name&dir=desc&page=9")).await;
    assert_eq!(sorted.status, StatusCode::OK);
    sorted.assert_contains("aria-sort=\"descending\"").assert_contains("研究 太郎");

    // 詳細 and the document's download, audited.
    let detail = institution.get(&format!("/jrec-in/applications/{id}")).await;
    detail.assert_contains(email).assert_contains("03-1234-5678").assert_contains("よろしくお願いいたします。");
    let file = institution.get(&format!("/jrec-in/applications/{id}/document")).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.bytes.starts_with(b"%PDF-"));
    assert!(file.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(file.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let events = crate::modules::seekers::events(&app).await;
    assert!(events.contains(&"application.document_downloaded".to_string()), "{events:?}");
    assert!(events.contains(&"file.downloaded".to_string()), "{events:?}");

    // A status the table does not allow from 応募中 is refused beside the field.
    let version = super::version(&detail);
    let forged = institution
        .post(&format!("/jrec-in/applications/{id}"), &[("status", "hired"), ("notify", "yes"), ("version", &version)])
        .await;
    forged.assert_contains("この応募状況には変更できません。").assert_contains("href=\"#status\"");
    let missing = institution
        .post(&format!("/jrec-in/applications/{id}"), &[("status", "accepted"), ("note", NOTE), ("version", &version)])
        .await;
    missing.assert_contains("応募状況更新通知を選択してください。").assert_contains(NOTE);

    // 受理済, 通知する, with a note: one status mail, without the note.
    let sent = app.mails().await.len();
    let (confirm, done) = change(
        &institution,
        id,
        &[("status", "accepted"), ("notify", "yes"), ("notice", "面接日程は追ってご連絡します。"), ("note", NOTE)],
    )
    .await;
    confirm.assert_contains("応募中").assert_contains("受理済").assert_contains("応募者に通知する");
    assert_eq!(done.location(), format!("/jrec-in/applications/{id}?done=changed"), "{}", done.body);
    institution.get(done.location()).await.assert_contains("変更完了").assert_contains(NOTE);
    let mails = app.mails().await;
    assert_eq!(mails.len(), sent + 1);
    assert_eq!(status_mails(&mails, email), 1);
    let mail = mails.iter().find(|m| m.to == email && m.subject.contains("応募状況")).unwrap();
    assert!(mail.text.contains("受理済") && mail.text.contains("面接日程は追ってご連絡します。"), "{}", mail.text);
    assert!(!mail.text.contains("推薦状"), "{}", mail.text);
    // The same confirmation again changes nothing and mails nobody.
    let again = institution.press_yes(&confirm).await;
    assert_eq!(again.location(), done.location());
    assert_eq!(app.mails().await.len(), sent + 1);
    let seeker_page = seeker.get(&format!("/jrec-in/seeker/applications/{id}")).await;
    seeker_page.assert_contains("受理済").assert_lacks("推薦状");
    seeker.get("/jrec-in/seeker/applications").await.assert_contains("受理済").assert_lacks("推薦状");

    // 不採用(書類), 通知しない: no mail, and the applicant still sees 受理済.
    change(&institution, id, &[("status", "rejected_documents"), ("notify", "no"), ("note", NOTE)]).await;
    assert_eq!(app.mails().await.len(), sent + 1);
    seeker.get(&format!("/jrec-in/seeker/applications/{id}")).await.assert_contains("受理済").assert_lacks("不採用");
    institution.get(&format!("/jrec-in/applications/{id}")).await.assert_contains("不採用(書類)");
    // Within 7 days the 不採用 may be taken back to 受理済.
    let detail = institution.get(&format!("/jrec-in/applications/{id}")).await;
    detail.assert_contains("value=\"accepted\"");
    let events = crate::modules::seekers::events(&app).await;
    assert_eq!(events.iter().filter(|e| *e == "application.status_changed").count(), 2);
}

#[tokio::test]
async fn only_resubmit_requested_lets_the_applicant_replace_the_document() {
    let app = TestApp::demo().await;
    let posting = open_posting(&app).await;
    let email = "again@seeker.example.jp";
    let seeker = seeker(&app, email).await;
    let id = apply(&seeker, posting.id).await;
    let institution = institution(&app).await;
    let resubmit = format!("/jrec-in/seeker/applications/{id}/resubmit");
    let file = |name: &'static str| (("file", name, "application/pdf"), pdf(3000));

    // 応募中: no replace form, and a forged post is refused without a change.
    seeker.get(&format!("/jrec-in/seeker/applications/{id}")).await.assert_lacks(&resubmit);
    let ((f, n, t), bytes) = file("偽造.pdf");
    let forged = seeker.post_multipart(&resubmit, true, &[], &[(f, n, t, &bytes)]).await;
    assert_eq!(forged.status, StatusCode::CONFLICT);
    forged.assert_contains("再提出待ち");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM files WHERE name = '偽造.pdf'").await, 0);

    // 再提出待ち (通知しない is overridden: the applicant must act) → the applicant's mail.
    change(&institution, id, &[("status", "resubmit_requested"), ("notify", "no")]).await;
    let mails = app.mails().await;
    assert_eq!(mails.iter().filter(|m| m.to == email && m.subject.contains("再提出をお願いします")).count(), 1);
    let page = seeker.get(&format!("/jrec-in/seeker/applications/{id}")).await;
    page.assert_contains("再提出待ち").assert_contains(&resubmit);
    // A wrong file is refused beside the field; the right one replaces the document.
    let not_pdf = b"GIF89a and more".to_vec();
    let wrong = seeker.post_multipart(&resubmit, true, &[], &[("file", "a.pdf", "application/pdf", &not_pdf)]).await;
    wrong.assert_contains("ファイルの形式が正しくありません。").assert_contains("id=\"file-error\"");
    let ((f, n, t), bytes) = file("再提出.pdf");
    let done = seeker.post_multipart(&resubmit, true, &[], &[(f, n, t, &bytes)]).await;
    assert_eq!(done.location(), format!("/jrec-in/seeker/applications/{id}?done=resubmitted"), "{}", done.body);
    let page = seeker.get(done.location()).await;
    page.assert_contains("再提出済").assert_contains("再提出.pdf").assert_lacks(&resubmit);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM files WHERE purpose = 'application'").await, 1);
    let mails = app.mails().await;
    assert!(mails.iter().any(|m| m.subject.contains("応募書類が再提出されました")));
    institution
        .get(&format!("/jrec-in/applications/{id}"))
        .await
        .assert_contains("再提出済")
        .assert_contains("再提出.pdf");
    // Now 再提出済: a second post is refused again.
    let ((f, n, t), bytes) = file("三通目.pdf");
    let again = seeker.post_multipart(&resubmit, true, &[], &[(f, n, t, &bytes)]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM files WHERE name = '三通目.pdf'").await, 0);
}

#[tokio::test]
async fn another_institution_another_seeker_and_the_public_reach_nothing() {
    let app = TestApp::demo().await;
    let posting = open_posting(&app).await;
    let owner = seeker(&app, "owner@seeker.example.jp").await;
    let id = apply(&owner, posting.id).await;

    let user = organization_user(
        &app,
        "jrec-in",
        "他大学",
        "tadaigaku",
        "jinji@tadaigaku.example.jp",
        "他 人事",
        "Other2026x",
    )
    .await;
    let other = app.browser();
    other.sign_in_as("jrec-in", user).await;
    for path in [
        format!("/jrec-in/applications/{id}"),
        format!("/jrec-in/applications/{id}/document"),
        format!("/jrec-in/applications/postings/{}", posting.id),
    ] {
        let page = other.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        page.assert_lacks("owner@seeker.example.jp");
    }
    let forged = other
        .post(
            &format!("/jrec-in/applications/{id}"),
            &[("status", "accepted"), ("notify", "yes"), ("_step", "confirmed")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    other.get("/jrec-in/applications").await.assert_lacks(&posting.data_number);

    let second = seeker(&app, "second@seeker.example.jp").await;
    assert_eq!(second.get(&format!("/jrec-in/seeker/applications/{id}")).await.status, StatusCode::NOT_FOUND);
    let bytes = pdf(2000);
    let resubmit = format!("/jrec-in/seeker/applications/{id}/resubmit");
    let page = second.post_multipart(&resubmit, true, &[], &[("file", "x.pdf", "application/pdf", &bytes)]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    second.get("/jrec-in/seeker/applications").await.assert_contains("Web応募した求人公募はありません。");
    // A seeker's session is no institution's, and the public has neither.
    assert!(owner.get(&format!("/jrec-in/applications/{id}")).await.status.is_redirection());
    let anonymous = app.browser();
    assert!(anonymous.get(&format!("/jrec-in/applications/{id}/document")).await.status.is_redirection());
    assert!(anonymous.get(&format!("/jrec-in/seeker/applications/{id}")).await.status.is_redirection());
    assert_eq!(count(&app, "SELECT COUNT(*) FROM applications WHERE status = 'applied'").await, 1);
}
