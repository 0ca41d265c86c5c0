//! Accessibility of the shared page chrome (issue 14): errors said in the title and focused,
//! every message tied to its field, one menu with ログアウト in the header, labelled landmarks
//! and tables, no automatic refresh, and English pages that mark Japanese data. The browser
//! suite (e2e/) checks the same pages with axe-core and the focus as Chromium sees it.

use crate::testkit::{Page, ROKIN_MASTER_PASSWORD, TestApp, rokin_organization};
use axum::http::StatusCode;

/// Switches this browser to English, as the header's button does.
async fn english(app: &TestApp) {
    let page = app.post("/_lang", &[("lang", "en"), ("back", "/")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

/// The value of `attr` in the first tag that opens with `opening` (e.g. `<input id="x"`).
fn attribute(body: &str, opening: &str, attr: &str) -> Option<String> {
    let start = body.find(opening)?;
    let tag = &body[start..start + body[start..].find('>')?];
    let at = tag.find(&format!(" {attr}=\""))? + attr.len() + 3;
    Some(tag[at..at + tag[at..].find('"')?].to_string())
}

/// Whether every `<nav>` of the page has a name.
fn every_nav_is_labelled(body: &str) -> bool {
    body.split("<nav ").skip(1).all(|rest| rest.split('>').next().unwrap_or("").contains("aria-label=\""))
}

/// What lies between `from` and the next `to` after it.
fn between<'a>(body: &'a str, from: &str, to: &str) -> &'a str {
    let start = body.find(from).unwrap_or_else(|| panic!("no {from:?} in:\n{body}")) + from.len();
    &body[start..start + body[start..].find(to).unwrap_or(0)]
}

/// The error summary's links: (field id, message).
fn summary_links(page: &Page) -> Vec<(String, String)> {
    let summary = between(&page.body, "class=\"error-summary\"", "</div>");
    summary
        .split("<li><a href=\"#")
        .skip(1)
        .map(|rest| {
            let (field, rest) = rest.split_once("\">").unwrap();
            (field.to_string(), rest.split_once("</a>").unwrap().0.to_string())
        })
        .collect()
}

/// A page that came back with errors: 「エラー：」 (or "Error: ") opens the title, the summary
/// takes the focus, and every message of the summary links to a control that is marked invalid
/// and described by the same words next to it.
#[track_caller]
fn assert_error_page(page: &Page, prefix: &str) {
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains(&format!("<title>{prefix}"));
    page.assert_contains("<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" autofocus>");
    for (field, message) in summary_links(page) {
        let control = format!("id=\"{field}\"");
        let described = attribute(&page.body, &format!("<input {control}"), "aria-describedby")
            .or_else(|| attribute(&page.body, &format!("<select {control}"), "aria-describedby"))
            .or_else(|| attribute(&page.body, &format!("<textarea {control}"), "aria-describedby"))
            .unwrap_or_else(|| panic!("{field}: no control described by its message:\n{}", page.body));
        assert!(described.split(' ').any(|id| id == format!("{field}-error")), "{field}: {described}");
        let inline = between(&page.body, &format!("id=\"{field}-error\">"), "</div>");
        assert!(inline.contains(&format!("<p>{message}</p>")), "{field}: {message:?} not next to it: {inline}");
    }
}

/// One form per portal and the console, in Japanese and in English.
#[tokio::test]
async fn a_page_with_errors_says_so_in_its_title_and_focuses_the_summary() {
    let forms: [(&str, &[(&str, &str)]); 6] = [
        ("/mlit-fwms/login", &[("login_id", ""), ("password", "")]),
        ("/shaho/signup", &[("email", "")]),
        ("/rokin/master", &[("number", ""), ("password", "")]),
        ("/hellowork/login", &[("login_id", ""), ("password", "")]),
        ("/jrec-in/login", &[("login_id", ""), ("password", "")]),
        ("/jrec-in/operator/login", &[("email", ""), ("password", "")]),
    ];
    let app = TestApp::demo().await;
    for (path, fields) in forms {
        let clean = app.get(path).await;
        assert_eq!(clean.status, StatusCode::OK, "{path}");
        clean.assert_lacks("<title>エラー：").assert_lacks("autofocus");
        assert_error_page(&app.post(path, fields).await, "エラー：");
    }
    english(&app).await;
    for (path, fields) in forms {
        assert_error_page(&app.post(path, fields).await, "Error: ");
    }
}

/// A field with a hint points at its hint and its messages; a new password that breaks
/// several rules has every message next to it, each tied to the field.
#[tokio::test]
async fn messages_are_tied_to_fields_with_hints_and_to_password_rules() {
    let app = TestApp::demo().await;
    let page = app.post("/mlit-fwms/recover", &[("kind", "password"), ("login_id", ""), ("email", "")]).await;
    assert_error_page(&page, "エラー：");
    let described = attribute(&page.body, "<input id=\"login_id\"", "aria-describedby").unwrap();
    assert_eq!(described, "login_id-hint login_id-error");

    let page = app
        .post(
            "/mlit-fwms/password/set",
            &[
                ("kind", "change"),
                ("login_id", "kensetsu01"),
                ("current", "Demo-User-2026"),
                ("new", "a"),
                ("confirm", "a"),
            ],
        )
        .await;
    assert_error_page(&page, "エラー：");
    let described = attribute(&page.body, "<input id=\"new\"", "aria-describedby").unwrap();
    assert!(described.split(' ').any(|id| id == "new-error"), "{described}");
    let inline = between(&page.body, "id=\"new-error\">", "</div>");
    assert!(inline.matches("<p>").count() >= 2, "every broken rule, not one: {inline}");
}

/// The console's user form shows every broken rule at once, each linked from the summary to
/// its field; the contract form speaks English when the operator chose English.
#[tokio::test]
async fn console_forms_show_every_error_at_its_field_in_the_chosen_language() {
    let app = TestApp::demo().await;
    app.operator_login("jrec-in").await;
    let page = app
        .post(
            "/jrec-in/operator/users/new",
            &[("organization", ""), ("login_id", ""), ("email", "not-an-address"), ("name", "")],
        )
        .await;
    assert_error_page(&page, "エラー：");
    let fields: Vec<String> = summary_links(&page).into_iter().map(|(f, _)| f).collect();
    for field in ["login_id", "email", "name", "organization"] {
        assert!(fields.iter().any(|f| f == field), "{field} not in the summary: {fields:?}");
    }
    assert_eq!(attribute(&page.body, "<input id=\"organization\"", "value").as_deref(), Some(""));
    assert_eq!(attribute(&page.body, "<input id=\"email\"", "value").as_deref(), Some("not-an-address"));

    let app = TestApp::demo().await;
    app.operator_login("shaho").await;
    english(&app).await;
    let page = app
        .post(
            "/shaho/operator/contracts",
            &[("organization", ""), ("customer_id", "1"), ("phone", "x"), ("seats", "0"), ("asp_user_ids", "")],
        )
        .await;
    assert_error_page(&page, "Error: ");
    let links = summary_links(&page);
    assert!(links.len() >= 4, "{links:?}");
    for (field, message) in links {
        assert!(message.is_ascii(), "{field}: {message} is not English");
    }
}

#[tokio::test]
async fn the_certificate_is_downloaded_by_a_button_not_by_a_refresh() {
    let app = TestApp::demo().await;
    rokin_organization(&app, "窓口商事", "Roukin01", "master@rokin.example.jp", "労金　太郎").await;
    crate::rokin::certificate::issue(&app, "Roukin01", ROKIN_MASTER_PASSWORD, "master@rokin.example.jp").await;
    let page = app.get("/rokin/certificate/result").await;
    page.assert_lacks("http-equiv=\"refresh\"")
        .assert_contains("<a class=\"button\" href=\"/rokin/certificate/download\" download=\"Roukin01");
    let download = app.get("/rokin/certificate/download").await;
    assert!(download.headers["content-disposition"].to_str().unwrap().starts_with("attachment; filename="));
}

/// The top pages are not the login screen; every <nav> is named; action columns have a header
/// a screen reader can read; tables scroll in a labelled region; 送信 comes before キャンセル.
#[tokio::test]
async fn titles_landmarks_tables_and_button_order() {
    let app = TestApp::demo().await;
    for (id, name) in [
        ("mlit-fwms", "外国人就労管理システム"),
        ("shaho", "次世代型社労法務システム"),
        ("rokin", "賃金控除事務支援システム"),
        ("hellowork", "ハローワークインターネットサービス 求人者マイページ"),
        ("jrec-in", "JREC-IN Portal 求人機関ページ"),
    ] {
        let page = app.get(&format!("/{id}/")).await;
        page.assert_contains(&format!("<title>トップページ | {name}</title>"));
        assert!(every_nav_is_labelled(&page.body), "{id}: {}", page.body);
    }

    let otp = app
        .post("/hellowork/login", &[("login_id", "demo@hellowork.example.jp"), ("password", "Demo-User-2026")])
        .await;
    assert_eq!(otp.location(), "/hellowork/login/otp", "{}", otp.body);
    let otp = app.get("/hellowork/login/otp").await;
    let (send, cancel) = (otp.body.find(">送信</button>").unwrap(), otp.body.find(">キャンセル</a>").unwrap());
    assert!(send < cancel, "送信 comes first");

    app.operator_login("jrec-in").await;
    let users = app.get("/jrec-in/operator/users").await;
    users
        .assert_contains("<th scope=\"col\"><span class=\"visually-hidden\">操作</span></th>")
        .assert_contains("<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-label=\"")
        .assert_lacks("<th></th>");
    assert!(every_nav_is_labelled(&users.body), "{}", users.body);
}

/// ログアウト is in the header of every signed-in page, the portals' and the console's alike.
#[tokio::test]
async fn logout_is_in_the_header() {
    let app = TestApp::demo().await;
    let page = app.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let home = app.get(page.location()).await;
    assert!(between(&home.body, "<header", "</header>").contains("action=\"/jrec-in/logout\""), "{}", home.body);
    home.assert_contains("<nav class=\"site-nav\"");

    app.operator_login("jrec-in").await;
    let console = app.get("/jrec-in/operator/").await;
    assert!(between(&console.body, "<header", "</header>").contains("action=\"/jrec-in/operator/logout\""));
    console.assert_contains("<nav class=\"site-nav\"");

    let rokin = TestApp::demo().await;
    let id = rokin_organization(&rokin, "窓口商事", "Roukin01", "master@rokin.example.jp", "労金　太郎").await;
    rokin.sign_in_as("rokin", id).await;
    let info = rokin.get("/rokin/home").await;
    assert!(between(&info.body, "<header", "</header>").contains("action=\"/rokin/logout\""), "{}", info.body);
    info.assert_contains("<nav class=\"site-nav\"");
}

/// English pages: shaho's sign-up labels are English, and Japanese data (an organization's
/// name, a user's name) is marked lang="ja".
#[tokio::test]
async fn english_pages_have_english_labels_and_mark_japanese_data() {
    let app = TestApp::demo().await;
    crate::identity::signup::verified(&app, "new@example.jp").await;
    english(&app).await;
    app.get("/shaho/signup").await.assert_contains(">E-mail address</label>").assert_lacks("メールアドレス</label>");
    let details = app.get("/shaho/signup/details").await;
    for label in ["Password", "Enter the password again", "Display name"] {
        details.assert_contains(&format!(">{label}</label>"));
    }
    details.assert_lacks("表示名</label>");

    let page = app.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    let home = app.get(page.location()).await;
    home.assert_contains("<html lang=\"en\">")
        .assert_contains("<span lang=\"ja\">国立窓口大学</span>")
        .assert_contains("<span lang=\"ja\">研究 太郎</span>");
}
