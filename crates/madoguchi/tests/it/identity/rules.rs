//! Identity rules that were built but not yet walked over HTTP (password history, the
//! absolute session timeout, sessions a password change ends, logout, the login-code send
//! cap, re-hashing, shaho's lockout and login code, the trusted browser's 90 days), and the
//! lockout SQL checked against the core's state machine step by step.

use crate::testkit::TestApp;
use axum::http::StatusCode;
use madoguchi_core::Clock;
use madoguchi_core::rules::{DAY, HOUR, LockRule, LockState, MINUTE};
use madoguchi_identity::accounts::{self, NewAccount};
use madoguchi_store::users;
use madoguchi_web::auth::Hasher;

const HW_ID: &str = "demo@hellowork.example.jp";
const HW_PASSWORD: &str = "Demo-User-2026";
const MLIT_ID: &str = "kensetsu01";
const SHAHO_ID: &str = "jimusho@example.jp";
const SHAHO_PASSWORD: &str = "Shaho-Pass-01";

async fn audit(app: &TestApp, portal: &str, event: &str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    madoguchi_store::audit::count_events(&mut conn, portal, event).await.unwrap()
}

/// The digits of the newest mail to `to` whose subject has `subject`, on the line starting `prefix`.
async fn code_from(app: &TestApp, to: &str, subject: &str, prefix: &str) -> String {
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.to == to && m.subject.contains(subject)).expect("the mail");
    let line = mail.text.lines().find(|l| l.starts_with(prefix)).expect("the code line");
    line.chars().filter(char::is_ascii_digit).collect()
}

async fn hellowork_otp(app: &TestApp) -> String {
    code_from(app, HW_ID, "ワンタイムパスワード通知", "ワンタイムパスワード：").await
}

#[tokio::test]
async fn mlit_refuses_the_last_three_passwords_and_takes_the_fourth_last() {
    let app = TestApp::demo().await;
    let login = app.post("/mlit-fwms/login", &[("login_id", MLIT_ID), ("password", HW_PASSWORD)]).await;
    assert_eq!(login.location(), "/mlit-fwms/home");
    let change = async |current: &str, new: &str| {
        app.post("/mlit-fwms/password", &[("current", current), ("new", new), ("confirm", new)]).await
    };
    let refused = "過去3回以内に使用したパスワードは使用できません。";
    assert_eq!(change(HW_PASSWORD, "Mado-Guchi-81").await.location(), "/mlit-fwms/home?done=password");
    assert_eq!(change("Mado-Guchi-81", "Mado-Guchi-82").await.location(), "/mlit-fwms/home?done=password");
    // The last three: Demo-User-2026, Mado-Guchi-81, Mado-Guchi-82 (the current one).
    for old in [HW_PASSWORD, "Mado-Guchi-81", "Mado-Guchi-82"] {
        change("Mado-Guchi-82", old).await.assert_contains(refused);
    }
    assert_eq!(change("Mado-Guchi-82", "Mado-Guchi-83").await.location(), "/mlit-fwms/home?done=password");
    // Demo-User-2026 is now the fourth-last: accepted; Mado-Guchi-81 (third-last) is not.
    change("Mado-Guchi-83", "Mado-Guchi-81").await.assert_contains(refused);
    assert_eq!(change("Mado-Guchi-83", HW_PASSWORD).await.location(), "/mlit-fwms/home?done=password");
    app.post("/mlit-fwms/logout", &[]).await;
    let login = app.post("/mlit-fwms/login", &[("login_id", MLIT_ID), ("password", HW_PASSWORD)]).await;
    assert_eq!(login.location(), "/mlit-fwms/home");
}

/// Busy all along (a request every 50 minutes, under the 60-minute idle timeout), the session
/// still ends 12 hours after login.
#[tokio::test]
async fn a_busy_session_ends_at_the_twelve_hour_absolute_timeout() {
    let app = TestApp::demo().await;
    app.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    for _ in 0..14 {
        app.clock.advance(50 * MINUTE);
        assert_eq!(app.get("/jrec-in/home").await.status, StatusCode::OK);
    }
    app.clock.advance(12 * HOUR - 14 * 50 * MINUTE - 1);
    assert_eq!(app.get("/jrec-in/home").await.status, StatusCode::OK, "11:59:59 after login");
    app.clock.advance(1);
    assert_eq!(app.get("/jrec-in/home").await.location(), "/jrec-in/login", "12:00:00 after login");
    let mut conn = app.state.store.acquire().await.unwrap();
    let ended: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE event = 'session.ended' AND detail = 'absolute_timeout'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(ended, 1);
}

