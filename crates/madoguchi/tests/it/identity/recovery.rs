//! パスワードをお忘れの方 → 認証キー → パスワード再登録 (hellowork).

use crate::testkit::TestApp;
use axum::http::StatusCode;

const ID: &str = "demo@hellowork.example.jp";

fn key_in(text: &str) -> String {
    let line = text.lines().find(|l| l.starts_with("認証キー：")).expect("a key line");
    line.chars().filter(char::is_ascii_digit).collect()
}

async fn request_key(app: &TestApp, id: &str) -> Option<String> {
    let page = app.post("/hellowork/password/forgot", &[("login_id", id)]).await;
    assert_eq!(page.location(), "/hellowork/password/reset", "{}", page.body);
    let mails = app.mails().await;
    mails.iter().find(|m| m.to == id && m.subject.contains("パスワード再登録申込受付通知")).map(|m| key_in(&m.text))
}

#[tokio::test]
async fn a_forgotten_password_is_re_registered_with_the_mailed_key() {
    let app = TestApp::demo().await;
    app.get("/hellowork/login")
        .await
        .assert_contains("href=\"/hellowork/password/forgot\"")
        .assert_contains("パスワードをお忘れの方");
    app.get("/hellowork/password/forgot")
        .await
        .assert_contains("求人者マイページパスワード再登録")
        .assert_contains("次へ進む");
    // First trust this browser, so that the reset can be seen to end the skip.
    app.post("/hellowork/login", &[("login_id", ID), ("password", "Demo-User-2026")]).await;
    let mails = app.mails().await;
    let otp: String = mails[0]
        .text
        .lines()
        .find(|l| l.starts_with("ワンタイムパスワード："))
        .unwrap()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    app.post("/hellowork/login/otp", &[("otp", &otp), ("skip", "1")]).await;
    app.post("/hellowork/login/skip", &[("choice", "ok")]).await;
    let session = app.cookie("mdg_s").unwrap();

    let key = request_key(&app, ID).await.unwrap();
    let form = app.get("/hellowork/password/reset").await;
    form.assert_contains("パスワード再登録")
        .assert_contains("<label for=\"key\">認証キー</label>")
        .assert_contains("新しいパスワード（確認用）");
    let bad = app.post("/hellowork/password/reset", &[("new", "short"), ("confirm", "other"), ("key", "")]).await;
    bad.assert_contains("パスワードは8文字以上で入力してください。")
        .assert_contains("確認のため入力したパスワードが一致しません。")
        .assert_contains("認証キーを入力してください。");
    let wrong = app
        .post(
            "/hellowork/password/reset",
            &[("new", "Fresh-Pass-42"), ("confirm", "Fresh-Pass-42"), ("key", "00000000")],
        )
        .await;
    wrong.assert_contains("認証キーが正しくないか、有効期限が切れています");
    let done = app
        .post("/hellowork/password/reset", &[("new", "Fresh-Pass-42"), ("confirm", "Fresh-Pass-42"), ("key", &key)])
        .await;
    done.assert_contains("パスワードを再登録しました。");
    // Every session ended, the skip ended on every browser, the old password is gone.
    let page = app.get_with("/hellowork/home", &[("cookie", &format!("mdg_s={session}"))]).await;
    assert_eq!(page.location(), "/hellowork/login");
    app.post("/hellowork/login", &[("login_id", ID), ("password", "Demo-User-2026")])
        .await
        .assert_contains("IDまたはパスワードが正しくありません");
    let page = app.post("/hellowork/login", &[("login_id", ID), ("password", "Fresh-Pass-42")]).await;
    assert_eq!(page.location(), "/hellowork/login/otp", "the reset brings the one-time password back");
    // The key was single-use.
    app.post("/hellowork/password/reset", &[("new", "Other-Pass-43"), ("confirm", "Other-Pass-43"), ("key", &key)])
        .await
        .assert_contains("認証キーが正しくないか");
}

