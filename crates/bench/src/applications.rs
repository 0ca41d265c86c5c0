//! jrec-in's Web応募 at the size issue 17 names, on SQLite and PostgreSQL side by side
//! (docs/BENCHMARKS.md, 「Web応募」), through the release server's own screens:
//!
//! 1. **list**: 応募情報一覧 of one posting with `--applicants` (2,000) filed applications, each
//!    with its own 200 KB PDF: the default order, every sort column, a status filter and deep
//!    pages, `LIST_RUNS` requests in turn; p50 / p99 / worst;
//! 2. **ZIP**: 「応募書類のダウンロード」 of 50, 200 and 800 checked rows, each timed to the last
//!    byte, with the server's resident-set high-water mark reset before and read after each
//!    (`/proc/<pid>/clear_refs`): the ZIP is streamed one file at a time, so the peak must not
//!    grow with the files (200 files are 40 MB, 800 are 160 MB);
//! 3. **bulk change**: 「応募状況の変更」 of 500 rows to 受理済 with 通知する: the preview, then
//!    「変更」, each timed, and the mails the change queued counted in the outbox (one per
//!    applicant: 500).
//!
//! The posting and the institution are the demo's (`demo = true`: 国立窓口大学, `demo-kikan`),
//! logged in with its password as a browser does. The applicants are seeded through the
//! module's own statements (a seeker account, its document in `files`, the draft and its
//! 「応募する」), 200 to a transaction: 2,000 seekers registering and applying through the
//! screens would time the mailed codes and argon2, not the lists.

use crate::browser::{Browser, expect_redirect, pdf, values_of};
use crate::report::{TableRow, side_by_side};
use crate::server;
use crate::timings::Timings;
use anyhow::{Context, bail};
use madoguchi_applications::{PURPOSE, receipt, store as applications};
use madoguchi_store::files::{self, NewFile};
use madoguchi_store::{Store, users};
use serde::Serialize;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Instant;

const PORTAL: &str = "jrec-in";
const LOGIN_ID: &str = "demo-kikan";
const PASSWORD: &str = "DemoUser2026";
/// List pages fetched for the list's figures.
const LIST_RUNS: usize = 210;
/// Bytes of each applicant's document.
const FILE_BYTES: usize = 200 * 1024;
/// Checked rows of each ZIP.
const ZIP_SIZES: [usize; 3] = [50, 200, 800];
/// Rows of the bulk status change.
const BULK_ROWS: usize = 500;
/// Applications seeded per transaction.
const SEED_BATCH: usize = 200;

/// Issue 17 names these figures without goals (the ZIP's memory must stay flat): reported.
#[derive(Debug, Serialize)]
pub struct Figures {
    pub name: String,
    pub applicants: usize,
    pub file_bytes: usize,
    pub seed_seconds: f64,
    pub list: Timings,
    pub list_bytes: usize,
    pub zips: Vec<ZipRun>,
    pub bulk_rows: usize,
    pub bulk_preview_ms: f64,
    pub bulk_change_ms: f64,
    pub bulk_changed: usize,
    pub mails_queued: i64,
    pub rss_peak_mb: f64,
}

#[derive(Debug, Serialize)]
pub struct ZipRun {
    pub files: usize,
    pub seconds: f64,
    pub bytes: usize,
    /// The server's resident set before the request and its high-water mark during it.
    pub rss_before_mb: f64,
    pub rss_peak_mb: f64,
}