#[tokio::test]
async fn a_password_change_ends_the_users_other_sessions_and_keeps_this_one() {
    let app = TestApp::demo().await;
    let other = app.browser();
    let bystander = app.browser();
    for browser in [&app, &other] {
        let page = browser.post("/mlit-fwms/login", &[("login_id", MLIT_ID), ("password", HW_PASSWORD)]).await;
        assert_eq!(page.location(), "/mlit-fwms/home");
    }
    bystander.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    let done = app
        .post(
            "/mlit-fwms/password",
            &[("current", HW_PASSWORD), ("new", "Mado-Guchi-81"), ("confirm", "Mado-Guchi-81")],
        )
        .await;
    assert_eq!(done.location(), "/mlit-fwms/home?done=password");
    assert_eq!(app.get("/mlit-fwms/home").await.status, StatusCode::OK, "the browser that changed it stays");
    assert_eq!(other.get("/mlit-fwms/home").await.location(), "/mlit-fwms/login", "the other browser is out");
    assert_eq!(bystander.get("/jrec-in/home").await.status, StatusCode::OK, "other users keep theirs");
}

#[tokio::test]
async fn a_session_cookie_replayed_after_logout_is_refused() {
    let app = TestApp::demo().await;
    app.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    let token = app.cookie("mdg_s").unwrap();
    app.post("/jrec-in/logout", &[]).await.assert_contains("ログアウトしました");
    assert_eq!(app.cookie("mdg_s"), None, "the browser forgot it");
    let replay = app.browser();
    let page = replay.get_with("/jrec-in/home", &[("cookie", &format!("mdg_s={token}"))]).await;
    assert_eq!(page.location(), "/jrec-in/login", "the server forgot it too");
}

/// At most 10 login one-time passwords per user per hour: the 11th password step is refused
/// without a mail; an hour after the first, one goes out again.
#[tokio::test]
async fn at_most_ten_one_time_passwords_an_hour() {
    let app = TestApp::demo().await;
    let step = || app.post("/hellowork/login", &[("login_id", HW_ID), ("password", HW_PASSWORD)]);
    for i in 0..10 {
        assert_eq!(step().await.location(), "/hellowork/login/otp", "code {}", i + 1);
        app.clock.advance(MINUTE);
    }
    assert_eq!(otp_mails(&app).await, 10);
    step().await.assert_contains("ワンタイムパスワードを送信できません");
    assert_eq!(otp_mails(&app).await, 10, "no 11th mail");
    assert_eq!(audit(&app, "hellowork", "login.code_refused").await, 1);
    // The first went out at 10:00, the 11th was refused at 10:10; at 11:00:01 the first is
    // more than an hour old.
    app.clock.advance(50 * MINUTE + 1);
    assert_eq!(step().await.location(), "/hellowork/login/otp");
    assert_eq!(otp_mails(&app).await, 11);
}

async fn otp_mails(app: &TestApp) -> usize {
    app.mails().await.iter().filter(|m| m.subject.contains("ワンタイムパスワード通知")).count()
}

/// A hash stored under other argon2 parameters is replaced at the next right password, with
/// the same password: no history entry, no new password age.
#[tokio::test]
async fn a_login_rehashes_a_password_stored_under_other_parameters() {
    let app = TestApp::demo().await;
    let mut conn = app.state.store.acquire().await.unwrap();
    let user = users::by_login_id(&mut conn, "jrec-in", "demo-kikan").await.unwrap().unwrap();
    let old = Hasher::new(512, 2, 1).hash("DemoUser2026").await.unwrap();
    assert!(old.contains("m=512,t=2,p=1"));
    users::rehash(&mut conn, user.id, &old).await.unwrap();
    let history = users::recent_passwords(&mut conn, user.id, 100).await.unwrap().len();
    drop(conn);
    app.clock.advance(DAY);
    let page = app.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    assert_eq!(page.location(), "/jrec-in/home", "the old hash still verifies");
    let mut conn = app.state.store.acquire().await.unwrap();
    let after = users::by_id(&mut conn, user.id).await.unwrap().unwrap();
    assert!(after.password_hash.contains("m=256,t=1,p=1"), "{}", after.password_hash);
    assert!(!app.state.hasher.needs_rehash(&after.password_hash));
    assert_eq!(after.password_changed_at, user.password_changed_at);
    assert_eq!(users::recent_passwords(&mut conn, user.id, 100).await.unwrap().len(), history);
    drop(conn);
    // A wrong password re-hashes nothing.
    users::rehash(&mut app.state.store.acquire().await.unwrap(), user.id, &old).await.unwrap();
    app.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "WrongPass99")]).await;
    let mut conn = app.state.store.acquire().await.unwrap();
    assert_eq!(users::by_id(&mut conn, user.id).await.unwrap().unwrap().password_hash, old);
}

