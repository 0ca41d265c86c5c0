//! Rate limits under real concurrency, on one instance and on two sharing the database:
//! exactly the limit gets through (`madoguchi_store::limits`). Before, each limit counted and
//! then inserted, and on PostgreSQL simultaneous requests did not see each other.

use crate::testkit::{TestApp, fresh_database};
use axum::http::StatusCode;
use madoguchi_core::Config;
use madoguchi_store::Store;
use madoguchi_store::limits::{self, Limit};
use std::sync::Arc;

/// Two instances of the demo on one fresh database, as two `serve` processes would be.
async fn two_instances() -> (Arc<TestApp>, Arc<TestApp>) {
    let database = fresh_database().await;
    let a = TestApp::on_database(Config::demo().unwrap(), None, true, database.clone()).await;
    let b = TestApp::on_database(Config::demo().unwrap(), None, true, database).await;
    (Arc::new(a), Arc::new(b))
}

async fn outbox_to(app: &TestApp, to: &str, subject: &str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE to_addr = $1 AND subject LIKE $2")
        .bind(to)
        .bind(format!("%{subject}%"))
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// Posts `fields` to `path` `n` times at once, from a new browser (its own address) each, or
/// from one browser (one address) when `one_address`; half through each instance.
async fn at_once(
    apps: (&Arc<TestApp>, &Arc<TestApp>),
    n: usize,
    one_address: bool,
    path: &'static str,
    fields: impl Fn(usize) -> Vec<(&'static str, String)>,
) -> Vec<(StatusCode, String, String)> {
    let first = Arc::new(apps.0.browser());
    first.get("/").await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let app = if i % 2 == 0 { apps.0 } else { apps.1 };
        let browser = if one_address {
            // A tab of the first browser (its address and cookies), on either instance.
            Arc::new(first.tab_on(app))
        } else {
            Arc::new(app.browser())
        };
        let fields = fields(i);
        tasks.spawn(async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let page = browser.post(path, &pairs).await;
            (page.status, page.location().to_string(), page.body)
        });
    }
    let mut pages = Vec::new();
    while let Some(done) = tasks.join_next().await {
        pages.push(done.unwrap());
    }
    pages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_simultaneous_takes_of_one_key_let_exactly_the_limit_through() {
    let url = fresh_database().await;
    let stores = [Store::connect(&url).await.unwrap(), Store::connect(&url).await.unwrap()];
    stores[0].migrate(1).await.unwrap();
    const LIMIT: Limit = Limit::per_hour("test.address", 3);
    let now = 1_800_000_000;
    let take = |store: Store, who: &'static str, at: i64| async move {
        let mut tx = store.begin().await.unwrap();
        let taken = limits::take(&mut tx, "hellowork", &LIMIT, who, at).await.unwrap();
        // Hold the transaction a moment, as a request queuing its mail does.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        tx.commit().await.unwrap();
        taken
    };
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        tasks.spawn(take(stores[i % 2].clone(), "a@example.jp", now));
    }
    let mut taken = 0;
    while let Some(done) = tasks.join_next().await {
        taken += usize::from(done.unwrap());
    }
    assert_eq!(taken, 3, "exactly three of twenty");
    // Another key, another limit, another portal: their own counts.
    assert!(take(stores[0].clone(), "b@example.jp", now).await);
    let mut tx = stores[1].begin().await.unwrap();
    assert!(limits::take(&mut tx, "shaho", &LIMIT, "a@example.jp", now).await.unwrap());
    assert!(limits::take(&mut tx, "hellowork", &Limit::per_hour("other", 3), "a@example.jp", now).await.unwrap());
    tx.commit().await.unwrap();
    // A sliding window: refused while the three uses are within the hour; they leave it
    // together (they were taken in the same second), and three more go in.
    assert!(!take(stores[0].clone(), "a@example.jp", now + 3600).await);
    let mut again = Vec::new();
    for i in 0..4 {
        again.push(take(stores[i % 2].clone(), "a@example.jp", now + 3601).await);
    }
    assert_eq!(again, [true, true, true, false]);
    // The purge forgets only keys whose window has passed: b@, shaho's and `other`.
    let mut conn = stores[0].acquire().await.unwrap();
    assert_eq!(limits::purge(&mut conn, now + 3601).await.unwrap(), 3);
    drop(conn);
    assert!(!take(stores[0].clone(), "a@example.jp", now + 3602).await, "hellowork's a@ still counts");
    for store in stores {
        store.close().await;
    }
}

const HW_ID: &str = "demo@hellowork.example.jp";

/// The probe's case: 20 password-reset requests at once for one address (limit 3 an hour)
/// queued 4–9 mails on PostgreSQL; here they arrive through two instances.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_reset_requests_for_one_address_send_exactly_three_keys() {
    let (a, b) = two_instances().await;
    let pages = at_once((&a, &b), 20, false, "/hellowork/password/forgot", |_| vec![("login_id", HW_ID.into())]).await;
    assert!(pages.iter().all(|(_, location, _)| location == "/hellowork/password/reset"), "the page never tells");
    assert_eq!(outbox_to(&a, HW_ID, "パスワード再登録申込受付通知").await, 3);
}

/// 40 requests at once from one address (limit 20 an hour): exactly 20 are taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_reset_requests_from_one_address_are_limited_to_twenty() {
    let (a, b) = two_instances().await;
    let pages = at_once((&a, &b), 40, true, "/hellowork/password/forgot", |i| {
        vec![("login_id", format!("stranger{i}@example.jp"))]
    })
    .await;
    let went_on = pages.iter().filter(|(_, location, _)| location == "/hellowork/password/reset").count();
    let refused = pages.iter().filter(|(_, _, body)| body.contains("短時間に多くの申込がありました")).count();
    assert_eq!((went_on, refused), (20, 20));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_sign_ups_are_limited_per_address_and_per_ip() {
    let (a, b) = two_instances().await;
    let to = "flood@example.jp";
    let pages = at_once((&a, &b), 20, false, "/shaho/signup", |_| vec![("email", to.into())]).await;
    assert!(pages.iter().all(|(_, location, _)| location == "/shaho/signup/code"), "the page never tells");
    assert_eq!(outbox_to(&a, to, "").await, 5, "five codes an hour");

    let pages = at_once((&a, &b), 40, true, "/shaho/signup", |i| vec![("email", format!("new{i}@example.jp"))]).await;
    let went_on = pages.iter().filter(|(_, location, _)| location == "/shaho/signup/code").count();
    let refused = pages.iter().filter(|(_, _, body)| body.contains("短時間に多くの申込がありました")).count();
    assert_eq!((went_on, refused), (20, 20), "twenty sign-ups an hour from one address");
}

/// mlit-fwms's reissued temporary password: 3 an hour per account, 20 requests at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_reissue_requests_send_exactly_three_temporary_passwords() {
    let (a, b) = two_instances().await;
    let to = "demo@mlit-fwms.example.jp";
    let pages = at_once((&a, &b), 20, false, "/mlit-fwms/recover", |_| {
        // Past the manual's confirmation (「はい」): the request the confirmation page sends.
        vec![
            ("kind", "password".into()),
            ("login_id", "kensetsu01".into()),
            ("email", to.into()),
            ("_step", "confirmed".into()),
        ]
    })
    .await;
    assert!(pages.iter().all(|(status, _, body)| *status == StatusCode::OK && body.contains("受け付けました")));
    assert_eq!(outbox_to(&a, to, "").await, 3);
}
