//! The 事務局's 「編集」 of a posting under review (jrec-in spec §1.11 item 2, §1.14; modules
//! spec §0.2) and the institution's history of a posting (§1.6 item 6): the operator corrects
//! the request in the posting's own form, under its rules; the posting stays under review; the
//! step is in both histories with what it changed, marked up; the decision's mail lists the
//! changes (contact fields named, never their values); an edit on a stale page is a 409.

use super::review::{approve, audit_count, posting, requested, seq_in};
use super::{complete, other_institution, setup};
use axum::http::StatusCode;

const EDITED: &str = "posting.review.edited_by_operator";

/// The complete form titled `title` with `changes` over it, and the control fields.
fn form<'a>(title: &'a str, changes: &[(&'a str, &'a str)], control: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<(&str, &str)> =
        complete().into_iter().filter(|(k, _)| *k != "title" && !changes.iter().any(|(c, _)| c == k)).collect();
    out.push(("title", title));
    out.extend_from_slice(changes);
    out.extend_from_slice(control);
    out
}

#[tokio::test]
async fn the_office_corrects_a_request_and_the_institution_is_shown_the_diff() {
    let app = setup().await;
    let id = requested(&app, "編集される公募").await;
    let op = app.browser();
    op.operator_login("jrec-in").await;
    let review = format!("/jrec-in/operator/job-postings/{id}");
    let edit = format!("{review}/edit");
    op.get(&review).await.assert_contains(&format!("href=\"{edit}\""));
    let page = op.get(&edit).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains(">本学規程による</textarea>")
        .assert_contains("<label for=\"note\">")
        .assert_contains("<legend>勤務地")
        .assert_contains("name=\"_csrf\"");
    let seq = seq_in(&page.body);

    // The posting's rules: a bad phone is refused next to its field and in the summary, as typed.
    let bad = op
        .post(&edit, &form("編集される公募", &[("contact_phone", "電話番号")], &[("seq", &seq), ("note", "訂正")]))
        .await;
    assert_eq!(bad.status, StatusCode::OK);
    bad.assert_contains("href=\"#contact_phone\"")
        .assert_contains("value=\"電話番号\"")
        .assert_contains(">訂正</textarea>");
    let note_too_long = "長".repeat(2001);
    let long = op.post(&edit, &form("編集される公募", &[], &[("seq", &seq), ("note", &note_too_long)])).await;
    long.assert_contains("href=\"#note\"");
    // Nothing changed: nothing recorded.
    let same = op.post(&edit, &form("編集される公募", &[], &[("seq", &seq)])).await;
    assert_eq!(same.status, StatusCode::OK);
    same.assert_contains("変更された項目がありません。");
    assert_eq!(audit_count(&app, EDITED).await, 0);

    // The correction: 給与 and the contact phone.
    let changes = [("salary", "本学規程による（年俸制）"), ("contact_phone", "03-1234-9999")];
    let saved =
        op.post(&edit, &form("編集される公募", &changes, &[("seq", &seq), ("note", "誤字を訂正しました。")])).await;
    assert_eq!(saved.location(), format!("{review}?done=edited"), "{}", saved.body);
    assert_eq!(audit_count(&app, EDITED).await, 1);
    let after = op.get(saved.location()).await;
    after
        .assert_contains("編集内容を保存しました。")
        .assert_contains("登録依頼中")
        .assert_contains("name=\"reflect_on\"")
        .assert_contains("本学規程による（年俸制）")
        .assert_contains("事務局による編集")
        .assert_contains("<ins>（年俸制）</ins>")
        .assert_contains("誤字を訂正しました。");
    // Still under review, not public, still in the queue.
    assert_eq!(posting(&app, id).await.publish_at, None);
    op.get("/jrec-in/operator/job-postings/review").await.assert_contains("編集される公募");
    // The same page again: refused, nothing recorded twice, the typed values kept.
    let stale =
        op.post(&edit, &form("編集される公募", &[("salary", "別の訂正")], &[("seq", &seq), ("note", "")])).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    stale.assert_contains("他の画面で更新されています").assert_contains(">別の訂正</textarea>");
    assert_eq!(audit_count(&app, EDITED).await, 1);

    // The institution's history: the edit as a diff, by 「事務局」 (no operator's name).
    let history = format!("/jrec-in/job-postings/{id}/history");
    app.get("/jrec-in/job-postings/requested").await.assert_contains(&format!("href=\"{history}\""));
    app.get("/jrec-in/job-postings/register").await.assert_contains(&format!("href=\"{history}\""));
    let page = app.get(&history).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("登録依頼")
        .assert_contains("事務局による編集")
        .assert_contains("<ins>（年俸制）</ins>")
        .assert_contains("誤字を訂正しました。")
        .assert_contains("<td>事務局</td>")
        .assert_lacks("事務局（")
        .assert_contains("href=\"/jrec-in/help/posting-history\"");
    // Another institution: 404.
    let other = other_institution(&app).await;
    assert_eq!(other.get(&history).await.status, StatusCode::NOT_FOUND);

    // 承認: the mail lists the 事務局's changes; the contact field by name only.
    assert!(approve(&op, id, "2026-11-24").await.location().ends_with("?done=approved"));
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.subject == "JREC-IN Portal求人公募情報登録完了のお知らせ").expect("approved");
    assert!(mail.text.contains("依頼された内容を次のとおり修正しました。"), "{}", mail.text);
    assert!(mail.text.contains("■ 給与") && mail.text.contains("本学規程による（年俸制）"), "{}", mail.text);
    assert!(mail.text.contains("■ 問い合わせ先電話番号\n  （連絡先の項目のため"), "{}", mail.text);
    assert!(!mail.text.contains("03-1234-9999") && !mail.text.contains("03-1234-5678"), "{}", mail.text);
    // The public version is the edited one; the history shows the approval with its time.
    let stored = posting(&app, id).await;
    assert!(stored.public_snapshot.as_deref().is_some_and(|s| s.contains("本学規程による（年俸制）")));
    app.get(&history).await.assert_contains("承認").assert_contains("2026年11月24日 22:00 公開");
    // Approved: no more edits; the form's address goes back to the 審査 page.
    assert_eq!(op.get(&edit).await.location(), review);
    let late = op.post(&edit, &form("編集される公募", &[("salary", "遅い訂正")], &[("seq", &seq)])).await;
    assert_eq!(late.location(), review);
    assert_eq!(audit_count(&app, EDITED).await, 1);
}

