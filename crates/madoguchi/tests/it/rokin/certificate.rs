//! rokin end to end over HTTP: the contract's 初期パスワード and its lockout, マスターユーザーの
//! 初期登録, 電子証明書発行 (認証コード, 発行, the .p12 opened by `openssl`), the renewal window,
//! the certificate login and its refusals (none, foreign, expired, revoked), the CRL and the
//! certificate mails. The browser's certificate is handed to the app as the TLS layer would.

use crate::testkit::TestApp;
use axum::http::StatusCode;
use madoguchi::demo::{DEMO_CONTRACT_NUMBER, DEMO_INITIAL_PASSWORD};
use madoguchi_core::Clock;
use madoguchi_core::rules::DAY;
use std::process::Command;

pub const MASTER_ID: &str = "Roukin01";
pub const MASTER_PASSWORD: &str = "Mst#2026a";
pub const MASTER_EMAIL: &str = "master@rokin.example.jp";

async fn audit(app: &TestApp, event: &str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    madoguchi_store::audit::count_events(&mut conn, "rokin", event).await.unwrap()
}

/// The 認証コード in the newest mail to `to`.
pub async fn certificate_code(app: &TestApp, to: &str) -> String {
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.to == to && m.subject.contains("認証コード")).expect("the code mail");
    let line = mail.text.lines().find(|l| l.starts_with("認証コード：")).expect("the code line");
    line.chars().filter(char::is_ascii_digit).collect()
}

/// 初期登録ログイン and マスターユーザー初期登録 with the demo contract.
pub async fn register_master(b: &TestApp) {
    initial_login(b).await;
    master_details(b).await;
}

/// 初期登録ログイン with the demo contract: it opens マスターユーザー初期登録.
pub async fn initial_login(b: &TestApp) {
    let page = b.post("/rokin/master", &[("number", DEMO_CONTRACT_NUMBER), ("password", DEMO_INITIAL_PASSWORD)]).await;
    assert_eq!(page.location(), "/rokin/master/register", "{}", page.body);
}

/// マスターユーザー初期登録 (after `initial_login`): it leads to 登録結果.
pub async fn master_details(b: &TestApp) {
    let page = b
        .post(
            "/rokin/master/register",
            &[
                ("login_id", MASTER_ID),
                ("password", MASTER_PASSWORD),
                ("password_again", MASTER_PASSWORD),
                ("name", "労金　太郎"),
                ("email", MASTER_EMAIL),
                ("email_again", MASTER_EMAIL),
            ],
        )
        .await;
    assert_eq!(page.location(), "/rokin/master/done", "{}", page.body);
}

/// 電子証明書発行 from ユーザー認証 to the download: the .p12's bytes and file name.
pub async fn issue(b: &TestApp, login_id: &str, password: &str, email: &str) -> (Vec<u8>, String) {
    let page = b.post("/rokin/certificate", &[("login_id", login_id), ("password", password)]).await;
    assert_eq!(page.location(), "/rokin/certificate/code", "{}", page.body);
    let code = certificate_code(b, email).await;
    let page = b.post("/rokin/certificate/code", &[("code", &code)]).await;
    assert_eq!(page.location(), "/rokin/certificate/issue", "{}", page.body);
    let page = b.post("/rokin/certificate/issue", &[("password", password)]).await;
    assert_eq!(page.location(), "/rokin/certificate/result", "{}", page.body);
    b.get("/rokin/certificate/result").await.assert_contains("電子証明書発行結果");
    let download = b.get("/rokin/certificate/download").await;
    assert_eq!(download.status, StatusCode::OK);
    let disposition = download.headers["content-disposition"].to_str().unwrap().to_string();
    let name = disposition.split('"').nth(1).unwrap().to_string();
    (download.bytes, name)
}

