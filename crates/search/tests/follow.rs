//! The follower on a real database (SQLite, and PostgreSQL when `MADOGUCHI_TEST_DATABASE_URL`
//! names one): two instances on one database see each other's changes within 2 s, a restart
//! catches up without a rebuild, a sequence number that commits late is still applied.

mod common;

use common::*;
use madoguchi_search::{Follower, Query};
use madoguchi_store::{Store, search_changes};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Waits until `test` holds for the engine's answer to `q`, at most 2 s (the freshness goal).
async fn within_2s(engine: &madoguchi_search::Engine, q: &Query, test: impl Fn(u64) -> bool) -> Duration {
    let started = Instant::now();
    loop {
        if test(engine.search(q).unwrap().total) {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(2), "not seen within 2 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_database_see_a_change_within_2_seconds() {
    for url in databases().await {
        let store = store(&url).await;
        save(&store, "a", "既存の公募", 1, false).await;
        let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let mut followers = Vec::new();
        for dir in [&dir_a, &dir_b] {
            let engine = Arc::new(engine(dir.path()));
            // Each instance has its own connection pool, as two `serve` processes do.
            let own = Store::connect(&url).await.unwrap();
            let follower = Follower::start(engine.clone(), own.clone(), TableLoader::new(own)).await.unwrap();
            assert_eq!(engine.search(&query("既存")).unwrap().total, 1, "built from the table at start ({url})");
            followers.push((engine, follower.spawn()));
        }
        // Approved on "instance A": the posting and its log row in one transaction.
        save(&store, "b", "新着の研究員公募", 1, false).await;
        for (engine, _) in &followers {
            let took = within_2s(engine, &query("研究員"), |n| n == 1).await;
            println!("{url}: searchable after {took:?}");
        }
        // Withdrawn: gone everywhere.
        save(&store, "b", "新着の研究員公募", 1, true).await;
        for (engine, _) in &followers {
            within_2s(engine, &query("研究員"), |n| n == 0).await;
        }
        for (_, handle) in followers {
            handle.stop().await.unwrap();
        }
    }
}

#[tokio::test]
async fn a_restart_with_a_stale_index_catches_up_without_a_rebuild() {
    for url in databases().await {
        let store = store(&url).await;
        save(&store, "a", "公募 その一", 1, false).await;
        let dir = tempfile::tempdir().unwrap();
        let loader = TableLoader::new(store.clone());
        {
            let engine = Arc::new(engine(dir.path()));
            Follower::start(engine, store.clone(), loader.clone()).await.unwrap();
        }
        assert_eq!(loader.scans.load(Ordering::SeqCst), 2, "the first start scans the table ({url})");
        // Changes while the instance is down.
        save(&store, "b", "公募 その二", 1, false).await;
        save(&store, "a", "公募 その一", 1, true).await;
        let engine = Arc::new(engine(dir.path()));
        assert_eq!(engine.search(&query("公募")).unwrap().total, 1, "stale before the follower runs");
        Follower::start(engine.clone(), store.clone(), loader.clone()).await.unwrap();
        let hits = engine.search(&query("公募")).unwrap();
        assert_eq!(sorted_ids(&hits), vec!["b"], "caught up at start ({url})");
        assert_eq!(loader.scans.load(Ordering::SeqCst), 2, "from the log, not a new scan");
        let written = search_changes::last_seq(&mut store.acquire().await.unwrap()).await.unwrap();
        assert_eq!(engine.checkpoint().unwrap().map(|c| c.last_seq), Some(written));
    }
}

/// A row whose number was taken before the last one seen but committed after it (PostgreSQL
/// sequences do this; simulated here with explicit numbers, which both backends accept).
#[tokio::test]
async fn a_late_sequence_number_is_still_applied() {
    for url in databases().await {
        let store = store(&url).await;
        let dir = tempfile::tempdir().unwrap();
        let engine = Arc::new(engine(dir.path()));
        let mut follower =
            Follower::start(engine.clone(), store.clone(), TableLoader::new(store.clone())).await.unwrap();
        let insert = |seq: i64, id: &'static str, title: &'static str| {
            let store = store.clone();
            async move {
                let mut tx = store.begin().await.unwrap();
                sqlx::query(
                    "INSERT INTO test_postings (id, title, field, updated_at, withdrawn) VALUES ($1, $2, 1, 100, 0)",
                )
                .bind(id)
                .bind(title)
                .execute(&mut *tx)
                .await
                .unwrap();
                sqlx::query("INSERT INTO search_changes (seq, scope, doc_id, changed_at) VALUES ($1, $2, $3, 100)")
                    .bind(seq)
                    .bind(SCOPE)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        };
        insert(2, "second", "後から番号").await;
        follower.poll().await.unwrap();
        assert_eq!(engine.checkpoint().unwrap().unwrap().gaps, vec![1], "1 is awaited ({url})");
        insert(1, "first", "先に番号").await;
        follower.poll().await.unwrap();
        assert_eq!(sorted_ids(&engine.search(&query("番号")).unwrap()), vec!["first", "second"]);
        assert_eq!(engine.checkpoint().unwrap().unwrap().gaps, Vec::<i64>::new());
        if url.starts_with("postgres") {
            // The real thing: a transaction takes its number, another takes the next and
            // commits first. (The explicit numbers above left the sequence behind.)
            let mut conn = store.acquire().await.unwrap();
            madoguchi_store::raw_execute(
                &mut conn,
                "SELECT setval(pg_get_serial_sequence('search_changes', 'seq'), (SELECT MAX(seq) FROM search_changes))",
            )
            .await
            .unwrap();
            drop(conn);
            let mut slow = store.begin().await.unwrap();
            let taken = search_changes::record(&mut slow, SCOPE, "slow", 100).await.unwrap();
            save(&store, "fast", "速い番号", 1, false).await;
            follower.poll().await.unwrap();
            assert_eq!(engine.checkpoint().unwrap().unwrap().gaps, vec![taken]);
            sqlx::query("INSERT INTO test_postings (id, title, field, updated_at, withdrawn) VALUES ('slow', '遅い番号', 1, 100, 0)")
                .execute(&mut *slow)
                .await
                .unwrap();
            slow.commit().await.unwrap();
            follower.poll().await.unwrap();
            assert_eq!(sorted_ids(&engine.search(&query("い番号")).unwrap()), vec!["fast", "slow"]);
        }
    }
}
