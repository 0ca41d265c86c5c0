//! Issue 14's mail and Japanese-data items as flows: absolute links in mails, dashes in
//! addresses, 〜 and phone numbers as typed, names counted after NFC, the audit log's
//! organization search, user agents in the audit log, and CSV imports from Excel.

use crate::testkit::{TestApp, rokin_organization};
use axum::body::Body;
use axum::http::{HeaderValue, Request, header};

async fn scalar(app: &TestApp, sql: &'static str, bind: &str) -> String {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar(sql).bind(bind.to_string()).fetch_one(&mut *conn).await.unwrap()
}

/// The number in the first `…/{what}/{n}` link of a page.
fn id_in(body: &str, what: &str) -> String {
    let marker = format!("/{what}/");
    body.match_indices(&marker)
        .map(|(at, _)| body[at + marker.len()..].chars().take_while(char::is_ascii_digit).collect::<String>())
        .find(|id| !id.is_empty())
        .unwrap_or_else(|| panic!("no {marker}<n> link in:\n{body}"))
}

async fn new_account(
    app: &TestApp,
    portal: &str,
    organization: &str,
    login_id: &str,
    email: &str,
) -> crate::testkit::Page {
    app.post(
        &format!("/{portal}/operator/users/new"),
        &[("organization", organization), ("login_id", login_id), ("email", email), ("name", "採用 一郎")],
    )
    .await
}

/// Item 6: `account add`'s mail said 「ログイン画面：/hellowork/login」; mails are read outside
/// the browser. The demo's links name its listen address.
#[tokio::test]
async fn links_in_mails_are_absolute() {
    let app = TestApp::demo().await;
    app.operator_login("hellowork").await;
    let page = new_account(&app, "hellowork", "株式会社窓口", "", "saiyo@madoguchi.example.jp").await;
    assert_eq!(page.location(), "/hellowork/operator/users");
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.to == "saiyo@madoguchi.example.jp").unwrap();
    assert!(mail.text.contains("ログイン画面：http://127.0.0.1:8080/hellowork/login\n"), "{}", mail.text);

    // mlit-fwms: 本登録完了 and the login ID reminder carry the login screen too.
    let mail_to = "tanaka@kensetsu.example.jp";
    let fields =
        [("login_id", "tanaka01"), ("login_id_again", "tanaka01"), ("email", mail_to), ("email_again", mail_to)];
    app.post_confirmed("/mlit-fwms/register", &fields).await.assert_contains("仮申請を受け付けました。");
    let mails = app.mails().await;
    let temporary = mails
        .iter()
        .find_map(|m| m.text.lines().find_map(|l| l.strip_prefix("仮パスワード：")).map(str::trim))
        .unwrap()
        .to_string();
    let done = app
        .post_confirmed(
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
    let mails = app.mails().await;
    let completed = mails.iter().find(|m| m.subject.contains("本登録完了のお知らせ")).unwrap();
    assert!(completed.text.contains("http://127.0.0.1:8080/mlit-fwms/login"), "{}", completed.text);
    for mail in &mails {
        for word in mail.text.split(|c: char| c.is_whitespace() || c == '：') {
            assert!(!word.starts_with('/'), "a relative link in {}: {}", mail.subject, mail.text);
        }
    }
}

/// Item 22: ログインＩＤ(再確認) was compared as typed; the ID is stored lower-cased.
#[tokio::test]
async fn mlits_login_id_confirmation_ignores_case_as_the_id_does() {
    let app = TestApp::demo().await;
    let mail_to = "sato@kensetsu.example.jp";
    let page = app
        .post_confirmed(
            "/mlit-fwms/register",
            &[
                ("login_id", "Sato0001"),
                ("login_id_again", "ｓａｔｏ０００１"),
                ("email", mail_to),
                ("email_again", mail_to),
            ],
        )
        .await;
    page.assert_contains("仮申請を受け付けました。").assert_lacks("一致しません");
    let other = app
        .post(
            "/mlit-fwms/register",
            &[("login_id", "Sato0002"), ("login_id_again", "sato0003"), ("email", mail_to), ("email_again", mail_to)],
        )
        .await;
    other.assert_contains("「ログインＩＤ」と「ログインＩＤ(再確認)」が一致しません。");
}

