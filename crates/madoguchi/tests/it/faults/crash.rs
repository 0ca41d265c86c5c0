//! Crash safety: the real server binary (`madoguchi serve`, mail through a real SMTP server)
//! is killed with SIGKILL at random moments while clients run mlit-fwms 仮申請 → 本申請 and
//! hellowork password resets, and restarted each time. Afterwards:
//!
//! - every step a client saw confirmed has its mail delivered, a repeat only with the same
//!   Message-ID;
//! - no mail exists for a step the client did not see confirmed, unless the client never saw
//!   its answer (the process died under it) and the change it mails about did happen: the
//!   state and its mail are both there or both absent;
//! - no account is half-made;
//! - the database passes an integrity check (SQLite `PRAGMA integrity_check` and
//!   `foreign_key_check`; on PostgreSQL amcheck on every index where the extension exists)
//!   and the consistency queries below, on both databases.
//!
//! The kill moments come from a seeded generator; the seed is printed, and
//! `MADOGUCHI_CRASH_SEED=<n>` replays the same schedule (the clients' timing still varies).
//! The server runs on its test clock, which a ticker moves 20× faster than real time, so a mail
//! leased by a killed process is due again after 6 s instead of 2 min.

use super::crash_checks::{check_database, check_integrity, check_mails_against_steps};
use crate::smtp::{Sink, free_port, start_sink};
use crate::testkit::{backend_under_test, fresh_database};
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const KILLS: usize = 24;
const MLIT_WORKERS: usize = 2;
pub(crate) const HELLOWORK_WORKERS: usize = 2;
pub(crate) const USERS_PER_WORKER: usize = 3;
pub(crate) const HW_PASSWORD: &str = "Crash-Test-0!";

// ---- a seeded generator (splitmix64): the schedule is reproducible from the seed ----

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

// ---- the server process ----

struct Server {
    bin: &'static str,
    config: std::path::PathBuf,
    database: String,
    port: u16,
    log: std::path::PathBuf,
    child: Option<Child>,
    /// The test clock, Unix seconds, as the server last reported it: a restart resumes it.
    clock: Arc<AtomicI64>,
}

impl Server {
    fn spawn(&mut self) {
        let start = chrono::DateTime::from_timestamp(self.clock.load(Ordering::SeqCst), 0).unwrap().to_rfc3339();
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        let child = Command::new(self.bin)
            .args(["--config", self.config.to_str().unwrap(), "--database", &self.database, "serve"])
            .args(["--listen", &format!("127.0.0.1:{}", self.port), "--test-clock", "--test-clock-start", &start])
            .env("RUST_LOG", "warn,madoguchi_mail=info")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
    }

