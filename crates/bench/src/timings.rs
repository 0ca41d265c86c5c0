//! The percentiles of a run of timed queries: what the search figures report for the mix
//! alone, the mix under login load and the yardstick (search.rs, search_load.rs).

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Timings {
    pub queries: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub worst_ms: f64,
}

impl Timings {
    pub fn of(mut runs_ms: Vec<f64>) -> Timings {
        runs_ms.sort_by(f64::total_cmp);
        let at = |q: f64| {
            runs_ms.get(((runs_ms.len() as f64 * q).ceil() as usize).saturating_sub(1)).copied().unwrap_or(0.0)
        };
        Timings { queries: runs_ms.len(), p50_ms: at(0.5), p99_ms: at(0.99), worst_ms: at(1.0) }
    }
}
