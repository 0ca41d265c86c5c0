//! Wiring: builds the application from a configuration, and the start-up work (migrations,
//! demo data) shared by `serve`, the tests and the command-line tools.

pub mod demo;
pub mod demo_zaikei;
pub mod jobs;
pub mod zaikei_cli;
pub mod zaikei_export;

use anyhow::Context;
use madoguchi_core::config::MailTransport;
use madoguchi_core::{Config, SharedClock};
use madoguchi_mail::{Mailer, Transport};
use madoguchi_store::Store;
use madoguchi_web::AppState;
use madoguchi_web::auth::Hasher;
use madoguchi_web::csrf::CsrfKey;
use madoguchi_web::draft_seal::DraftRestorers;
use madoguchi_web::draft_seal::DraftSealKey;
use madoguchi_web::route_table::Routes;

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
    // Before anything is opened or made: a production config without SMTP stops here.
    let transport =
        match config.mail_transport(smtp).map_err(|e| anyhow::anyhow!("the configuration is refused:\n{e}"))? {
            MailTransport::Smtp(url) => Transport::smtp(&url)?,
            MailTransport::DevMailbox => {
                tracing::warn!(
                    "mail goes to the dev mailbox: anyone who reaches /_dev/mail reads every mail, codes and \
                 temporary passwords included; for the demo and test machines only (server.dev_mailbox)"
                );
                Transport::DevMailbox
            }
        };
    let store =
        Store::connect(database).await.with_context(|| format!("cannot open the database {}", redact(database)))?;
    store.migrate(clock.unix()).await.context("cannot apply the migrations")?;
    let mailer = Mailer::new(store.clone(), transport, clock.clone(), config.server.mail_from.clone());
    if config.server.demo {
        demo::seed(&store, &config, &hasher, clock.unix()).await.context("cannot seed the demo data")?;
    }
    let cas = certificate_authorities(&config, clock.now())?;
    let csrf_key = csrf_key(&store, clock.unix()).await?;
    let panels: madoguchi_web::panels::HomePanels = vec![
        std::sync::Arc::new(madoguchi_zaikei::panel::ZaikeiPanel),
        std::sync::Arc::new(madoguchi_acceptance_plan::menu::PlanMenu),
        std::sync::Arc::new(madoguchi_applications::Menu),
        std::sync::Arc::new(madoguchi_seeker_mail::Menu),
    ];
    let seal_key = {
        let mut conn = store.acquire().await.context("cannot read the server's keys")?;
        DraftSealKey::load(&mut conn, clock.unix()).await.context("cannot read the server's keys")?
    };
    let mut services = axum::http::Extensions::new();
    let search = public_search(&config, &store).await?;
    if let Some((search, follower)) = search {
        services.insert(search);
        services.insert(std::sync::Arc::new(follower));
    }
    if let Some((search, follower)) = profile_search(&config, &store).await? {
        services.insert(search);
        services.insert(std::sync::Arc::new(ProfileFollower(follower)));
    }
    // Web応募 between the postings and the applications (madoguchi_web::applying).
    let directory: madoguchi_web::applying::Directory =
        std::sync::Arc::new(madoguchi_job_postings::applying::Directory);
    services.insert(directory);
    let counts: madoguchi_web::applying::Counts = std::sync::Arc::new(madoguchi_applications::Counts);
    services.insert(counts);
    let restorers: DraftRestorers = vec![
        std::sync::Arc::new(madoguchi_job_postings::restore::PostingRestorer),
        std::sync::Arc::new(madoguchi_acceptance_plan::restore::PlanRestorer),
    ];
    let state = AppState::new(
        config,
        store,
        clock,
        mailer.clone(),
        hasher,
        test_clock,
        cas,
        csrf_key,
        panels,
        seal_key,
        restorers,
        services,
    );
    Ok(Server { state, mailer })
}

/// The public search of jrec-in's postings, where a portal has the `job_postings` module:
/// the index in `server.search_index` (default `<data_dir>/search`), built from the database
/// when it is missing, and its follower, which applies every approval or withdrawal recorded
/// in `search_changes` within a poll (docs/ARCHITECTURE.md "Search").
async fn public_search(
    config: &Config,
    store: &Store,
) -> anyhow::Result<Option<(madoguchi_job_postings::public::PublicSearch, madoguchi_search::FollowerHandle)>> {
    if !config.portals.iter().any(|p| p.settings.modules.contains(&madoguchi_job_postings::MODULE)) {
        return Ok(None);
    }
    let first = config.server.search_index_dir();
    let opened = open_index(config, "public search", first, "search", |dir| {
        let store = store.clone();
        async move { madoguchi_job_postings::public::open(store, &dir).await }
    })
    .await?;
    Ok(Some(opened))
}

