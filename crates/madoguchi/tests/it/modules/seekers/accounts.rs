//! ユーザ登録, login, logout and the reset by mailed key (jrec-in §1.8.1), with the same
//! protections as the employer's side: no answer tells whether an address is registered, the
//! lockout, a new session at every login, audit events.

use super::{PASSWORD, count, details, events, login, mailed_code, register, seeker, verified};
use crate::testkit::TestApp;
use axum::http::StatusCode;

#[tokio::test]
async fn a_seeker_registers_by_mailed_code_and_logs_in_with_the_address() {
    let app = TestApp::demo().await;
    // The portal's first page leads to the seekers' pages.
    let top = app.get("/jrec-in/").await;
    top.assert_contains("href=\"/jrec-in/seeker/login\"").assert_contains("href=\"/jrec-in/seeker/register\"");
    let id = register(&app, "kenkyu@example.jp", "研究 太郎").await;
    assert!(id.starts_with('U') && id.len() == 10, "{id}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE role = 'seeker' AND organization_id IS NULL").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM seeker_profiles WHERE public = 0").await, 1, "非公開 by default");

    // Full-width and upper-case letters are folded as the address was at registration.
    let page = login(&app, "ＫＥＮＫＹＵ@example.jp", PASSWORD).await;
    assert_eq!(page.location(), "/jrec-in/seeker/home", "{}", page.body);
    assert!(app.cookie("mdg_seeker").is_some() && app.cookie("mdg_s").is_none(), "the seeker's own cookie");
    let cookie = page.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>();
    assert!(cookie.iter().any(|c| c.starts_with("mdg_seeker=") && c.contains("Path=/jrec-in/seeker")), "{cookie:?}");
    let home = app.get("/jrec-in/seeker/home").await;
    assert_eq!(home.status, StatusCode::OK);
    home.assert_contains("研究 太郎").assert_contains(&id).assert_contains("「非公開」");

    // A second login starts a new session: the first token is gone.
    let first = app.cookie("mdg_seeker").unwrap();
    assert_eq!(login(&app, "kenkyu@example.jp", PASSWORD).await.location(), "/jrec-in/seeker/home");
    assert_ne!(app.cookie("mdg_seeker").unwrap(), first);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions WHERE user_id IS NOT NULL").await, 1);

    let out = app.post("/jrec-in/seeker/logout", &[]).await;
    out.assert_contains("ログアウトしました");
    assert!(app.cookie("mdg_seeker").is_none());
    assert_eq!(app.get("/jrec-in/seeker/home").await.location(), "/jrec-in/seeker/login");
    let log = events(&app).await;
    for event in ["seeker.register_started", "seeker.registered", "seeker.logged_in", "seeker.logged_out"] {
        assert!(log.iter().any(|e| e == event), "{event} in {log:?}");
    }
}

#[tokio::test]
async fn a_registered_address_gets_the_same_pages_and_a_mail_instead_of_a_code() {
    let app = TestApp::demo().await;
    register(&app, "known@example.jp", "既存 花子").await;
    let stranger = app.browser();
    let fresh = stranger.post("/jrec-in/seeker/register", &[("email", "new@example.jp")]).await;
    let known = stranger.post("/jrec-in/seeker/register", &[("email", "Known@Example.jp")]).await;
    assert_eq!((fresh.status, fresh.location()), (known.status, known.location()));
    let page = stranger.get("/jrec-in/seeker/register/code").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("すでに登録済みのアドレスには");
    let mails = app.mails().await;
    let to_known: Vec<_> = mails.iter().filter(|m| m.to == "known@example.jp").collect();
    assert_eq!(to_known.len(), 2, "the code of the registration, then the note");
    assert!(to_known[0].subject.contains("ユーザ登録のお申込みについて"), "{}", to_known[0].subject);
    assert!(to_known[0].text.contains("http://127.0.0.1:8080/jrec-in/seeker/login"), "{}", to_known[0].text);
    assert!(!to_known[0].text.contains("確認コード："));
    // No code exists for it: the first registration's code does not open it either.
    let old = mailed_code(&app, "known@example.jp", "アカウント確認コード", "アカウント確認コード：").await;
    stranger
        .post("/jrec-in/seeker/register/code", &[("code", &old)])
        .await
        .assert_contains("確認コードが正しくありません");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE role = 'seeker'").await, 1);
}

