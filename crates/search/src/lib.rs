//! The public search engine (spec modules §0.3, §0.5): a per-instance tantivy index of the
//! documents a portal publishes, Japanese keywords without a dictionary (1- and 2-grams of
//! NFKC-folded text), keyword AND / OR / NOT, facets with exact counts, exact totals, paging
//! through every result, sorts by a key, and visibility `publish_at ≤ now < unpublish_at`
//! decided by each query's `now`. The index is kept current from the database by a
//! [`Follower`] reading the change log `search_changes` (migration 0019). Why and how:
//! docs/ARCHITECTURE.md "Search".
//!
//! The model is generic: a module maps its records to [`Doc`]s (through its [`Loader`]) and its
//! form to a [`Query`]; nothing here knows a posting.

mod collect;
mod engine;
mod follower;
mod query;
pub mod text;

use std::collections::BTreeMap;

pub use engine::{Engine, WriterOptions};
pub use follower::{Follower, FollowerHandle, GAP_HOLD, Key, Loader, POLL};
pub use query::{Hits, KeyRange, Query, Sort};

/// What an index holds besides text: the names of the facets (filters with counts) and of the
/// sort keys. Part of the index's schema: an index of another layout is rebuilt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub facets: Vec<String>,
    pub keys: Vec<String>,
}

impl Layout {
    fn check(&self) -> Result<(), SearchError> {
        if self.facets.len() >= 1 << (64 - engine::FACET_SHIFT) {
            return Err(SearchError::Invalid("too many facets".into()));
        }
        for (what, names) in [("facet", &self.facets), ("sort key", &self.keys)] {
            for (i, name) in names.iter().enumerate() {
                if name.is_empty() || name.contains(',') || names[..i].contains(name) {
                    return Err(SearchError::Invalid(format!("{what} name {name:?} is empty, has a comma or repeats")));
                }
            }
        }
        Ok(())
    }

    pub(crate) fn facet_place(&self, name: &str) -> Option<u64> {
        self.facets.iter().position(|f| f == name).map(|p| p as u64)
    }
}

/// One searchable document: a posting, say. `scope` keeps portals' documents apart in one
/// index (a query searches one scope); `id` is unique within the scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub scope: String,
    pub id: String,
    /// Every text a keyword may match (title, institution, body, …), as stored: they are
    /// folded here. A keyword matches in any of them; no text is weighted over another, since
    /// results are ordered by a key, not by relevance.
    pub texts: Vec<String>,
    /// Facet name → its codes (several for a multi-valued facet such as 研究分野). A code is
    /// below 2^48; string codes such as `00189` are the caller's to number.
    pub facets: BTreeMap<String, Vec<u64>>,
    /// Every sort key of the layout (Unix seconds, or any order-preserving number such as a
    /// name's collation rank).
    pub keys: BTreeMap<String, i64>,
    /// Visible from this second …
    pub publish_at: i64,
    /// … until just before this one (None: no end).
    pub unpublish_at: Option<i64>,
}

/// How far an index has applied the change log: every row up to `last_seq` except the
/// `gaps`, numbers passed over that may still commit (PostgreSQL, see follower.rs). Kept in
/// the index's commit payload, so it moves with the documents it describes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checkpoint {
    pub last_seq: i64,
    pub gaps: Vec<i64>,
}

impl Checkpoint {
    const PREFIX: &'static str = "madoguchi-search v1";

    fn payload(&self) -> String {
        let gaps: Vec<String> = self.gaps.iter().map(i64::to_string).collect();
        format!("{} last={} gaps={}", Self::PREFIX, self.last_seq, gaps.join(","))
    }

    fn parse(payload: &str) -> Option<Checkpoint> {
        let rest = payload.strip_prefix(Self::PREFIX)?.trim();
        let (last, gaps) = rest.split_once(' ')?;
        let last_seq = last.strip_prefix("last=")?.parse().ok()?;
        let gaps = gaps.strip_prefix("gaps=")?;
        let gaps = if gaps.is_empty() {
            Vec::new()
        } else {
            gaps.split(',').map(|g| g.parse().ok()).collect::<Option<Vec<i64>>>()?
        };
        Some(Checkpoint { last_seq, gaps })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index folder {0}: {1}")]
    Io(String, std::io::Error),
    #[error("search change log: {0}")]
    Database(#[from] sqlx::Error),
    #[error("search loader: {0}")]
    Load(String),
    #[error("search: {0}")]
    Invalid(String),
    #[error("search index: a document without its stored id")]
    Stored,
    /// Another writer (another instance, or another engine of this process) holds the
    /// folder: each instance needs a folder of its own.
    #[error("search index folder {0} is in use by another instance")]
    Busy(String),
    #[error("search index writer: a thread panicked while holding it")]
    Poisoned,
    #[error("search: a background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl SearchError {
    fn unknown(what: &str, name: &str) -> SearchError {
        SearchError::Invalid(format!("unknown {what} {name:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_survives_the_payload() {
        for checkpoint in [Checkpoint { last_seq: 0, gaps: vec![] }, Checkpoint { last_seq: 812, gaps: vec![800, 809] }]
        {
            assert_eq!(Checkpoint::parse(&checkpoint.payload()), Some(checkpoint));
        }
        assert_eq!(Checkpoint::parse("first commit"), None);
    }
}
