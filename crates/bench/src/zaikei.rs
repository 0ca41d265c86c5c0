//! rokin 財形 at the size of a large employer: one contract of `--zaikei-members` (5,000)
//! members, on SQLite and PostgreSQL, side by side (docs/BENCHMARKS.md, 「財形」):
//!
//! 1. **import**: the 預入依頼書 of every member (realistic names, the demo's generator) through
//!    `madoguchi zaikei import`, the operator's command, timed from spawn to exit;
//! 2. **照会**: 財形積立明細照会 under wrk (`paths` mode) for `--zaikei-seconds`, cycling through
//!    mixed filters (所属, 社員番号, 氏名 in half-width kana and hiragana, 財形種類, 変更区分) and
//!    deep pages (up to page 100), every answer a 200 (checked in `/metrics`);
//! 3. **PDF** of every row (財形積立明細書) and **CSV** of every row (CP932, the dearer encoding),
//!    each fetched 3 times over HTTP, timed from request to the last byte;
//! 4. **RSS**: the server's high-water mark (VmHWM) after all of it.
//!
//! rokin's users sign in with a client certificate, which the runner's HTTP client does not
//! present; like the HTTP tests (`TestApp::sign_in_as`), the runner opens the session the
//! certificate login opens after its last check (`sessions::insert_with`, the cookie the server
//! then reads). Everything after the session is the server's real path: the gate, the query,
//! the rendering, the limit and the audit entry. The portal's service hours are lifted in the
//! runner's config so that it can run at night and on weekends.

use crate::http;
use crate::server;
use crate::wrk;
use anyhow::{Context, bail};
use madoguchi::demo_zaikei;
use madoguchi_core::Config;
use madoguchi_core::rules::SessionRule;
use madoguchi_identity::accounts::{self, NewAccount};
use madoguchi_store::{Store, contracts, sessions};
use madoguchi_web::auth::{self, Hasher};
use serde::Serialize;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

const CONTRACT: &str = "87654321";
const DUE: &str = "2025-07-25";
const MASTER: &str = "Bench001";
/// The per-user output limit (財形's screens) is 60 an hour: the runner stays well below.
const FETCHES: usize = 3;

/// The budgets of issue 15 (bench figures of the 財形 module).
pub const BUDGET_QUERY_P99_MS: f64 = 50.0;
pub const BUDGET_PDF_S: f64 = 2.0;
pub const BUDGET_CSV_S: f64 = 0.5;
pub const BUDGET_IMPORT_S: f64 = 2.0;
pub const BUDGET_RSS_MB: f64 = 200.0;

/// One file fetched `FETCHES` times: seconds of each, and its size.
#[derive(Debug, Serialize)]
pub struct Fetch {
    pub runs_s: Vec<f64>,
    pub median_s: f64,
    pub worst_s: f64,
    pub bytes: usize,
}

impl Fetch {
    fn of(runs_s: Vec<f64>, bytes: usize) -> Fetch {
        let mut sorted = runs_s.clone();
        sorted.sort_by(f64::total_cmp);
        Fetch { median_s: sorted[sorted.len() / 2], worst_s: sorted[sorted.len() - 1], runs_s, bytes }
    }
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub name: String,
    pub members: usize,
    pub import_s: f64,
    pub query: wrk::Load,
    pub query_paths: usize,
    pub pdf: Fetch,
    pub csv: Fetch,
    pub rss_peak_mb: f64,
}