#[tokio::test]
async fn the_key_lasts_fifty_minutes() {
    let app = TestApp::demo().await;
    let key = request_key(&app, ID).await.unwrap();
    app.clock.advance(50 * 60 + 1);
    app.post("/hellowork/password/reset", &[("new", "Fresh-Pass-42"), ("confirm", "Fresh-Pass-42"), ("key", &key)])
        .await
        .assert_contains("有効期限が切れています");
    let key = request_key(&app, ID).await.unwrap();
    app.clock.advance(49 * 60 + 59);
    app.post("/hellowork/password/reset", &[("new", "Fresh-Pass-42"), ("confirm", "Fresh-Pass-42"), ("key", &key)])
        .await
        .assert_contains("パスワードを再登録しました。");
}

#[tokio::test]
async fn an_unknown_address_gets_the_same_answer_and_no_mail() {
    let app = TestApp::demo().await;
    assert!(request_key(&app, "stranger@example.jp").await.is_none());
    let page = app.get("/hellowork/password/reset").await;
    assert_eq!(page.status, StatusCode::OK);
    app.post(
        "/hellowork/password/reset",
        &[("new", "Fresh-Pass-42"), ("confirm", "Fresh-Pass-42"), ("key", "12345678")],
    )
    .await
    .assert_contains("認証キーが正しくないか");
    app.post("/hellowork/password/forgot", &[("login_id", "not an address")])
        .await
        .assert_contains("メールアドレスの形式で入力してください");
}

#[tokio::test]
async fn requests_are_limited_per_address_and_per_ip() {
    let app = TestApp::demo().await;
    for _ in 0..5 {
        app.post("/hellowork/password/forgot", &[("login_id", ID)]).await;
    }
    let sent = app.mails().await.iter().filter(|m| m.subject.contains("パスワード再登録申込受付通知")).count();
    assert_eq!(sent, 3, "three keys per address per hour");
    for i in 0..15 {
        app.post("/hellowork/password/forgot", &[("login_id", &format!("x{i}@example.jp"))]).await;
    }
    app.post("/hellowork/password/forgot", &[("login_id", ID)]).await.assert_contains("短時間に多くの申込がありました");
    app.clock.advance(3601);
    assert!(request_key(&app, ID).await.is_some());
}

#[tokio::test]
async fn portals_without_self_service_reset_have_no_such_page() {
    let app = TestApp::demo().await;
    // rokin: a general user gets a new temporary password from the master, the master from the bank.
    assert_eq!(app.get("/rokin/password/forgot").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/rokin/password/reset").await.status, StatusCode::NOT_FOUND);
    app.get("/rokin/").await.assert_lacks("/password/forgot");
    // mlit-fwms has its own recovery (ID／パスワード紛失), not this one.
    assert_eq!(app.get("/mlit-fwms/password/forgot").await.status, StatusCode::NOT_FOUND);
}

// ---- mlit-fwms: ID／パスワード紛失 and パスワード設定／変更 ----

const MLIT_ID: &str = "kensetsu01";
const MLIT_MAIL: &str = "demo@mlit-fwms.example.jp";
const MLIT_PASSWORD: &str = "Demo-User-2026";

fn temporary_in(text: &str) -> String {
    text.lines().find_map(|l| l.strip_prefix("仮パスワード：")).expect("a temporary password line").trim().to_string()
}

#[tokio::test]
async fn mlit_lost_id_is_mailed_and_the_answer_is_the_same_for_strangers() {
    let app = TestApp::demo().await;
    let login = app.get("/mlit-fwms/login").await;
    login.assert_contains("ID／パスワードを忘れた方はこちら").assert_contains("パスワードを設定、変更する場合はこちら");
    app.get("/mlit-fwms/recover")
        .await
        .assert_contains("ID／パスワード紛失")
        .assert_contains("再発行（メール送信）")
        .assert_contains("<a class=\"button secondary\" href=\"/mlit-fwms/login\">ログイン画面へ</a>")
        .assert_lacks("再発行します。よろしいですか？");
    // The manual's 登録確認メッセージ comes after the check, naming what is asked for.
    let confirm = app.post("/mlit-fwms/recover", &[("kind", "id"), ("login_id", ""), ("email", MLIT_MAIL)]).await;
    confirm.assert_contains("再発行します。よろしいですか？").assert_contains("ID紛失").assert_contains(MLIT_MAIL);
    assert!(app.mails().await.is_empty(), "nothing is sent before 「はい」");
    let known = app.press_yes(&confirm).await;
    let stranger = app
        .post_confirmed("/mlit-fwms/recover", &[("kind", "id"), ("login_id", ""), ("email", "who@example.jp")])
        .await;
    for page in [&known, &stranger] {
        page.assert_contains("受け付けました。ご登録がある場合は");
    }
    let mails = app.mails().await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, MLIT_MAIL);
    assert!(mails[0].subject.contains("ログインIDのお知らせ") && mails[0].text.contains(MLIT_ID));
    app.post("/mlit-fwms/recover", &[("kind", "password"), ("login_id", ""), ("email", "bad")])
        .await
        .assert_contains("ログインIDを入力してください。")
        .assert_contains("メールアドレスを正しい形式で入力してください。")
        .assert_lacks("よろしいですか");
}

