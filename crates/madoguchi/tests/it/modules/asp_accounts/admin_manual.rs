//! アカウント管理 shows the 管理者 the contract's seats (「契約数 3 / 使用中 2」) and the
//! 管理者用操作マニュアル, downloaded under its Japanese file name; any other account of the
//! contract has no link and gets 403 at the address (modules/shaho.md, acceptance check 1).
//! The operator uploads it in マニュアル管理, where on shaho every manual is for 管理者 only; on
//! rokin the same flag keeps a manual from general users.

use super::{OTHER_CUSTOMER, OTHER_TEL, admin_and_member, events, link, pdf, signed_up_to};
use crate::testkit::TestApp;
use axum::http::{StatusCode, header};
use madoguchi_store::manuals;

/// 管理者用操作マニュアル.pdf, percent-encoded as `filename*` carries it.
const ENCODED_NAME: &str =
    "%E7%AE%A1%E7%90%86%E8%80%85%E7%94%A8%E6%93%8D%E4%BD%9C%E3%83%9E%E3%83%8B%E3%83%A5%E3%82%A2%E3%83%AB.pdf";

async fn shaho_manuals(app: &TestApp) -> Vec<manuals::Manual> {
    let mut conn = app.state.store.acquire().await.unwrap();
    manuals::list(&mut conn, "shaho").await.unwrap()
}

