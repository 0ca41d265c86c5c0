//! The outbox worker: claims due mails with a lease, sends them, records the outcome.
//! A crash after sending and before recording sends the mail again with the same
//! Message-ID (receivers and the dev mailbox drop the repeat); never not at all.

use lettre::message::Mailbox;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use madoguchi_core::SharedClock;
use madoguchi_store::Store;
use madoguchi_store::outbox::{self, DevMail, QueuedMail};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// How long a claimed mail stays leased to one worker.
const LEASE_SECONDS: i64 = 120;
/// Give up after this many attempts (about a day of backoff) and show it to the operator.
const MAX_ATTEMPTS: i64 = 30;
/// Mails on their way at once, each on its own SMTP connection of the transport's pool.
/// An SMTP exchange mostly waits (five round trips to the relay, and with lettre 0.11.23
/// about 40 ms of Nagle's algorithm against the relay's delayed ACK per mail), so one mail
/// at a time drained ~23 mails/s; 32 at once drain ~650 mails/s on the 2-core bench machine
/// (docs/BENCHMARKS.md). 32 connections stay within common relay limits (Postfix
/// allows 50 per client by default).
const SEND_CONCURRENCY: usize = 32;

#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Stores mails in the database, shown at `/_dev/mail`.
    DevMailbox,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Transport::Smtp(_) => "Transport::Smtp",
            Transport::DevMailbox => "Transport::DevMailbox",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("SMTP URL is not valid: {0}")]
    Url(String),
}

impl Transport {
    /// `smtp://host:port` (plain), `?tls=required` or `?tls=opportunistic` for STARTTLS,
    /// `smtps://` for TLS from the start; `user:password@` for authentication.
    pub fn smtp(url: &str) -> Result<Transport, TransportError> {
        let builder =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| TransportError::Url(e.to_string()))?;
        let pool = lettre::transport::smtp::PoolConfig::new().max_size(SEND_CONCURRENCY as u32);
        Ok(Transport::Smtp(builder.timeout(Some(Duration::from_secs(20))).pool_config(pool).build()))
    }
}

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct MailStats {
    pub sent: AtomicU64,
    pub failed_attempts: AtomicU64,
    pub given_up: AtomicU64,
}

#[derive(Debug, Clone)]
pub struct Mailer {
    store: Store,
    transport: Transport,
    clock: SharedClock,
    from_addr: String,
    wake: Arc<Notify>,
    pub stats: Arc<MailStats>,
}

enum Outcome {
    Sent,
    Failed { error: String, permanent: bool },
}

impl Mailer {
    pub fn new(store: Store, transport: Transport, clock: SharedClock, from_addr: String) -> Mailer {
        Mailer { store, transport, clock, from_addr, wake: Arc::new(Notify::new()), stats: Arc::default() }
    }

    pub fn is_dev_mailbox(&self) -> bool {
        matches!(self.transport, Transport::DevMailbox)
    }

    /// The domain of Message-IDs: the sender address's.
    pub fn domain(&self) -> &str {
        self.from_addr.rsplit_once('@').map(|(_, d)| d).unwrap_or("madoguchi.localhost")
    }

