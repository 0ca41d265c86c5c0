//! The public search at hellowork's size (issue 16): `--search-postings` (1.3 M) synthetic
//! postings (search_data.rs), indexed by `madoguchi-search` and, as the yardstick, loaded into
//! one SQLite table searched with `LIKE`, in one run (docs/BENCHMARKS.md, 「Public search」):
//!
//! 1. **build**: every posting written into a fresh index on local disk (all cores), committed
//!    and merged; the time and the index's size on disk;
//! 2. **query mix**: `--search-queries` (300) queries of 1–3 keywords, some with OR or NOT
//!    words, 2–4 facets, a sort, and 10 % deep pages (between the middle and the last page),
//!    each with its exact total and exact facet counts; p50, p99 and the worst;
//! 3. **memory**: the process's resident set after the queries (anonymous and file-backed
//!    parts: the index is memory-mapped) and its high-water mark;
//! 4. **yardstick**: the first `--search-like-queries` (12) queries of the mix as SQL over the
//!    same postings in SQLite (`LIKE '%word%'`, `COUNT(*)` and the page with `ORDER BY … LIMIT
//!    … OFFSET`), timed beside the engine on the same queries; their totals must agree;
//! 5. **under load**: the mix again while the server serves logins (search_load.rs).

use crate::search_data::{self, EMPLOYMENT, FIELDS, JOBS, PREFECTURES, Posting, Rng, TERMS};
use crate::timings::Timings;
use anyhow::{Context, bail};
use madoguchi_search::{Checkpoint, Doc, Engine, KeyRange, Layout, Query, Sort, WriterOptions};
use madoguchi_store::{Store, raw_execute};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// The data set's clock: 2026-12-01 00:00 JST. Fixed, so every run builds the same postings.
const NOW: i64 = 1_796_050_800;
const SEED: u64 = 0x6a72_6563_696e;
const SCOPE: &str = "hellowork-bench";
const PER_PAGE: u64 = 50;
/// Rows per SQLite transaction while loading the yardstick's table.
const SQL_BATCH: u64 = 5_000;

pub const GOAL_P99_MS: f64 = 50.0;
pub const GOAL_BUILD_S: f64 = 600.0;
pub const GOAL_RSS_MB: f64 = 2_000.0;

fn layout() -> Layout {
    Layout {
        facets: ["field", "job", "employment", "prefecture", "salary", "term"].map(String::from).to_vec(),
        keys: vec!["updated_at".into(), "deadline".into()],
    }
}

fn doc(p: Posting) -> Doc {
    Doc {
        scope: SCOPE.into(),
        id: format!("{:08}", p.id),
        texts: vec![p.title, p.institution, p.department, p.body],
        facets: BTreeMap::from([
            ("field".into(), p.fields),
            ("job".into(), vec![p.job]),
            ("employment".into(), vec![p.employment]),
            ("prefecture".into(), vec![p.prefecture]),
            ("salary".into(), vec![p.salary]),
            ("term".into(), vec![p.term]),
        ]),
        keys: BTreeMap::from([("updated_at".into(), p.updated_at), ("deadline".into(), p.deadline)]),
        publish_at: p.publish_at,
        unpublish_at: p.unpublish_at,
    }
}

#[derive(Debug, Serialize)]
pub struct Memory {
    pub rss_mb: f64,
    pub anon_mb: f64,
    pub file_mb: f64,
    pub peak_mb: f64,
}

/// This process's memory from /proc/self/status (kB there; MB = 10^6 bytes here).
fn memory() -> Memory {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |name: &str| -> f64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            * 1024.0
            / 1e6
    };
    Memory { rss_mb: kb("VmRSS:"), anon_mb: kb("RssAnon:"), file_mb: kb("RssFile:"), peak_mb: kb("VmHWM:") }
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub postings: u64,
    pub visible: u64,
    pub build_s: f64,
    /// Of the build: making the synthetic postings (not the engine's time).
    pub generate_s: f64,
    pub index_mb: f64,
    pub mix: Timings,
    pub deep_pages: usize,
    pub mean_total: f64,
    pub largest_total: u64,
    pub empty_results: usize,
    pub memory_after_build: Memory,
    pub memory_after_queries: Memory,
    pub like_load_s: f64,
    pub like: Timings,
    /// The engine on the yardstick's queries.
    pub engine_on_like_queries: Timings,
    pub totals_agree: bool,
    pub under_load: Option<crate::search_load::UnderLoad>,
}

