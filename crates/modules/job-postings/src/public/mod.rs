//! jrec-in's public side (spec §1.5, §1.7, §0.3, §0.5): the search with exact counts, every
//! facet and paging through every result, and each posting's public page — no login. Built on
//! the platform's search engine (`madoguchi-search`): the binary opens it with [`open`] and
//! hands it to the handlers as a [`PublicSearch`] service of the state.
//!
//! - `access`: アクセス数 — the views counted on the public page, アクセス数閲覧 and its CSV.
//! - `index`: the postings as search documents, the follower's loader, [`index::reindex`].
//! - `criteria`: the conditions in the URL ↔ a search query (pure).
//! - `search`: 求人公募情報検索 (`/{portal}/postings`).
//! - `detail`: a posting's public page (`/{portal}/postings/{id}`).
//! - `feeds`: the Atom feed and the JSON API of any search (per-address limit), the sitemap.

pub mod access;
pub mod criteria;
pub mod detail;
pub mod feeds;
pub mod index;
pub mod search;

use madoguchi_search::{Engine, FollowerHandle, Hits, Query, SearchError, WriterOptions};
use madoguchi_store::Store;
use madoguchi_web::route_table::{Routes, get};
use std::path::Path;
use std::sync::Arc;

/// The public search engine of this instance, kept current by its follower.
#[derive(Clone)]
pub struct PublicSearch {
    engine: Arc<Engine>,
}

impl PublicSearch {
    /// Runs a query on a blocking thread (the engine walks every match to count exactly).
    pub async fn search(&self, query: Query) -> Result<Hits, SearchError> {
        let engine = self.engine.clone();
        tokio::task::spawn_blocking(move || engine.search(&query)).await?
    }
}

/// Opens (or makes) the index in `dir`, builds it from the database when it is new, of
/// another layout or ahead of the database, catches up with the change log, and starts the
/// follower. Returns once the index is current, so the first search after start-up is right.
pub async fn open(store: Store, dir: &Path) -> Result<(PublicSearch, FollowerHandle), SearchError> {
    let layout = index::layout();
    let dir_owned = dir.to_path_buf();
    let engine =
        tokio::task::spawn_blocking(move || Engine::open(&dir_owned, layout, WriterOptions::default())).await??;
    let engine = Arc::new(engine);
    let loader = Arc::new(index::PostingLoader { store: store.clone() });
    let follower = madoguchi_search::Follower::start(engine.clone(), store, loader).await?;
    Ok((PublicSearch { engine }, follower.spawn()))
}

/// The public routes (the caller gates them on the module).
pub fn routes(routes: Routes) -> Routes {
    routes
        .route("/{portal}/postings", get(search::page))
        .route("/{portal}/postings.atom", get(feeds::atom))
        .route("/{portal}/postings/{id}", get(detail::page))
        .route("/{portal}/api/v1/postings", get(feeds::api))
        .route("/{portal}/sitemap.xml", get(feeds::sitemap))
}
