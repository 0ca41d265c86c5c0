//! 求人公募情報検索 (jrec-in spec §1.7, §0.5; §1.15 checks 7–11, 13, 14 as far as the search
//! shows them): publication exact to the second by the query's `now`, withdrawals at 22:00,
//! keywords AND / OR / NOT, facets, exact counts, every page, the sorts, refine by URL,
//! ended postings, languages; drafts and requested postings never found.

use super::public::*;
use super::{new_draft, setup};
use axum::http::StatusCode;

const KEYWORD: &str = "/jrec-in/postings?all=%E9%87%8F%E5%AD%90%E8%A8%88%E7%AE%97"; // all=量子計算

#[tokio::test]
async fn a_posting_is_found_from_its_publication_second_until_its_withdrawal() {
    let app = setup().await;
    let org = demo_institution(&app).await;
    // Before anything is published: the page answers without login, with an exact zero.
    let public = app.browser();
    let empty = public.get("/jrec-in/postings").await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);
    assert_eq!(total(&empty), 0);
    // A draft and a requested posting with the same words are never found.
    new_draft(&app, &[("title", "量子計算の下書き")]).await;

    // Approved at 10:00 with 反映日 = today: public from 22:00:00.
    let today = publish(&app, org, "ja", &posting(&[("title", "量子計算の准教授公募")]), date(2026, 11, 24)).await;
    app.clock.set(jst(2026, 11, 24, 22, 0, 0));
    until_total(&public, KEYWORD, 1).await;
    app.clock.set(jst(2026, 11, 24, 21, 59, 59));
    assert_eq!(total(&public.get(KEYWORD).await), 0, "not before 22:00");
    assert_eq!(total(&public.get("/jrec-in/postings").await), 0);
    app.clock.set(jst(2026, 11, 24, 22, 0, 0));
    let found = public.get(KEYWORD).await;
    assert_eq!(total(&found), 1);
    assert_eq!(result_ids(&found), vec![today]);
    found.assert_contains("量子計算の准教授公募").assert_contains("国立窓口大学").assert_lacks("量子計算の下書き");
    assert_eq!(total(&public.get("/jrec-in/postings").await), 1, "the count rises by exactly one");

    // 反映日 the day after tomorrow: from that day's 00:00:00.
    app.clock.set(jst(2026, 11, 24, 22, 30, 0));
    let later = publish(&app, org, "ja", &posting(&[("title", "量子計算の研究員公募")]), date(2026, 11, 26)).await;
    app.clock.set(jst(2026, 11, 26, 0, 0, 0));
    until_total(&public, KEYWORD, 2).await;
    app.clock.set(jst(2026, 11, 25, 23, 59, 59));
    assert_eq!(total(&public.get(KEYWORD).await), 1, "not before 00:00 of the 反映日");

    // 取り下げ at 15:00: public until 21:59:59, gone at 22:00:00.
    app.clock.set(jst(2026, 11, 26, 15, 0, 0));
    withdraw(&app, later).await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    app.clock.set(jst(2026, 11, 26, 21, 59, 59));
    assert_eq!(total(&public.get(KEYWORD).await), 2);
    app.clock.set(jst(2026, 11, 26, 22, 0, 0));
    let after = until_total(&public, KEYWORD, 1).await;
    assert_eq!(result_ids(&after), vec![today]);
}