pub struct Options<'a> {
    pub postings: u64,
    pub queries: usize,
    pub like_queries: usize,
    pub work: &'a Path,
    /// The server and wrk for the mix under load; None leaves that figure out.
    pub load: Option<crate::search_load::LoadTarget<'a>>,
}

pub async fn run(options: Options<'_>) -> anyhow::Result<Figures> {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let dir = options.work.join("search-index");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    crate::step(&format!("search: building the index of {} postings on {cores} threads", options.postings));
    let started = Instant::now();
    let mut generate_s = 0.0;
    let engine = Engine::open(&dir, layout(), WriterOptions { threads: cores, memory: cores * (256 << 20) })?;
    for i in 0..options.postings {
        let made = Instant::now();
        let d = doc(search_data::posting(SEED, i, NOW));
        generate_s += made.elapsed().as_secs_f64();
        engine.insert(&d)?;
    }
    engine.commit(&Checkpoint::default())?;
    engine.wait_merges()?;
    let build_s = started.elapsed().as_secs_f64();
    let index_mb = folder_bytes(&dir)? as f64 / 1e6;
    println!("    {build_s:.1} s (of which generating {generate_s:.1} s), {index_mb:.0} MB on disk");

    let engine = Engine::open(&dir, layout(), WriterOptions::default())?;
    let memory_after_build = memory();
    let mut mix = query_mix(options.queries);
    // Deep pages: probe the total, then ask for a page between the middle and the last.
    let mut rng = Rng::new(SEED ^ 0xdee9);
    let mut deep_pages = 0;
    for (query, deep) in &mut mix {
        if *deep {
            let total = engine.search(query)?.total;
            let last = total.div_ceil(PER_PAGE).max(1);
            query.page = last / 2 + 1 + rng.below((last - last / 2) as usize) as u64;
            deep_pages += 1;
        }
    }
    crate::step(&format!("search: {} queries ({deep_pages} deep pages)", mix.len()));
    for (query, _) in mix.iter().take(20) {
        engine.search(query)?;
    }
    let mut runs_ms = Vec::new();
    let mut totals = Vec::new();
    let mix_begun = Instant::now();
    for (query, _) in &mix {
        let begun = Instant::now();
        let hits = engine.search(query)?;
        runs_ms.push(begun.elapsed().as_secs_f64() * 1000.0);
        if hits.ids.is_empty() && hits.total > (query.page - 1) * PER_PAGE {
            bail!("page {} of a total of {} came back empty", query.page, hits.total);
        }
        totals.push(hits.total);
    }
    // The slowest queries, for whoever tunes the engine next (stdout only).
    let mut slowest: Vec<(f64, usize)> = runs_ms.iter().copied().zip(0..).collect();
    slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (ms, i) in slowest.iter().take(5) {
        let q = &mix[*i].0;
        println!(
            "    slow: {ms:.1} ms, total {}, page {}, all {:?} any {:?} none {:?}, facets {:?}, ranges {}",
            totals[*i],
            q.page,
            q.all,
            q.any,
            q.none,
            q.facets,
            q.ranges.len()
        );
    }
    let unloaded_mix = mix_begun.elapsed();
    let mix_timings = Timings::of(runs_ms);
    let memory_after_queries = memory();
    println!(
        "    p50 {:.1} ms, p99 {:.1} ms, worst {:.1} ms; RSS {:.0} MB",
        mix_timings.p50_ms, mix_timings.p99_ms, mix_timings.worst_ms, memory_after_queries.rss_mb
    );
    let visible = engine.search(&Query { all: vec![], ranges: vec![], facets: vec![], ..mix[0].0.clone() })?.total;

    crate::step(&format!("search: the SQL LIKE yardstick (SQLite, {} queries)", options.like_queries));
    let database = options.work.join("search-like.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
    let store = Store::connect(&format!("sqlite://{}", database.display())).await?;
    let loaded = Instant::now();
    load_table(&store, options.postings).await?;
    let like_load_s = loaded.elapsed().as_secs_f64();
    let mut like_ms = Vec::new();
    let mut engine_ms = Vec::new();
    let mut totals_agree = true;
    for (i, (query, _)) in mix.iter().take(options.like_queries).enumerate() {
        let begun = Instant::now();
        let total = like_query(&store, query).await?;
        like_ms.push(begun.elapsed().as_secs_f64() * 1000.0);
        let begun = Instant::now();
        let hits = engine.search(query)?;
        engine_ms.push(begun.elapsed().as_secs_f64() * 1000.0);
        if hits.total != total || totals[i] != total {
            println!("    query {i}: the engine counts {}, SQL {total}", hits.total);
            totals_agree = false;
        }
    }
    store.close().await;
    let like = Timings::of(like_ms);
    println!("    LIKE p50 {:.0} ms, worst {:.0} ms; totals agree: {totals_agree}", like.p50_ms, like.worst_ms);
    let under_load = match &options.load {
        Some(target) => {
            let queries: Vec<Query> = mix.iter().map(|(q, _)| q.clone()).collect();
            let work = options.work;
            Some(crate::search_load::mix_while_logging_in(&engine, &queries, unloaded_mix, target, work).await?)
        }
        None => None,
    };
    let nonzero = totals.iter().filter(|t| **t > 0).count();
    Ok(Figures {
        postings: options.postings,
        visible,
        build_s,
        generate_s,
        index_mb,
        mix: mix_timings,
        deep_pages,
        mean_total: totals.iter().sum::<u64>() as f64 / totals.len().max(1) as f64,
        largest_total: totals.iter().copied().max().unwrap_or(0),
        empty_results: totals.len() - nonzero,
        memory_after_build,
        memory_after_queries,
        like_load_s,
        like,
        engine_on_like_queries: Timings::of(engine_ms),
        totals_agree,
        under_load,
    })
}

fn folder_bytes(dir: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let meta = entry?.metadata()?;
        if meta.is_file() {
            total += meta.len();
        }
    }
    Ok(total)
}

