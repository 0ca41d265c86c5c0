//! What the tests share: a layout like a posting search's, documents, and a loader over a
//! small table of the test's own (as a module's table would be) on SQLite and PostgreSQL.
#![allow(dead_code)]

use madoguchi_search::{Doc, Engine, Hits, Key, Layout, Loader, Query, SearchError, Sort, WriterOptions};
use madoguchi_store::{Store, raw_execute, search_changes};
use sqlx::Row;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const PG_ENV: &str = "MADOGUCHI_TEST_DATABASE_URL";
pub const SCOPE: &str = "jrec-in";

pub fn layout() -> Layout {
    Layout { facets: vec!["field".into(), "job".into()], keys: vec!["updated_at".into(), "deadline".into()] }
}

pub fn engine(dir: &Path) -> Engine {
    Engine::open(dir, layout(), WriterOptions::default()).unwrap()
}

pub fn doc(id: &str, text: &str, fields: &[u64], job: u64, updated_at: i64) -> Doc {
    Doc {
        scope: SCOPE.into(),
        id: id.into(),
        texts: vec![text.into()],
        facets: BTreeMap::from([("field".into(), fields.to_vec()), ("job".into(), vec![job])]),
        keys: BTreeMap::from([("updated_at".into(), updated_at), ("deadline".into(), updated_at + 1000)]),
        publish_at: 0,
        unpublish_at: None,
    }
}

pub fn query(all: &str) -> Query {
    Query {
        scope: SCOPE.into(),
        all: vec![all.into()],
        any: vec![],
        none: vec![],
        facets: vec![],
        ranges: vec![],
        sort: Sort { key: "updated_at".into(), descending: true },
        page: 1,
        per_page: 50,
        now: 1_000,
    }
}

pub fn sorted_ids(hits: &Hits) -> Vec<String> {
    let mut ids = hits.ids.clone();
    ids.sort();
    ids
}

/// The databases under test: SQLite always; PostgreSQL too when `MADOGUCHI_TEST_DATABASE_URL`
/// names one (each test in a schema of its own). With `MADOGUCHI_REQUIRE_POSTGRES` set, a
/// missing PostgreSQL fails the test instead of leaving it out.
pub async fn databases() -> Vec<String> {
    let id = uuid::Uuid::new_v4().simple().to_string()[..16].to_string();
    let dir = std::env::temp_dir().join("madoguchi-search-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let mut urls = vec![format!("sqlite://{}", dir.join(format!("{id}.db")).display())];
    match std::env::var(PG_ENV) {
        Ok(base) if base.starts_with("postgres") => {
            let schema = format!("t_{id}");
            let admin = Store::connect(&base).await.unwrap_or_else(|e| panic!("PostgreSQL at {base} ({PG_ENV}): {e}"));
            let mut conn = admin.acquire().await.unwrap();
            raw_execute(&mut conn, &format!("CREATE SCHEMA {schema}")).await.unwrap();
            drop(conn);
            admin.close().await;
            let sep = if base.contains('?') { '&' } else { '?' };
            urls.push(format!("{base}{sep}options=-c%20search_path%3D{schema}"));
        }
        _ if std::env::var("MADOGUCHI_REQUIRE_POSTGRES").is_ok() => {
            panic!("MADOGUCHI_REQUIRE_POSTGRES is set but {PG_ENV} names no PostgreSQL")
        }
        _ => {}
    }
    urls
}

/// A migrated database with the test's posting table.
pub async fn store(url: &str) -> Store {
    let store = Store::connect(url).await.unwrap();
    store.migrate(0).await.unwrap();
    let mut conn = store.acquire().await.unwrap();
    raw_execute(
        &mut conn,
        "CREATE TABLE test_postings (id TEXT PRIMARY KEY, title TEXT NOT NULL, field BIGINT NOT NULL,
         updated_at BIGINT NOT NULL, withdrawn BIGINT NOT NULL)",
    )
    .await
    .unwrap();
    store
}

/// Writes (or rewrites) a posting and its change-log row in one transaction, as a module does.
pub async fn save(store: &Store, id: &str, title: &str, field: i64, withdrawn: bool) {
    let mut tx = store.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO test_postings (id, title, field, updated_at, withdrawn) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET title = $2, field = $3, updated_at = $4, withdrawn = $5",
    )
    .bind(id)
    .bind(title)
    .bind(field)
    .bind(100_i64)
    .bind(i64::from(withdrawn))
    .execute(&mut *tx)
    .await
    .unwrap();
    search_changes::record(&mut tx, SCOPE, id, 100).await.unwrap();
    tx.commit().await.unwrap();
}

pub struct TableLoader {
    pub store: Store,
    pub scans: AtomicUsize,
}

impl TableLoader {
    pub fn new(store: Store) -> Arc<TableLoader> {
        Arc::new(TableLoader { store, scans: AtomicUsize::new(0) })
    }
}

fn posting(r: &sqlx::any::AnyRow) -> Result<Doc, sqlx::Error> {
    let id: String = r.try_get("id")?;
    let title: String = r.try_get("title")?;
    let field: i64 = r.try_get("field")?;
    let updated_at: i64 = r.try_get("updated_at")?;
    Ok(doc(&id, &title, &[field as u64], 1, updated_at))
}

impl Loader for TableLoader {
    async fn load(&self, keys: &[Key]) -> Result<Vec<Option<Doc>>, SearchError> {
        let mut conn = self.store.acquire().await?;
        let mut out = Vec::new();
        for key in keys {
            let row =
                sqlx::query("SELECT id, title, field, updated_at FROM test_postings WHERE id = $1 AND withdrawn = 0")
                    .bind(&key.id)
                    .fetch_optional(&mut *conn)
                    .await?;
            out.push(row.as_ref().map(posting).transpose()?);
        }
        Ok(out)
    }

    async fn scan(&self, after: Option<Key>, limit: usize) -> Result<Vec<Doc>, SearchError> {
        self.scans.fetch_add(1, Ordering::SeqCst);
        let mut conn = self.store.acquire().await?;
        let rows = sqlx::query(
            "SELECT id, title, field, updated_at FROM test_postings WHERE id > $1 AND withdrawn = 0 ORDER BY id LIMIT $2",
        )
        .bind(after.map(|k| k.id).unwrap_or_default())
        .bind(limit as i64)
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows.iter().map(posting).collect::<Result<_, _>>()?)
    }
}
