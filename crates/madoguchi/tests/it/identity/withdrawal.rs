//! 退会 and アカウントを再登録 (hellowork), 退会 with the exit survey (jrec-in).

use crate::testkit::TestApp;

const ID: &str = "demo@hellowork.example.jp";
const PASSWORD: &str = "Demo-User-2026";

async fn hellowork_session(app: &TestApp) {
    app.post("/hellowork/login", &[("login_id", ID), ("password", PASSWORD)]).await;
    let mails = app.mails().await;
    let otp: String = mails
        .iter()
        .find(|m| m.subject.contains("ワンタイムパスワード通知"))
        .unwrap()
        .text
        .lines()
        .find(|l| l.starts_with("ワンタイムパスワード："))
        .unwrap()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    assert_eq!(
        app.post("/hellowork/login/otp", &[("otp", &otp), ("skip", "1")]).await.location(),
        "/hellowork/login/skip"
    );
    app.post("/hellowork/login/skip", &[("choice", "ok")]).await;
}

#[tokio::test]
async fn hellowork_withdrawal_and_return_within_thirty_days() {
    let app = TestApp::demo().await;
    hellowork_session(&app).await;
    app.get("/hellowork/home").await.assert_contains("href=\"/hellowork/withdraw\"");
    app.get("/hellowork/withdraw").await.assert_contains("30日以内").assert_lacks("data-confirm");
    app.post("/hellowork/withdraw", &[("password", "wrong")])
        .await
        .assert_contains("パスワードが正しくありません。")
        .assert_lacks("よろしいですか");
    // issue 14 #15: without JavaScript too, 退会 asks first, once the password is right.
    let confirm = app.post("/hellowork/withdraw", &[("password", PASSWORD)]).await;
    confirm
        .assert_contains("<h1>退会確認</h1>")
        .assert_contains("退会します。よろしいですか？")
        .assert_contains(&format!("<dd>{ID}</dd>"))
        .assert_contains(">はい</button>")
        .assert_contains("href=\"/hellowork/home\">いいえ</a>");
    assert_eq!(app.get("/hellowork/home").await.status, axum::http::StatusCode::OK, "not withdrawn before 「はい」");
    // 「はい」 sends the password again, and it is checked again.
    let (_, hidden) = crate::testkit::confirmation_form(&confirm);
    assert_eq!(hidden, [("password".to_string(), PASSWORD.to_string())]);
    app.post("/hellowork/withdraw", &[("password", "wrong"), ("_step", "confirmed")])
        .await
        .assert_contains("パスワードが正しくありません。");
    app.press_yes(&confirm).await.assert_contains("退会手続きが完了しました。");
    assert_eq!(app.get("/hellowork/home").await.location(), "/hellowork/login", "the session ended");
    let mails = app.mails().await;
    let done = mails.iter().find(|m| m.subject.contains("退会手続き完了のお知らせ")).expect("the owner is told");
    assert!(done.to == ID && done.text.contains("30日以内であれば"), "{}", done.text);
    app.post("/hellowork/login", &[("login_id", ID), ("password", PASSWORD)])
        .await
        .assert_contains("IDまたはパスワードが正しくありません");

    // Return: the old address and password, a key by mail, the key.
    app.get("/hellowork/login").await.assert_contains("href=\"/hellowork/return\"").assert_contains("31日以上");
    app.post("/hellowork/return", &[("login_id", ID), ("password", "wrong")])
        .await
        .assert_contains("再登録できる期間を過ぎています");
    let page = app.post("/hellowork/return", &[("login_id", ID), ("password", PASSWORD)]).await;
    assert_eq!(page.location(), "/hellowork/return/key");
    let mails = app.mails().await;
    let key: String = mails
        .iter()
        .find(|m| m.subject.contains("アカウント再登録申込受付通知"))
        .unwrap()
        .text
        .lines()
        .find(|l| l.starts_with("認証キー："))
        .unwrap()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    app.post("/hellowork/return/key", &[("key", "00000000")]).await.assert_contains("認証キーが正しくないか");
    app.post("/hellowork/return/key", &[("key", &key)]).await.assert_contains("アカウントを再登録しました。");
    // The account is back, its trusted browsers are not.
    let page = app.post("/hellowork/login", &[("login_id", ID), ("password", PASSWORD)]).await;
    assert_eq!(page.location(), "/hellowork/login/otp");
}

