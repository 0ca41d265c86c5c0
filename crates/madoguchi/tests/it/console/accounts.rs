//! The operator console: login with password plus e-mailed code, announcements, help
//! desk text, outbox.

use crate::testkit::{TestApp, code_in};
use axum::http::StatusCode;
use madoguchi::demo::{OPERATOR_PASSWORD, operator_email};
use std::sync::Arc;

async fn audit_count(app: &TestApp, event: &str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    madoguchi_store::audit::count_events(&mut conn, "rokin", event).await.unwrap()
}

#[tokio::test]
async fn operator_login_needs_password_and_the_mailed_code() {
    let app = TestApp::demo().await;
    assert_eq!(app.get("/rokin/operator/").await.location(), "/rokin/operator/login");
    let email = operator_email("rokin");
    let page = app.post("/rokin/operator/login", &[("email", &email), ("password", OPERATOR_PASSWORD)]).await;
    assert_eq!(page.location(), "/rokin/operator/login/code");
    assert_eq!(app.get("/rokin/operator/").await.location(), "/rokin/operator/login", "no session before the code");
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.to == email).unwrap();
    assert_eq!(mail.subject, "【賃金控除事務支援システム】オペレーターログイン確認コード");
    assert!(mail.from.starts_with("賃金控除事務支援システム <"));
    let code = code_in(&mail.text);
    let page = app.post("/rokin/operator/login/code", &[("code", &code)]).await;
    assert_eq!(page.location(), "/rokin/operator/");
    app.get("/rokin/operator/").await.assert_contains("運用者コンソール").assert_contains("労働金庫 運用担当");
    // The session belongs to rokin only.
    assert_eq!(app.get("/shaho/operator/").await.location(), "/shaho/operator/login");
    assert_eq!(audit_count(&app, "operator.login").await, 1);
    assert_eq!(audit_count(&app, "operator.code_sent").await, 1);
    // The code was single-use.
    let again = app.post("/rokin/operator/login/code", &[("code", &code)]).await;
    again.assert_contains("確認コードが無効になりました");
    // Logout ends the server-side session.
    let session = app.cookie("mdg_op").unwrap();
    app.post("/rokin/operator/logout", &[]).await.assert_contains("ログアウトしました");
    assert_eq!(app.cookie("mdg_op"), None);
    let page = app.get_with("/rokin/operator/", &[("cookie", &format!("mdg_op={session}"))]).await;
    assert_eq!(page.location(), "/rokin/operator/login");
}

#[tokio::test]
async fn full_width_code_and_address_are_accepted() {
    let app = TestApp::demo().await;
    let email = operator_email("shaho").replace("operator", "ＯＰＥＲＡＴＯＲ");
    app.post("/shaho/operator/login", &[("email", &email), ("password", OPERATOR_PASSWORD)]).await;
    let code = app.latest_code(&operator_email("shaho")).await;
    let wide: String = code.chars().map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap()).collect();
    let page = app.post("/shaho/operator/login/code", &[("code", &wide)]).await;
    assert_eq!(page.location(), "/shaho/operator/");
}