#[tokio::test]
async fn mlit_a_reissued_password_works_once_within_three_hours_and_forces_the_setting() {
    let app = TestApp::demo().await;
    // A login ID with the wrong address gets the same answer and no mail.
    app.post_confirmed(
        "/mlit-fwms/recover",
        &[("kind", "password"), ("login_id", MLIT_ID), ("email", "who@example.jp")],
    )
    .await
    .assert_contains("受け付けました");
    assert!(app.mails().await.is_empty());
    app.post_confirmed("/mlit-fwms/recover", &[("kind", "password"), ("login_id", MLIT_ID), ("email", MLIT_MAIL)])
        .await;
    let temporary = temporary_in(&app.mails().await[0].text);
    // The old password still works until a new one is set.
    assert_eq!(
        app.post("/mlit-fwms/login", &[("login_id", MLIT_ID), ("password", MLIT_PASSWORD)]).await.location(),
        "/mlit-fwms/home"
    );
    app.post("/mlit-fwms/logout", &[]).await;
    // パスワード設定／変更 from the temporary password.
    let set = app.get("/mlit-fwms/password/set").await;
    set.assert_contains("設定／変更区分")
        .assert_contains("既存パスワード変更")
        .assert_contains("仮パスワードからの設定")
        .assert_contains("<label for=\"current\">旧パスワード</label>");
    let bad = app
        .post(
            "/mlit-fwms/password/set",
            &[
                ("kind", "temporary"),
                ("login_id", MLIT_ID),
                ("current", &temporary),
                ("new", "Xkensetsu1"),
                ("confirm", "Xkensetsu1"),
            ],
        )
        .await;
    bad.assert_contains("連続した3文字以上");
    let ok = app
        .post_confirmed(
            "/mlit-fwms/password/set",
            &[
                ("kind", "temporary"),
                ("login_id", MLIT_ID),
                ("current", &temporary),
                ("new", "Mado-Guchi-88"),
                ("confirm", "Mado-Guchi-88"),
            ],
        )
        .await;
    ok.assert_contains("パスワードを設定しました。");
    assert_eq!(
        app.post("/mlit-fwms/login", &[("login_id", MLIT_ID), ("password", "Mado-Guchi-88")]).await.location(),
        "/mlit-fwms/home"
    );
    app.post("/mlit-fwms/logout", &[]).await;
    // Used once: it does not work again.
    app.post("/mlit-fwms/login", &[("login_id", MLIT_ID), ("password", &temporary)])
        .await
        .assert_contains("IDまたはパスワードが正しくありません");

    // A second reissue, used to log in, leads to the forced setting; after 3 hours it is void.
    let reissue = [("kind", "password"), ("login_id", MLIT_ID), ("email", MLIT_MAIL)];
    app.post_confirmed("/mlit-fwms/recover", &reissue).await;
    let mails = app.mails().await;
    let second = temporary_in(&mails.iter().find(|m| m.subject.contains("仮パスワード発行")).unwrap().text);
    app.post("/mlit-fwms/login", &[("login_id", MLIT_ID), ("password", &second)]).await;
    assert_eq!(app.get("/mlit-fwms/home").await.location(), "/mlit-fwms/password");
    app.post("/mlit-fwms/logout", &[]).await;
    app.post_confirmed("/mlit-fwms/recover", &reissue).await;
    let mails = app.mails().await;
    let third = temporary_in(&mails.iter().find(|m| m.subject.contains("仮パスワード発行")).unwrap().text);
    app.clock.advance(3 * 3600 + 1);
    app.post("/mlit-fwms/login", &[("login_id", MLIT_ID), ("password", &third)])
        .await
        .assert_contains("IDまたはパスワードが正しくありません");
}

