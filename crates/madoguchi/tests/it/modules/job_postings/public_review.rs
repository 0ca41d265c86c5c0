//! The console's decisions reach the public search (jrec-in spec §1.11, §1.13, §1.15 checks 8
//! and 14): a posting approved through the 事務局's 審査 screen is found from its 反映 time to
//! the second and not before; withdrawn through the institution's 取り下げ screens it is found
//! until 21:59:59 and gone at 22:00. Nothing here writes the index by hand: `store::set_public`
//! writes the change note in the step's transaction and the follower picks it up.

use super::public::{demo_institution, jst, result_ids, total, until_total};
use super::review::{approve, requested, sign_in};
use super::setup;

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
