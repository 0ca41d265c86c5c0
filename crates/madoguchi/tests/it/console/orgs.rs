//! The operator console's organizations and users: search, one user's detail, disable and
//! re-enable; jrec-in's 登録情報確認 and the operator's edits of it; the exit surveys.

use crate::testkit::{Page, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

const KIKAN: &str = "demo-kikan";
const KIKAN_PASSWORD: &str = "DemoUser2026";
const KIKAN_MAIL: &str = "demo@jrec-in.example.jp";

async fn audit_count(app: &TestApp, portal: &str, event: &str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    madoguchi_store::audit::count_events(&mut conn, portal, event).await.unwrap()
}

/// The number in the first `…/{what}/{n}` link of a page.
fn id_in(body: &str, what: &str) -> String {
    let marker = format!("/{what}/");
    body.match_indices(&marker)
        .map(|(at, _)| body[at + marker.len()..].chars().take_while(char::is_ascii_digit).collect::<String>())
        .find(|id| !id.is_empty())
        .unwrap_or_else(|| panic!("no {marker}<n> link in:\n{body}"))
}

async fn kikan_user_id(app: &TestApp) -> String {
    id_in(&app.get(&format!("/jrec-in/operator/users?q={KIKAN}")).await.body, "operator/users")
}

/// A form posted by a browser that asks for English.
async fn post_en(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Page {
    let token = app.cookie("mdg_csrf").unwrap();
    let mut all = vec![("_csrf", token.as_str())];
    all.extend_from_slice(fields);
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&all).finish();
    let cookies: Vec<String> =
        ["mdg_csrf", "mdg_op"].iter().filter_map(|n| app.cookie(n).map(|v| format!("{n}={v}"))).collect();
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookies.join("; "))
        .header(header::ACCEPT_LANGUAGE, "en")
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

async fn kikan_login(app: &TestApp) -> Page {
    app.post("/jrec-in/login", &[("login_id", KIKAN), ("password", KIKAN_PASSWORD)]).await
}

#[tokio::test]
async fn a_disabled_account_is_refused_like_a_wrong_password_and_its_session_ends() {
    let app = TestApp::demo().await;
    assert_eq!(kikan_login(&app).await.location(), "/jrec-in/home");
    let session = app.cookie("mdg_s").unwrap();
    // What a wrong password gets while the account is enabled.
    let wrong = app.post("/jrec-in/login", &[("login_id", KIKAN), ("password", "Wrong12345")]).await;
    wrong.assert_contains("IDまたはパスワードが正しくありません");
    // The operator's login below renews the browser's CSRF token, which every page carries.
    let token_then = app.cookie("mdg_csrf").unwrap();
    app.operator_login("jrec-in").await;
    let id = kikan_user_id(&app).await;
    let detail = app.get(&format!("/jrec-in/operator/users/{id}")).await;
    detail
        .assert_contains("国立窓口大学")
        .assert_contains("管理者")
        .assert_contains("<dd id=\"user-state\">利用可</dd>")
        .assert_contains(&format!("href=\"/jrec-in/operator/users/{id}/disable\""));
    // 利用停止 asks first, on a page of its own that names the account (no JavaScript needed).
    let confirm = app.get(&format!("/jrec-in/operator/users/{id}/disable")).await;
    confirm.assert_contains("このアカウントの利用を停止します。よろしいですか？").assert_contains(KIKAN);
    let page = app.press_yes(&confirm).await;
    page.assert_contains("アカウントの利用を停止しました。").assert_contains("<dd id=\"user-state\">利用停止中</dd>");
    assert_eq!(audit_count(&app, "jrec-in", "account.disabled").await, 1);
    // The session ended at once, on the server: the old cookie opens nothing.
    assert_eq!(app.get("/jrec-in/home").await.location(), "/jrec-in/login");
    let old = app.get_with("/jrec-in/home", &[("cookie", &format!("mdg_s={session}"))]).await;
    assert_eq!(old.location(), "/jrec-in/login");
    // The right password gets exactly the page a wrong one gets.
    let right = kikan_login(&app).await;
    assert_eq!(right.status, wrong.status);
    let token_now = app.cookie("mdg_csrf").unwrap();
    assert_eq!(right.body.replace(&token_now, "TOKEN"), wrong.body.replace(&token_then, "TOKEN"));
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.to == KIKAN_MAIL && m.subject.contains("利用停止")).unwrap();
    assert!(mail.text.contains("研究 太郎 様"), "{}", mail.text);
    // A second click changes, audits and mails nothing.
    app.post(&format!("/jrec-in/operator/users/{id}/disable"), &[("_step", "confirmed")])
        .await
        .assert_contains("変更はありません");
    assert_eq!(audit_count(&app, "jrec-in", "account.disabled").await, 1);
    app.get("/jrec-in/operator/users").await.assert_contains("利用停止中");

    // Re-enabled: the same password works again, and the owner is told.
    let page = app.post_confirmed(&format!("/jrec-in/operator/users/{id}/enable"), &[]).await;
    page.assert_contains("アカウントの利用を再開しました。").assert_contains("<dd id=\"user-state\">利用可</dd>");
    assert_eq!(kikan_login(&app).await.location(), "/jrec-in/home");
    assert_eq!(audit_count(&app, "jrec-in", "account.enabled").await, 1);
    let mails = app.mails().await;
    assert!(mails.iter().any(|m| m.to == KIKAN_MAIL && m.subject.contains("利用再開")));
    let audit = app.get("/jrec-in/operator/audit?event=login.failed").await;
    audit.assert_contains(">disabled</td>");
}

