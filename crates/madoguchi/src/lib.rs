//! Wiring: builds the application from a configuration, and the start-up work (migrations,
//! demo data) shared by `serve`, the tests and the command-line tools.

pub mod demo;

use anyhow::Context;
use madoguchi_ca::Authority;
use madoguchi_core::portal::SecondFactor;
use madoguchi_core::{Config, SharedClock};
use madoguchi_mail::{Mailer, Transport};
use madoguchi_store::Store;
use madoguchi_web::AppState;
use madoguchi_web::auth::Hasher;
use madoguchi_web::state::Authorities;
use std::sync::Arc;

/// Everything `serve` runs: the state (routes are built from it) and the mail worker.
pub struct Server {
    pub state: AppState,
    pub mailer: Mailer,
}

/// Connects, migrates, seeds the demo when asked, and assembles the application.
pub async fn build(
    config: Config,
    database: &str,
    smtp: Option<&str>,
    clock: SharedClock,
    test_clock: bool,
    hasher: Hasher,
) -> anyhow::Result<Server> {
    let store =
        Store::connect(database).await.with_context(|| format!("cannot open the database {}", redact(database)))?;
    store.migrate(clock.unix()).await.context("cannot apply the migrations")?;
    let transport = match smtp {
        Some(url) => Transport::smtp(url)?,
        None => Transport::DevMailbox,
    };
    let mailer = Mailer::new(store.clone(), transport, clock.clone(), config.server.mail_from.clone());
    if config.server.demo {
        demo::seed(&store, &config, &hasher, clock.unix()).await.context("cannot seed the demo data")?;
    }
    let authorities = open_authorities(&config, clock.now())?;
    let state = AppState::new(config, store, clock, mailer.clone(), hasher, test_clock, authorities);
    Ok(Server { state, mailer })
}

/// Opens (at first start: creates) the certificate authority of every client-certificate
/// portal under `server.ca_dir`. The CA key's passphrase, if any, comes from
/// `MADOGUCHI_CA_PASSPHRASE` so that it is never in a config file (docs/CA.md).
fn open_authorities(config: &Config, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<Authorities> {
    let passphrase = std::env::var("MADOGUCHI_CA_PASSPHRASE").ok().filter(|p| !p.is_empty());
    let mut authorities = Authorities::new();
    for portal in &config.portals {
        let SecondFactor::ClientCertificate { subject_suffix, .. } = &portal.settings.second_factor else { continue };
        let dir = config.server.ca_dir.join(&portal.id);
        let name = format!("{subject_suffix} CA");
        let ca = Authority::open_or_create(&dir, &portal.id, &name, passphrase.as_deref(), now)
            .with_context(|| format!("cannot open the certificate authority of {} in {}", portal.id, dir.display()))?;
        authorities.insert(portal.id.clone(), Arc::new(ca));
    }
    Ok(authorities)
}

/// A database URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(super::redact("postgres://app:s3cret@db:5432/x"), "postgres://app:***@db:5432/x");
        assert_eq!(super::redact("sqlite://data/madoguchi.db"), "sqlite://data/madoguchi.db");
    }
}
