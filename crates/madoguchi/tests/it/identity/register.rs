//! mlit-fwms 利用者仮申請 → 利用者本申請.

use crate::testkit::TestApp;
use axum::http::StatusCode;

const MAIL: &str = "tanaka@kensetsu.example.jp";

fn temporary_in(text: &str) -> String {
    text.lines().find_map(|l| l.strip_prefix("仮パスワード：")).expect("a temporary password").trim().to_string()
}

async fn apply(app: &TestApp, id: &str, email: &str) -> crate::testkit::Page {
    app.post(
        "/mlit-fwms/register",
        &[("login_id", id), ("login_id_again", id), ("email", email), ("email_again", email)],
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
        .assert_contains("仮申請します。よろしいですか？");
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
        .assert_contains("value=\"tanaka02\"");
    assert!(app.mails().await.is_empty());
    // Full-width input folds.
    apply(&app, "ｔａｎａｋａ０１", MAIL).await.assert_contains("仮申請を受け付けました。");
    let temporary = temporary_for(&app, "tanaka01").await;

    let complete = app.get("/mlit-fwms/register/complete").await;
    complete
        .assert_contains("利用者本申請")
        .assert_contains("<label for=\"temporary\">仮パスワード</label>")
        .assert_contains("登録します。よろしいですか？");
    let weak = app
        .post(
            "/mlit-fwms/register/complete",
            &[("login_id", "tanaka01"), ("temporary", &temporary), ("new", "Xtanaka9"), ("confirm", "Xtanaka9")],
        )
        .await;
    weak.assert_contains("連続した3文字以上");
    let wrong = app
        .post(
            "/mlit-fwms/register/complete",
            &[("login_id", "tanaka01"), ("temporary", "nope"), ("new", "Mado-Guchi-88"), ("confirm", "Mado-Guchi-88")],
        )
        .await;
    wrong.assert_contains("ログインＩＤまたは仮パスワードが正しくありません。");
    let done = app
        .post(
            "/mlit-fwms/register/complete",
            &[
                ("login_id", "tanaka01"),
                ("temporary", &temporary),
                ("new", "Mado-Guchi-88"),
                ("confirm", "Mado-Guchi-88"),
            ],
        )
        .await;
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
    let page = app
        .post(
            "/mlit-fwms/register/complete",
            &[
                ("login_id", "sato0001"),
                ("temporary", &temporary),
                ("new", "Mado-Guchi-88"),
                ("confirm", "Mado-Guchi-88"),
            ],
        )
        .await;
    page.assert_contains("有効期限を過ぎたため、仮パスワードは無効となりました。再度、仮申請を行ってください。");
    // A new application replaces the old one and works within its 3 hours.
    apply(&app, "sato0001", MAIL).await;
    let mails = app.mails().await;
    let newest = temporary_in(&mails.iter().find(|m| m.subject.contains("仮パスワード発行")).unwrap().text);
    app.clock.advance(2 * 3600 + 59 * 60);
    let page = app
        .post(
            "/mlit-fwms/register/complete",
            &[("login_id", "sato0001"), ("temporary", &newest), ("new", "Mado-Guchi-88"), ("confirm", "Mado-Guchi-88")],
        )
        .await;
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
    let page = app
        .post(
            "/mlit-fwms/register/complete",
            &[("login_id", "suzuki01"), ("temporary", &first), ("new", "Mado-Guchi-88"), ("confirm", "Mado-Guchi-88")],
        )
        .await;
    page.assert_contains("ログインＩＤまたは仮パスワードが正しくありません。");
    let page = app
        .post(
            "/mlit-fwms/register/complete",
            &[("login_id", "suzuki01"), ("temporary", &second), ("new", "Mado-Guchi-88"), ("confirm", "Mado-Guchi-88")],
        )
        .await;
    assert_eq!(page.location(), "/mlit-fwms/home");
}

#[tokio::test]
async fn other_portals_have_no_provisional_registration() {
    let app = TestApp::demo().await;
    assert_eq!(app.get("/hellowork/register").await.status, StatusCode::NOT_FOUND);
    app.get("/hellowork/").await.assert_lacks("仮登録はこちら");
}