#[tokio::test]
async fn another_portals_operator_cannot_see_or_change_these_users() {
    let app = TestApp::demo().await;
    app.operator_login("jrec-in").await;
    let id = kikan_user_id(&app).await;
    let org = id_in(&app.get(&format!("/jrec-in/operator/users/{id}")).await.body, "organizations");
    // The jrec-in operator session does not open another portal's console.
    assert_eq!(app.get(&format!("/hellowork/operator/users/{id}")).await.location(), "/hellowork/operator/login");
    app.operator_login("hellowork").await;
    assert_eq!(app.get(&format!("/hellowork/operator/users/{id}")).await.status, StatusCode::NOT_FOUND);
    for action in ["disable", "enable", "unlock"] {
        let path = format!("/hellowork/operator/users/{id}/{action}");
        assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND, "{action}: its confirmation");
        let page = app.post(&path, &[]).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{action}");
        let page = app.post(&path, &[("_step", "confirmed")]).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{action}, confirmed");
    }
    let edit = app.post(&format!("/hellowork/operator/organizations/{org}"), &[("name", "乗っ取り大学")]).await;
    assert_eq!(edit.status, StatusCode::NOT_FOUND);
    app.get("/hellowork/operator/users?q=kikan")
        .await
        .assert_lacks(KIKAN)
        .assert_contains("該当する利用者はいません。");
    app.get("/hellowork/operator/users").await.assert_lacks(KIKAN);
    assert_eq!(audit_count(&app, "hellowork", "account.disabled").await, 0);
    assert_eq!(kikan_login(&app).await.location(), "/jrec-in/home", "untouched");
    app.get("/jrec-in/registered-info").await.assert_contains("国立窓口大学").assert_lacks("乗っ取り大学");
}

#[tokio::test]
async fn users_are_found_by_folded_id_mail_name_or_organization_and_paged() {
    let app = TestApp::demo().await;
    app.operator_login("jrec-in").await;
    let mut csv = String::from("組織名,ログインID,メールアドレス,利用者名\n");
    for i in 0..60 {
        csv.push_str(&format!("窓口研究所,kikan-{i:02},k{i}@lab.example.jp,研究 {i}郎\n"));
    }
    csv.push_str("ｶﾞｸｼﾞｭﾂ振興会,gakujutsu,g@example.jp,山田　花子\n");
    app.post("/jrec-in/operator/users/import", &[("csv", &csv)]).await.assert_contains("61件");

    let all = app.get("/jrec-in/operator/users").await;
    all.assert_contains("<span id=\"users-total\">62</span>")
        .assert_contains("(1 / 2)")
        .assert_contains("rel=\"next\"");
    app.get("/jrec-in/operator/users?page=2").await.assert_contains("rel=\"prev\"").assert_contains("(2 / 2)");
    // Full-width input, half-width katakana, spaces: folded on both sides.
    app.get("/jrec-in/operator/users?q=ＫＩＫＡＮ－０７")
        .await
        .assert_contains("<span id=\"users-total\">1</span>")
        .assert_contains("kikan-07");
    app.get("/jrec-in/operator/users?q=ガクジュツ").await.assert_contains("gakujutsu");
    app.get("/jrec-in/operator/users?q=山田花子").await.assert_contains("gakujutsu");
    app.get("/jrec-in/operator/users?q=K5@LAB").await.assert_contains("kikan-05");
    app.get("/jrec-in/operator/users?q=窓口研究所&page=2")
        .await
        .assert_contains("<span id=\"users-total\">60</span>")
        .assert_contains("q=%E7%AA%93");
    app.get("/jrec-in/operator/users?q=nobody").await.assert_contains("該当する利用者はいません。");
    app.get("/jrec-in/operator/users").await.assert_contains("<label for=\"q\">");
}

