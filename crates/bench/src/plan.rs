//! mlit-fwms's 建設特定技能受入計画 at the size of a large company (issue 18): one plan of
//! `--plan-workers` (50) workers with every attachment it needs, on SQLite and PostgreSQL side by
//! side (docs/BENCHMARKS.md, 「受入計画」), through the release server's own screens:
//!
//! 1. **save**: Parts 1–5 (「一時保存」) and each worker block added and saved (「保存して確認」),
//!    each POST timed from request to answer; p50 / p99 / worst;
//! 2. **attachments**: every kind the plan needs (the plan's and 12, 13, 15 per worker), one
//!    multipart upload each of a 200 KB PDF; p50 / p99 and the count;
//! 3. **submit**: 「申請」 confirmed (the whole plan checked, frozen as the review's snapshot,
//!    routed, mailed), timed;
//! 4. **review screen**: the reviewing office's 審査 page of the plan (every part, every worker,
//!    every file, the system's check), `REVIEWS` times; p50 / p99;
//! 5. **認定通知書**: after 認定, the PDF fetched 3 times; median and size;
//! 6. **RSS**: the server's high-water mark after all of it.
//!
//! The company logs in with its password as a browser does (CSRF token from the login page).
//! The office's console signs in with a mailed code, which the runner does not read: it opens
//! the session the code step opens after its last check (`sessions::insert_with`), as the 財形
//! figures do for rokin's certificate. Everything after the session is the server's real path.

use crate::browser::{Browser, excerpt, expect_redirect, hidden, pdf, values_of};
use crate::http;
use crate::report::{TableRow, side_by_side};
use crate::server;
use crate::timings::Timings;
use anyhow::{Context, bail};
use madoguchi_core::Config;
use madoguchi_core::rules::SessionRule;
use madoguchi_identity::accounts::{self, NewAccount};
use madoguchi_store::{Store, operators, sessions};
use madoguchi_web::auth::{self, Hasher};
use serde::Serialize;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Instant;

const PORTAL: &str = "mlit-fwms";
const LOGIN_ID: &str = "bench0001";
const PASSWORD: &str = "Bench-Plan-2026";
const OFFICE_EMAIL: &str = "kanto@bench.example";
/// 審査 pages fetched for the review screen's figures.
const REVIEWS: usize = 30;
/// Bytes of each uploaded PDF.
const FILE_BYTES: usize = 200 * 1024;

/// The budgets of issue 18 are figures to report (no goal was named): none is asserted here.
#[derive(Debug, Serialize)]
pub struct Figures {
    pub name: String,
    pub workers: usize,
    pub saves: Timings,
    pub attachments: Timings,
    pub attachment_bytes: usize,
    pub submit_ms: f64,
    pub review: Timings,
    pub review_bytes: usize,
    pub notice_median_ms: f64,
    pub notice_bytes: usize,
    pub rss_peak_mb: f64,
}