#[tokio::test]
async fn bad_input_is_refused_beside_its_field_kept_and_changes_nothing() {
    let app = TestApp::demo().await;
    let page = app.post("/jrec-in/seeker/register", &[("email", "not-an-address")]).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("class=\"error-summary\"")
        .assert_contains("href=\"#email\"")
        .assert_contains("メールアドレスを正しく入力してください")
        .assert_contains("value=\"not-an-address\"");
    verified(&app, "typo@example.jp").await;
    let page = app
        .post(
            "/jrec-in/seeker/register/details",
            &[("name", "研究 次郎"), ("furigana", "研究"), ("password", "short1"), ("password_again", "short2")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("href=\"#furigana\"")
        .assert_contains("フリガナはカタカナ")
        .assert_contains("href=\"#password\"")
        .assert_contains("href=\"#password_again\"")
        .assert_contains("aria-describedby=\"furigana-hint furigana-error\" aria-invalid=\"true\"")
        .assert_contains("value=\"研究 次郎\"")
        .assert_lacks("short1");
    let page = app.post("/jrec-in/seeker/register/details", &[("furigana", "ケンキュウ")]).await;
    page.assert_contains("氏名を入力してください").assert_contains("value=\"ケンキュウ\"");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE role = 'seeker'").await, 0);
    // English when the user chose English.
    app.post("/_lang", &[("lang", "en"), ("back", "/jrec-in/seeker/register")]).await;
    let page = app.post("/jrec-in/seeker/register/details", &[("name", "")]).await;
    page.assert_contains("Enter your name.").assert_contains("Error: ");
}

#[tokio::test]
async fn five_wrong_codes_end_the_registration() {
    let app = TestApp::demo().await;
    app.post("/jrec-in/seeker/register", &[("email", "guess@example.jp")]).await;
    for _ in 0..4 {
        app.post("/jrec-in/seeker/register/code", &[("code", "000000")])
            .await
            .assert_contains("確認コードが正しくありません");
    }
    let last = app.post("/jrec-in/seeker/register/code", &[("code", "000000")]).await;
    last.assert_contains("登録の手続きが無効になりました");
    let code = mailed_code(&app, "guess@example.jp", "アカウント確認コード", "アカウント確認コード：").await;
    app.post("/jrec-in/seeker/register/code", &[("code", &code)])
        .await
        .assert_contains("登録の手続きが無効になりました");
    // The code expires after 30 minutes too.
    app.post("/jrec-in/seeker/register", &[("email", "late@example.jp")]).await;
    let code = mailed_code(&app, "late@example.jp", "アカウント確認コード", "アカウント確認コード：").await;
    app.clock.advance(30 * 60);
    app.post("/jrec-in/seeker/register/code", &[("code", &code)])
        .await
        .assert_contains("登録の手続きが無効になりました");
}

#[tokio::test]
async fn wrong_passwords_lock_a_seeker_and_an_unknown_address_reads_the_same() {
    let app = TestApp::demo().await;
    register(&app, "lock@example.jp", "鍵 太郎").await;
    let unknown = login(&app, "nobody@example.jp", PASSWORD).await;
    unknown.assert_contains("メールアドレスまたはパスワードが正しくありません");
    for _ in 0..5 {
        login(&app, "lock@example.jp", "Wrong2026x")
            .await
            .assert_contains("メールアドレスまたはパスワードが正しくありません");
    }
    // Locked: the right password is refused in the same words.
    let locked = login(&app, "lock@example.jp", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::OK);
    locked.assert_contains("メールアドレスまたはパスワードが正しくありません");
    assert!(app.cookie("mdg_seeker").is_none());
    let log = events(&app).await;
    assert!(log.iter().any(|e| e == "account.locked"), "{log:?}");
    assert_eq!(log.iter().filter(|e| *e == "login.failed").count(), 7, "{log:?}");
    app.clock.advance(30 * 60);
    assert_eq!(login(&app, "lock@example.jp", PASSWORD).await.location(), "/jrec-in/seeker/home");
}

#[tokio::test]
async fn the_employer_login_and_reset_refuse_a_seeker_account() {
    let app = TestApp::demo().await;
    let id = register(&app, "both@example.jp", "両方 試す").await;
    let page = app.post("/jrec-in/login", &[("login_id", &id), ("password", PASSWORD)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.location());
    assert!(app.cookie("mdg_s").is_none());
    let before = app.mails().await.len();
    app.post("/jrec-in/password/forgot", &[("login_id", &id)]).await;
    assert_eq!(app.mails().await.len(), before, "no key for a seeker through the employer's reset");
}

#[tokio::test]
async fn the_reset_by_mailed_key_sets_a_new_password_and_ends_every_session() {
    let app = TestApp::demo().await;
    let (signed_in, _) = seeker(&app, "reset@example.jp", "再設定 花子").await;
    let other = app.browser();
    let asked = other.post("/jrec-in/seeker/password/forgot", &[("email", "reset@example.jp")]).await;
    let unknown = app.browser().post("/jrec-in/seeker/password/forgot", &[("email", "none@example.jp")]).await;
    assert_eq!(asked.location(), "/jrec-in/seeker/password/reset");
    assert_eq!(unknown.location(), asked.location(), "the same answer for an unknown address");
    let key = mailed_code(&app, "reset@example.jp", "パスワード再設定のお知らせ", "認証キー：").await;
    assert_eq!(key.len(), 8);
    let page = other
        .post(
            "/jrec-in/seeker/password/reset",
            &[("new", "Atarashii2027"), ("confirm", "Atarashii2027"), ("key", "00000000")],
        )
        .await;
    page.assert_contains("認証キーが正しくないか");
    let done = other
        .post(
            "/jrec-in/seeker/password/reset",
            &[("new", "Atarashii2027"), ("confirm", "Atarashii2027"), ("key", &key)],
        )
        .await;
    done.assert_contains("value=\"reset@example.jp\"");
    assert_eq!(
        signed_in.get("/jrec-in/seeker/home").await.location(),
        "/jrec-in/seeker/login",
        "the old session ended"
    );
    login(&other, "reset@example.jp", PASSWORD)
        .await
        .assert_contains("メールアドレスまたはパスワードが正しくありません");
    assert_eq!(login(&other, "reset@example.jp", "Atarashii2027").await.location(), "/jrec-in/seeker/home");
    let mails = app.mails().await;
    assert!(!mails.iter().any(|m| m.to == "none@example.jp"));
    assert!(mails.iter().any(|m| m.to == "reset@example.jp" && m.subject.contains("パスワード変更のお知らせ")));
    let log = events(&app).await;
    for event in ["seeker.reset_requested", "seeker.reset_key_sent", "seeker.reset_failed", "seeker.password_reset"] {
        assert!(log.iter().any(|e| e == event), "{event} in {log:?}");
    }
}

#[tokio::test]
async fn details_needs_a_verified_code_and_the_address_is_registered_once() {
    let app = TestApp::demo().await;
    // Straight to the details without a code: back to the start.
    app.get("/jrec-in/seeker/register/details").await.assert_contains("登録の手続きが無効になりました");
    details(&app, "飛ばし 太郎", "トバシ", PASSWORD).await.assert_contains("登録の手続きが無効になりました");
    // Two browsers verified for one address: the first to finish registers it.
    let (a, b) = (app.browser(), app.browser());
    verified(&a, "twice@example.jp").await;
    verified(&b, "twice@example.jp").await;
    details(&a, "一 太郎", "イチ", PASSWORD).await.assert_contains("ユーザ登録が完了しました");
    details(&b, "二 太郎", "ニ", PASSWORD).await.assert_contains("登録の手続きが無効になりました");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE role = 'seeker'").await, 1);
}