#[tokio::test]
async fn an_institution_edit_shows_on_the_employers_registered_information() {
    let app = TestApp::demo().await;
    kikan_login(&app).await;
    let home = app.get("/jrec-in/home").await;
    home.assert_contains("アカウント情報").assert_contains("href=\"/jrec-in/registered-info\"");
    let info = app.get("/jrec-in/registered-info").await;
    info.assert_contains("登録情報確認")
        .assert_contains("国立窓口大学")
        .assert_contains(KIKAN)
        .assert_contains("研究 太郎")
        .assert_contains(KIKAN_MAIL)
        .assert_contains("JREC-IN Portal事務局までご連絡ください")
        .assert_lacks("<form method=\"post\" action=\"/jrec-in/registered-info");

    app.operator_login("jrec-in").await;
    let id = kikan_user_id(&app).await;
    let org = id_in(&app.get(&format!("/jrec-in/operator/users/{id}")).await.body, "organizations");
    let path = format!("/jrec-in/operator/organizations/{org}");
    let form = app.get(&path).await;
    form.assert_contains("<label for=\"name\">機関名</label>")
        .assert_contains("<label for=\"postal_code\">郵便番号</label>")
        .assert_contains("value=\"国立窓口大学\"");
    let typed = [
        ("name", "国立窓口大学 大学院"),
        ("kind", "university"),
        ("department", "理学研究科"),
        ("postal_code", "１００－０００１"),
        ("address", "東京都千代田区窓口1-1"),
        ("phone", "０３－１２３４－５６７８"),
    ];
    // Checked first, then 「登録情報を変更します。よろしいですか？」 with each change; nothing saved yet.
    let confirm = app.post(&path, &typed).await;
    confirm
        .assert_contains("登録情報を変更します。よろしいですか？")
        .assert_contains("<dd>国立窓口大学 → 国立窓口大学 大学院</dd>")
        .assert_contains("<dd> → 100-0001</dd>");
    assert_eq!(audit_count(&app, "jrec-in", "organization.updated").await, 0);
    let saved = app
        .post_confirmed(
            &path,
            &[
                ("name", "国立窓口大学 大学院"),
                ("kind", "university"),
                ("department", "理学研究科"),
                ("postal_code", "１００－０００１"),
                ("address", "東京都千代田区窓口1-1"),
                ("phone", "０３－１２３４－５６７８"),
            ],
        )
        .await;
    saved.assert_contains("保存しました。").assert_contains("value=\"100-0001\"");
    assert_eq!(audit_count(&app, "jrec-in", "organization.updated").await, 1);
    app.get("/jrec-in/operator/audit?event=organization.")
        .await
        .assert_contains("name: &#34;国立窓口大学&#34; → &#34;国立窓口大学 大学院&#34;")
        .assert_contains(&format!("organization:{org}"));
    let info = app.get("/jrec-in/registered-info").await;
    info.assert_contains("国立窓口大学 大学院")
        .assert_contains("大学</dd>")
        .assert_contains("理学研究科")
        .assert_contains("100-0001")
        .assert_contains("03-1234-5678");
    app.get("/jrec-in/home").await.assert_contains("国立窓口大学 大学院");
    // Saving the same again changes and audits nothing.
    app.post(
        &path,
        &[
            ("name", "国立窓口大学 大学院"),
            ("kind", "university"),
            ("department", "理学研究科"),
            ("postal_code", "100-0001"),
            ("address", "東京都千代田区窓口1-1"),
            ("phone", "03-1234-5678"),
        ],
    )
    .await
    .assert_contains("変更された項目はありません。");
    assert_eq!(audit_count(&app, "jrec-in", "organization.updated").await, 1);
}

