//! The benchmark runner behind `bench/run` (which builds the release binaries first).
//! In one go, on this machine: the argon2id hash bound, logins/s through the real password
//! step, the authenticated home page against a bare axum hello-world, memory, start-up and
//! the mail outbox's drain rate — on SQLite and on PostgreSQL. It writes the results section
//! of `docs/BENCHMARKS.md` and the whole of `docs/benchmarks.json`.
//!
//! The portal under test is jrec-in (password only, no second factor) with the production
//! argon2 parameters. Nothing is raised for the benchmark: the portal has no per-IP login
//! limit, and its lockout counts only failed logins, which a right password never is.

mod applications;
mod browser;
mod http;
mod plan;
mod report;
mod search;
mod search_data;
mod search_load;
mod server;
mod smtp;
mod timings;
mod wrk;
mod zaikei;

use anyhow::{Context, bail};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use clap::Parser;
use madoguchi_core::config::Argon2Settings;
use madoguchi_core::{Config, Lang};
use madoguchi_identity::accounts::{self, NewAccount};
use madoguchi_mail::{Envelope, MailKind};
use madoguchi_store::{Store, outbox, raw_execute};
use madoguchi_web::auth::Hasher;
use report::{Backend, HashBound, Mail, Results, Startup};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The portal under test: password login without a second factor.
const PORTAL: &str = "jrec-in";
/// Benchmark accounts are bench0000, bench0001, …
const ID_PREFIX: &str = "bench";
/// Meets jrec-in's policy (letters and digits, 8–32); URL-safe, so wrk's Lua sends it as is.
const PASSWORD: &str = "Kq7mWz2pLx9v";
/// The PostgreSQL database the runner drops and creates on each run.
const PG_DATABASE: &str = "madoguchi_bench";

