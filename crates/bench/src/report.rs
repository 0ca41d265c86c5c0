//! The results: what was measured, the goals of issue 6 held against it, the JSON file and
//! the generated section of docs/BENCHMARKS.md.

use crate::server::Memory;
use crate::wrk::Load;
use madoguchi_store::Store;
use serde::Serialize;
use std::path::Path;
use tokio::process::Command;

const BEGIN: &str = "<!-- bench/run writes from here: do not edit by hand -->";
const END: &str = "<!-- bench/run writes up to here -->";
/// The 財形 section's markers: `bench/run --zaikei-only` rewrites it alone.
const ZAIKEI_BEGIN: &str = "<!-- bench/run writes the 財形 figures from here -->";
const ZAIKEI_END: &str = "<!-- bench/run writes the 財形 figures up to here -->";
/// The public search's section: `bench/run --search-only` rewrites it alone.
const SEARCH_BEGIN: &str = "<!-- bench/run writes the search figures from here -->";
const SEARCH_END: &str = "<!-- bench/run writes the search figures up to here -->";
const PLAN_BEGIN: &str = "<!-- bench/run writes the 受入計画 figures from here -->";
const PLAN_END: &str = "<!-- bench/run writes the 受入計画 figures up to here -->";
const APPLICATIONS_BEGIN: &str = "<!-- bench/run writes the Web応募 figures from here -->";
const APPLICATIONS_END: &str = "<!-- bench/run writes the Web応募 figures up to here -->";

#[derive(Debug, Serialize)]
pub struct Results {
    pub date: String,
    pub commit: String,
    pub machine: Machine,
    pub invocation: String,
    pub build: String,
    pub portal: String,
    pub wrk_threads: usize,
    pub argon2: Argon2,
    /// /proc/loadavg (1, 5, 15 minutes) before and after: other work on the machine shows here.
    pub load_before: String,
    pub load_after: String,
    pub hello: Load,
    pub backends: Vec<Backend>,
    /// Issue 6's goals, judged per backend (in the order of `backends`).
    pub goals: Vec<Goal>,
}

#[derive(Debug, Serialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub ram_mib: u64,
    pub os: String,
    pub kernel: String,
    pub rustc: String,
    pub wrk: String,
}

#[derive(Debug, Serialize)]
pub struct Argon2 {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
}

#[derive(Debug, Serialize)]
pub struct HashBound {
    pub threads: usize,
    pub seconds: f64,
    pub verifications: u64,
    /// The mean of `runs`.
    pub per_second: f64,
    /// Each measurement's rate (before and after the login run).
    pub runs: Vec<f64>,
}