#[tokio::test]
async fn a_bad_institution_edit_keeps_the_input_and_changes_nothing() {
    let app = TestApp::demo().await;
    app.operator_login("jrec-in").await;
    let id = kikan_user_id(&app).await;
    let org = id_in(&app.get(&format!("/jrec-in/operator/users/{id}")).await.body, "organizations");
    let path = format!("/jrec-in/operator/organizations/{org}");
    let fields = [
        ("name", ""),
        ("kind", "castle"),
        ("department", "理学研究科"),
        ("postal_code", "12-345"),
        ("address", "東京都"),
        ("phone", "12345"),
    ];
    let bad = app.post(&path, &fields).await;
    bad.assert_contains("機関名を入力してください。")
        .assert_contains("機関種別は一覧から選択してください。")
        .assert_contains("郵便番号は「100-0001」の形式")
        .assert_contains("電話番号は市外局番から入力してください。")
        .assert_contains("href=\"#phone\"")
        .assert_contains("id=\"phone-error\"")
        .assert_contains("value=\"理学研究科\"")
        .assert_contains("value=\"12-345\"")
        .assert_contains("value=\"12345\"");
    let long = "あ".repeat(101);
    app.post(&path, &[("name", long.as_str())]).await.assert_contains("機関名は100文字以内で入力してください。");
    let english = post_en(&app, &path, &fields).await;
    english.assert_contains("Enter the Institution name.").assert_contains("value=\"12345\"");
    assert_eq!(audit_count(&app, "jrec-in", "organization.updated").await, 0);
    kikan_login(&app).await;
    app.get("/jrec-in/registered-info").await.assert_contains("国立窓口大学").assert_lacks("理学研究科");
}

