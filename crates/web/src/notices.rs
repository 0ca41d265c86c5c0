//! The announcements (連絡事項) every portal top and home page shows, kept in memory for a
//! few seconds: they change a few times a month, and reading them on each page view was a
//! third of the home page's cost (docs/BENCHMARKS.md). The cache holds what has not ended
//! and each request filters it by its own time, so announcements start and end on the
//! second, the test clock included. The console's edits clear the portal's entry at once on
//! this instance; other instances see them within [`TTL`].

use madoguchi_store::content::{self, Announcement};
use madoguchi_store::{DbError, Store};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long another instance's edit may take to show.
pub const TTL: Duration = Duration::from_secs(10);

#[derive(Default)]
pub struct NoticeCache {
    portals: Mutex<HashMap<String, Entry>>,
}

#[derive(Default)]
struct Entry {
    /// Bumped by every edit, so that a read that began before it does not store old rows.
    generation: u64,
    cached: Option<Cached>,
}

struct Cached {
    fetched: Instant,
    /// The clock's time of the read: rows ended before it are not held.
    as_of: i64,
    unended: Arc<Vec<Announcement>>,
}

impl NoticeCache {
    /// The portal's announcements shown at `now`, newest start first.
    pub async fn current(&self, store: &Store, portal: &str, now: i64) -> Result<Vec<Announcement>, DbError> {
        let generation = match self.lookup(portal, now) {
            Ok(hit) => return Ok(shown(&hit, now)),
            Err(generation) => generation,
        };
        let unended = {
            let mut conn = store.acquire().await?;
            Arc::new(content::unended_announcements(&mut conn, portal, now).await?)
        };
        if let Ok(mut portals) = self.portals.lock() {
            let entry = portals.entry(portal.to_string()).or_default();
            if entry.generation == generation {
                entry.cached = Some(Cached { fetched: Instant::now(), as_of: now, unended: unended.clone() });
            }
        }
        Ok(shown(&unended, now))
    }

    /// The cached rows when fresh and read no later than `now` (a test clock set back needs
    /// rows that had ended); otherwise the generation to store a new read under.
    fn lookup(&self, portal: &str, now: i64) -> Result<Arc<Vec<Announcement>>, u64> {
        let Ok(portals) = self.portals.lock() else { return Err(u64::MAX) };
        let Some(entry) = portals.get(portal) else { return Err(0) };
        match &entry.cached {
            Some(c) if c.fetched.elapsed() < TTL && c.as_of <= now => Ok(c.unended.clone()),
            _ => Err(entry.generation),
        }
    }

    /// An announcement of `portal` was added, changed or deleted.
    pub fn forget(&self, portal: &str) {
        if let Ok(mut portals) = self.portals.lock() {
            let entry = portals.entry(portal.to_string()).or_default();
            entry.generation += 1;
            entry.cached = None;
        }
    }
}

fn shown(unended: &[Announcement], now: i64) -> Vec<Announcement> {
    unended.iter().filter(|a| a.starts_at <= now && a.ends_at.is_none_or(|end| end > now)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(id: i64, starts_at: i64, ends_at: Option<i64>) -> Announcement {
        Announcement {
            id,
            title_ja: String::new(),
            title_en: String::new(),
            body_ja: String::new(),
            body_en: String::new(),
            starts_at,
            ends_at,
        }
    }

    #[test]
    fn each_request_filters_by_its_own_time() {
        let rows = [at(1, 100, Some(200)), at(2, 150, None)];
        let ids = |now| shown(&rows, now).iter().map(|a| a.id).collect::<Vec<_>>();
        assert_eq!(ids(99), Vec::<i64>::new());
        assert_eq!(ids(100), [1]);
        assert_eq!(ids(150), [1, 2]);
        assert_eq!(ids(200), [2], "ends on the second");
    }

    #[test]
    fn an_edit_clears_and_fences_the_entry() {
        let cache = NoticeCache::default();
        assert_eq!(cache.lookup("rokin", 10).err(), Some(0));
        cache.forget("rokin");
        // A read that began before the edit carries generation 0: it is not stored.
        assert_eq!(cache.lookup("rokin", 10).err(), Some(1));
        if let Ok(mut portals) = cache.portals.lock() {
            let entry = portals.entry("rokin".into()).or_default();
            entry.cached = Some(Cached { fetched: Instant::now(), as_of: 10, unended: Arc::new(vec![at(1, 0, None)]) });
        }
        assert!(cache.lookup("rokin", 10).is_ok());
        assert!(cache.lookup("rokin", 9).is_err(), "a clock set back reads again");
        cache.forget("rokin");
        assert!(cache.lookup("rokin", 10).is_err());
    }
}
