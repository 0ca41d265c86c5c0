//! Runs wrk (Debian's `wrk`, the load generator) with `bench/wrk.lua` and reads the JSON
//! line its `done()` prints.

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::path::Path;
use tokio::process::Command;

#[derive(Debug, Deserialize)]
struct Raw {
    requests: u64,
    duration_us: u64,
    connect_errors: u64,
    read_errors: u64,
    write_errors: u64,
    status_errors: u64,
    timeouts: u64,
    mean_us: f64,
    p50_us: u64,
    p90_us: u64,
    p99_us: u64,
    max_us: u64,
}

/// One wrk run's figures.
#[derive(Debug, Clone, Serialize)]
pub struct Load {
    pub connections: usize,
    pub seconds: f64,
    pub requests: u64,
    pub per_second: f64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Socket errors, timeouts and responses other than 2xx/3xx, as wrk counts them.
    pub errors: u64,
    /// CPU the server process used per request (ms): unlike requests/s, hardly moved by
    /// other work on the machine.
    pub server_cpu_ms: f64,
    /// Context switches of the server's threads per request: each hop between threads
    /// (a tokio worker and a database connection's thread, say) costs two.
    pub server_switches: f64,
    /// CPU the database's server processes used per request (ms), PostgreSQL only.
    pub database_cpu_ms: Option<f64>,
    /// The exact command.
    pub command: String,
}

pub struct Run<'a> {
    pub script: &'a Path,
    pub url: String,
    pub threads: usize,
    pub connections: usize,
    pub seconds: u64,
    pub args: Vec<String>,
    /// The server under load, whose CPU time is read before and after.
    pub server_pid: u32,
    /// PostgreSQL's processes serving the server (empty on SQLite).
    pub database_pids: Vec<u32>,
}

pub async fn run(run: Run<'_>) -> anyhow::Result<Load> {
    let mut args: Vec<String> = vec![
        "-t".into(),
        run.threads.to_string(),
        "-c".into(),
        run.connections.to_string(),
        "-d".into(),
        format!("{}s", run.seconds),
        "--timeout".into(),
        "10s".into(),
        "-s".into(),
        run.script.display().to_string(),
        run.url.clone(),
        "--".into(),
    ];
    args.extend(run.args.iter().cloned());
    let command = format!("wrk {}", args.join(" "));
    println!("    $ {command}");
    let cpu = |pids: &[u32]| pids.iter().map(|p| crate::server::cpu_seconds(*p)).sum::<f64>();
    let (server_before, database_before) = (cpu(&[run.server_pid]), cpu(&run.database_pids));
    let switches_before = crate::server::context_switches(run.server_pid);
    let output =
        Command::new("wrk").args(&args).output().await.context("cannot run wrk (Debian: apt-get install wrk)")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!("wrk failed: {}\n{}", stdout, String::from_utf8_lossy(&output.stderr));
    }
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("BENCHJSON "))
        .with_context(|| format!("wrk printed no result line:\n{stdout}"))?;
    let raw: Raw = serde_json::from_str(line)?;
    let per_request = |seconds: f64| seconds * 1000.0 / raw.requests.max(1) as f64;
    let server_cpu_ms = per_request(cpu(&[run.server_pid]) - server_before);
    let switches = crate::server::context_switches(run.server_pid).saturating_sub(switches_before);
    let server_switches = switches as f64 / raw.requests.max(1) as f64;
    let database_cpu_ms =
        (!run.database_pids.is_empty()).then(|| per_request(cpu(&run.database_pids) - database_before));
    let seconds = raw.duration_us as f64 / 1e6;
    let ms = |us: u64| us as f64 / 1000.0;
    Ok(Load {
        connections: run.connections,
        seconds,
        requests: raw.requests,
        per_second: raw.requests as f64 / seconds,
        mean_ms: raw.mean_us / 1000.0,
        p50_ms: ms(raw.p50_us),
        p90_ms: ms(raw.p90_us),
        p99_ms: ms(raw.p99_us),
        max_ms: ms(raw.max_us),
        errors: raw.connect_errors + raw.read_errors + raw.write_errors + raw.status_errors + raw.timeouts,
        server_cpu_ms,
        server_switches,
        database_cpu_ms,
        command,
    })
}
