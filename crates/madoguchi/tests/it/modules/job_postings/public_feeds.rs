//! The Atom feed, the JSON API and the sitemap (jrec-in spec §0.5, §1.7; §1.15 check 11): the
//! same query as the page gives the same postings and the same total; the per-address limit
//! answers 429 past 60 a minute, per address; the sitemap lists what is public now.

use super::public::*;
use super::setup;
use axum::http::StatusCode;

#[tokio::test]
async fn the_feed_and_the_api_answer_the_pages_query() {
    let app = setup().await;
    let org = demo_institution(&app).await;
    let mut ids = Vec::new();
    for i in 0..55u32 {
        let title = format!("フィード確認の公募{i} & <仮>");
        let major = if i % 5 == 0 { "00189" } else { "00289" };
        let mut form = posting(&[]);
        form.retain(|(k, _)| !["title", "major", "minor"].contains(k));
        form.extend([("title", title.as_str()), ("major", major)]);
        // Published a second apart: 新着順 is the reverse of this order.
        app.clock.advance(1);
        ids.push(publish(&app, org, "ja", &form, date(2026, 11, 24)).await);
    }
    let withdrawn = ids[0];
    withdraw(&app, withdrawn).await;
    app.clock.set(jst(2026, 11, 24, 22, 0, 0));
    let public = app.browser();
    let page = until_total(&public, "/jrec-in/postings?major=00289", 44).await;
    page.assert_contains("href=\"/jrec-in/postings.atom?major=00289\"");
    // The API: the page's total, the page's first 50 in the page's order.
    let api = public.get("/jrec-in/api/v1/postings?major=00289").await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(json["total"], 44);
    assert_eq!((json["page"].as_u64(), json["per_page"].as_u64()), (Some(1), Some(50)));
    let api_ids: Vec<i64> = json["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert_eq!(api_ids, result_ids(&page));
    assert_eq!(json["items"][0]["data_number"].as_str().unwrap().len(), 10);
    let second: serde_json::Value =
        serde_json::from_str(&public.get("/jrec-in/api/v1/postings?major=00289&per=20&page=3").await.body).unwrap();
    assert_eq!(second["items"].as_array().unwrap().len(), 4);
    // The feed: the newest 50 by update, escaped, withdrawn and other fields left out.
    let feed = public.get("/jrec-in/postings.atom?major=00289&sort=org&page=2").await;
    assert_eq!(feed.status, StatusCode::OK);
    assert_eq!(feed.headers["content-type"], "application/atom+xml; charset=utf-8");
    let entries = feed.body.matches("<entry>").count();
    assert_eq!(entries, 44);
    let newest = ids[54];
    let first_entry = &feed.body[feed.body.find("<entry>").unwrap()..];
    assert!(first_entry.contains(&format!("/jrec-in/postings/{newest}</id>")), "{}", feed.body);
    feed.assert_contains("フィード確認の公募54 &amp; &lt;仮&gt;").assert_lacks("<仮>");
    assert!(!feed.body.contains(&format!("/jrec-in/postings/{withdrawn}<")));
    // The sitemap: every public posting and the search page.
    let sitemap = public.get("/jrec-in/sitemap.xml").await;
    assert_eq!(sitemap.status, StatusCode::OK);
    assert_eq!(sitemap.body.matches("<url>").count(), 54 + 1);
    sitemap.assert_contains(&format!("/jrec-in/postings/{newest}</loc><lastmod>2026-11-24</lastmod>"));
    assert!(!sitemap.body.contains(&format!("/jrec-in/postings/{withdrawn}<")));
    // A keyword too long: a JSON error naming the field.
    let long = "い".repeat(201);
    let bad = public
        .get(&format!(
            "/jrec-in/api/v1/postings?all={}",
            url::form_urlencoded::byte_serialize(long.as_bytes()).collect::<String>()
        ))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&bad.body).unwrap()["fields"][0], "all");
    let bad_feed = public
        .get(&format!(
            "/jrec-in/postings.atom?all={}",
            url::form_urlencoded::byte_serialize(long.as_bytes()).collect::<String>()
        ))
        .await;
    assert_eq!(bad_feed.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_feed_and_the_api_are_limited_per_address() {
    let app = setup().await;
    let one = app.browser();
    let other = app.browser();
    for n in 0..60 {
        let path = if n % 2 == 0 { "/jrec-in/api/v1/postings" } else { "/jrec-in/postings.atom" };
        assert_eq!(one.get(path).await.status, StatusCode::OK, "request {n}");
    }
    let refused = one.get("/jrec-in/api/v1/postings").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(one.get("/jrec-in/postings.atom").await.status, StatusCode::TOO_MANY_REQUESTS);
    // Another address is not affected; the page itself is not limited.
    assert_eq!(other.get("/jrec-in/api/v1/postings").await.status, StatusCode::OK);
    assert_eq!(one.get("/jrec-in/postings").await.status, StatusCode::OK);
    // A minute later the address may ask again.
    app.clock.advance(61);
    assert_eq!(one.get("/jrec-in/api/v1/postings").await.status, StatusCode::OK);
}