/// Item 18: `tarobー6@…` was folded to `tarob-6@…` and the temporary password went there.
#[tokio::test]
async fn an_address_is_never_rewritten_by_dash_folding() {
    let app = TestApp::demo().await;
    app.operator_login("hellowork").await;
    let page = new_account(&app, "hellowork", "株式会社窓口", "", "tarobー6@example.jp").await;
    page.assert_contains("ID（メールアドレス）はメールアドレスの形式で入力してください。")
        .assert_contains("value=\"tarobー6@example.jp\"");
    assert!(app.mails().await.iter().all(|m| m.to != "tarob-6@example.jp"));
    assert_eq!(
        scalar(&app, "SELECT CAST(COUNT(*) AS TEXT) FROM users WHERE email = $1", "tarob-6@example.jp").await,
        "0"
    );
}

/// Items 19 and 20: 〜 between digits, phone numbers by the numbering plan, stored as
/// digits and shown hyphenated (the console showed bare digits).
#[tokio::test]
async fn shaho_contract_phones_follow_the_numbering_plan_and_show_hyphenated() {
    let app = TestApp::demo().await;
    app.operator_login("shaho").await;
    let contract = |customer_id: &'static str, phone: &'static str| {
        [
            ("organization", "窓口労務"),
            ("customer_id", customer_id),
            ("phone", phone),
            ("seats", "1"),
            ("asp_user_ids", "zz-01"),
        ]
    };
    for bad in ["0120-123-4567", "090-123-4567"] {
        app.post("/shaho/operator/contracts", &contract("285555", bad))
            .await
            .assert_contains("電話番号は市外局番から入力してください。")
            .assert_contains(&format!("value=\"{bad}\""));
    }
    assert_eq!(scalar(&app, "SELECT CAST(COUNT(*) AS TEXT) FROM contracts WHERE portal = $1", "shaho").await, "1");
    app.post("/shaho/operator/contracts", &contract("285555", "06〜5555〜6666"))
        .await
        .assert_contains("285555 の契約を登録しました。")
        .assert_contains("06-5555-6666")
        .assert_contains("03-1234-5678");
    assert_eq!(scalar(&app, "SELECT phone FROM contracts WHERE customer_id = $1", "285555").await, "0655556666");
}

#[tokio::test]
async fn an_institutions_phone_is_accepted_as_typed_stored_as_digits_and_shown_hyphenated() {
    let app = TestApp::demo().await;
    app.operator_login("jrec-in").await;
    let user = id_in(&app.get("/jrec-in/operator/users?q=demo-kikan").await.body, "operator/users");
    let org = id_in(&app.get(&format!("/jrec-in/operator/users/{user}")).await.body, "organizations");
    let path = format!("/jrec-in/operator/organizations/{org}");
    let saved = app
        .post_confirmed(
            &path,
            &[
                ("name", "国立窓口大学"),
                ("postal_code", "100〜0001"),
                ("address", "東京都千代田区窓口1-1"),
                ("phone", "（０３）１２３４－５６７８"),
            ],
        )
        .await;
    saved
        .assert_contains("保存しました。")
        .assert_contains("value=\"100-0001\"")
        .assert_contains("value=\"03-1234-5678\"");
    assert_eq!(scalar(&app, "SELECT phone FROM organizations WHERE name = $1", "国立窓口大学").await, "0312345678");
    app.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    app.get("/jrec-in/registered-info").await.assert_contains("03-1234-5678").assert_contains("100-0001");
}

/// Item 21: rokin's ユーザー名 was counted before NFC: 11 × か + U+3099 (11 が) was "22".
#[tokio::test]
async fn a_rokin_name_is_counted_and_stored_after_nfc() {
    let app = TestApp::demo().await;
    let id =
        rokin_organization(&app, "株式会社ろうきん商事", "Master01", "master@rokin-shoji.example.jp", "労金　太郎")
            .await;
    let b = app.browser();
    b.sign_in_as("rokin", id).await;
    let decomposed = "か\u{3099}".repeat(11);
    let email = "master@rokin-shoji.example.jp";
    let saved = b.post("/rokin/user-info", &[("name", &decomposed), ("email", email), ("email_confirm", email)]).await;
    assert_eq!(saved.location(), "/rokin/user-info?done=saved", "{}", saved.body);
    assert_eq!(scalar(&app, "SELECT name FROM users WHERE login_id = $1", "Master01").await, "が".repeat(11));
}