#[derive(Parser)]
#[command(name = "madoguchi-bench", about = "Benchmarks the release build (run it through bench/run)")]
struct Cli {
    /// Folder of the release binaries `madoguchi` and `bench-hello`.
    #[arg(long)]
    bin_dir: PathBuf,
    /// The repository: `bench/wrk.lua` is read and `docs/` written there.
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// A PostgreSQL server's URL; the runner makes a fresh database `madoguchi_bench` on it.
    #[arg(long, env = "MADOGUCHI_BENCH_PG", default_value = "postgres://postgres@127.0.0.1:5432/test")]
    postgres: String,
    /// Skip PostgreSQL (its column stays empty).
    #[arg(long)]
    no_postgres: bool,
    #[arg(long, default_value_t = 10)]
    hash_seconds: u64,
    #[arg(long, default_value_t = 30)]
    login_seconds: u64,
    #[arg(long, default_value_t = 15)]
    page_seconds: u64,
    /// Accounts the login benchmark cycles through (and the page benchmark's sessions come from).
    #[arg(long, default_value_t = 200)]
    accounts: usize,
    /// Sessions (and clients) of the page benchmark.
    #[arg(long, default_value_t = 50)]
    page_clients: usize,
    #[arg(long, default_value_t = 10_000)]
    mails: usize,
    /// Start-ups timed per database.
    #[arg(long, default_value_t = 5)]
    startups: usize,
    /// Print the results without writing docs/.
    #[arg(long)]
    no_write: bool,
    /// Only the 財形 figures (rokin; their own section of docs/BENCHMARKS.md).
    #[arg(long)]
    zaikei_only: bool,
    /// Members of the 財形 benchmark's contract.
    #[arg(long, default_value_t = 5_000)]
    zaikei_members: usize,
    /// Length of the 財形積立明細照会 run.
    #[arg(long, default_value_t = 15)]
    zaikei_seconds: u64,
    /// Only the public search figures (their own section of docs/BENCHMARKS.md): the index
    /// build, the query mix and the SQL LIKE yardstick on synthetic postings. Needs no server.
    #[arg(long)]
    search_only: bool,
    /// Synthetic postings of the search benchmark (hellowork's size).
    #[arg(long, default_value_t = 1_300_000)]
    search_postings: u64,
    /// Queries in the search benchmark's mix.
    #[arg(long, default_value_t = 300)]
    search_queries: usize,
    /// Queries of the mix also run as SQL LIKE (the yardstick; each scans the whole table).
    #[arg(long, default_value_t = 12)]
    search_like_queries: usize,
    /// Leave out the search mix under login load (it needs wrk and the release server).
    #[arg(long)]
    no_search_load: bool,
    /// Only the 受入計画 figures (mlit-fwms; their own section of docs/BENCHMARKS.md).
    #[arg(long)]
    plan_only: bool,
    /// Workers of the 受入計画 benchmark's plan.
    #[arg(long, default_value_t = 50)]
    plan_workers: usize,
    /// Only the Web応募 figures (jrec-in; their own section of docs/BENCHMARKS.md).
    #[arg(long)]
    applications_only: bool,
    /// Filed applications of the Web応募 benchmark's posting.
    #[arg(long, default_value_t = 2_000)]
    applicants: usize,
    /// How the runner was invoked, for the report.
    #[arg(long, default_value = "bench/run")]
    invocation: String,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("madoguchi-bench: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn step(text: &str) {
    println!("==> {text}");
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if cli.search_only {
        return search_section(&cli).await;
    }
    let madoguchi = cli.bin_dir.join("madoguchi");
    let hello = cli.bin_dir.join("bench-hello");
    let script = cli.repo.join("bench/wrk.lua");
    for path in [&madoguchi, &hello, &script] {
        if !path.exists() {
            bail!("{} is missing (run bench/run, which builds it)", path.display());
        }
    }
    let work = std::env::temp_dir().join(format!("madoguchi-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    println!("work folder (databases, configs, logs): {}", work.display());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    // wrk shares the machine with the server: it gets half the cores (at least one) in
    // every run, the yardstick's included, so the ratios compare like with like.
    let wrk_threads = (cores / 2).max(1);
    let started = chrono::Utc::now();
    if cli.zaikei_only {
        return zaikei_section(&cli, &work, &madoguchi, &script, started).await;
    }
    if cli.plan_only {
        return plan_section(&cli, &work, &madoguchi, started).await;
    }
    if cli.applications_only {
        return applications_section(&cli, &work, &madoguchi, started).await;
    }

    let argon2 = Argon2Settings::default();
    let load_before = report::load_average();
    step("bare axum hello-world");
    let hello_addr = server::free_port()?;
    let hello_process =
        server::start(&hello, &[hello_addr.to_string()], hello_addr, "/", &work.join("hello.log")).await?;
    let hello_load = wrk::run(wrk::Run {
        script: &script,
        url: format!("http://{hello_addr}/"),
        threads: wrk_threads,
        connections: cli.page_clients,
        seconds: cli.page_seconds,
        args: vec!["plain".into()],
        server_pid: hello_process.pid,
        database_pids: Vec::new(),
    })
    .await?;
    hello_process.stop().await?;
    println!(
        "    {:.0} req/s, p99 {:.2} ms; per request: CPU {:.3} ms, {:.1} context switches",
        hello_load.per_second, hello_load.p99_ms, hello_load.server_cpu_ms, hello_load.server_switches
    );

    let mut backends = Vec::new();
    let kinds: &[&str] = if cli.no_postgres { &["sqlite"] } else { &["sqlite", "postgres"] };
    for kind in kinds {
        backends.push(run_backend(&cli, kind, &work, &madoguchi, &script, cores, wrk_threads, &argon2).await?);
    }

    let mut results = Results {
        date: started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        commit: report::commit(&cli.repo).await,
        machine: report::machine(cores).await,
        invocation: cli.invocation.clone(),
        build: "cargo build --release --locked -p madoguchi -p madoguchi-bench".into(),
        portal: PORTAL.into(),
        wrk_threads,
        argon2: report::Argon2 { m_kib: argon2.m_kib, t: argon2.t, p: argon2.p },
        load_before,
        load_after: report::load_average(),
        hello: hello_load,
        backends,
        goals: Vec::new(),
    };
    results.goals = report::goals(&results);
    let json = serde_json::to_string_pretty(&results)?;
    let markdown = report::markdown(&results);
    println!("\n{markdown}");
    if !cli.no_write {
        let docs = cli.repo.join("docs");
        std::fs::write(docs.join("benchmarks.json"), format!("{json}\n"))?;
        report::write_section(&docs.join("BENCHMARKS.md"), &markdown)?;
        println!("wrote {} and {}", docs.join("BENCHMARKS.md").display(), docs.join("benchmarks.json").display());
    }
    zaikei_section(&cli, &work, &madoguchi, &script, started).await
}

/// The 財形 figures on each database, side by side: their section of docs/BENCHMARKS.md and
/// docs/benchmarks-zaikei.json.
async fn zaikei_section(
    cli: &Cli,
    work: &Path,
    madoguchi: &Path,
    script: &Path,
    started: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let section = Section { what: "財形", database: "zaikei.db", json: "benchmarks-zaikei.json" };
    let run = async |kind: &str, database: &str| {
        zaikei::run(kind, database, work, madoguchi, script, cli.zaikei_members, cli.zaikei_seconds).await
    };
    module_section(cli, work, started, section, run, zaikei::markdown, report::write_zaikei_section).await
}

/// Where a module's figures go: its name, its SQLite file, its JSON file in docs/.
struct Section {
    what: &'static str,
    database: &'static str,
    json: &'static str,
}

/// Runs a module's figures on each database in turn (`run` on a fresh one), then publishes
/// them side by side (`markdown`, written by `write`).
async fn module_section<T: serde::Serialize>(
    cli: &Cli,
    work: &Path,
    started: chrono::DateTime<chrono::Utc>,
    section: Section,
    mut run: impl AsyncFnMut(&str, &str) -> anyhow::Result<T>,
    markdown: fn(&[T], &str, &str) -> String,
    write: fn(&Path, &str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut figures = Vec::new();
    for kind in kinds(cli) {
        let database = database(cli, work, kind, section.database).await?;
        figures.push(run(kind, &database).await?);
    }
    let date = started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let markdown = markdown(&figures, &date, &report::commit(&cli.repo).await);
    publish(cli, section.what, section.json, &markdown, &figures, write)
}

/// The databases a section runs on: SQLite, then PostgreSQL unless `--no-postgres`.
fn kinds(cli: &Cli) -> &'static [&'static str] {
    if cli.no_postgres { &["sqlite"] } else { &["sqlite", "postgres"] }
}

/// The URL of a fresh database of `kind`: a SQLite file `name` in the work folder, or a new
/// PostgreSQL database.
async fn database(cli: &Cli, work: &Path, kind: &str, name: &str) -> anyhow::Result<String> {
    match kind {
        "sqlite" => {
            std::fs::create_dir_all(work.join("sqlite"))?;
            Ok(format!("sqlite://{}", work.join("sqlite").join(name).display()))
        }
        _ => fresh_postgres(&cli.postgres).await,
    }
}

/// Prints a section's table and, unless `--no-write`, writes it into docs/BENCHMARKS.md (by
/// `write`, between the section's markers) and the figures into docs/`json`.
fn publish<T: serde::Serialize>(
    cli: &Cli,
    what: &str,
    json: &str,
    markdown: &str,
    figures: &T,
    write: fn(&Path, &str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    println!("\n{markdown}");
    if !cli.no_write {
        let docs = cli.repo.join("docs");
        std::fs::write(docs.join(json), format!("{}\n", serde_json::to_string_pretty(figures)?))?;
        write(&docs.join("BENCHMARKS.md"), markdown)?;
        println!(
            "wrote the {what} section of {} and {}",
            docs.join("BENCHMARKS.md").display(),
            docs.join(json).display()
        );
    }
    Ok(())
}

/// The 受入計画 figures on SQLite and PostgreSQL: their section of docs/BENCHMARKS.md and
/// docs/benchmarks-plan.json.
async fn plan_section(
    cli: &Cli,
    work: &Path,
    madoguchi: &Path,
    started: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let section = Section { what: "受入計画", database: "plan.db", json: "benchmarks-plan.json" };
    let run = async |kind: &str, database: &str| plan::run(kind, database, work, madoguchi, cli.plan_workers).await;
    module_section(cli, work, started, section, run, plan::markdown, report::write_plan_section).await
}

/// The Web応募 figures on SQLite and PostgreSQL: their section of docs/BENCHMARKS.md and
/// docs/benchmarks-applications.json.
async fn applications_section(
    cli: &Cli,
    work: &Path,
    madoguchi: &Path,
    started: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let section = Section { what: "Web応募", database: "applications.db", json: "benchmarks-applications.json" };
    let run =
        async |kind: &str, database: &str| applications::run(kind, database, work, madoguchi, cli.applicants).await;
    module_section(cli, work, started, section, run, applications::markdown, report::write_applications_section).await
}

/// The public search figures: their section of docs/BENCHMARKS.md and
/// docs/benchmarks-search.json.
async fn search_section(cli: &Cli) -> anyhow::Result<()> {
    let started = chrono::Utc::now();
    let work = std::env::temp_dir().join(format!("madoguchi-bench-search-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    println!("work folder (index, SQLite yardstick, the login server's database): {}", work.display());
    let (madoguchi, script) = (cli.bin_dir.join("madoguchi"), cli.repo.join("bench/wrk.lua"));
    let load = (!cli.no_search_load).then(|| search_load::LoadTarget { madoguchi: &madoguchi, script: &script });
    if let Some(target) = &load {
        for path in [target.madoguchi, target.script] {
            if !path.exists() {
                bail!("{} is missing (run bench/run, which builds it)", path.display());
            }
        }
    }
    let figures = search::run(search::Options {
        postings: cli.search_postings,
        queries: cli.search_queries,
        like_queries: cli.search_like_queries,
        work: &work,
        load,
    })
    .await?;
    let date = started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let markdown = search::markdown(&figures, &date, &report::commit(&cli.repo).await);
    publish(cli, "search", "benchmarks-search.json", &markdown, &figures, report::write_search_section)?;
    std::fs::remove_dir_all(&work)?;
    Ok(())
}

async fn measure_hash_bound(settings: &Argon2Settings, threads: usize, seconds: u64) -> anyhow::Result<HashBound> {
    let settings = settings.clone();
    let bound = tokio::task::spawn_blocking(move || hash_bound(&settings, threads, seconds)).await??;
    println!("    {:.1} verifications/s on {} threads", bound.per_second, bound.threads);
    Ok(bound)
}

/// argon2id verifications per second at `settings`, one thread per core, nothing else: each
/// thread re-computes the same hash into memory it allocated once, the physical limit of
/// password logins on this machine (a verification is one such computation and a compare).
fn hash_bound(settings: &Argon2Settings, threads: usize, seconds: u64) -> anyhow::Result<HashBound> {
    let params = Params::new(settings.m_kib, settings.t, settings.p, None).map_err(|e| anyhow::anyhow!("{e}"))?;
    let blocks = params.block_count();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = *b"madoguchi-bench!";
    let mut expected = [0u8; 32];
    argon2.hash_password_into(PASSWORD.as_bytes(), &salt, &mut expected).map_err(|e| anyhow::anyhow!("{e}"))?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let rates: Vec<anyhow::Result<(u64, f64)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let argon2 = &argon2;
                scope.spawn(move || {
                    let mut memory = vec![Block::default(); blocks];
                    let mut out = [0u8; 32];
                    let begun = Instant::now();
                    let mut done = 0u64;
                    while Instant::now() < deadline {
                        argon2
                            .hash_password_into_with_memory(PASSWORD.as_bytes(), &salt, &mut out, &mut memory)
                            .map_err(|e| anyhow::anyhow!("{e}"))?;
                        if out != expected {
                            bail!("argon2id gave another hash for the same input");
                        }
                        done += 1;
                    }
                    Ok((done, begun.elapsed().as_secs_f64()))
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a thread panicked")))).collect()
    });
    let (mut verifications, mut per_second) = (0, 0.0);
    for rate in rates {
        let (done, elapsed) = rate?;
        verifications += done;
        per_second += done as f64 / elapsed;
    }
    Ok(HashBound { threads, seconds: seconds as f64, verifications, per_second, runs: vec![per_second] })
}

#[allow(clippy::too_many_arguments)]
async fn run_backend(
    cli: &Cli,
    kind: &str,
    work: &Path,
    madoguchi: &Path,
    script: &Path,
    cores: usize,
    wrk_threads: usize,
    argon2: &Argon2Settings,
) -> anyhow::Result<Backend> {
    step(&format!("{kind}: database and {} accounts", cli.accounts));
    let database = match kind {
        "sqlite" => format!("sqlite://{}", work.join("sqlite/bench.db").display()),
        _ => fresh_postgres(&cli.postgres).await?,
    };
    let addr = server::free_port()?;
    let config_path = work.join(format!("{kind}.toml"));
    // The dev mailbox keeps the login runs' mail (the mail run passes --smtp, which wins).
    let config_text = format!(
        "[server]\nlisten = \"{addr}\"\ndatabase = \"{database}\"\ndev_mailbox = true\n\n[[portal]]\npreset = \"{PORTAL}\"\n"
    );
    std::fs::write(&config_path, &config_text)?;
    let config = Config::parse(&config_path.display().to_string(), &config_text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let store = Store::connect(&database).await?;
    store.migrate(chrono::Utc::now().timestamp()).await?;
    seed_accounts(&store, &config, cli.accounts).await?;
    let database_version = match kind {
        "sqlite" => None,
        _ => Some(report::postgres_version(&store).await?),
    };
    let log = work.join(format!("{kind}.log"));
    let serve = vec!["--config".to_string(), config_path.display().to_string(), "serve".to_string()];

    step(&format!("{kind}: start-up ×{}", cli.startups));
    let mut runs_ms = Vec::new();
    for _ in 0..cli.startups {
        let process = server::start(madoguchi, &serve, addr, "/readyz", &log).await?;
        runs_ms.push(process.ready_after.as_secs_f64() * 1000.0);
        process.stop().await?;
    }
    let startup = Startup::of(runs_ms);
    println!("    median {:.0} ms, worst {:.0} ms", startup.median_ms, startup.worst_ms);

    let process = server::start(madoguchi, &serve, addr, "/readyz", &log).await?;
    // Idle: started, ready, nothing asked of it yet but the probe.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = process.memory()?;
    println!("    idle RSS {:.1} MB", report::mb(idle.rss_mib));

    // The bound is measured right before and right after the login run it divides, and the
    // two averaged: this machine's speed drifts by 10 % and more within minutes (other work,
    // other virtual machines on the host), and so both sides see the same machine.
    step(&format!("{kind}: hash bound before the logins"));
    let before_logins = measure_hash_bound(argon2, cores, cli.hash_seconds).await?;
    step(&format!("{kind}: logins, {} clients", 2 * cores));
    let csrf = csrf_token(addr).await?;
    let login_route = "/{portal}/login";
    let before = route_counts(addr, login_route, "POST").await?;
    let login = wrk::run(wrk::Run {
        script,
        url: format!("http://{addr}"),
        threads: wrk_threads.min(2 * cores),
        connections: 2 * cores,
        seconds: cli.login_seconds,
        args: vec![
            "login".into(),
            PORTAL.into(),
            csrf.clone(),
            ID_PREFIX.into(),
            cli.accounts.to_string(),
            PASSWORD.into(),
        ],
        server_pid: process.pid,
        database_pids: backend_pids(&store).await?,
    })
    .await?;
    let after = route_counts(addr, login_route, "POST").await?;
    step(&format!("{kind}: hash bound after the logins"));
    let after_logins = measure_hash_bound(argon2, cores, cli.hash_seconds).await?;
    let hash = HashBound::mean(&[before_logins, after_logins]);
    let refused = refused_since(&before, &after, 303);
    if refused > 0.0 || login.errors > 0 {
        bail!("{refused} logins were not accepted, wrk counted {} errors (log: {})", login.errors, log.display());
    }
    println!(
        "    {:.1} logins/s, p50 {:.0} ms, p99 {:.0} ms; per login: server CPU {:.2} ms, database CPU {:.2} ms (one hash: {:.2} ms)",
        login.per_second,
        login.p50_ms,
        login.p99_ms,
        login.server_cpu_ms,
        login.database_cpu_ms.unwrap_or(0.0),
        1000.0 * hash.threads as f64 / hash.per_second
    );

    step(&format!("{kind}: home page, {} clients", cli.page_clients));
    let home_title = config.portal(PORTAL).context("no portal")?.settings.login_screen.home_title.ja.clone();
    let cookies = sessions(addr, &csrf, cli.page_clients.min(cli.accounts), &home_title).await?;
    let cookie_file = work.join(format!("{kind}-cookies.txt"));
    std::fs::write(&cookie_file, cookies.join("\n") + "\n")?;
    let home_route = "/{portal}/home";
    let before = route_counts(addr, home_route, "GET").await?;
    let page = wrk::run(wrk::Run {
        script,
        url: format!("http://{addr}"),
        threads: wrk_threads,
        connections: cli.page_clients,
        seconds: cli.page_seconds,
        args: vec!["page".into(), format!("/{PORTAL}/home"), cookie_file.display().to_string()],
        server_pid: process.pid,
        database_pids: backend_pids(&store).await?,
    })
    .await?;
    let after = route_counts(addr, home_route, "GET").await?;
    let refused = refused_since(&before, &after, 200);
    if refused > 0.0 || page.errors > 0 {
        bail!("{refused} home pages were not served, wrk counted {} errors (log: {})", page.errors, log.display());
    }
    println!(
        "    {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms; per request: server CPU {:.3} ms, {:.1} context switches, database CPU {:.3} ms",
        page.per_second,
        page.p50_ms,
        page.p99_ms,
        page.server_cpu_ms,
        page.server_switches,
        page.database_cpu_ms.unwrap_or(0.0)
    );
    let peak = process.memory()?;
    process.stop().await?;

    step(&format!("{kind}: mail drain, {} mails", cli.mails));
    let mail =
        mail_drain(cli, &store, &config, madoguchi, &config_path, addr, &work.join(format!("{kind}-mail.log"))).await?;
    println!("    {:.0} mails/s", mail.per_second);
    store.close().await;

    let login_ratio = login.per_second / hash.per_second;
    Ok(Backend {
        name: kind.to_string(),
        database_version,
        accounts: cli.accounts,
        hash_bound: hash,
        login,
        login_ratio,
        page,
        idle,
        peak,
        startup,
        mail,
    })
}

/// The PostgreSQL processes serving the benchmark database (none on SQLite).
async fn backend_pids(store: &Store) -> anyhow::Result<Vec<u32>> {
    if store.backend() != madoguchi_store::Backend::Postgres {
        return Ok(Vec::new());
    }
    let pids: Vec<i32> = sqlx::query_scalar("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        .fetch_all(store.pool())
        .await?;
    Ok(pids.into_iter().filter_map(|p| u32::try_from(p).ok()).collect())
}

/// Drops and re-creates the benchmark database; its URL.
async fn fresh_postgres(base: &str) -> anyhow::Result<String> {
    let admin = Store::connect(base).await.with_context(|| format!("cannot reach PostgreSQL at {base}"))?;
    {
        let mut conn = admin.acquire().await?;
        raw_execute(&mut conn, &format!("DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")).await?;
        raw_execute(&mut conn, &format!("CREATE DATABASE {PG_DATABASE}")).await?;
    }
    admin.close().await;
    let mut url = url::Url::parse(base)?;
    url.set_path(&format!("/{PG_DATABASE}"));
    Ok(url.to_string())
}

/// Accounts as the operator's tools make them (`accounts::create`, what `madoguchi account
/// add` calls), with the production hash; `permanent` so that no password change is forced.
async fn seed_accounts(store: &Store, config: &Config, count: usize) -> anyhow::Result<()> {
    let portal = config.portal(PORTAL).context("no portal")?.clone();
    let a = &config.server.argon2;
    let hasher = Hasher::new(a.m_kib, a.t, a.p);
    let now = chrono::Utc::now().timestamp();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..count {
        let (store, hasher, portal) = (store.clone(), hasher.clone(), portal.clone());
        tasks.spawn(async move {
            let login_id = format!("{ID_PREFIX}{i:04}");
            let (email, name, organization) =
                (format!("{login_id}@bench.example"), format!("ベンチ利用者 {i}"), format!("ベンチ機関 {i}"));
            let account = NewAccount {
                organization: &organization,
                office: "",
                login_id: &login_id,
                email: &email,
                name: &name,
                password: Some(PASSWORD),
                permanent: true,
                actor: "bench",
            };
            accounts::create(&store, &hasher, &portal, "bench.example", &account, now).await.map(|_| ())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(())
}

/// The CSRF token a browser gets with the login page (cookie and hidden field alike). The
/// server keeps a browser's token across logins, so one token serves every login request.
async fn csrf_token(addr: SocketAddr) -> anyhow::Result<String> {
    let page = http::request(addr, "GET", &format!("/{PORTAL}/login"), &[], None).await?;
    let token = page.cookie("mdg_csrf").context("the login page set no CSRF cookie")?;
    if page.status != 200 || !page.body.contains(&token) {
        bail!("the login page (status {}) does not carry its CSRF token", page.status);
    }
    Ok(token)
}

/// Logs `count` accounts in and returns a browser's Cookie header for each session,
/// after checking that each opens the home page.
async fn sessions(addr: SocketAddr, csrf: &str, count: usize, home_title: &str) -> anyhow::Result<Vec<String>> {
    let mut cookies = Vec::new();
    for i in 0..count {
        let body = format!("_csrf={csrf}&login_id={ID_PREFIX}{i:04}&password={PASSWORD}");
        let cookie = format!("mdg_csrf={csrf}");
        let login_path = format!("/{PORTAL}/login");
        let response = http::request(addr, "POST", &login_path, &[("Cookie", &cookie)], Some(&body)).await?;
        let session = response.cookie("mdg_s").with_context(|| format!("login {i}: status {}", response.status))?;
        if response.header("location") != Some(&format!("/{PORTAL}/home")) {
            bail!("login {i} led to {:?}, not the home page", response.header("location"));
        }
        let header = format!("mdg_csrf={csrf}; mdg_s={session}");
        let home = http::request(addr, "GET", &format!("/{PORTAL}/home"), &[("Cookie", &header)], None).await?;
        if home.status != 200 || !home.body.contains(home_title) {
            bail!("session {i}: the home page answered {} without its title", home.status);
        }
        cookies.push(header);
    }
    Ok(cookies)
}

/// Requests of one route and method by status, from `/metrics`.
async fn route_counts(addr: SocketAddr, route: &str, method: &str) -> anyhow::Result<BTreeMap<u16, f64>> {
    let metrics = http::request(addr, "GET", "/metrics", &[], None).await?;
    let mut counts = BTreeMap::new();
    let labels = format!("route=\"{route}\",method=\"{method}\",status=\"");
    for line in metrics.body.lines().filter(|l| l.starts_with("madoguchi_http_requests_total{")) {
        if let Some(rest) = line.split_once(labels.as_str()).map(|(_, rest)| rest)
            && let Some((status, tail)) = rest.split_once('"')
            && let (Ok(status), Some(Ok(value))) =
                (status.parse::<u16>(), tail.rsplit(' ').next().map(str::parse::<f64>))
        {
            counts.insert(status, value);
        }
    }
    Ok(counts)
}

/// Responses between two snapshots with another status than `expected`.
fn refused_since(before: &BTreeMap<u16, f64>, after: &BTreeMap<u16, f64>, expected: u16) -> f64 {
    after
        .iter()
        .filter(|(status, _)| **status != expected)
        .map(|(status, n)| n - before.get(status).copied().unwrap_or(0.0))
        .sum()
}

/// Queues `cli.mails` mails as the portal does (`madoguchi_mail::queue`), then starts the
/// server with the SMTP sink and times it from ready until the outbox has nothing left.
async fn mail_drain(
    cli: &Cli,
    store: &Store,
    config: &Config,
    madoguchi: &Path,
    config_path: &Path,
    addr: SocketAddr,
    log: &Path,
) -> anyhow::Result<Mail> {
    let portal = config.portal(PORTAL).context("no portal")?;
    let now = chrono::Utc::now().timestamp();
    let name = &portal.settings.name.ja;
    let url = portal.url("/login");
    for start in (0..cli.mails).step_by(500) {
        let mut tx = store.begin().await?;
        for i in start..(start + 500).min(cli.mails) {
            let to = format!("{ID_PREFIX}{i:05}@bench.example");
            let login_id = format!("{ID_PREFIX}{i:05}");
            madoguchi_mail::queue(
                &mut tx,
                &Envelope { portal: PORTAL, from_name: name, to: &to, lang: Lang::Ja },
                MailKind::AccountCreated,
                &[
                    ("portal", name),
                    ("name", "ベンチ利用者"),
                    ("operator", &portal.settings.operator_name.ja),
                    ("id_label", portal.settings.login_screen.id_label.ja.as_str()),
                    ("login_id", &login_id),
                    ("password", PASSWORD),
                    ("url", &url),
                ],
                "bench.example",
                now,
            )
            .await?;
        }
        tx.commit().await?;
    }
    let (smtp_addr, received) = smtp::start().await?;
    let args = vec![
        "--config".to_string(),
        config_path.display().to_string(),
        "serve".to_string(),
        "--smtp".to_string(),
        format!("smtp://{smtp_addr}"),
    ];
    let process = server::start(madoguchi, &args, addr, "/readyz", log).await?;
    let began = Instant::now();
    let queued_at_ready = {
        let mut conn = store.acquire().await?;
        let counts = outbox::counts(&mut conn, None).await?;
        counts.pending + counts.retrying
    };
    let finished = loop {
        let counts = {
            let mut conn = store.acquire().await?;
            outbox::counts(&mut conn, None).await?
        };
        if counts.failed > 0 {
            bail!("{} mails failed (log: {})", counts.failed, log.display());
        }
        if counts.pending + counts.retrying == 0 {
            break began.elapsed();
        }
        if began.elapsed() > Duration::from_secs(600) {
            bail!("the outbox still had {} mails after 10 minutes", counts.pending + counts.retrying);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let memory = process.memory()?;
    process.stop().await?;
    if received.distinct() != cli.mails {
        bail!("the SMTP sink received {} distinct mails of {}", received.distinct(), cli.mails);
    }
    let seconds = finished.as_secs_f64();
    Ok(Mail {
        mails: cli.mails,
        measured: queued_at_ready as usize,
        seconds,
        per_second: queued_at_ready as f64 / seconds,
        received: received.messages(),
        smtp_connections: received.connections(),
        peak: memory,
    })
}