/// The mix, deterministic: (query, whether it is a deep page).
fn query_mix(n: usize) -> Vec<(Query, bool)> {
    let mut rng = Rng::new(SEED ^ 0x9e7);
    let words = search_data::query_words();
    let facet_codes: [(&str, Vec<u64>, Vec<u32>); 5] = [
        ("field", FIELDS.iter().map(|f| f.0).collect(), FIELDS.iter().map(|f| f.2).collect()),
        ("job", JOBS.iter().map(|j| j.0).collect(), JOBS.iter().map(|j| j.2).collect()),
        ("employment", EMPLOYMENT.iter().map(|e| e.0).collect(), EMPLOYMENT.iter().map(|e| e.1).collect()),
        ("prefecture", (1..=PREFECTURES.len() as u64).collect(), PREFECTURES.iter().map(|p| p.2).collect()),
        ("term", TERMS.iter().map(|t| t.0).collect(), TERMS.iter().map(|t| t.2).collect()),
    ];
    let pick_words = |rng: &mut Rng, count: usize| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        while out.len() < count {
            let w = rng.pick(&words).to_string();
            if !out.contains(&w) {
                out.push(w);
            }
        }
        out
    };
    (0..n)
        .map(|_| {
            let deep = rng.chance(10);
            // 1 keyword in half the queries, 2 in a third, 3 in the rest (as people search).
            let keywords = if deep || rng.chance(10) { rng.below(2) } else { [1, 1, 1, 2, 2, 3][rng.below(6)] };
            let all = pick_words(&mut rng, keywords);
            let any = if !deep && rng.chance(15) { vec![pick_words(&mut rng, 2).join("　")] } else { vec![] };
            // A 1-character NOT word (学) would exclude nearly everything: NOT takes longer ones.
            let none = if rng.chance(20) {
                pick_words(&mut rng, 1).into_iter().filter(|w| w.chars().count() > 1).collect()
            } else {
                vec![]
            };
            let facet_count = if deep { 2 } else { 2 + rng.below(3) };
            let mut facets: Vec<(String, Vec<u64>)> = Vec::new();
            while facets.len() < facet_count {
                let (name, codes, weights) = &facet_codes[rng.below(facet_codes.len())];
                if facets.iter().any(|f| f.0 == *name) {
                    continue;
                }
                let mut chosen = vec![codes[rng.weighted(weights)]];
                if rng.chance(40) {
                    let other = codes[rng.weighted(weights)];
                    if !chosen.contains(&other) {
                        chosen.push(other);
                    }
                }
                facets.push((name.to_string(), chosen));
            }
            let ranges = if rng.chance(70) {
                vec![KeyRange { key: "deadline".into(), min: Some(NOW), max: None }]
            } else {
                vec![]
            };
            let sort = if rng.chance(80) {
                Sort { key: "updated_at".into(), descending: true }
            } else {
                Sort { key: "deadline".into(), descending: false }
            };
            let query = Query {
                scope: SCOPE.into(),
                all: vec![all.join(" ")],
                any,
                none,
                facets,
                ranges,
                sort,
                page: 1,
                per_page: PER_PAGE,
                now: NOW,
            };
            (query, deep)
        })
        .collect()
}