#[tokio::test]
async fn wrong_password_and_unknown_address_get_the_same_answer() {
    let app = TestApp::demo().await;
    let wrong =
        app.post("/rokin/operator/login", &[("email", &operator_email("rokin")), ("password", "wrong-password")]).await;
    let unknown =
        app.post("/rokin/operator/login", &[("email", "nobody@example.jp"), ("password", "wrong-password")]).await;
    assert_eq!(wrong.status, StatusCode::OK);
    wrong.assert_contains("メールアドレスまたはパスワードが正しくありません");
    unknown.assert_contains("メールアドレスまたはパスワードが正しくありません");
    unknown.assert_contains("value=\"nobody@example.jp\"").assert_lacks("wrong-password");
    assert!(app.mails().await.is_empty());
    let empty = app.post("/rokin/operator/login", &[("email", ""), ("password", "")]).await;
    empty
        .assert_contains("メールアドレスを入力してください。")
        .assert_contains("パスワードを入力してください。")
        .assert_contains("href=\"#email\"");
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_operator() {
    let app = TestApp::demo().await;
    let email = operator_email("rokin");
    for _ in 0..5 {
        app.post("/rokin/operator/login", &[("email", &email), ("password", "wrong-password")]).await;
    }
    let page = app.post("/rokin/operator/login", &[("email", &email), ("password", OPERATOR_PASSWORD)]).await;
    page.assert_contains("メールアドレスまたはパスワードが正しくありません");
    assert!(app.mails().await.is_empty(), "no code while locked");
    assert_eq!(audit_count(&app, "operator.locked").await, 1);
    app.clock.advance(30 * 60 + 1);
    let page = app.post("/rokin/operator/login", &[("email", &email), ("password", OPERATOR_PASSWORD)]).await;
    assert_eq!(page.location(), "/rokin/operator/login/code");
}

#[tokio::test]
async fn a_code_expires_after_ten_minutes_and_after_five_wrong_tries() {
    let app = TestApp::demo().await;
    let email = operator_email("rokin");
    app.post("/rokin/operator/login", &[("email", &email), ("password", OPERATOR_PASSWORD)]).await;
    let code = app.latest_code(&email).await;
    app.clock.advance(10 * 60 + 1);
    app.post("/rokin/operator/login/code", &[("code", &code)]).await.assert_contains("確認コードが無効になりました");

    app.post("/rokin/operator/login", &[("email", &email), ("password", OPERATOR_PASSWORD)]).await;
    let code = app.latest_code(&email).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        app.post("/rokin/operator/login/code", &[("code", wrong)])
            .await
            .assert_contains("確認コードが正しくありません");
    }
    app.post("/rokin/operator/login/code", &[("code", &code)]).await.assert_contains("確認コードが無効になりました");
    app.post("/rokin/operator/login/code", &[("code", "12ab")]).await;
}

#[tokio::test]
async fn a_code_is_single_use_under_parallel_submits() {
    let app = Arc::new(TestApp::demo().await);
    let email = operator_email("rokin");
    app.post("/rokin/operator/login", &[("email", &email), ("password", OPERATOR_PASSWORD)]).await;
    let code = app.latest_code(&email).await;
    let token = app.cookie("mdg_csrf").unwrap();
    let pending = app.cookie("mdg_op_pending").unwrap();
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (app, code, token, pending) = (app.clone(), code.clone(), token.clone(), pending.clone());
        tasks.push(tokio::spawn(async move {
            let body = format!("_csrf={token}&code={code}");
            let request = axum::http::Request::post("/rokin/operator/login/code")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", format!("mdg_csrf={token}; mdg_op_pending={pending}"))
                .body(axum::body::Body::from(body))
                .unwrap();
            let response = tower::ServiceExt::oneshot(app.router.clone(), request).await.unwrap();
            response.headers().get("location").map(|l| l.to_str().unwrap() == "/rokin/operator/").unwrap_or(false)
        }));
    }
    let mut sessions = 0;
    for t in tasks {
        if t.await.unwrap() {
            sessions += 1;
        }
    }
    assert_eq!(sessions, 1, "exactly one of 20 parallel submits may log in");
}

