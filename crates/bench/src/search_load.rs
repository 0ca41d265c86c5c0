//! The search benchmark's last figure (issue 16): the same query mix while the server, on
//! the same machine, serves logins at full load — what a job office's search costs when its
//! staff log in at nine. The server is the release `madoguchi` on a fresh SQLite database
//! with the login benchmark's accounts (jrec-in, production argon2id), loaded by wrk with
//! `bench/wrk.lua login` on `2 × cores` connections; the mix runs in the runner's process
//! against the same index as the unloaded mix, from 3 s into the load until it is done, and
//! the load lasts long enough to cover it (three times the unloaded mix, at least 20 s). Both
//! sides fight for the same cores, which is the point: the figure is the mix's p99 under that.

use crate::timings::Timings;
use crate::{server, wrk};
use anyhow::{Context, bail};
use madoguchi_core::Config;
use madoguchi_search::{Engine, Query};
use madoguchi_store::Store;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where the server and the load generator come from.
pub struct LoadTarget<'a> {
    pub madoguchi: &'a Path,
    pub script: &'a Path,
}

#[derive(Debug, Serialize)]
pub struct UnderLoad {
    pub mix: Timings,
    /// Logins per second the server completed meanwhile, and their latency.
    pub logins_per_second: f64,
    pub login_p99_ms: f64,
    pub login_errors: u64,
    pub load_seconds: f64,
}

const ACCOUNTS: usize = 200;
const WARM_UP: Duration = Duration::from_secs(3);

pub async fn mix_while_logging_in(
    engine: &Engine,
    mix: &[Query],
    unloaded_mix: Duration,
    target: &LoadTarget<'_>,
    work: &Path,
) -> anyhow::Result<UnderLoad> {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    crate::step(&format!("search: the mix again while the server serves logins ({ACCOUNTS} accounts, wrk)"));
    let database = format!("sqlite://{}", work.join("search-logins.db").display());
    let addr = server::free_port()?;
    let config_path = work.join("search-logins.toml");
    let config_text = format!(
        "[server]\nlisten = \"{addr}\"\ndatabase = \"{database}\"\ndev_mailbox = true\n\n[[portal]]\npreset = \"{}\"\n",
        crate::PORTAL
    );
    std::fs::write(&config_path, &config_text)?;
    let config = Config::parse(&config_path.display().to_string(), &config_text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let store = Store::connect(&database).await?;
    store.migrate(chrono::Utc::now().timestamp()).await?;
    crate::seed_accounts(&store, &config, ACCOUNTS).await?;
    store.close().await;
    let serve = vec!["--config".to_string(), config_path.display().to_string(), "serve".to_string()];
    let process = server::start(target.madoguchi, &serve, addr, "/readyz", &work.join("search-logins.log")).await?;
    let csrf = crate::csrf_token(addr).await?;

    let seconds = (unloaded_mix.as_secs() * 3 + WARM_UP.as_secs() + 5).max(20);
    let run = LoadRun {
        script: target.script.to_path_buf(),
        url: format!("http://{addr}"),
        threads: (cores / 2).max(1),
        connections: 2 * cores,
        seconds,
        csrf,
        pid: process.pid,
    };
    let load = tokio::spawn(run.go());
    tokio::time::sleep(WARM_UP).await;
    let begun = Instant::now();
    let runs_ms = tokio::task::block_in_place(|| -> anyhow::Result<Vec<f64>> {
        let mut out = Vec::with_capacity(mix.len());
        for query in mix {
            let started = Instant::now();
            engine.search(query)?;
            out.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        Ok(out)
    })?;
    let mix_took = begun.elapsed();
    let load = load.await.context("the load task")??;
    process.stop().await?;
    if mix_took + WARM_UP > Duration::from_secs(seconds) {
        bail!("the mix took {mix_took:?}, longer than the {seconds} s of load: raise the load's length");
    }
    let timings = Timings::of(runs_ms);
    println!(
        "    p50 {:.1} ms, p99 {:.1} ms, worst {:.1} ms while {:.1} logins/s (p99 {:.0} ms, {} errors)",
        timings.p50_ms, timings.p99_ms, timings.worst_ms, load.per_second, load.p99_ms, load.errors
    );
    Ok(UnderLoad {
        mix: timings,
        logins_per_second: load.per_second,
        login_p99_ms: load.p99_ms,
        login_errors: load.errors,
        load_seconds: load.seconds,
    })
}

/// The login load, owned, so that it runs as its own task beside the mix.
struct LoadRun {
    script: PathBuf,
    url: String,
    threads: usize,
    connections: usize,
    seconds: u64,
    csrf: String,
    pid: u32,
}

impl LoadRun {
    async fn go(self) -> anyhow::Result<wrk::Load> {
        wrk::run(wrk::Run {
            script: &self.script,
            url: self.url,
            threads: self.threads,
            connections: self.connections,
            seconds: self.seconds,
            args: vec![
                "login".into(),
                crate::PORTAL.into(),
                self.csrf,
                crate::ID_PREFIX.into(),
                ACCOUNTS.to_string(),
                crate::PASSWORD.into(),
            ],
            server_pid: self.pid,
            database_pids: Vec::new(),
        })
        .await
    }
}