/// A 修正依頼 edited by the 事務局 and then returned: the return mail lists the changes, the
/// institution's form holds the corrected text. Unknown ids and the institution's own session
/// reach no edit form.
#[tokio::test]
async fn an_edited_revision_returned_carries_the_changes() {
    let app = setup().await;
    let id = requested(&app, "差し戻される公募").await;
    let op = app.browser();
    op.operator_login("jrec-in").await;
    let edit = format!("/jrec-in/operator/job-postings/{id}/edit");
    let seq = seq_in(&op.get(&edit).await.body);
    let saved = op.post(&edit, &form("差し戻される公募", &[("hours", "9:00〜17:45")], &[("seq", &seq)])).await;
    assert!(saved.location().ends_with("?done=edited"), "{}", saved.body);
    let seq = seq_in(&op.get(&format!("/jrec-in/operator/job-postings/{id}")).await.body);
    let back = op
        .post(
            &format!("/jrec-in/operator/job-postings/{id}/return"),
            &[("seq", seq.as_str()), ("reason", "年俸を記載してください。")],
        )
        .await;
    assert!(back.location().ends_with("?done=returned"), "{}", back.body);
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.subject.contains("差戻し")).expect("the return mail");
    assert!(mail.text.contains("■ 勤務時間") && mail.text.contains("9:00〜17:45"), "{}", mail.text);
    app.get(&format!("/jrec-in/job-postings/{id}/edit")).await.assert_contains("9:00〜17:45");
    // The institution's session is not the console's; unknown ids are 404.
    assert_eq!(app.get(&edit).await.location(), "/jrec-in/operator/login");
    assert_eq!(op.get("/jrec-in/operator/job-postings/999999/edit").await.status, StatusCode::NOT_FOUND);
    let post = op.post("/jrec-in/operator/job-postings/999999/edit", &[("seq", "1")]).await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
}