#[tokio::test]
async fn announcements_follow_their_dates() {
    let app = TestApp::demo().await;
    app.operator_login("rokin").await;
    let form = app.get("/rokin/operator/announcements/new").await;
    form.assert_contains("<label for=\"title_ja\">").assert_contains("value=\"2026-11-24T10:00\"");

    // Bad input: a message by each field, what was typed kept, nothing stored.
    let bad = app
        .post(
            "/rokin/operator/announcements/new",
            &[
                ("title_ja", ""),
                ("body_ja", "本文です"),
                ("starts_at", "2026-12-01T09:00"),
                ("ends_at", "2026-11-30T09:00"),
            ],
        )
        .await;
    bad.assert_contains("タイトル（日本語）を入力してください。")
        .assert_contains("掲載終了日時は掲載開始日時より後にしてください。")
        .assert_contains("本文です");
    let bad = app
        .post("/rokin/operator/announcements/new", &[("title_ja", "x"), ("body_ja", "y"), ("starts_at", "明日")])
        .await;
    bad.assert_contains("日時は「2026-12-01T09:00」の形式で入力してください。");
    app.get("/rokin/").await.assert_lacks("年末年始の休止");

    let ok = app
        .post(
            "/rokin/operator/announcements/new",
            &[
                ("title_ja", "年末年始の休止について"),
                ("body_ja", "12月31日から1月3日まで休止します。"),
                ("title_en", "New Year closure"),
                ("body_en", "Closed 31 Dec to 3 Jan."),
                ("starts_at", "2026-11-25T09:00"),
                ("ends_at", "2027-01-04T00:00"),
            ],
        )
        .await;
    ok.assert_contains("保存しました。").assert_contains("掲載前");
    app.get("/rokin/").await.assert_lacks("年末年始の休止");
    app.set_clock("2026-11-25T09:00:00+09:00");
    app.get("/rokin/")
        .await
        .assert_contains("年末年始の休止について")
        .assert_contains("12月31日から1月3日まで休止します。");
    app.get_with("/rokin/", &[("accept-language", "en")]).await.assert_contains("New Year closure");
    app.get("/shaho/").await.assert_lacks("年末年始の休止");
    app.set_clock("2027-01-04T00:00:00+09:00");
    app.get("/rokin/help/top").await;
    app.get("/rokin/").await.assert_lacks("年末年始の休止");
}

#[tokio::test]
async fn announcements_can_be_edited_and_deleted() {
    let app = TestApp::demo().await;
    app.operator_login("mlit-fwms").await;
    app.post(
        "/mlit-fwms/operator/announcements/new",
        &[("title_ja", "保守のお知らせ"), ("body_ja", "停止します。"), ("starts_at", "2026-11-24T09:00")],
    )
    .await;
    let list = app.get("/mlit-fwms/operator/announcements").await;
    let row = &list.body[..list.body.find("保守のお知らせ</a>").unwrap()];
    let href = row.rsplit("/announcements/").next().unwrap().trim_end_matches("\">").to_string();
    let path = format!("/mlit-fwms/operator/announcements/{href}");
    app.get(&path).await.assert_contains("保守のお知らせ");
    app.post(
        &path,
        &[("title_ja", "保守のお知らせ（変更）"), ("body_ja", "停止します。"), ("starts_at", "2026-11-24T09:00")],
    )
    .await
    .assert_contains("保存しました。");
    app.get("/mlit-fwms/").await.assert_contains("保守のお知らせ（変更）");
    // 削除 is a link to its confirmation, which names the notice; a POST without 「はい」 (a
    // script, an old form) deletes nothing and answers the same confirmation.
    app.get(&path).await.assert_contains(&format!("href=\"{path}/delete\""));
    let confirm = app.get(&format!("{path}/delete")).await;
    confirm.assert_contains("この連絡事項を削除します。よろしいですか？").assert_contains("保守のお知らせ（変更）");
    app.post(&format!("{path}/delete"), &[]).await.assert_contains("この連絡事項を削除します。よろしいですか？");
    app.get("/mlit-fwms/").await.assert_contains("保守のお知らせ（変更）");
    app.press_yes(&confirm).await.assert_contains("削除しました。");
    app.get("/mlit-fwms/").await.assert_lacks("保守のお知らせ");
    // Another portal's operator cannot touch it.
    assert_eq!(app.get(&format!("/shaho/operator/announcements/{href}")).await.location(), "/shaho/operator/login");
}

#[tokio::test]
async fn the_help_desk_text_is_edited_by_the_operator() {
    let app = TestApp::demo().await;
    app.operator_login("hellowork").await;
    app.get("/hellowork/operator/help-desk").await.assert_contains("ハローワークにお問い合わせください");
    app.post("/hellowork/operator/help-desk", &[("ja", ""), ("en", "x")])
        .await
        .assert_contains("ヘルプデスク（日本語）を入力してください。");
    app.get("/hellowork/").await.assert_contains("ハローワークにお問い合わせください");
    app.post(
        "/hellowork/operator/help-desk",
        &[("ja", "渋谷ハローワーク\r\n電話 03-0000-0000"), ("en", "Shibuya Hello Work")],
    )
    .await
    .assert_contains("保存しました。");
    app.get("/hellowork/").await.assert_contains("渋谷ハローワーク<br>電話 03-0000-0000");
}

