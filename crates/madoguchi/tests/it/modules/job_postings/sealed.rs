//! Drafts that lose nothing across the idle logout (modules spec §0.1 rule 4; jrec-in spec
//! §1.15 check 3): a form posted after the 60-minute idle logout is sealed into the login page,
//! and after the same user logs in again it is a draft and its form opens; another user's login
//! discards it; a draft saved meanwhile in another tab is not overwritten but shown beside it.

use super::{id_in, new_draft, setup, version_in};
use crate::testkit::TestApp;
use axum::http::StatusCode;

/// Later than the 60 minutes of jrec-in's idle rule after the testkit's 10:00 JST.
const IDLE: &str = "2026-11-24T11:05:00+09:00";

async fn count(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&mut *conn).await.unwrap()
}

/// The hidden `sealed_draft` of a login page.
fn sealed_in(page: &crate::testkit::Page) -> String {
    let marker = "name=\"sealed_draft\" value=\"";
    let at = page.body.find(marker).unwrap_or_else(|| panic!("no sealed form: {}", page.body));
    let rest = &page.body[at + marker.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

#[tokio::test]
async fn a_new_form_posted_after_the_idle_logout_is_a_draft_after_the_login() {
    let app = setup().await;
    app.post("/jrec-in/job-postings/new/language", &[]).await;
    app.get("/jrec-in/job-postings/new/form?language=ja").await;
    app.set_clock(IDLE);
    let posted = [("language", "ja"), ("version", "0"), ("action", "save"), ("title", "寝かせた公募の件名")];
    let login = app.post("/jrec-in/job-postings/new/form", &posted).await;
    assert_eq!(login.status, StatusCode::OK, "the login page itself, not a redirect: {}", login.body);
    login
        .assert_contains("セッションの有効期限が切れました。")
        .assert_contains("name=\"login_id\"")
        .assert_lacks("寝かせた公募の件名");
    let sealed = sealed_in(&login);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM job_postings").await, 0, "nothing stored before the login");
    // A wrong password keeps the sealed form on the page.
    let wrong = app
        .post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "Wrong2026x"), ("sealed_draft", &sealed)])
        .await;
    assert_eq!(sealed_in(&wrong), sealed);
    let again = app
        .post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026"), ("sealed_draft", &sealed)])
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert!(again.location().ends_with("/edit?restored=1"), "{}", again.location());
    let id = id_in(again.location());
    let form = app.get(again.location()).await;
    form.assert_contains("セッションの有効期限が切れたため、入力内容を下書きとして保存しました。")
        .assert_contains("value=\"寝かせた公募の件名\"");
    app.get("/jrec-in/job-postings/register").await.assert_contains("寝かせた公募の件名");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'draft.restored_after_login'").await, 1);
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM drafts WHERE item_id = {id}")).await, 1);
}

#[tokio::test]
async fn another_users_login_discards_the_sealed_form() {
    let app = setup().await;
    app.set_clock(IDLE);
    let posted = [("language", "ja"), ("version", "0"), ("action", "save"), ("title", "他人に渡らない件名")];
    let sealed = sealed_in(&app.post("/jrec-in/job-postings/new/form", &posted).await);
    let other = crate::testkit::organization_user(
        &app,
        "jrec-in",
        "別の研究機関",
        "other-kikan",
        "other@kikan.example.jp",
        "別 機関",
        "Other2026x",
    )
    .await;
    assert!(other > 0);
    let browser = app.browser();
    let login = browser
        .post("/jrec-in/login", &[("login_id", "other-kikan"), ("password", "Other2026x"), ("sealed_draft", &sealed)])
        .await;
    assert_eq!(login.location(), "/jrec-in/home", "{}", login.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM job_postings").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'draft.seal_discarded'").await, 1);
    // A damaged value is ignored: the login goes on as usual.
    let damaged = format!("{}x", &sealed[..sealed.len() - 1]);
    let login = app
        .post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026"), ("sealed_draft", &damaged)])
        .await;
    assert_eq!(login.location(), "/jrec-in/home");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM job_postings").await, 0);
}