#[tokio::test]
async fn from_day_thirty_one_the_account_is_purged_and_cannot_return() {
    let app = TestApp::demo().await;
    hellowork_session(&app).await;
    app.post_confirmed("/hellowork/withdraw", &[("password", PASSWORD)])
        .await
        .assert_contains("退会手続きが完了しました。");
    app.clock.advance(29 * 86_400);
    assert_eq!(madoguchi::jobs::purge_withdrawn(&app.state).await.unwrap(), 0);
    app.clock.advance(86_400 + 1);
    app.post("/hellowork/return", &[("login_id", ID), ("password", PASSWORD)])
        .await
        .assert_contains("最寄りのハローワークまでご連絡ください");
    assert_eq!(madoguchi::jobs::purge_withdrawn(&app.state).await.unwrap(), 1);
    let mut conn = app.state.store.acquire().await.unwrap();
    assert!(madoguchi_store::users::by_login_id(&mut conn, "hellowork", ID).await.unwrap().is_none());
    let orgs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizations WHERE portal = 'hellowork'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(orgs, 0, "its organization went with it");
}

#[tokio::test]
async fn jrec_in_withdrawal_keeps_an_anonymous_exit_survey() {
    let app = TestApp::demo().await;
    app.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    // The manual's order: 退会確認 (はい) → the exit survey → 「退会」.
    let confirm = app.get("/jrec-in/withdraw").await;
    confirm
        .assert_contains("<h1>退会確認</h1>")
        .assert_contains("退会します。よろしいですか？")
        .assert_contains("name=\"step\" value=\"survey\"")
        .assert_contains(">はい</button>")
        .assert_contains("href=\"/jrec-in/home\">いいえ</a>")
        .assert_lacks("退会アンケート");
    let page = app.get("/jrec-in/withdraw?step=survey").await;
    page.assert_contains("退会アンケート")
        .assert_contains("求人・採用が充足した")
        .assert_lacks("日以内であれば")
        .assert_lacks("data-confirm");
    // A wrong password keeps the answers (never the password) and changes nothing.
    let wrong = app
        .post(
            "/jrec-in/withdraw",
            &[("reason", "hard_to_use"), ("comment", "画面が<見づらい>"), ("password", "Wrong-Pass-1")],
        )
        .await;
    wrong
        .assert_contains("パスワードが正しくありません。")
        .assert_contains("value=\"hard_to_use\" checked")
        .assert_lacks("value=\"filled\" checked")
        .assert_contains(">画面が&#60;見づらい&#62;</textarea>")
        .assert_lacks("Wrong-Pass-1");
    app.get("/jrec-in/home").await.assert_contains("研究 太郎");
    app.post(
        "/jrec-in/withdraw",
        &[
            ("reason", "filled"),
            ("reason", "hard_to_use"),
            ("comment", "ありがとうございました"),
            ("password", "DemoUser2026"),
        ],
    )
    .await
    .assert_contains("退会手続きが完了しました。");
    let mut conn = app.state.store.acquire().await.unwrap();
    let mails = app.mails().await;
    let done = mails.iter().find(|m| m.subject.contains("退会手続き完了のお知らせ")).expect("the owner is told");
    assert!(done.to == "demo@jrec-in.example.jp" && !done.text.contains("再登録"), "{}", done.text);
    let reasons: String = sqlx::query_scalar("SELECT reasons FROM withdrawal_surveys WHERE portal = 'jrec-in'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(reasons, "filled,hard_to_use");
    drop(conn);
    assert_eq!(app.get("/jrec-in/return").await.status, 404, "no return path on jrec-in");
    app.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")])
        .await
        .assert_contains("IDまたはパスワードが正しくありません");
}
