//! jrec-in's 求職者情報検索 and 求職者照会メール (module `seeker_mail`,
//! `crates/modules/seeker-mail`, docs/SEEKER_MAIL.md): the institution searches the 公開
//! profiles (exact counts; a 非公開 one is neither found nor opened), sends an inquiry through
//! the confirmation with the manual's notes, the limits refuse a second one within 30 days and
//! the 101st of a day; the seeker gets the mail, reads the inquiry in the 受信箱 and replies
//! once, with or without 「メールアドレスを開示する」; the unread counts of both sides; and
//! nobody else reaches any of it (`flow`, `isolation`).

mod flow;
mod index;
mod isolation;

use crate::modules::applications;
use crate::modules::seekers;
use crate::testkit::{Page, TestApp};
use std::time::{Duration, Instant};

pub use applications::institution;

/// A signed-in seeker whose 求職者情報 is saved with `public` and the given 自己PR; returns the
/// browser and the ユーザID.
pub async fn seeker_with_profile(app: &TestApp, email: &str, public: bool, appeal: &str) -> (TestApp, String) {
    let (browser, id) = seekers::seeker(app, email, "照会 花子").await;
    let fields = [
        ("public", if public { "1" } else { "0" }),
        ("research_1", "60050"),
        ("job_1", "00022"),
        ("prefecture_1", "00013"),
        ("degree", "doctor"),
        ("position", "特任助教"),
        ("career", "2020年 博士（情報学）"),
        ("appeal", appeal),
    ];
    let saved = browser.post("/jrec-in/seeker/profile", &fields).await;
    assert_eq!(saved.location(), "/jrec-in/seeker/profile?saved", "{}", saved.body);
    (browser, id)
}

/// The 「該当件数：N件」 of a search page.
pub fn total(page: &Page) -> u64 {
    let at = page.body.find("該当件数：").unwrap_or_else(|| panic!("no 該当件数 in ({}):\n{}", page.status, page.body));
    let rest = &page.body[at + "該当件数：".len()..];
    rest[..rest.find('件').unwrap()].parse().unwrap()
}

/// Asks the search `path` until its 該当件数 is `expected`, at most 3 s: the profiles index's
/// follower applies a saved profile within a poll (250 ms).
pub async fn until_total(institution: &TestApp, path: &str, expected: u64) -> Page {
    let started = Instant::now();
    loop {
        let page = institution.get(path).await;
        assert_eq!(page.status, axum::http::StatusCode::OK, "{path}: {}", page.body);
        if total(&page) == expected {
            return page;
        }
        assert!(started.elapsed() < Duration::from_secs(3), "{path}: {} instead of {expected} after 3 s", total(&page));
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Sends an inquiry through 確認 and 送信; returns the thread's id.
pub async fn inquire(institution: &TestApp, seeker_id: &str, body: &str) -> i64 {
    let path = format!("/jrec-in/seeker-search/{seeker_id}/inquiry");
    let confirm = institution.post(&path, &[("lang", "ja"), ("body", body), ("step", "confirm")]).await;
    assert_eq!(confirm.status, axum::http::StatusCode::OK, "{}", confirm.body);
    let sent = institution.post(&path, &[("lang", "ja"), ("body", body), ("step", "send")]).await;
    let location = sent.location().to_string();
    assert!(location.ends_with("?done=sent"), "{location} {}", sent.body);
    location.trim_start_matches("/jrec-in/inquiries/").trim_end_matches("?done=sent").parse().unwrap()
}

/// The walks' setup (faults::hostile, faults::isolation): the signed-in `seeker` has a 公開 profile and two inquiries of the demo institution, one answered (so
/// the institution's reply page shows an address) and one not (so the seeker's reply form
/// exists). Returns the two threads' ids.
pub async fn inquired_and_replied(app: &TestApp, seeker: &TestApp, institution: &TestApp) -> (i64, i64) {
    // The ユーザID, as マイページ shows it (`U` + 9 digits).
    let home = seeker.get("/jrec-in/seeker/home").await;
    let seeker_id = home
        .body
        .match_indices('U')
        .map(|(at, _)| &home.body[at..])
        .find(|s| s.len() >= 10 && s[1..10].bytes().all(|b| b.is_ascii_digit()))
        .map(|s| s[..10].to_string())
        .expect("the ユーザID on マイページ");
    let seeker_id = seeker_id.as_str();
    let fields = [("public", "1"), ("research_1", "60050"), ("position", "特任助教")];
    assert_eq!(seeker.post("/jrec-in/seeker/profile", &fields).await.location(), "/jrec-in/seeker/profile?saved");
    let answered = inquire(institution, seeker_id, "ご経歴について伺いたく、ご連絡しました。").await;
    let reply = seeker
        .post(
            &format!("/jrec-in/seeker/inquiries/{answered}"),
            &[("body", "ご連絡ありがとうございます。"), ("disclose", "1"), ("_step", "confirmed")],
        )
        .await;
    assert!(reply.location().ends_with("?done=replied"), "{}", reply.body);
    // The second one straight into the store: the pages would wait 30 days (the limit).
    let mut conn = app.state.store.acquire().await.unwrap();
    let row: (i64, i64, Option<i64>) =
        sqlx::query_as("SELECT organization_id, recipient_user_id, author_user_id FROM relay_threads WHERE id = $1")
            .bind(answered)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    let new = madoguchi_store::relay::NewThread {
        portal: "jrec-in",
        topic: madoguchi_seeker_mail::TOPIC,
        organization_id: row.0,
        author_user_id: row.2.unwrap(),
        recipient_user_id: row.1,
        recipient_handle: seeker_id,
        lang: "ja",
        body: "改めてご連絡しました。",
    };
    let open = madoguchi_store::relay::open(&mut conn, &new, app.state.clock.unix()).await.unwrap();
    (answered, open)
}
