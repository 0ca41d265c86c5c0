//! 求職者情報 (jrec-in §1.8.2): saved as typed when every rule holds, refused beside its fields
//! otherwise; 公開 / 非公開; what an institution may read carries no name and no contact.

use super::{count, events, seeker};
use crate::testkit::TestApp;
use axum::http::StatusCode;
use madoguchi_seekers::store;

fn complete() -> Vec<(&'static str, &'static str)> {
    vec![
        ("public", "1"),
        ("research_1", "60050"),
        ("research_2", "38010"),
        ("job_1", "00022"),
        ("prefecture_1", "00013"),
        ("prefecture_2", "00048"),
        ("degree", "doctor"),
        ("position", "特任助教"),
        ("career", "2020年 博士（情報学）\r\n2021年 特任助教"),
        ("appeal", "自然言語処理と<b>検索</b>"),
        ("researchmap", "https://researchmap.jp/kenkyu"),
    ]
}

#[tokio::test]
async fn a_profile_is_saved_and_only_a_public_one_reaches_institutions_without_name_or_contact() {
    let app = TestApp::demo().await;
    let (browser, id) = seeker(&app, "profile@example.jp", "公開 太郎").await;
    let form = browser.get("/jrec-in/seeker/profile").await;
    assert_eq!(form.status, StatusCode::OK);
    form.assert_contains("<label for=\"research_1\">").assert_contains("<optgroup label=\"ライフサイエンス\">");
    let saved = browser.post("/jrec-in/seeker/profile", &complete()).await;
    assert_eq!(saved.location(), "/jrec-in/seeker/profile?saved");
    let page = browser.get("/jrec-in/seeker/profile?saved").await;
    page.assert_contains("求職者情報を保存しました")
        .assert_contains("<option value=\"60050\" selected>")
        .assert_contains("value=\"特任助教\"")
        .assert_contains("自然言語処理と&#60;b&#62;検索&#60;/b&#62;");
    browser.get("/jrec-in/seeker/home").await.assert_contains("「公開」");

    let mut conn = app.state.store.acquire().await.unwrap();
    let user_id: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE role = 'seeker'").fetch_one(&mut *conn).await.unwrap();
    let public = store::public_profile(&mut conn, "jrec-in", user_id).await.unwrap().expect("公開");
    assert_eq!(public.seeker_id, id);
    assert_eq!(public.profile.research, ["60050", "38010"]);
    assert_eq!(public.profile.career, "2020年 博士（情報学）\n2021年 特任助教");
    // Nothing of it names the person or reaches them.
    let shown = format!("{public:?}");
    for secret in ["公開 太郎", "profile@example.jp", "ケンキュウ"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert_eq!(store::public_profiles(&mut conn, "jrec-in", 50, 0).await.unwrap().len(), 1);
    assert!(store::public_profile(&mut conn, "hellowork", user_id).await.unwrap().is_none(), "another portal");
    drop(conn);

    // 非公開: gone from what institutions read.
    let mut private = complete();
    private[0] = ("public", "0");
    assert_eq!(browser.post("/jrec-in/seeker/profile", &private).await.location(), "/jrec-in/seeker/profile?saved");
    let mut conn = app.state.store.acquire().await.unwrap();
    assert!(store::public_profile(&mut conn, "jrec-in", user_id).await.unwrap().is_none());
    assert!(store::public_profiles(&mut conn, "jrec-in", 50, 0).await.unwrap().is_empty());
    drop(conn);
    let log = events(&app).await;
    assert_eq!(log.iter().filter(|e| *e == "seeker.profile_saved").count(), 2, "{log:?}");
}

#[tokio::test]
async fn a_broken_rule_is_shown_beside_its_field_with_the_input_kept_and_nothing_saved() {
    let app = TestApp::demo().await;
    let (browser, _) = seeker(&app, "rules@example.jp", "規則 花子").await;
    let long = "あ".repeat(2001);
    let page = browser
        .post(
            "/jrec-in/seeker/profile",
            &[
                ("public", "1"),
                ("research_1", "60050"),
                ("research_2", "60050"),
                ("job_1", "99999999"),
                ("appeal", &long),
                ("position", "助教"),
                ("researchmap", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("class=\"error-summary\"")
        .assert_contains("href=\"#research_2\"")
        .assert_contains("同じ項目が重複して選択されています")
        .assert_contains("href=\"#job_1\"")
        .assert_contains("href=\"#appeal\"")
        .assert_contains("2000文字以内で入力してください")
        .assert_contains("href=\"#researchmap\"")
        .assert_contains("id=\"appeal-error\"")
        .assert_contains("value=\"助教\"");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM seeker_profiles WHERE public = 1 OR position <> ''").await, 0);
}