impl HashBound {
    pub fn mean(parts: &[HashBound]) -> HashBound {
        let runs: Vec<f64> = parts.iter().flat_map(|p| p.runs.iter().copied()).collect();
        HashBound {
            threads: parts.first().map(|p| p.threads).unwrap_or(0),
            seconds: parts.iter().map(|p| p.seconds).sum(),
            verifications: parts.iter().map(|p| p.verifications).sum(),
            per_second: runs.iter().sum::<f64>() / runs.len().max(1) as f64,
            runs,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Startup {
    pub runs_ms: Vec<f64>,
    pub median_ms: f64,
    pub worst_ms: f64,
}

impl Startup {
    pub fn of(runs_ms: Vec<f64>) -> Startup {
        let mut sorted = runs_ms.clone();
        sorted.sort_by(f64::total_cmp);
        let median_ms = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
        let worst_ms = sorted.last().copied().unwrap_or(0.0);
        Startup { runs_ms, median_ms, worst_ms }
    }
}

#[derive(Debug, Serialize)]
pub struct Mail {
    /// Queued before the server started.
    pub mails: usize,
    /// Still queued when `/readyz` first answered: the drain timed from then.
    pub measured: usize,
    pub seconds: f64,
    pub per_second: f64,
    /// Messages the SMTP sink accepted (all distinct Message-IDs, checked).
    pub received: u64,
    pub smtp_connections: u64,
    pub peak: Memory,
}

#[derive(Debug, Serialize)]
pub struct Backend {
    pub name: String,
    pub database_version: Option<String>,
    pub accounts: usize,
    /// Measured just before the login run.
    pub hash_bound: HashBound,
    pub login: Load,
    /// Logins/s over the hash bound.
    pub login_ratio: f64,
    pub page: Load,
    /// After start-up, before any load.
    pub idle: Memory,
    /// After the login and page runs (`peak_mib` is the high-water mark of both).
    pub peak: Memory,
    pub startup: Startup,
    pub mail: Mail,
}

pub fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// MiB (what /proc gives, in KiB) to MB (10^6 bytes), the unit of the goals.
pub fn mb(mib: f64) -> f64 {
    mib * 1024.0 * 1024.0 / 1e6
}

async fn output(program: &str, args: &[&str]) -> String {
    match Command::new(program).args(args).output().await {
        Ok(out) => String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or("").trim().to_string(),
        Err(_) => String::new(),
    }
}

pub async fn machine(cores: usize) -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let ram_kib: u64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let os = os_release
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_string())
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim().to_string();
    // wrk -v prints its version and exits with status 1.
    let wrk = match Command::new("wrk").arg("-v").output().await {
        Ok(out) => {
            let first = String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or("").to_string();
            // "wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer"
            first.split(" [").next().unwrap_or("").trim().to_string()
        }
        Err(_) => String::new(),
    };
    Machine { cpu, cores, ram_mib: ram_kib / 1024, os, kernel, rustc: output("rustc", &["-V"]).await, wrk }
}

pub async fn commit(repo: &Path) -> String {
    let repo = repo.display().to_string();
    let head = output("git", &["-C", &repo, "rev-parse", "--short=12", "HEAD"]).await;
    let dirty = !output("git", &["-C", &repo, "status", "--porcelain", "--untracked-files=no"]).await.is_empty();
    if dirty { format!("{head} (with uncommitted changes)") } else { head }
}

pub async fn postgres_version(store: &Store) -> anyhow::Result<String> {
    let version: String = sqlx::query_scalar("SHOW server_version").fetch_one(store.pool()).await?;
    Ok(format!("PostgreSQL {version}"))
}

/// One goal of issue 6, judged on every database.
#[derive(Debug, Serialize)]
pub struct Goal {
    pub text: &'static str,
    pub met: Vec<bool>,
}

impl Goal {
    fn verdict(&self) -> String {
        if self.met.iter().all(|m| *m) {
            "met".into()
        } else if self.met.iter().any(|m| *m) {
            "partly (see the columns)".into()
        } else {
            "**not met**".into()
        }
    }
}

/// One row of a side-by-side table: its label and the text of each database's column.
pub type TableRow<'a, F> = (String, Box<dyn Fn(&F) -> String + 'a>);

/// A Markdown table with one column per database run (`name` of each), a row per measure.
pub fn side_by_side<F>(figures: &[F], name: impl Fn(&F) -> &str, rows: Vec<TableRow<'_, F>>) -> String {
    let mut out = String::from("| Measure |");
    for f in figures {
        out.push_str(&format!(" {} |", name(f)));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(figures.len()));
    out.push('\n');
    for (label, cell) in rows {
        out.push_str(&format!("| {label} |"));
        for f in figures {
            out.push_str(&format!(" {} |", cell(f)));
        }
        out.push('\n');
    }
    out
}

fn yes(met: bool) -> &'static str {
    if met { "" } else { " ✗" }
}

