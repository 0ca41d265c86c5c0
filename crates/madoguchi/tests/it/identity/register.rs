//! mlit-fwms 利用者仮申請 → 利用者本申請.

use crate::testkit::{Page, TestApp};
use axum::http::StatusCode;

const MAIL: &str = "tanaka@kensetsu.example.jp";

fn temporary_in(text: &str) -> String {
    text.lines().find_map(|l| l.strip_prefix("仮パスワード：")).expect("a temporary password").trim().to_string()
}

/// Submits a form and, when it answers the confirmation (the input passed), presses 「はい」;
/// a form with errors is returned as it is.
async fn submit(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Page {
    let page = app.post(path, fields).await;
    if page.body.contains("name=\"_step\" value=\"confirmed\"") { app.press_yes(&page).await } else { page }
}

async fn apply(app: &TestApp, id: &str, email: &str) -> Page {
    submit(
        app,
        "/mlit-fwms/register",
        &[("login_id", id), ("login_id_again", id), ("email", email), ("email_again", email)],
    )
    .await
}

async fn complete(app: &TestApp, id: &str, temporary: &str, new: &str) -> Page {
    submit(
        app,
        "/mlit-fwms/register/complete",
        &[("login_id", id), ("temporary", temporary), ("new", new), ("confirm", new)],
    )
    .await
}

async fn temporary_for(app: &TestApp, id: &str) -> String {
    let mails = app.mails().await;
    let mail =
        mails.iter().find(|m| m.subject.contains("仮パスワード発行のお知らせ") && m.text.contains(id)).expect("a mail");
    temporary_in(&mail.text)
}

#[tokio::test]
async fn provisional_then_main_registration_lands_on_the_menu() {
    let app = TestApp::demo().await;
    let top = app.get("/mlit-fwms/").await;
    top.assert_contains("仮登録はこちら").assert_contains("本登録はこちら").assert_contains("ログイン画面へ");
    let form = app.get("/mlit-fwms/register").await;
    form.assert_contains("利用者仮申請")
        .assert_contains("<label for=\"login_id_again\">ログインＩＤ(再確認)</label>")
        .assert_lacks("仮申請します。よろしいですか？");
    // Mismatches are shown at their fields; what was typed stays.
    let bad = app
        .post(
            "/mlit-fwms/register",
            &[
                ("login_id", "tanaka01"),
                ("login_id_again", "tanaka02"),
                ("email", MAIL),
                ("email_again", "other@example.jp"),
            ],
        )
        .await;
    bad.assert_contains("「ログインＩＤ」と「ログインＩＤ(再確認)」が一致しません。")
        .assert_contains("「メールアドレス」と「メールアドレス(再確認)」が一致しません。")
        .assert_contains("value=\"tanaka02\"")
        .assert_lacks("仮申請します。よろしいですか？");
    assert!(app.mails().await.is_empty());
    // Full-width input folds.
    apply(&app, "ｔａｎａｋａ０１", MAIL).await.assert_contains("仮申請を受け付けました。");
    let temporary = temporary_for(&app, "tanaka01").await;

    let form = app.get("/mlit-fwms/register/complete").await;
    form.assert_contains("利用者本申請")
        .assert_contains("<label for=\"temporary\">仮パスワード</label>")
        .assert_lacks("登録します。よろしいですか？");
    complete(&app, "tanaka01", &temporary, "Xtanaka9").await.assert_contains("連続した3文字以上");
    complete(&app, "tanaka01", "nope", "Mado-Guchi-88")
        .await
        .assert_contains("ログインＩＤまたは仮パスワードが正しくありません。");
    let done = complete(&app, "tanaka01", &temporary, "Mado-Guchi-88").await;
    assert_eq!(done.location(), "/mlit-fwms/home");
    let menu = app.get("/mlit-fwms/home").await;
    menu.assert_contains("<h1>メニュー</h1>")
        .assert_contains("連絡事項")
        .assert_contains("tanaka01")
        .assert_lacks("class=\"org-name\"");
    assert!(app.mails().await.iter().any(|m| m.subject.contains("本登録完了のお知らせ") && m.to == MAIL));
    // The login ID is now taken: the page does not say so (the same as for a free ID); the
    // address typed is told by mail, and no temporary password is made.
    let page = apply(&app, "tanaka01", "x@example.jp").await;
    page.assert_lacks("このログインＩＤはすでに使用されています。").assert_contains("仮申請を受け付けました");
    let told = app.mails().await.into_iter().find(|m| m.to == "x@example.jp").expect("the applicant is told");
    assert!(told.text.contains("すでに使用されている") && !told.text.contains("仮パスワード："), "{}", told.text);
    app.post("/mlit-fwms/logout", &[]).await;
    assert_eq!(
        app.post("/mlit-fwms/login", &[("login_id", "tanaka01"), ("password", "Mado-Guchi-88")]).await.location(),
        "/mlit-fwms/home"
    );
}

#[tokio::test]
async fn the_temporary_password_expires_after_three_hours() {
    let app = TestApp::demo().await;
    apply(&app, "sato0001", MAIL).await;
    let temporary = temporary_for(&app, "sato0001").await;
    app.clock.advance(3 * 3600 + 1);
    let page = complete(&app, "sato0001", &temporary, "Mado-Guchi-88").await;
    page.assert_contains("有効期限を過ぎたため、仮パスワードは無効となりました。再度、仮申請を行ってください。");
    // A new application replaces the old one and works within its 3 hours.
    apply(&app, "sato0001", MAIL).await;
    let mails = app.mails().await;
    let newest = temporary_in(&mails.iter().find(|m| m.subject.contains("仮パスワード発行")).unwrap().text);
    app.clock.advance(2 * 3600 + 59 * 60);
    let page = complete(&app, "sato0001", &newest, "Mado-Guchi-88").await;
    assert_eq!(page.location(), "/mlit-fwms/home");
}

#[tokio::test]
async fn a_second_application_for_the_same_pending_id_replaces_the_first() {
    let app = TestApp::demo().await;
    apply(&app, "suzuki01", MAIL).await;
    let first = temporary_for(&app, "suzuki01").await;
    apply(&app, "suzuki01", "suzuki@other.example.jp").await;
    let mails = app.mails().await;
    let second = temporary_in(&mails.iter().find(|m| m.to == "suzuki@other.example.jp").unwrap().text);
    let page = complete(&app, "suzuki01", &first, "Mado-Guchi-88").await;
    page.assert_contains("ログインＩＤまたは仮パスワードが正しくありません。");
    let page = complete(&app, "suzuki01", &second, "Mado-Guchi-88").await;
    assert_eq!(page.location(), "/mlit-fwms/home");
}

#[tokio::test]
async fn other_portals_have_no_provisional_registration() {
    let app = TestApp::demo().await;
    assert_eq!(app.get("/hellowork/register").await.status, StatusCode::NOT_FOUND);
    app.get("/hellowork/").await.assert_lacks("仮登録はこちら");
}

/// issue 14 #4: once the 仮パスワード has expired, nothing else typed on 本申請 can help, so its
/// expiry is what the page says, not the new password's rules.
#[tokio::test]
async fn an_expired_temporary_password_is_reported_before_the_password_rules() {
    let app = TestApp::demo().await;
    apply(&app, "sato0002", MAIL).await.assert_contains("仮申請を受け付けました。");
    let temporary = temporary_for(&app, "sato0002").await;
    app.clock.advance(3 * 3600 + 1);
    let page = app
        .post(
            "/mlit-fwms/register/complete",
            &[("login_id", "sato0002"), ("temporary", &temporary), ("new", "short"), ("confirm", "other")],
        )
        .await;
    page.assert_contains("有効期限を過ぎたため、仮パスワードは無効となりました。再度、仮申請を行ってください。")
        .assert_lacks("8文字以上")
        .assert_lacks("一致しません")
        .assert_lacks("よろしいですか");
    // Even with the 仮パスワード left empty: the application itself is over.
    apply(&app, "sato0003", MAIL).await;
    app.clock.advance(3 * 3600);
    app.post("/mlit-fwms/register/complete", &[("login_id", "sato0003"), ("temporary", ""), ("new", "x")])
        .await
        .assert_contains("有効期限を過ぎたため")
        .assert_lacks("href=\"#temporary\">仮パスワードを入力してください。")
        .assert_lacks("href=\"#new\"");
    let mut conn = app.state.store.acquire().await.unwrap();
    assert_eq!(madoguchi_store::audit::count_events(&mut conn, "mlit-fwms", "registration.failed").await.unwrap(), 2);
}

/// issue 14 #5: 「仮申請します。よろしいですか？」 and 「登録します。よろしいですか？」 come only for
/// input that passed every check, on a page of their own (no JavaScript), and nothing happens
/// before 「はい」; 「いいえ」 returns to the form as typed.
#[tokio::test]
async fn the_confirmation_comes_only_after_the_input_is_checked() {
    let app = TestApp::demo().await;
    let fields =
        [("login_id", "ｋｉｍｕｒａ０１"), ("login_id_again", "kimura01"), ("email", MAIL), ("email_again", MAIL)];
    let confirm = app.post("/mlit-fwms/register", &fields).await;
    confirm
        .assert_contains("<h1>利用者仮申請</h1>")
        .assert_contains("仮申請します。よろしいですか？")
        .assert_contains("<dd>kimura01</dd>")
        .assert_contains(&format!("<dd>{MAIL}</dd>"));
    assert!(app.mails().await.is_empty(), "nothing is applied before 「はい」");
    // いいえ: the form again, with what was typed.
    let (_, hidden) = crate::testkit::confirmation_form(&confirm);
    let mut back: Vec<(&str, &str)> = hidden.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    back.push(("_step", "back"));
    let form = app.post("/mlit-fwms/register", &back).await;
    form.assert_contains("value=\"ｋｉｍｕｒａ０１\"").assert_lacks("よろしいですか");
    assert!(app.mails().await.is_empty());
    app.press_yes(&confirm).await.assert_contains("仮申請を受け付けました。");
    let temporary = temporary_for(&app, "kimura01").await;

    // 本申請: a wrong 仮パスワード or a weak password is told before any confirmation.
    let weak = [("login_id", "kimura01"), ("temporary", temporary.as_str()), ("new", "weak"), ("confirm", "weak")];
    app.post("/mlit-fwms/register/complete", &weak).await.assert_contains("8文字以上").assert_lacks("よろしいですか");
    let good = [
        ("login_id", "kimura01"),
        ("temporary", temporary.as_str()),
        ("new", "Mado-Guchi-88"),
        ("confirm", "Mado-Guchi-88"),
    ];
    // Checking a right 仮パスワード costs no try: more confirmations than the 5 tries still work.
    let mut confirm = app.post("/mlit-fwms/register/complete", &good).await;
    for _ in 0..6 {
        confirm = app.post("/mlit-fwms/register/complete", &good).await;
        confirm.assert_contains("登録します。よろしいですか？").assert_contains("<dd>kimura01</dd>");
    }
    assert_eq!(
        app.post("/mlit-fwms/login", &[("login_id", "kimura01"), ("password", "Mado-Guchi-88")]).await.location(),
        "",
        "no account before 「はい」"
    );
    let done = app.press_yes(&confirm).await;
    assert_eq!(done.location(), "/mlit-fwms/home", "{}", done.body);
}
