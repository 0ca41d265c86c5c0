//! 掲載一覧 and the 事務局's actions on a posting (jrec-in spec §1.11 item 4): every posting in
//! any state with its filters and pages, the forced 取り下げ (reason required, confirmed,
//! effective at once, mailed, audited, followed by the public search, a stale page 409), and
//! the re-opening of an ended posting with a new 募集終了日.

use super::public::{demo_institution, jst, total, until_total};
use super::review::{approve, audit_count, posting, requested, sign_in};
use super::{new_draft, other_institution, setup};
use axum::http::StatusCode;
use madoguchi_core::Lang;
use madoguchi_core::publication::is_visible;
use madoguchi_job_postings::listing_actions::{REOPENED_BY_OFFICE, WITHDRAWN_BY_OFFICE};
use madoguchi_web::i18n::Tr;

const LISTING: &str = "/jrec-in/operator/job-postings/listing";
const KEYWORD: &str = "/jrec-in/postings?all=%E9%87%8F%E5%AD%90%E8%A8%88%E7%AE%97"; // all=量子計算

fn ja(key: &str) -> String {
    Tr::for_lang(Lang::Ja).get(key).to_string()
}

fn seq_in(body: &str) -> String {
    super::review::seq_in(body)
}

#[tokio::test]
async fn the_office_lists_every_posting_and_withdraws_one_at_once() {
    let app = setup().await;
    demo_institution(&app).await;
    new_draft(&app, &[("title", "下書きの公募")]).await;
    let under_review = requested(&app, "審査中の公募").await;
    let public_id = requested(&app, "量子計算の公募").await;
    let other = other_institution(&app).await;
    requested(&other, "別機関の公募").await;
    let op = app.browser();
    op.operator_login("jrec-in").await;
    approve(&op, public_id, "2026-11-24").await;
    let public = app.browser();
    app.clock.set(jst(2026, 11, 25, 10, 0, 0));
    until_total(&public, KEYWORD, 1).await;
    op.operator_login("jrec-in").await;

    op.get("/jrec-in/operator/").await.assert_contains(&format!("href=\"{LISTING}\""));
    let all = op.get(LISTING).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    all.assert_contains("下書きの公募")
        .assert_contains("審査中の公募")
        .assert_contains("量子計算の公募")
        .assert_contains("別機関の公募")
        .assert_contains(">一時保存<")
        .assert_contains(">登録依頼中<")
        .assert_contains(">公開中<")
        .assert_contains(&format!("href=\"/jrec-in/operator/job-postings/{public_id}/manage\""));
    op.get(&format!("{LISTING}?state=published"))
        .await
        .assert_contains("量子計算の公募")
        .assert_lacks("審査中の公募")
        .assert_lacks("下書きの公募");
    op.get(&format!("{LISTING}?q=%E5%AF%A9%E6%9F%BB%E4%B8%AD")) // q=審査中
        .await
        .assert_contains("審査中の公募")
        .assert_lacks("量子計算の公募");
    op.get(&format!("{LISTING}?q=d000000002")).await.assert_contains("審査中の公募").assert_lacks("下書きの公募");
    // A keyword found only in another field (the 給与 text) is not a 件名 match.
    op.get(&format!("{LISTING}?q=%E6%9C%AC%E5%AD%A6%E8%A6%8F%E7%A8%8B")) // q=本学規程
        .await
        .assert_contains(&ja("posting.listing.empty"));
    let organization: i64 = {
        let mut conn = app.state.store.acquire().await.unwrap();
        sqlx::query_scalar("SELECT organization_id FROM job_postings WHERE id = $1")
            .bind(public_id)
            .fetch_one(&mut *conn)
            .await
            .unwrap()
    };
    op.get(&format!("{LISTING}?organization={organization}")).await.assert_lacks("別機関の公募");
    let long = "x".repeat(101);
    let refused = op.get(&format!("{LISTING}?q={long}")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused.assert_contains("id=\"q-error\"").assert_contains(&format!("value=\"{long}\""));

    // 強制取り下げ: the reason is required; then a confirmation; nothing before 「取り下げ」.
    let manage = format!("/jrec-in/operator/job-postings/{public_id}/manage");
    let page = op.get(&manage).await;
    page.assert_contains("name=\"reason\"").assert_lacks("name=\"end_date\"");
    let seq = seq_in(&page.body);
    let withdraw = format!("/jrec-in/operator/job-postings/{public_id}/withdraw");
    op.post(&withdraw, &[("seq", seq.as_str()), ("reason", " ")])
        .await
        .assert_contains(&ja("review.reason.required"))
        .assert_contains("id=\"reason-error\"");
    let reason = "掲載内容について第三者から指摘があったため。";
    let asked = op.post(&withdraw, &[("seq", seq.as_str()), ("reason", reason)]).await;
    asked.assert_contains(&ja("posting.listing.withdraw_question")).assert_contains(reason);
    assert_eq!(posting(&app, public_id).await.unpublish_at, None);
    let done = op.press_yes(&asked).await;
    assert_eq!(done.location(), format!("{manage}?done=withdrawn"), "{}", done.body);
    let now = jst(2026, 11, 25, 10, 0, 0).timestamp();
    let stored = posting(&app, public_id).await;
    assert_eq!((stored.unpublish_at, stored.withdrawn_at), (Some(now), Some(now)), "at once, not at 22:00");
    assert!(!is_visible(stored.publish_at, stored.unpublish_at, now));
    until_total(&public, KEYWORD, 0).await;
    assert_eq!(total(&public.get(KEYWORD).await), 0);
    assert_eq!(audit_count(&app, WITHDRAWN_BY_OFFICE).await, 1);
    let mails = app.mails().await;
    let mail = mails
        .iter()
        .find(|m| m.subject == "【JREC-IN Portal】事務局による求人公募情報取り下げのお知らせ")
        .expect("the mail");
    assert!(mail.text.contains(reason) && mail.text.contains("D000000003"), "{}", mail.text);
    op.get(&format!("{manage}?done=withdrawn"))
        .await
        .assert_contains(&ja("posting.listing.done.withdrawn"))
        .assert_contains(&ja("posting.listing.no_action"));
    // The confirmation sent again (a stale page): 409, nothing more.
    let stale = op.press_yes(&asked).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(audit_count(&app, WITHDRAWN_BY_OFFICE).await, 1);
    // The institution: 取り下げ済, nothing more to do with it.
    sign_in(&app).await;
    app.get("/jrec-in/job-postings/revise").await.assert_lacks("量子計算の公募");

    // A posting under review (the institution cannot withdraw it): it leaves 審査待ち一覧.
    let page = op.get(&format!("/jrec-in/operator/job-postings/{under_review}/manage")).await;
    let seq = seq_in(&page.body);
    let path = format!("/jrec-in/operator/job-postings/{under_review}/withdraw");
    let done =
        op.post(&path, &[("seq", seq.as_str()), ("reason", "機関からの取り下げ希望"), ("_step", "confirmed")]).await;
    assert!(done.location().ends_with("done=withdrawn"), "{}", done.body);
    op.get("/jrec-in/operator/job-postings/review").await.assert_lacks("審査中の公募");
    op.get(&format!("{LISTING}?state=withdrawn"))
        .await
        .assert_contains("審査中の公募")
        .assert_contains("量子計算の公募");
}

#[tokio::test]
async fn the_office_reopens_a_posting_ended_by_mistake() {
    let app = setup().await;
    demo_institution(&app).await;
    let id = requested(&app, "量子計算の公募").await;
    let op = app.browser();
    op.operator_login("jrec-in").await;
    approve(&op, id, "2026-11-24").await;
    // 募集終了日 2027-01-31 (the complete form's): ended from 2027-02-01 00:00.
    app.clock.set(jst(2027, 2, 2, 10, 0, 0));
    let public = app.browser();
    let running = KEYWORD;
    until_total(&public, running, 0).await;
    op.operator_login("jrec-in").await;
    let listing = op.get(&format!("{LISTING}?state=ended")).await;
    listing.assert_contains("量子計算の公募").assert_contains(">募集終了<");
    let manage = format!("/jrec-in/operator/job-postings/{id}/manage");
    let page = op.get(&manage).await;
    page.assert_contains("name=\"end_date\"");
    let seq = seq_in(&page.body);
    let reopen = format!("/jrec-in/operator/job-postings/{id}/reopen");
    for (typed, key) in [
        ("", "posting.listing.err.end_date_required"),
        ("2027-02-01", "posting.listing.err.end_date_past"),
        ("2028-02-03", "posting.listing.err.end_date_far"),
    ] {
        let refused = op.post(&reopen, &[("seq", seq.as_str()), ("end_date", typed)]).await;
        refused.assert_contains(&ja(key)).assert_contains("id=\"end_date-error\"");
    }
    assert_eq!(posting(&app, id).await.end_date.as_deref(), Some("2027-01-31"));
    let done = op.post(&reopen, &[("seq", seq.as_str()), ("end_date", "2027-03-31")]).await;
    assert_eq!(done.location(), format!("{manage}?done=reopened"), "{}", done.body);
    let stored = posting(&app, id).await;
    assert_eq!(stored.end_date.as_deref(), Some("2027-03-31"));
    assert!(stored.public_snapshot.unwrap().contains("2027-03-31"));
    until_total(&public, running, 1).await;
    op.get(&format!("{LISTING}?state=published")).await.assert_contains("量子計算の公募");
    assert_eq!(audit_count(&app, REOPENED_BY_OFFICE).await, 1);
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.subject == "【JREC-IN Portal】求人公募情報の掲載再開のお知らせ").expect("mail");
    assert!(mail.text.contains("2027-03-31"), "{}", mail.text);
    // The history says what the 事務局 changed; the institution's next 修正 starts from it.
    op.get(&format!("/jrec-in/operator/job-postings/{id}"))
        .await
        .assert_contains("事務局による編集")
        .assert_contains("募集終了日を2027-01-31から2027-03-31に変更");
    sign_in(&app).await;
    app.get(&format!("/jrec-in/job-postings/{id}/edit")).await.assert_contains("value=\"2027-03-31\"");
    // Sent again from the stale page: not ended any more, 409, nothing changed.
    let stale = op.post(&reopen, &[("seq", seq.as_str()), ("end_date", "2027-04-30")]).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(posting(&app, id).await.end_date.as_deref(), Some("2027-03-31"));
}
