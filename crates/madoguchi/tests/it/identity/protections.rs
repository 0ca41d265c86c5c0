//! Security findings in the screens (issue 12): every password check counted under the
//! lockout rule and audited with its subject, mail-sending forms limited per recipient and
//! per address, mlit's 利用者仮申請 that does not tell which login IDs are taken, the one-time
//! password submits after the tenth, and the ログイン中のブラウザ list.

use crate::testkit::TestApp;
use axum::http::StatusCode;

const HW_ID: &str = "demo@hellowork.example.jp";
const HW_PASSWORD: &str = "Demo-User-2026";
const NEW_PASSWORD: &str = "Brand-New-2027";

pub async fn user_id(app: &TestApp, portal: &str, login_id: &str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    madoguchi_store::users::by_login_id(&mut conn, portal, login_id).await.unwrap().unwrap().id
}

/// Audit entries of `event` whose subject is the user.
pub async fn events_of(app: &TestApp, event: &str, user: i64) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE event = $1 AND subject = $2")
        .bind(event)
        .bind(format!("user:{user}"))
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

async fn scalar(app: &TestApp, sql: &'static str, bind: &str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar(sql).bind(bind).fetch_one(&mut *conn).await.unwrap()
}

/// Whether the stored password of the user is still `password`.
async fn password_is(app: &TestApp, portal: &str, login_id: &str, password: &str) -> bool {
    let hash = {
        let mut conn = app.state.store.acquire().await.unwrap();
        madoguchi_store::users::by_login_id(&mut conn, portal, login_id).await.unwrap().unwrap().password_hash
    };
    app.state.hasher.verify(password, Some(&hash)).await
}