pub async fn run(kind: &str, database: &str, work: &Path, madoguchi: &Path, workers: usize) -> anyhow::Result<Figures> {
    crate::step(&format!("{kind}: 受入計画, a plan of {workers} workers"));
    let addr = server::free_port()?;
    let config_path = work.join(format!("{kind}-plan.toml"));
    let config_text = config_text(addr, database);
    std::fs::write(&config_path, &config_text)?;
    let config = Config::parse(&config_path.display().to_string(), &config_text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let store = Store::connect(database).await?;
    store.migrate(chrono::Utc::now().timestamp()).await?;
    let operator = seed(&store, &config).await?;
    let log = work.join(format!("{kind}-plan.log"));
    let serve = vec!["--config".to_string(), config_path.display().to_string(), "serve".to_string()];
    let process = server::start(madoguchi, &serve, addr, "/readyz", &log).await?;

    let company = Browser::login(addr, PORTAL, LOGIN_ID, PASSWORD).await?;
    let mut saves = Vec::new();
    company.post(&format!("/{PORTAL}/plan/start"), &[]).await?;
    for (part, fields) in parts(workers) {
        let path = format!("/{PORTAL}/plan/part/{part}");
        let version = hidden(&company.get(&path).await?.body, "version")?;
        let mut posted = vec![("version", version.as_str()), ("action", "save")];
        posted.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
        let (answer, ms) = company.post(&path, &posted).await?;
        expect_redirect(&answer, "?done=saved", &path)?;
        saves.push(ms);
    }
    for i in 0..workers {
        let version = hidden(&company.get(&format!("/{PORTAL}/plan")).await?.body, "version")?;
        let (added, ms) = company.post(&format!("/{PORTAL}/plan/workers"), &[("version", &version)]).await?;
        saves.push(ms);
        let path = added.header("location").context("adding a worker answered no address")?.to_string();
        let version = hidden(&company.get(&path).await?.body, "version")?;
        let fields = worker(i);
        let mut posted = vec![("version", version.as_str()), ("action", "next")];
        posted.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
        let (answer, ms) = company.post(&path, &posted).await?;
        expect_redirect(&answer, "/plan", &path)?;
        saves.push(ms);
    }
    let saves = Timings::of(saves);
    println!("    {} saves: p50 {:.1} ms, p99 {:.1} ms", saves.queries, saves.p50_ms, saves.p99_ms);

    let attachments = upload_required(&company).await?;
    println!("    {} uploads: p50 {:.1} ms, p99 {:.1} ms", attachments.queries, attachments.p50_ms, attachments.p99_ms);

    let asked = company.get(&format!("/{PORTAL}/plan/apply")).await?;
    let version = hidden(&asked.body, "version")?;
    let (applied, submit_ms) =
        company.post(&format!("/{PORTAL}/plan/apply"), &[("version", &version), ("_step", "confirmed")]).await?;
    expect_redirect(&applied, "/plan/view?done=applied", "申請")?;
    println!("    申請: {submit_ms:.0} ms");

    let office = office_browser(&store, &config, addr, operator).await?;
    let plan: i64 = sqlx::query_scalar("SELECT id FROM acceptance_plans").fetch_one(store.pool()).await?;
    let review_path = format!("/{PORTAL}/operator/plans/{plan}");
    let mut reviews = Vec::new();
    let mut review_bytes = 0;
    for _ in 0..REVIEWS {
        let began = Instant::now();
        let page = office.get(&review_path).await?;
        reviews.push(began.elapsed().as_secs_f64() * 1000.0);
        review_bytes = page.bytes;
    }
    let review = Timings::of(reviews);
    println!("    審査 page ({} KB): p50 {:.1} ms, p99 {:.1} ms", review_bytes / 1000, review.p50_ms, review.p99_ms);

    let page = office.get(&review_path).await?;
    let seq = hidden(&page.body, "seq")?;
    let today = chrono::Utc::now().with_timezone(&madoguchi_core::clock::JST).format("%Y-%m-%d").to_string();
    let criteria = values_of(&page.body, "criteria");
    let mut fields: Vec<(&str, &str)> = criteria.iter().map(|c| ("criteria", c.as_str())).collect();
    fields.extend([("seq", seq.as_str()), ("certified_on", today.as_str())]);
    let (certified, _) = office.post(&format!("{review_path}/certify"), &fields).await?;
    expect_redirect(&certified, "?done=certified", "認定")?;
    let mut notices = Vec::new();
    let mut notice_bytes = 0;
    for _ in 0..3 {
        let began = Instant::now();
        let pdf = office.get(&format!("{review_path}/notice.pdf")).await?;
        notices.push(began.elapsed().as_secs_f64() * 1000.0);
        if !pdf.body.starts_with("%PDF-") {
            bail!("the 認定通知書 is no PDF");
        }
        notice_bytes = pdf.bytes;
    }
    let notice = Timings::of(notices);
    println!("    認定通知書: median {:.0} ms, {} KB", notice.p50_ms, notice_bytes / 1000);
    let memory = process.memory()?;
    process.stop().await?;
    store.close().await;
    Ok(Figures {
        name: kind.to_string(),
        workers,
        saves,
        attachments,
        attachment_bytes: FILE_BYTES,
        submit_ms,
        review,
        review_bytes,
        notice_median_ms: notice.p50_ms,
        notice_bytes,
        rss_peak_mb: crate::report::mb(memory.peak_mib),
    })
}

/// mlit-fwms alone, its service hours lifted so that the runner can run at any hour.
fn config_text(addr: SocketAddr, database: &str) -> String {
    format!(
        "[server]\nlisten = \"{addr}\"\ndatabase = \"{database}\"\ndev_mailbox = true\n\n[[portal]]\npreset = \"{PORTAL}\"\n\n[portal.service_hours]\nhours = \"00:00-00:00\"\nclosed = []\n"
    )
}

/// The company (its organization and user) and the office's operator (関東地方整備局, where a
/// plan of 東京都 goes); the operator's id.
async fn seed(store: &Store, config: &Config) -> anyhow::Result<i64> {
    let portal = config.portal(PORTAL).context("no mlit-fwms portal")?.clone();
    let a = &config.server.argon2;
    let hasher = Hasher::new(a.m_kib, a.t, a.p);
    let now = chrono::Utc::now().timestamp();
    let account = NewAccount {
        organization: "ベンチ建設株式会社",
        office: "",
        login_id: LOGIN_ID,
        email: "company@bench.example",
        name: "建設 一郎",
        password: Some(PASSWORD),
        permanent: true,
        actor: "bench",
    };
    accounts::create(store, &hasher, &portal, "bench.example", &account, now).await?;
    let hash = hasher.hash("a long operator password for the bench").await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tx = store.begin().await?;
    let id = operators::insert(&mut tx, PORTAL, OFFICE_EMAIL, "関東 審査", &hash, now).await?.context("operator")?;
    operators::set_office(&mut tx, PORTAL, OFFICE_EMAIL, Some("ktr")).await?;
    tx.commit().await?;
    Ok(id)
}

/// The office's console, signed in (see the module's comment).
async fn office_browser(store: &Store, config: &Config, addr: SocketAddr, operator: i64) -> anyhow::Result<Browser> {
    let portal = config.portal(PORTAL).context("no mlit-fwms portal")?;
    let token = auth::random_token();
    let now = chrono::Utc::now().timestamp();
    let expires = SessionRule::of(&portal.settings.session).expires_at(now);
    let mut conn = store.acquire().await?;
    let holder = sessions::Holder::Operator(operator);
    sessions::insert_with(&mut conn, &auth::token_hash(&token), PORTAL, holder, now, expires, &Default::default())
        .await?;
    let page = http::request(addr, "GET", &format!("/{PORTAL}/operator/login"), &[], None).await?;
    let csrf = page.cookie("mdg_csrf").context("the console's login page set no CSRF cookie")?;
    Ok(Browser { addr, cookie: format!("mdg_csrf={csrf}; mdg_op={token}"), csrf })
}

/// Every required attachment still without a file, uploaded one by one (each upload's answer
/// is the page again, with the next rows).
async fn upload_required(company: &Browser) -> anyhow::Result<Timings> {
    let path = format!("/{PORTAL}/plan/attachments");
    let file = pdf(FILE_BYTES);
    let mut runs = Vec::new();
    let mut page = company.get(&path).await?;
    while let Some(row) = open_required_row(&page.body) {
        let mut fields = vec![("row", row.row.as_str()), ("kind", row.kind.as_str())];
        if let Some(w) = &row.worker {
            fields.push(("worker", w.as_str()));
        }
        if row.dated {
            fields.push(("issued_on", "2026-11-01"));
        }
        let (answer, ms) = company.upload(&path, &fields, &file).await?;
        if answer.status != 200 || !answer.body.contains("をアップロードしました。") {
            bail!("upload of {} answered {}: {}", row.kind, answer.status, excerpt(&answer.body));
        }
        runs.push(ms);
        if runs.len() > 1000 {
            bail!("the required attachments never ran out");
        }
        page = answer;
    }
    Ok(Timings::of(runs))
}

struct Row {
    row: String,
    kind: String,
    worker: Option<String>,
    dated: bool,
}

/// The first section of the attachments page marked required and still without a file.
fn open_required_row(body: &str) -> Option<Row> {
    body.split("<section class=\"attachment\"").skip(1).find_map(|section| {
        let section = section.split("</section>").next()?;
        let heading = section.split("</h2>").next()?;
        if !heading.contains("class=\"req\"") || !section.contains("添付されていません。") {
            return None;
        }
        Some(Row {
            row: hidden(section, "row").ok()?,
            kind: hidden(section, "kind").ok()?,
            worker: hidden(section, "worker").ok(),
            dated: section.contains("name=\"issued_on\""),
        })
    })
}

/// Parts 1–5 of a plan every rule accepts, with room for `workers` under the headcount cap.
fn parts(workers: usize) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let s = |fields: &[(&'static str, &str)]| fields.iter().map(|(k, v)| (*k, v.to_string())).collect::<Vec<_>>();
    let fulltime = (workers + 10).to_string();
    let mut p1 = s(&[
        ("corporate_number", "7000012050002"),
        ("name", "ベンチ建設株式会社"),
        ("name_kana", "ベンチケンセツカブシキガイシャ"),
        ("rep_title", "代表取締役"),
        ("rep_name", "建設 一郎"),
        ("postal_code", "100-0001"),
        ("address", "東京都千代田区千代田1-1"),
        ("phone", "03-1234-5678"),
        ("email", "company@bench.example"),
        ("permit_authority", "governor-13"),
        ("permit_kind", "general"),
        ("permit_year", "5"),
        ("permit_number", "123456"),
        ("permit_granted", "2023-04-01"),
        ("permit_expires", "2028-03-31"),
        ("permit_trades", "01"),
        ("ccus_business_id", "12345678901234"),
        ("membership", "supporting"),
        ("member_number", "S-0123"),
        ("current_ssw", "1"),
        ("current_construction", "0"),
        ("current_trainees", "2"),
        ("contact_department", "総務部"),
        ("contact_name", "窓口 花子"),
        ("contact_phone", "03-1234-5679"),
        ("contact_email", "company@bench.example"),
    ]);
    p1.push(("fulltime", fulltime));
    vec![
        ("p1", p1),
        (
            "p2",
            s(&[
                ("period_start", "2027-01-01"),
                ("period_end", "2031-12-31"),
                ("categories", "civil"),
                ("workplace", "東京都内の建設現場"),
            ]),
        ),
        (
            "p3",
            s(&[
                ("hw_job_number", "13010-12345678"),
                ("hw_received", "2026-10-01"),
                ("domestic_efforts", "ハローワークに求人を出し、3か月募集した。"),
            ]),
        ),
        (
            "p4",
            s(&[
                ("monthly_salary", "1"),
                ("comparator", "yes"),
                ("comparator_monthly", "250000"),
                ("comparator_years", "5"),
                ("raise_policy", "技能の習熟に応じて昇給する。"),
                ("work_rules", "yes"),
                ("agreement36", "yes"),
                ("explanation_date", "2026-11-20"),
                ("explanation_language", "vi"),
                ("training", "1"),
                ("guidance", "1"),
            ]),
        ),
        ("p5", s(&[("safety_plan", "入社時に安全衛生教育を行う。")])),
    ]
}

/// Worker `i`'s block: its own name and 在留カード番号.
fn worker(i: usize) -> Vec<(&'static str, String)> {
    let mut fields =
        vec![("name_roman", format!("NGUYEN VAN {}", letters(i))), ("residence_card", format!("AB{:08}CD", i + 1))];
    fields.extend(
        [
            ("sex", "m"),
            ("birth_date", "1998-05-01"),
            ("nationality", "ベトナム"),
            ("in_japan", "yes"),
            ("residence_status", "tit2"),
            ("ccus_id", "12345678901234"),
            ("admission", "tit2"),
            ("category", "civil"),
            ("job_type", "型枠施工"),
            ("contract_start", "2027-01-01"),
            ("contract_end", "2029-12-31"),
            ("stay_start", "2027-01-01"),
            ("stay_end", "2029-12-31"),
            ("monthly_pay", "250000"),
            ("raise_plan", "年1回"),
            ("weekly_hours", "40"),
            ("holidays", "土日祝"),
        ]
        .map(|(k, v)| (k, v.to_string())),
    );
    fields
}

/// A, B, … Z, AA, AB, …: a name part per worker.
fn letters(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

pub fn markdown(figures: &[Figures], date: &str, commit: &str) -> String {
    let mut out = format!("### 受入計画 — {date}, commit {commit}\n\n");
    let Some(first) = figures.first() else {
        return out;
    };
    out.push_str(&format!(
        "One plan of {} workers with every attachment it needs ({} uploads of {} KB PDFs), through the release server's screens.\n\n",
        first.workers,
        first.attachments.queries,
        first.attachment_bytes / 1024
    ));
    let row = |label: &str, cell: Box<dyn Fn(&Figures) -> String>| -> TableRow<Figures> { (label.to_string(), cell) };
    let rows = vec![
        row(
            "Saves (Parts 1–5, each worker added and saved) — p50 / p99 / worst",
            Box::new(|f| {
                format!(
                    "{:.1} / {:.1} / {:.1} ms ({} saves)",
                    f.saves.p50_ms, f.saves.p99_ms, f.saves.worst_ms, f.saves.queries
                )
            }),
        ),
        row(
            "Attachment upload — p50 / p99 / worst",
            Box::new(|f| {
                format!("{:.1} / {:.1} / {:.1} ms", f.attachments.p50_ms, f.attachments.p99_ms, f.attachments.worst_ms)
            }),
        ),
        row("申請 (check, snapshot, routing, mails)", Box::new(|f| format!("{:.0} ms", f.submit_ms))),
        row(
            "The office's 審査 page — p50 / p99",
            Box::new(|f| format!("{:.1} / {:.1} ms ({} KB)", f.review.p50_ms, f.review.p99_ms, f.review_bytes / 1000)),
        ),
        row(
            "認定通知書 PDF — median",
            Box::new(|f| format!("{:.0} ms ({} KB)", f.notice_median_ms, f.notice_bytes / 1000)),
        ),
        row("Server RSS high-water mark", Box::new(|f| format!("{:.1} MB", f.rss_peak_mb))),
    ];
    out.push_str(&side_by_side(figures, |f| &f.name, rows));
    out
}

#[cfg(test)]
mod tests {
    use super::{letters, open_required_row};

    #[test]
    fn names_rows_and_fields_are_read_as_the_pages_write_them() {
        assert_eq!([letters(0), letters(25), letters(26), letters(51), letters(52)], ["A", "Z", "AA", "AZ", "BA"]);
        let page = "<section class=\"attachment\"><h2>No.1 a</h2><ul><li>x.pdf</li></ul></section>\
            <section class=\"attachment\"><h2>No.2 b <span class=\"req\">必須</span></h2><p>添付されていません。</p>\
            <input type=\"hidden\" name=\"row\" value=\"2\"><input type=\"hidden\" name=\"kind\" value=\"register\">\
            <input name=\"issued_on\" type=\"date\"></section>";
        let row = open_required_row(page).unwrap();
        assert_eq!((row.row.as_str(), row.kind.as_str(), row.worker, row.dated), ("2", "register", None, true));
    }
}
