//! The console's decisions reach the public search (jrec-in spec §1.11, §1.13, §1.15 checks 8
//! and 14): a posting approved through the 事務局's 審査 screen is found from its 反映 time to
//! the second and not before; withdrawn through the institution's 取り下げ screens it is found
//! until 21:59:59 and gone at 22:00; an approved revision is found by its new text from its
//! 反映 time to the second, by its old text until then. Nothing here writes the index by hand:
//! `store::set_public` writes the change note in the step's transaction and the follower picks
//! it up.

use super::public::{demo_institution, jst, result_ids, total, until_total};
use super::review::{approve, requested, sign_in};
use super::{complete, setup, version_in};

const KEYWORD: &str = "/jrec-in/postings?all=%E9%87%8F%E5%AD%90%E8%A8%88%E7%AE%97"; // all=量子計算

#[tokio::test]
async fn an_approval_and_a_withdrawal_in_the_screens_reach_the_public_search_at_their_times() {
    let app = setup().await;
    demo_institution(&app).await;
    let id = requested(&app, "量子計算の准教授公募").await;
    let public = app.browser();
    assert_eq!(total(&public.get(KEYWORD).await), 0, "a requested posting is not found");

    // 承認 at 10:00 with 反映日 = today: public from 22:00:00.
    let op = app.browser();
    op.operator_login("jrec-in").await;
    let approved = approve(&op, id, "2026-11-24").await;
    assert!(approved.location().ends_with("done=approved"), "{}", approved.body);
    app.clock.set(jst(2026, 11, 24, 22, 0, 0));
    until_total(&public, KEYWORD, 1).await;
    app.clock.set(jst(2026, 11, 24, 21, 59, 59));
    assert_eq!(total(&public.get(KEYWORD).await), 0, "not before the 反映 time");
    app.clock.set(jst(2026, 11, 24, 22, 0, 0));
    let found = public.get(KEYWORD).await;
    assert_eq!(result_ids(&found), vec![id]);
    found.assert_contains("量子計算の准教授公募");

    // 取り下げ the next day at 15:00: found until 21:59:59, gone from 22:00:00.
    app.clock.set(jst(2026, 11, 25, 15, 0, 0));
    sign_in(&app).await;
    let done = app.post(&format!("/jrec-in/job-postings/{id}/withdraw"), &[("_step", "confirmed")]).await;
    assert!(done.location().ends_with("/withdrawn"), "{}", done.body);
    app.clock.set(jst(2026, 11, 25, 22, 0, 0));
    until_total(&public, KEYWORD, 0).await;
    app.clock.set(jst(2026, 11, 25, 21, 59, 59));
    assert_eq!(result_ids(&public.get(KEYWORD).await), vec![id], "public until 21:59:59");
}

const OLD: &str = "/jrec-in/postings?all=%E6%97%A7%E9%A1%8C"; // all=旧題
const NEW: &str = "/jrec-in/postings?all=%E6%96%B0%E9%A1%8C"; // all=新題

#[tokio::test]
async fn a_revision_approved_for_a_later_day_is_found_by_its_new_text_from_that_days_midnight() {
    let app = setup().await;
    demo_institution(&app).await;
    let id = requested(&app, "旧題の公募").await;
    let op = app.browser();
    op.operator_login("jrec-in").await;
    assert!(approve(&op, id, "2026-11-24").await.location().ends_with("done=approved"));
    let public = app.browser();
    app.clock.set(jst(2026, 11, 24, 22, 0, 0));
    until_total(&public, OLD, 1).await;

    // 修正 on the 25th: 一時保存, 確認, 修正依頼; the 事務局 approves it for the 27th.
    app.clock.set(jst(2026, 11, 25, 10, 0, 0));
    sign_in(&app).await;
    let edit = format!("/jrec-in/job-postings/{id}/edit");
    let mut posted: Vec<(&str, &str)> = complete().into_iter().filter(|(k, _)| *k != "title").collect();
    posted.extend([("title", "新題の公募"), ("version", "0"), ("action", "save")]);
    assert!(app.post(&edit, &posted).await.location().ends_with("/saved"));
    let version = version_in(&app.get(&edit).await);
    posted.retain(|(k, _)| !matches!(*k, "version" | "action"));
    posted.extend([("version", version.as_str()), ("action", "confirm")]);
    let confirmed = app.post(&edit, &posted).await;
    let version = version_in(&app.get(confirmed.location()).await);
    let requested = app.post(confirmed.location(), &[("version", version.as_str())]).await;
    assert_eq!(requested.location(), "/jrec-in/job-postings/revise", "{}", requested.body);
    op.operator_login("jrec-in").await;
    let approved = approve(&op, id, "2026-11-27").await;
    assert!(approved.location().ends_with("done=approved"), "{}", approved.body);

    // The new text from 00:00:00 of the 27th, the old one until 23:59:59 of the 26th; one hit
    // either way, the same posting.
    app.clock.set(jst(2026, 11, 27, 0, 0, 0));
    let found = until_total(&public, NEW, 1).await;
    assert_eq!(result_ids(&found), vec![id]);
    found.assert_contains("新題の公募").assert_lacks("旧題の公募");
    assert_eq!(total(&public.get(OLD).await), 0, "the old text is gone from that second");
    public.get(&format!("/jrec-in/postings/{id}")).await.assert_contains("新題の公募");
    app.clock.set(jst(2026, 11, 26, 23, 59, 59));
    assert_eq!(total(&public.get(NEW).await), 0, "not before the 反映 time");
    let before = public.get(OLD).await;
    assert_eq!(result_ids(&before), vec![id]);
    before.assert_contains("旧題の公募");
    public.get(&format!("/jrec-in/postings/{id}")).await.assert_contains("旧題の公募").assert_lacks("新題の公募");
    assert_eq!(total(&public.get("/jrec-in/postings").await), 1, "never twice");
}