/// The 財形 figures on one database (`kind`: sqlite or postgres) at `database`.
pub async fn run(
    kind: &str,
    database: &str,
    work: &Path,
    madoguchi: &Path,
    script: &Path,
    members: usize,
    seconds: u64,
) -> anyhow::Result<Figures> {
    crate::step(&format!("{kind}: 財形, a contract of {members} members"));
    let addr = server::free_port()?;
    let config_path = work.join(format!("{kind}-zaikei.toml"));
    let config_text = config_text(addr, database);
    std::fs::write(&config_path, &config_text)?;
    let config = Config::parse(&config_path.display().to_string(), &config_text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let store = Store::connect(database).await?;
    store.migrate(chrono::Utc::now().timestamp()).await?;
    let user = seed_contract(&store, &config).await?;

    let file = work.join(format!("{kind}-deposit-{members}.csv"));
    std::fs::write(&file, demo_zaikei::deposit_csv(&demo_zaikei::members(members), DUE))?;
    let import_s = import(madoguchi, &config_path, &file).await?;
    println!("    import of {members} rows: {import_s:.2} s");
    let delivery: i64 = sqlx::query_scalar("SELECT id FROM zaikei_deliveries WHERE kind = 'deposit' AND due_on = $1")
        .bind(DUE)
        .fetch_one(store.pool())
        .await?;

    let log = work.join(format!("{kind}-zaikei.log"));
    let serve = vec!["--config".to_string(), config_path.display().to_string(), "serve".to_string()];
    let process = server::start(madoguchi, &serve, addr, "/readyz", &log).await?;
    let cookie = session(&store, &config, user).await?;
    let page = http::request(addr, "GET", "/rokin/zaikei/statements", &[("Cookie", &cookie)], None).await?;
    if page.status != 200 || !page.body.contains(&format!("<span id=\"row-total\">{members}</span>")) {
        bail!("財形積立明細照会 answered {} without the {members} rows (log: {})", page.status, log.display());
    }

    let paths = query_paths(delivery, members);
    let paths_file = work.join(format!("{kind}-zaikei-paths.txt"));
    std::fs::write(&paths_file, paths.join("\n") + "\n")?;
    let route = "/{portal}/zaikei/statements";
    let before = crate::route_counts(addr, route, "GET").await?;
    let query = wrk::run(wrk::Run {
        script,
        url: format!("http://{addr}"),
        threads: 1,
        connections: 4,
        seconds,
        args: vec!["paths".into(), cookie.clone(), paths_file.display().to_string()],
        server_pid: process.pid,
        database_pids: crate::backend_pids(&store).await?,
    })
    .await?;
    let after = crate::route_counts(addr, route, "GET").await?;
    let refused = crate::refused_since(&before, &after, 200);
    if refused > 0.0 || query.errors > 0 {
        bail!("{refused} 照会 pages were not 200, wrk counted {} errors (log: {})", query.errors, log.display());
    }
    println!("    照会: {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms", query.per_second, query.p50_ms, query.p99_ms);

    let pdf_path = format!("/rokin/zaikei/reports?report=statement&delivery={delivery}");
    let pdf = fetch(addr, &pdf_path, &cookie, "application/pdf").await?;
    println!("    PDF of {members} rows: median {:.2} s, {} KB", pdf.median_s, pdf.bytes / 1000);
    let csv_path = format!("/rokin/zaikei/export?report=deposit&delivery={delivery}&encoding=cp932");
    let csv = fetch(addr, &csv_path, &cookie, "text/csv; charset=Shift_JIS").await?;
    println!("    CSV of {members} rows: median {:.3} s, {} KB", csv.median_s, csv.bytes / 1000);
    let memory = process.memory()?;
    process.stop().await?;
    store.close().await;
    Ok(Figures {
        name: kind.to_string(),
        members,
        import_s,
        query,
        query_paths: paths.len(),
        pdf,
        csv,
        rss_peak_mb: crate::report::mb(memory.peak_mib),
    })
}

/// rokin alone, its service hours lifted (00:00–24:00 every day) so that the runner can run
/// at any hour; everything else as the preset has it.
fn config_text(addr: SocketAddr, database: &str) -> String {
    format!(
        "[server]\nlisten = \"{addr}\"\ndatabase = \"{database}\"\ndev_mailbox = true\n\n[[portal]]\npreset = \"rokin\"\n\n[portal.service_hours]\nhours = \"00:00-00:00\"\nclosed = []\n"
    )
}

/// The employer (an organization, its master user and its contract); the master's user id.
async fn seed_contract(store: &Store, config: &Config) -> anyhow::Result<i64> {
    let portal = config.portal("rokin").context("no rokin portal")?.clone();
    let a = &config.server.argon2;
    let hasher = Hasher::new(a.m_kib, a.t, a.p);
    let now = chrono::Utc::now().timestamp();
    let account = NewAccount {
        organization: "株式会社ベンチ製作所",
        office: "",
        login_id: MASTER,
        email: "master@bench.example",
        name: "労金　太郎",
        password: Some("Master#2026"),
        permanent: true,
        actor: "bench",
    };
    let user = accounts::create(store, &hasher, &portal, "bench.example", &account, now).await?.user_id;
    let mut conn = store.acquire().await?;
    let organization: i64 =
        sqlx::query_scalar("SELECT organization_id FROM users WHERE id = $1").bind(user).fetch_one(&mut *conn).await?;
    contracts::insert(&mut conn, "rokin", CONTRACT, "", 1, organization, &[], now)
        .await?
        .context("the contract exists already")?;
    Ok(user)
}

/// `madoguchi zaikei import` of the file, timed from spawn to exit.
async fn import(madoguchi: &Path, config: &Path, file: &Path) -> anyhow::Result<f64> {
    let began = Instant::now();
    let output = tokio::process::Command::new(madoguchi)
        .arg("--config")
        .arg(config)
        .args(["zaikei", "import", "--portal", "rokin", "--contract", CONTRACT, "--kind", "deposit"])
        .arg(file)
        .output()
        .await?;
    let seconds = began.elapsed().as_secs_f64();
    if !output.status.success() {
        bail!("the import failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(seconds)
}

/// The cookie of a session of `user`, opened as the certificate login opens it.
async fn session(store: &Store, config: &Config, user: i64) -> anyhow::Result<String> {
    let portal = config.portal("rokin").context("no rokin portal")?;
    let token = auth::random_token();
    let now = chrono::Utc::now().timestamp();
    let expires = SessionRule::of(&portal.settings.session).expires_at(now);
    let mut conn = store.acquire().await?;
    let holder = sessions::Holder::User(user);
    sessions::insert_with(&mut conn, &auth::token_hash(&token), "rokin", holder, now, expires, &Default::default())
        .await?;
    Ok(format!("mdg_s={token}"))
}

/// 財形積立明細照会's addresses a busy office would ask: pages deep into the whole delivery,
/// each filter alone and combined, names typed in half-width kana, hiragana and kanji.
fn query_paths(delivery: i64, members: usize) -> Vec<String> {
    let base = format!("/rokin/zaikei/statements?kind=deposit&delivery={delivery}");
    let last = members.div_ceil(50).max(1);
    let mut paths: Vec<String> =
        [1, 2, last / 4, last / 2, 3 * last / 4, last].iter().map(|p| format!("{base}&page={}", (*p).max(1))).collect();
    let filters = [
        "dept=E01",
        "dept=M01&page=5",
        "dept=S02&savings=general&page=3",
        "emp=E12345",
        "name=%EF%BE%94%EF%BE%8F%EF%BE%80%EF%BE%9E", // ﾔﾏﾀﾞ
        "name=%E3%81%95%E3%81%A8%E3%81%86",          // さとう
        "name=%E5%B1%B1%E7%94%B0&page=4",            // 山田
        "savings=pension",
        "savings=housing&page=10",
        "change=amount",
        "change=new&savings=general",
        "dept=K01&name=%E3%82%BF%E3%83%AD%E3%82%A6", // タロウ
    ];
    paths.extend(filters.iter().map(|f| format!("{base}&{f}")));
    paths
}

/// GETs `path` `FETCHES` times with the session, each timed to the last byte; every answer
/// must be a 200 of `content_type`.
async fn fetch(addr: SocketAddr, path: &str, cookie: &str, content_type: &str) -> anyhow::Result<Fetch> {
    let mut runs = Vec::new();
    let mut bytes = 0;
    for _ in 0..FETCHES {
        let began = Instant::now();
        let response = http::request(addr, "GET", path, &[("Cookie", cookie)], None).await?;
        runs.push(began.elapsed().as_secs_f64());
        if response.status != 200 || response.header("content-type") != Some(content_type) {
            bail!("{path} answered {} {:?}", response.status, response.header("content-type"));
        }
        bytes = response.body.len();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(Fetch::of(runs, bytes))
}

/// The figures against the budgets, for docs/BENCHMARKS.md.
pub fn markdown(figures: &[Figures], date: &str, commit: &str) -> String {
    let names: Vec<&str> = figures.iter().map(|f| if f.name == "sqlite" { "SQLite" } else { "PostgreSQL" }).collect();
    let members = figures.first().map(|f| f.members).unwrap_or(0);
    let mut s = format!(
        "### 財形 (rokin), a contract of {members} members — {date}, commit {commit}\n\n| Measure | {} | Budget |\n|---|{}---|\n",
        names.join(" | "),
        "---|".repeat(names.len())
    );
    let ratio = |value: f64, budget: f64| {
        format!("{:.0} % of the budget{}", 100.0 * value / budget, if value <= budget { "" } else { " ✗" })
    };
    let mut row = |label: &str, cells: Vec<String>, budget: &str| {
        s.push_str(&format!("| {label} | {} | {budget} |\n", cells.join(" | ")));
    };
    row(
        "Import of the 預入依頼書 (`madoguchi zaikei import`, spawn to exit)",
        figures.iter().map(|f| format!("{:.2} s ({})", f.import_s, ratio(f.import_s, BUDGET_IMPORT_S))).collect(),
        "≤ 2 s",
    );
    row(
        "財形積立明細照会 p99, 4 clients, mixed filters and deep pages (p50; req/s)",
        figures
            .iter()
            .map(|f| {
                format!(
                    "{:.1} ms ({}; p50 {:.1} ms; {:.0} req/s)",
                    f.query.p99_ms,
                    ratio(f.query.p99_ms, BUDGET_QUERY_P99_MS),
                    f.query.p50_ms,
                    f.query.per_second
                )
            })
            .collect(),
        "≤ 50 ms",
    );
    row(
        "PDF of every row (財形積立明細書), median of 3 (worst; size)",
        figures
            .iter()
            .map(|f| {
                format!(
                    "{:.2} s ({}; worst {:.2} s; {} KB)",
                    f.pdf.median_s,
                    ratio(f.pdf.median_s, BUDGET_PDF_S),
                    f.pdf.worst_s,
                    f.pdf.bytes / 1000
                )
            })
            .collect(),
        "≤ 2 s",
    );
    row(
        "CSV of every row (CP932), median of 3 (worst; size)",
        figures
            .iter()
            .map(|f| {
                format!(
                    "{:.3} s ({}; worst {:.3} s; {} KB)",
                    f.csv.median_s,
                    ratio(f.csv.median_s, BUDGET_CSV_S),
                    f.csv.worst_s,
                    f.csv.bytes / 1000
                )
            })
            .collect(),
        "≤ 0.5 s",
    );
    row(
        "Server RSS peak (VmHWM) after all of the above",
        figures.iter().map(|f| format!("{:.1} MB ({})", f.rss_peak_mb, ratio(f.rss_peak_mb, BUDGET_RSS_MB))).collect(),
        "≤ 200 MB",
    );
    s.push_str(
        "\nCounts behind the figures (every 照会 page answered 200, checked in `/metrics`; wrk saw no error):\n\n",
    );
    for f in figures {
        s.push_str(&format!(
            "- {}: {} 照会 pages in {:.1} s over {} addresses; server CPU {:.2} ms per page{}\n",
            f.name,
            f.query.requests,
            f.query.seconds,
            f.query_paths,
            f.query.server_cpu_ms,
            f.query.database_cpu_ms.map(|d| format!(", database CPU {d:.2} ms")).unwrap_or_default()
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runners_config_is_valid_and_opens_rokin_all_day() {
        let text = config_text("127.0.0.1:9".parse().unwrap(), "sqlite://x.db");
        let config = Config::parse("bench", &text).unwrap();
        let rokin = config.portal("rokin").unwrap();
        let hours = rokin.settings.service_hours.as_ref().unwrap();
        assert_eq!(hours.hours, "00:00-00:00");
        assert!(hours.closed.is_empty());
    }

    #[test]
    fn the_query_mix_reaches_the_last_page() {
        let paths = query_paths(7, 5000);
        assert!(paths.iter().any(|p| p.ends_with("&page=100")));
        assert!(paths.iter().all(|p| p.starts_with("/rokin/zaikei/statements?kind=deposit&delivery=7")));
        assert_eq!(paths.len(), 18);
    }
}
