//! The whole flow on one seeker: search, inquiry, limits, mail, unread counts, the one reply.

use super::{inquire, institution, seeker_with_profile, until_total};
use crate::modules::seekers::{self, count};
use crate::testkit::TestApp;
use axum::http::StatusCode;

const INQUIRY: &str = "窓口大学の人事担当です。\r\n先生のご経歴に関心があり、ご連絡しました。";

#[tokio::test]
async fn an_institution_finds_a_public_profile_inquires_and_reads_the_one_reply() {
    let app = TestApp::demo().await;
    let (seeker, seeker_id) =
        seeker_with_profile(&app, "inq@seeker.example.jp", true, "量子化学の計算が専門です").await;
    let (_, hidden_id) = seeker_with_profile(&app, "hidden@seeker.example.jp", false, "量子化学の実験").await;
    let institution = institution(&app).await;

    // The menu and the widget on the home page.
    let home = institution.get("/jrec-in/home").await;
    home.assert_contains("href=\"/jrec-in/seeker-search\"").assert_contains("未読メールはありません");

    // Search: exact counts, the 非公開 profile neither found nor opened, no name or contact.
    let all = until_total(&institution, "/jrec-in/seeker-search", 1).await;
    all.assert_contains("該当件数：1件").assert_contains(&seeker_id).assert_lacks(&hidden_id);
    all.assert_lacks("照会 花子").assert_lacks("inq@seeker.example.jp");
    let by_word = institution.get("/jrec-in/seeker-search?keyword=%E9%87%8F%E5%AD%90").await; // 量子
    by_word.assert_contains("該当件数：1件").assert_contains(&seeker_id).assert_lacks(&hidden_id);
    institution.get("/jrec-in/seeker-search?keyword=%E7%94%9F%E7%89%A9").await.assert_contains("該当件数：0件");
    let by_conditions = institution.get("/jrec-in/seeker-search?research=60050&degree=doctor&page=7").await;
    by_conditions.assert_contains("該当件数：1件").assert_contains(&seeker_id);
    institution.get("/jrec-in/seeker-search?degree=master").await.assert_contains("該当件数：0件");
    let detail = institution.get(&format!("/jrec-in/seeker-search/{seeker_id}")).await;
    detail
        .assert_contains("量子化学の計算が専門です")
        .assert_contains("求職者照会メールを出す")
        .assert_lacks("照会 花子");
    for path in [format!("/jrec-in/seeker-search/{hidden_id}"), format!("/jrec-in/seeker-search/{hidden_id}/inquiry")] {
        assert_eq!(institution.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }

    // The form refuses bad input beside the field, keeping what was typed.
    let path = format!("/jrec-in/seeker-search/{seeker_id}/inquiry");
    let long = "あ".repeat(2_001);
    let refused = institution.post(&path, &[("lang", "ja"), ("body", &long), ("step", "confirm")]).await;
    refused
        .assert_contains("内容は2,000文字以内で入力してください。")
        .assert_contains("aria-describedby=\"body-hint body-error\"");
    let empty = institution.post(&path, &[("lang", "xx"), ("body", " "), ("step", "send")]).await;
    empty.assert_contains("内容を入力してください。").assert_contains("メールの言語を選んでください。");

    // 確認 shows the manual's notes above 送信.
    let confirm = institution.post(&path, &[("lang", "ja"), ("body", INQUIRY), ("step", "confirm")]).await;
    confirm
        .assert_contains("送信はJREC-IN Portalを経由して送られますので、先方にあなたのメールアドレスが自動的に表示されることはありません。")
        .assert_contains("照会メールの送信・ユーザからの返信は、初回に限りJREC-IN Portalを経由しますが、以降は直接メール等で行っていただくことになります。必要に応じて、メール内容に所属や連絡先を入力してください。");
    let notes = confirm.body.find("先方にあなたのメールアドレス").unwrap();
    assert!(notes < confirm.body.find("value=\"send\"").unwrap(), "the notes above 送信");
    let back = institution.post(&path, &[("lang", "en"), ("body", INQUIRY), ("step", "back")]).await;
    back.assert_contains("value=\"en\" checked").assert_contains("先生のご経歴に関心があり");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM relay_threads").await, 0, "nothing sent before 送信");
    let id = inquire(&institution, &seeker_id, INQUIRY).await;
    let done = institution.get(&format!("/jrec-in/inquiries/{id}?done=sent")).await;
    done.assert_contains("送信完了").assert_contains(&seeker_id).assert_contains("返信はまだありません");

    // The mail: the institution's name and text and the link; no institution user's address.
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.to == "inq@seeker.example.jp").expect("the inquiry mail");
    assert_eq!(mail.subject, "【JREC-IN Portal】求人機関から照会メールが届きました");
    assert!(mail.text.contains("国立窓口大学") && mail.text.contains("先生のご経歴に関心があり"), "{}", mail.text);
    assert!(mail.text.contains(&format!("/jrec-in/seeker/inquiries/{id}")), "{}", mail.text);
    assert!(!mail.text.contains("demo@jrec-in.example.jp"), "{}", mail.text);

    // A second inquiry within 30 days is refused, at 確認 and at 送信.
    let again = institution.post(&path, &[("lang", "ja"), ("body", "再送"), ("step", "confirm")]).await;
    again.assert_contains("この求職者には30日以内に照会メールを送っています。");
    let forced = institution.post(&path, &[("lang", "ja"), ("body", "再送"), ("step", "send")]).await;
    assert_eq!(forced.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM relay_threads").await, 1);

    // The seeker's inbox: unread, then read.
    let inbox = seeker.get("/jrec-in/seeker/inquiries").await;
    inbox.assert_contains("未読メール1件").assert_contains("国立窓口大学").assert_contains("未返信");
    seeker.get("/jrec-in/seeker/home").await.assert_contains("href=\"/jrec-in/seeker/inquiries\"");
    let read = seeker.get(&format!("/jrec-in/seeker/inquiries/{id}")).await;
    read.assert_contains("先生のご経歴に関心があり").assert_contains("メールアドレスを開示する");
    seeker.get("/jrec-in/seeker/inquiries").await.assert_contains("未読メールはありません");

    // The reply, without disclosure: the institution's mail has neither text nor address.
    let reply_path = format!("/jrec-in/seeker/inquiries/{id}");
    let bad = seeker.post(&reply_path, &[("body", ""), ("disclose", "1")]).await;
    bad.assert_contains("内容を入力してください。")
        .assert_contains("id=\"disclose\" name=\"disclose\" type=\"checkbox\" value=\"1\" checked");
    // 確認 first: the reply as it will go and that no address goes with it; nothing sent yet.
    let text = "ご連絡ありがとうございます。\n面談を希望します。";
    let confirm = seeker.post(&reply_path, &[("body", text)]).await;
    confirm
        .assert_contains("返信内容の確認")
        .assert_contains("国立窓口大学")
        .assert_contains("面談を希望します。")
        .assert_contains("<dd>開示しない</dd>")
        .assert_contains("name=\"_step\" value=\"confirmed\"")
        .assert_lacks("name=\"disclose\"");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM relay_messages WHERE side = 'b'").await, 0);
    // 「修正する」: the form again, as typed.
    let back = seeker.post(&reply_path, &[("body", text), ("_step", "back")]).await;
    back.assert_contains("name=\"body\"").assert_contains("面談を希望します。").assert_lacks("返信内容の確認");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM relay_messages WHERE side = 'b'").await, 0);
    let replied = seeker.post(&reply_path, &[("body", text), ("_step", "confirmed")]).await;
    assert_eq!(replied.location(), format!("{reply_path}?done=replied"));
    let page = seeker.get(replied.location()).await;
    page.assert_contains("返信を送りました。").assert_contains("開示していません").assert_lacks("name=\"body\"");
    let mails = app.mails().await;
    let notice = mails
        .iter()
        .find(|m| m.subject == "【JREC-IN Portal】求職者照会メールに返信がありました")
        .expect("the reply mail");
    assert_eq!(notice.to, "demo@jrec-in.example.jp");
    assert!(notice.text.contains(&seeker_id) && notice.text.contains(&format!("/jrec-in/inquiries/{id}")));
    assert!(
        !notice.text.contains("面談を希望します") && !notice.text.contains("inq@seeker.example.jp"),
        "{}",
        notice.text
    );

    // A second reply (a forged post) is refused and changes nothing.
    for step in ["", "confirmed"] {
        let second = seeker.post(&reply_path, &[("body", "二度目の返信"), ("disclose", "1"), ("_step", step)]).await;
        assert_eq!(second.status, StatusCode::CONFLICT, "{step}");
        second.assert_contains("この照会メールには返信済みです。");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM relay_messages WHERE side = 'b'").await, 1);

    // The institution: 未読メール1件, the history's row, the reply read without an address.
    institution.get("/jrec-in/home").await.assert_contains("未読メール1件");
    let history = institution.get("/jrec-in/inquiries").await;
    history
        .assert_contains("未読メール1件")
        .assert_contains(&seeker_id)
        .assert_contains("ご連絡ありがとうございます。");
    for column in ["No.", "宛先ユーザID", "送信日", "送信内容", "返信日", "返信内容"] {
        history.assert_contains(&format!(">{column}</th>"));
    }
    let detail = institution.get(&format!("/jrec-in/inquiries/{id}")).await;
    detail
        .assert_contains("面談を希望します。")
        .assert_lacks("返信者メールアドレス")
        .assert_lacks("inq@seeker.example.jp");
    institution.get("/jrec-in/inquiries").await.assert_contains("未読メールはありません");

    let log = crate::modules::seekers::events(&app).await;
    for event in ["seeker_mail.inquiry_sent", "seeker_mail.replied"] {
        assert_eq!(log.iter().filter(|e| *e == event).count(), 1, "{event} {log:?}");
    }
    assert!(!log.iter().any(|e| e == "seeker_mail.address_viewed"), "{log:?}");
}

#[tokio::test]
async fn a_disclosed_address_is_shown_and_its_view_audited() {
    let app = TestApp::demo().await;
    let (seeker, seeker_id) = seeker_with_profile(&app, "open@seeker.example.jp", true, "公開").await;
    let institution = institution(&app).await;
    let id = inquire(&institution, &seeker_id, "ご連絡しました。").await;
    let path = format!("/jrec-in/seeker/inquiries/{id}");
    let typed = [("body", "こちらにご連絡ください。"), ("disclose", "1")];
    let confirm = seeker.post(&path, &typed).await;
    confirm.assert_contains("開示する（open@seeker.example.jp）").assert_contains("name=\"disclose\" value=\"1\"");
    let replied = seeker.post(&path, &[typed[0], typed[1], ("_step", "confirmed")]).await;
    assert!(replied.location().ends_with("?done=replied"));
    seeker.get(replied.location()).await.assert_contains("開示しました");
    let detail = institution.get(&format!("/jrec-in/inquiries/{id}")).await;
    detail.assert_contains("返信者メールアドレス").assert_contains("open@seeker.example.jp");
    let log = crate::modules::seekers::events(&app).await;
    assert_eq!(log.iter().filter(|e| *e == "seeker_mail.address_viewed").count(), 1, "{log:?}");
    // The mail never carries it.
    let mails = app.mails().await;
    let notice = mails.iter().find(|m| m.subject.contains("求職者照会メールに返信がありました")).unwrap();
    assert!(!notice.text.contains("open@seeker.example.jp"));
}

#[tokio::test]
async fn the_daily_limit_and_a_profile_turned_private_stop_a_send() {
    let app = TestApp::demo().await;
    let (seeker, seeker_id) = seeker_with_profile(&app, "day@seeker.example.jp", true, "公開").await;
    let institution = institution(&app).await;
    // 100 inquiries of the institution today (to another seeker: only the count matters).
    let (_, other_id) = seeker_with_profile(&app, "other@seeker.example.jp", true, "公開").await;
    until_total(&institution, "/jrec-in/seeker-search", 2).await;
    let mut conn = app.state.store.acquire().await.unwrap();
    let (organization, author): (i64, i64) =
        sqlx::query_as("SELECT organization_id, id FROM users WHERE login_id = 'demo-kikan'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    let other: i64 = sqlx::query_scalar("SELECT id FROM users WHERE login_id = $1")
        .bind(&other_id)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let now = app.state.clock.unix();
    for _ in 0..100 {
        let new = madoguchi_store::relay::NewThread {
            portal: "jrec-in",
            topic: madoguchi_seeker_mail::TOPIC,
            organization_id: organization,
            author_user_id: author,
            recipient_user_id: other,
            recipient_handle: &other_id,
            lang: "ja",
            body: "x",
        };
        madoguchi_store::relay::open(&mut conn, &new, now - 60).await.unwrap();
    }
    drop(conn);
    let path = format!("/jrec-in/seeker-search/{seeker_id}/inquiry");
    let refused = institution.post(&path, &[("lang", "ja"), ("body", "本日101通目"), ("step", "send")]).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    refused.assert_contains("本日送信できる照会メールの上限に達しました。");
    // The next JST day (2026-11-25 00:00 JST) it goes (new sessions: the old ones idled out).
    app.set_clock("2026-11-25T00:00:00+09:00");
    let institution = super::institution(&app).await;
    let _ = inquire(&institution, &seeker_id, "翌日の照会").await;

    // A profile turned 非公開: its page and a send are refused at once, the search drops it
    // once the index's follower has applied the change.
    let login = seekers::login(&seeker, "day@seeker.example.jp", seekers::PASSWORD).await;
    assert_eq!(login.location(), "/jrec-in/seeker/home");
    let private = [("public", "0")];
    assert_eq!(seeker.post("/jrec-in/seeker/profile", &private).await.location(), "/jrec-in/seeker/profile?saved");
    institution.get("/jrec-in/seeker-search").await.assert_lacks(&seeker_id);
    until_total(&institution, "/jrec-in/seeker-search", 1).await.assert_lacks(&seeker_id).assert_contains(&other_id);
    assert_eq!(institution.get(&format!("/jrec-in/seeker-search/{seeker_id}")).await.status, StatusCode::NOT_FOUND);
    let sent = institution.post(&path, &[("lang", "ja"), ("body", "非公開後"), ("step", "send")]).await;
    assert_eq!(sent.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_demo_seeds_one_public_profile_for_the_search() {
    let app = TestApp::with(madoguchi_core::Config::demo().unwrap(), None, true).await;
    let institution = institution(&app).await;
    let page = institution.get("/jrec-in/seeker-search").await;
    page.assert_contains("該当件数：1件").assert_contains(madoguchi::demo::DEMO_SEEKER_ID).assert_lacks("研究 花子");
    let seeker = app.browser();
    let login =
        seekers::login(&seeker, madoguchi::demo::DEMO_SEEKER_EMAIL, madoguchi::demo::DEMO_SEEKER_PASSWORD).await;
    assert_eq!(login.location(), "/jrec-in/seeker/home");
}
