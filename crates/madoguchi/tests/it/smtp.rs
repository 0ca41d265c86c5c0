//! Mail through a real SMTP server process (Python's aiosmtpd), and the outbox waiting
//! while the server is away.

use crate::testkit::{TestApp, code_in};
use madoguchi::demo::{OPERATOR_PASSWORD, operator_email};
use madoguchi_core::Config;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct Sink {
    child: Child,
    pub out: std::path::PathBuf,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Installs aiosmtpd with pip on a machine that lacks it (CI does it up front).
pub fn ensure_aiosmtpd() {
    let has = Command::new("python3").args(["-c", "import aiosmtpd"]).status().map(|s| s.success()).unwrap_or(false);
    if !has {
        let ok = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "aiosmtpd"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "python3 -m pip install aiosmtpd failed: the SMTP test needs it");
    }
}

pub fn start_sink(port: u16) -> Sink {
    ensure_aiosmtpd();
    let out = std::env::temp_dir().join(format!("madoguchi-smtp-{}.jsonl", uuid::Uuid::new_v4()));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/smtp_sink.py");
    let mut child = Command::new("python3")
        .args([script, &port.to_string(), out.to_str().unwrap()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready");
    Sink { child, out }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn received(sink: &Sink) -> Vec<serde_json::Value> {
    std::fs::read_to_string(&sink.out).unwrap_or_default().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[tokio::test]
async fn an_operator_code_arrives_through_smtp_with_a_japanese_subject() {
    let port = free_port();
    let sink = start_sink(port);
    let app = TestApp::with(Config::demo().unwrap(), Some(&format!("smtp://127.0.0.1:{port}")), true).await;
    let email = operator_email("rokin");
    app.post("/rokin/operator/login", &[("email", &email), ("password", OPERATOR_PASSWORD)]).await;
    assert_eq!(app.deliver_mail().await, 1);
    let mails = received(&sink);
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail["subject"], "【賃金控除事務支援システム】オペレーターログイン確認コード");
    assert!(mail["raw_subject"].as_str().unwrap().starts_with("=?utf-8?"), "RFC 2047 encoded: {}", mail["raw_subject"]);
    assert!(mail["from"].as_str().unwrap().contains("賃金控除事務支援システム"));
    assert_eq!(mail["rcpt"][0], email.as_str());
    // The portal's (test) clock in Japan's time, not the wall clock in UTC (issue 14, item 7).
    assert_eq!(mail["date"], "2026-11-24T10:00:00+09:00");
    let body = mail["body"].as_str().unwrap();
    assert!(body.contains("運用者コンソールへのログインを受け付けました"), "{body}");
    // The code in the mail logs in.
    let page = app.post("/rokin/operator/login/code", &[("code", &code_in(body))]).await;
    assert_eq!(page.location(), "/rokin/operator/");
    // No dev mailbox when SMTP is configured.
    assert_eq!(app.get("/_dev/mail.json").await.status, 404);
}

#[tokio::test]
async fn mail_waits_in_the_outbox_while_smtp_is_down() {
    let port = free_port();
    let app = TestApp::with(Config::demo().unwrap(), Some(&format!("smtp://127.0.0.1:{port}")), true).await;
    let email = operator_email("shaho");
    app.post("/shaho/operator/login", &[("email", &email), ("password", OPERATOR_PASSWORD)]).await;
    assert_eq!(app.deliver_mail().await, 1, "one failed attempt");
    assert_eq!(app.deliver_mail().await, 0, "not due again before its backoff");
    let metrics = app.get("/metrics").await;
    metrics
        .assert_contains("madoguchi_outbox_mails{state=\"retrying\"} 1")
        .assert_contains("madoguchi_mail_send_failures_total 1");
    // The page still works while mail is down.
    assert_eq!(app.get("/shaho/").await.status, 200);

    let sink = start_sink(port);
    app.clock.advance(31);
    assert_eq!(app.deliver_mail().await, 1);
    let mails = received(&sink);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0]["subject"], "【次世代型社労法務システム】オペレーターログイン確認コード");
    app.get("/metrics").await.assert_contains("madoguchi_outbox_mails{state=\"sent\"} 1");
}
