//! jrec-in's seekers (module `seekers`, `crates/modules/seekers`, docs/SEEKERS.md): ユーザ登録
//! by mailed code without telling who is registered, login under the seeker's own cookie with
//! the lockout, the reset by mailed key (`accounts`); 求職者情報 and what institutions may read
//! of it (`profile`); 退会 and the unused-account expiry (`lifecycle`); a seeker's session on
//! the employer's pages and the reverse, and one seeker against another (`isolation`). The
//! demo's jrec-in preset has the module on. Clock: the testkit's Tuesday 2026-11-24 10:00 JST.

mod accounts;
mod isolation;
mod lifecycle;
mod operator;
mod profile;

use crate::testkit::{Page, TestApp};

pub const PASSWORD: &str = "Kenkyu2026x";

/// The digits of the code line of the newest mail to `to` whose subject holds `subject`.
pub async fn mailed_code(app: &TestApp, to: &str, subject: &str, line: &str) -> String {
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.to == to && m.subject.contains(subject)).unwrap_or_else(|| {
        panic!("a mail to {to} about {subject}: {:?}", mails.iter().map(|m| (&m.to, &m.subject)).collect::<Vec<_>>())
    });
    let line = mail.text.lines().find(|l| l.starts_with(line)).expect("a code line");
    line.chars().filter(char::is_ascii_digit).collect()
}

/// ユーザ登録 up to the details page in `app`'s browser.
pub async fn verified(app: &TestApp, email: &str) {
    let started = app.post("/jrec-in/seeker/register", &[("email", email)]).await;
    assert_eq!(started.location(), "/jrec-in/seeker/register/code", "{}", started.body);
    let code = mailed_code(app, email, "アカウント確認コード", "アカウント確認コード：").await;
    let checked = app.post("/jrec-in/seeker/register/code", &[("code", &code)]).await;
    assert_eq!(checked.location(), "/jrec-in/seeker/register/details", "{}", checked.body);
}

pub async fn details(app: &TestApp, name: &str, furigana: &str, password: &str) -> Page {
    app.post(
        "/jrec-in/seeker/register/details",
        &[("name", name), ("furigana", furigana), ("password", password), ("password_again", password), ("lang", "ja")],
    )
    .await
}

/// A registered seeker of `email`: returns the ユーザID.
pub async fn register(app: &TestApp, email: &str, name: &str) -> String {
    verified(app, email).await;
    let done = details(app, name, "ケンキュウ タロウ", PASSWORD).await;
    done.assert_contains("ユーザ登録が完了しました。");
    let at = done.body.find("ユーザIDは ").expect("the user ID on the page") + "ユーザIDは ".len();
    done.body[at..].chars().take_while(char::is_ascii_alphanumeric).collect()
}

pub async fn login(app: &TestApp, email: &str, password: &str) -> Page {
    app.post("/jrec-in/seeker/login", &[("email", email), ("password", password)]).await
}

/// A registered and signed-in seeker on a browser of its own.
pub async fn seeker(app: &TestApp, email: &str, name: &str) -> (TestApp, String) {
    let browser = app.browser();
    let id = register(&browser, email, name).await;
    assert_eq!(login(&browser, email, PASSWORD).await.location(), "/jrec-in/seeker/home");
    (browser, id)
}

pub async fn count(app: &TestApp, sql: &'static str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap()
}

/// The audit events of the jrec-in portal, oldest first.
pub async fn events(app: &TestApp) -> Vec<String> {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT event FROM audit_log WHERE portal = 'jrec-in' ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .unwrap()
}
