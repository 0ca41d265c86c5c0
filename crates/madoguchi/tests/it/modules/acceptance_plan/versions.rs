//! Every version of a plan (mlit-plan.md §4.4 「every version of the plan is kept」, §4.8): the
//! company's 計画確認 lists 第1版 (the 申請) and 第2版 (the 変更申請) and opens each read-only as it
//! was applied for; the office's history links the same versions; an unknown version, another
//! company and another portal's operator reach none of them.

use super::change_application::{CONSOLE, start_change};
use super::change_decisions::{apply_change, change_p1};
use super::reports::certified_plan;
use super::{PLAN, other_company, setup};
use crate::testkit::{Page, TestApp};
use axum::http::StatusCode;

/// The addresses of the version links on `page` under `prefix`, in page order.
fn version_links(page: &Page, prefix: &str) -> Vec<String> {
    page.body
        .split("href=\"")
        .skip(1)
        .filter(|s| s.starts_with(prefix))
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

#[tokio::test]
async fn each_version_is_kept_and_shown_to_the_company_and_its_office() {
    let app = setup().await;
    let (id, office) = certified_plan(&app).await;
    start_change(&app).await;
    change_p1(&app, &[("name", "新窓口建設株式会社")]).await;
    apply_change(&app).await;

    // The company: 計画の版 lists the 申請 and the 変更申請.
    let view = app.get(&format!("{PLAN}/view")).await;
    view.assert_contains("計画の版").assert_contains("第1版").assert_contains("第2版");
    let links = version_links(&view, &format!("{PLAN}/versions/"));
    assert_eq!(links.len(), 2, "{links:?}");
    let first = app.get(&links[0]).await;
    first.assert_contains("<h1>第1版</h1>").assert_contains("窓口建設株式会社").assert_lacks("新窓口建設株式会社");
    first.assert_contains("TRAN THI B");
    let second = app.get(&links[1]).await;
    second.assert_contains("<h1>第2版</h1>").assert_contains("新窓口建設株式会社");
    assert_eq!(app.get(&format!("{PLAN}/versions/999999")).await.status, StatusCode::NOT_FOUND);

    // The office: its history links the same versions, and they read the same.
    let review = office.get(&format!("{CONSOLE}/{id}")).await;
    let office_links = version_links(&review, &format!("{CONSOLE}/{id}/versions/"));
    assert_eq!(office_links.len(), 2, "{office_links:?}");
    for (mine, theirs) in links.iter().zip(&office_links) {
        assert_eq!(mine.rsplit('/').next(), theirs.rsplit('/').next(), "the same step");
    }
    office.get(&office_links[0]).await.assert_contains("第1版").assert_lacks("新窓口建設株式会社");
    office.get(&office_links[1]).await.assert_contains("新窓口建設株式会社");
    assert_eq!(office.get(&format!("{CONSOLE}/{id}/versions/999999")).await.status, StatusCode::NOT_FOUND);

    // Nobody else: another company (its own plan has no such version), another portal's operator.
    let other = other_company(&app).await;
    for link in &links {
        let page = other.get(link).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{link}");
        page.assert_lacks("窓口建設株式会社");
    }
    let stranger = TestApp::browser(&app);
    stranger.operator_login("jrec-in").await;
    assert!(!stranger.get(&office_links[0]).await.status.is_success());
}
