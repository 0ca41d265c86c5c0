//! Helpers of the public-side tests: postings published through the store (the 事務局's
//! approval with a 反映日, as its screens record it through `store::set_public`: the public snapshot, its times and
//! the change-log row in one transaction), withdrawals, and waiting for the follower.

use crate::testkit::{Page, TestApp};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use madoguchi_core::clock::JST;
use madoguchi_core::publication;
use madoguchi_job_postings::{fields, public::index, store};
use std::time::{Duration, Instant};

pub fn jst(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    JST.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap().with_timezone(&Utc)
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The organization of the demo institution (`demo-kikan`, 国立窓口大学), its 機関種別 set.
pub async fn demo_institution(app: &TestApp) -> i64 {
    organization(app, "国立窓口大学", "university").await
}

/// The organization named `name` on jrec-in, with 機関種別 `kind`.
pub async fn organization(app: &TestApp, name: &str, kind: &str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE portal = 'jrec-in' AND name = $1")
        .bind(name)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    sqlx::query("UPDATE organizations SET kind = $1 WHERE id = $2")
        .bind(kind)
        .bind(id)
        .execute(&mut *conn)
        .await
        .unwrap();
    id
}

/// `complete()` with some fields replaced.
pub fn posting(changes: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut fields = super::complete();
    for (name, _) in changes {
        fields.retain(|(k, _)| k != name);
    }
    fields.extend_from_slice(changes);
    fields
}

/// A posting of `organization_id` approved now with the 反映日 `reflect_on`: public from 22:00
/// that day when it is today, else from 00:00 of that day. Returns its id.
pub async fn publish(
    app: &TestApp,
    organization_id: i64,
    language: &str,
    form: &[(&str, &str)],
    reflect_on: NaiveDate,
) -> i64 {
    let now = app.state.clock.unix();
    let pairs: Vec<(String, String)> = form.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let snapshot = fields::snapshot(&pairs);
    let end_date = snapshot["end_date"].as_str().unwrap_or_default().to_string();
    let publish_at = publication::publish_at(now, reflect_on).unwrap();
    let mut tx = app.state.store.begin().await.unwrap();
    let posting = store::create(&mut tx, "jrec-in", organization_id, language, now).await.unwrap();
    sqlx::query(
        "UPDATE job_postings SET public_snapshot = $1, publish_at = $2, end_date = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(snapshot.to_string())
    .bind(publish_at)
    .bind(end_date)
    .bind(now)
    .bind(posting.id)
    .execute(&mut *tx)
    .await
    .unwrap();
    index::reindex(&mut tx, "jrec-in", posting.id, now).await.unwrap();
    tx.commit().await.unwrap();
    posting.id
}

/// 取り下げ now: public until 22:00 today (at once after 22:00).
pub async fn withdraw(app: &TestApp, id: i64) {
    let now = app.state.clock.unix();
    let mut tx = app.state.store.begin().await.unwrap();
    sqlx::query("UPDATE job_postings SET unpublish_at = $1, updated_at = $2 WHERE id = $3")
        .bind(publication::unpublish_at(now).unwrap())
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    index::reindex(&mut tx, "jrec-in", id, now).await.unwrap();
    tx.commit().await.unwrap();
}

/// The 「該当件数 N件」 of a result page.
pub fn total(page: &Page) -> u64 {
    let at = page.body.find("該当件数 ").unwrap_or_else(|| panic!("no 該当件数 in ({}):\n{}", page.status, page.body));
    let rest = &page.body[at + "該当件数 ".len()..];
    rest[..rest.find('件').unwrap()].parse().unwrap()
}

/// Asks `path` until its 該当件数 is `expected`, at most 2 s (the follower's freshness goal).
pub async fn until_total(app: &TestApp, path: &str, expected: u64) -> Page {
    let started = Instant::now();
    loop {
        let page = app.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        if total(&page) == expected {
            return page;
        }
        assert!(started.elapsed() < Duration::from_secs(2), "{path}: {} instead of {expected} after 2 s", total(&page));
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Where each result links, in the page's order.
pub fn result_ids(page: &Page) -> Vec<i64> {
    let mut out = Vec::new();
    for part in page.body.split("<h3><a href=\"/jrec-in/postings/").skip(1) {
        out.push(part[..part.find('"').unwrap()].parse().unwrap());
    }
    out
}