#[tokio::test]
async fn registered_information_is_only_where_the_portal_has_it() {
    let app = TestApp::demo().await;
    app.post("/mlit-fwms/login", &[("login_id", "kensetsu01"), ("password", "Demo-User-2026")]).await;
    app.get("/mlit-fwms/home").await.assert_lacks("registered-info").assert_lacks("アカウント情報");
    assert_eq!(app.get("/mlit-fwms/registered-info").await.status, StatusCode::NOT_FOUND);
    app.operator_login("mlit-fwms").await;
    let id = id_in(&app.get("/mlit-fwms/operator/users?q=kensetsu01").await.body, "operator/users");
    let detail = app.get(&format!("/mlit-fwms/operator/users/{id}")).await;
    detail.assert_contains("窓口建設株式会社").assert_lacks("/organizations/");
    assert_eq!(app.get("/mlit-fwms/operator/organizations/1").await.status, StatusCode::NOT_FOUND);
    // Nor are the surveys, where withdrawal has none.
    app.get("/mlit-fwms/operator/").await.assert_lacks("/surveys");
    assert_eq!(app.get("/mlit-fwms/operator/surveys").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/mlit-fwms/operator/surveys.csv").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn exit_surveys_are_listed_paged_and_exported_for_excel() {
    let app = TestApp::demo().await;
    kikan_login(&app).await;
    app.post(
        "/jrec-in/withdraw",
        &[
            ("reason", "filled"),
            ("reason", "hard_to_use"),
            ("comment", "=1+1 \"引用\"\r\nお世話になりました"),
            ("password", KIKAN_PASSWORD),
        ],
    )
    .await
    .assert_contains("退会手続きが完了しました。");
    app.operator_login("jrec-in").await;
    let console = app.get("/jrec-in/operator/").await;
    console.assert_contains("href=\"/jrec-in/operator/surveys\"");
    let page = app.get("/jrec-in/operator/surveys").await;
    page.assert_contains("<span id=\"surveys-total\">1</span>")
        .assert_contains("求人・採用が充足した、使いにくい")
        .assert_contains("お世話になりました")
        .assert_contains("2026-11-24 10:00");
    // The withdrawn account shows as such.
    app.get(&format!("/jrec-in/operator/users?q={KIKAN}")).await.assert_contains("退会済み");

    let csv = app.get("/jrec-in/operator/surveys.csv").await;
    assert_eq!(csv.headers.get("content-type").unwrap(), "text/csv; charset=utf-8");
    let disposition = csv.headers.get("content-disposition").unwrap().to_str().unwrap();
    assert!(disposition.starts_with("attachment; filename=\"withdrawal-surveys-jrec-in-"), "{disposition}");
    assert!(disposition.contains(".csv\"; filename*=UTF-8''withdrawal-surveys-jrec-in-"), "{disposition}");
    assert_eq!(csv.headers.get("x-content-type-options").unwrap(), "nosniff");
    assert!(csv.body.starts_with("\u{feff}\"回答日時\",\"退会理由\",\"ご意見・ご要望\"\r\n"), "{}", csv.body);
    assert!(csv.body.contains("\"求人・採用が充足した、使いにくい\""), "{}", csv.body);
    // A formula is defused and quotes are doubled.
    assert!(csv.body.contains("\"'=1+1 \"\"引用\"\""), "{}", csv.body);
    // English screens, the same Japanese file for the secretariat's Excel.
    let en = app.get_with("/jrec-in/operator/surveys.csv", &[("accept-language", "en")]).await;
    assert!(en.body.contains("求人・採用が充足した"));
    assert_eq!(audit_count(&app, "jrec-in", "data.exported").await, 2);
    app.get("/jrec-in/operator/audit?event=data.exported").await.assert_contains("withdrawal_surveys.csv 1 rows");

    // Paging: 55 more answers make two pages.
    {
        let mut conn = app.state.store.acquire().await.unwrap();
        for i in 0..55 {
            madoguchi_store::users::record_survey(
                &mut conn,
                "jrec-in",
                "other",
                &format!("意見{i}"),
                1_800_000_000 + i,
            )
            .await
            .unwrap();
        }
    }
    let first = app.get("/jrec-in/operator/surveys").await;
    first.assert_contains("<span id=\"surveys-total\">56</span>").assert_contains("(1 / 2)").assert_contains("意見54");
    app.get("/jrec-in/operator/surveys?page=2")
        .await
        .assert_contains("お世話になりました")
        .assert_contains("rel=\"prev\"");
    assert_eq!(app.get("/jrec-in/operator/surveys.csv").await.body.matches("\r\n").count(), 1 + 56 + 1);
}

#[tokio::test]
async fn a_disabled_account_gets_no_reset_key_and_loses_the_one_it_had() {
    let app = TestApp::demo().await;
    let id = "demo@hellowork.example.jp";
    let key_of = |text: &str| -> String {
        text.lines().find(|l| l.starts_with("認証キー：")).unwrap().chars().filter(char::is_ascii_digit).collect()
    };
    app.post("/hellowork/password/forgot", &[("login_id", id)]).await;
    let mails = app.mails().await;
    let key = key_of(&mails.iter().find(|m| m.subject.contains("パスワード再登録申込受付通知")).unwrap().text);
    app.operator_login("hellowork").await;
    let user = id_in(&app.get("/hellowork/operator/users?q=demo@hellowork").await.body, "operator/users");
    app.post_confirmed(&format!("/hellowork/operator/users/{user}/disable"), &[]).await.assert_contains("利用停止中");
    // The key mailed before the disable no longer works.
    let fields = [("new", "Fresh-Pass-42"), ("confirm", "Fresh-Pass-42"), ("key", key.as_str())];
    app.post("/hellowork/password/reset", &fields)
        .await
        .assert_contains("認証キーが正しくないか、有効期限が切れています");
    // A new request reads the same and mails nothing.
    let before = app.mails().await.len();
    let page = app.post("/hellowork/password/forgot", &[("login_id", id)]).await;
    assert_eq!(page.location(), "/hellowork/password/reset");
    assert_eq!(app.mails().await.len(), before);
}

#[tokio::test]
async fn a_lock_is_lifted_from_the_users_detail_page() {
    let app = TestApp::demo().await;
    for _ in 0..5 {
        app.post("/jrec-in/login", &[("login_id", KIKAN), ("password", "Wrong12345")]).await;
    }
    app.operator_login("jrec-in").await;
    let id = kikan_user_id(&app).await;
    let detail = app.get(&format!("/jrec-in/operator/users/{id}")).await;
    let link = format!("/jrec-in/operator/users/{id}/unlock?back=detail");
    detail.assert_contains("ロック中").assert_contains(&format!("href=\"{link}\""));
    let confirm = app.get(&link).await;
    confirm
        .assert_contains("name=\"back\" value=\"detail\"")
        .assert_contains(&format!("href=\"/jrec-in/operator/users/{id}\""));
    let page = app.press_yes(&confirm).await;
    page.assert_contains("ロック・閉塞を解除しました。").assert_contains("<dd id=\"user-state\">利用可</dd>");
    assert_eq!(kikan_login(&app).await.location(), "/jrec-in/home");
    let en = app.get_with("/jrec-in/registered-info", &[("accept-language", "en")]).await;
    en.assert_contains("Registered information").assert_contains("Institution name").assert_contains("secretariat");
}