pub fn markdown(r: &Results) -> String {
    let mut s = String::new();
    let b = &r.backends;
    let names: Vec<&str> = b.iter().map(|b| if b.name == "sqlite" { "SQLite" } else { "PostgreSQL" }).collect();
    let m = &r.machine;
    s.push_str(&format!("{BEGIN}\n\n## Results of {}\n\n", r.date));
    s.push_str(&format!(
        "- Machine: {}, {} cores, {} MiB RAM, {}, Linux {}\n- Build: {}, commit {}\n- Load generator: {} with `bench/wrk.lua`, {} thread(s) (the rest of the cores are the server's)\n",
        m.cpu, m.cores, m.ram_mib, m.os, m.kernel, m.rustc, r.commit, m.wrk, r.wrk_threads
    ));
    for backend in b {
        if let Some(v) = &backend.database_version {
            s.push_str(&format!("- {}: {v}, a fresh database each run\n", backend.name));
        }
    }
    s.push_str(&format!(
        "- Portal: `{}` (password only), production argon2id m={} KiB, t={}, p={}; {} accounts\n\n",
        r.portal,
        r.argon2.m_kib,
        r.argon2.t,
        r.argon2.p,
        b.first().map(|b| b.accounts).unwrap_or(0)
    ));

    let goals = goals(r);
    s.push_str("| Measure | ");
    s.push_str(&names.join(" | "));
    s.push_str(" | Goal | Verdict |\n|---|");
    s.push_str(&"---|".repeat(names.len()));
    s.push_str("---|---|\n");
    let row = |s: &mut String, label: String, cells: Vec<String>, goal: &str, verdict: String| {
        s.push_str(&format!("| {label} | {} | {goal} | {verdict} |\n", cells.join(" | ")));
    };
    let same = |text: String| -> Vec<String> { b.iter().map(|_| text.clone()).collect() };
    row(
        &mut s,
        format!(
            "Hash bound: argon2id verifications/s, {} threads, before and after the logins",
            b.first().map(|b| b.hash_bound.threads).unwrap_or(0)
        ),
        b.iter()
            .map(|b| {
                let runs: Vec<String> = b.hash_bound.runs.iter().map(|r| format!("{r:.1}")).collect();
                format!("{:.1} (mean of {})", b.hash_bound.per_second, runs.join(", "))
            })
            .collect(),
        "—",
        "—".into(),
    );
    row(
        &mut s,
        format!("Logins/s, {} clients (share of the hash bound)", b.first().map(|b| b.login.connections).unwrap_or(0)),
        b.iter()
            .zip(&goals[0].met)
            .map(|(b, met)| format!("{:.1} ({:.0} %){}", b.login.per_second, b.login_ratio * 100.0, yes(*met)))
            .collect(),
        goals[0].text,
        goals[0].verdict(),
    );
    row(
        &mut s,
        "CPU per login: server + database (one argon2id hash alone)".into(),
        b.iter()
            .map(|b| {
                format!(
                    "{:.2} + {:.2} ms ({:.2} ms)",
                    b.login.server_cpu_ms,
                    b.login.database_cpu_ms.unwrap_or(0.0),
                    1000.0 * b.hash_bound.threads as f64 / b.hash_bound.per_second
                )
            })
            .collect(),
        "—",
        "—".into(),
    );
    row(
        &mut s,
        "Login latency p50 / p99".into(),
        b.iter().map(|b| format!("{:.0} / {:.0} ms", b.login.p50_ms, b.login.p99_ms)).collect(),
        "—",
        "—".into(),
    );
    row(
        &mut s,
        format!("Home page req/s, {} clients (share of bare axum)", r.hello.connections),
        b.iter()
            .zip(&goals[1].met)
            .map(|(b, met)| {
                format!(
                    "{:.0} ({:.1} %){}",
                    b.page.per_second,
                    b.page.per_second / r.hello.per_second * 100.0,
                    yes(*met)
                )
            })
            .collect(),
        goals[1].text,
        goals[1].verdict(),
    );
    row(
        &mut s,
        "Home page latency p50 / p99".into(),
        b.iter()
            .zip(&goals[2].met)
            .map(|(b, met)| format!("{:.2} / {:.2} ms{}", b.page.p50_ms, b.page.p99_ms, yes(*met)))
            .collect(),
        goals[2].text,
        goals[2].verdict(),
    );
    row(
        &mut s,
        "Home page CPU per request: server + database; server context switches".into(),
        b.iter()
            .map(|b| {
                format!(
                    "{:.0} + {:.0} µs; {:.1}",
                    b.page.server_cpu_ms * 1000.0,
                    b.page.database_cpu_ms.unwrap_or(0.0) * 1000.0,
                    b.page.server_switches
                )
            })
            .collect(),
        "—",
        "—".into(),
    );
    row(
        &mut s,
        format!("Bare axum hello-world req/s, {} clients; p50 / p99; CPU per request", r.hello.connections),
        same(format!(
            "{:.0}; {:.2} / {:.2} ms; {:.0} µs CPU",
            r.hello.per_second,
            r.hello.p50_ms,
            r.hello.p99_ms,
            r.hello.server_cpu_ms * 1000.0
        )),
        "—",
        "—".into(),
    );
    row(
        &mut s,
        "RSS idle after start".into(),
        b.iter().zip(&goals[3].met).map(|(b, met)| format!("{:.1} MB{}", mb(b.idle.rss_mib), yes(*met))).collect(),
        goals[3].text,
        goals[3].verdict(),
    );
    row(
        &mut s,
        "RSS peak: logins + page run; mail run".into(),
        b.iter()
            .zip(&goals[4].met)
            .map(|(b, met)| format!("{:.1} MB; {:.1} MB{}", mb(b.peak.peak_mib), mb(b.mail.peak.peak_mib), yes(*met)))
            .collect(),
        goals[4].text,
        goals[4].verdict(),
    );
    row(
        &mut s,
        format!(
            "Start-up to the first 200 from /readyz, median / worst of {}",
            b.first().map(|b| b.startup.runs_ms.len()).unwrap_or(0)
        ),
        b.iter()
            .zip(&goals[5].met)
            .map(|(b, met)| format!("{:.0} / {:.0} ms{}", b.startup.median_ms, b.startup.worst_ms, yes(*met)))
            .collect(),
        goals[5].text,
        goals[5].verdict(),
    );
    row(
        &mut s,
        format!("Mail: outbox drain, {} mails to a local SMTP server", b.first().map(|b| b.mail.mails).unwrap_or(0)),
        b.iter()
            .zip(&goals[6].met)
            .map(|(b, met)| format!("{:.0} mails/s ({:.1} s){}", b.mail.per_second, b.mail.seconds, yes(*met)))
            .collect(),
        goals[6].text,
        goals[6].verdict(),
    );

    s.push_str("\nCounts behind the figures (every login answered 303 to the menu, every page 200, checked in `/metrics`; wrk saw no error):\n\n");
    for backend in b {
        s.push_str(&format!(
            "- {}: {} logins in {:.1} s; {} pages in {:.1} s; {} of {} mails timed ({} accepted by the sink over {} SMTP connection(s))\n",
            backend.name,
            backend.login.requests,
            backend.login.seconds,
            backend.page.requests,
            backend.page.seconds,
            backend.mail.measured,
            backend.mail.mails,
            backend.mail.received,
            backend.mail.smtp_connections
        ));
    }
    for backend in b {
        s.push_str(&format!(
            "- hash bound around the {} logins: {} verifications in {:.0} s\n",
            backend.name, backend.hash_bound.verifications, backend.hash_bound.seconds
        ));
    }
    s.push_str(&format!(
        "- bare axum: {} requests in {:.1} s\n- load average (1, 5, 15 min) before: {}, after: {}\n",
        r.hello.requests, r.hello.seconds, r.load_before, r.load_after
    ));

    s.push_str("\nCommands:\n\n```sh\n");
    s.push_str(&format!("{}\n# which builds with\n{}\n# and runs, among others:\n", r.invocation, r.build));
    s.push_str(&format!("{}\n", r.hello.command));
    for backend in b {
        s.push_str(&format!("{}\n{}\n", backend.login.command, backend.page.command));
    }
    s.push_str("```\n\n");
    s.push_str(END);
    s.push('\n');
    s
}