pub async fn run(
    kind: &str,
    database: &str,
    work: &Path,
    madoguchi: &Path,
    applicants: usize,
) -> anyhow::Result<Figures> {
    crate::step(&format!("{kind}: Web応募, a posting with {applicants} applicants"));
    let addr = server::free_port()?;
    let config_path = work.join(format!("{kind}-applications.toml"));
    std::fs::write(&config_path, config_text(addr, database))?;
    let log = work.join(format!("{kind}-applications.log"));
    let serve = vec!["--config".to_string(), config_path.display().to_string(), "serve".to_string()];
    let process = server::start(madoguchi, &serve, addr, "/readyz", &log).await?;
    let store = Store::connect(database).await?;

    let institution = Browser::login(addr, PORTAL, LOGIN_ID, PASSWORD).await?;
    let posting = first_posting(&institution).await?;
    let began = Instant::now();
    let ids = seed(&store, posting, applicants).await?;
    let seed_seconds = began.elapsed().as_secs_f64();
    println!("    {applicants} applications seeded in {seed_seconds:.1} s");

    let list_path = format!("/{PORTAL}/applications/postings/{posting}");
    let (list, list_bytes) = list_figures(&institution, &list_path, applicants).await?;
    println!("    応募情報一覧 ({} KB): p50 {:.1} ms, p99 {:.1} ms", list_bytes / 1000, list.p50_ms, list.p99_ms);

    let bulk_path = format!("{list_path}/bulk");
    let mut zips = Vec::new();
    for files in ZIP_SIZES.into_iter().filter(|n| *n <= ids.len()) {
        let run = zip_run(&institution, &process, &bulk_path, &ids[..files]).await?;
        println!(
            "    ZIP of {files} files ({} MB): {:.2} s, RSS {:.1} MB before, peak {:.1} MB",
            run.bytes / 1_000_000,
            run.seconds,
            run.rss_before_mb,
            run.rss_peak_mb
        );
        zips.push(run);
    }

    let rows = &ids[..BULK_ROWS.min(ids.len())];
    let bulk = bulk_change(&store, &institution, &bulk_path, rows).await?;
    println!(
        "    応募状況の変更 of {} rows: preview {:.0} ms, 変更 {:.0} ms, {} mails queued",
        rows.len(),
        bulk.preview_ms,
        bulk.change_ms,
        bulk.mails
    );
    let memory = process.memory()?;
    process.stop().await?;
    store.close().await;
    Ok(Figures {
        name: kind.to_string(),
        applicants,
        file_bytes: FILE_BYTES,
        seed_seconds,
        list,
        list_bytes,
        zips,
        bulk_rows: rows.len(),
        bulk_preview_ms: bulk.preview_ms,
        bulk_change_ms: bulk.change_ms,
        bulk_changed: bulk.changed,
        mails_queued: bulk.mails,
        rss_peak_mb: crate::report::mb(memory.peak_mib),
    })
}

/// jrec-in alone with the demo's institution and postings, its service hours lifted so that
/// the runner can run at any hour.
fn config_text(addr: SocketAddr, database: &str) -> String {
    format!(
        "[server]\nlisten = \"{addr}\"\ndatabase = \"{database}\"\ndev_mailbox = true\ndemo = true\n\n\
         [[portal]]\npreset = \"{PORTAL}\"\n\n[portal.service_hours]\nhours = \"00:00-00:00\"\nclosed = []\n"
    )
}

