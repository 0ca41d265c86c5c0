//! 「削除」 of a posting that never was public (jrec-in spec §1.3 rule 11): a draft or a
//! returned posting, after the platform's confirmation page (no JavaScript); its drafts and
//! review history go with it; `posting.deleted` in the audit log. Refused while 登録依頼中 and
//! for a posting ever approved, even by a forged POST; another institution gets 404.

use super::review::{approve, audit_count, posting, requested, seq_in};
use super::{new_draft, other_institution, setup};
use axum::http::StatusCode;

async fn review_items(app: &crate::testkit::TestApp, id: i64) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM review_items WHERE kind = 'job_posting' AND item_id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_draft_or_a_returned_posting_is_deleted_after_the_confirmation() {
    let app = setup().await;
    let draft = new_draft(&app, &[("title", "消す下書き")]).await;
    let delete = format!("/jrec-in/job-postings/{draft}/delete");
    let list = app.get("/jrec-in/job-postings/register").await;
    list.assert_contains(&format!("href=\"{delete}\""));
    // The confirmation names the posting; a POST without the confirmation asks again.
    let ask = app.get(&delete).await;
    assert_eq!(ask.status, StatusCode::OK, "{}", ask.body);
    ask.assert_contains("この求人公募情報を削除しますか？")
        .assert_contains("D000000001")
        .assert_contains("消す下書き")
        .assert_contains("name=\"_step\" value=\"confirmed\"")
        .assert_contains("href=\"/jrec-in/job-postings/register\"");
    let unconfirmed = app.post(&delete, &[]).await;
    assert_eq!(unconfirmed.status, StatusCode::OK);
    unconfirmed.assert_contains("この求人公募情報を削除しますか？");
    assert_eq!(audit_count(&app, "posting.deleted").await, 0);
    app.get("/jrec-in/job-postings/register").await.assert_contains("消す下書き");
    // Confirmed: gone, with the notice and the audit event.
    let done = app.post(&delete, &[("_step", "confirmed")]).await;
    assert_eq!(done.location(), "/jrec-in/job-postings/register?deleted=D000000001", "{}", done.body);
    app.get(done.location()).await.assert_contains("D000000001 を削除しました。").assert_lacks("消す下書き");
    assert_eq!(audit_count(&app, "posting.deleted").await, 1);
    assert_eq!(app.get(&format!("/jrec-in/job-postings/{draft}/edit")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&delete).await.status, StatusCode::NOT_FOUND);
    // The notice echoes only a データ番号's shape.
    app.get("/jrec-in/job-postings/register?deleted=%3Cb%3E").await.assert_lacks("を削除しました").assert_lacks("<b>");

    // Returned by the 事務局: deleted with its review history.
    let returned = requested(&app, "差し戻されて消す公募").await;
    let op = app.browser();
    op.operator_login("jrec-in").await;
    let seq = seq_in(&op.get(&format!("/jrec-in/operator/job-postings/{returned}")).await.body);
    let back = op
        .post(
            &format!("/jrec-in/operator/job-postings/{returned}/return"),
            &[("seq", seq.as_str()), ("reason", "不要")],
        )
        .await;
    assert!(back.location().ends_with("?done=returned"), "{}", back.body);
    assert_eq!(review_items(&app, returned).await, 1);
    let done = app.post(&format!("/jrec-in/job-postings/{returned}/delete"), &[("_step", "confirmed")]).await;
    assert!(done.location().starts_with("/jrec-in/job-postings/register?deleted=D"), "{}", done.body);
    assert_eq!(review_items(&app, returned).await, 0);
    assert_eq!(op.get(&format!("/jrec-in/operator/job-postings/{returned}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(audit_count(&app, "posting.deleted").await, 2);
}

#[tokio::test]
async fn a_posting_under_review_or_ever_approved_is_never_deleted() {
    let app = setup().await;
    let under_review = requested(&app, "審査中の公募").await;
    let path = format!("/jrec-in/job-postings/{under_review}/delete");
    let refused = app.get(&path).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    refused.assert_contains("JREC-IN Portal事務局までご連絡ください。");
    app.get("/jrec-in/job-postings/register").await.assert_lacks(&format!("href=\"{path}\""));
    let forged = app.post(&path, &[("_step", "confirmed")]).await;
    assert_eq!(forged.status, StatusCode::CONFLICT);
    // Approved (public from 22:00): a forged confirmed POST deletes nothing.
    let op = app.browser();
    op.operator_login("jrec-in").await;
    assert!(approve(&op, under_review, "2026-11-24").await.location().ends_with("?done=approved"));
    let forged = app.post(&path, &[("_step", "confirmed")]).await;
    assert_eq!(forged.status, StatusCode::CONFLICT, "{}", forged.body);
    forged.assert_contains("一度登録（承認）された求人公募情報は削除できません。");
    assert!(posting(&app, under_review).await.public_snapshot.is_some());
    assert_eq!(audit_count(&app, "posting.deleted").await, 0);
    // Another institution's draft: 404, and it stays.
    let draft = new_draft(&app, &[("title", "他機関に消させない下書き")]).await;
    let other = other_institution(&app).await;
    let theirs = format!("/jrec-in/job-postings/{draft}/delete");
    assert_eq!(other.get(&theirs).await.status, StatusCode::NOT_FOUND);
    assert_eq!(other.post(&theirs, &[("_step", "confirmed")]).await.status, StatusCode::NOT_FOUND);
    app.get("/jrec-in/job-postings/register").await.assert_contains("他機関に消させない下書き");
}
