//! The processes under test: started from the release binaries, timed to their first
//! `200` from `/readyz`, measured from `/proc/<pid>/status`, stopped with SIGTERM.

use anyhow::{Context, bail};
use serde::Serialize;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

pub struct Process {
    child: Child,
    pub pid: u32,
    /// From `spawn` to the first 200 on the probe path.
    pub ready_after: Duration,
}

/// A port nobody listens on now (the kernel's choice; the process binds it a moment later).
pub fn free_port() -> anyhow::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

/// Starts `program args` with its output appended to `log`, and waits until `probe`
/// answers 200 (at most 60 s). The clock starts just before the spawn.
pub async fn start(
    program: &Path,
    args: &[String],
    addr: SocketAddr,
    probe: &str,
    log: &Path,
) -> anyhow::Result<Process> {
    let out = std::fs::OpenOptions::new().create(true).append(true).open(log)?;
    let err = out.try_clone()?;
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", program.display()))?;
    let pid = child.id().context("the process ended at once")?;
    loop {
        // A refused connection (not listening yet) is retried at once: the interval is the
        // resolution of the start-up figure.
        if let Ok(response) = crate::http::request(addr, "GET", probe, &[], None).await
            && response.status == 200
        {
            return Ok(Process { child, pid, ready_after: started.elapsed() });
        }
        if let Some(status) = child.try_wait()? {
            bail!("{} exited with {status} before it was ready (log: {})", program.display(), log.display());
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("{} was not ready after 60 s (log: {})", program.display(), log.display());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Memory {
    /// Resident set now (VmRSS), MiB.
    pub rss_mib: f64,
    /// The largest resident set so far (VmHWM), MiB.
    pub peak_mib: f64,
}

impl Process {
    pub fn memory(&self) -> anyhow::Result<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))?;
        let kib = |key: &str| -> anyhow::Result<f64> {
            let line = status.lines().find(|l| l.starts_with(key)).with_context(|| format!("no {key}"))?;
            let value: f64 = line.split_whitespace().nth(1).context("no value")?.parse()?;
            Ok(value / 1024.0)
        };
        Ok(Memory { rss_mib: kib("VmRSS:")?, peak_mib: kib("VmHWM:")? })
    }

    /// Sets the high-water mark back to the resident set now (Linux's `clear_refs` 5), so the
    /// next `memory()` reports the peak of what ran in between.
    pub fn reset_peak(&self) -> anyhow::Result<()> {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid), "5")
            .context("cannot reset the server's high-water mark (/proc/<pid>/clear_refs)")
    }

    /// SIGTERM (the server finishes what is in flight), then waits; SIGKILL after 10 s.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let _ = Command::new("kill").arg("-TERM").arg(self.pid.to_string()).status().await;
        match tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await {
            Ok(status) => {
                status?;
            }
            Err(_) => self.child.kill().await?,
        }
        Ok(())
    }
}

/// CPU time (user + system) a process has used so far, in seconds; 0 once it is gone.
pub fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0.0 };
    // The fields after the command name (which may hold spaces) start at `state`; utime and
    // stime are the 12th and 13th of them, in clock ticks.
    let Some((_, rest)) = stat.rsplit_once(") ") else { return 0.0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / clock_ticks()
}

fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8_lossy(&out.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// Context switches (voluntary and not) of every thread of a process so far.
pub fn context_switches(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return 0 };
    tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("status")).ok())
        .flat_map(|status| {
            status
                .lines()
                .filter(|l| l.starts_with("voluntary_ctxt_switches:") || l.starts_with("nonvoluntary_ctxt_switches:"))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .collect::<Vec<_>>()
        })
        .sum()
}