#[tokio::test]
async fn the_outbox_page_shows_what_was_sent() {
    let app = TestApp::demo().await;
    app.operator_login("jrec-in").await;
    let page = app.get("/jrec-in/operator/outbox").await;
    page.assert_contains("operator_login_code").assert_contains("送信済み").assert_contains("o***@jrec-in.example.jp");
    page.assert_contains("<dd id=\"count-sent\">1</dd>");
}

#[tokio::test]
async fn the_operator_sees_a_lock_and_lifts_it() {
    let app = TestApp::demo().await;
    for _ in 0..5 {
        app.post("/hellowork/login", &[("login_id", "demo@hellowork.example.jp"), ("password", "Wrong-Pass-1")]).await;
    }
    app.operator_login("hellowork").await;
    let page = app.get("/hellowork/operator/users").await;
    page.assert_contains("demo@hellowork.example.jp").assert_contains("ロック中");
    let before_unlock = &page.body[..page.body.find("/unlock\"").unwrap()];
    let id = before_unlock.rsplit('/').next().unwrap().to_string();
    let confirm = app.get(&format!("/hellowork/operator/users/{id}/unlock")).await;
    confirm
        .assert_contains("この利用者のロック・閉塞を解除します。よろしいですか？")
        .assert_contains("demo@hellowork.example.jp");
    app.press_yes(&confirm).await.assert_contains("ロック・閉塞を解除しました。").assert_contains("利用可");
    let page = app
        .post("/hellowork/login", &[("login_id", "demo@hellowork.example.jp"), ("password", "Demo-User-2026")])
        .await;
    assert_eq!(page.location(), "/hellowork/login/otp");
    let audit = app.get("/hellowork/operator/audit?event=account.").await;
    audit.assert_contains("account.unlocked").assert_contains("account.locked");
}

#[tokio::test]
async fn the_operator_registers_an_account_and_its_user_gets_a_temporary_password() {
    let app = TestApp::demo().await;
    app.operator_login("hellowork").await;
    let form = app.get("/hellowork/operator/users/new").await;
    form.assert_lacks("<label for=\"login_id\">");
    let bad = app
        .post(
            "/hellowork/operator/users/new",
            &[("organization", "株式会社窓口"), ("email", "not-mail"), ("name", "採用 一郎")],
        )
        .await;
    bad.assert_contains("ID（メールアドレス）はメールアドレスの形式で入力してください。")
        .assert_contains("value=\"株式会社窓口\"");
    let page = app
        .post(
            "/hellowork/operator/users/new",
            &[("organization", "株式会社窓口"), ("email", "Saiyo@Madoguchi.example.jp"), ("name", "採用 一郎")],
        )
        .await;
    assert_eq!(page.location(), "/hellowork/operator/users");
    app.get("/hellowork/operator/users")
        .await
        .assert_contains("saiyo@madoguchi.example.jp")
        .assert_contains("株式会社窓口");
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.to == "saiyo@madoguchi.example.jp").unwrap();
    assert!(mail.text.contains("仮パスワード："));
    let again = app
        .post(
            "/hellowork/operator/users/new",
            &[("organization", "別会社"), ("email", "saiyo@madoguchi.example.jp"), ("name", "別人")],
        )
        .await;
    again.assert_contains("このIDはすでに登録されています。");
}

