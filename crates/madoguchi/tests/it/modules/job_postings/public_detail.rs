//! A posting's public page (jrec-in spec §1.7, §0.5; §1.15 checks 7 and 13): the fields, the
//! JSON-LD whose `identifier` is the データ番号, dropped when the posting ends (with the banner)
//! or is withdrawn (410); 404 for what never was public here.

use super::public::*;
use super::{new_draft, setup};
use axum::http::StatusCode;

/// The JSON-LD block of a page, parsed; None when there is none.
fn json_ld(body: &str) -> Option<serde_json::Value> {
    let start = body.find("<script type=\"application/ld+json\">")? + "<script type=\"application/ld+json\">".len();
    let end = body[start..].find("</script>")? + start;
    Some(serde_json::from_str(&body[start..end]).unwrap())
}

#[tokio::test]
async fn the_public_page_carries_the_job_posting_until_the_posting_ends() {
    let app = setup().await;
    let org = demo_institution(&app).await;
    let form = posting(&[
        ("title", "准教授（情報科学）の公募 </script><b>"),
        ("end_date", "2026-12-10"),
        ("annual_salary_min", "8000000"),
        ("consideration", "disability"),
    ]);
    let id = publish(&app, org, "ja", &form, date(2026, 11, 24)).await;
    let path = format!("/jrec-in/postings/{id}");
    let public = app.browser();
    assert_eq!(public.get(&path).await.status, StatusCode::NOT_FOUND, "not public before 22:00");
    app.clock.set(jst(2026, 11, 24, 22, 0, 0));
    let page = public.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("D000000001")
        .assert_contains("国立窓口大学")
        .assert_contains("2026年11月24日")
        .assert_contains("2026年12月10日")
        .assert_contains("大学院情報学研究科")
        .assert_contains("id=\"consideration\"")
        .assert_lacks("</script><b>")
        .assert_lacks("この求人公募の募集は終了しました");
    let ld = json_ld(&page.body).expect("a JobPosting block");
    assert_eq!(ld["@type"], "JobPosting");
    assert_eq!(ld["identifier"]["value"], "D000000001");
    assert_eq!(ld["title"], "准教授（情報科学）の公募 </script><b>");
    assert_eq!(ld["hiringOrganization"]["name"], "国立窓口大学");
    assert_eq!(ld["employmentType"], "FULL_TIME");
    assert_eq!(ld["datePosted"], "2026-11-24T22:00:00+09:00");
    assert_eq!(ld["validThrough"], "2026-12-10T23:59:59+09:00");
    assert_eq!(ld["baseSalary"]["value"]["minValue"], 8_000_000);
    assert_eq!(ld["jobLocation"]["address"]["addressRegion"], "東京都");
    assert_eq!(ld["jobLocation"]["address"]["addressCountry"], "JP");
    // The search's badge links to its section of this page.
    let found = until_total(&public, "/jrec-in/postings", 1).await;
    found
        .assert_contains(&format!("href=\"{path}#consideration\""))
        .assert_contains(&format!("href=\"{path}#apply_method\""));

    // Ended: the banner, the fields, no JSON-LD.
    app.clock.set(jst(2026, 12, 11, 0, 0, 0));
    let ended = public.get(&path).await;
    assert_eq!(ended.status, StatusCode::OK);
    ended.assert_contains("この求人公募の募集は終了しました").assert_contains("大学院情報学研究科");
    assert!(json_ld(&ended.body).is_none(), "an ended posting loses its JobPosting");
    // 365 days after the end: gone.
    app.clock.set(jst(2027, 12, 11, 0, 0, 0));
    let gone = public.get(&path).await;
    assert_eq!(gone.status, StatusCode::GONE);
    gone.assert_contains("この求人公募情報の掲載は終了しました").assert_lacks("大学院情報学研究科");
}

#[tokio::test]
async fn withdrawn_drafts_and_other_portals_are_not_shown() {
    let app = setup().await;
    let org = demo_institution(&app).await;
    let id = publish(&app, org, "ja", &posting(&[]), date(2026, 11, 24)).await;
    let draft = new_draft(&app, &[("title", "下書き")]).await;
    app.clock.set(jst(2026, 11, 25, 15, 0, 0));
    withdraw(&app, id).await;
    let public = app.browser();
    let path = format!("/jrec-in/postings/{id}");
    let before = public.get(&path).await;
    assert_eq!(before.status, StatusCode::OK, "public until 22:00");
    assert!(json_ld(&before.body).is_some());
    app.clock.set(jst(2026, 11, 25, 22, 0, 0));
    let withdrawn = public.get(&path).await;
    assert_eq!(withdrawn.status, StatusCode::GONE);
    assert!(json_ld(&withdrawn.body).is_none());
    withdrawn.assert_contains("この求人公募情報の掲載は終了しました");
    for path in [
        format!("/jrec-in/postings/{draft}"),
        "/jrec-in/postings/999999".to_string(),
        format!("/hellowork/postings/{id}"),
    ] {
        assert_eq!(public.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    // The institution's own session sees the same public page, no more.
    assert_eq!(app.get(&format!("/jrec-in/postings/{draft}")).await.status, StatusCode::NOT_FOUND);
}
