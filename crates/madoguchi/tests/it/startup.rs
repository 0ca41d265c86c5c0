//! Start-up: the mail transport a config must name (no dev mailbox in production).

use crate::smtp::free_port;
use crate::testkit::{TestApp, fresh_database};
use axum::http::StatusCode;
use madoguchi_core::{Config, TestClock};
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
