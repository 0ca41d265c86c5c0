//! What every handler can reach.

use crate::auth::Hasher;
use crate::metrics::Metrics;
use madoguchi_core::{Config, Portal, SharedClock};
use madoguchi_mail::Mailer;
use madoguchi_store::Store;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Each client-certificate portal's certificate authority, by portal id.
pub type Authorities = BTreeMap<String, Arc<madoguchi_ca::Authority>>;

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub store: Store,
    pub clock: SharedClock,
    pub mailer: Mailer,
    pub hasher: Hasher,
    pub metrics: Metrics,
    /// `--test-clock`: `/_dev/clock` exists only then.
    pub test_clock: bool,
    pub authorities: Authorities,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(
        config: Config,
        store: Store,
        clock: SharedClock,
        mailer: Mailer,
        hasher: Hasher,
        test_clock: bool,
        authorities: Authorities,
    ) -> AppState {
        AppState(Arc::new(Inner {
            config,
            store,
            clock,
            mailer,
            hasher,
            metrics: Metrics::default(),
            test_clock,
            authorities,
        }))
    }

    /// The portal's certificate authority (client-certificate portals only).
    pub fn ca(&self, portal: &str) -> Option<&madoguchi_ca::Authority> {
        self.authorities.get(portal).map(|ca| ca.as_ref())
    }

    pub fn portal(&self, id: &str) -> Option<&Portal> {
        self.config.portal(id)
    }

    pub fn secure_cookies(&self) -> bool {
        self.config.server.serves_https()
    }
}
