//! What every handler can reach.

use crate::auth::Hasher;
use crate::csrf::CsrfKey;
use crate::metrics::Metrics;
use crate::tls::Authorities;
use madoguchi_core::{Config, Portal, SharedClock};
use madoguchi_mail::Mailer;
use madoguchi_store::Store;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub store: Store,
    pub clock: SharedClock,
    pub mailer: Mailer,
    pub hasher: Hasher,
    pub metrics: Metrics,
    /// The portals' current announcements, kept for a few seconds.
    pub notices: crate::notices::NoticeCache,
    /// The portals' operator calendar days (営業日カレンダー), kept for a few seconds.
    pub calendars: crate::calendar::CalendarCache,
    /// `--test-clock`: `/_dev/clock` exists only then.
    pub test_clock: bool,
    /// The certificate authority of each client-certificate portal (rokin), by portal id
    /// (`crate::tls::open_authorities`); use [`AppState::ca`].
    pub cas: Arc<Authorities>,
    /// Signs the CSRF tokens (`server_secrets.csrf`, shared by the instances on the database).
    pub csrf_key: CsrfKey,
    /// What business modules add to インフォメーション (`crate::panels`).
    pub home_panels: crate::panels::HomePanels,
    /// Seals a form posted after the session expired (`server_secrets.draft_seal`).
    pub draft_seal_key: crate::draft_seal::DraftSealKey,
    /// The modules that turn such a form into a draft after the login (`crate::draft_seal::restore`).
    pub draft_restorers: crate::draft_seal::DraftRestorers,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    // Each is a part `madoguchi::build` made on its own; only that function calls this.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        config: Config,
        store: Store,
        clock: SharedClock,
        mailer: Mailer,
        hasher: Hasher,
        test_clock: bool,
        cas: Authorities,
        csrf_key: CsrfKey,
        home_panels: crate::panels::HomePanels,
        draft_seal_key: crate::draft_seal::DraftSealKey,
        draft_restorers: crate::draft_seal::DraftRestorers,
    ) -> AppState {
        AppState(Arc::new(Inner {
            config,
            store,
            clock,
            mailer,
            hasher,
            metrics: Metrics::default(),
            notices: Default::default(),
            calendars: Default::default(),
            test_clock,
            cas: Arc::new(cas),
            csrf_key,
            home_panels,
            draft_seal_key,
            draft_restorers,
        }))
    }

    /// The certificate authority of `portal`: issues its client certificates and checks the
    /// one a browser presents (`verify_client`). `None` unless the portal's second factor is
    /// a client certificate.
    pub fn ca(&self, portal: &str) -> Option<&madoguchi_ca::Authority> {
        self.cas.get(portal).map(|ca| ca.as_ref())
    }

    pub fn portal(&self, id: &str) -> Option<&Portal> {
        self.config.portal(id)
    }

    pub fn secure_cookies(&self) -> bool {
        self.config.server.serves_https()
    }
}
