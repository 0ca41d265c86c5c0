//! Outages: the SMTP server away for a while, a request stuck behind the database, and
//! PostgreSQL restarted under load (on a private cluster this test starts and stops itself:
//! the machine's shared PostgreSQL is never touched).

use crate::smtp::{free_port, received, start_sink};
use crate::testkit::{Page, TestApp, backend_under_test, fresh_database};
use madoguchi_core::{Clock, Config};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const UNAVAILABLE: &str = "ただいまご利用いただけません";

fn metric(page: &Page, name: &str) -> i64 {
    let line = page.body.lines().find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '));
    line.and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} in {}", page.body))
}

async fn apply(app: &TestApp, login_id: &str) {
    let email = format!("{login_id}@example.jp");
    app.post_confirmed(
        "/mlit-fwms/register",
        &[("login_id", login_id), ("login_id_again", login_id), ("email", &email), ("email_again", &email)],
    )
    .await
    .assert_contains("仮申請を受け付けました。");
}

#[tokio::test]
async fn mail_waits_while_smtp_is_away_the_console_and_metrics_show_the_backlog_then_it_goes_out() {
    let port = free_port();
    let sink = start_sink(port);
    let app = TestApp::with(Config::demo().unwrap(), Some(&format!("smtp://127.0.0.1:{port}")), true).await;
    // The console's code comes by mail: the operator signs in while mail still works.
    let operator = app.browser();
    let email = madoguchi::demo::operator_email("mlit-fwms");
    operator
        .post("/mlit-fwms/operator/login", &[("email", &email), ("password", madoguchi::demo::OPERATOR_PASSWORD)])
        .await;
    assert_eq!(app.deliver_mail().await, 1);
    let code = crate::testkit::code_in(received(&sink)[0]["body"].as_str().unwrap());
    let page = operator.post("/mlit-fwms/operator/login/code", &[("code", &code)]).await;
    assert_eq!(page.location(), "/mlit-fwms/operator/");
    drop(sink);

    // SMTP is away: registrations still work, their mails wait.
    for id in ["wait01", "wait02", "wait03"] {
        apply(&app.browser(), id).await;
    }
    // One round tries every due mail at once (the worker sends up to 32 side by side).
    assert_eq!(app.deliver_mail().await, 3);
    assert_eq!(app.deliver_mail().await, 0, "nothing is due before its backoff");
    app.clock.advance(600);
    assert_eq!(app.deliver_mail().await, 3, "due again after the backoff: still away");
    assert_eq!(app.get("/mlit-fwms/").await.status, 200, "pages keep working");
    apply(&app.browser(), "wait04").await;

    let outbox = operator.get("/mlit-fwms/operator/outbox").await;
    outbox
        .assert_contains("<dd id=\"count-pending\">1</dd>")
        .assert_contains("<dd id=\"count-retrying\">3</dd>")
        .assert_contains("<dd id=\"count-sent\">1</dd>")
        .assert_contains(
            "未送信のメールが 4 通あります。最も古いものは 2026-11-24 10:00 に登録され、10 分待っています。",
        )
        .assert_contains("Connection refused");
    let metrics = app.get("/metrics").await;
    assert_eq!(metric(&metrics, "madoguchi_outbox_backlog"), 4);
    assert_eq!(metric(&metrics, "madoguchi_outbox_oldest_waiting_seconds"), 600);
    assert_eq!(metric(&metrics, "madoguchi_database_up"), 1);
    assert_eq!(metric(&metrics, "madoguchi_mail_send_failures_total"), 6);

    // SMTP is back: everything goes out at the next due attempt, each mail once.
    let sink = start_sink(port);
    app.clock.advance(120);
    assert_eq!(app.deliver_mail().await, 4);
    let mails = received(&sink);
    let mut to: Vec<&str> = mails.iter().map(|m| m["rcpt"][0].as_str().unwrap()).collect();
    to.sort();
    assert_eq!(to, ["wait01@example.jp", "wait02@example.jp", "wait03@example.jp", "wait04@example.jp"]);
    let metrics = app.get("/metrics").await;
    assert_eq!(metric(&metrics, "madoguchi_outbox_backlog"), 0);
    assert_eq!(metric(&metrics, "madoguchi_outbox_oldest_waiting_seconds"), 0);
    operator
        .get("/mlit-fwms/operator/outbox")
        .await
        .assert_contains("<dd id=\"count-sent\">5</dd>")
        .assert_lacks("未送信のメールが");
}

