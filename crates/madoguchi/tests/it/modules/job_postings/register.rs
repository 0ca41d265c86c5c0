//! 登録・一時保存 → terms → language → the form → 一時保存 / 確認 → 登録依頼 (jrec-in spec §1.3
//! rules 1–4, §1.15 checks 1, 2, 4, 5), two tabs, and a returned posting requested again.

use super::{complete, new_draft, setup, version_in};
use crate::testkit::TestApp;
use axum::http::StatusCode;
use madoguchi_core::Lang;
use madoguchi_core::review::{Actor, ReviewAction};
use madoguchi_job_postings::fields;
use madoguchi_store::review::{ItemKey, Step};
use madoguchi_web::i18n::Tr;

fn ja(key: &str) -> String {
    Tr::for_lang(Lang::Ja).get(key).to_string()
}

fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

async fn audit_count(app: &TestApp, event: &str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE event = $1")
        .bind(event)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// The list's row of a posting: from its データ番号 cell to the end of the row.
fn row_of<'a>(list: &'a str, title: &str) -> &'a str {
    let at = list.find(title).unwrap_or_else(|| panic!("{title} not in the list: {list}"));
    let start = list[..at].rfind("<tr>").unwrap();
    let end = at + list[at..].find("</tr>").unwrap();
    &list[start..end]
}

/// Checks 1 and 2: the menu, the terms, the language, every §1.4 label grouped in fieldsets;
/// 「一時保存」 with only 求人件名 stores the draft, shows 「一時保存完了」, and the list shows a
/// データ番号 and the 必須未入力 count.
#[tokio::test]
async fn a_new_posting_is_saved_with_only_its_title() {
    let app = setup().await;
    let home = app.get("/jrec-in/home").await;
    home.assert_contains("求人公募情報管理").assert_contains("href=\"/jrec-in/job-postings/register\"");
    app.get("/jrec-in/job-postings/register")
        .await
        .assert_contains("新規作成")
        .assert_contains(&ja("posting.list.empty"));
    app.get("/jrec-in/job-postings/new").await.assert_contains("上記に同意して、求人公募情報を作成する");
    let language = app.post("/jrec-in/job-postings/new/language", &[]).await;
    language.assert_contains("日本語").assert_contains("English").assert_contains("決定");
    let no_choice = app.get("/jrec-in/job-postings/new/form").await;
    no_choice.assert_contains(&ja("posting.language.choose"));
    let form = app.get("/jrec-in/job-postings/new/form?language=ja").await;
    assert_eq!(form.status, StatusCode::OK);
    for name in fields::field_names() {
        form.assert_contains(&ja(&format!("posting.field.{name}")));
        form.assert_contains(&format!("name=\"{name}\""));
    }
    assert!(form.body.matches("<legend>").count() >= 7, "fieldsets with legends");
    form.assert_contains("<label for=\"title\">").assert_contains("一時保存").assert_contains(">確認<");

    let id = new_draft(&app, &[("title", "助教の公募")]).await;
    let saved = app.get(&format!("/jrec-in/job-postings/{id}/saved")).await;
    saved.assert_contains("一時保存完了").assert_contains("登録・一時保存管理へ").assert_contains("D000000001");
    let list = app.get("/jrec-in/job-postings/register").await;
    let row = row_of(&list.body, "助教の公募");
    let missing = fields::missing_required(&owned(&[("title", "助教の公募")])).len();
    assert!(missing > 10, "{missing}");
    assert!(row.contains("D000000001") && row.contains(&format!("<td>{missing}</td>")), "{row}");
    assert!(row.contains("一時保存") && row.contains("日本語"), "{row}");
    assert!(row.contains(&format!("href=\"/jrec-in/job-postings/{id}/edit\"")), "{row}");
    // Reopened by its 件名, with what was typed.
    app.get(&format!("/jrec-in/job-postings/{id}/edit")).await.assert_contains("value=\"助教の公募\"");
    // Not requested: neither in 登録/修正依頼中 nor readable there.
    app.get("/jrec-in/job-postings/requested").await.assert_lacks("助教の公募");
    let view = app.get(&format!("/jrec-in/job-postings/{id}/requested")).await;
    assert_eq!(view.status, StatusCode::NOT_FOUND);
}

