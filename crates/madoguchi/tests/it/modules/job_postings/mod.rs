//! jrec-in's 求人公募情報 (module `job_postings`, `crates/modules/job-postings`): the
//! institution's screens up to 「登録依頼」 (`register`: jrec-in spec §1.15 checks 1, 2, 4, 5;
//! two tabs; a returned posting edited in place and requested again), another institution's
//! postings never reached (`isolation`), the 事務局's queue and review in the console
//! (`review`: checks 6–8), 修正・一時保存 (`revise`: checks 12–13) and 取り下げ (`withdraw`:
//! check 14), 「事務局へ依頼する」 and 依頼一覧 (`office_requests`), 掲載一覧 with the forced
//! 取り下げ and 掲載再開 (`listing`). The tests start without the demo's sample postings
//! (`config`). Clock: the testkit's Tuesday 2026-11-24 10:00 JST.

mod delete;
mod end_early;
mod isolation;
mod listing;
mod office_edit;
mod office_requests;
mod public;
mod public_access;
mod public_detail;
mod public_feeds;
mod public_instances;
mod public_review;
mod public_search;
mod register;
pub mod review;
mod revise;
mod sealed;
mod twice;
mod withdraw;

use crate::testkit::{Page, TestApp};
use madoguchi_core::Config;
use madoguchi_core::portal::Module;

/// The demo config (jrec-in's preset lists `job_postings`) without the demo's sample
/// postings: each test starts from a portal with no posting.
pub fn config() -> Config {
    let mut config = Config::demo().unwrap();
    config.server.demo_postings = false;
    config
}

/// The demo config with `job_postings` taken off jrec-in (a deployment that leaves it out).
pub fn config_without_module() -> Config {
    let mut config = Config::demo().unwrap();
    for portal in config.portals.iter_mut().filter(|p| p.id == "jrec-in") {
        let mut settings = (*portal.settings).clone();
        settings.modules.retain(|m| *m != Module::JobPostings);
        portal.settings = std::sync::Arc::new(settings);
    }
    config
}

/// The demo with the module on, and the demo institution (`demo-kikan`) signed in.
pub async fn setup() -> TestApp {
    let app = TestApp::with(config(), None, true).await;
    let login = app.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    assert_eq!(login.location(), "/jrec-in/home", "{}", login.body);
    app
}

/// Another institution of jrec-in and its user, signed in on a browser of its own.
pub async fn other_institution(app: &TestApp) -> TestApp {
    let user = crate::testkit::organization_user(
        app,
        "jrec-in",
        "別の研究機関",
        "other-kikan",
        "other@kikan.example.jp",
        "別 機関",
        "Other2026x",
    )
    .await;
    let browser = app.browser();
    browser.sign_in_as("jrec-in", user).await;
    browser
}

/// A form that passes every rule of §1.4 on 2026-11-24.
pub fn complete() -> Vec<(&'static str, &'static str)> {
    vec![
        ("title", "准教授（情報科学）の公募"),
        ("department", "大学院情報学研究科"),
        ("end_date", "2027-01-31"),
        ("deadline_rule", "arrival"),
        ("openings", "1名"),
        ("start_timing", "2027年4月1日以降のできるだけ早い時期"),
        ("major", "00289"),
        ("minor", "60050"),
        ("job_kind", "00022"),
        ("location", "domestic"),
        ("prefecture", "00013"),
        ("address", "東京都千代田区千代田1-1"),
        ("location_change_scope", "本学の定める勤務地"),
        ("employment", "01"),
        ("tenure", "fixed"),
        ("tenure_track", "track"),
        ("tenure_terms", "5年（更新なし。審査によりテニュアを付与）"),
        ("duties", "研究\r\n教育"),
        ("duty_change_scope", "本学の定める業務"),
        ("hours", "8:30〜17:15（休憩60分）"),
        ("salary", "本学規程による"),
        ("benefits", "各種社会保険完備"),
        ("smoking", "indoor_ban"),
        ("degree", "doctor"),
        ("documents", "履歴書、業績一覧"),
        ("apply_method", "portal"),
        ("web_apply", "yes"),
        ("return_documents", "keep"),
        ("selection", "書類選考の上、面接"),
        ("result_notice", "2027年3月中旬までにメールで通知"),
        ("contact_name", "情報学研究科 事務室"),
        ("contact_phone", "03-1234-5678"),
    ]
}

/// The posting id in an address `/jrec-in/job-postings/{id}/…`.
pub fn id_in(location: &str) -> i64 {
    location.trim_start_matches("/jrec-in/job-postings/").split('/').next().unwrap().parse().unwrap()
}

/// 「新規作成」 → terms → agree → 日本語 → 「決定」, then 「一時保存」 of `fields`: the new id.
pub async fn new_draft(app: &TestApp, fields: &[(&str, &str)]) -> i64 {
    let agreed = app.post("/jrec-in/job-postings/new/language", &[]).await;
    assert_eq!(agreed.status, 200, "{}", agreed.body);
    let form = app.get("/jrec-in/job-postings/new/form?language=ja").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let mut posted = vec![("language", "ja"), ("version", "0"), ("action", "save")];
    posted.extend_from_slice(fields);
    let saved = app.post("/jrec-in/job-postings/new/form", &posted).await;
    assert!(saved.location().ends_with("/saved"), "{} {}", saved.status, saved.body);
    id_in(saved.location())
}

/// The hidden `version` of a form page.
pub fn version_in(page: &Page) -> String {
    let at = page.body.find("name=\"version\" value=\"").expect("a version field");
    let rest = &page.body[at + "name=\"version\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}
