//! The operator's calendar days (営業日カレンダー) of each portal, kept in memory: the
//! service-hours gate reads them on every request of a portal with service hours, and they
//! change a few times a year. Like the announcements (`notices.rs`): an entry lives [`TTL`],
//! the console's edits clear it at once on this instance (other instances see an edit
//! within [`TTL`]), and a read that began before an edit does not store what it read.

use madoguchi_core::Portal;
use madoguchi_core::calendar::Overrides;
use madoguchi_store::{DbError, Store, calendar};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long another instance's edit may take to show.
pub const TTL: Duration = Duration::from_secs(10);

#[derive(Default)]
pub struct CalendarCache {
    portals: Mutex<HashMap<String, Entry>>,
}

#[derive(Default)]
struct Entry {
    /// Bumped by every edit, so that a read that began before it does not store old rows.
    generation: u64,
    cached: Option<(Instant, Arc<Overrides>)>,
}

impl CalendarCache {
    /// The portal's operator days.
    pub async fn overrides(&self, store: &Store, portal: &str) -> Result<Arc<Overrides>, DbError> {
        let generation = match self.lookup(portal) {
            Ok(hit) => return Ok(hit),
            Err(generation) => generation,
        };
        let read = {
            let mut conn = store.acquire().await?;
            Arc::new(Overrides::new(calendar::list(&mut conn, portal).await?))
        };
        if let Ok(mut portals) = self.portals.lock() {
            let entry = portals.entry(portal.to_string()).or_default();
            if entry.generation == generation {
                entry.cached = Some((Instant::now(), read.clone()));
            }
        }
        Ok(read)
    }

    /// The fresh entry, or the generation to store a new read under.
    fn lookup(&self, portal: &str) -> Result<Arc<Overrides>, u64> {
        let Ok(portals) = self.portals.lock() else { return Err(u64::MAX) };
        let Some(entry) = portals.get(portal) else { return Err(0) };
        match &entry.cached {
            Some((fetched, overrides)) if fetched.elapsed() < TTL => Ok(overrides.clone()),
            _ => Err(entry.generation),
        }
    }

    /// A day of `portal` was added or deleted.
    pub fn forget(&self, portal: &str) {
        if let Ok(mut portals) = self.portals.lock() {
            let entry = portals.entry(portal.to_string()).or_default();
            entry.generation += 1;
            entry.cached = None;
        }
    }

    /// What the service-hours gate needs: nothing for a portal open at all hours (no read at
    /// all); otherwise its days, or none when the database cannot be read (the gate then
    /// follows the preset's rules, and the page behind it reports the outage itself).
    pub async fn for_gate(&self, store: &Store, portal: &Portal) -> Arc<Overrides> {
        if portal.hours.is_always_open() {
            return Arc::default();
        }
        match self.overrides(store, &portal.id).await {
            Ok(overrides) => overrides,
            Err(error) => {
                tracing::warn!(%error, portal = %portal.id, "calendar days not readable; the service hours follow the preset");
                Arc::default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_clears_and_fences_the_entry() {
        let cache = CalendarCache::default();
        assert_eq!(cache.lookup("rokin").err(), Some(0));
        cache.forget("rokin");
        // A read that began before the edit carries generation 0: it is not stored.
        assert_eq!(cache.lookup("rokin").err(), Some(1));
        if let Ok(mut portals) = cache.portals.lock() {
            portals.entry("rokin".into()).or_default().cached = Some((Instant::now(), Arc::default()));
        }
        assert!(cache.lookup("rokin").is_ok());
        assert!(cache.lookup("shaho").is_err(), "one entry per portal");
        cache.forget("rokin");
        assert!(cache.lookup("rokin").is_err());
    }
}
