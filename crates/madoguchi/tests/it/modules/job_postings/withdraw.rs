//! 取り下げ (jrec-in spec §1.3 rule 8, §1.6 item 5, §1.15 check 14): 取り下げ → the posting →
//! 「取り下げ」 → 「OK」 → 「情報取り下げ完了」; public until 21:59:59 and gone at 22:00 of that
//! day; a scheduled posting cancelled at once; refused while 登録依頼中 with the manual's words;
//! never twice.

use super::review::{approve, audit_count, posting, requested, sign_in};
use super::setup;
use axum::http::StatusCode;
use madoguchi_core::Lang;
use madoguchi_core::publication::is_visible;
use madoguchi_web::i18n::Tr;

fn ja(key: &str) -> String {
    Tr::for_lang(Lang::Ja).get(key).to_string()
}

fn jst(local: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(&format!("{local}+09:00")).unwrap().timestamp()
}

#[tokio::test]
async fn a_published_posting_withdrawn_at_15_00_is_public_until_21_59_59() {
    let app = setup().await;
    let id = requested(&app, "取り下げる公募").await;
    let under_review = requested(&app, "依頼中の公募").await;
    let op = app.browser();
    op.operator_login("jrec-in").await;
    approve(&op, id, "2026-11-24").await;

    app.set_clock("2026-11-25T15:00:00+09:00");
    sign_in(&app).await;
    app.get("/jrec-in/home").await.assert_contains("href=\"/jrec-in/job-postings/withdraw\"");
    let list = app.get("/jrec-in/job-postings/withdraw").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let detail_path = format!("/jrec-in/job-postings/{id}/withdraw");
    list.assert_contains("取り下げる公募")
        .assert_contains(&format!("href=\"{detail_path}\""))
        .assert_lacks("依頼中の公募");
    let detail = app.get(&detail_path).await;
    detail
        .assert_contains("2026年11月25日 22:00")
        .assert_contains("本学規程による")
        .assert_contains(">取り下げ</button>");
    // 「取り下げ」 asks first; nothing happens before 「OK」.
    let asked = app.post(&detail_path, &[]).await;
    asked.assert_contains(&ja("posting.withdraw.question")).assert_contains(">OK</button>");
    assert_eq!(posting(&app, id).await.unpublish_at, None);
    let done = app.press_yes(&asked).await;
    assert_eq!(done.location(), format!("/jrec-in/job-postings/{id}/withdrawn"), "{}", done.body);
    app.get(done.location()).await.assert_contains("情報取り下げ完了").assert_contains("2026年11月25日 22:00");
    let stored = posting(&app, id).await;
    let evening = jst("2026-11-25T22:00:00");
    assert_eq!(stored.unpublish_at, Some(evening));
    assert!(is_visible(stored.publish_at, stored.unpublish_at, evening - 1));
    assert!(!is_visible(stored.publish_at, stored.unpublish_at, evening));
    assert_eq!(audit_count(&app, "posting.withdrawn").await, 1);
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.subject == "【JREC-IN Portal】求人公募情報取り下げのお知らせ").expect("mail");
    assert!(mail.text.contains("2026年11月25日 22:00") && mail.text.contains("D000000001"), "{}", mail.text);
    // Never twice, no revision after it, gone from both lists.
    let twice = app.post(&detail_path, &[("_step", "confirmed")]).await;
    twice.assert_contains(&ja("posting.refused.withdrawn"));
    assert_eq!(audit_count(&app, "posting.withdrawn").await, 1);
    assert_eq!(posting(&app, id).await.unpublish_at, Some(evening));
    app.get("/jrec-in/job-postings/withdraw").await.assert_lacks("取り下げる公募");
    app.get("/jrec-in/job-postings/revise").await.assert_lacks("取り下げる公募");
    app.get(&format!("/jrec-in/job-postings/{id}/edit")).await.assert_contains(&ja("posting.refused.withdrawn"));

    // 登録依頼中: the manual's instruction, nothing withdrawn; no 完了 page for it.
    let path = format!("/jrec-in/job-postings/{under_review}/withdraw");
    app.get(&path).await.assert_contains(&ja("posting.refused.under_request"));
    app.post(&path, &[("_step", "confirmed")]).await.assert_contains(&ja("posting.refused.under_request"));
    assert_eq!(posting(&app, under_review).await.unpublish_at, None);
    let none = app.get(&format!("/jrec-in/job-postings/{under_review}/withdrawn")).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
}

/// A posting approved for a later day and withdrawn before it: cancelled at once, never public.
#[tokio::test]
async fn a_scheduled_posting_withdrawn_is_never_published() {
    let app = setup().await;
    let id = requested(&app, "公開待ちの公募").await;
    let op = app.browser();
    op.operator_login("jrec-in").await;
    approve(&op, id, "2026-11-27").await;
    let list = app.get("/jrec-in/job-postings/withdraw").await;
    list.assert_contains("公開待ちの公募").assert_contains("公開待ち");
    let path = format!("/jrec-in/job-postings/{id}/withdraw");
    app.get(&path).await.assert_contains(&ja("posting.withdraw.cancels"));
    let done = app.post(&path, &[("_step", "confirmed")]).await;
    assert!(done.location().ends_with("/withdrawn"), "{}", done.body);
    let stored = posting(&app, id).await;
    let now = jst("2026-11-24T10:00:00");
    assert_eq!(stored.unpublish_at, Some(now));
    assert!(!is_visible(stored.publish_at, stored.unpublish_at, jst("2026-11-27T00:00:00")));
}
