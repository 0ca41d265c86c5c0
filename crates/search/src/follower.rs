//! Keeps one instance's index current from the database's change log (`search_changes`).
//!
//! Every [`POLL`] the follower reads the rows past the last sequence number it applied,
//! re-reads those documents through the caller's [`Loader`] (None: gone), writes them and
//! commits with the new [`Checkpoint`] as the commit's payload, so the index and the record
//! of how far it got can never disagree after a crash. Every instance runs its own: a change
//! written through the log is searchable on each within one poll plus a commit.
//!
//! **Gaps.** On PostgreSQL a sequence number is taken when the row is inserted but the row is
//! seen when its transaction commits, so 41 can be seen before 40 (40's transaction still
//! running) — and a rolled-back transaction's number never appears at all. A number passed
//! over is kept as an open gap for [`GAP_HOLD`]: each poll reads from the lowest open gap, so
//! a late 40 is applied when it shows, and after the hold it is taken for rolled back. A
//! business transaction that writes the log and then stays open longer than the hold would
//! be missed until the document's next change or a rebuild: the log is written by short
//! transactions only (the caller's rule). On SQLite writers are serialized
//! (`BEGIN IMMEDIATE`) and the numbers commit in order; the same code runs.

use crate::{Checkpoint, Doc, Engine, SearchError};
use madoguchi_store::{Store, search_changes};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often each instance reads the change log (the spec's 2-second freshness with room
/// for the load and the commit).
pub const POLL: Duration = Duration::from_millis(250);
/// How long a sequence number passed over may still turn up (see the module's text).
pub const GAP_HOLD: Duration = Duration::from_secs(10);
/// Log rows read per query.
const BATCH: i64 = 2_000;
/// Documents per loader scan in a full build.
const SCAN_PAGE: usize = 2_000;
/// A full build notes the missing numbers among the last this many as gaps: a transaction
/// that took one may commit during the build, after its document was scanned.
const BUILD_LOOKBACK: i64 = 1_000;
/// A jump this long is not tracked number by number (a PostgreSQL sequence skips ahead after
/// a crash); documents of such numbers are caught by their next change or a rebuild.
const GAP_LIMIT: i64 = 10_000;

/// A document's identity in the log and the index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub scope: String,
    pub id: String,
}

/// The caller's view of its documents (a module's postings, say): the follower asks it for
/// the current state of what the log names, and for everything when it builds anew.
pub trait Loader: Send + Sync + 'static {
    /// The documents of `keys`, one answer per key in the same order: None where the document
    /// no longer exists or may never again be found by a public search (withdrawn, deleted).
    /// A document merely scheduled or ended is still returned: its times decide.
    fn load(&self, keys: &[Key]) -> impl Future<Output = Result<Vec<Option<Doc>>, SearchError>> + Send;

    /// Every searchable document in key order, at most `limit` after `after` (None: from the
    /// start). An empty answer ends the scan.
    fn scan(&self, after: Option<Key>, limit: usize) -> impl Future<Output = Result<Vec<Doc>, SearchError>> + Send;
}

pub struct Follower<L: Loader> {
    engine: Arc<Engine>,
    store: Store,
    loader: Arc<L>,
    last_seq: i64,
    /// Open gaps and when each was first noticed.
    gaps: BTreeMap<i64, Instant>,
}