#[tokio::test]
async fn keywords_facets_counts_sorts_and_every_page() {
    let app = setup().await;
    let org = demo_institution(&app).await;
    // 120 postings: half 計算機 (00289), half 生命 (00189); every fourth an 准教授 one; end dates
    // spread over the next 120 days.
    let mut ids = Vec::new();
    for i in 0..120u32 {
        let title = if i % 2 == 0 {
            format!("計算機の公募{i}{}", if i % 4 == 0 { " 准教授" } else { "" })
        } else {
            format!("生命科学の公募{i}")
        };
        let major = if i % 2 == 0 { "00289" } else { "00189" };
        let minor = if i % 2 == 0 { "60050" } else { "" };
        let end = (madoguchi_core::publication::jst_date(app.state.clock.unix()).unwrap()
            + chrono::Days::new(u64::from(i) + 1))
        .format("%Y-%m-%d")
        .to_string();
        let employment = if i < 30 { "02" } else { "01" };
        let mut form = posting(&[]);
        form.retain(|(k, _)| !["title", "major", "minor", "end_date", "employment"].contains(k));
        form.extend([
            ("title", title.as_str()),
            ("major", major),
            ("end_date", end.as_str()),
            ("employment", employment),
        ]);
        if !minor.is_empty() {
            form.push(("minor", minor));
        }
        ids.push(publish(&app, org, "ja", &form, date(2026, 11, 24)).await);
    }
    app.clock.set(jst(2026, 11, 24, 22, 0, 0));
    let public = app.browser();
    let all = until_total(&public, "/jrec-in/postings", 120).await;
    assert_eq!(result_ids(&all).len(), 50, "50 a page by default");
    all.assert_contains("（1～50件目を表示）").assert_contains("(60)");
    // AND, then NOT: exact, and the second no more than the first.
    let and = public.get("/jrec-in/postings?all=%E8%A8%88%E7%AE%97%E6%A9%9F+%E5%85%AC%E5%8B%9F").await; // 計算機 公募
    assert_eq!(total(&and), 60);
    let not = public
        .get("/jrec-in/postings?all=%E8%A8%88%E7%AE%97%E6%A9%9F+%E5%85%AC%E5%8B%9F&none=%E5%87%86%E6%95%99%E6%8E%88")
        .await;
    assert_eq!(total(&not), 30, "准教授 left out");
    // OR, and 1-character words.
    let or = public.get("/jrec-in/postings?any=%E8%A8%88%E7%AE%97%E6%A9%9F%E3%80%80%E7%94%9F%E5%91%BD").await; // 計算機　生命
    assert_eq!(total(&or), 120);
    assert_eq!(total(&public.get("/jrec-in/postings?all=%E5%91%BD").await), 60, "命: one character");
    // Facets: OR within one, AND across.
    assert_eq!(total(&public.get("/jrec-in/postings?major=00289").await), 60);
    assert_eq!(total(&public.get("/jrec-in/postings?major=00289&major=00189").await), 120);
    assert_eq!(total(&public.get("/jrec-in/postings?major=00189&employment=02").await), 15);
    // 小分類 left empty is the 大分類's 「小分類すべて」 code.
    assert_eq!(total(&public.get("/jrec-in/postings?minor=60050").await), 60);
    assert_eq!(total(&public.get("/jrec-in/postings?minor=99901").await), 60, "ライフサイエンス（小分類すべて）");
    assert_eq!(
        total(&public.get("/jrec-in/postings?org_kind=university&tenure=3&area=00003&prefecture=00013").await),
        120
    );
    assert_eq!(total(&public.get("/jrec-in/postings?org_kind=company").await), 0);
    // Every page: page 3 of 50 holds rows 101–120, page 4 is empty with the count still exact.
    let third = public.get("/jrec-in/postings?page=3").await;
    assert_eq!(result_ids(&third).len(), 20);
    third.assert_contains("（101～120件目を表示）").assert_contains("aria-current=\"page\">3<");
    let beyond = public.get("/jrec-in/postings?page=4").await;
    assert_eq!((total(&beyond), result_ids(&beyond).len()), (120, 0));
    let per20 = public.get("/jrec-in/postings?per=20&page=6").await;
    assert_eq!(result_ids(&per20).len(), 20);
    // No page repeats a posting, and together they are every posting.
    let mut seen = Vec::new();
    for page in 1..=3 {
        seen.extend(result_ids(&public.get(&format!("/jrec-in/postings?page={page}")).await));
    }
    seen.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(seen, expected);
    // Sorts: 募集締切順 both ways; the URL reproduces the page.
    let soonest = public.get("/jrec-in/postings?sort=deadline").await;
    assert_eq!(result_ids(&soonest)[..3], ids[..3]);
    let latest = public.get("/jrec-in/postings?sort=deadline_desc").await;
    assert_eq!(result_ids(&latest)[0], ids[119]);
    assert_eq!(result_ids(&public.get("/jrec-in/postings?sort=deadline").await), result_ids(&soonest));
    // The page links keep the conditions (refine by adding to the URL).
    let refined = public.get("/jrec-in/postings?major=00289&sort=deadline&per=20").await;
    refined.assert_contains("href=\"/jrec-in/postings?major=00289&#38;sort=deadline&#38;per=20&#38;page=2\"");
    refined.assert_contains("value=\"00289\" checked");
    // After the first end date: the default search leaves the ended posting out.
    app.clock.set(jst(2026, 11, 26, 0, 0, 0));
    assert_eq!(total(&public.get("/jrec-in/postings").await), 119);
    assert_eq!(total(&public.get("/jrec-in/postings?ended=1").await), 120, "募集期間終了を含める");
    assert_eq!(total(&public.get("/jrec-in/postings?closing=1").await), 14, "ends within 14 days");
    assert_eq!(total(&public.get("/jrec-in/postings?new=1").await), 119, "published within 7 days");
}