#[tokio::test]
async fn the_current_password_on_the_change_screen_is_counted_and_the_lock_ends_the_session() {
    let app = TestApp::demo().await;
    let id = user_id(&app, "hellowork", HW_ID).await;
    app.sign_in_as("hellowork", id).await;
    for _ in 0..5 {
        let page = app
            .post(
                "/hellowork/password",
                &[("current", "Wrong-Pass-1"), ("new", NEW_PASSWORD), ("confirm", NEW_PASSWORD)],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
    }
    assert_eq!(events_of(&app, "reauth.failed", id).await, 5, "each wrong entry is audited with its subject");
    // The fifth locked the account (5 → 30 minutes): the right password now changes nothing,
    // and the session that guessed is over.
    let page = app
        .post("/hellowork/password", &[("current", HW_PASSWORD), ("new", NEW_PASSWORD), ("confirm", NEW_PASSWORD)])
        .await;
    assert!(!page.location().starts_with("/hellowork/home"), "{}", page.body);
    assert!(password_is(&app, "hellowork", HW_ID, HW_PASSWORD).await, "the password did not change");
    assert_ne!(app.get("/hellowork/home").await.status, StatusCode::OK, "the session ended");
    assert_eq!(events_of(&app, "account.locked", id).await, 1);
    // The login counts the same failures: locked for everybody.
    let other = app.browser();
    other
        .post("/hellowork/login", &[("login_id", HW_ID), ("password", HW_PASSWORD)])
        .await
        .assert_contains("IDまたはパスワードが正しくありません");
}

#[tokio::test]
async fn the_withdrawal_password_is_counted() {
    let app = TestApp::demo().await;
    let id = user_id(&app, "hellowork", HW_ID).await;
    app.sign_in_as("hellowork", id).await;
    for _ in 0..5 {
        app.post("/hellowork/withdraw", &[("password", "Wrong-Pass-1")]).await;
    }
    app.post("/hellowork/withdraw", &[("password", HW_PASSWORD)]).await.assert_lacks("退会手続きが完了しました。");
    let withdrawn = scalar(&app, "SELECT COUNT(*) FROM users WHERE login_id = $1 AND withdrawn_at IS NOT NULL", HW_ID);
    assert_eq!(withdrawn.await, 0);
    assert_eq!(events_of(&app, "reauth.failed", id).await, 5);
}

#[tokio::test]
async fn the_return_password_is_counted_and_its_keys_are_limited() {
    let app = TestApp::demo().await;
    let id = user_id(&app, "hellowork", HW_ID).await;
    app.sign_in_as("hellowork", id).await;
    app.post_confirmed("/hellowork/withdraw", &[("password", HW_PASSWORD)])
        .await
        .assert_contains("退会手続きが完了しました。");
    // 5 wrong passwords lock the withdrawn account: the right one is refused without a key.
    let b = app.browser();
    for _ in 0..5 {
        b.post("/hellowork/return", &[("login_id", HW_ID), ("password", "Wrong-Pass-1")]).await;
    }
    let page = b.post("/hellowork/return", &[("login_id", HW_ID), ("password", HW_PASSWORD)]).await;
    assert_ne!(page.location(), "/hellowork/return/key", "{}", page.body);
    assert_eq!(return_keys(&app).await, 0);
    assert_eq!(events_of(&app, "account.return_refused", id).await, 6, "each refusal names the account");

    // After the lock: at most 3 keys an hour to the address, whatever the requests.
    app.clock.advance(31 * 60);
    for n in 0..6 {
        let page = app.browser().post("/hellowork/return", &[("login_id", HW_ID), ("password", HW_PASSWORD)]).await;
        assert_eq!(page.location(), "/hellowork/return/key", "request {n}: the same answer");
    }
    assert_eq!(return_keys(&app).await, 3);
    // And 20 requests an hour from one address.
    let c = app.browser();
    for n in 0..20 {
        let page =
            c.post("/hellowork/return", &[("login_id", &format!("nobody{n}@example.jp")), ("password", "x")]).await;
        page.assert_lacks("短時間に多くの");
    }
    c.post("/hellowork/return", &[("login_id", HW_ID), ("password", HW_PASSWORD)])
        .await
        .assert_contains("短時間に多くの");
}

async fn return_keys(app: &TestApp) -> usize {
    app.mails().await.iter().filter(|m| m.subject.contains("アカウント再登録申込受付通知")).count()
}

#[tokio::test]
async fn shaho_login_code_switch_counts_the_password() {
    let app = TestApp::demo().await;
    crate::identity::signup::verified(&app, "sw@example.jp").await;
    crate::identity::signup::details(&app, crate::identity::signup::CUSTOMER, crate::identity::signup::TEL, "佐藤")
        .await;
    let id = user_id(&app, "shaho", "sw@example.jp").await;
    let b = app.browser();
    b.sign_in_as("shaho", id).await;
    for _ in 0..10 {
        b.post("/shaho/login-code", &[("password", "Wrong-Pass-1"), ("enable", "on")]).await;
    }
    assert_eq!(events_of(&app, "reauth.failed", id).await, 10);
    assert_eq!(events_of(&app, "account.locked", id).await, 1, "shaho locks at 10");
}

// ---- mlit-fwms 利用者仮申請 ----

async fn apply(b: &TestApp, id: &str, email: &str) -> crate::testkit::Page {
    b.post_confirmed(
        "/mlit-fwms/register",
        &[("login_id", id), ("login_id_again", id), ("email", email), ("email_again", email)],
    )
    .await
}

#[tokio::test]
async fn a_taken_login_id_gets_the_same_page_and_its_applicant_a_mail() {
    let app = TestApp::demo().await;
    let fresh = apply(&app.browser(), "newcomer01", "a@kensetsu.example.jp").await;
    let taken = apply(&app.browser(), "kensetsu01", "b@kensetsu.example.jp").await;
    assert_eq!(fresh.status, taken.status);
    let strip = |body: &str| body.replace("newcomer01", "").replace("kensetsu01", "");
    let (fresh, taken) = (strip(&fresh.body), strip(&taken.body));
    // The pages differ only in their tokens (CSRF): compare without the hidden inputs.
    let visible = |body: &str| body.lines().filter(|l| !l.contains("_csrf")).collect::<Vec<_>>().join("\n");
    assert_eq!(visible(&fresh), visible(&taken), "the page never tells");
    let mails = app.mails().await;
    let told = mails.iter().find(|m| m.to == "b@kensetsu.example.jp").expect("the applicant is told by mail");
    assert!(told.text.contains("kensetsu01") && !told.text.contains("仮パスワード："), "{}", told.text);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM provisional_registrations WHERE login_id = $1", "kensetsu01").await,
        0
    );
}