/// Check 4: 受動喫煙防止措置 empty at 「確認」 — the summary links the field, the same words
/// stand next to it, the typed values stay, the draft is stored and nothing is requested.
/// Check 5: complete, 「確認」 → the manual's sentence → 「登録依頼」 ⇒ 登録依頼中, no longer
/// editable, and `posting.submitted` in the audit log.
#[tokio::test]
async fn confirm_checks_every_rule_and_the_request_freezes_the_posting() {
    let app = setup().await;
    let id = new_draft(&app, &[("title", "准教授（情報科学）の公募")]).await;
    let edit = format!("/jrec-in/job-postings/{id}/edit");
    let version = version_in(&app.get(&edit).await);
    let mut posted: Vec<(&str, &str)> = complete().into_iter().filter(|(k, _)| *k != "smoking").collect();
    posted.extend([("version", version.as_str()), ("action", "confirm")]);
    let refused = app.post(&edit, &posted).await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.body);
    let message = "受動喫煙防止措置は必須項目です。";
    refused.assert_contains("error-summary").assert_contains("href=\"#smoking\"");
    assert_eq!(refused.body.matches(message).count(), 2, "summary and field: {}", refused.body);
    refused.assert_contains("value=\"大学院情報学研究科\"").assert_contains("研究\r\n教育</textarea>");
    assert_eq!(audit_count(&app, "posting.submitted").await, 0);
    let list = app.get("/jrec-in/job-postings/register").await;
    let row = row_of(&list.body, "准教授（情報科学）の公募");
    assert!(row.contains("<td>1</td>") && row.contains("一時保存"), "the draft stored, 1 missing: {row}");

    let version = version_in(&refused);
    let mut posted: Vec<(&str, &str)> = complete();
    posted.extend([("version", version.as_str()), ("action", "confirm")]);
    let confirmed = app.post(&edit, &posted).await;
    assert_eq!(confirmed.location(), format!("/jrec-in/job-postings/{id}/confirm"), "{}", confirmed.body);
    let page = app.get(confirmed.location()).await;
    page.assert_contains(&ja("posting.confirm_notice")).assert_contains("屋内禁煙").assert_contains("登録依頼");
    let version = version_in(&page);
    let done = app.post(&format!("/jrec-in/job-postings/{id}/confirm"), &[("version", version.as_str())]).await;
    assert_eq!(done.location(), "/jrec-in/job-postings/register");
    let list = app.get("/jrec-in/job-postings/register").await;
    let row = row_of(&list.body, "准教授（情報科学）の公募");
    assert!(row.contains("登録依頼中") && row.contains(&format!("/{id}/requested\"")), "{row}");
    assert_eq!(audit_count(&app, "posting.submitted").await, 1);
    // 登録/修正依頼中の求人公募情報: listed, and read-only with the manual's instruction.
    app.get("/jrec-in/home").await.assert_contains("登録/修正依頼中の求人公募情報");
    let requested = app.get("/jrec-in/job-postings/requested").await;
    let row = row_of(&requested.body, "准教授（情報科学）の公募");
    assert!(row.contains("登録依頼中") && row.contains("D000000001"), "{row}");
    let view = app.get(&format!("/jrec-in/job-postings/{id}/requested")).await;
    view.assert_contains(&ja("posting.refused.under_request"))
        .assert_contains("屋内禁煙")
        .assert_lacks("name=\"version\"");
    // View only: the form and a save are refused with the manual's words, nothing changes.
    app.get(&edit).await.assert_contains(&ja("posting.refused.under_request"));
    let again = app.post(&edit, &[("version", "0"), ("action", "save"), ("title", "書き換え")]).await;
    again.assert_contains(&ja("posting.refused.under_request"));
    app.get("/jrec-in/job-postings/register").await.assert_lacks("書き換え");
    let resent = app.post(&format!("/jrec-in/job-postings/{id}/confirm"), &[("version", version.as_str())]).await;
    resent.assert_contains(&ja("posting.refused.under_request"));
    assert_eq!(audit_count(&app, "posting.submitted").await, 1);
}