/// Item 24: the audit search folded only the query, so ㈱髙島屋 and ＳＪＩＳ found nothing.
#[tokio::test]
async fn the_audit_log_finds_organizations_by_the_user_searchs_matcher() {
    let app = TestApp::demo().await;
    app.operator_login("jrec-in").await;
    new_account(&app, "jrec-in", "㈱髙島屋", "takashimaya-01", "jinji@takashimaya.example.jp").await;
    new_account(&app, "jrec-in", "ＳＪＩＳ研究所", "sjis-01", "jimu@sjis.example.jp").await;
    for (typed, found) in [
        ("㈱髙島屋", "㈱髙島屋"),
        ("(株)髙島屋", "㈱髙島屋"),
        ("sjis", "ＳＪＩＳ研究所"),
        ("ＳＪＩＳ", "ＳＪＩＳ研究所"),
    ] {
        let query: String = url::form_urlencoded::byte_serialize(typed.as_bytes()).collect();
        app.get(&format!("/jrec-in/operator/audit?organization={query}&event=user.created"))
            .await
            .assert_contains("<span id=\"audit-total\">1</span>")
            .assert_contains(&format!("<td>{found}</td><td>user.created</td>"));
        // The user search, with the same matcher, agrees.
        app.get(&format!("/jrec-in/operator/users?q={query}")).await.assert_contains(found);
    }
    app.get("/jrec-in/operator/audit?organization=%E9%AB%98%E5%B3%B6%E5%B1%8B")
        .await
        .assert_contains("<span id=\"audit-total\">0</span>");
}

/// Item 26: a user agent that is not visible ASCII was stored as empty.
#[tokio::test]
async fn a_non_ascii_user_agent_is_kept_in_the_audit_log() {
    let app = TestApp::demo().await;
    app.get("/").await;
    let token = app.cookie("mdg_csrf").unwrap();
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("_csrf", token.as_str()), ("login_id", "demo-kikan"), ("password", "Wrong-Pass-1")])
        .finish();
    let agent = "窓口ブラウザ/1.0 (日本語)";
    let request = Request::post("/jrec-in/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, app.cookie_header())
        .header(header::USER_AGENT, HeaderValue::from_bytes(agent.as_bytes()).unwrap())
        .body(Body::from(body))
        .unwrap();
    app.send(request).await;
    let stored = scalar(&app, "SELECT COALESCE(user_agent, '') FROM audit_log WHERE event = $1", "login.failed").await;
    assert_eq!(stored, agent);
}

/// Item 25: CRLF files (what Excel saves) had their errors on the line before; cells pasted
/// from Excel (tab-separated) had tabs turned into commas, splitting a cell with a comma.
#[tokio::test]
async fn imports_from_excel_keep_their_lines_and_cells() {
    let app = TestApp::demo().await;
    app.operator_login("jrec-in").await;
    let crlf = "組織名,ログインID,メールアドレス,利用者名\r\n窓口大学,kikan-10,a@example.jp,山田 一郎\r\n窓口大学,kikan 11,b@example.jp,山田 二郎\r\n";
    app.post("/jrec-in/operator/users/import", &[("csv", crlf)])
        .await
        .assert_contains("行 3: ログインIDは半角英数字で入力してください。");
    let pasted =
        "組織名\tログインID\tメールアドレス\t利用者名\r\n窓口商事, 本社\tkikan-12\tc@example.jp\t山田 三郎\r\n";
    app.post("/jrec-in/operator/users/import", &[("csv", pasted)])
        .await
        .assert_contains("1件のアカウントを登録しました。");
    app.get("/jrec-in/operator/users?q=kikan-12").await.assert_contains("窓口商事, 本社");
}