/// The first posting of 応募状況確認 (the demo's postings with Web応募 可).
async fn first_posting(institution: &Browser) -> anyhow::Result<i64> {
    let page = institution.get(&format!("/{PORTAL}/applications")).await?;
    let marker = format!("/{PORTAL}/applications/postings/");
    let at = page.body.find(&marker).context("応募状況確認 lists no posting")?;
    let rest = &page.body[at + marker.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().context("a posting's link has no id")
}

/// `n` seekers, each with one filed application (応募中) and its own document; their ids in
/// the order filed.
async fn seed(store: &Store, posting: i64, n: usize) -> anyhow::Result<Vec<i64>> {
    let (organization_id, data_number): (i64, i64) =
        sqlx::query_as("SELECT organization_id, data_number FROM job_postings WHERE id = $1")
            .bind(posting)
            .fetch_one(store.pool())
            .await?;
    let data_number = format!("D{data_number:09}");
    let target =
        applications::PostingRef { id: posting, organization_id, data_number: &data_number, title: "ベンチ公募" };
    let now = chrono::Utc::now().timestamp();
    let mut ids = Vec::with_capacity(n);
    for batch in (0..n).collect::<Vec<_>>().chunks(SEED_BATCH) {
        let mut tx = store.begin().await?;
        for &i in batch {
            let email = format!("seeker{i:05}@bench.example");
            let name = format!("応募 {}", i + 1);
            let seeker = users::insert_seeker(&mut tx, PORTAL, &email, &email, &name, "unused", now)
                .await?
                .with_context(|| format!("seeker {email} exists"))?;
            let content = document(i);
            let file_name = format!("業績一覧_{:05}.pdf", i + 1);
            let new = NewFile {
                portal: PORTAL,
                owner_organization_id: Some(organization_id),
                owner_user_id: Some(seeker),
                purpose: PURPOSE,
                name: &file_name,
                media_type: "application/pdf",
                content: &content,
            };
            let file = files::insert(&mut tx, &new, now).await?;
            let applicant = applications::Applicant {
                name: &name,
                furigana: &format!("オウボ {:05}", n - i),
                email: &email,
                phone: "03-1234-5678",
                affiliation: "ベンチ大学",
                message: "",
                lang: "ja",
            };
            let id = applications::insert_draft(&mut tx, PORTAL, seeker, &target, &applicant, file.id, now + i as i64)
                .await?
                .context("the draft was not written")?;
            if !applications::file(&mut tx, id, 0, &receipt::draw(), now + i as i64).await? {
                bail!("application {id} was not filed");
            }
            ids.push(id);
        }
        tx.commit().await?;
    }
    Ok(ids)
}

/// Applicant `i`'s document: a PDF of `FILE_BYTES` of its own (its number after the header).
fn document(i: usize) -> Vec<u8> {
    let mut content = pdf(FILE_BYTES);
    let tag = format!("% applicant {i}\n");
    content[9..9 + tag.len()].copy_from_slice(tag.as_bytes());
    content
}

/// The list in every order an institution asks for, in turn: p50 / p99 and a page's bytes.
async fn list_figures(institution: &Browser, path: &str, applicants: usize) -> anyhow::Result<(Timings, usize)> {
    let pages = applicants.div_ceil(madoguchi_applications::overview::PER_PAGE).max(1);
    let queries = [
        String::new(),
        "?sort=name&dir=asc".to_string(),
        "?sort=receipt&dir=desc".to_string(),
        "?sort=status&dir=asc".to_string(),
        "?status=applied".to_string(),
        format!("?sort=applied&dir=desc&page={}", pages / 2),
        format!("?sort=file&dir=asc&page={pages}"),
    ];
    let mut runs = Vec::with_capacity(LIST_RUNS);
    let mut bytes = 0;
    for i in 0..LIST_RUNS {
        let url = format!("{path}{}", queries[i % queries.len()]);
        let began = Instant::now();
        let page = institution.get(&url).await?;
        runs.push(began.elapsed().as_secs_f64() * 1000.0);
        if i == 0 {
            if !page.body.contains("name=\"ids\"") {
                bail!("応募情報一覧 shows no row to check");
            }
            bytes = page.bytes;
        }
    }
    Ok((Timings::of(runs), bytes))
}

/// One ZIP of the checked `ids`, read to its last byte.
async fn zip_run(institution: &Browser, process: &server::Process, path: &str, ids: &[i64]) -> anyhow::Result<ZipRun> {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    let mut fields: Vec<(&str, &str)> = ids.iter().map(|id| ("ids", id.as_str())).collect();
    fields.push(("_action", "download"));
    let before = process.memory()?;
    process.reset_peak()?;
    let (zip, ms) = institution.post(path, &fields).await?;
    let after = process.memory()?;
    if zip.status != 200 || !zip.body.starts_with("PK") {
        bail!("the ZIP of {} files answered {} ({} bytes)", ids.len(), zip.status, zip.bytes);
    }
    if zip.bytes < ids.len() * FILE_BYTES {
        bail!("the ZIP of {} files has only {} bytes", ids.len(), zip.bytes);
    }
    Ok(ZipRun {
        files: ids.len(),
        seconds: ms / 1000.0,
        bytes: zip.bytes,
        rss_before_mb: crate::report::mb(before.rss_mib),
        rss_peak_mb: crate::report::mb(after.peak_mib),
    })
}

struct Bulk {
    preview_ms: f64,
    change_ms: f64,
    changed: usize,
    mails: i64,
}

/// 「応募状況の変更」 of `ids` to 受理済 with 通知する: the preview, 「変更」, and the mails queued.
async fn bulk_change(store: &Store, institution: &Browser, path: &str, ids: &[i64]) -> anyhow::Result<Bulk> {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    let choice = [("_action", "change"), ("status", "accepted"), ("notify", "yes")];
    let mut fields: Vec<(&str, &str)> = ids.iter().map(|id| ("ids", id.as_str())).collect();
    fields.extend(choice);
    let (preview, preview_ms) = institution.post(path, &fields).await?;
    let rows = values_of(&preview.body, "row");
    if preview.status != 200 || rows.len() != ids.len() {
        bail!("the preview of {} rows answered {} with {} rows", ids.len(), preview.status, rows.len());
    }
    let mails_before = outbox_rows(store).await?;
    let mut fields: Vec<(&str, &str)> = rows.iter().map(|r| ("row", r.as_str())).collect();
    fields.extend(choice);
    fields.push(("_step", "confirmed"));
    let (changed, change_ms) = institution.post(path, &fields).await?;
    expect_redirect(&changed, &format!("?done=changed&n={}", ids.len()), "応募状況の変更")?;
    let mails = outbox_rows(store).await? - mails_before;
    if mails != ids.len() as i64 {
        bail!("the change of {} rows queued {mails} mails", ids.len());
    }
    Ok(Bulk { preview_ms, change_ms, changed: ids.len(), mails })
}

async fn outbox_rows(store: &Store) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM outbox").fetch_one(store.pool()).await?)
}