/// The yardstick's table: the same postings, their texts in one column.
async fn load_table(store: &Store, postings: u64) -> anyhow::Result<()> {
    let mut conn = store.acquire().await?;
    raw_execute(
        &mut conn,
        "CREATE TABLE postings (id TEXT PRIMARY KEY, text TEXT NOT NULL, fields TEXT NOT NULL, job INTEGER NOT NULL,
         employment INTEGER NOT NULL, prefecture INTEGER NOT NULL, salary INTEGER NOT NULL, term INTEGER NOT NULL,
         updated_at INTEGER NOT NULL, deadline INTEGER NOT NULL, publish_at INTEGER NOT NULL, unpublish_at INTEGER)",
    )
    .await?;
    drop(conn);
    let mut i = 0;
    while i < postings {
        let mut tx = store.begin().await?;
        for j in i..(i + SQL_BATCH).min(postings) {
            let p = search_data::posting(SEED, j, NOW);
            let fields: Vec<String> = p.fields.iter().map(u64::to_string).collect();
            sqlx::query("INSERT INTO postings VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
                .bind(format!("{:08}", p.id))
                .bind(format!("{} {} {} {}", p.title, p.institution, p.department, p.body))
                .bind(format!(",{},", fields.join(",")))
                .bind(p.job as i64)
                .bind(p.employment as i64)
                .bind(p.prefecture as i64)
                .bind(p.salary as i64)
                .bind(p.term as i64)
                .bind(p.updated_at)
                .bind(p.deadline)
                .bind(p.publish_at)
                .bind(p.unpublish_at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        i += SQL_BATCH;
    }
    Ok(())
}

/// One query as SQL: `COUNT(*)` of the matches, then its page. Returns the total.
async fn like_query(store: &Store, query: &Query) -> anyhow::Result<u64> {
    let mut conditions =
        vec!["publish_at <= $1".to_string(), "(unpublish_at IS NULL OR unpublish_at > $1)".to_string()];
    let mut binds: Vec<String> = Vec::new();
    let like = |word: &str, binds: &mut Vec<String>| {
        binds.push(format!("%{word}%"));
        format!("text LIKE ${}", binds.len() + 1)
    };
    let words =
        |fields: &[String]| -> Vec<String> { fields.iter().flat_map(|f| madoguchi_search::text::words(f)).collect() };
    for w in words(&query.all) {
        conditions.push(like(&w, &mut binds));
    }
    let any: Vec<String> = words(&query.any).iter().map(|w| like(w, &mut binds)).collect();
    if !any.is_empty() {
        conditions.push(format!("({})", any.join(" OR ")));
    }
    for w in words(&query.none) {
        conditions.push(format!("NOT {}", like(&w, &mut binds)));
    }
    for (name, codes) in &query.facets {
        // Codes are numbers the runner made: written into the SQL as they are.
        let list: Vec<String> = codes.iter().map(u64::to_string).collect();
        conditions.push(match name.as_str() {
            "field" => {
                format!("({})", codes.iter().map(|c| format!("fields LIKE '%,{c},%'")).collect::<Vec<_>>().join(" OR "))
            }
            "job" | "employment" | "prefecture" | "salary" | "term" => format!("{name} IN ({})", list.join(", ")),
            other => bail!("no column for facet {other}"),
        });
    }
    for range in &query.ranges {
        if let Some(min) = range.min {
            conditions.push(format!("{} >= {min}", range.key));
        }
        if let Some(max) = range.max {
            conditions.push(format!("{} <= {max}", range.key));
        }
    }
    let filter = conditions.join(" AND ");
    let mut conn = store.acquire().await?;
    let count_sql = format!("SELECT COUNT(*) FROM postings WHERE {filter}");
    let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql)).bind(query.now);
    for b in &binds {
        count = count.bind(b.clone());
    }
    let total = count.fetch_one(&mut *conn).await.context("the yardstick's COUNT")?;
    let order = if query.sort.descending { "DESC" } else { "ASC" };
    let page_sql = format!(
        "SELECT id FROM postings WHERE {filter} ORDER BY {} {order}, id LIMIT {} OFFSET {}",
        query.sort.key,
        query.per_page,
        (query.page - 1) * query.per_page
    );
    let mut page = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(page_sql)).bind(query.now);
    for b in &binds {
        page = page.bind(b.clone());
    }
    page.fetch_all(&mut *conn).await.context("the yardstick's page")?;
    Ok(total as u64)
}