#[tokio::test]
async fn mlit_password_setting_counts_failures_like_a_login() {
    let app = TestApp::demo().await;
    for _ in 0..5 {
        let page = app
            .post(
                "/mlit-fwms/password/set",
                &[
                    ("kind", "change"),
                    ("login_id", MLIT_ID),
                    ("current", "Wrong-Pass-1"),
                    ("new", "Mado-Guchi-88"),
                    ("confirm", "Mado-Guchi-88"),
                ],
            )
            .await;
        page.assert_contains("ログインIDまたは旧パスワードが正しくありません");
    }
    app.post("/mlit-fwms/login", &[("login_id", MLIT_ID), ("password", MLIT_PASSWORD)])
        .await
        .assert_contains("IDまたはパスワードが正しくありません");
    let mut conn = app.state.store.acquire().await.unwrap();
    assert_eq!(madoguchi_store::audit::count_events(&mut conn, "mlit-fwms", "account.locked").await.unwrap(), 1);
}

/// issue 14 #1: パスワード設定／変更 reads as the manual's screen: its button is
/// 「パスワード設定／変更」 and its way back 「ログイン画面」.
#[tokio::test]
async fn mlit_password_setting_has_the_manuals_button_and_way_back() {
    let app = TestApp::demo().await;
    let set = app.get("/mlit-fwms/password/set").await;
    set.assert_contains("<button type=\"submit\">パスワード設定／変更</button>")
        .assert_contains("<a class=\"button secondary\" href=\"/mlit-fwms/login\">ログイン画面</a>")
        .assert_lacks(">設定</button>")
        .assert_lacks(">戻る</a>");
    let english = app.get_with("/mlit-fwms/password/set", &[("accept-language", "en")]).await;
    english.assert_contains(">Set or change password</button>").assert_contains(">Login screen</a>");
}

/// issue 14 #5: 「パスワードを設定します。よろしいですか？」 comes after the login ID, the old
/// password and the new one were checked; nothing changes before 「はい」.
#[tokio::test]
async fn mlit_password_setting_confirms_only_checked_input() {
    let app = TestApp::demo().await;
    let fields = |current: &'static str, new: &'static str| {
        [("kind", "change"), ("login_id", MLIT_ID), ("current", current), ("new", new), ("confirm", new)]
    };
    app.post("/mlit-fwms/password/set", &fields("Wrong-Pass-1", "Mado-Guchi-88"))
        .await
        .assert_contains("ログインIDまたは旧パスワードが正しくありません")
        .assert_lacks("よろしいですか");
    app.post("/mlit-fwms/password/set", &fields(MLIT_PASSWORD, "Xkensetsu1"))
        .await
        .assert_contains("連続した3文字以上")
        .assert_lacks("よろしいですか");
    let confirm = app.post("/mlit-fwms/password/set", &fields(MLIT_PASSWORD, "Mado-Guchi-88")).await;
    confirm
        .assert_contains("<h1>パスワード設定／変更</h1>")
        .assert_contains("パスワードを設定します。よろしいですか？")
        .assert_contains("<dd>既存パスワード変更</dd>")
        .assert_contains(&format!("<dd>{MLIT_ID}</dd>"));
    // Not yet changed: the old password still logs in.
    let b = app.browser();
    assert_eq!(
        b.post("/mlit-fwms/login", &[("login_id", MLIT_ID), ("password", MLIT_PASSWORD)]).await.location(),
        "/mlit-fwms/home"
    );
    app.press_yes(&confirm).await.assert_contains("パスワードを設定しました。");
    assert_eq!(
        app.post("/mlit-fwms/login", &[("login_id", MLIT_ID), ("password", "Mado-Guchi-88")]).await.location(),
        "/mlit-fwms/home"
    );
    // The earlier wrong old password counted once, and the right ones cleared it.
    let mut conn = app.state.store.acquire().await.unwrap();
    let user = madoguchi_store::users::by_login_id(&mut conn, "mlit-fwms", MLIT_ID).await.unwrap().unwrap();
    assert_eq!(user.failed_count, 0);
}