#[tokio::test]
async fn the_admin_sees_the_seats_and_downloads_the_admin_manual_and_a_member_gets_403() {
    let app = TestApp::demo().await;
    let (admin, member) = admin_and_member(&app).await;
    // The demo's 管理者用操作マニュアル.
    let manual = shaho_manuals(&app).await.into_iter().next().expect("the demo seeds the admin manual");
    assert!(manual.admins_only);
    let href = format!("/shaho/accounts/manuals/{}", manual.id);

    let list = admin.get("/shaho/accounts").await;
    list.assert_contains("<p id=\"seats\">契約数 3 / 使用中 2</p>")
        .assert_contains("<h2 id=\"admin-manual-heading\">管理者用操作マニュアル</h2>")
        .assert_contains(&format!("<a href=\"{href}\" download>管理者用操作マニュアル</a>"));
    let saved = admin.get(&href).await;
    assert_eq!(saved.status, StatusCode::OK);
    assert_eq!(saved.headers[header::CONTENT_TYPE], "application/pdf");
    let disposition = saved.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(disposition.starts_with("attachment; ") && disposition.ends_with(ENCODED_NAME), "{disposition}");
    assert!(saved.bytes.starts_with(b"%PDF-"));
    assert_eq!(saved.headers["x-content-type-options"], "nosniff");
    assert_eq!(events(&app, "manual.downloaded").await, 1);

    // Another account of the contract: no link anywhere, and the address says why with a 403.
    member.get("/shaho/home").await.assert_lacks("/shaho/accounts");
    let refused = member.get(&href).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    refused.assert_contains("管理者用操作マニュアルは、アカウントの管理者のみダウンロードできます。");
    assert!(!refused.bytes.starts_with(b"%PDF-"));
    assert_eq!(events(&app, "manual.downloaded").await, 1, "nothing was handed out");
    // Signed out: the login page; an id that is no admin manual: 404.
    assert_eq!(app.browser().get(&href).await.location(), "/shaho/login");
    assert_eq!(admin.get("/shaho/accounts/manuals/999999").await.status, StatusCode::NOT_FOUND);

    // The seats follow the sign-ups: a third account takes the last seat.
    let third = signed_up_to(
        &app,
        (crate::identity::signup::CUSTOMER, crate::identity::signup::TEL),
        "sanban@example.jp",
        "三番",
    )
    .await;
    link(&third, "abcd8-03").await;
    admin.get("/shaho/accounts").await.assert_contains("契約数 3 / 使用中 3");

    // Another contract's 管理者 reads the same manual (it is the portal's, for every 管理者).
    super::other_contract(&app).await;
    let other = signed_up_to(&app, (OTHER_CUSTOMER, OTHER_TEL), "betsu@example.jp", "別所 管理").await;
    link(&other, "zz-01").await;
    other.get("/shaho/accounts").await.assert_contains("契約数 2 / 使用中 1").assert_contains(&href);
    assert_eq!(other.get(&href).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_operator_uploads_the_admin_manual_which_only_admins_see() {
    let app = TestApp::demo().await;
    let op = app.browser();
    op.operator_login("shaho").await;
    op.get("/shaho/operator/").await.assert_contains("href=\"/shaho/operator/manuals\"");
    let page = op.get("/shaho/operator/manuals").await;
    page.assert_contains("「管理者用操作マニュアル」として、各契約の管理者の「アカウント管理」に表示されます。")
        .assert_contains("<td>管理者のみ</td>")
        .assert_lacks("name=\"admins_only\"");
    let file = pdf("第2版");
    let files = [("file", "管理者用操作マニュアル（第2版）.pdf", "application/pdf", file.as_slice())];
    // No choice on shaho: whatever the form says, it is for 管理者 only.
    let done = op
        .post_multipart("/shaho/operator/manuals", true, &[("title", "管理者用操作マニュアル（第2版）")], &files)
        .await;
    assert_eq!(done.location(), "/shaho/operator/manuals?done=uploaded", "{}", done.body);
    let second = shaho_manuals(&app).await.pop().unwrap();
    assert!(second.admins_only && second.title == "管理者用操作マニュアル（第2版）");
    assert_eq!(events(&app, "manual.uploaded").await, 1);

    let (admin, member) = admin_and_member(&app).await;
    let href = format!("/shaho/accounts/manuals/{}", second.id);
    admin.get("/shaho/accounts").await.assert_contains(&href);
    assert_eq!(admin.get(&href).await.bytes, file);
    assert_eq!(member.get(&href).await.status, StatusCode::FORBIDDEN);

    // Deleted: gone from アカウント管理.
    op.post(&format!("/shaho/operator/manuals/{}/delete", second.id), &[("_step", "confirmed")]).await;
    admin.get("/shaho/accounts").await.assert_lacks(&href);
    assert_eq!(admin.get(&href).await.status, StatusCode::NOT_FOUND);
}

/// rokin has マニュアル照会 for everybody; a manual the operator marks for 管理者 only is the
/// マスターユーザー's: general users neither list nor open it.
#[tokio::test]
async fn an_admins_only_manual_is_kept_from_rokin_general_users() {
    let app = TestApp::demo().await;
    let op = app.browser();
    op.operator_login("rokin").await;
    op.get("/rokin/operator/manuals").await.assert_contains("name=\"admins_only\"");
    let file = pdf("master");
    let files = [("file", "マスター用.pdf", "application/pdf", file.as_slice())];
    let done = op
        .post_multipart("/rokin/operator/manuals", true, &[("title", "マスター用"), ("admins_only", "1")], &files)
        .await;
    assert_eq!(done.location(), "/rokin/operator/manuals?done=uploaded", "{}", done.body);
    let files = [("file", "全員用.pdf", "application/pdf", file.as_slice())];
    op.post_multipart("/rokin/operator/manuals", true, &[("title", "全員用")], &files).await;
    let (master_only, everyone) = {
        let mut conn = app.state.store.acquire().await.unwrap();
        let list = manuals::list(&mut conn, "rokin").await.unwrap();
        (list[0].id, list[1].id)
    };
    op.get("/rokin/operator/manuals")
        .await
        .assert_contains("<td>管理者のみ</td>")
        .assert_contains("<td>すべての利用者</td>");

    let (master, _) = crate::rokin::users::master(&app).await;
    let (general, _) = crate::rokin::users::member(&app, &master, "Ippan001", "ippan@rokin-shoji.example.jp").await;
    master.get("/rokin/manuals").await.assert_contains("マスター用").assert_contains("全員用");
    assert_eq!(master.get(&format!("/rokin/manuals/{master_only}")).await.status, StatusCode::OK);
    general.get("/rokin/manuals").await.assert_lacks("マスター用").assert_contains("全員用");
    assert_eq!(general.get(&format!("/rokin/manuals/{master_only}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(general.get(&format!("/rokin/manuals/{master_only}/download")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(general.get(&format!("/rokin/manuals/{everyone}")).await.status, StatusCode::OK);
}
