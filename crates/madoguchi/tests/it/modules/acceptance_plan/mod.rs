//! mlit-fwms's 建設特定技能受入計画 (module `acceptance_plan`, `crates/modules/acceptance-plan`): the
//! organization's screens — the plan's input with 一時保存 and the checks beside the fields
//! (`input`), the attachments (`attachments`), 「申請」 and the menus by the plan's state
//! (`apply`), another organization kept out (`isolation`), the office's console (`review`,
//! `operators`), the 受入報告書 and 退職報告書 after 認定 with the reminder mails (`reports`), the
//! 変更届出 (`change_notice`), the 変更申請 (`change_application`) and the office's decisions on it
//! (`change_decisions`), and every version of a plan on both sides (`versions`). The
//! demo's company `kensetsu01` (窓口建設株式会社) signs in. Clock: the testkit's Tuesday
//! 2026-11-24 10:00 JST (the application date).

mod apply;
mod attachments;
mod change_application;
mod change_decisions;
mod change_notice;
mod input;
mod isolation;
mod operators;
mod reports;
mod review;
mod versions;

use crate::testkit::{Page, TestApp};

pub const HOME: &str = "/mlit-fwms/home";
pub const PLAN: &str = "/mlit-fwms/plan";

/// The demo with the demo company signed in.
pub async fn setup() -> TestApp {
    let app = TestApp::demo().await;
    sign_in(&app).await;
    app
}

pub async fn sign_in(app: &TestApp) {
    let login = app.post("/mlit-fwms/login", &[("login_id", "kensetsu01"), ("password", "Demo-User-2026")]).await;
    assert_eq!(login.location(), HOME, "{}", login.body);
}

/// Another company of mlit-fwms and its user, signed in on a browser of its own.
pub async fn other_company(app: &TestApp) -> TestApp {
    let user = crate::testkit::organization_user(
        app,
        "mlit-fwms",
        "別の建設株式会社",
        "otherkensetsu",
        "other@kensetsu.example.jp",
        "別 建設",
        "Other-User-2026",
    )
    .await;
    let browser = app.browser();
    browser.sign_in_as("mlit-fwms", user).await;
    browser
}

/// 「新規申請を開始する」.
pub async fn start(app: &TestApp) {
    let started = app.post(&format!("{PLAN}/start"), &[]).await;
    assert_eq!(started.location(), PLAN, "{}", started.body);
}

/// The hidden `version` of a page's form.
pub fn version_in(page: &Page) -> String {
    let at = page.body.find("name=\"version\" value=\"").expect("a version field");
    let rest = &page.body[at + "name=\"version\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// Posts a section (`part/p1`, `workers/1`) with `fields` and the version its form shows.
pub async fn post_section(app: &TestApp, section: &str, action: &str, fields: &[(&str, &str)]) -> Page {
    let path = format!("{PLAN}/{section}");
    let version = version_in(&app.get(&path).await);
    let mut posted = vec![("version", version.as_str()), ("action", action)];
    posted.extend_from_slice(fields);
    app.post(&path, &posted).await
}

/// 「1号特定技能外国人を追加」: the new block's key.
pub async fn add_worker(app: &TestApp) -> String {
    let version = version_in(&app.get(PLAN).await);
    let added = app.post(&format!("{PLAN}/workers"), &[("version", version.as_str())]).await;
    let location = added.location().to_string();
    assert!(location.starts_with(&format!("{PLAN}/workers/")), "{} {}", added.status, added.body);
    location.rsplit('/').next().unwrap().to_string()
}

pub const P1: &[(&str, &str)] = &[
    ("corporate_number", "7000012050002"),
    ("name", "窓口建設株式会社"),
    ("name_kana", "マドグチケンセツカブシキガイシャ"),
    ("rep_title", "代表取締役"),
    ("rep_name", "建設 太郎"),
    ("postal_code", "100-0001"),
    ("address", "東京都千代田区千代田1-1"),
    ("phone", "03-1234-5678"),
    ("email", "demo@mlit-fwms.example.jp"),
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
    ("fulltime", "10"),
    ("current_ssw", "1"),
    ("current_construction", "0"),
    ("current_trainees", "2"),
    ("contact_department", "総務部"),
    ("contact_name", "窓口 花子"),
    ("contact_phone", "03-1234-5679"),
    ("contact_email", "demo@mlit-fwms.example.jp"),
];

pub const P2: &[(&str, &str)] = &[
    ("period_start", "2027-01-01"),
    ("period_end", "2031-12-31"),
    ("categories", "civil"),
    ("workplace", "東京都内の建設現場"),
];
pub const P3: &[(&str, &str)] = &[
    ("hw_job_number", "13010-12345678"),
    ("hw_received", "2026-10-01"),
    ("domestic_efforts", "ハローワークに求人を出し、3か月募集した。"),
];
pub const P4: &[(&str, &str)] = &[
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
];
pub const P5: &[(&str, &str)] = &[("safety_plan", "入社時に安全衛生教育を行う。")];

pub const WORKER: &[(&str, &str)] = &[
    ("name_roman", "NGUYEN VAN A"),
    ("sex", "m"),
    ("birth_date", "1998-05-01"),
    ("nationality", "ベトナム"),
    ("in_japan", "yes"),
    ("residence_card", "AB12345678CD"),
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
];

/// A started plan with Parts 1–5 and one worker filled so that every rule passes; the worker's key.
pub async fn complete_plan(app: &TestApp) -> String {
    start(app).await;
    for (part, fields) in [("part/p1", P1), ("part/p2", P2), ("part/p3", P3), ("part/p4", P4), ("part/p5", P5)] {
        let saved = post_section(app, part, "save", fields).await;
        assert_eq!(saved.location(), format!("{PLAN}?done=saved"), "{part}: {}", saved.body);
    }
    let worker = add_worker(app).await;
    let saved = post_section(app, &format!("workers/{worker}"), "next", WORKER).await;
    assert_eq!(saved.location(), PLAN, "{}", saved.body);
    worker
}

/// A PDF of `size` bytes (a real header, padding after it).
pub fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    bytes.resize(size.max(bytes.len()), b' ');
    bytes
}

pub fn jpeg() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00];
    bytes.resize(2048, 0);
    bytes
}

