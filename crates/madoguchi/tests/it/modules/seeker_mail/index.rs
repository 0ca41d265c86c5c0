//! The 求職者情報検索 runs on the search engine (`madoguchi_seeker_mail::index`): exact counts
//! over more than a page, every word, a condition, 非公開 profiles left out, an edited profile
//! found by its new words only — each change reaching the index through `search_changes`.

use super::{institution, seeker_with_profile, total, until_total};
use crate::testkit::{Page, TestApp};

/// Profiles made straight in the store, through the seekers module's own save (the one the
/// profile page calls, which writes the change note): 60 accounts would take a minute of
/// password hashing through the pages.
async fn profiles(app: &TestApp, count: usize, public: bool, tag: &str) {
    let now = app.state.clock.unix();
    let mut tx = app.state.store.begin().await.unwrap();
    for i in 0..count {
        let login_id = format!("U{:09}", if public { 800_000_000 } else { 700_000_000 } + i);
        let email = format!("{login_id}@seeker.example.jp");
        let user = madoguchi_store::users::insert_seeker(&mut tx, "jrec-in", &login_id, &email, "検索 太郎", "x", now)
            .await
            .unwrap()
            .unwrap();
        madoguchi_seekers::store::insert(&mut tx, "jrec-in", user, "ケンサク タロウ", "ja", now).await.unwrap();
        let mut appeal = format!("{tag} 通し番号{i}");
        if i % 2 == 0 {
            appeal.push_str(" 偶数の人");
        }
        if i % 3 == 0 {
            appeal.push_str(" 三の倍数の人");
        }
        let profile = madoguchi_seekers::rules::Profile {
            public,
            research: vec![if i % 5 == 0 { "60050" } else { "60010" }.into()],
            jobs: vec!["00022".into()],
            prefectures: vec!["00013".into()],
            degree: "doctor".into(),
            position: "研究員".into(),
            career: String::new(),
            appeal,
            researchmap: String::new(),
        };
        assert!(madoguchi_seekers::store::save(&mut tx, "jrec-in", user, &profile, now).await.unwrap());
    }
    tx.commit().await.unwrap();
}

/// The ユーザIDs a result page links to, in order.
fn ids(page: &Page) -> Vec<String> {
    let mut out = Vec::new();
    for part in page.body.split("href=\"/jrec-in/seeker-search/").skip(1) {
        let id = &part[..part.find('"').unwrap()];
        if !id.contains('/') && !out.iter().any(|o| o == id) {
            out.push(id.to_string());
        }
    }
    out
}

#[tokio::test]
async fn the_search_counts_every_public_profile_on_the_engine() {
    let app = TestApp::demo().await;
    profiles(&app, 55, true, "共通語").await;
    profiles(&app, 3, false, "共通語").await;
    let institution = institution(&app).await;

    // Exact count over more than a page: 50 on the first, 5 on the second, no 非公開 one.
    let first = until_total(&institution, "/jrec-in/seeker-search?keyword=%E5%85%B1%E9%80%9A%E8%AA%9E", 55).await;
    assert_eq!(ids(&first).len(), 50, "{}", first.body);
    let second = institution.get("/jrec-in/seeker-search?keyword=%E5%85%B1%E9%80%9A%E8%AA%9E&page=2").await;
    assert_eq!(total(&second), 55);
    let second_ids = ids(&second);
    assert_eq!(second_ids.len(), 5);
    assert!(second_ids.iter().all(|id| !ids(&first).contains(id)), "the pages do not overlap");
    let everything: Vec<String> = ids(&first).into_iter().chain(second_ids).collect();
    assert!(everything.iter().all(|id| id.starts_with("U8")), "only 公開 profiles: {everything:?}");
    // 更新日の古い順 is the other way round.
    let old = institution.get("/jrec-in/seeker-search?keyword=%E5%85%B1%E9%80%9A%E8%AA%9E&sort=old").await;
    assert_eq!(ids(&old)[0], everything[54]);

    // Every word must occur: 偶数 and 三の倍数 is every sixth (0, 6, … 54).
    let both = "/jrec-in/seeker-search?keyword=%E5%81%B6%E6%95%B0%E3%80%80%E4%B8%89%E3%81%AE%E5%80%8D%E6%95%B0";
    assert_eq!(total(&institution.get(both).await), 10);
    // A condition (研究分野): every fifth.
    assert_eq!(total(&institution.get("/jrec-in/seeker-search?research=60050").await), 11);
    // A condition and a word: every fifth that is even (0, 10, … 50).
    let even_fifths = "/jrec-in/seeker-search?research=60050&keyword=%E5%81%B6%E6%95%B0";
    assert_eq!(total(&institution.get(even_fifths).await), 6);
    // A code that is no code matches nothing.
    assert_eq!(total(&institution.get("/jrec-in/seeker-search?research=abc").await), 0);

    // A profile edited through its page: found by its new words, no longer by its old ones.
    let (seeker, seeker_id) = seeker_with_profile(&app, "edit@seeker.example.jp", true, "旧語句フラミンゴ").await;
    let old_word = "/jrec-in/seeker-search?keyword=%E3%83%95%E3%83%A9%E3%83%9F%E3%83%B3%E3%82%B4"; // フラミンゴ
    let new_word = "/jrec-in/seeker-search?keyword=%E3%83%9A%E3%83%B3%E3%82%AE%E3%83%B3"; // ペンギン
    until_total(&institution, old_word, 1).await.assert_contains(&seeker_id);
    let fields = [("public", "1"), ("research_1", "60050"), ("degree", "doctor"), ("appeal", "新語句ペンギン")];
    assert_eq!(seeker.post("/jrec-in/seeker/profile", &fields).await.location(), "/jrec-in/seeker/profile?saved");
    until_total(&institution, new_word, 1).await.assert_contains(&seeker_id);
    until_total(&institution, old_word, 0).await;
    // Turned 非公開: gone from the search once the follower has applied it.
    assert_eq!(
        seeker.post("/jrec-in/seeker/profile", &[("public", "0")]).await.location(),
        "/jrec-in/seeker/profile?saved"
    );
    until_total(&institution, new_word, 0).await.assert_lacks(&seeker_id);
    until_total(&institution, "/jrec-in/seeker-search", 55).await;
}
