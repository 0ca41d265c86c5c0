//! Two server instances on one database (PostgreSQL with `MADOGUCHI_TEST_DATABASE_URL`), each
//! with its own index (the second finds the default folder in use and takes `search-2`): a
//! posting approved through one is found on the other within 2 s, publication flips at the
//! same second on both, and a withdrawal is gone from both.

use super::config;
use super::public::*;
use crate::testkit::{TestApp, fresh_database};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_on_one_instance_is_found_on_the_other_within_2_seconds() {
    let database = fresh_database().await;
    let a = TestApp::on_database(config(), None, true, database.clone()).await;
    let b = TestApp::on_database(config(), None, true, database).await;
    let org = demo_institution(&a).await;
    let (on_a, on_b) = (a.browser(), b.browser());
    for app in [&a, &b] {
        app.clock.set(jst(2026, 11, 24, 21, 0, 0));
    }
    let id = publish(&a, org, "ja", &posting(&[("title", "二台目でも見える公募")]), date(2026, 11, 24)).await;
    let approved = Instant::now();
    // Scheduled for 22:00: indexed everywhere, visible nowhere yet.
    tokio::time::sleep(Duration::from_millis(700)).await;
    for browser in [&on_a, &on_b] {
        assert_eq!(total(&browser.get("/jrec-in/postings").await), 0);
    }
    for app in [&a, &b] {
        app.clock.set(jst(2026, 11, 24, 22, 0, 0));
    }
    until_total(&on_b, "/jrec-in/postings", 1).await;
    println!("found on the other instance {:?} after the approval", approved.elapsed());
    until_total(&on_a, "/jrec-in/postings", 1).await;
    for app in [&a, &b] {
        app.clock.set(jst(2026, 11, 24, 21, 59, 59));
    }
    for browser in [&on_a, &on_b] {
        assert_eq!(total(&browser.get("/jrec-in/postings").await), 0, "the same second on both");
    }
    // Withdrawn after 22:00 through the second instance: at once, gone from both within 2 s.
    for app in [&a, &b] {
        app.clock.set(jst(2026, 11, 24, 22, 30, 0));
    }
    withdraw(&b, id).await;
    until_total(&on_a, "/jrec-in/postings", 0).await;
    until_total(&on_b, "/jrec-in/postings", 0).await;
}

#[tokio::test]
async fn a_missing_index_is_rebuilt_from_the_database_at_start() {
    let database = fresh_database().await;
    let first = TestApp::on_database(config(), None, true, database.clone()).await;
    let org = demo_institution(&first).await;
    publish(&first, org, "ja", &posting(&[("title", "索引を失っても見つかる公募")]), date(2026, 11, 24)).await;
    let dir = first.state.config.server.search_index_dir();
    drop(first);
    // The folder is lost (a new machine, a wiped disk): the next start builds it from the
    // database before it serves, with no change to replay.
    let _ = std::fs::remove_dir_all(&dir);
    let again = TestApp::on_database(config(), None, true, database).await;
    again.clock.set(jst(2026, 11, 24, 22, 0, 0));
    let page = again.browser().get("/jrec-in/postings").await;
    assert_eq!(total(&page), 1, "found at once after the start");
    page.assert_contains("索引を失っても見つかる公募");
}