pub fn markdown(figures: &[Figures], date: &str, commit: &str) -> String {
    let mut out = format!("### Web応募 — {date}, commit {commit}\n\n");
    let Some(first) = figures.first() else {
        return out;
    };
    out.push_str(&format!(
        "One posting with {} filed applications, each with its own {} KB PDF, through the release server's screens.\n\n",
        first.applicants,
        first.file_bytes / 1024
    ));
    let mut rows: Vec<TableRow<Figures>> = vec![(
        format!("応募情報一覧 (every sort, a filter, deep pages; {} requests) — p50 / p99 / worst", first.list.queries),
        Box::new(|f| {
            format!(
                "{:.1} / {:.1} / {:.1} ms ({} KB)",
                f.list.p50_ms,
                f.list.p99_ms,
                f.list.worst_ms,
                f.list_bytes / 1000
            )
        }),
    )];
    for (at, zip) in first.zips.iter().enumerate() {
        rows.push((
            format!(
                "ZIP of {} files ({} MB) — time; server RSS before → peak during",
                zip.files,
                zip.bytes / 1_000_000
            ),
            Box::new(move |f: &Figures| {
                f.zips.get(at).map_or(String::new(), |z| {
                    format!("{:.2} s; {:.1} → {:.1} MB", z.seconds, z.rss_before_mb, z.rss_peak_mb)
                })
            }),
        ));
    }
    rows.push((
        format!("応募状況の変更 of {} rows (通知する) — preview / 変更; mails queued", first.bulk_rows),
        Box::new(|f| format!("{:.0} / {:.0} ms; {}", f.bulk_preview_ms, f.bulk_change_ms, f.mails_queued)),
    ));
    rows.push((
        "Seeding the applications (not a screen)".to_string(),
        Box::new(|f| format!("{:.1} s", f.seed_seconds)),
    ));
    rows.push((
        "Server RSS high-water mark (after the ZIP resets)".to_string(),
        Box::new(|f| format!("{:.1} MB", f.rss_peak_mb)),
    ));
    out.push_str(&side_by_side(figures, |f| &f.name, rows));
    out
}