/// Two tabs on one draft (§0.1 rule 6): the second save of the same version stores nothing and
/// shows both versions with the message; saving again from there overwrites deliberately.
#[tokio::test]
async fn a_stale_save_shows_both_versions_and_loses_nothing() {
    let app = setup().await;
    let id = new_draft(&app, &[("title", "最初の件名")]).await;
    let edit = format!("/jrec-in/job-postings/{id}/edit");
    let version = version_in(&app.get(&edit).await);
    let first = app.post(&edit, &[("version", version.as_str()), ("action", "save"), ("title", "タブAの件名")]).await;
    assert!(first.location().ends_with("/saved"), "{}", first.body);
    let stale = app.post(&edit, &[("version", version.as_str()), ("action", "save"), ("title", "タブBの件名")]).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    stale
        .assert_contains("他の画面で更新されています。最新の内容を確認してください。")
        .assert_contains("保存されている最新の内容")
        .assert_contains("タブAの件名")
        .assert_contains("value=\"タブBの件名\"");
    let list = app.get("/jrec-in/job-postings/register").await;
    list.assert_contains("タブAの件名").assert_lacks("タブBの件名");
    let latest = version_in(&stale);
    let over = app.post(&edit, &[("version", latest.as_str()), ("action", "save"), ("title", "タブBの件名")]).await;
    assert!(over.location().ends_with("/saved"), "{}", over.body);
    app.get("/jrec-in/job-postings/register").await.assert_contains("タブBの件名");
}

/// A posting the 事務局 returned: the list says 差戻し, the form shows the reason with the
/// returned content, and it is requested again (`posting.resubmitted`).
#[tokio::test]
async fn a_returned_posting_is_edited_in_place_and_requested_again() {
    let app = setup().await;
    let mut fields = complete();
    fields.retain(|(k, _)| *k != "title");
    fields.push(("title", "差戻しされる公募"));
    let id = new_draft(&app, &fields).await;
    let confirm = format!("/jrec-in/job-postings/{id}/confirm");
    let version = version_in(&app.get(&confirm).await);
    app.post(&confirm, &[("version", version.as_str())]).await;
    // The 事務局's return (its screen is not built yet: the step the console will record).
    let organization: i64 = {
        let mut conn = app.state.store.acquire().await.unwrap();
        sqlx::query_scalar("SELECT organization_id FROM job_postings WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await
            .unwrap()
    };
    let mut tx = app.state.store.begin().await.unwrap();
    let key = ItemKey { portal: "jrec-in", kind: madoguchi_job_postings::KIND, item_id: id };
    let step = Step {
        action: ReviewAction::Return,
        actor: Actor::Operator(1),
        reason: Some("給与の記載を具体的にしてください。"),
        effective_at: None,
        snapshot: None,
        expected_seq: None,
    };
    madoguchi_store::review::record(&mut tx, key, organization, &step, app.state.clock.unix()).await.unwrap().unwrap();
    tx.commit().await.unwrap();

    let list = app.get("/jrec-in/job-postings/register").await;
    let row = row_of(&list.body, "差戻しされる公募");
    assert!(row.contains("差戻し") && row.contains("/edit\""), "{row}");
    let edit = format!("/jrec-in/job-postings/{id}/edit");
    let form = app.get(&edit).await;
    form.assert_contains("給与の記載を具体的にしてください。").assert_contains(">本学規程による</textarea>");
    let mut posted: Vec<(&str, &str)> = fields.into_iter().filter(|(k, _)| *k != "salary").collect();
    posted.extend([("salary", "年俸制 600万円から"), ("version", "0"), ("action", "confirm")]);
    let confirmed = app.post(&edit, &posted).await;
    assert_eq!(confirmed.location(), confirm, "{}", confirmed.body);
    let page = app.get(&confirm).await;
    page.assert_contains("年俸制 600万円から").assert_contains("再依頼");
    let version = version_in(&page);
    assert_eq!(app.post(&confirm, &[("version", version.as_str())]).await.location(), "/jrec-in/job-postings/register");
    let row_text = app.get("/jrec-in/job-postings/register").await.body;
    assert!(row_of(&row_text, "差戻しされる公募").contains("登録依頼中"));
    assert_eq!(audit_count(&app, "posting.resubmitted").await, 1);
}

/// Where the portal does not list the module, its addresses do not exist and the menu does
/// not name them.
#[tokio::test]
async fn the_module_answers_only_where_it_is_on() {
    let app = TestApp::with(super::config_without_module(), None, true).await;
    let login = app.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    assert_eq!(login.location(), "/jrec-in/home");
    app.get("/jrec-in/home").await.assert_lacks("job-postings");
    for path in [
        "/jrec-in/job-postings/register",
        "/jrec-in/job-postings/new",
        "/jrec-in/job-postings/1/edit",
        "/jrec-in/job-postings/requested",
    ] {
        assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}