#[tokio::test]
async fn organization_order_languages_and_a_bad_keyword() {
    let app = setup().await;
    let org = demo_institution(&app).await;
    let user = crate::testkit::organization_user(
        &app,
        "jrec-in",
        "あおば研究所",
        "aoba",
        "aoba@example.jp",
        "青葉",
        "Aoba2026xx",
    )
    .await;
    let _ = user;
    let aoba = organization(&app, "あおば研究所", "public_research").await;
    let ours = publish(&app, org, "ja", &posting(&[("title", "窓口大学の公募")]), date(2026, 11, 24)).await;
    let theirs = publish(&app, aoba, "ja", &posting(&[("title", "あおばの公募")]), date(2026, 11, 24)).await;
    let english =
        publish(&app, org, "en", &posting(&[("title", "Assistant Professor in Informatics")]), date(2026, 11, 24))
            .await;
    app.clock.set(jst(2026, 11, 24, 22, 0, 0));
    let public = app.browser();
    until_total(&public, "/jrec-in/postings", 2).await;
    assert_eq!(result_ids(&public.get("/jrec-in/postings?sort=org").await), vec![theirs, ours], "あ before 国");
    assert_eq!(total(&public.get("/jrec-in/postings?org_kind=public_research").await), 1);
    // English postings on the English site; both with the toggle.
    assert_eq!(result_ids(&public.get("/jrec-in/postings?english=1&sort=org").await).len(), 3);
    let en = public.get_with("/jrec-in/postings", &[("accept-language", "en")]).await;
    assert_eq!(result_ids(&en), vec![english]);
    en.assert_contains("1 postings found");
    // A keyword over 200 characters: the field's message, the summary, the typed text kept.
    let long = "あ".repeat(201);
    let bad = public
        .get(&format!(
            "/jrec-in/postings?none={}",
            url::form_urlencoded::byte_serialize(long.as_bytes()).collect::<String>()
        ))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("キーワード（を含まない）は200文字以内で入力してください。")
        .assert_contains("class=\"error-summary\"")
        .assert_contains("aria-describedby=\"keywords-hint none-error\" aria-invalid=\"true\"")
        .assert_contains(&long)
        .assert_lacks("該当件数");
}

#[tokio::test]
async fn the_public_pages_answer_404_where_the_module_is_off() {
    let app = setup().await;
    for path in ["/shaho/postings", "/rokin/postings/1", "/mlit-fwms/postings", "/jrec-in/postings/abc"] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}: {}", page.body);
    }
    let off = crate::testkit::TestApp::with(super::config_without_module(), None, true).await;
    assert_eq!(off.get("/jrec-in/postings").await.status, StatusCode::NOT_FOUND, "the config leaves the module off");
    assert_eq!(off.get("/rokin/postings").await.status, StatusCode::NOT_FOUND);
}

/// §1.15 check 9's second half: with 500+ postings, page 11 of 50 exists and shows rows
/// 501–550 (the original stops at 1,000 rows; here nothing does).
#[tokio::test]
async fn page_11_of_560_postings_shows_rows_501_to_550() {
    let app = setup().await;
    let org = demo_institution(&app).await;
    let mut ids = Vec::new();
    for i in 0..560u32 {
        let title = format!("大量の公募{i}");
        let mut form = posting(&[]);
        form.retain(|(k, _)| *k != "title");
        form.push(("title", title.as_str()));
        app.clock.advance(1);
        ids.push(publish(&app, org, "ja", &form, date(2026, 11, 24)).await);
    }
    app.clock.set(jst(2026, 11, 24, 22, 0, 0));
    let public = app.browser();
    let first = until_total(&public, "/jrec-in/postings?all=%E5%A4%A7%E9%87%8F", 560).await; // 大量
    assert_eq!(result_ids(&first).len(), 50);
    let eleventh = public.get("/jrec-in/postings?all=%E5%A4%A7%E9%87%8F&page=11").await;
    eleventh.assert_contains("（501～550件目を表示）").assert_contains("aria-current=\"page\">11<");
    // 新着順, the newest posting first: rows 501–550 are the 60th to the 11th posting made.
    let expected: Vec<i64> = ids.iter().rev().skip(500).take(50).copied().collect();
    assert_eq!(result_ids(&eleventh), expected);
    let twelfth = public.get("/jrec-in/postings?all=%E5%A4%A7%E9%87%8F&page=12").await;
    assert_eq!(result_ids(&twelfth).len(), 10);
    twelfth.assert_lacks("rel=\"next\"");
}

/// The demo (`serve` without a config) shows the module working: its sample postings are
/// found from the portal's top page, the institution's list has its 一時保存 and its
/// 登録依頼中, and the 事務局's queue has that request.
#[tokio::test]
async fn the_demo_shows_published_requested_and_draft_postings() {
    let app = crate::testkit::TestApp::demo().await;
    app.get("/jrec-in/").await.assert_contains("href=\"/jrec-in/postings\"");
    let page = until_total(&app, "/jrec-in/postings", 10).await;
    page.assert_contains("准教授（情報科学）の公募")
        .assert_lacks("作成中")
        .assert_lacks("准教授（ヒューマンインタフェース）の公募");
    let login = app.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    assert_eq!(login.location(), "/jrec-in/home");
    app.get("/jrec-in/job-postings/register")
        .await
        .assert_contains("客員研究員（環境科学）の公募（作成中）")
        .assert_contains("准教授（ヒューマンインタフェース）の公募")
        .assert_contains("登録依頼中");
    let op = app.browser();
    op.operator_login("jrec-in").await;
    op.get("/jrec-in/operator/job-postings/review").await.assert_contains("准教授（ヒューマンインタフェース）の公募");
}