// ---- shaho and jrec-in: the same reset by mailed key, in their own words (issue 14 #17) ----

async fn audit_events(app: &TestApp, portal: &str, event: &str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    madoguchi_store::audit::count_events(&mut conn, portal, event).await.unwrap()
}

/// Asks for a key for `login_id` in a browser of its own; returns that browser and the key mailed to `to`.
async fn key_for(app: &TestApp, portal: &str, login_id: &str, to: &str) -> (TestApp, String) {
    let b = app.browser();
    let page = b.post(&format!("/{portal}/password/forgot"), &[("login_id", login_id)]).await;
    assert_eq!(page.location(), format!("/{portal}/password/reset"), "{}", page.body);
    let mails = app.mails().await;
    let mail = mails
        .iter()
        .find(|m| m.to == to && m.subject.contains("パスワード再設定の認証キーのお知らせ"))
        .expect("the key mail");
    assert!(mail.text.contains("「新しいパスワードの設定」画面"), "{}", mail.text);
    assert!(mail.text.contains("「パスワードを忘れた方はこちら」からやり直してください"), "{}", mail.text);
    (b, key_in(&mail.text))
}

#[tokio::test]
async fn shaho_recovers_a_forgotten_password_by_a_mailed_key() {
    let app = TestApp::demo().await;
    let email = "wasure@example.jp";
    crate::identity::signup::verified(&app, email).await;
    crate::identity::signup::details(
        &app,
        crate::identity::signup::CUSTOMER,
        crate::identity::signup::TEL,
        "忘れ 太郎",
    )
    .await;
    let login = app.post("/shaho/login", &[("login_id", email), ("password", crate::identity::signup::PASSWORD)]).await;
    assert_eq!(login.location(), "/shaho/home", "{}", login.body);
    let session = app.cookie("mdg_s").unwrap();

    // The manual's 「パスワードを忘れた方はこちら」 on the login screen.
    let b = app.browser();
    b.get("/shaho/login").await.assert_contains("href=\"/shaho/password/forgot\">パスワードを忘れた方はこちら</a>");
    b.get("/shaho/password/forgot")
        .await
        .assert_contains("<h1>パスワードの再設定</h1>")
        .assert_contains("登録されているメールアドレスを入力し、「次へ」ボタンを押してください。")
        .assert_contains("type=\"email\"")
        .assert_contains(">次へ</button>");
    // An address without an account: the same answer, and no mail.
    let stranger = b.post("/shaho/password/forgot", &[("login_id", "nobody@example.jp")]).await;
    assert_eq!(stranger.location(), "/shaho/password/reset");
    assert!(!app.mails().await.iter().any(|m| m.to == "nobody@example.jp"));

    let (b, key) = key_for(&app, "shaho", email, email).await;
    b.get("/shaho/password/reset")
        .await
        .assert_contains("<h1>新しいパスワードの設定</h1>")
        .assert_contains("「パスワード再設定の認証キーのお知らせ」メール")
        .assert_contains("「パスワードを再入力してください」")
        .assert_contains("30");
    let fields = |key: &str| {
        [("new", "Fresh-Pass-42".to_string()), ("confirm", "Fresh-Pass-42".to_string()), ("key", key.to_string())]
    };
    let wrong = fields("00000000");
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.post("/shaho/password/reset", &wrong)
        .await
        .assert_contains("「パスワードを忘れた方はこちら」からやり直してください。");
    let right = fields(&key);
    let right: Vec<(&str, &str)> = right.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.post("/shaho/password/reset", &right).await.assert_contains("パスワードを再登録しました。");

    // The old session ended, the old password is gone, the new one works; all audited.
    let old = app.get_with("/shaho/home", &[("cookie", &format!("mdg_s={session}"))]).await;
    assert_eq!(old.location(), "/shaho/login");
    b.post("/shaho/login", &[("login_id", email), ("password", crate::identity::signup::PASSWORD)])
        .await
        .assert_contains("正しくありません");
    assert_eq!(
        b.post("/shaho/login", &[("login_id", email), ("password", "Fresh-Pass-42")]).await.location(),
        "/shaho/home"
    );
    assert_eq!(audit_events(&app, "shaho", "password.reset_requested").await, 2);
    assert_eq!(audit_events(&app, "shaho", "password.reset_key_sent").await, 1);
    assert_eq!(audit_events(&app, "shaho", "password.reset_failed").await, 1);
    assert_eq!(audit_events(&app, "shaho", "password.reset").await, 1);
    assert!(app.mails().await.iter().any(|m| m.to == email && m.subject.contains("パスワード変更")));

    // Three keys per address an hour, whatever is asked.
    for _ in 0..4 {
        app.browser().post("/shaho/password/forgot", &[("login_id", email)]).await;
    }
    let keys = app.mails().await.into_iter().filter(|m| m.to == email && m.subject.contains("認証キー")).count();
    assert_eq!(keys, 3);
}