/// A request that waits on the database longer than `server.request_timeout_seconds` gets the
/// 503 page in Japanese, and its change is rolled back.
#[tokio::test]
async fn a_request_stuck_behind_a_database_lock_ends_with_the_503_page_at_its_deadline() {
    let mut config = Config::demo().unwrap();
    config.server.request_timeout_seconds = 1;
    let app = TestApp::on_database(config, None, true, fresh_database().await).await;
    app.get("/").await;
    // Another connection holds what the login must write.
    let mut conn = app.state.store.acquire().await.unwrap();
    let lock = match app.state.store.backend() {
        madoguchi_store::Backend::Sqlite => "BEGIN IMMEDIATE",
        madoguchi_store::Backend::Postgres => "BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE",
    };
    madoguchi_store::raw_execute(&mut conn, lock).await.unwrap();
    let started = Instant::now();
    let page = app.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "Wrong-Pass-1")]).await;
    let took = started.elapsed();
    madoguchi_store::raw_execute(&mut conn, "ROLLBACK").await.unwrap();
    drop(conn);
    assert_eq!(page.status, 503, "{}", page.body);
    page.assert_contains(UNAVAILABLE);
    assert!(page.headers.contains_key("retry-after"));
    assert!(took < Duration::from_secs(3), "answered after {took:?}");
    // Nothing of the timed-out request stayed: the failure was not counted.
    let mut conn = app.state.store.acquire().await.unwrap();
    let failed: i64 = sqlx::query_scalar("SELECT failed_count FROM users WHERE login_id = 'demo-kikan'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(failed, 0);
}

// ---- a private PostgreSQL cluster ----