    /// Tell the worker a mail was committed, so it does not wait for its next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs until the process ends: drains what is due, then waits for a wake-up or a poll.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                if let Err(error) = self.drain().await {
                    tracing::warn!(%error, "outbox worker: database unavailable");
                }
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                }
            }
        })
    }

    /// Sends every due mail, up to [`SEND_CONCURRENCY`] at a time; returns how many were
    /// attempted. Mails are claimed in batches whenever half the lanes are free. A failure
    /// that may pass (the relay is away) stops the claiming: the rest wait for the next round
    /// instead of hammering a server that is away.
    pub async fn drain(&self) -> Result<usize, madoguchi_store::DbError> {
        let mut in_flight = tokio::task::JoinSet::new();
        let (mut attempted, mut claiming) = (0, true);
        loop {
            if claiming && in_flight.len() <= SEND_CONCURRENCY / 2 {
                let now = self.clock.unix();
                let room = (SEND_CONCURRENCY - in_flight.len()) as i64;
                let batch = {
                    let mut conn = self.store.acquire().await?;
                    outbox::claim(&mut conn, now, now + LEASE_SECONDS, room).await?
                };
                claiming = !batch.is_empty();
                for mail in batch {
                    attempted += 1;
                    let mailer = self.clone();
                    in_flight.spawn(async move {
                        let outcome = mailer.send(&mail).await;
                        (mail, outcome)
                    });
                }
            }
            let Some(done) = in_flight.join_next().await else {
                return Ok(attempted);
            };
            match done {
                Ok((mail, outcome)) => {
                    if self.record(&mail, outcome).await? {
                        claiming = false;
                    }
                }
                // Its lease runs out and the mail is claimed again.
                Err(error) => tracing::error!(%error, "outbox worker: a send ended abnormally"),
            }
        }
    }

    /// Writes down how a send went; true when it failed in a way that may pass.
    async fn record(&self, mail: &QueuedMail, outcome: Outcome) -> Result<bool, madoguchi_store::DbError> {
        let now = self.clock.unix();
        let mut conn = self.store.acquire().await?;
        match outcome {
            Outcome::Sent => {
                self.stats.sent.fetch_add(1, Ordering::Relaxed);
                outbox::mark_sent(&mut conn, mail.id, now).await?;
                tracing::info!(mail_id = mail.id, kind = %mail.kind, portal = %mail.portal, "mail sent");
                Ok(false)
            }
            Outcome::Failed { error, permanent } => {
                self.stats.failed_attempts.fetch_add(1, Ordering::Relaxed);
                let give_up = permanent || mail.attempts >= MAX_ATTEMPTS;
                if give_up {
                    self.stats.given_up.fetch_add(1, Ordering::Relaxed);
                }
                let retry_at = (!give_up).then(|| now + backoff_seconds(mail.attempts));
                outbox::mark_failed(&mut conn, mail.id, &error, retry_at, now).await?;
                tracing::warn!(mail_id = mail.id, kind = %mail.kind, attempts = mail.attempts, give_up, %error, "mail not sent");
                Ok(!give_up)
            }
        }
    }

    async fn send(&self, mail: &QueuedMail) -> Outcome {
        match &self.transport {
            Transport::DevMailbox => {
                let dev = DevMail {
                    message_id: mail.message_id.clone(),
                    to: mail.to.clone(),
                    from: format!("{} <{}>", mail.from_name, self.from_addr),
                    subject: mail.subject.clone(),
                    text: mail.body.clone(),
                    sent_at: self.clock.unix(),
                };
                let result = async {
                    let mut conn = self.store.acquire().await?;
                    outbox::dev_deliver(&mut conn, &dev).await
                }
                .await;
                match result {
                    Ok(()) => Outcome::Sent,
                    Err(e) => Outcome::Failed { error: e.to_string(), permanent: false },
                }
            }
            Transport::Smtp(smtp) => match self.message(mail) {
                Err(error) => Outcome::Failed { error, permanent: true },
                Ok(message) => match smtp.send(message).await {
                    Ok(_) => Outcome::Sent,
                    Err(e) => Outcome::Failed { permanent: e.is_permanent(), error: e.to_string() },
                },
            },
        }
    }

    fn message(&self, mail: &QueuedMail) -> Result<Message, String> {
        compose(mail, &self.from_addr)
    }
}

/// The mail as it goes out over SMTP.
///
/// Its `Date:` is when the mail was queued, read from the portal's clock (the test clock
/// under `--test-clock`), in Japan's time, +0900: the time the texts in the mail were
/// written at, the same on every retry (as the Message-ID is), and what a Japanese reader's
/// mail program shows. lettre would write the wall clock's time in UTC (+0000) at sending.
fn compose(mail: &QueuedMail, from_addr: &str) -> Result<Message, String> {
    let from_addr = from_addr.parse().map_err(|e| format!("sender address: {e}"))?;
    let to: Mailbox = mail.to.parse().map_err(|e| format!("recipient address: {e}"))?;
    let mut message = Message::builder()
        .message_id(Some(mail.message_id.clone()))
        .from(Mailbox::new(Some(mail.from_name.clone()), from_addr))
        .to(to)
        .subject(mail.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| e.to_string())?;
    message.headers_mut().insert_raw(HeaderValue::new(HeaderName::new_from_ascii_str("Date"), date(mail.created_at)));
    Ok(message)
}

/// RFC 5322 date-time in +0900 (`Tue, 24 Nov 2026 10:00:00 +0900`).
fn date(unix: i64) -> String {
    let at = chrono::DateTime::from_timestamp(unix, 0).unwrap_or_default();
    at.with_timezone(&madoguchi_core::clock::JST).to_rfc2822()
}

/// 30 s, 1 min, 2 min … capped at one hour.
fn backoff_seconds(attempts: i64) -> i64 {
    let exp = attempts.clamp(1, 8) - 1;
    (30_i64 << exp).min(3600)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queued(created_at: i64) -> QueuedMail {
        QueuedMail {
            id: 1,
            message_id: "<1@madoguchi.localhost>".into(),
            portal: "rokin".into(),
            kind: "login_code".into(),
            to: "taro@example.jp".into(),
            from_name: "賃金控除事務支援システム".into(),
            subject: "件名".into(),
            body: "本文".into(),
            attempts: 1,
            created_at,
        }
    }

    /// Issue 14 item 7: the Date was the wall clock's, in UTC.
    #[test]
    fn the_date_is_the_portal_clocks_in_japan_time() {
        // 2027-01-02 12:00 JST, a moment no wall clock shows while the tests run.
        let at = chrono::DateTime::parse_from_rfc3339("2027-01-02T12:00:00+09:00").unwrap().timestamp();
        let raw = String::from_utf8(compose(&queued(at), "no-reply@madoguchi.localhost").unwrap().formatted()).unwrap();
        let dates: Vec<&str> = raw.lines().filter(|l| l.starts_with("Date: ")).collect();
        assert_eq!(dates, ["Date: Sat, 2 Jan 2027 12:00:00 +0900"], "{raw}");
    }

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff_seconds(1), 30);
        assert_eq!(backoff_seconds(2), 60);
        assert_eq!(backoff_seconds(5), 480);
        assert_eq!(backoff_seconds(8), 3600);
        assert_eq!(backoff_seconds(30), 3600);
    }
}