#[tokio::test]
async fn jrec_in_recovers_a_forgotten_password_by_a_key_mailed_to_the_registered_address() {
    let app = TestApp::demo().await;
    let (id, mail, old) = ("demo-kikan", "demo@jrec-in.example.jp", "DemoUser2026");
    app.get("/jrec-in/login")
        .await
        .assert_contains("href=\"/jrec-in/password/forgot\">パスワードを忘れた方はこちら</a>");
    app.get("/jrec-in/password/forgot")
        .await
        .assert_contains("<label for=\"login_id\">ログインID</label>")
        .assert_contains("登録されているログインIDを入力し")
        .assert_contains("type=\"text\"");
    app.get_with("/jrec-in/login", &[("accept-language", "en")]).await.assert_contains(">Forgot your password?</a>");
    // The login ID is not an address: the key goes to the address registered for it.
    let (b, key) = key_for(&app, "jrec-in", id, mail).await;
    b.get("/jrec-in/password/reset").await.assert_contains("「新しいパスワード（確認用）」");
    let page =
        b.post("/jrec-in/password/reset", &[("new", "NewPass2027"), ("confirm", "NewPass2027"), ("key", &key)]).await;
    page.assert_contains("パスワードを再登録しました。");
    assert_eq!(b.post("/jrec-in/login", &[("login_id", id), ("password", old)]).await.location(), "");
    assert_eq!(
        b.post("/jrec-in/login", &[("login_id", id), ("password", "NewPass2027")]).await.location(),
        "/jrec-in/home"
    );
    // An unknown ID gets the same answer and no mail.
    let before = app.mails().await.len();
    let page = app.browser().post("/jrec-in/password/forgot", &[("login_id", "nobody-01")]).await;
    assert_eq!(page.location(), "/jrec-in/password/reset");
    assert_eq!(app.mails().await.len(), before);
    assert_eq!(audit_events(&app, "jrec-in", "password.reset").await, 1);
}