/// A PostgreSQL cluster of this test's own, in a temporary folder, on a free port. As root,
/// initdb and pg_ctl run as the `postgres` user (PostgreSQL refuses to run as root).
struct Cluster {
    dir: std::path::PathBuf,
    bin: std::path::PathBuf,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    fn start() -> Result<Cluster, String> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .map_err(|e| format!("no /usr/lib/postgresql: {e}"))?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|p| p.join("initdb").exists())
            .max()
            .ok_or("no initdb under /usr/lib/postgresql/*/bin")?;
        // Root or not: libc is no dependency here, so ask `id`.
        let uid = Command::new("id").arg("-u").output().map_err(|e| e.to_string())?;
        let as_postgres = String::from_utf8_lossy(&uid.stdout).trim() == "0";
        let dir = std::env::temp_dir().join(format!("madoguchi-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let cluster = Cluster { dir, bin, port: free_port(), as_postgres };
        if as_postgres {
            let ok = Command::new("chown").args(["postgres:postgres"]).arg(&cluster.dir).status();
            if !ok.map(|s| s.success()).unwrap_or(false) {
                return Err("cannot give the cluster folder to the postgres user".into());
            }
        }
        let data = cluster.dir.join("data");
        cluster.run("initdb", &["-D", path(&data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"])?;
        cluster.pg_ctl_start()?;
        Ok(cluster)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<(), String> {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let out = command.args(args).stdin(Stdio::null()).output().map_err(|e| format!("{tool}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{tool} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    fn pg_ctl_start(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60",
            self.port,
            path(&self.dir)
        );
        let log = self.dir.join("log");
        self.run("pg_ctl", &["-D", path(&self.dir.join("data")), "-l", path(&log), "-o", &options, "-w", "start"])
    }

    /// `fast`: what a restart does (sessions are ended, transactions rolled back).
    fn stop(&self, mode: &str) -> Result<(), String> {
        self.run("pg_ctl", &["-D", path(&self.dir.join("data")), "-m", mode, "-w", "stop"])
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.stop("immediate");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn path(p: &std::path::Path) -> &str {
    p.to_str().unwrap_or("")
}

/// Skips on SQLite; where PostgreSQL is required, not being able to run is a failure.
fn private_cluster() -> Option<Cluster> {
    let required = std::env::var("MADOGUCHI_REQUIRE_POSTGRES").is_ok();
    if backend_under_test() != "postgres" {
        assert!(!required, "MADOGUCHI_REQUIRE_POSTGRES is set but the run is not on PostgreSQL");
        eprintln!("skipped: the PostgreSQL restart runs in the PostgreSQL mode only");
        return None;
    }
    match Cluster::start() {
        Ok(cluster) => Some(cluster),
        Err(e) if required => panic!("a private PostgreSQL cluster is required and could not start: {e}"),
        Err(e) => {
            eprintln!("skipped: no private PostgreSQL cluster: {e}");
            None
        }
    }
}

struct Seen {
    at: Instant,
    what: &'static str,
    status: u16,
    took: Duration,
    japanese_503: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_restarted_under_load_answers_a_japanese_503_fast_and_recovers_by_itself() {
    let Some(cluster) = private_cluster() else { return };
    let app = Arc::new(TestApp::on_database(Config::demo().unwrap(), None, true, cluster.url()).await);
    let seen = Arc::new(std::sync::Mutex::new(Vec::<Seen>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    for i in 0..6 {
        let (b, seen, stop) = (app.browser(), seen.clone(), stop.clone());
        load.push(tokio::spawn(async move {
            b.get("/").await;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let started = Instant::now();
                let (what, page) = match i % 3 {
                    0 => ("page", b.get("/jrec-in/").await),
                    1 => (
                        "login",
                        b.post("/jrec-in/login", &[("login_id", "nobody01"), ("password", "Wrong-Pass-1")]).await,
                    ),
                    _ => ("console", b.get("/jrec-in/operator/login").await),
                };
                let japanese_503 = page.body.contains(UNAVAILABLE) && page.headers.contains_key("retry-after");
                let entry = Seen {
                    at: Instant::now(),
                    what,
                    status: page.status.as_u16(),
                    took: started.elapsed(),
                    japanese_503,
                };
                seen.lock().unwrap().push(entry);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    // One request is inside its transaction when PostgreSQL goes: it waits on a lock this
    // test holds, and the shutdown ends its session under it (SQLSTATE 57P01).
    let mut holder = app.state.store.acquire().await.unwrap();
    madoguchi_store::raw_execute(&mut holder, "BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let in_flight = {
        let b = app.browser();
        tokio::spawn(async move {
            b.get("/").await;
            b.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "Wrong-Pass-1")]).await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopping = Instant::now();
    cluster.stop("fast").unwrap();
    let in_flight = in_flight.await.expect("no panic");
    assert_eq!(in_flight.status, 503, "a transaction cut off by the shutdown: {}", in_flight.body);
    in_flight.assert_contains(UNAVAILABLE);
    drop(holder);
    let stopped = Instant::now();
    eprintln!("PostgreSQL stopped in {:?}", stopped - stopping);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let down = app.get("/metrics").await;
    assert_eq!(metric(&down, "madoguchi_database_up"), 0);
    assert_eq!(app.get("/readyz").await.status, 503);
    cluster.pg_ctl_start().unwrap();
    let back = Instant::now();
    eprintln!("PostgreSQL started again in {:?}", back - stopped);
    // Recovered by itself: every kind of request succeeds again, with no help from us.
    let recovered = loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let all_back = ["page", "login", "console"]
            .iter()
            .all(|w| seen.lock().unwrap().iter().any(|s| s.at > back && s.what == *w && s.status < 500));
        if all_back {
            break back.elapsed();
        }
        assert!(back.elapsed() < Duration::from_secs(20), "not recovered 20 s after PostgreSQL came back");
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for task in load {
        task.await.expect("no panic in a load task");
    }
    assert_eq!(metric(&app.get("/metrics").await, "madoguchi_database_up"), 1);
    assert_eq!(app.get("/readyz").await.status, 200);

    let seen = seen.lock().unwrap();
    let errors: Vec<String> = seen
        .iter()
        .filter(|s| s.status >= 500 && !(s.status == 503 && s.japanese_503))
        .map(|s| format!("{} {} after {:?}", s.what, s.status, s.took))
        .collect();
    assert!(errors.is_empty(), "only the Japanese 503 page may answer an outage: {errors:?}");
    let during: Vec<&Seen> = seen.iter().filter(|s| s.at > stopped && s.at < back).collect();
    let unavailable = during.iter().filter(|s| s.status == 503).count();
    assert!(unavailable > 0, "the outage was seen ({} requests during it)", during.len());
    let slowest = seen.iter().map(|s| s.took).max().unwrap_or_default();
    // Fail fast: no request waits much longer than the pool's acquire timeout.
    let bound = madoguchi_store::ACQUIRE_TIMEOUT + Duration::from_secs(2);
    assert!(slowest < bound, "the slowest request took {slowest:?} (bound {bound:?})");
    let ok = seen.iter().filter(|s| s.status < 500).count();
    eprintln!(
        "{} requests: {ok} answered, {unavailable} × 503 during the outage, slowest {slowest:?}, recovered {recovered:?} after the restart",
        seen.len()
    );
}

/// More password resets at once than the pool has connections: each holds its transaction
/// while it builds the mail, which must not need a second connection (with every connection
/// held by a transaction waiting for one more, the requests would wait out the pool's
/// timeout and fail with 503).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_password_resets_larger_than_the_pool_all_succeed() {
    let app = Arc::new(TestApp::demo().await);
    let portal = app.state.config.portal("hellowork").unwrap().clone();
    let mut browsers = Vec::new();
    for i in 0..24 {
        let email = format!("burst{i}@example.jp");
        let account = madoguchi_identity::accounts::NewAccount {
            organization: "窓口商事",
            office: "",
            login_id: &email,
            email: &email,
            name: "一斉 太郎",
            password: Some("Burst-Pass-1!"),
            permanent: true,
            actor: "test",
        };
        madoguchi_identity::accounts::create(
            &app.state.store,
            &app.state.hasher,
            &portal,
            "x.jp",
            &account,
            app.clock.unix(),
        )
        .await
        .unwrap();
        let b = app.browser();
        let page = b.post("/hellowork/password/forgot", &[("login_id", &email)]).await;
        assert_eq!(page.location(), "/hellowork/password/reset");
        browsers.push((b, email));
    }
    let mails = app.mails().await;
    let mut tasks = Vec::new();
    for (b, email) in browsers {
        let mail = mails.iter().find(|m| m.to == email).unwrap();
        let key: String = mail.text.lines().find_map(|l| l.strip_prefix("認証キー：")).unwrap().trim().to_string();
        tasks.push(tokio::spawn(async move {
            let started = Instant::now();
            let page = b
                .post(
                    "/hellowork/password/reset",
                    &[("new", "Burst-New-2!"), ("confirm", "Burst-New-2!"), ("key", &key)],
                )
                .await;
            (page.status, page.body.contains("パスワードを再登録しました。"), started.elapsed())
        }));
    }
    for task in tasks {
        let (status, done, took) = task.await.unwrap();
        assert!(status == 200 && done, "a reset answered {status} after {took:?}");
    }
    let changed = app.mails().await.iter().filter(|m| m.subject.ends_with("パスワード変更のお知らせ")).count();
    assert_eq!(changed, 24);
}