async fn shaho_account(app: &TestApp) {
    let portal = app.state.config.portal("shaho").unwrap().clone();
    let account = NewAccount {
        organization: "窓口社労士事務所",
        office: "",
        login_id: "",
        email: SHAHO_ID,
        name: "社労 花子",
        password: Some(SHAHO_PASSWORD),
        permanent: true,
        actor: "test",
    };
    accounts::create(&app.state.store, &app.state.hasher, &portal, "x.jp", &account, app.clock.unix()).await.unwrap();
}

/// shaho: 10 failures ⇒ 30 minutes (chosen; 9 are not enough).
#[tokio::test]
async fn shaho_locks_at_ten_failures_for_thirty_minutes() {
    let app = TestApp::demo().await;
    shaho_account(&app).await;
    let attempt =
        async |password: &str| app.post("/shaho/login", &[("login_id", SHAHO_ID), ("password", password)]).await;
    for _ in 0..9 {
        attempt("Wrong-Pass-1").await.assert_contains("IDまたはパスワードが正しくありません");
    }
    assert_eq!(attempt(SHAHO_PASSWORD).await.location(), "/shaho/home", "9 failures do not lock");
    app.post("/shaho/logout", &[]).await;
    for _ in 0..10 {
        attempt("Wrong-Pass-1").await;
    }
    assert_eq!(audit(&app, "shaho", "account.locked").await, 1);
    attempt(SHAHO_PASSWORD).await.assert_contains("IDまたはパスワードが正しくありません");
    app.clock.advance(30 * MINUTE - 1);
    attempt(SHAHO_PASSWORD).await.assert_contains("IDまたはパスワードが正しくありません");
    app.clock.advance(2);
    assert_eq!(attempt(SHAHO_PASSWORD).await.location(), "/shaho/home", "open again after 30 minutes");
}

/// shaho's login code (turned on by the user) takes 5 entries; the 5th wrong one cancels it.
#[tokio::test]
async fn shaho_login_code_takes_five_entries() {
    let app = TestApp::demo().await;
    shaho_account(&app).await;
    let login = || app.post("/shaho/login", &[("login_id", SHAHO_ID), ("password", SHAHO_PASSWORD)]);
    assert_eq!(login().await.location(), "/shaho/home");
    app.post("/shaho/login-code", &[("password", SHAHO_PASSWORD), ("enable", "on")])
        .await
        .assert_contains("有効</strong>");
    app.post("/shaho/logout", &[]).await;

    // Four wrong, the fifth right: in.
    assert_eq!(login().await.location(), "/shaho/login/otp");
    let code = code_from(&app, SHAHO_ID, "ログイン確認コード", "確認コード：").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..4 {
        // In the screen's words: a 確認コード, not hellowork's ワンタイムパスワード.
        app.post("/shaho/login/otp", &[("otp", wrong)])
            .await
            .assert_contains("確認コードが正しくありません。")
            .assert_lacks("ワンタイムパスワード");
    }
    assert_eq!(app.post("/shaho/login/otp", &[("otp", &code)]).await.location(), "/shaho/home");
    app.post("/shaho/logout", &[]).await;

    // Five wrong: the code is gone, the right one no longer works.
    app.clock.advance(MINUTE);
    assert_eq!(login().await.location(), "/shaho/login/otp");
    let code = code_from(&app, SHAHO_ID, "ログイン確認コード", "確認コード：").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..4 {
        app.post("/shaho/login/otp", &[("otp", wrong)]).await.assert_contains("確認コードが正しくありません。");
    }
    app.post("/shaho/login/otp", &[("otp", wrong)])
        .await
        .assert_contains("確認コードの入力誤りが規定の回数に達したため")
        .assert_lacks("ワンタイムパスワード");
    app.post("/shaho/login/otp", &[("otp", &code)])
        .await
        .assert_contains("確認コードの有効期間が過ぎたか、無効になりました");
    assert_eq!(app.get("/shaho/home").await.location(), "/shaho/login");
}