/// jrec-in's 求職者情報検索 over 公開 profiles, where a portal has the `seeker_mail` module:
/// its own index beside the public search's (`ServerSettings::profiles_index_dir`), built and
/// followed the same way from the seekers' changes in `search_changes` (docs/SEEKER_MAIL.md).
async fn profile_search(
    config: &Config,
    store: &Store,
) -> anyhow::Result<Option<(madoguchi_seeker_mail::index::ProfileSearch, madoguchi_search::FollowerHandle)>> {
    if !config.portals.iter().any(|p| p.settings.modules.contains(&madoguchi_seeker_mail::MODULE)) {
        return Ok(None);
    }
    let first = config.server.profiles_index_dir();
    let opened = open_index(config, "profiles search", first, "profiles", |dir| {
        let store = store.clone();
        async move { madoguchi_seeker_mail::index::open(store, &dir).await }
    })
    .await?;
    Ok(Some(opened))
}

/// Opens an index in `first`, or, when that is the default folder and in use, in the next of
/// `<stem>-2` … `<stem>-8` under the data folder: a configured folder is this instance's own;
/// the default one may be shared by several instances started from one working directory (or
/// one process's test servers).
async fn open_index<T, Fut>(
    config: &Config,
    what: &str,
    first: std::path::PathBuf,
    stem: &str,
    open: impl Fn(std::path::PathBuf) -> Fut,
) -> anyhow::Result<T>
where
    Fut: std::future::Future<Output = Result<T, madoguchi_search::SearchError>>,
{
    let explicit = config.server.search_index.is_some();
    let mut tried = Vec::new();
    for slot in 1..=if explicit { 1 } else { SEARCH_SLOTS } {
        let dir = if slot == 1 { first.clone() } else { config.server.data_dir.join(format!("{stem}-{slot}")) };
        match open(dir.clone()).await {
            Ok(opened) => {
                tracing::info!(dir = %dir.display(), "{what} index open");
                return Ok(opened);
            }
            Err(madoguchi_search::SearchError::Busy(_)) => tried.push(dir.display().to_string()),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot open the {what} index in {}", dir.display()));
            }
        }
    }
    anyhow::bail!(
        "every {what} index folder is in use by another instance ({}): give this one its own with server.search_index",
        tried.join(", ")
    )
}

/// The profiles index's follower, kept running as long as the server's state (a type of its
/// own: the services hold one value per type, and the postings' follower is the other).
pub struct ProfileFollower(pub madoguchi_search::FollowerHandle);

/// Folders of the default index tried when the first is in use.
const SEARCH_SLOTS: u32 = 8;

/// The CA of each client-certificate portal under `<data_dir>/ca/<portal>/`, opened or made
/// now; the key's passphrase, if any, comes from `MADOGUCHI_CA_PASSPHRASE`.
fn certificate_authorities(
    config: &Config,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<madoguchi_web::tls::Authorities> {
    let passphrase = std::env::var(madoguchi_web::tls::CA_PASSPHRASE_ENV).ok().filter(|p| !p.is_empty());
    Ok(madoguchi_web::tls::open_authorities(config, passphrase.as_deref(), now)?)
}

/// Every route of the server, as data (the hostile-input test walks it): the kit's own pages,
/// the identity screens, rokin's screens, the console, and each business module, which
/// answers only on the portals whose preset lists it (`modules = [...]`; 404 elsewhere).
/// `/_dev/*` handlers answer 404 themselves unless enabled.
pub fn route_table(state: &AppState) -> Routes {
    let table = madoguchi_web::platform_routes(state);
    let table = madoguchi_identity::routes(table);
    let table = madoguchi_rokin::routes(table);
    let table = madoguchi_console::routes(table, state.config.server.upload_limit_bytes());
    let table = table.module(state, madoguchi_asp_accounts::MODULE, madoguchi_asp_accounts::routes(Routes::new()));
    let table = table.module(state, madoguchi_zaikei::MODULE, madoguchi_zaikei::routes(Routes::new()));
    let table = table.module(state, madoguchi_job_postings::MODULE, madoguchi_job_postings::routes(Routes::new()));
    let table = table.module(
        state,
        madoguchi_acceptance_plan::MODULE,
        madoguchi_acceptance_plan::routes(Routes::new(), state.config.server.upload_limit_bytes()),
    );
    let table = table.module(state, madoguchi_seekers::MODULE, madoguchi_seekers::routes(Routes::new()));
    let table = table.module(state, madoguchi_seeker_mail::MODULE, madoguchi_seeker_mail::routes(Routes::new()));
    table.module(
        state,
        madoguchi_applications::MODULE,
        madoguchi_applications::routes(Routes::new(), state.config.server.upload_limit_bytes()),
    )
}

/// The whole application: [`route_table`] with the layers every request passes.
pub fn app(state: AppState) -> axum::Router {
    let table = route_table(&state);
    madoguchi_web::app(state, table)
}

/// The key that signs CSRF tokens: made at first start, then the one on the database (every
/// instance on it must accept the others' tokens).
async fn csrf_key(store: &Store, now: i64) -> anyhow::Result<CsrfKey> {
    let mut conn = store.acquire().await.context("cannot read the server's keys")?;
    let stored = madoguchi_store::secrets::get_or_create(&mut conn, "csrf", &CsrfKey::random_hex(), now)
        .await
        .context("cannot read the server's keys")?;
    CsrfKey::from_hex(&stored).context("server_secrets.csrf is not a 32-byte key in hex")
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
