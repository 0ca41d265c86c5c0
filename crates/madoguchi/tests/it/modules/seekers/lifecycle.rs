//! 退会 (jrec-in §1.8.6) and the unused-account expiry (§1.8.7).

use super::{PASSWORD, count, events, login, register, seeker};
use crate::testkit::TestApp;
use axum::http::StatusCode;

#[tokio::test]
async fn withdrawal_needs_the_tick_and_the_password_then_deletes_the_account() {
    let app = TestApp::demo().await;
    let (browser, _) = seeker(&app, "leave@example.jp", "退会 太郎").await;
    let page = browser.get("/jrec-in/seeker/withdraw").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("<label for=\"confirm\">").assert_contains("元に戻すことはできません");
    let no_tick = browser.post("/jrec-in/seeker/withdraw", &[("password", PASSWORD)]).await;
    no_tick.assert_contains("href=\"#confirm\"").assert_contains("チェックを入れてください");
    let wrong = browser.post("/jrec-in/seeker/withdraw", &[("confirm", "1"), ("password", "Wrong2026x")]).await;
    wrong
        .assert_contains("href=\"#password\"")
        .assert_contains("パスワードが正しくありません")
        .assert_contains(" checked");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE role = 'seeker'").await, 1);

    let done = browser.post("/jrec-in/seeker/withdraw", &[("confirm", "1"), ("password", PASSWORD)]).await;
    done.assert_contains("退会しました");
    assert!(browser.cookie("mdg_seeker").is_none());
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE role = 'seeker'").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM seeker_profiles").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions WHERE user_id IS NOT NULL").await, 0);
    login(&app, "leave@example.jp", PASSWORD).await.assert_contains("メールアドレスまたはパスワードが正しくありません");
    let mails = app.mails().await;
    assert!(mails.iter().any(|m| m.to == "leave@example.jp" && m.subject.contains("退会手続き完了")));
    assert!(events(&app).await.iter().any(|e| e == "seeker.withdrawn"));
    // The address may register again.
    register(&app.browser(), "leave@example.jp", "再登録 太郎").await;
}

#[tokio::test]
async fn a_wrong_password_on_the_withdrawal_counts_toward_the_lock() {
    let app = TestApp::demo().await;
    let (browser, _) = seeker(&app, "guard@example.jp", "守り 花子").await;
    for _ in 0..4 {
        let page = browser.post("/jrec-in/seeker/withdraw", &[("confirm", "1"), ("password", "Wrong2026x")]).await;
        page.assert_contains("パスワードが正しくありません");
    }
    let locked = browser.post("/jrec-in/seeker/withdraw", &[("confirm", "1"), ("password", "Wrong2026x")]).await;
    assert_eq!(locked.location(), "/jrec-in/seeker/login");
    assert_eq!(browser.get("/jrec-in/seeker/home").await.location(), "/jrec-in/seeker/login");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE role = 'seeker'").await, 1);
}

#[tokio::test]
async fn an_unused_account_gets_a_notice_after_three_years_and_goes_thirty_days_later() {
    let app = TestApp::demo().await;
    let (kept, _) = seeker(&app, "kept@example.jp", "続ける 太郎").await;
    let id = register(&app.browser(), "gone@example.jp", "消える 花子").await;
    let run = || madoguchi_seekers::expiry::run(&app.state);
    let day = 86_400;
    app.clock.advance(60);
    assert_eq!(login(&kept, "kept@example.jp", PASSWORD).await.location(), "/jrec-in/seeker/home");
    app.clock.advance(3 * 365 * day - 120);
    assert_eq!(run().await.unwrap().noticed, 0, "not yet three years");
    app.clock.advance(60);
    let first = run().await.unwrap();
    assert_eq!((first.noticed, first.deleted), (1, 0), "the one never logged in; the other logged in later");
    assert_eq!(run().await.unwrap().noticed, 0, "once");
    let mails = app.mails().await;
    let notice = mails.iter().find(|m| m.to == "gone@example.jp").expect("the notice");
    assert!(notice.subject.contains("アカウントの有効期限のお知らせ"), "{}", notice.subject);
    assert!(
        notice.text.contains(&id)
            && notice.text.contains("3年")
            && notice.text.contains("http://127.0.0.1:8080/jrec-in/seeker/login")
    );
    app.clock.advance(60);
    assert_eq!(run().await.unwrap().noticed, 1, "the second account's three years are up a minute later");
    // The second one logs in: its notice is void.
    assert_eq!(login(&kept, "kept@example.jp", PASSWORD).await.location(), "/jrec-in/seeker/home");
    app.clock.advance(30 * day);
    let later = run().await.unwrap();
    assert_eq!((later.noticed, later.deleted), (0, 1));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE role = 'seeker'").await, 1);
    login(&app.browser(), "gone@example.jp", PASSWORD)
        .await
        .assert_contains("メールアドレスまたはパスワードが正しくありません");
    let log = events(&app).await;
    assert_eq!(log.iter().filter(|e| *e == "seeker.expiry_noticed").count(), 2);
    assert_eq!(log.iter().filter(|e| *e == "seeker.expired").count(), 1);
}