#[tokio::test]
async fn provisional_applications_are_limited_per_recipient_and_per_address() {
    let app = TestApp::demo().await;
    for n in 0..7 {
        let page = apply(&app.browser(), &format!("flooded{n:02}"), "victim@example.jp").await;
        page.assert_lacks("短時間に多くの");
    }
    let sent = app.mails().await.iter().filter(|m| m.to == "victim@example.jp").count();
    assert_eq!(sent, 5, "five mails an hour to one address");
    let b = app.browser();
    for n in 0..20 {
        apply(&b, &format!("fromone{n:02}"), &format!("r{n}@example.jp")).await.assert_lacks("短時間に多くの");
    }
    apply(&b, "fromone99", "r99@example.jp").await.assert_contains("短時間に多くの");
}

// ---- audit gaps ----

#[tokio::test]
async fn refusals_of_a_locked_account_name_it() {
    let app = TestApp::demo().await;
    let id = user_id(&app, "hellowork", HW_ID).await;
    for _ in 0..8 {
        app.post("/hellowork/login", &[("login_id", HW_ID), ("password", "Wrong-Pass-1")]).await;
    }
    assert_eq!(events_of(&app, "login.failed", id).await, 8, "the three refused while locked too");
}

#[tokio::test]
async fn one_time_password_submits_after_the_tenth_are_audited() {
    let app = TestApp::demo().await;
    let id = user_id(&app, "hellowork", HW_ID).await;
    app.post("/hellowork/login", &[("login_id", HW_ID), ("password", HW_PASSWORD)]).await;
    // A script that keeps the cookie the server asked it to drop.
    let script = app.twin();
    for _ in 0..10 {
        app.post("/hellowork/login/otp", &[("otp", "000000")]).await;
    }
    for _ in 0..3 {
        // Each a fresh copy of the kept cookies: the script ignores the server's removal.
        script.twin().post("/hellowork/login/otp", &[("otp", "000000")]).await;
    }
    assert_eq!(events_of(&app, "login.code_failed", id).await, 13);
}

// ---- ログイン中のブラウザ ----

#[tokio::test]
async fn a_user_sees_the_other_browsers_and_logs_one_out() {
    let app = TestApp::demo().await;
    let id = user_id(&app, "hellowork", HW_ID).await;
    let office = app.browser();
    office.sign_in_as("hellowork", id).await;
    let home = app.browser();
    home.sign_in_as("hellowork", id).await;
    let page = home.get_with("/hellowork/home", &[("user-agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36")]).await;
    page.assert_contains("ログイン中のブラウザ").assert_contains("このブラウザ");
    let forms: Vec<&str> = page.body.split("name=\"session\" value=\"").skip(1).collect();
    assert_eq!(forms.len(), 1, "one other browser, with its ログアウトさせる:\n{}", page.body);
    let handle = forms[0].split('"').next().unwrap().to_string();
    page.assert_contains("ログアウトさせる");
    // Another user's request cannot name it.
    let stranger = app.browser();
    let jrec = user_id(&app, "jrec-in", "demo-kikan").await;
    stranger.sign_in_as("jrec-in", jrec).await;
    stranger.post("/jrec-in/sessions/end", &[("session", &handle)]).await;
    assert_eq!(office.get("/hellowork/home").await.status, StatusCode::OK, "still signed in");
    let done = home.post("/hellowork/sessions/end", &[("session", &handle)]).await;
    assert!(done.location().starts_with("/hellowork/home"), "{}", done.body);
    assert_ne!(office.get("/hellowork/home").await.status, StatusCode::OK, "the other browser is out");
    assert_eq!(home.get("/hellowork/home").await.status, StatusCode::OK, "this one is not");
    assert_eq!(events_of(&app, "session.ended", id).await, 1);
}