/// The form was read at version 1; another tab saved version 2; this tab's session expired and
/// its save was sealed. After the login the stored draft is still tab B's, and the form shows
/// this tab's typing with tab B's beside it until a save settles it.
#[tokio::test]
async fn a_draft_saved_meanwhile_in_another_tab_is_not_overwritten() {
    let app = setup().await;
    let id = new_draft(&app, &[("title", "最初の件名")]).await;
    let edit = format!("/jrec-in/job-postings/{id}/edit");
    let read_at = version_in(&app.get(&edit).await);
    let tab_b = app.post(&edit, &[("version", read_at.as_str()), ("action", "save"), ("title", "タブBの件名")]).await;
    assert!(tab_b.location().ends_with("/saved"));
    app.set_clock(IDLE);
    let login = app.post(&edit, &[("version", read_at.as_str()), ("action", "save"), ("title", "タブAの件名")]).await;
    let sealed = sealed_in(&login);
    let again = app
        .post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026"), ("sealed_draft", &sealed)])
        .await;
    assert_eq!(again.location(), format!("{edit}?restored=1"));
    app.get("/jrec-in/job-postings/register").await.assert_contains("タブBの件名").assert_lacks("タブAの件名");
    let form = app.get(&edit).await;
    form.assert_contains("その間に別の画面で保存された内容があります。")
        .assert_contains("保存されている最新の内容")
        .assert_contains("タブBの件名")
        .assert_contains("value=\"タブAの件名\"");
    let latest = version_in(&form);
    let saved = app.post(&edit, &[("version", latest.as_str()), ("action", "save"), ("title", "タブAの件名")]).await;
    assert!(saved.location().ends_with("/saved"), "{}", saved.body);
    app.get(&edit).await.assert_lacks("その間に別の画面で保存された内容があります。");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts WHERE kind = 'job_posting.restored'").await, 0);
}

/// The one-time password of the newest mail to `to`.
async fn mailed_code(app: &TestApp, to: &str) -> String {
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.to == to).expect("a mail with the code");
    let line = mail.text.lines().find(|l| l.starts_with("ワンタイムパスワード：")).expect("the code's line");
    line.chars().filter(char::is_ascii_digit).collect()
}

/// A deployment of jrec-in that asks for a mailed code after the password: the sealed form rides
/// on through the code step (the code page is the answer to the login's POST, and says where
/// the code goes), and the draft is there after the code.
#[tokio::test]
async fn a_sealed_form_rides_on_through_the_second_factor() {
    let text = "[server]\ndemo = true\ndemo_postings = false\n[[portal]]\nid = \"jrec-in\"\npreset = \"jrec-in\"\n\
                second_factor = { kind = \"email_otp\", code_minutes = 30, max_attempts = 10, skip_days = 90, office_networks = [] }\n";
    let app = TestApp::with(madoguchi_core::config::Config::parse("t.toml", text).unwrap(), None, true).await;
    let email = "demo@jrec-in.example.jp";
    let login = app.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    assert_eq!(login.location(), "/jrec-in/login/otp", "{}", login.body);
    let code = mailed_code(&app, email).await;
    let home = app.post("/jrec-in/login/otp", &[("otp", &code)]).await;
    assert_eq!(home.location(), "/jrec-in/home", "{}", home.body);

    app.post("/jrec-in/job-postings/new/language", &[]).await;
    app.get("/jrec-in/job-postings/new/form?language=ja").await;
    app.set_clock(IDLE);
    let posted = [("language", "ja"), ("version", "0"), ("action", "save"), ("title", "二段階認証の先の公募")];
    let sealed = sealed_in(&app.post("/jrec-in/job-postings/new/form", &posted).await);
    let otp = app
        .post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026"), ("sealed_draft", &sealed)])
        .await;
    assert_eq!(otp.status, StatusCode::OK, "the code page itself: {}", otp.body);
    otp.assert_contains("action=\"/jrec-in/login/otp\"").assert_contains("name=\"otp\"");
    assert_eq!(sealed_in(&otp), sealed, "the sealed form is on the code page");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM job_postings").await, 0, "nothing stored before the code");

    // A wrong code keeps it too; the right one restores it.
    let wrong = app.post("/jrec-in/login/otp", &[("otp", "000000"), ("sealed_draft", &sealed)]).await;
    assert_eq!(sealed_in(&wrong), sealed);
    let code = mailed_code(&app, email).await;
    let again = app.post("/jrec-in/login/otp", &[("otp", &code), ("sealed_draft", &sealed)]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert!(again.location().ends_with("/edit?restored=1"), "{}", again.location());
    app.get(again.location()).await.assert_contains("value=\"二段階認証の先の公募\"");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'draft.restored_after_login'").await, 1);
}
