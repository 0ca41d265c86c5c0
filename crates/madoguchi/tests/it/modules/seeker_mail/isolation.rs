//! Another institution, another seeker and the public reach none of an inquiry; a 退会 seeker's
//! thread stays with the institution, without a way to reach the person.

use super::{inquire, institution, seeker_with_profile};
use crate::modules::seekers;
use crate::testkit::{TestApp, organization_user};
use axum::http::StatusCode;

#[tokio::test]
async fn nobody_else_reaches_an_inquiry() {
    let app = TestApp::demo().await;
    let (seeker, seeker_id) = seeker_with_profile(&app, "own@seeker.example.jp", true, "公開").await;
    let institution = institution(&app).await;
    let id = inquire(&institution, &seeker_id, "ご連絡しました。秘密の本文").await;

    let user = organization_user(
        &app,
        "jrec-in",
        "他大学",
        "tadaigaku",
        "jinji@tadaigaku.example.jp",
        "他 人事",
        "Other2026x",
    )
    .await;
    let other = app.browser();
    other.sign_in_as("jrec-in", user).await;
    let page = other.get(&format!("/jrec-in/inquiries/{id}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    page.assert_lacks("秘密の本文");
    other.get("/jrec-in/inquiries").await.assert_lacks("秘密の本文").assert_contains("未読メールはありません");

    let (second, _) = seekers::seeker(&app, "second@seeker.example.jp", "別 人").await;
    let path = format!("/jrec-in/seeker/inquiries/{id}");
    assert_eq!(second.get(&path).await.status, StatusCode::NOT_FOUND);
    for step in ["", "confirmed"] {
        assert_eq!(second.post(&path, &[("body", "なりすまし"), ("_step", step)]).await.status, StatusCode::NOT_FOUND);
    }
    second.get("/jrec-in/seeker/inquiries").await.assert_contains("照会メールはありません。");
    // Each side's session is not the other's, and the public has neither.
    assert!(seeker.get(&format!("/jrec-in/inquiries/{id}")).await.status.is_redirection());
    assert!(seeker.get("/jrec-in/seeker-search").await.status.is_redirection());
    let anonymous = app.browser();
    assert!(anonymous.get(&path).await.status.is_redirection());
    assert!(anonymous.get("/jrec-in/seeker-search").await.status.is_redirection());
    assert_eq!(seekers::count(&app, "SELECT COUNT(*) FROM relay_messages WHERE side = 'b'").await, 0);

    // 退会: the thread stays with the institution, without the profile link.
    let gone = seeker.post("/jrec-in/seeker/withdraw", &[("password", seekers::PASSWORD), ("confirm", "1")]).await;
    gone.assert_contains("退会しました");
    let kept = institution.get(&format!("/jrec-in/inquiries/{id}")).await;
    kept.assert_contains(&seeker_id)
        .assert_contains("秘密の本文")
        .assert_lacks(&format!("/jrec-in/seeker-search/{seeker_id}\""));
}