/// The figures against the goals, for docs/BENCHMARKS.md.
pub fn markdown(f: &Figures, date: &str, commit: &str) -> String {
    let goal = |met: bool| if met { "✓" } else { "✗" };
    let mut s = format!(
        "### Public search, {} synthetic postings — {date}, commit {commit}\n\n\
         {} visible at the data set's `now`; index on local disk, queries in the runner's process (no HTTP).\n\n\
         | Measure | madoguchi-search (tantivy) | Goal |\n|---|---|---|\n",
        f.postings, f.visible
    );
    s.push_str(&format!(
        "| Index build (generate, write on every core, commit, merge) | {:.1} s (generating the postings {:.1} s of it) | ≤ 600 s {} |\n",
        f.build_s,
        f.generate_s,
        goal(f.build_s <= GOAL_BUILD_S)
    ));
    s.push_str(&format!("| Index size on disk | {:.0} MB | |\n", f.index_mb));
    s.push_str(&format!(
        "| Query mix: {} queries ({} deep pages), exact totals and facet counts — p50 / p99 / worst | {:.1} / {:.1} / {:.1} ms | p99 ≤ 50 ms {} |\n",
        f.mix.queries,
        f.deep_pages,
        f.mix.p50_ms,
        f.mix.p99_ms,
        f.mix.worst_ms,
        goal(f.mix.p99_ms <= GOAL_P99_MS)
    ));
    s.push_str(&format!(
        "| Totals of the mix: mean / largest / empty results | {:.0} / {} / {} | |\n",
        f.mean_total, f.largest_total, f.empty_results
    ));
    s.push_str(&format!(
        "| RSS after the queries (anonymous + file-backed index pages); high-water mark | {:.0} MB ({:.0} + {:.0}); {:.0} MB | ≤ 2,000 MB {} |\n",
        f.memory_after_queries.rss_mb,
        f.memory_after_queries.anon_mb,
        f.memory_after_queries.file_mb,
        f.memory_after_queries.peak_mb,
        goal(f.memory_after_queries.rss_mb <= GOAL_RSS_MB)
    ));
    s.push_str(&format!(
        "| Yardstick: SQL `LIKE` in SQLite, first {} queries of the mix (COUNT + page) — p50 / worst | {:.0} / {:.0} ms (the engine on the same: {:.1} / {:.1} ms); loading the table {:.0} s | totals agree: {} |\n",
        f.like.queries,
        f.like.p50_ms,
        f.like.worst_ms,
        f.engine_on_like_queries.p50_ms,
        f.engine_on_like_queries.worst_ms,
        f.like_load_s,
        if f.totals_agree { "yes" } else { "**no**" }
    ));
    match &f.under_load {
        Some(u) => s.push_str(&format!(
            "| The same mix while the server on this machine serves logins at full load (wrk, {:.0} s; {:.1} logins/s, p99 {:.0} ms, {} errors) — p50 / p99 / worst | {:.1} / {:.1} / {:.1} ms | p99 ≤ 50 ms {} |\n",
            u.load_seconds,
            u.logins_per_second,
            u.login_p99_ms,
            u.login_errors,
            u.mix.p50_ms,
            u.mix.p99_ms,
            u.mix.worst_ms,
            goal(u.mix.p99_ms <= GOAL_P99_MS)
        )),
        None => s.push_str("| The same mix while the server serves logins | not measured in this run (`--no-search-load`) | |\n"),
    }
    s
}
