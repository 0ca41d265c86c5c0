//! The seeker's side: apply with one document, the refusals, the closing day, the double
//! confirmation (jrec-in §1.8.3, §1.15 check 15).

use super::{count, open_posting, pdf, seeker, upload, version};
use crate::testkit::TestApp;
use axum::http::StatusCode;

#[tokio::test]
async fn a_seeker_applies_with_one_pdf_once_and_both_sides_get_one_mail() {
    let app = TestApp::demo().await;
    let posting = open_posting(&app).await;
    let seeker = seeker(&app, "oubo@seeker.example.jp").await;
    // The public page offers 「Web応募する」, which leads to the form.
    let public = seeker.get(&format!("/jrec-in/postings/{}", posting.id)).await;
    public.assert_contains("Web応募する").assert_contains(&format!("/jrec-in/seeker/apply/{}", posting.id));
    let form = seeker.get(&format!("/jrec-in/seeker/apply/{}", posting.id)).await;
    assert_eq!(form.status, StatusCode::OK);
    form.assert_contains("oubo@seeker.example.jp").assert_contains("enctype=\"multipart/form-data\"");
    form.assert_contains("<label for=\"file\">");

    // 11 MB: refused with the size rule, beside the field, what was typed kept, nothing stored.
    let big = upload(&seeker, posting.id, "大きな書類.pdf", &pdf(11 * 1024 * 1024)).await;
    assert_eq!(big.status, StatusCode::OK);
    big.assert_contains("ファイルが大きすぎます。10.0 MB以下のファイルを選択してください。");
    big.assert_contains("id=\"file-error\"").assert_contains("value=\"ケンキュウ タロウ\"");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM applications").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM files WHERE purpose = 'application'").await, 0);

    // 1 MB → the confirmation with the notes → 「応募する」.
    let uploaded = upload(&seeker, posting.id, "応募書類.pdf", &pdf(1024 * 1024)).await;
    assert_eq!(uploaded.location(), format!("/jrec-in/seeker/apply/{}/confirm", posting.id), "{}", uploaded.body);
    let confirm = seeker.get(uploaded.location()).await;
    confirm.assert_contains("応募書類.pdf").assert_contains("ケンキュウ タロウ").assert_contains("03-1234-5678");
    confirm.assert_contains("再提出待ち").assert_contains("1つのファイル");
    let fields = [("version", version(&confirm))];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let action = format!("/jrec-in/seeker/apply/{}/confirm", posting.id);
    let filed = seeker.post(&action, &fields).await;
    let done = seeker.get(filed.location()).await;
    done.assert_contains("Web応募を受け付けました").assert_contains("応募中");
    let mut conn = app.state.store.acquire().await.unwrap();
    let receipt: String =
        sqlx::query_scalar("SELECT receipt_id FROM applications").fetch_one(&mut *conn).await.unwrap();
    drop(conn);
    assert!(madoguchi_applications::receipt::is_receipt_id(&receipt), "{receipt}");
    done.assert_contains(&receipt);

    // One mail to each side; the institution's names no applicant data.
    let mails = app.mails().await;
    let to_seeker: Vec<_> = mails.iter().filter(|m| m.subject.contains("Web応募を受け付けました")).collect();
    assert_eq!(to_seeker.len(), 1);
    assert_eq!(to_seeker[0].to, "oubo@seeker.example.jp");
    assert!(to_seeker[0].subject.contains(&receipt), "{}", to_seeker[0].subject);
    let to_institution: Vec<_> = mails.iter().filter(|m| m.subject.contains("Web応募がありました")).collect();
    assert!(!to_institution.is_empty());
    for m in &to_institution {
        assert!(m.subject.contains(&posting.data_number), "{}", m.subject);
        assert!(!m.text.contains("oubo@seeker.example.jp") && !m.text.contains("研究 太郎"), "{}", m.text);
        assert!(m.text.contains(&receipt));
    }
    let sent = mails.len();

    // The same confirmation pressed again files nothing twice and mails nobody.
    let again = seeker.post(&action, &fields).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM applications").await, 1);
    assert_eq!(app.mails().await.len(), sent);
    // One application per posting: the form now says so.
    let form = seeker.get(&format!("/jrec-in/seeker/apply/{}", posting.id)).await;
    assert_eq!(form.status, StatusCode::CONFLICT);
    form.assert_contains("すでに応募しています");
    let forged = upload(&seeker, posting.id, "二通目.pdf", &pdf(2048)).await;
    assert_eq!(forged.status, StatusCode::CONFLICT);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM files WHERE purpose = 'application'").await, 1);

    // 応募履歴 lists it with its status; the menu links it.
    let history = seeker.get("/jrec-in/seeker/applications").await;
    history.assert_contains(&receipt).assert_contains("応募中").assert_contains(&posting.data_number);
    seeker.get("/jrec-in/seeker/home").await.assert_contains("href=\"/jrec-in/seeker/applications\"");
    let events = crate::modules::seekers::events(&app).await;
    assert_eq!(events.iter().filter(|e| *e == "application.filed").count(), 1);
}