impl<L: Loader> Follower<L> {
    /// Builds the index anew when it has no checkpoint (new, or of another layout) or one
    /// ahead of the log (the database was replaced), then catches up with the log.
    pub async fn start(engine: Arc<Engine>, store: Store, loader: Arc<L>) -> Result<Follower<L>, SearchError> {
        let mut follower = Follower { engine, store, loader, last_seq: 0, gaps: BTreeMap::new() };
        let written = {
            let mut conn = follower.store.acquire().await?;
            search_changes::last_seq(&mut conn).await?
        };
        match follower.engine.checkpoint()? {
            Some(checkpoint) if checkpoint.last_seq <= written => {
                let now = Instant::now();
                follower.last_seq = checkpoint.last_seq;
                follower.gaps = checkpoint.gaps.into_iter().map(|g| (g, now)).collect();
                follower.poll().await?;
            }
            _ => {
                follower.rebuild().await?;
                follower.poll().await?;
            }
        }
        Ok(follower)
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// Replaces the index's content with a full scan of the loader. Returns the documents
    /// written. Searches see the old content until the final commit.
    pub async fn rebuild(&mut self) -> Result<u64, SearchError> {
        let (written, recent) = {
            let mut conn = self.store.acquire().await?;
            let written = search_changes::last_seq(&mut conn).await?;
            let from = (written - BUILD_LOOKBACK).max(0);
            (written, search_changes::after(&mut conn, from, BUILD_LOOKBACK).await?)
        };
        let now = Instant::now();
        let present: BTreeSet<i64> = recent.iter().map(|c| c.seq).collect();
        self.last_seq = written;
        self.gaps = ((written - BUILD_LOOKBACK).max(0) + 1..=written)
            .filter(|s| !present.contains(s))
            .map(|s| (s, now))
            .collect();
        let engine = self.engine.clone();
        tokio::task::spawn_blocking(move || engine.clear()).await??;
        let mut after = None;
        let mut count = 0u64;
        loop {
            let docs = self.loader.scan(after.clone(), SCAN_PAGE).await?;
            let Some(last) = docs.last() else { break };
            after = Some(Key { scope: last.scope.clone(), id: last.id.clone() });
            count += docs.len() as u64;
            let engine = self.engine.clone();
            tokio::task::spawn_blocking(move || docs.iter().try_for_each(|d| engine.insert(d))).await??;
        }
        let engine = self.engine.clone();
        let checkpoint = self.checkpoint();
        tokio::task::spawn_blocking(move || engine.commit(&checkpoint)).await??;
        tracing::info!(documents = count, last_seq = written, "search index built");
        Ok(count)
    }

    fn checkpoint(&self) -> Checkpoint {
        Checkpoint { last_seq: self.last_seq, gaps: self.gaps.keys().copied().collect() }
    }

    /// Applies every log row not yet applied, a batch at a time (a commit each). Returns the
    /// rows read.
    pub async fn poll(&mut self) -> Result<usize, SearchError> {
        let now = Instant::now();
        self.gaps.retain(|_, noticed| now.duration_since(*noticed) < GAP_HOLD);
        let mut cursor = self.gaps.keys().next().map(|g| g - 1).unwrap_or(self.last_seq).min(self.last_seq);
        let mut read = 0;
        loop {
            let rows = {
                let mut conn = self.store.acquire().await?;
                search_changes::after(&mut conn, cursor, BATCH).await?
            };
            read += rows.len();
            let Some(last) = rows.last() else { break };
            cursor = last.seq;
            // A failed re-read or write leaves the checkpoint where it was: the next poll
            // reads these rows again.
            let before = (self.last_seq, self.gaps.clone());
            let keys = self.take(&rows, now);
            if let Err(e) = self.apply(keys).await {
                (self.last_seq, self.gaps) = before;
                return Err(e);
            }
            if rows.len() < BATCH as usize {
                break;
            }
        }
        Ok(read)
    }

    /// Moves the checkpoint over `rows` (oldest first) and returns the documents to re-read.
    fn take(&mut self, rows: &[search_changes::Change], now: Instant) -> Vec<Key> {
        let mut keys = BTreeSet::new();
        for row in rows {
            if row.seq > self.last_seq {
                if row.seq - self.last_seq <= GAP_LIMIT {
                    for missing in self.last_seq + 1..row.seq {
                        self.gaps.insert(missing, now);
                    }
                } else {
                    tracing::warn!(
                        from = self.last_seq,
                        to = row.seq,
                        "search change log jumped: the numbers between are not awaited"
                    );
                }
                self.last_seq = row.seq;
            } else if self.gaps.remove(&row.seq).is_none() {
                // Applied already (read again only because it lies past the lowest gap).
                continue;
            }
            keys.insert(Key { scope: row.scope.clone(), id: row.doc_id.clone() });
        }
        keys.into_iter().collect()
    }

    /// Re-reads `keys` and commits them with the current checkpoint.
    async fn apply(&mut self, keys: Vec<Key>) -> Result<(), SearchError> {
        if keys.is_empty() {
            return Ok(());
        }
        let docs = self.loader.load(&keys).await?;
        if docs.len() != keys.len() {
            return Err(SearchError::Load(format!("asked for {} documents, got {} answers", keys.len(), docs.len())));
        }
        let engine = self.engine.clone();
        let checkpoint = self.checkpoint();
        tokio::task::spawn_blocking(move || {
            for (key, doc) in keys.iter().zip(docs) {
                match doc {
                    Some(doc) if doc.scope == key.scope && doc.id == key.id => engine.upsert(&doc)?,
                    Some(doc) => {
                        return Err(SearchError::Load(format!(
                            "asked for {}/{}, got {}/{}",
                            key.scope, key.id, doc.scope, doc.id
                        )));
                    }
                    None => engine.delete(&key.scope, &key.id)?,
                }
            }
            engine.commit(&checkpoint)
        })
        .await?
    }

    /// Polls every [`POLL`] until the handle is stopped; a failed poll is logged and retried
    /// at the next tick (the database may be restarting).
    pub fn spawn(mut self) -> FollowerHandle {
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(POLL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.changed() => return,
                }
                if let Err(e) = self.poll().await {
                    tracing::warn!(error = %e, "search follower: poll failed, retrying");
                }
            }
        });
        FollowerHandle { stop, task }
    }
}

/// A running follower; [`FollowerHandle::stop`] ends it after the poll under way.
pub struct FollowerHandle {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl FollowerHandle {
    pub async fn stop(self) -> Result<(), SearchError> {
        let _ = self.stop.send(true);
        self.task.await?;
        Ok(())
    }
}