#[tokio::test]
async fn the_audit_log_is_searched_paged_and_exported() {
    let app = TestApp::demo().await;
    for _ in 0..60 {
        app.post("/jrec-in/login", &[("login_id", "nobody-at-all"), ("password", "x1234567")]).await;
    }
    app.operator_login("jrec-in").await;
    let page = app.get("/jrec-in/operator/audit?event=login.failed").await;
    page.assert_contains("<span id=\"audit-total\">60</span>")
        .assert_contains("(1 / 2)")
        .assert_contains("rel=\"next\"")
        .assert_contains("unknown_login_id");
    app.get("/jrec-in/operator/audit?event=login.failed&page=2").await.assert_contains("rel=\"prev\"");
    app.get("/jrec-in/operator/audit?event=operator.")
        .await
        .assert_contains("operator.login")
        .assert_lacks("login.failed</td>");
    app.get("/jrec-in/operator/audit?from=2026-11-25").await.assert_contains("<span id=\"audit-total\">0</span>");
    app.get("/jrec-in/operator/audit?from=tomorrow")
        .await
        .assert_contains("日付は「2026-12-01」の形式で入力してください。");
    app.get("/jrec-in/operator/audit?user=nobody").await.assert_contains("このログインIDの利用者はいません。");
    app.get("/jrec-in/operator/audit?user=demo-kikan")
        .await
        .assert_contains("<span id=\"audit-total\">1</span>")
        .assert_contains("user.created");
    let csv = app.get("/jrec-in/operator/audit.csv?event=login.failed").await;
    assert_eq!(csv.headers.get("content-type").unwrap(), "text/csv; charset=utf-8");
    assert!(csv.body.starts_with("\u{feff}\"日時\",\"組織\",\"イベント\""), "{}", csv.body);
    assert_eq!(csv.body.lines().count(), 61);
    app.get("/jrec-in/operator/audit?event=data.exported").await.assert_contains("audit.csv 60 rows");
    // Another portal's log stays out.
    app.get("/jrec-in/operator/audit").await.assert_lacks("hellowork");
}

/// Events about a user carry the user's organization; the operator searches by (part of) its name.
#[tokio::test]
async fn audit_events_name_their_organization() {
    let app = TestApp::demo().await;
    app.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "Wrong-Pass-1")]).await;
    app.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    app.post("/jrec-in/login", &[("login_id", "nobody-at-all"), ("password", "Wrong-Pass-1")]).await;
    app.operator_login("jrec-in").await;
    let org = "国立窓口大学";
    let part: String = org.chars().skip(1).take(3).collect();
    let page = app.get(&format!("/jrec-in/operator/audit?organization={part}&event=login.")).await;
    page.assert_contains("<span id=\"audit-total\">2</span>")
        .assert_contains(&format!("<td>{org}</td><td>login.failed</td>"))
        .assert_contains(&format!("<td>{org}</td><td>login.succeeded</td>"))
        .assert_lacks("unknown_login_id");
    // A name's LIKE characters are taken literally.
    app.get("/jrec-in/operator/audit?organization=%25").await.assert_contains("<span id=\"audit-total\">0</span>");
    let csv = app.get(&format!("/jrec-in/operator/audit.csv?organization={part}&event=login.failed")).await;
    assert!(csv.body.lines().nth(1).unwrap().contains(&format!(",\"{org}\",\"login.failed\",")), "{}", csv.body);
}

#[tokio::test]
async fn accounts_are_imported_all_or_none_with_errors_per_line() {
    let app = TestApp::demo().await;
    app.operator_login("jrec-in").await;
    app.get("/jrec-in/operator/users/import").await.assert_contains("一括登録（CSV）");
    let bad = "組織名,ログインID,メールアドレス,利用者名\n窓口大学,kikan-10,a@example.jp,山田 一郎\n窓口大学,kikan 11,b@example.jp,山田 二郎\n窓口大学,kikan-10,c@example.jp,山田 三郎\n窓口大学,demo-kikan,d@example.jp,山田 四郎\n短い行\n";
    let page = app.post("/jrec-in/operator/users/import", &[("csv", bad)]).await;
    page.assert_contains("誤りのある行があるため、登録しませんでした。")
        .assert_contains("行 3: ログインIDは半角英数字で入力してください。")
        .assert_contains("行 4: ログインID kikan-10 がファイル内で重複しています。")
        .assert_contains("行 6: 列の数が1です")
        .assert_contains("山田 三郎");
    // demo-kikan is taken: found only at insert time, and then nothing is kept either.
    let taken = "組織名,ログインID,メールアドレス,利用者名\n窓口大学,kikan-10,a@example.jp,山田 一郎\n窓口大学,demo-kikan,d@example.jp,山田 四郎\n";
    app.post("/jrec-in/operator/users/import", &[("csv", taken)])
        .await
        .assert_contains("行 3: ログインID demo-kikan はすでに登録されています。");
    app.get("/jrec-in/operator/users").await.assert_lacks("kikan-10");
    // From Excel: tab-separated.
    let good = "組織名\tログインID\tメールアドレス\t利用者名\n窓口大学\tkikan-10\ta@example.jp\t山田 一郎\n窓口研究所\tkikan-11\tb@example.jp\t山田 二郎\n";
    app.post("/jrec-in/operator/users/import", &[("csv", good)])
        .await
        .assert_contains("2件のアカウントを登録しました。");
    app.get("/jrec-in/operator/users").await.assert_contains("kikan-10").assert_contains("kikan-11");
    let mails = app.mails().await;
    assert!(mails.iter().any(|m| m.to == "b@example.jp" && m.text.contains("仮パスワード：")));
}