    /// SIGKILL (what `Child::kill` sends on Unix): no shutdown code runs.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    async fn wait_ready(&self) {
        let started = Instant::now();
        loop {
            if let Ok(r) = request(self.port, "GET", "/readyz", "", None).await
                && r.status == 200
            {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "the server did not come up:\n{}", self.log_tail());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

// ---- a tiny HTTP/1.1 client (one connection per request, like a browser after a restart) ----

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

async fn request(port: u16, method: &str, path: &str, cookies: &str, form: Option<&str>) -> Result<Response, String> {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.map_err(|e| e.to_string())?;
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        if !cookies.is_empty() {
            head.push_str(&format!("Cookie: {cookies}\r\n"));
        }
        let body = form.unwrap_or("");
        if form.is_some() {
            head.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        stream.write_all(head.as_bytes()).await.map_err(|e| e.to_string())?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.map_err(|e| e.to_string())?;
        parse(&raw)
    };
    tokio::time::timeout(Duration::from_secs(20), exchange).await.map_err(|_| "timed out".to_string())?
}

fn parse(raw: &[u8]) -> Result<Response, String> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or("the connection closed before an answer")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).ok_or("no status line")?;
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))).collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body).ok_or("a chunked body cut short")?;
    } else if let Some(len) =
        headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-length")).and_then(|(_, v)| v.parse().ok())
    {
        if body.len() < len {
            return Err("a body cut short".into());
        }
        body.truncate(len);
    }
    Ok(Response { status, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let end = data.windows(2).position(|w| w == b"\r\n")?;
        let size = usize::from_str_radix(std::str::from_utf8(&data[..end]).ok()?.trim(), 16).ok()?;
        data = &data[end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

/// One browser: its cookies, and the CSRF token it repeats in forms.
struct Browser {
    port: u16,
    jar: Mutex<BTreeMap<String, String>>,
    /// Told when a step is sent, for the kills aimed at a request being handled.
    sending: Arc<tokio::sync::Notify>,
}

impl Browser {
    fn new(shared: &Shared) -> Browser {
        Browser { port: shared.port, jar: Mutex::default(), sending: shared.sending.clone() }
    }

    fn cookies(&self) -> String {
        self.jar.lock().unwrap().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn send(&self, method: &str, path: &str, form: Option<&str>) -> Result<Response, String> {
        let response = request(self.port, method, path, &self.cookies(), form).await?;
        for (k, v) in &response.headers {
            if !k.eq_ignore_ascii_case("set-cookie") {
                continue;
            }
            let pair = v.split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.split_once('=') {
                let mut jar = self.jar.lock().unwrap();
                if v.contains("Max-Age=0") || value.is_empty() {
                    jar.remove(name);
                } else {
                    jar.insert(name.to_string(), value.to_string());
                }
            }
        }
        Ok(response)
    }

    /// A form post as a browser makes it. Fetching the token first is not the step: a failure
    /// there is retried here, so the step itself is sent exactly once.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Result<Response, String> {
        while self.jar.lock().unwrap().get("mdg_csrf").is_none() {
            if self.send("GET", "/", None).await.is_err() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        let token = self.jar.lock().unwrap().get("mdg_csrf").cloned().unwrap_or_default();
        let body = {
            let mut body = url::form_urlencoded::Serializer::new(String::new());
            body.append_pair("_csrf", &token);
            for (k, v) in fields {
                body.append_pair(k, v);
            }
            body.finish()
        };
        self.sending.notify_waiters();
        self.send("POST", path, Some(&body)).await
    }
}

// ---- what the clients saw ----

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Step {
    /// 利用者仮申請 with this login ID and e-mail (each attempt its own address).
    Apply { login_id: String, email: String },
    /// 利用者本申請 of this login ID.
    Complete { login_id: String },
    /// パスワードをお忘れの方 for this address.
    Forgot { email: String },
    /// パスワード再登録 of this address with this new password.
    Reset { email: String, password: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Confirmed,
    Refused(String),
    /// The connection broke: the server may or may not have done it.
    Unknown(String),
}

#[derive(Default)]
pub(crate) struct Ledger(pub(crate) Mutex<Vec<(Step, Outcome)>>);

impl Ledger {
    fn record(&self, step: Step, outcome: Outcome) {
        self.0.lock().unwrap().push((step, outcome));
    }

    pub(crate) fn outcomes(&self, step: &Step) -> Vec<Outcome> {
        self.0.lock().unwrap().iter().filter(|(s, _)| s == step).map(|(_, o)| o.clone()).collect()
    }

    pub(crate) fn count(&self, pred: impl Fn(&Step, &Outcome) -> bool) -> usize {
        self.0.lock().unwrap().iter().filter(|(s, o)| pred(s, o)).count()
    }
}

// ---- what the SMTP server received ----

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Mail {
    pub(crate) message_id: String,
    pub(crate) to: String,
    pub(crate) subject: String,
    pub(crate) body: String,
}

/// The sink's file, read while it is written: a last line being written is left for later.
fn mails(sink: &Sink) -> Vec<Mail> {
    let text = std::fs::read_to_string(&sink.out).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|m| Mail {
            message_id: m["message_id"].as_str().unwrap_or("").to_string(),
            to: m["rcpt"][0].as_str().unwrap_or("").to_string(),
            subject: m["subject"].as_str().unwrap_or("").to_string(),
            body: m["body"].as_str().unwrap_or("").to_string(),
        })
        .collect()
}

pub(crate) fn line_value(body: &str, label: &str) -> Option<String> {
    body.lines().find_map(|l| l.strip_prefix(label)).map(|v| v.trim().to_string())
}

pub(crate) const PROVISIONAL: &str = "仮パスワード発行のお知らせ";
pub(crate) const COMPLETED: &str = "本登録完了のお知らせ";
pub(crate) const RESET_KEY: &str = "パスワード再登録申込受付通知";
pub(crate) const CHANGED: &str = "パスワード変更のお知らせ";

/// Distinct mails (by Message-ID) of a kind, oldest first.
pub(crate) fn distinct(all: &[Mail], kind: &str, pred: impl Fn(&Mail) -> bool) -> Vec<Mail> {
    let mut seen = BTreeSet::new();
    all.iter().filter(|m| m.subject.ends_with(kind) && pred(m) && seen.insert(m.message_id.clone())).cloned().collect()
}

// ---- the clients ----

struct Shared {
    port: u16,
    sink: Sink,
    ledger: Ledger,
    stop: AtomicBool,
    tag: u64,
    sending: Arc<tokio::sync::Notify>,
}

impl Shared {
    /// Waits for a mail the server owes; None after `limit` (the checks then report it).
    async fn wait_mail(&self, limit: Duration, pick: impl Fn(&[Mail]) -> Option<Mail>) -> Option<Mail> {
        let started = Instant::now();
        loop {
            if let Some(m) = pick(&mails(&self.sink)) {
                return Some(m);
            }
            if started.elapsed() > limit {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn outcome(result: &Result<Response, String>, confirmed: impl Fn(&Response) -> bool) -> Outcome {
    match result {
        Ok(r) if confirmed(r) => Outcome::Confirmed,
        Ok(r) => Outcome::Refused(format!("{}: {}", r.status, r.body.chars().take(200).collect::<String>())),
        Err(e) => Outcome::Unknown(e.clone()),
    }
}

/// 仮申請 → the mailed 仮パスワード → 本申請, again and again.
async fn mlit_worker(shared: Arc<Shared>, w: usize) {
    let browser = Browser::new(&shared);
    for n in 0.. {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let login_id = format!("k{}w{w}n{n}", shared.tag);
        let mut applied = None;
        for a in 0..8 {
            let email = format!("{login_id}a{a}@example.jp");
            let result = browser
                .post(
                    "/mlit-fwms/register",
                    &[
                        ("login_id", &login_id),
                        ("login_id_again", &login_id),
                        ("email", &email),
                        ("email_again", &email),
                        // 「はい」 on the confirmation page: the POST that changes state.
                        ("_step", "confirmed"),
                    ],
                )
                .await;
            let seen = outcome(&result, |r| r.status == 200 && r.body.contains("仮申請を受け付けました"));
            shared.ledger.record(Step::Apply { login_id: login_id.clone(), email: email.clone() }, seen.clone());
            if seen == Outcome::Confirmed {
                applied = Some(email);
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let Some(email) = applied else { continue };
        let mail =
            shared.wait_mail(Duration::from_secs(30), |all| distinct(all, PROVISIONAL, |m| m.to == email).pop()).await;
        let Some(temporary) = mail.and_then(|m| line_value(&m.body, "仮パスワード：")) else { continue };
        let password = format!("Zq-{n}{w}-Mx{}", shared.tag % 97);
        for _ in 0..4 {
            let result = browser
                .post(
                    "/mlit-fwms/register/complete",
                    &[
                        ("login_id", &login_id),
                        ("temporary", &temporary),
                        ("new", &password),
                        ("confirm", &password),
                        ("_step", "confirmed"),
                    ],
                )
                .await;
            let seen = outcome(&result, |r| r.status == 303 && r.header("location") == Some("/mlit-fwms/home"));
            shared.ledger.record(Step::Complete { login_id: login_id.clone() }, seen.clone());
            if !matches!(seen, Outcome::Unknown(_)) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// パスワードをお忘れの方 → the mailed 認証キー → パスワード再登録, for this worker's users in turn.
async fn hellowork_worker(shared: Arc<Shared>, w: usize) {
    for n in 0.. {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let email = hellowork_user(w, n % USERS_PER_WORKER);
        // Each request for a key is a browser of its own: the key is bound to its cookie.
        let browser = Browser::new(&shared);
        let before: BTreeSet<String> =
            distinct(&mails(&shared.sink), RESET_KEY, |m| m.to == email).into_iter().map(|m| m.message_id).collect();
        let mut asked = false;
        for _ in 0..8 {
            let result = browser.post("/hellowork/password/forgot", &[("login_id", &email)]).await;
            let seen =
                outcome(&result, |r| r.status == 303 && r.header("location") == Some("/hellowork/password/reset"));
            shared.ledger.record(Step::Forgot { email: email.clone() }, seen.clone());
            if seen == Outcome::Confirmed {
                asked = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if !asked {
            continue;
        }
        // Keys mailed since: this request's, or that of one whose answer was lost; try each.
        let first = shared
            .wait_mail(Duration::from_secs(30), |all| {
                distinct(all, RESET_KEY, |m| m.to == email && !before.contains(&m.message_id)).pop()
            })
            .await;
        if first.is_none() {
            continue;
        }
        let keys: Vec<String> =
            distinct(&mails(&shared.sink), RESET_KEY, |m| m.to == email && !before.contains(&m.message_id))
                .iter()
                .rev()
                .filter_map(|m| line_value(&m.body, "認証キー："))
                .collect();
        let password = format!("Hw-{n}-{w}-Reset!");
        'keys: for key in keys {
            for _ in 0..4 {
                let result = browser
                    .post("/hellowork/password/reset", &[("new", &password), ("confirm", &password), ("key", &key)])
                    .await;
                let seen = outcome(&result, |r| r.status == 200 && r.body.contains("パスワードを再登録しました。"));
                shared.ledger.record(Step::Reset { email: email.clone(), password: password.clone() }, seen.clone());
                match seen {
                    Outcome::Confirmed => break 'keys,
                    Outcome::Refused(_) => continue 'keys,
                    Outcome::Unknown(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        }
    }
}

pub(crate) fn hellowork_user(w: usize, i: usize) -> String {
    format!("hw{w}u{i}@example.jp")
}

// ---- the run ----

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_at_random_moments_the_server_loses_no_mail_and_no_half_made_account() {
    let started = Instant::now();
    let seed = std::env::var("MADOGUCHI_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
    });
    eprintln!(
        "crash test on {}: seed {seed} (MADOGUCHI_CRASH_SEED={seed} replays the kill schedule)",
        backend_under_test()
    );
    let mut rng = Rng(seed);

    let smtp_port = free_port();
    let sink = start_sink(smtp_port);
    let dir = std::env::temp_dir().join(format!("madoguchi-crash-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("madoguchi.toml");
    // The two portals of the run, with mlit-fwms's 仮申請 and hellowork's per-address and
    // per-IP limits on key requests raised: every client here comes from 127.0.0.1 and asks many times an hour.
    std::fs::write(
        &config,
        format!(
            "[server]\nallow_test_clock = true\nsmtp = \"smtp://127.0.0.1:{smtp_port}\"\ndata_dir = \"{}\"\n\
             [server.argon2]\nm_kib = 256\nt = 1\np = 1\n\
             [[portal]]\nid = \"mlit-fwms\"\npreset = \"mlit-fwms\"\n\
             [portal.registration]\nper_address_per_hour = 100000\nper_ip_per_hour = 100000\n\
             [[portal]]\nid = \"hellowork\"\npreset = \"hellowork\"\n\
             [portal.recovery]\nper_address_per_hour = 100000\nper_ip_per_hour = 100000\n",
            dir.join("data").display()
        ),
    )
    .unwrap();
    let database = fresh_database().await;
    let bin = env!("CARGO_BIN_EXE_madoguchi");
    for w in 0..HELLOWORK_WORKERS {
        for i in 0..USERS_PER_WORKER {
            let email = hellowork_user(w, i);
            let mut add = Command::new(bin)
                .args(["--config", config.to_str().unwrap(), "--database", &database, "account", "add"])
                .args(["--portal", "hellowork", "--organization", "株式会社クラッシュ", "--email", &email])
                .args(["--name", "試験 太郎", "--password-stdin"])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            use std::io::Write;
            add.stdin.take().unwrap().write_all(HW_PASSWORD.as_bytes()).unwrap();
            assert!(add.wait().unwrap().success(), "account add {email}");
        }
    }

    let clock = Arc::new(AtomicI64::new(crate::testkit::tuesday_morning().timestamp()));
    let port = free_port();
    let mut server = Server {
        bin,
        config,
        database: database.clone(),
        port,
        log: dir.join("server.log"),
        child: None,
        clock: clock.clone(),
    };
    server.spawn();
    server.wait_ready().await;

    // The ticker: simulated time runs 20× (5 s every 250 ms) while the server is up.
    let ticking = Arc::new(AtomicBool::new(true));
    let ticker = {
        let (clock, ticking) = (clock.clone(), ticking.clone());
        tokio::spawn(async move {
            while ticking.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(250)).await;
                if let Ok(r) = request(port, "POST", "/_dev/clock/advance", "", Some("seconds=5")).await
                    && let Ok(json) = serde_json::from_str::<serde_json::Value>(&r.body)
                    && let Some(unix) = json["unix"].as_i64()
                {
                    clock.fetch_max(unix, Ordering::SeqCst);
                }
            }
        })
    };

    let sending = Arc::new(tokio::sync::Notify::new());
    let shared = Arc::new(Shared {
        port,
        sink,
        ledger: Ledger::default(),
        stop: AtomicBool::new(false),
        tag: seed % 10_000,
        sending: sending.clone(),
    });
    let mut workers = Vec::new();
    for w in 0..MLIT_WORKERS {
        workers.push(tokio::spawn(mlit_worker(shared.clone(), w)));
    }
    for w in 0..HELLOWORK_WORKERS {
        workers.push(tokio::spawn(hellowork_worker(shared.clone(), w)));
    }

    // The kills: half a few milliseconds after a client sent a step (inside its handler,
    // between its commit and its answer, or while its mail goes out), a third at any moment
    // while serving, the rest while the server is still starting.
    let (mut during_start, mut aimed) = (0, 0);
    for _ in 0..KILLS {
        match rng.below(6) {
            0 => {
                tokio::time::sleep(Duration::from_millis(rng.below(150))).await;
                during_start += 1;
            }
            1..=3 => {
                server.wait_ready().await;
                tokio::time::sleep(Duration::from_millis(100 + rng.below(400))).await;
                let _ = tokio::time::timeout(Duration::from_secs(2), sending.notified()).await;
                tokio::time::sleep(Duration::from_micros(rng.below(15_000))).await;
                aimed += 1;
            }
            _ => {
                server.wait_ready().await;
                tokio::time::sleep(Duration::from_millis(200 + rng.below(1300))).await;
            }
        }
        server.kill();
        tokio::time::sleep(Duration::from_millis(rng.below(200))).await;
        server.spawn();
    }
    server.wait_ready().await;
    let killing_took = started.elapsed();

    // The clients finish what they are doing; the outbox drains.
    shared.stop.store(true, Ordering::SeqCst);
    for w in workers {
        tokio::time::timeout(Duration::from_secs(60), w)
            .await
            .expect("a client finished")
            .expect("no panic in a client");
    }
    let store = madoguchi_store::Store::connect(&database).await.unwrap();
    let drained = Instant::now();
    loop {
        let waiting: i64 = {
            let mut conn = store.acquire().await.unwrap();
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetch_one(&mut *conn).await.unwrap()
        };
        if waiting == 0 {
            break;
        }
        assert!(drained.elapsed() < Duration::from_secs(30), "{waiting} mails still waiting:\n{}", server.log_tail());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A last kill, so the integrity check reads a database left by SIGKILL.
    ticking.store(false, Ordering::SeqCst);
    let _ = ticker.await;
    server.kill();

    let ledger = &shared.ledger;
    let all = mails(&shared.sink);
    let mut problems = check_mails_against_steps(ledger, &all);
    problems.extend(check_database(&store, ledger, &all).await);
    problems.extend(check_integrity(&store).await);
    store.close().await;

    let count = |kind: fn(&Step) -> bool| {
        (
            ledger.count(|s, o| kind(s) && *o == Outcome::Confirmed),
            ledger.count(|s, o| kind(s) && matches!(o, Outcome::Unknown(_))),
        )
    };
    let apply = count(|s| matches!(s, Step::Apply { .. }));
    let complete = count(|s| matches!(s, Step::Complete { .. }));
    let forgot = count(|s| matches!(s, Step::Forgot { .. }));
    let reset = count(|s| matches!(s, Step::Reset { .. }));
    let repeats = all.len() - all.iter().map(|m| &m.message_id).collect::<BTreeSet<_>>().len();
    eprintln!(
        "crash test on {}: {KILLS} kills ({during_start} while starting, {aimed} aimed at a request) in {killing_took:.1?}, {:.1?} in all; \
         confirmed/unknown: 仮申請 {}/{}, 本申請 {}/{}, key requests {}/{}, resets {}/{}; \
         {} mails delivered, {repeats} of them repeats of a Message-ID",
        backend_under_test(),
        started.elapsed(),
        apply.0,
        apply.1,
        complete.0,
        complete.1,
        forgot.0,
        forgot.1,
        reset.0,
        reset.1,
        all.len()
    );
    assert!(problems.is_empty(), "seed {seed}:\n{}\nserver log:\n{}", problems.join("\n"), server.log_tail());
    assert!(complete.0 >= 5 && reset.0 >= 5, "too little work got done to judge (seed {seed})");
    let _ = std::fs::remove_dir_all(&dir);
}
