//! 応募書類のダウンロード履歴 (docs/APPLICATIONS.md): the institution's 管理者 reads every hand-out
//! of its applicants' documents — one opened from 応募情報詳細 and each file of a bulk ZIP, with
//! who, the file and the ZIP's name — and nothing of another institution's; a general user of
//! the institution gets the 403 page; the home menu offers it to the 管理者 alone.

use super::{apply, institution, open_postings, seeker};
use crate::testkit::{TestApp, organization_user};
use axum::http::StatusCode;
use madoguchi_store::users::{self, NewUser};

const PAGE: &str = "/jrec-in/applications/downloads";

#[tokio::test]
async fn the_admin_reads_each_document_handed_out_and_no_other_institution_does() {
    let app = TestApp::demo().await;
    let posting = open_postings(&app).await.remove(0);
    let a = apply(&seeker(&app, "dl1@seeker.example.jp").await, posting.id).await;
    let b = apply(&seeker(&app, "dl2@seeker.example.jp").await, posting.id).await;
    let institution = institution(&app).await;
    institution.get(PAGE).await.assert_contains("応募書類のダウンロードはまだありません。");
    institution.get("/jrec-in/home").await.assert_contains(&format!("href=\"{PAGE}\""));

    let document = institution.get(&format!("/jrec-in/applications/{a}/document")).await;
    assert_eq!(document.status, StatusCode::OK);
    let bulk = format!("/jrec-in/applications/postings/{}/bulk", posting.id);
    let (a_s, b_s) = (a.to_string(), b.to_string());
    let zip = institution.post(&bulk, &[("ids", &a_s), ("ids", &b_s), ("_action", "download")]).await;
    assert_eq!(zip.status, StatusCode::OK);

    let page = institution.get(PAGE).await;
    assert_eq!(page.status, StatusCode::OK);
    let rows = page.body.matches("<tr><td>").count();
    assert_eq!(rows, 3, "one opened, two in the ZIP: {}", page.body);
    page.assert_contains("3件")
        .assert_contains("<td>demo-kikan</td>")
        .assert_contains("<td>応募書類.pdf</td>")
        .assert_contains(&format!("<td>応募書類_{}_", posting.data_number))
        .assert_lacks("dl1@seeker.example.jp");

    // Another institution's 管理者 reads its own (empty) history, and nothing of this one.
    let other = organization_user(
        &app,
        "jrec-in",
        "他大学",
        "tadaigaku",
        "jinji@tadaigaku.example.jp",
        "他 人事",
        "Other2026x",
    )
    .await;
    let stranger = app.browser();
    stranger.sign_in_as("jrec-in", other).await;
    stranger
        .get(PAGE)
        .await
        .assert_contains("応募書類のダウンロードはまだありません。")
        .assert_lacks("応募書類.pdf")
        .assert_lacks("demo-kikan");
}

#[tokio::test]
async fn a_general_user_of_the_institution_gets_the_403_page_and_no_menu_item() {
    let app = TestApp::demo().await;
    let mut conn = app.state.store.acquire().await.unwrap();
    let admin = users::by_login_id(&mut conn, "jrec-in", super::INSTITUTION).await.unwrap().unwrap();
    let member = NewUser {
        portal: "jrec-in",
        organization_id: admin.organization_id,
        login_id: "kikan-member",
        email: "member@jrec-in.example.jp",
        name: "一般 利用者",
        role: "member",
        password_hash: "unused",
        must_change_password: false,
    };
    let member = users::insert(&mut conn, &member, app.state.clock.unix()).await.unwrap().unwrap();
    drop(conn);
    let browser = app.browser();
    browser.sign_in_as("jrec-in", member).await;
    let page = browser.get(PAGE).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    page.assert_contains("求人機関の管理者のみ利用できます。");
    browser
        .get("/jrec-in/home")
        .await
        .assert_contains("求人公募情報の応募状況確認")
        .assert_lacks(&format!("href=\"{PAGE}\""));
}