/// hellowork: the operator records each employer's 管轄安定所 with the account (form or CSV).
#[tokio::test]
async fn hellowork_accounts_carry_their_office_in_charge() {
    let app = TestApp::demo().await;
    app.operator_login("hellowork").await;
    app.get("/hellowork/operator/users/new").await.assert_contains("<label for=\"office\">管轄安定所名</label>");
    let page = app
        .post(
            "/hellowork/operator/users/new",
            &[
                ("organization", "株式会社窓口"),
                ("office", " 渋谷公共職業安定所 "),
                ("email", "saiyo@madoguchi.example.jp"),
                ("name", "採用 一郎"),
            ],
        )
        .await;
    assert_eq!(page.location(), "/hellowork/operator/users", "{}", page.body);
    let csv = "組織名,ログインID,メールアドレス,利用者名,管轄安定所名\n窓口商店,,b@example.jp,山田 二郎,品川公共職業安定所\n窓口工業,,c@example.jp,山田 三郎\n";
    app.post("/hellowork/operator/users/import", &[("csv", csv)])
        .await
        .assert_contains("2件のアカウントを登録しました。");
    let mut conn = app.state.store.acquire().await.unwrap();
    for (email, office) in [
        ("saiyo@madoguchi.example.jp", "渋谷公共職業安定所"),
        ("b@example.jp", "品川公共職業安定所"),
        ("c@example.jp", ""),
    ] {
        let user = madoguchi_store::users::by_login_id(&mut conn, "hellowork", email).await.unwrap().unwrap();
        assert_eq!(user.organization_office.as_deref(), Some(office), "{email}");
    }
    let id = madoguchi_store::users::by_login_id(&mut conn, "hellowork", "b@example.jp").await.unwrap().unwrap().id;
    drop(conn);
    app.get(&format!("/hellowork/operator/users/{id}"))
        .await
        .assert_contains("<dt>管轄安定所名</dt><dd id=\"user-office\">品川公共職業安定所</dd>");
    // Portals without an office neither ask for it nor take a fifth column.
    app.operator_login("jrec-in").await;
    app.get("/jrec-in/operator/users/new").await.assert_lacks("name=\"office\"");
    let five = "組織名,ログインID,メールアドレス,利用者名,管轄\n窓口大学,kikan-20,d@example.jp,山田 四郎,どこか\n";
    app.post("/jrec-in/operator/users/import", &[("csv", five)]).await.assert_contains("行 2: 列の数が5です");
}

#[test]
fn csv_files_from_excel_in_shift_jis_are_read() {
    let (sjis, _, _) =
        encoding_rs::SHIFT_JIS.encode("組織名,ログインID,メールアドレス,利用者名\n窓口大学,k1,a@example.jp,山田\n");
    let text = madoguchi_identity::accounts::decode_csv(&sjis).unwrap();
    assert!(text.contains("窓口大学"));
    let bom = "\u{feff}組織名".as_bytes();
    assert_eq!(madoguchi_identity::accounts::decode_csv(bom).unwrap(), "組織名");
}