#[tokio::test]
async fn a_pdf_that_is_an_image_a_missing_phone_and_a_name_with_separators() {
    let app = TestApp::demo().await;
    let posting = open_posting(&app).await;
    let seeker = seeker(&app, "bad@seeker.example.jp").await;
    let path = format!("/jrec-in/seeker/apply/{}", posting.id);
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.resize(2048, 0);
    let fields = [("furigana", "ケンキュウ"), ("phone", ""), ("affiliation", "窓口大学"), ("message", "")];
    let page = seeker.post_multipart(&path, true, &fields, &[("file", "写真.pdf", "application/pdf", &png)]).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("ファイルの形式が正しくありません。PDF、ZIPのファイルを選択してください。");
    page.assert_contains("電話番号を入力してください。").assert_contains("href=\"#phone\"");
    page.assert_contains("value=\"窓口大学\"").assert_contains("aria-describedby=\"phone-error\"");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM applications").await, 0);

    // A path and control characters in the name: the last part, cleaned.
    let name = "..\\C:\\Users\\me/../応募\t書類\u{202E}.pdf";
    let ok = upload(&seeker, posting.id, name, &pdf(2048)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let mut conn = app.state.store.acquire().await.unwrap();
    let stored: String =
        sqlx::query_scalar("SELECT name FROM files WHERE purpose = 'application'").fetch_one(&mut *conn).await.unwrap();
    assert_eq!(stored, "応募書類.pdf");

    // Back to the form before confirming: the draft's values and file are kept, a new
    // file replaces the old one (no orphan left).
    let form = seeker.get(&path).await;
    form.assert_contains("value=\"03-1234-5678\"").assert_contains("応募書類.pdf");
    let kept = seeker.post_multipart(&path, true, &super::FIELDS, &[]).await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER, "{}", kept.body);
    let replaced = upload(&seeker, posting.id, "差替.pdf", &pdf(4096)).await;
    assert_eq!(replaced.status, StatusCode::SEE_OTHER);
    let names: Vec<String> =
        sqlx::query_scalar("SELECT name FROM files WHERE purpose = 'application'").fetch_all(&mut *conn).await.unwrap();
    assert_eq!(names, vec!["差替.pdf".to_string()]);
}

#[tokio::test]
async fn nothing_is_filed_after_the_closing_day() {
    let app = TestApp::demo().await;
    let posting = open_posting(&app).await;
    let end = posting.ends_at.expect("the demo posting has a 募集終了日");
    let seeker = seeker(&app, "late@seeker.example.jp").await;
    // A minute before the end (a new login: the session would have expired on the way).
    app.clock.set(chrono::DateTime::from_timestamp(end - 60, 0).unwrap());
    let login =
        crate::modules::seekers::login(&seeker, "late@seeker.example.jp", crate::modules::seekers::PASSWORD).await;
    assert_eq!(login.location(), "/jrec-in/seeker/home");
    let uploaded = upload(&seeker, posting.id, "応募書類.pdf", &pdf(2048)).await;
    let confirm = seeker.get(uploaded.location()).await;
    let v = version(&confirm);
    let action = format!("/jrec-in/seeker/apply/{}/confirm", posting.id);

    // 23:59:59 JST of the 募集終了日 still takes it …
    app.clock.set(chrono::DateTime::from_timestamp(end - 1, 0).unwrap());
    let page = seeker.get(&format!("/jrec-in/seeker/apply/{}", posting.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    // … the next second does not: the form, the upload and the confirmation refuse.
    app.clock.set(chrono::DateTime::from_timestamp(end, 0).unwrap());
    let page = seeker.get(&format!("/jrec-in/seeker/apply/{}", posting.id)).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    page.assert_contains("現在Web応募を受け付けていません");
    let late = upload(&seeker, posting.id, "応募書類.pdf", &pdf(2048)).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    let filed = seeker.post(&action, &[("version", &v)]).await;
    assert_eq!(filed.status, StatusCode::CONFLICT);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM applications WHERE status <> 'draft'").await, 0);
    // The public page no longer offers it.
    seeker.get(&format!("/jrec-in/postings/{}", posting.id)).await.assert_lacks("Web応募する");
}

#[tokio::test]
async fn the_apply_pages_need_a_seeker_and_an_unknown_posting_is_404() {
    let app = TestApp::demo().await;
    let posting = open_posting(&app).await;
    let anonymous = app.browser();
    let page = anonymous.get(&format!("/jrec-in/seeker/apply/{}", posting.id)).await;
    assert!(page.status.is_redirection(), "{}", page.status);
    let seeker = seeker(&app, "nobody@seeker.example.jp").await;
    assert_eq!(seeker.get("/jrec-in/seeker/apply/999999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(seeker.get("/jrec-in/seeker/apply/x").await.status, StatusCode::NOT_FOUND);
    // A posting without Web応募 is refused, and its public page does not offer it.
    let mut conn = app.state.store.acquire().await.unwrap();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM job_postings WHERE public_snapshot IS NOT NULL ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let directory = app.state.service::<madoguchi_web::applying::Directory>().unwrap();
    let now = app.state.clock.unix();
    let mut without = None;
    for id in ids {
        let p = directory.posting(&mut conn, "jrec-in", id, now).await.unwrap().unwrap();
        if p.public && !p.web_apply {
            without = Some(p.id);
            break;
        }
    }
    drop(conn);
    let without = without.expect("a demo posting without Web応募");
    assert_eq!(seeker.get(&format!("/jrec-in/seeker/apply/{without}")).await.status, StatusCode::CONFLICT);
    seeker.get(&format!("/jrec-in/postings/{without}")).await.assert_lacks("Web応募する");
}
