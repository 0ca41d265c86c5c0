//! Start-up: the mail transport a config must name (no dev mailbox in production), and
//! several instances starting together on one fresh database and one fresh data folder.

use crate::smtp::free_port;
use crate::testkit::{TestApp, fresh_database};
use axum::http::StatusCode;
use madoguchi_core::{Config, TestClock};
use madoguchi_store::Store;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A production-shaped config: no demo, no dev mailbox, no test clock.
const PRODUCTION: &str = "[server]\npublic_url = \"https://koujyo.example.jp\"\n[[portal]]\npreset = \"hellowork\"\n";

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("madoguchi-tests").join(format!("startup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The binary with a config file, in a clean environment (none of the variables that would
/// give it a database, a config or an SMTP server from outside).
fn madoguchi(dir: &Path, config: &str) -> Command {
    let file = dir.join("site.toml");
    std::fs::write(&file, config).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_madoguchi"));
    command
        .arg("--config")
        .arg(&file)
        .arg("--database")
        .arg(format!("sqlite://{}", dir.join("db.sqlite").display()))
        .current_dir(dir)
        .env_remove("MADOGUCHI_SMTP_URL")
        .env_remove("MADOGUCHI_CONFIG")
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "info");
    command
}

fn all_output(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// A production config that forgot its SMTP server used to start with the dev mailbox, and
/// `/_dev/mail.json` then showed every reset key to anyone. Now `build` (what `serve` and
/// the tests run), `serve` and `check-config` refuse it, naming the key; with SMTP the dev
/// endpoints answer 404.
#[tokio::test]
async fn a_production_config_without_smtp_is_refused_and_has_no_dev_mailbox() {
    let config = Config::parse("site.toml", PRODUCTION).unwrap();
    let database = fresh_database().await;
    let clock = Arc::new(TestClock::at(crate::testkit::tuesday_morning()));
    let hasher = madoguchi_web::auth::Hasher::new(256, 1, 1);
    let refused = madoguchi::build(config.clone(), &database, None, clock, false, hasher).await;
    let message = format!("{:#}", refused.err().expect("a config without SMTP is refused"));
    assert!(message.contains("site.toml: key `server.smtp`: is required"), "{message}");

    // With an SMTP server (nothing needs to listen: nothing is sent here) the portal runs and
    // the dev endpoints are not there, after a mail was queued too.
    let app = TestApp::with(config, Some(&format!("smtp://127.0.0.1:{}", free_port())), false).await;
    let page = app.post("/hellowork/password/forgot", &[("login_id", "someone@example.jp")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    for path in ["/_dev/mail.json", "/_dev/mail", "/_dev/clock"] {
        assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[test]
fn check_config_and_serve_refuse_a_config_without_a_mail_transport() {
    let dir = temp_dir();
    let check = madoguchi(&dir, PRODUCTION).arg("check-config").output().unwrap();
    let said = all_output(&check);
    assert!(!check.status.success(), "{said}");
    assert!(said.contains("site.toml: key `server.smtp`: is required") && said.contains("dev_mailbox"), "{said}");

    let serve = madoguchi(&dir, PRODUCTION)
        .args(["serve", "--listen", &format!("127.0.0.1:{}", free_port()), "--tls-listen", "off"])
        .output()
        .unwrap();
    let said = all_output(&serve);
    assert!(!serve.status.success(), "{said}");
    assert!(said.contains("key `server.smtp`"), "{said}");
    assert!(!dir.join("db.sqlite").exists(), "refused before anything was made");

    // The URL from the environment is a transport, and is not printed (it may hold a password).
    let url = "smtp://mailer:s3cret@127.0.0.1:25";
    let check = madoguchi(&dir, PRODUCTION).arg("check-config").env("MADOGUCHI_SMTP_URL", url).output().unwrap();
    let said = all_output(&check);
    assert!(check.status.success(), "{said}");
    assert!(said.contains("mail: SMTP") && !said.contains("s3cret"), "{said}");

    // The demo (no config file) keeps its dev mailbox.
    let demo = Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .arg("check-config")
        .env_remove("MADOGUCHI_SMTP_URL")
        .env_remove("MADOGUCHI_CONFIG")
        .output()
        .unwrap();
    let said = all_output(&demo);
    assert!(demo.status.success() && said.contains("mail: the dev mailbox"), "{said}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// One GET over plain HTTP/1.1: (status, body), or None while nothing answers.
fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Some((status, body))
}

/// `server.dev_mailbox = true` opens the mailbox on a test machine, with a warning in the log.
#[test]
fn the_explicit_dev_flag_opens_the_mailbox_with_a_warning() {
    let dir = temp_dir();
    let port = free_port();
    let config = "[server]\ndev_mailbox = true\n[[portal]]\npreset = \"hellowork\"\n";
    let mut child = madoguchi(&dir, config)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--tls-listen", "off"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mailbox = loop {
        if let Some((200, _)) = http_get(port, "/readyz") {
            break http_get(port, "/_dev/mail.json");
        }
        if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let out = child.wait_with_output().unwrap();
    let log = all_output(&out);
    assert_eq!(mailbox.map(|(status, _)| status), Some(200), "{log}");
    let warning = log.lines().find(|l| l.contains("dev mailbox")).unwrap_or_default();
    assert!(warning.contains("WARN") && warning.contains("/_dev/mail"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Instances started together on one empty database: every one of them migrates it (the
/// loser waits for the lock), several rounds over, on a fresh database each round. Before,
/// `schema_migrations` was created before the lock was taken and PostgreSQL failed one of
/// two instances about every other time on `pg_type_typname_nsp_index`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_migrating_one_fresh_database_together_all_succeed() {
    const INSTANCES: usize = 6;
    for round in 0..5 {
        let url = fresh_database().await;
        let mut starts = tokio::task::JoinSet::new();
        for _ in 0..INSTANCES {
            let url = url.clone();
            starts.spawn(async move {
                let store = Store::connect(&url).await?;
                let status = store.migrate(1).await;
                store.close().await;
                status.map_err(madoguchi_store::StoreError::from)
            });
        }
        let mut applied = Vec::new();
        while let Some(done) = starts.join_next().await {
            let status = done.unwrap().unwrap_or_else(|e| panic!("round {round}: an instance failed: {e}"));
            applied.extend(status.applied_now);
        }
        // Each migration applied exactly once, whoever applied it.
        applied.sort();
        let all: Vec<&str> = madoguchi_store::MIGRATIONS.iter().map(|m| m.name).collect();
        assert_eq!(applied, all, "round {round}");
        let store = Store::connect(&url).await.unwrap();
        assert!(store.migrations_current().await.unwrap());
        store.close().await;
    }
}

/// Instances started together on one fresh data folder: rokin's certificate authority and
/// the self-signed server certificate are made once, and every instance holds what is on
/// disk. Before, in 6 of 10 trials one instance refused to start ("ca.key exists but ca.crt
/// is missing") or two ran with different CA keys.
#[test]
fn instances_starting_on_one_fresh_data_folder_share_one_ca_and_one_server_certificate() {
    use madoguchi_web::tls;
    const INSTANCES: usize = 8;
    for round in 0..4 {
        let dir = temp_dir();
        let mut config = Config::demo().unwrap();
        config.server.data_dir = dir.clone();
        let config = Arc::new(config);
        let start = Arc::new(std::sync::Barrier::new(INSTANCES));
        let threads: Vec<_> = (0..INSTANCES)
            .map(|_| {
                let (config, start) = (config.clone(), start.clone());
                std::thread::spawn(move || {
                    let now = chrono::Utc::now();
                    let settings = config.server.tls.clone().unwrap();
                    let names = tls::self_signed_names(&config);
                    start.wait();
                    let cas = tls::open_authorities(&config, None, now).map_err(|e| format!("{e:#}"))?;
                    let identity = tls::server_identity(&settings, &config.server.data_dir, &names, now)
                        .map_err(|e| e.to_string())?;
                    let ca = cas["rokin"].ca_certificate_der().to_vec();
                    Ok::<_, String>((ca, identity.chain[0].to_vec(), identity.created))
                })
            })
            .collect();
        let opened: Vec<_> = threads
            .into_iter()
            .map(|t| t.join().unwrap().unwrap_or_else(|e| panic!("round {round}: an instance failed: {e}")))
            .collect();
        let on_disk = |path: PathBuf| {
            let text = std::fs::read(path).unwrap();
            let (_, der) = x509_parser::pem::parse_x509_pem(&text).unwrap();
            der.contents
        };
        let ca = on_disk(dir.join("ca/rokin/ca.crt"));
        let server = on_disk(dir.join("tls/server.crt"));
        for (ca_seen, server_seen, _) in &opened {
            assert!(ca_seen == &ca && server_seen == &server, "round {round}: an instance holds another key pair");
        }
        assert_eq!(opened.iter().filter(|(_, _, created)| *created).count(), 1, "made once");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