/// The goals of issue 6, in the table's order, judged per database.
pub fn goals(r: &Results) -> Vec<Goal> {
    let b = &r.backends;
    let each = |f: &dyn Fn(&Backend) -> bool| b.iter().map(f).collect::<Vec<_>>();
    vec![
        Goal { text: "≥ 90 % of the hash bound", met: each(&|b| b.login_ratio >= 0.9) },
        Goal { text: "≥ 30 % of bare axum", met: each(&|b| b.page.per_second >= 0.3 * r.hello.per_second) },
        Goal { text: "p99 < 20 ms", met: each(&|b| b.page.p99_ms < 20.0) },
        Goal { text: "< 40 MB", met: each(&|b| mb(b.idle.rss_mib) < 40.0) },
        Goal { text: "< 200 MB", met: each(&|b| mb(b.peak.peak_mib.max(b.mail.peak.peak_mib)) < 200.0) },
        Goal { text: "< 0.5 s (worst run)", met: each(&|b| b.startup.worst_ms < 500.0) },
        Goal { text: "≥ 500 mails/s", met: each(&|b| b.mail.per_second >= 500.0) },
    ]
}

/// Replaces the generated section of `path` (between the markers), keeping the text
/// around it; a missing file gets a title and the section.
pub fn write_section(path: &Path, section: &str) -> anyhow::Result<()> {
    write_between(path, BEGIN, END, section)
}