/// hellowork: a browser trusted at the one-time password skips it for 90 days: on day 89
/// still, on day 91 no more.
#[tokio::test]
async fn a_trusted_browser_skips_the_one_time_password_for_ninety_days() {
    let app = TestApp::demo().await;
    let step = || app.post("/hellowork/login", &[("login_id", HW_ID), ("password", HW_PASSWORD)]);
    assert_eq!(step().await.location(), "/hellowork/login/otp");
    let code = hellowork_otp(&app).await;
    assert_eq!(
        app.post("/hellowork/login/otp", &[("otp", &code), ("skip", "1")]).await.location(),
        "/hellowork/login/skip"
    );
    assert_eq!(app.post("/hellowork/login/skip", &[("choice", "ok")]).await.location(), "/hellowork/home");
    app.post("/hellowork/logout", &[]).await;
    assert_eq!(step().await.location(), "/hellowork/home", "skipped at once");
    app.post("/hellowork/logout", &[]).await;
    app.clock.advance(89 * DAY);
    assert_eq!(step().await.location(), "/hellowork/home", "day 89: skipped");
    app.post("/hellowork/logout", &[]).await;
    app.clock.advance(2 * DAY);
    assert_eq!(step().await.location(), "/hellowork/login/otp", "day 91: asked again");
}

/// The lockout's atomic statements and `LockRule` walk the same pseudo-random sequence of
/// wrong passwords, right passwords, waits and unlocks; their counters agree after each step.
#[tokio::test]
async fn the_lockout_sql_agrees_with_the_core_state_machine() {
    let app = TestApp::demo().await;
    let mut conn = app.state.store.acquire().await.unwrap();
    let id = users::by_login_id(&mut conn, "jrec-in", "demo-kikan").await.unwrap().unwrap().id;
    let config = &app.state.config;
    let rules = [
        LockRule::of(&config.portal("rokin").unwrap().settings.lockout),
        LockRule::of(&config.portal("shaho").unwrap().settings.lockout),
        LockRule::of(&config.portal("hellowork").unwrap().settings.lockout),
        LockRule { threshold: 2, lock_seconds: 90, block_after: Some(2) },
        LockRule { threshold: 1, lock_seconds: 1, block_after: None },
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let (mut locks, mut blocks) = (0, 0);
    for rule in rules {
        assert!(users::unlock(&mut conn, "jrec-in", id).await.unwrap());
        let mut core = LockState::default();
        let mut now = app.clock.unix();
        for step in 0..300 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let roll = (seed >> 33) % 20;
            let context = format!("{rule:?}, step {step}, roll {roll}");
            if roll <= 14 {
                // A password attempt: reserved first, then wrong (or, on 14, right).
                let expected = rule.reserve(&core, now);
                let reserved = users::reserve_attempt(&mut conn, id, &rule, now).await.unwrap();
                assert_eq!(reserved, expected.map(|s| s.failed_count), "{context}");
                if let Some(s) = expected {
                    if roll == 14 {
                        users::attempt_succeeded(&mut conn, id).await.unwrap();
                        core = LockRule::succeed(&s);
                    } else {
                        let (next, outcome) = rule.fail(&s, s.failed_count, now);
                        let stored = users::attempt_failed(&mut conn, id, s.failed_count, &rule, now).await.unwrap();
                        assert_eq!(stored, outcome, "{context}");
                        locks += i32::from(outcome != madoguchi_core::rules::LockOutcome::StillOpen);
                        core = next;
                    }
                }
            } else if roll == 19 && core.blocked {
                assert!(users::unlock(&mut conn, "jrec-in", id).await.unwrap());
                core = LockState::default();
                blocks += 1;
            } else {
                // Time passes: up to twice the lock, so that locks both hold and run out.
                now += ((seed >> 40) as i64) % (2 * rule.lock_seconds + 1);
            }
            let stored = users::by_id(&mut conn, id).await.unwrap().unwrap().lock_state();
            assert_eq!(stored, core, "{context}");
        }
    }
    assert!(locks > 10 && blocks > 2, "the walk reached locks ({locks}) and blocks ({blocks})");
}
