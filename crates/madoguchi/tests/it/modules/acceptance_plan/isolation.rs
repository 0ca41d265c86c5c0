//! Another company never reaches this plan (§4.9 check 14, the organization's side): its own
//! pages show its own (empty) plan, and every address that names one of the first company's files
//! answers 404 whatever the method; the first company's plan is unchanged.

use super::{PLAN, complete_plan, other_company, pdf, setup, upload};
use axum::http::StatusCode;

#[tokio::test]
async fn another_company_sees_nothing_of_this_plan() {
    let app = setup().await;
    complete_plan(&app).await;
    let done = upload(&app, "construction_permit", None, "", "A社の許可証.pdf", &pdf(2048)).await;
    let at = done.body.find(&format!("{PLAN}/attachments/")).expect("a download link");
    let href = done.body[at..][..done.body[at..].find('"').unwrap()].to_string();

    let other = other_company(&app).await;
    assert_eq!(other.get(&href).await.status, StatusCode::NOT_FOUND);
    let delete = other.post(&format!("{href}/delete"), &[("_step", "confirmed")]).await;
    assert_eq!(delete.status, StatusCode::NOT_FOUND);
    for path in ["", "/view", "/attachments", "/part/p1", "/apply"] {
        let page = other.get(&format!("{PLAN}{path}")).await;
        assert!(page.status != StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        page.assert_lacks("窓口建設株式会社").assert_lacks("NGUYEN").assert_lacks("A社の許可証");
    }
    assert_eq!(other.get(&format!("{PLAN}/workers/1")).await.location(), PLAN, "no plan of its own yet");
    // Its own plan is its own: a first worker has key 1 again, and A's is untouched.
    super::start(&other).await;
    other
        .get(&format!("{PLAN}/part/p1"))
        .await
        .assert_contains("value=\"other@kensetsu.example.jp\"")
        .assert_lacks("窓口建設");
    let saved =
        other.post(&format!("{PLAN}/part/p1"), &[("version", "1"), ("action", "save"), ("name", "乗っ取り")]).await;
    assert_eq!(saved.location(), format!("{PLAN}?done=saved"));
    app.get(&format!("{PLAN}/part/p1")).await.assert_contains("value=\"窓口建設株式会社\"").assert_lacks("乗っ取り");
    assert_eq!(app.get(&href).await.status, StatusCode::OK);
    // The module answers 404 on a portal without it.
    assert_eq!(app.get("/jrec-in/plan").await.status, StatusCode::NOT_FOUND);
}