/// Replaces the 財形 section (`section` is the table; the markers are added here).
pub fn write_zaikei_section(path: &Path, section: &str) -> anyhow::Result<()> {
    write_between(path, ZAIKEI_BEGIN, ZAIKEI_END, &format!("{ZAIKEI_BEGIN}\n\n{section}\n{ZAIKEI_END}\n"))
}

/// Replaces the public search section (`section` is the table; the markers are added here).
pub fn write_search_section(path: &Path, section: &str) -> anyhow::Result<()> {
    write_between(path, SEARCH_BEGIN, SEARCH_END, &format!("{SEARCH_BEGIN}\n\n{section}\n{SEARCH_END}\n"))
}

/// Replaces the 受入計画 section (`section` is the table; the markers are added here).
pub fn write_plan_section(path: &Path, section: &str) -> anyhow::Result<()> {
    write_between(path, PLAN_BEGIN, PLAN_END, &format!("{PLAN_BEGIN}\n\n{section}\n{PLAN_END}\n"))
}

/// Replaces the Web応募 section (`section` is the table; the markers are added here).
pub fn write_applications_section(path: &Path, section: &str) -> anyhow::Result<()> {
    let block = format!("{APPLICATIONS_BEGIN}\n\n{section}\n{APPLICATIONS_END}\n");
    write_between(path, APPLICATIONS_BEGIN, APPLICATIONS_END, &block)
}

fn write_between(path: &Path, begin: &str, end_marker: &str, section: &str) -> anyhow::Result<()> {
    let current = std::fs::read_to_string(path).unwrap_or_else(|_| format!("# Benchmarks\n\n{begin}\n{end_marker}\n"));
    let (Some(start), Some(end)) = (current.find(begin), current.find(end_marker)) else {
        anyhow::bail!("{} has no generated section (markers {begin} … {end_marker})", path.display());
    };
    let updated =
        format!("{}{}{}", &current[..start], section, &current[end + end_marker.len()..].trim_start_matches('\n'));
    std::fs::write(path, updated)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{TableRow, side_by_side};

    #[test]
    fn a_side_by_side_table_has_a_column_per_run_and_a_row_per_measure() {
        let runs = [("SQLite", 1.5), ("PostgreSQL", 2.25)];
        let rows: Vec<TableRow<(&str, f64)>> = vec![
            ("Time".to_string(), Box::new(|r| format!("{:.1} s", r.1))),
            ("Twice".to_string(), Box::new(|r| format!("{:.1} s", 2.0 * r.1))),
        ];
        let table = side_by_side(&runs, |r| r.0, rows);
        assert_eq!(
            table,
            "| Measure | SQLite | PostgreSQL |\n|---|---|---|\n| Time | 1.5 s | 2.2 s |\n| Twice | 3.0 s | 4.5 s |\n"
        );
    }
}