/// Uploads `bytes` for the row of `kind` (and `worker`) on the attachments page.
pub async fn upload(app: &TestApp, kind: &str, worker: Option<&str>, issued: &str, name: &str, bytes: &[u8]) -> Page {
    let page = app.get(&format!("{PLAN}/attachments")).await;
    let marker = format!("name=\"kind\" value=\"{kind}\"");
    let at = page
        .body
        .match_indices(&marker)
        .map(|(i, _)| i)
        .find(|&i| {
            let form = &page.body[i..i + page.body[i..].find("</form>").unwrap()];
            worker.is_none_or(|w| form.contains(&format!("name=\"worker\" value=\"{w}\"")))
        })
        .unwrap_or_else(|| panic!("no row for {kind} {worker:?}"));
    let before = &page.body[..at];
    let row_at = before.rfind("name=\"row\" value=\"").unwrap() + "name=\"row\" value=\"".len();
    let row = &page.body[row_at..row_at + page.body[row_at..].find('"').unwrap()];
    let mut fields = vec![("row", row), ("kind", kind), ("issued_on", issued)];
    if let Some(w) = worker {
        fields.push(("worker", w));
    }
    app.post_multipart(&format!("{PLAN}/attachments"), true, &fields, &[("file", name, "application/pdf", bytes)]).await
}

/// Every kind the complete plan needs (Nos. 1–7, 8 and 9 for the comparator, 10 for 10 workers
/// and more, 11, and the worker's 12, 13, 15), with a dated 登記事項証明書 and 求人票.
pub async fn upload_required(app: &TestApp, worker: &str) {
    let attachments =
        madoguchi_acceptance_plan::attachments::required_kinds(&madoguchi_acceptance_plan::attachments::PlanFacts {
            sole_proprietor: false,
            comparator_exists: true,
            workers: 14,
            planned_workers: 1,
            agent: false,
            other_requested: false,
        });
    for required in attachments {
        let issued = if required.kind.max_age_months.is_some() { "2026-11-01" } else { "" };
        let w = required.worker.map(|_| worker);
        let done = upload(app, &required.kind.key, w, issued, &format!("{}.pdf", required.kind.key), &pdf(2048)).await;
        assert_eq!(done.status, 200, "{}: {}", required.kind.key, done.body);
        done.assert_contains("をアップロードしました。");
    }
}

pub async fn audit_count(app: &TestApp, event: &str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE event = $1")
        .bind(event)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// The 変更届出's form as a certified plan of [`complete_plan`] fills it, with `changes` over it.
pub fn notice_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let fields = madoguchi_acceptance_plan::change_notice::NOTICE.fields().map(|f| f.name).collect::<Vec<_>>();
    let mut fields: Vec<(&str, &str)> = P1.iter().chain(P2).filter(|(k, _)| fields.contains(k)).copied().collect();
    for (name, value) in changes {
        fields.retain(|(k, _)| k != name);
        fields.push((name, value));
    }
    fields
}

/// Files a 変更届出 of the 担当者 on the session's certified plan.
pub async fn file_change_notice(app: &TestApp) {
    let asked = app.post("/mlit-fwms/plan/change-notice", &notice_form(&[("contact_name", "窓口 次郎")])).await;
    let done = app.press_yes(&asked).await;
    assert_eq!(done.location(), "/mlit-fwms/plan/change-notice?done=filed", "{}", done.body);
}
