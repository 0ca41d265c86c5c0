//! rokin's other menu screens: 操作ログ照会, マニュアル照会 with the operator's PDF uploads, the
//! ソフトウェアキーボード, and the help page of every screen.

use super::users::{MASTER_ID, events, master, member, user};
use crate::testkit::{TestApp, rokin_organization};
use axum::http::{StatusCode, header};
use madoguchi_core::Config;

#[tokio::test]
async fn the_operation_log_searches_its_own_organization_only() {
    let app = TestApp::demo().await;
    app.set_clock("2026-11-24T10:00:00+09:00");
    let (b, _) = master(&app).await;
    let (m, member_id) = member(&app, &b, "Ippan001", "ippan@rokin-shoji.example.jp").await;
    // Another organization does things too.
    let other = rokin_organization(&app, "別会社", "Other001", "other@example.jp", "別会社　一郎").await;
    app.set_clock("2026-11-25T10:00:00+09:00");
    // A new day, new sessions (yesterday's have timed out).
    let o = app.browser();
    o.sign_in_as("rokin", other).await;
    b.sign_in_as("rokin", user(&app, MASTER_ID).await.unwrap().id).await;
    m.sign_in_as("rokin", member_id).await;
    o.post(
        "/rokin/user-info",
        &[("name", "別会社　二郎"), ("email", "other@example.jp"), ("email_confirm", "other@example.jp")],
    )
    .await;
    m.post(
        "/rokin/user-info",
        &[
            ("name", "一般　春子"),
            ("email", "ippan@rokin-shoji.example.jp"),
            ("email_confirm", "ippan@rokin-shoji.example.jp"),
        ],
    )
    .await;

    let all = b.get("/rokin/operation-log").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    all.assert_contains("<h1>操作ログ照会</h1>")
        .assert_contains("<option value=\"\">すべてのユーザー</option>")
        .assert_contains(&format!("<option value=\"{member_id}\">Ippan001（一般　春子）</option>"))
        .assert_contains("<td>契約ユーザー情報変更</td>")
        .assert_contains("<td>ユーザー登録</td><td>Ippan001（一般　春子）</td>")
        .assert_contains("<span id=\"log-total\">3</span>")
        .assert_lacks("Other001")
        .assert_lacks("別会社");
    // By user, by kind, by dates (Japan time).
    let by_user = b.get(&format!("/rokin/operation-log?user={member_id}")).await;
    by_user.assert_contains("<span id=\"log-total\">2</span>");
    let by_event = b.get("/rokin/operation-log?event=profile.updated").await;
    by_event
        .assert_contains("<span id=\"log-total\">1</span>")
        .assert_contains("<td>Ippan001</td><td>一般　春子</td><td>契約ユーザー情報変更</td>");
    b.get("/rokin/operation-log?from=2026-11-25").await.assert_contains("<span id=\"log-total\">1</span>");
    b.get("/rokin/operation-log?to=2026-11-24").await.assert_contains("<span id=\"log-total\">2</span>");
    b.get("/rokin/operation-log?from=２０２６-１１-２４&to=2026-11-24")
        .await
        .assert_contains("<span id=\"log-total\">2</span>");
    b.get("/rokin/operation-log?from=2026-11-26").await.assert_contains("<span id=\"log-total\">0</span>");
    b.get("/rokin/operation-log?from=11/24")
        .await
        .assert_contains("id=\"from-error\"><p>日付は「2026-12-01」の形式で入力してください。");
    // Another organization's user cannot be asked for.
    b.get(&format!("/rokin/operation-log?user={other}"))
        .await
        .assert_contains("ユーザーを一覧から選択してください。")
        .assert_lacks("Other001");
    b.get("/rokin/operation-log?event=operator.login").await.assert_contains("操作を一覧から選択してください。");

    // A general user reads only their own (and what was done to them).
    let own = m.get("/rokin/operation-log").await;
    own.assert_contains("ご自身の操作のログが表示されます。")
        .assert_lacks("すべてのユーザー")
        .assert_contains("<span id=\"log-total\">2</span>");
    m.get(&format!("/rokin/operation-log?user={}", user(&app, MASTER_ID).await.unwrap().id))
        .await
        .assert_contains("<span id=\"log-total\">2</span>");

    // Paged by 50, with the search kept in the links.
    {
        let mut conn = app.state.store.acquire().await.unwrap();
        let subject = format!("user:{member_id}");
        for _ in 0..55 {
            let entry = madoguchi_store::audit::AuditEntry {
                portal: "rokin",
                event: "login.succeeded",
                actor: Some(&subject),
                subject: Some(&subject),
                ..Default::default()
            };
            madoguchi_store::audit::record(&mut conn, &entry, app.state.clock.unix()).await.unwrap();
        }
    }
    let first = b.get("/rokin/operation-log?event=login.succeeded").await;
    first.assert_contains("<span id=\"log-total\">55</span>").assert_contains("(1 / 2)").assert_contains(
        "href=\"/rokin/operation-log?user=&#38;event=login.succeeded&#38;from=&#38;to=&#38;page=2\" rel=\"next\"",
    );
    assert_eq!(first.body.matches("<td>ログイン</td>").count(), 50);
    let second = b.get("/rokin/operation-log?event=login.succeeded&page=2").await;
    assert_eq!(second.body.matches("<td>ログイン</td>").count(), 5);
    // The other organization's master sees none of it.
    let theirs = o.get("/rokin/operation-log").await;
    theirs
        .assert_contains("<span id=\"log-total\">2</span>")
        // The account was made by the bank's side (here the test's setup).
        .assert_contains("<td></td><td>労働金庫（運用者）</td><td>ユーザー登録</td><td>Other001（別会社　二郎）</td>")
        .assert_lacks("Ippan001")
        .assert_lacks("Master01");
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

#[tokio::test]
async fn the_operator_uploads_manuals_that_users_read_and_download() {
    let app = TestApp::demo().await;
    let op = app.browser();
    op.operator_login("rokin").await;
    op.get("/rokin/operator/").await.assert_contains("href=\"/rokin/operator/manuals\"");
    let page = op.get("/rokin/operator/manuals").await;
    page.assert_contains("<h1>マニュアル管理</h1>").assert_contains("enctype=\"multipart/form-data\"");

    // Refused: no CSRF token, or not as the first part; nothing is stored.
    let pdf = [("file", "操作マニュアル【事業主編】.pdf", "application/pdf", PDF)];
    let forged = op.post_multipart("/rokin/operator/manuals", false, &[("title", "偽物")], &pdf).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let token = op.cookie("mdg_csrf").unwrap();
    let late = op
        .post_multipart("/rokin/operator/manuals", false, &[("title", "偽物"), ("_csrf", token.as_str())], &pdf)
        .await;
    assert_eq!(late.status, StatusCode::FORBIDDEN);
    // Not a PDF (whatever its name says), no title, no file.
    let text = [("file", "manual.pdf", "application/pdf", b"just text, not a PDF".as_slice())];
    op.post_multipart("/rokin/operator/manuals", true, &[("title", "テキスト")], &text)
        .await
        .assert_contains("<div class=\"error-message\" id=\"file-error\"><p>PDFファイルではありません。PDFファイルを選択してください。</p>")
        .assert_contains("value=\"テキスト\"");
    op.post_multipart("/rokin/operator/manuals", true, &[("title", "")], &pdf)
        .await
        .assert_contains("タイトルを入力してください。");
    op.post_multipart("/rokin/operator/manuals", true, &[("title", "空")], &[])
        .await
        .assert_contains("登録するPDFファイルを選択してください。");
    let mut conn = app.state.store.acquire().await.unwrap();
    assert!(madoguchi_store::manuals::list(&mut conn, "rokin").await.unwrap().is_empty());
    drop(conn);

    let done =
        op.post_multipart("/rokin/operator/manuals", true, &[("title", "操作マニュアル【事業主編】")], &pdf).await;
    assert_eq!(done.location(), "/rokin/operator/manuals?done=uploaded", "{}", done.body);
    let listed = op.get("/rokin/operator/manuals?done=uploaded").await;
    listed.assert_contains("マニュアルを登録しました。").assert_contains("<td>操作マニュアル【事業主編】.pdf</td>");
    assert_eq!(events(&app, "manual.uploaded").await, 1);
    let id = {
        let mut conn = app.state.store.acquire().await.unwrap();
        madoguchi_store::manuals::list(&mut conn, "rokin").await.unwrap()[0].id
    };

    // The operator sees what users will see; a form that is not multipart gets the page back.
    let checked = op.get(&format!("/rokin/operator/manuals/{id}")).await;
    assert_eq!((checked.status, checked.body.as_bytes()), (StatusCode::OK, PDF));
    op.post("/rokin/operator/manuals", &[("title", "フォーム")])
        .await
        .assert_contains("送信された内容を読み取れませんでした。");

    // Every user of the portal reads it: in the browser, or saved under its Japanese name.
    let (b, _) = master(&app).await;
    let (m, _) = member(&app, &b, "Ippan001", "ippan@rokin-shoji.example.jp").await;
    let list = m.get("/rokin/manuals").await;
    list.assert_contains("<h1>マニュアル照会</h1>")
        .assert_contains("<td>操作マニュアル【事業主編】</td>")
        .assert_contains(&format!("href=\"/rokin/manuals/{id}\""))
        .assert_contains(&format!("href=\"/rokin/manuals/{id}/download\""));
    let encoded = "%E6%93%8D%E4%BD%9C%E3%83%9E%E3%83%8B%E3%83%A5%E3%82%A2%E3%83%AB%E3%80%90%E4%BA%8B%E6%A5%AD%E4%B8%BB%E7%B7%A8%E3%80%91.pdf";
    let inline = m.get(&format!("/rokin/manuals/{id}")).await;
    assert_eq!(inline.status, StatusCode::OK);
    assert_eq!(inline.headers[header::CONTENT_TYPE], "application/pdf");
    let disposition = inline.headers[header::CONTENT_DISPOSITION].to_str().unwrap().to_string();
    assert!(disposition.starts_with("inline; filename=\""), "{disposition}");
    assert!(disposition.ends_with(&format!("filename*=UTF-8''{encoded}")), "{disposition}");
    assert_eq!(inline.body.as_bytes(), PDF);
    assert_eq!(inline.headers["x-content-type-options"], "nosniff");
    assert!(inline.headers["content-security-policy"].to_str().unwrap().contains("object-src 'none'"));
    let saved = b.get(&format!("/rokin/manuals/{id}/download")).await;
    let disposition = saved.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(disposition.starts_with("attachment; ") && disposition.contains(encoded), "{disposition}");
    assert_eq!(events(&app, "manual.downloaded").await, 2);
    // Each reading is in the organization's operation log.
    b.get("/rokin/operation-log?event=manual.downloaded").await.assert_contains("<span id=\"log-total\">2</span>");
    // Signed out: nothing.
    assert_eq!(app.browser().get(&format!("/rokin/manuals/{id}")).await.location(), "/rokin/login");

    // The operator deletes it, after its confirmation page (which names it): gone for everyone.
    let confirm = op.get(&format!("/rokin/operator/manuals/{id}/delete")).await;
    confirm
        .assert_contains("このマニュアルを削除します。よろしいですか？")
        .assert_contains("操作マニュアル【事業主編】");
    assert_eq!(op.post(&format!("/rokin/operator/manuals/{id}/delete"), &[]).await.status, StatusCode::OK);
    assert_eq!(m.get(&format!("/rokin/manuals/{id}")).await.status, StatusCode::OK, "not before 「削除」");
    let deleted = op.press_yes(&confirm).await;
    assert_eq!(deleted.location(), "/rokin/operator/manuals?done=deleted");
    assert_eq!(m.get(&format!("/rokin/manuals/{id}")).await.status, StatusCode::NOT_FOUND);
    m.get("/rokin/manuals").await.assert_contains("現在、登録されているマニュアルはありません。");
    assert_eq!(events(&app, "manual.deleted").await, 1);
    let again = op.post(&format!("/rokin/operator/manuals/{id}/delete"), &[("_step", "confirmed")]).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    // Portals without マニュアル照会 have neither side.
    let mlit = app.browser();
    mlit.operator_login("mlit-fwms").await;
    assert_eq!(mlit.get("/mlit-fwms/operator/manuals").await.status, StatusCode::NOT_FOUND);
    mlit.get("/mlit-fwms/operator/").await.assert_lacks("/operator/manuals");
}

#[tokio::test]
async fn an_upload_larger_than_the_limit_is_refused() {
    let text = "[server]\ndemo = true\nmanual_max_bytes = 2048\n[[portal]]\nid = \"rokin\"\npreset = \"rokin\"\n";
    let app = TestApp::with(Config::parse("t.toml", text).unwrap(), None, true).await;
    let op = app.browser();
    op.operator_login("rokin").await;
    let mut big = PDF.to_vec();
    big.resize(4096, b' ');
    let page = op
        .post_multipart(
            "/rokin/operator/manuals",
            true,
            &[("title", "大きい")],
            &[("file", "big.pdf", "application/pdf", &big)],
        )
        .await;
    page.assert_contains("ファイルが大きすぎます。2 KB以下のPDFファイルを選択してください。");
    // Beyond the file limit plus the form's room, the body is not even read.
    big.resize(2048 + 262_144 + 1, b' ');
    let refused = op
        .post_multipart(
            "/rokin/operator/manuals",
            true,
            &[("title", "大きい")],
            &[("file", "big.pdf", "application/pdf", &big)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Any other form stays at body_limit_bytes.
    let long = "x".repeat(262_145);
    assert_eq!(
        op.post("/rokin/operator/announcements/new", &[("title_ja", &long)]).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let mut conn = app.state.store.acquire().await.unwrap();
    assert!(madoguchi_store::manuals::list(&mut conn, "rokin").await.unwrap().is_empty());
}

#[tokio::test]
async fn rokin_password_fields_have_the_software_keyboard() {
    let app = TestApp::demo().await;
    let (b, _) = master(&app).await;
    for path in ["/rokin/users/new", "/rokin/password"] {
        let page = b.get(path).await;
        page.assert_contains("type=\"password\"")
            .assert_contains("<template id=\"software-keyboard\" data-symbols=\"!&#34;#$%&#38;&#39;()*+,-./:;&#60;=&#62;?@[\\]^_`{|}~\">")
            .assert_contains("パスワード用ソフトウェアキーボード")
            .assert_contains("data-skb=\"shift\"")
            .assert_contains("<script src=\"/static/app.js\" defer></script>");
    }
    let script = app.get("/static/app.js").await;
    script.assert_contains("getElementById(\"software-keyboard\")").assert_contains("input[type=\"password\"]");
    // The operator console is the bank's tool, not an employer screen: none there.
    app.get("/rokin/operator/login").await.assert_contains("type=\"password\"").assert_lacks("software-keyboard");
    // Other portals have none.
    let other = app.browser();
    other.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    other.get("/jrec-in/password").await.assert_contains("type=\"password\"").assert_lacks("software-keyboard");
}

/// Each new screen links its help page (ja and en, written from the manual), which leads back.
/// (The walk in help.rs covers rokin once its certificate login can be walked.)
#[tokio::test]
async fn every_new_screen_has_its_help_page() {
    let app = TestApp::demo().await;
    let (b, _) = master(&app).await;
    let (_, member_id) = member(&app, &b, "Ippan001", "ippan@rokin-shoji.example.jp").await;
    let screens = [
        ("home", "/rokin/home".to_string(), "/rokin/home"),
        ("password", "/rokin/password".to_string(), "/rokin/password"),
        ("users", "/rokin/users".to_string(), "/rokin/users"),
        ("users-new", "/rokin/users/new".to_string(), "/rokin/users/new"),
        ("users-edit", format!("/rokin/users/{member_id}"), "/rokin/users"),
        ("users-edit", format!("/rokin/users/{member_id}/delete"), "/rokin/users"),
        ("user-info", "/rokin/user-info".to_string(), "/rokin/user-info"),
        ("operation-log", "/rokin/operation-log".to_string(), "/rokin/operation-log"),
        ("manuals", "/rokin/manuals".to_string(), "/rokin/manuals"),
        ("sessions", "/rokin/sessions".to_string(), "/rokin/sessions"),
    ];
    for (key, path, back) in screens {
        let page = b.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        page.assert_contains(&format!("href=\"/rokin/help/{key}\" class=\"help-link\""));
        let help = b.get(&format!("/rokin/help/{key}")).await;
        assert_eq!(help.status, StatusCode::OK, "{key}");
        help.assert_contains("<h1>ヘルプ").assert_contains(&format!("href=\"{back}\""));
        b.get_with(&format!("/rokin/help/{key}"), &[("accept-language", "en")]).await.assert_contains("<h1>Help");
    }
}