/// The client certificate in a .p12, as DER, read by `openssl pkcs12` with the password.
pub fn certificate_der(p12: &[u8], password: &str) -> Vec<u8> {
    let dir = std::env::temp_dir().join("madoguchi-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{}.p12", uuid::Uuid::new_v4().simple()));
    std::fs::write(&file, p12).unwrap();
    let pem = Command::new("openssl")
        .args(["pkcs12", "-in"])
        .arg(&file)
        .args(["-clcerts", "-nokeys", "-passin"])
        .arg(format!("pass:{password}"))
        .output()
        .expect("openssl");
    assert!(pem.status.success(), "openssl pkcs12: {}", String::from_utf8_lossy(&pem.stderr));
    let mut x509 = Command::new("openssl")
        .args(["x509", "-outform", "DER"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    x509.stdin.take().unwrap().write_all(&pem.stdout).unwrap();
    let der = x509.wait_with_output().unwrap();
    assert!(der.status.success());
    std::fs::remove_file(file).ok();
    der.stdout
}

#[tokio::test]
async fn the_login_screen_has_its_four_buttons() {
    let app = TestApp::demo().await;
    let top = app.get("/rokin/").await;
    // issue 14 #2: the manual's button is ［ログイン］ (mlit-fwms's portal says ログイン画面へ).
    top.assert_contains("href=\"/rokin/login\">ログイン</a>").assert_lacks("ログイン画面へ");
    app.get("/mlit-fwms/").await.assert_contains("href=\"/mlit-fwms/login\">ログイン画面へ</a>");
    app.get_with("/rokin/", &[("accept-language", "en")]).await.assert_contains("href=\"/rokin/login\">Log in</a>");
    for (href, label) in [
        ("/rokin/master", "マスターユーザーの初期登録"),
        ("/rokin/certificate", "一般ユーザーの初期登録"),
        ("/rokin/certificate", "電子証明書発行"),
    ] {
        top.assert_contains(&format!("href=\"{href}\">{label}</a>"));
    }
    top.assert_contains("0120-609-575");
}

#[tokio::test]
async fn the_master_registers_issues_a_certificate_and_logs_in_with_it() {
    let app = TestApp::demo().await;
    // 初期登録ログイン: the number typed full-width folds; a wrong field stays with its message.
    let page = app.post("/rokin/master", &[("number", "1234567"), ("password", "")]).await;
    page.assert_contains("契約番号は半角数字8桁で入力してください。")
        .assert_contains("初期パスワードを入力してください。");
    let page = app.post("/rokin/master", &[("number", "１２３４５６７８"), ("password", DEMO_INITIAL_PASSWORD)]).await;
    assert_eq!(page.location(), "/rokin/master/register");
    // Every field is checked next to itself; what was typed stays (passwords excepted).
    let page = app
        .post(
            "/rokin/master/register",
            &[
                ("login_id", "abcdef"),
                ("password", "short"),
                ("password_again", "short"),
                ("name", "Rokin Taro"),
                ("email", MASTER_EMAIL),
                ("email_again", "other@rokin.example.jp"),
            ],
        )
        .await;
    page.assert_contains("ユーザー名は全角文字で入力してください")
        .assert_contains("メールアドレスとメールアドレス再入力が一致しません。")
        .assert_contains("value=\"abcdef\"")
        .assert_contains("value=\"Rokin Taro\"")
        .assert_lacks("value=\"short\"");
    register_master(&app).await;
    app.get("/rokin/master/done").await.assert_contains(MASTER_ID).assert_contains("/rokin/certificate");
    assert!(app.mails().await.iter().any(|m| m.to == MASTER_EMAIL && m.subject.contains("マスターユーザー登録")));
    // One master per contract: the initial password has done its work.
    let again = app.browser();
    let page =
        again.post("/rokin/master", &[("number", DEMO_CONTRACT_NUMBER), ("password", DEMO_INITIAL_PASSWORD)]).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("契約番号または初期パスワードが正しくない");

    // Before any certificate, the login screen explains and leads to 電子証明書発行.
    let page = app.get("/rokin/login").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    page.assert_contains("電子証明書が提示されませんでした").assert_contains("href=\"/rokin/certificate\"");

    // 電子証明書発行: a wrong code, then the right one; the .p12 opens with the login password.
    let page = app.post("/rokin/certificate", &[("login_id", MASTER_ID), ("password", MASTER_PASSWORD)]).await;
    assert_eq!(page.location(), "/rokin/certificate/code");
    let code = certificate_code(&app, MASTER_EMAIL).await;
    assert_eq!(code.len(), 6);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    app.post("/rokin/certificate/code", &[("code", wrong)]).await.assert_contains("認証コードが正しくありません。");
    app.post("/rokin/certificate/code", &[("code", "12ab")]).await.assert_contains("半角数字6桁");
    let page = app.post("/rokin/certificate/code", &[("code", &code)]).await;
    assert_eq!(page.location(), "/rokin/certificate/issue");
    app.post("/rokin/certificate/issue", &[("password", "Wrong#2026")])
        .await
        .assert_contains("パスワードが正しくありません。");
    let page = app.post("/rokin/certificate/issue", &[("password", MASTER_PASSWORD)]).await;
    assert_eq!(page.location(), "/rokin/certificate/result");
    let result = app.get("/rokin/certificate/result").await;
    result.assert_contains("ROKIN Koujyo Web System").assert_contains("20261124100000.p12");
    let download = app.get("/rokin/certificate/download").await;
    assert_eq!(download.headers["content-type"], "application/x-pkcs12");
    assert_eq!(download.headers["content-disposition"], "attachment; filename=\"Roukin0120261124100000.p12\"");
    let der = certificate_der(&download.bytes, MASTER_PASSWORD);
    assert!(app.mails().await.iter().any(|m| m.to == MASTER_EMAIL && m.subject.contains("電子証明書発行のお知らせ")));

    // One certificate per user: ユーザー認証 is refused while it is in force.
    let other = app.browser();
    let page = other.post("/rokin/certificate", &[("login_id", MASTER_ID), ("password", MASTER_PASSWORD)]).await;
    page.assert_contains("既に有効な電子証明書が発行されているため");

    // The certificate picks the user; only the password is typed.
    app.present_certificate(Some(der.clone()));
    // The ログイン screen has the manual's キャンセル, back to the login screen's four buttons.
    app.get("/rokin/login")
        .await
        .assert_contains(MASTER_ID)
        .assert_contains("name=\"password\"")
        .assert_contains("<a class=\"button secondary\" href=\"/rokin/\">キャンセル</a>");
    app.post("/rokin/login", &[("password", "Wrong#2026")]).await.assert_contains("パスワードが正しくありません。");
    let page = app.post("/rokin/login", &[("password", MASTER_PASSWORD)]).await;
    assert_eq!(page.location(), "/rokin/home", "{}", page.body);
    assert_eq!(app.get("/rokin/home").await.status, StatusCode::OK);
    assert_eq!(audit(&app, "login.succeeded").await, 1);
    // ログアウト returns to the login screen with its four buttons.
    assert_eq!(app.post("/rokin/logout", &[]).await.location(), "/rokin/");
    assert_ne!(app.get("/rokin/home").await.status, StatusCode::OK);

    // A certificate of another portal's CA (a fresh one) is foreign.
    let foreign_dir = std::env::temp_dir().join("madoguchi-tests").join(format!("ca-{}", uuid::Uuid::new_v4()));
    let foreign = madoguchi_ca::Authority::open_or_create(&foreign_dir, "rokin", "Other CA", None, app.clock.now())
        .unwrap()
        .issue_client(
            MASTER_ID,
            &madoguchi_ca::ClientProfile::with_suffix("ROKIN Koujyo Web System", 366),
            &madoguchi_ca::Serial::random().unwrap(),
            app.clock.now(),
            "x",
        )
        .unwrap();
    let stranger = app.browser();
    stranger.present_certificate(Some(foreign.certificate_der));
    stranger.get("/rokin/login").await.assert_contains("このシステムが発行したものではありません");
    let page = stranger.post("/rokin/login", &[("password", MASTER_PASSWORD)]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.location().is_empty());
}

#[tokio::test]
async fn renewal_opens_on_day_336_and_an_expired_certificate_logs_nobody_in() {
    let app = TestApp::demo().await;
    register_master(&app).await;
    let (p12, name) = issue(&app, MASTER_ID, MASTER_PASSWORD, MASTER_EMAIL).await;
    assert_eq!(name, "Roukin0120261124100000.p12");
    let der = certificate_der(&p12, MASTER_PASSWORD);
    let issued = app.clock.now();
    let day = |n: i64| issued + chrono::TimeDelta::seconds((n - 1) * DAY);

    // Day 335, the last second before the window: refused, and no renewal mail yet.
    app.clock.set(day(336) - chrono::TimeDelta::seconds(1));
    assert_eq!(madoguchi::jobs::certificate_mails(&app.state).await.unwrap(), 0);
    let b = app.browser();
    b.post("/rokin/certificate", &[("login_id", MASTER_ID), ("password", MASTER_PASSWORD)])
        .await
        .assert_contains("既に有効な電子証明書");
    // Day 336: the renewal mail goes once, and ユーザー認証 is open.
    app.clock.set(day(336));
    assert_eq!(madoguchi::jobs::certificate_mails(&app.state).await.unwrap(), 1);
    assert_eq!(madoguchi::jobs::certificate_mails(&app.state).await.unwrap(), 0);
    assert!(app.mails().await.iter().any(|m| m.subject.contains("有効期限が近づいています")));

    // 366 days counting the issue day: valid through the same clock time a year on (the
    // subject's expiry, inclusive); one second later the certificate is expired.
    let not_after = day(366);
    app.clock.set(not_after);
    app.present_certificate(Some(der.clone()));
    app.get("/rokin/login").await.assert_contains(MASTER_ID);
    app.clock.set(not_after + chrono::TimeDelta::seconds(1));
    app.get("/rokin/login").await.assert_contains("有効期限が切れています");
    assert_eq!(madoguchi::jobs::certificate_mails(&app.state).await.unwrap(), 1, "the expiry mail");
    assert_eq!(madoguchi::jobs::certificate_mails(&app.state).await.unwrap(), 0);
    assert!(app.mails().await.iter().any(|m| m.subject.contains("有効期限が切れました")));

    // An expired certificate is reissued the same way; the new one logs in.
    let b = app.browser();
    let (p12, _) = issue(&b, MASTER_ID, MASTER_PASSWORD, MASTER_EMAIL).await;
    b.present_certificate(Some(certificate_der(&p12, MASTER_PASSWORD)));
    b.get("/rokin/login").await.assert_contains(MASTER_ID);
}

#[tokio::test]
async fn a_renewed_certificate_revokes_the_old_one_and_the_crl_lists_it() {
    let app = TestApp::demo().await;
    register_master(&app).await;
    let (old, _) = issue(&app, MASTER_ID, MASTER_PASSWORD, MASTER_EMAIL).await;
    let old = certificate_der(&old, MASTER_PASSWORD);
    // Day 343, a Monday inside the renewal window (the portal is closed at weekends).
    app.clock.advance(342 * DAY);
    let (new, _) = issue(&app.browser(), MASTER_ID, MASTER_PASSWORD, MASTER_EMAIL).await;
    let new = certificate_der(&new, MASTER_PASSWORD);
    let b = app.browser();
    b.present_certificate(Some(old));
    b.get("/rokin/login").await.assert_contains("失効しています");
    b.present_certificate(Some(new));
    b.get("/rokin/login").await.assert_contains(MASTER_ID);

    // The CRL is signed by the portal's CA and names the old serial.
    let crl = app.get("/rokin/crl").await;
    assert_eq!(crl.headers["content-type"], "application/pkix-crl");
    let dir = std::env::temp_dir().join("madoguchi-tests");
    let file = dir.join(format!("{}.crl", uuid::Uuid::new_v4().simple()));
    std::fs::write(&file, &crl.bytes).unwrap();
    let text =
        Command::new("openssl").args(["crl", "-inform", "DER", "-noout", "-text", "-in"]).arg(&file).output().unwrap();
    assert!(text.status.success());
    let mut conn = app.state.store.acquire().await.unwrap();
    let revoked = madoguchi_store::certificates::revoked(&mut conn, "rokin", app.clock.unix()).await.unwrap();
    assert_eq!(revoked.len(), 1);
    let listed = String::from_utf8_lossy(&text.stdout).to_uppercase().replace(':', "");
    assert!(listed.contains(&revoked[0].0.trim_start_matches('0').to_uppercase()), "{listed}");
}

#[tokio::test]
async fn six_wrong_initial_passwords_lock_the_contract_for_an_hour() {
    let app = TestApp::demo().await;
    for _ in 0..6 {
        app.post("/rokin/master", &[("number", DEMO_CONTRACT_NUMBER), ("password", "Wrong#01")])
            .await
            .assert_contains("契約番号または初期パスワードが正しくない");
    }
    assert_eq!(audit(&app, "contract.locked").await, 1);
    let right = [("number", DEMO_CONTRACT_NUMBER), ("password", DEMO_INITIAL_PASSWORD)];
    assert_eq!(app.post("/rokin/master", &right).await.status, StatusCode::OK, "locked: even the right one is refused");
    app.clock.advance(59 * 60);
    assert_eq!(app.post("/rokin/master", &right).await.status, StatusCode::OK);
    app.clock.advance(60);
    assert_eq!(app.post("/rokin/master", &right).await.location(), "/rokin/master/register");
}

#[tokio::test]
async fn the_certificate_code_expires_after_30_minutes() {
    let app = TestApp::demo().await;
    register_master(&app).await;
    app.post("/rokin/certificate", &[("login_id", MASTER_ID), ("password", MASTER_PASSWORD)]).await;
    let code = certificate_code(&app, MASTER_EMAIL).await;
    app.clock.advance(30 * 60);
    app.post("/rokin/certificate/code", &[("code", &code)]).await.assert_contains("有効期限が切れています");
    // The 29:59 case: a fresh code just inside its window is accepted.
    app.post("/rokin/certificate", &[("login_id", MASTER_ID), ("password", MASTER_PASSWORD)]).await;
    let code = certificate_code(&app, MASTER_EMAIL).await;
    app.clock.advance(30 * 60 - 1);
    assert_eq!(app.post("/rokin/certificate/code", &[("code", &code)]).await.location(), "/rokin/certificate/issue");
}

#[tokio::test]
async fn the_operator_adds_a_contract_revokes_a_certificate_and_reinitializes_the_master() {
    let app = TestApp::demo().await;
    let ops = app.browser();
    ops.operator_login("rokin").await;
    // A bad initial password is refused next to its field, the typed number kept.
    let page = ops
        .post(
            "/rokin/operator/contracts",
            &[("organization", "窓口商事"), ("number", "87654321"), ("initial_password", "abcdefgh")],
        )
        .await;
    page.assert_contains("初期パスワードは半角8桁").assert_contains("value=\"87654321\"").assert_lacks("abcdefgh");
    let page = ops
        .post(
            "/rokin/operator/contracts",
            &[("organization", "窓口商事"), ("number", "87654321"), ("initial_password", "Init#001")],
        )
        .await;
    page.assert_contains("87654321").assert_contains("未登録");
    let mut conn = app.state.store.acquire().await.unwrap();
    let stored: String =
        sqlx::query_scalar("SELECT initial_password_hash FROM contracts WHERE customer_id = '87654321'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert!(stored.starts_with("$argon2id$"), "only the hash is stored");
    drop(conn);

    // The employer registers the master and issues a certificate.
    let employer = app.browser();
    let page = employer.post("/rokin/master", &[("number", "87654321"), ("password", "Init#001")]).await;
    assert_eq!(page.location(), "/rokin/master/register");
    let fields = [
        ("login_id", "Shoji001"),
        ("password", MASTER_PASSWORD),
        ("password_again", MASTER_PASSWORD),
        ("name", "窓口　花子"),
        ("email", "hanako@shoji.example.jp"),
        ("email_again", "hanako@shoji.example.jp"),
    ];
    assert_eq!(employer.post("/rokin/master/register", &fields).await.location(), "/rokin/master/done");
    let (p12, _) = issue(&employer, "Shoji001", MASTER_PASSWORD, "hanako@shoji.example.jp").await;
    employer.present_certificate(Some(certificate_der(&p12, MASTER_PASSWORD)));
    employer.get("/rokin/login").await.assert_contains("Shoji001");

    // The operator revokes it (a PC change): the login refuses it at once and the user is told.
    let mut conn = app.state.store.acquire().await.unwrap();
    let user = madoguchi_store::users::by_login_id(&mut conn, "rokin", "Shoji001").await.unwrap().unwrap();
    let cert = madoguchi_store::certificates::current(&mut conn, user.id).await.unwrap().unwrap();
    drop(conn);
    let page = ops.get(&format!("/rokin/operator/users/{}", user.id)).await;
    page.assert_contains(&cert.serial).assert_contains("失効させる");
    let revoke = format!("/rokin/operator/users/{}/certificates/{}/revoke", user.id, cert.id);
    page.assert_contains(&format!("href=\"{revoke}\""));
    // 失効 asks first, naming the certificate; nothing is revoked before 「失効させる」 there.
    let confirm = ops.get(&revoke).await;
    confirm
        .assert_contains("この電子証明書を失効させます。")
        .assert_contains(&cert.subject)
        .assert_contains(&cert.serial);
    ops.post(&revoke, &[]).await.assert_contains("この電子証明書を失効させます。");
    employer.get("/rokin/login").await.assert_contains("Shoji001");
    let page = ops.press_yes(&confirm).await;
    page.assert_contains("電子証明書を失効させました。");
    employer.get("/rokin/login").await.assert_contains("失効しています");
    assert!(app.mails().await.iter().any(|m| m.to == "hanako@shoji.example.jp" && m.subject.contains("失効")));
    assert_eq!(audit(&app, "certificate.revoked").await, 1);

    // Re-initialization: the master goes, the contract takes a new initial password.
    let mut conn = app.state.store.acquire().await.unwrap();
    let contract = madoguchi_store::contracts::by_customer_id(&mut conn, "rokin", "87654321").await.unwrap().unwrap();
    drop(conn);
    let path = format!("/rokin/operator/contracts/{}/reinitialize", contract.id);
    ops.post(&path, &[("initial_password", "short")])
        .await
        .assert_contains("初期パスワードは半角8桁")
        .assert_lacks("よろしいですか");
    // A valid new initial password is confirmed first, naming the contract and its master.
    let confirm = ops.post(&path, &[("initial_password", "Init#002")]).await;
    confirm.assert_contains("マスターユーザーを初期化します。").assert_contains("87654321").assert_contains("窓口商事");
    let mut conn = app.state.store.acquire().await.unwrap();
    assert!(madoguchi_store::users::by_login_id(&mut conn, "rokin", "Shoji001").await.unwrap().is_some());
    drop(conn);
    ops.press_yes(&confirm).await.assert_contains("マスターユーザーを初期化しました。");
    let mut conn = app.state.store.acquire().await.unwrap();
    assert!(madoguchi_store::users::by_login_id(&mut conn, "rokin", "Shoji001").await.unwrap().is_none());
    drop(conn);
    let again = app.browser();
    assert_eq!(
        again.post("/rokin/master", &[("number", "87654321"), ("password", "Init#001")]).await.status,
        StatusCode::OK
    );
    let page = again.post("/rokin/master", &[("number", "87654321"), ("password", "Init#002")]).await;
    assert_eq!(page.location(), "/rokin/master/register");
}

#[tokio::test]
async fn the_certificate_login_locks_after_six_and_blocks_the_master_at_the_third_lock() {
    let app = TestApp::demo().await;
    register_master(&app).await;
    let (p12, _) = issue(&app, MASTER_ID, MASTER_PASSWORD, MASTER_EMAIL).await;
    app.present_certificate(Some(certificate_der(&p12, MASTER_PASSWORD)));
    for lock in 1..=3 {
        for _ in 0..5 {
            app.post("/rokin/login", &[("password", "Wrong#2026")])
                .await
                .assert_contains("パスワードが正しくありません。");
        }
        // issue 14 #3: the certificate names the user, so the page says what happened: the
        // sixth wrong password locks until 60 minutes later (10:00 JST on the test clock + …).
        let sixth = app.post("/rokin/login", &[("password", "Wrong#2026")]).await;
        // Locked: even the right password is refused for 60 minutes, and the page says until when.
        let page = app.post("/rokin/login", &[("password", MASTER_PASSWORD)]).await;
        assert!(page.location().is_empty(), "lock {lock}: {}", page.body);
        if lock < 3 {
            let until = format!("ロック中です（{}時00分に解除されます）", 11 + lock - 1);
            sixth.assert_contains(&until).assert_lacks("パスワードが正しくありません");
            page.assert_contains(&until);
            app.clock.advance(60 * 60);
        } else {
            for blocked in [&sixth, &page] {
                blocked
                    .assert_contains("閉塞中です。")
                    .assert_contains("労働金庫へお問い合わせください。")
                    .assert_lacks("ロック中");
            }
        }
    }
    let mails: Vec<_> = app.mails().await.into_iter().filter(|m| m.to == MASTER_EMAIL).collect();
    assert_eq!(mails.iter().filter(|m| m.subject.contains("アカウントロックのお知らせ")).count(), 2);
    let blocked = mails.iter().find(|m| m.subject.contains("アカウント閉塞のお知らせ")).expect("the block mail");
    // The master's block is the operator's (the bank's) to lift, and the mail says so.
    assert!(!blocked.text.contains("マスターユーザーに"), "{}", blocked.text);
    app.clock.advance(24 * 3600);
    let page = app.post("/rokin/login", &[("password", MASTER_PASSWORD)]).await;
    assert!(page.location().is_empty());
    page.assert_contains("閉塞中です。");
    assert_eq!(audit(&app, "account.blocked").await, 1);
    // The English page says the same.
    app.post("/_lang", &[("lang", "en"), ("back", "/rokin/login")]).await;
    let en = app.post("/rokin/login", &[("password", MASTER_PASSWORD)]).await;
    en.assert_contains("Blocked.").assert_contains("Please contact Rokin Labour Bank.");
}

/// Over real TLS, as a user's tool would: Debian's curl presents the downloaded .p12 and logs
/// in with the password alone; once the operator revokes it, the same file is refused.
#[tokio::test]
async fn curl_logs_in_with_the_downloaded_p12_until_it_is_revoked() {
    let app = TestApp::demo().await;
    register_master(&app).await;
    let (p12, name) = issue(&app, MASTER_ID, MASTER_PASSWORD, MASTER_EMAIL).await;
    let dir = crate::rokin::tls::temp_dir();
    let file = dir.join(&name);
    std::fs::write(&file, &p12).unwrap();
    let ca = app.state.ca("rokin").unwrap();
    let server =
        crate::rokin::tls::Server::start(ca, &dir, app.router.clone(), madoguchi_web::tls::DEFAULT_HANDSHAKE_TIMEOUT)
            .await;
    let base = format!("https://127.0.0.1:{}", server.addr.port());
    let jar = dir.join("cookies.txt");
    let cert = format!("{}:{MASTER_PASSWORD}", file.display());
    let curl = |extra: Vec<String>| {
        let mut args: Vec<String> = ["-sS", "-k", "--max-time", "10", "-i", "--cert-type", "P12", "--cert"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.push(cert.clone());
        args.extend(["-b".to_string(), jar.display().to_string(), "-c".to_string(), jar.display().to_string()]);
        args.extend(extra);
        async move {
            let out = tokio::process::Command::new("curl").args(&args).output().await.expect("curl");
            assert!(out.status.success(), "curl: {}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8_lossy(&out.stdout).into_owned()
        }
    };
    let page = curl(vec![format!("{base}/rokin/login")]).await;
    assert!(page.contains(MASTER_ID) && page.contains("name=\"password\""), "{page}");
    let cookies = std::fs::read_to_string(&jar).unwrap();
    let csrf = cookies.lines().find(|l| l.contains("mdg_csrf")).and_then(|l| l.split('\t').nth(6)).unwrap().to_string();
    let form = format!("_csrf={csrf}&password={}", MASTER_PASSWORD.replace('#', "%23"));
    let page = curl(vec!["--data".into(), form, format!("{base}/rokin/login")]).await;
    assert!(page.to_lowercase().contains("location: /rokin/home"), "{page}");
    let home = curl(vec![format!("{base}/rokin/home")]).await;
    assert!(home.starts_with("HTTP/2 200"), "{home}");

    let mut conn = app.state.store.acquire().await.unwrap();
    let user = madoguchi_store::users::by_login_id(&mut conn, "rokin", MASTER_ID).await.unwrap().unwrap();
    let current = madoguchi_store::certificates::current(&mut conn, user.id).await.unwrap().unwrap();
    assert!(madoguchi_store::certificates::revoke(&mut conn, current.id, "operator", app.clock.unix()).await.unwrap());
    drop(conn);
    let page = curl(vec![format!("{base}/rokin/login")]).await;
    assert!(page.starts_with("HTTP/2 403") && page.contains("失効しています"), "{page}");
    server.stop().await;
}

/// The whole chain over the real screens: the master logs in with a certificate and registers
/// a general user; that user issues a certificate with the temporary password and changes it at
/// first login; when the master deletes the user, the certificate is revoked at once.
#[tokio::test]
async fn a_general_user_issues_with_the_temporary_password_and_deleting_them_revokes_it() {
    let app = TestApp::demo().await;
    register_master(&app).await;
    let (p12, _) = issue(&app, MASTER_ID, MASTER_PASSWORD, MASTER_EMAIL).await;
    app.present_certificate(Some(certificate_der(&p12, MASTER_PASSWORD)));
    assert_eq!(app.post("/rokin/login", &[("password", MASTER_PASSWORD)]).await.location(), "/rokin/home");
    let (general, temporary, email) = ("Ippan001", "Tmp#2026a", "ippan@rokin.example.jp");
    let fields = |step: &'static str| {
        vec![
            ("step", step),
            ("login_id", general),
            ("password", temporary),
            ("password_confirm", temporary),
            ("name", "一般　花子"),
            ("email", email),
            ("email_confirm", email),
        ]
    };
    let confirm = app.post("/rokin/users/new", &fields("confirm")).await;
    confirm.assert_contains("契約ユーザー情報登録確認");
    let pending = crate::rokin::protections::pending_token(&confirm.body);
    app.post("/rokin/users/new", &[("step", "register"), ("pending", &pending)]).await;
    app.get("/rokin/users").await.assert_contains(general).assert_contains("未発行");

    // 一般ユーザーの初期登録 = 電子証明書発行 with the temporary password.
    let b = app.browser();
    let (p12, _) = issue(&b, general, temporary, email).await;
    b.present_certificate(Some(certificate_der(&p12, temporary)));
    assert_eq!(b.post("/rokin/login", &[("password", temporary)]).await.location(), "/rokin/home");
    b.get("/rokin/password").await.assert_contains("ログインパスワード変更（初回ログイン）");
    let changed =
        b.post("/rokin/password", &[("current", temporary), ("new", "Gen#2026b"), ("confirm", "Gen#2026b")]).await;
    assert!(changed.location().starts_with("/rokin/home"), "{}", changed.body);
    app.get("/rokin/users").await.assert_contains("2027年11月24日");

    let mut conn = app.state.store.acquire().await.unwrap();
    let id = madoguchi_store::users::by_login_id(&mut conn, "rokin", general).await.unwrap().unwrap().id;
    drop(conn);
    let done = app.post(&format!("/rokin/users/{id}/delete"), &[("choice", "ok")]).await;
    assert_eq!(done.location(), "/rokin/users?done=deleted");
    let stranger = app.browser();
    stranger.present_certificate(Some(certificate_der(&p12, temporary)));
    stranger.get("/rokin/login").await.assert_contains("失効しています");
    let mut conn = app.state.store.acquire().await.unwrap();
    assert_eq!(madoguchi_store::certificates::revoked(&mut conn, "rokin", app.clock.unix()).await.unwrap().len(), 1);
}

/// issue 14 #3: a general user whose certificate login is blocked is told to ask the master
/// user, who lifts it (the master's own block is the bank's, above).
#[tokio::test]
async fn a_blocked_general_user_is_told_to_ask_the_master_user() {
    let app = TestApp::demo().await;
    register_master(&app).await;
    let (p12, _) = issue(&app, MASTER_ID, MASTER_PASSWORD, MASTER_EMAIL).await;
    app.present_certificate(Some(certificate_der(&p12, MASTER_PASSWORD)));
    assert_eq!(app.post("/rokin/login", &[("password", MASTER_PASSWORD)]).await.location(), "/rokin/home");
    let (general, temporary, email) = ("Ippan002", "Tmp#2026a", "ippan2@rokin.example.jp");
    let fields = [
        ("step", "confirm"),
        ("login_id", general),
        ("password", temporary),
        ("password_confirm", temporary),
        ("name", "一般　次郎"),
        ("email", email),
        ("email_confirm", email),
    ];
    // 確認, then 登録 with the registration kept on the server (`pending`).
    let confirm = app.post("/rokin/users/new", &fields).await;
    let pending = crate::rokin::protections::pending_token(&confirm.body);
    app.post("/rokin/users/new", &[("step", "register"), ("pending", &pending)]).await;
    let b = app.browser();
    let (p12, _) = issue(&b, general, temporary, email).await;
    b.present_certificate(Some(certificate_der(&p12, temporary)));
    for lock in 1..=3 {
        for _ in 0..6 {
            b.post("/rokin/login", &[("password", "Wrong#2026")]).await;
        }
        if lock < 3 {
            b.post("/rokin/login", &[("password", temporary)]).await.assert_contains("ロック中です（");
            app.clock.advance(60 * 60);
        }
    }
    let page = b.post("/rokin/login", &[("password", temporary)]).await;
    page.assert_contains("閉塞中です。").assert_contains("マスターユーザーに閉塞の解除を依頼してください。");
    assert!(page.location().is_empty());
}
