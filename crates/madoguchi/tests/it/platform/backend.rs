use crate::testkit::{PG_ENV, TestApp, backend_under_test, fresh_database};
use madoguchi_store::{Backend, Store};

/// CI sets the env to run this binary against PostgreSQL: make sure it really did, so a
/// run that silently fell back to SQLite fails instead of passing.
#[tokio::test]
async fn the_backend_is_the_one_asked_for() {
    let app = TestApp::demo().await;
    assert_eq!(app.state.store.backend().name(), backend_under_test());
    if std::env::var("MADOGUCHI_REQUIRE_POSTGRES").is_ok() {
        assert_eq!(app.state.store.backend(), Backend::Postgres, "{PG_ENV} must name PostgreSQL");
    }
}

#[tokio::test]
async fn migrate_twice_is_a_no_op() {
    let url = fresh_database().await;
    let store = Store::connect(&url).await.unwrap();
    let first = store.migrate(1).await.unwrap();
    let all: Vec<&str> = madoguchi_store::MIGRATIONS.iter().map(|m| m.name).collect();
    assert_eq!(first.applied_now, all);
    let second = store.migrate(2).await.unwrap();
    assert!(second.applied_now.is_empty());
    assert!(store.migrations_current().await.unwrap());
}

#[tokio::test]
async fn readyz_says_ready_on_a_migrated_database() {
    let app = TestApp::demo().await;
    let page = app.get("/readyz").await;
    assert_eq!(page.status, 200);
    assert_eq!(app.get("/healthz").await.body, "ok");
}
