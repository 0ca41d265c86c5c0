//! rokin after login: インフォメーション and the manual's menu, 契約ユーザー情報照会 (the master
//! registers, updates and deletes general users, at most 10) and 契約ユーザー情報変更; the other
//! menu screens are in `menu.rs`.
//!
//! The certificate login is not walked here: a browser is signed in through the session
//! module (`TestApp::sign_in_as`), as the login does after its last factor.

use crate::testkit::{Page, TestApp, rokin_organization};
use axum::http::StatusCode;
use madoguchi_store::users::{self, NewUser, User};
use std::sync::Arc;

pub(crate) const MASTER_ID: &str = "Master01";
pub(crate) const MASTER_EMAIL: &str = "master@rokin-shoji.example.jp";
pub(crate) const TEMP: &str = "Temp#Pass1";

/// The demo with one organization and its master user signed in; returns (browser, master id).
pub(crate) async fn master(app: &TestApp) -> (TestApp, i64) {
    let id = rokin_organization(app, "株式会社ろうきん商事", MASTER_ID, MASTER_EMAIL, "労金　太郎").await;
    let b = app.browser();
    b.sign_in_as("rokin", id).await;
    (b, id)
}

pub(crate) async fn user(app: &TestApp, login_id: &str) -> Option<User> {
    let mut conn = app.state.store.acquire().await.unwrap();
    users::by_login_id(&mut conn, "rokin", login_id).await.unwrap()
}

pub(crate) async fn events(app: &TestApp, event: &str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    madoguchi_store::audit::count_events(&mut conn, "rokin", event).await.unwrap()
}

/// 登録へ → 確認 → 登録, as the master would; returns the last page.
pub(crate) async fn register(b: &TestApp, login_id: &str, email: &str, name: &str) -> Page {
    let fields = |step: &'static str| {
        vec![
            ("step", step),
            ("login_id", login_id),
            ("password", TEMP),
            ("password_confirm", TEMP),
            ("name", name),
            ("email", email),
            ("email_confirm", email),
        ]
    };
    let confirm = b.post("/rokin/users/new", &fields("confirm")).await;
    if !confirm.body.contains("契約ユーザー情報登録確認") {
        return confirm;
    }
    let pending = crate::rokin::protections::pending_token(&confirm.body);
    b.post("/rokin/users/new", &[("step", "register"), ("pending", &pending)]).await
}

/// A general user registered by the master and signed in in a browser of their own, past the
/// first-login change (the password is set as if they had changed it).
pub(crate) async fn member(app: &TestApp, b: &TestApp, login_id: &str, email: &str) -> (TestApp, i64) {
    let page = register(b, login_id, email, "一般　花子").await;
    assert_eq!(page.location(), "/rokin/users?done=registered", "{}", page.body);
    let id = user(app, login_id).await.unwrap().id;
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query("UPDATE users SET must_change_password = 0 WHERE id = $1").bind(id).execute(&mut *conn).await.unwrap();
    let m = app.browser();
    m.sign_in_as("rokin", id).await;
    (m, id)
}

#[tokio::test]
async fn home_is_information_with_the_manuals_menu() {
    let app = TestApp::demo().await;
    let (b, _) = master(&app).await;
    let home = b.get("/rokin/home").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    home.assert_contains("<h1>インフォメーション</h1>")
        .assert_contains("株式会社ろうきん商事 様")
        .assert_contains("労金　太郎（マスター）")
        .assert_contains("<h2 id=\"notices-heading\">お知らせ</h2>")
        // The operator's お知らせ (the demo seeds one).
        .assert_contains("賃金控除事務支援システムのデモ環境です")
        .assert_contains("<span class=\"site-nav-group-label\">共通機能</span>")
        .assert_contains("<span class=\"site-nav-group-label\">システム管理機能</span>")
        .assert_contains("href=\"/rokin/password\">パスワード変更</a>")
        .assert_contains("href=\"/rokin/manuals\">マニュアル照会</a>")
        .assert_contains("href=\"/rokin/users\">契約ユーザー情報照会</a>")
        .assert_contains("href=\"/rokin/user-info\">契約ユーザー情報変更</a>")
        .assert_contains("href=\"/rokin/operation-log\">操作ログ照会</a>")
        .assert_contains("action=\"/rokin/logout\"")
        .assert_contains("href=\"/rokin/help/home\" class=\"help-link\"")
        // 財形貯蓄事務 (module zaikei): its 照会 screens; this organization has no contract
        // (made by hand), so no deliveries on インフォメーション.
        .assert_contains("<span class=\"site-nav-group-label\">財形貯蓄事務</span>")
        .assert_contains("href=\"/rokin/zaikei/statements\">財形積立明細照会</a>")
        .assert_contains("href=\"/rokin/zaikei/alarms\">財形アラーム明細照会</a>")
        .assert_lacks("財形貯蓄 最新の受信情報");
    b.get("/rokin/zaikei/statements").await.assert_contains("この帳票はまだ受信していません。");

    // A general user's menu has no 契約ユーザー情報照会.
    let (m, _) = member(&app, &b, "Ippan001", "ippan@rokin-shoji.example.jp").await;
    m.get("/rokin/home")
        .await
        .assert_contains("一般　花子（一般）")
        .assert_contains("href=\"/rokin/user-info\"")
        .assert_lacks("href=\"/rokin/users\"");

    // Other portals keep their homes.
    let other = app.browser();
    let login = other.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    assert_eq!(login.location(), "/jrec-in/home");
    other.get("/jrec-in/home").await.assert_contains("求人機関メニュー").assert_lacks("class=\"menubar\"");
    assert_eq!(other.get("/jrec-in/users").await.status, StatusCode::NOT_FOUND);
    assert_eq!(other.get("/jrec-in/operation-log").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_general_user_is_refused_on_the_master_screens() {
    let app = TestApp::demo().await;
    let (b, master_id) = master(&app).await;
    let (m, member_id) = member(&app, &b, "Ippan001", "ippan@rokin-shoji.example.jp").await;
    for path in ["/rokin/users", "/rokin/users/new", &format!("/rokin/users/{master_id}")] {
        let page = m.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        page.assert_contains("「契約ユーザー情報照会」はマスターユーザーのみご利用いただけます。");
    }
    let posted = m
        .post(
            "/rokin/users/new",
            &[
                ("step", "register"),
                ("login_id", "Sneaky01"),
                ("password", TEMP),
                ("password_confirm", TEMP),
                ("name", "不正　次郎"),
                ("email", "s@example.jp"),
                ("email_confirm", "s@example.jp"),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::FORBIDDEN);
    assert!(user(&app, "Sneaky01").await.is_none());
    let deleted = m.post(&format!("/rokin/users/{member_id}/delete"), &[("choice", "ok")]).await;
    assert_eq!(deleted.status, StatusCode::FORBIDDEN);
    let renamed = m
        .post(
            &format!("/rokin/users/{master_id}"),
            &[("name", "乗っ取り"), ("email", "x@example.jp"), ("email_confirm", "x@example.jp")],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::FORBIDDEN);
    assert_eq!(user(&app, MASTER_ID).await.unwrap().name, "労金　太郎");
    assert!(user(&app, "Ippan001").await.is_some());

    // Signed out: every screen sends to the login.
    let anonymous = app.browser();
    assert_eq!(anonymous.get("/rokin/users").await.location(), "/rokin/login");
}

#[tokio::test]
async fn the_master_registers_a_general_user_through_a_confirmation() {
    let app = TestApp::demo().await;
    let (b, _) = master(&app).await;
    let list = b.get("/rokin/users").await;
    list.assert_contains("<td>Master01</td><td>労金　太郎</td>")
        .assert_contains("<td>マスター</td>")
        .assert_contains("<td>正常</td>")
        .assert_contains("href=\"/rokin/users/new\">登録へ</a>")
        .assert_contains("<strong id=\"member-count\">0</strong> ／ 10");
    let form = b.get("/rokin/users/new").await;
    form.assert_contains("<h1>契約ユーザー情報登録</h1>").assert_contains("name=\"password\" type=\"password\"");

    // Every rule broken at once: each message next to its field, what was typed kept
    // (never the passwords).
    let wrong = b
        .post(
            "/rokin/users/new",
            &[
                ("step", "confirm"),
                ("login_id", "abcdef"),
                ("password", "short"),
                ("password_confirm", "short"),
                ("name", "Hanako"),
                ("email", "ippan@example"),
                ("email_confirm", "ippan@example"),
            ],
        )
        .await;
    wrong
        .assert_contains("<p>ユーザーＩＤには英字と数字の両方を含めてください。</p>")
        .assert_contains("パスワードは8文字以上で入力してください。")
        .assert_contains(
            "<div class=\"error-message\" id=\"name-error\"><p>ユーザー名は全角文字で入力してください（半角の英数字・記号・カナは使用できません）。</p>",
        )
        .assert_contains("<div class=\"error-message\" id=\"email-error\"><p>メールアドレスの形式が正しくありません。</p>")
        .assert_contains("value=\"abcdef\"")
        .assert_contains("value=\"Hanako\"")
        .assert_contains("value=\"ippan@example\"")
        .assert_lacks("value=\"short\"");
    let mismatch = b
        .post(
            "/rokin/users/new",
            &[
                ("step", "confirm"),
                ("login_id", "Ippan001"),
                ("password", TEMP),
                ("password_confirm", "Temp#Pass2"),
                ("name", "一般　花子"),
                ("email", "ippan@rokin-shoji.example.jp"),
                ("email_confirm", "ippan@rokin-shoji.example.com"),
            ],
        )
        .await;
    mismatch
        .assert_contains("id=\"password_confirm-error\">")
        .assert_contains("<div class=\"error-message\" id=\"email_confirm-error\"><p>メールアドレス再入力がメールアドレスと一致しません。</p>");
    // A taken ユーザーＩＤ (the master's own) is refused on the input screen.
    register(&b, MASTER_ID, "x@example.jp", "一般　花子")
        .await
        .assert_contains("このユーザーＩＤはすでに使用されています。別のユーザーＩＤを入力してください。");

    // 確認 shows what will be registered; 戻る returns to the input with it.
    let fields = |step: &'static str| {
        vec![
            ("step", step),
            ("login_id", "Ippan001"),
            ("password", TEMP),
            ("password_confirm", TEMP),
            ("name", "一般 花子"),
            ("email", "Ippan@Rokin-Shoji.example.jp"),
            ("email_confirm", "ippan@rokin-shoji.example.jp"),
        ]
    };
    let confirm = b.post("/rokin/users/new", &fields("confirm")).await;
    confirm
        .assert_contains("<h1>契約ユーザー情報登録確認</h1>")
        .assert_contains("<dd>Ippan001</dd>")
        .assert_contains("<dd>一般　花子</dd>")
        .assert_contains("<dd>ippan@rokin-shoji.example.jp</dd>")
        .assert_contains("（入力済み・表示しません）");
    assert!(user(&app, "Ippan001").await.is_none(), "nothing is registered before 登録");
    b.post("/rokin/users/new", &fields("back"))
        .await
        .assert_contains("value=\"Ippan001\"")
        .assert_contains("<h1>契約ユーザー情報登録</h1>");

    let confirm = b.post("/rokin/users/new", &fields("confirm")).await;
    let pending = crate::rokin::protections::pending_token(&confirm.body);
    let done = b.post("/rokin/users/new", &[("step", "register"), ("pending", &pending)]).await;
    assert_eq!(done.location(), "/rokin/users?done=registered", "{}", done.body);
    let u = user(&app, "Ippan001").await.unwrap();
    assert_eq!(
        (u.role.as_str(), u.name.as_str(), u.email.as_str()),
        ("member", "一般　花子", "ippan@rokin-shoji.example.jp")
    );
    assert!(u.must_change_password, "the temporary password is changed at the first login");
    assert!(app.state.hasher.verify(TEMP, Some(&u.password_hash)).await);
    assert_eq!(u.organization_id, user(&app, MASTER_ID).await.unwrap().organization_id);
    assert_eq!(events(&app, "user.created").await, 2, "the master (test setup) and the general user");
    b.get("/rokin/users?done=registered")
        .await
        .assert_contains("一般ユーザーを登録しました。")
        .assert_contains("<td>Ippan001</td><td>一般　花子</td>")
        .assert_contains("<td>一般</td>")
        .assert_contains("<strong id=\"member-count\">1</strong>");
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.to == "ippan@rokin-shoji.example.jp").expect("a mail to the new user");
    assert!(mail.subject.contains("一般ユーザー登録のお知らせ"), "{}", mail.subject);
    assert!(mail.text.contains("ユーザーＩＤ：Ippan001") && mail.text.contains("労金　太郎 様"), "{}", mail.text);
    assert!(!mail.text.contains(TEMP), "the temporary password is never mailed");

    // The new user's first screen is the password change, whatever they open.
    let m = app.browser();
    m.sign_in_as("rokin", u.id).await;
    assert_eq!(m.get("/rokin/user-info").await.location(), "/rokin/home");
    assert_eq!(m.get("/rokin/home").await.location(), "/rokin/password");
}

#[tokio::test]
async fn no_eleventh_general_user_even_when_registered_at_once() {
    let app = TestApp::demo().await;
    let (b, _) = master(&app).await;
    let organization = user(&app, MASTER_ID).await.unwrap().organization_id;
    {
        let hash = app.state.hasher.hash(TEMP).await.unwrap();
        let mut conn = app.state.store.acquire().await.unwrap();
        for i in 1..=8 {
            let login_id = format!("Member{i:02}");
            let email = format!("m{i}@example.jp");
            let new = NewUser {
                portal: "rokin",
                organization_id: organization,
                login_id: &login_id,
                email: &email,
                name: "一般",
                role: "member",
                password_hash: &hash,
                must_change_password: true,
            };
            users::insert(&mut conn, &new, 0).await.unwrap();
        }
    }
    // Eight registrations at once with two places left: exactly two get in. (Without the
    // organization's lock, PostgreSQL lets four or five in.)
    // Each confirmed in its tab first (the 仮パスワード waits on the server), then 登録 at once.
    let mut tabs: Vec<(Arc<TestApp>, String)> = Vec::new();
    for i in 0..8 {
        let tab = b.twin();
        let id = format!("Race{i:02}x");
        let email = format!("race{i}@example.jp");
        let fields = [
            ("step", "confirm"),
            ("login_id", id.as_str()),
            ("password", TEMP),
            ("password_confirm", TEMP),
            ("name", "競争　一郎"),
            ("email", email.as_str()),
            ("email_confirm", email.as_str()),
        ];
        let confirm = tab.post("/rokin/users/new", &fields).await;
        tabs.push((Arc::new(tab), crate::rokin::protections::pending_token(&confirm.body)));
    }
    let tasks: Vec<_> = tabs
        .into_iter()
        .map(|(tab, pending)| {
            tokio::spawn(
                async move { tab.post("/rokin/users/new", &[("step", "register"), ("pending", &pending)]).await },
            )
        })
        .collect();
    let mut registered = 0;
    for task in tasks {
        let page = task.await.unwrap();
        if page.location() == "/rokin/users?done=registered" {
            registered += 1;
        } else {
            page.assert_contains("一般ユーザーは10ユーザーまで登録できます。これ以上登録できません。");
        }
    }
    assert_eq!(registered, 2);
    let mut conn = app.state.store.acquire().await.unwrap();
    let all = users::of_organization(&mut conn, organization.unwrap()).await.unwrap();
    drop(conn);
    assert_eq!(all.iter().filter(|u| u.role == "member").count(), 10);
    assert_eq!(all.len(), 11, "ten general users and the master");

    // Full: the list offers no 登録へ and the form says why at once.
    b.get("/rokin/users").await.assert_lacks("href=\"/rokin/users/new\"").assert_contains("上限まで登録されています");
    b.get("/rokin/users/new").await.assert_contains("一般ユーザーは10ユーザーまで登録できます。");
    register(&b, "Eleventh1", "e11@example.jp", "十一　番")
        .await
        .assert_contains("一般ユーザーは10ユーザーまで登録できます。");
    assert!(user(&app, "Eleventh1").await.is_none());

    // Deleting one frees a place.
    let first = all.iter().find(|u| u.login_id == "Member01").unwrap().id;
    assert_eq!(
        b.post(&format!("/rokin/users/{first}/delete"), &[("choice", "ok")]).await.location(),
        "/rokin/users?done=deleted"
    );
    assert_eq!(
        register(&b, "Eleventh1", "e11@example.jp", "十一　番").await.location(),
        "/rokin/users?done=registered"
    );
}

#[tokio::test]
async fn the_master_updates_sets_a_temporary_password_and_unlocks() {
    let app = TestApp::demo().await;
    let (b, master_id) = master(&app).await;
    let (m, member_id) = member(&app, &b, "Ippan001", "ippan@rokin-shoji.example.jp").await;
    assert_eq!(m.get("/rokin/home").await.status, StatusCode::OK);

    // Locked after failures, then blocked after the 3rd lock (the login's counters).
    let now = app.state.clock.unix();
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query("UPDATE users SET failed_count = 6, locked_until = $2, lock_count = 1 WHERE id = $1")
        .bind(member_id)
        .bind(now + 3600)
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    b.get("/rokin/users").await.assert_contains("<td class=\"status-locked\">ロック</td>");
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query("UPDATE users SET lock_count = 3, blocked_at = $2 WHERE id = $1")
        .bind(member_id)
        .bind(now)
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    b.get("/rokin/users").await.assert_contains("<td class=\"status-blocked\">閉塞</td>");

    let edit = b.get(&format!("/rokin/users/{member_id}")).await;
    edit.assert_contains("<h1>契約ユーザー情報更新</h1>")
        .assert_contains("<dd id=\"login-id\">Ippan001</dd>")
        .assert_contains("<dd id=\"user-status\">閉塞</dd>")
        .assert_contains("value=\"一般　花子\"")
        .assert_contains("name=\"unlock\"")
        .assert_contains("name=\"password\" type=\"password\"")
        .assert_contains(&format!("href=\"/rokin/users/{member_id}/delete\""));

    // Errors keep what was typed.
    let wrong = b
        .post(
            &format!("/rokin/users/{member_id}"),
            &[
                ("name", "ｲｯﾊﾟﾝ"),
                ("email", "new@rokin-shoji.example.jp"),
                ("email_confirm", "new@rokin-shoji.example.jp"),
                ("password", "abc"),
                ("password_confirm", "abc"),
                ("unlock", "on"),
            ],
        )
        .await;
    wrong
        .assert_contains("id=\"name-error\"><p>ユーザー名は全角文字で入力してください")
        .assert_contains("パスワードは8文字以上で入力してください。")
        .assert_contains("value=\"ｲｯﾊﾟﾝ\"")
        .assert_contains("value=\"new@rokin-shoji.example.jp\"")
        .assert_contains("name=\"unlock\" type=\"checkbox\" value=\"on\" checked");
    let same = b
        .post(
            &format!("/rokin/users/{member_id}"),
            &[
                ("name", "一般　花子"),
                ("email", "ippan@rokin-shoji.example.jp"),
                ("email_confirm", "ippan@rokin-shoji.example.jp"),
            ],
        )
        .await;
    same.assert_contains("変更された項目がありません。");

    // Name, address, a new temporary password and the unblock in one update.
    let saved = b
        .post(
            &format!("/rokin/users/{member_id}"),
            &[
                ("name", "一般　春子"),
                ("email", "new@rokin-shoji.example.jp"),
                ("email_confirm", "new@rokin-shoji.example.jp"),
                ("password", "Again#2026"),
                ("password_confirm", "Again#2026"),
                ("unlock", "on"),
            ],
        )
        .await;
    assert_eq!(saved.location(), "/rokin/users?done=updated", "{}", saved.body);
    let u = user(&app, "Ippan001").await.unwrap();
    assert_eq!((u.name.as_str(), u.email.as_str()), ("一般　春子", "new@rokin-shoji.example.jp"));
    assert!(u.must_change_password);
    assert!(app.state.hasher.verify("Again#2026", Some(&u.password_hash)).await);
    assert!(!u.lock_state().holds(app.state.clock.unix()));
    assert_eq!((u.failed_count, u.lock_count, u.blocked_at), (0, 0, None));
    // The session that had the old password is over.
    assert_eq!(m.get("/rokin/home").await.location(), "/rokin/login");
    for event in ["user.updated", "password.temporary_set", "account.unlocked"] {
        assert_eq!(events(&app, event).await, 1, "{event}");
    }
    let mails = app.mails().await;
    for to in ["new@rokin-shoji.example.jp", "ippan@rokin-shoji.example.jp"] {
        let mail = mails.iter().find(|m| m.to == to && m.subject.contains("アカウント設定変更")).expect(to);
        assert!(mail.text.contains("メールアドレスが new@rokin-shoji.example.jp に変更されました。"), "{}", mail.text);
        assert!(mail.text.contains("新しい仮パスワードが設定されました。"));
        assert!(mail.text.contains("ロック・閉塞が解除されました。"));
        assert!(!mail.text.contains("Again#2026"));
    }
    b.get("/rokin/users?done=updated")
        .await
        .assert_contains("ユーザー情報を更新しました。")
        .assert_contains("<td>一般　春子</td>");

    // The master's own row: name and address only; no password, no unlock, no delete.
    let own = b.get(&format!("/rokin/users/{master_id}")).await;
    own.assert_contains("<dd id=\"login-id\">Master01</dd>")
        .assert_lacks("name=\"password\"")
        .assert_lacks("name=\"unlock\"")
        .assert_lacks("/delete\"");
    let renamed = b
        .post(
            &format!("/rokin/users/{master_id}"),
            &[
                ("name", "労金　次郎"),
                ("email", MASTER_EMAIL),
                ("email_confirm", MASTER_EMAIL),
                ("password", "Sneaky#2026"),
                ("password_confirm", "Sneaky#2026"),
            ],
        )
        .await;
    assert_eq!(renamed.location(), "/rokin/users?done=updated");
    let me = user(&app, MASTER_ID).await.unwrap();
    assert_eq!(me.name, "労金　次郎");
    assert!(
        !app.state.hasher.verify("Sneaky#2026", Some(&me.password_hash)).await,
        "no temporary password for the master"
    );
    assert_eq!(b.get(&format!("/rokin/users/{master_id}/delete")).await.status, StatusCode::NOT_FOUND);

    // Another organization's user is not this master's business.
    let other = rokin_organization(&app, "別会社", "Other001", "other@example.jp", "別会社　一郎").await;
    assert_eq!(b.get(&format!("/rokin/users/{other}")).await.status, StatusCode::NOT_FOUND);
    let fields = [("name", "乗っ取り"), ("email", "x@example.jp"), ("email_confirm", "x@example.jp")];
    assert_eq!(b.post(&format!("/rokin/users/{other}"), &fields).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_master_deletes_a_general_user_through_a_confirmation() {
    let app = TestApp::demo().await;
    let (b, _) = master(&app).await;
    let (m, member_id) = member(&app, &b, "Ippan001", "ippan@rokin-shoji.example.jp").await;
    let confirm = b.get(&format!("/rokin/users/{member_id}/delete")).await;
    confirm
        .assert_contains("<h1>契約ユーザー情報削除確認</h1>")
        .assert_contains("次の一般ユーザーを削除します。")
        .assert_contains("<dd>Ippan001</dd>");
    // キャンセル changes nothing.
    let cancel = b.post(&format!("/rokin/users/{member_id}/delete"), &[("choice", "cancel")]).await;
    assert_eq!(cancel.location(), format!("/rokin/users/{member_id}"));
    assert!(user(&app, "Ippan001").await.is_some());

    let done = b.post(&format!("/rokin/users/{member_id}/delete"), &[("choice", "ok")]).await;
    assert_eq!(done.location(), "/rokin/users?done=deleted");
    assert!(user(&app, "Ippan001").await.is_none());
    assert_eq!(m.get("/rokin/home").await.location(), "/rokin/login", "the deleted user's session is gone");
    b.get("/rokin/users?done=deleted").await.assert_contains("ユーザー情報を削除しました。").assert_lacks("Ippan001");
    // A second submit (another tab) changes nothing and fails nothing.
    let again = b.post(&format!("/rokin/users/{member_id}/delete"), &[("choice", "ok")]).await;
    assert_eq!(again.location(), "/rokin/users");
    assert_eq!(events(&app, "user.deleted").await, 1);
    let mails = app.mails().await;
    let mail =
        mails.iter().find(|m| m.to == "ippan@rokin-shoji.example.jp" && m.subject.contains("アカウント設定変更"));
    assert!(mail.expect("a deletion mail").text.contains("ユーザー情報が削除されました。"));
    // The deletion stays in the organization's log, with the deleted user's ID.
    b.get("/rokin/operation-log?event=user.deleted")
        .await
        .assert_contains("<td>契約ユーザー情報削除</td><td>Ippan001（（削除済みユーザー））</td>")
        .assert_contains("<span id=\"log-total\">1</span>");
}

#[tokio::test]
async fn every_user_changes_their_own_name_and_address_but_not_the_id() {
    let app = TestApp::demo().await;
    let (b, _) = master(&app).await;
    let (m, _) = member(&app, &b, "Ippan001", "ippan@rokin-shoji.example.jp").await;
    let page = m.get("/rokin/user-info").await;
    page.assert_contains("<h1>契約ユーザー情報変更</h1>")
        .assert_contains("<dd id=\"login-id\">Ippan001</dd>")
        .assert_contains("ユーザーＩＤは変更できません。")
        .assert_contains("value=\"一般　花子\"")
        .assert_contains("href=\"/rokin/help/user-info\" class=\"help-link\"")
        .assert_lacks("name=\"login_id\"");

    let empty = m
        .post("/rokin/user-info", &[("name", "　"), ("email", "a@example.jp"), ("email_confirm", "a@example.jp")])
        .await;
    empty.assert_contains("<div class=\"error-message\" id=\"name-error\"><p>ユーザー名を入力してください。</p>");
    let long = "あ".repeat(21);
    let wrong = m
        .post(
            "/rokin/user-info",
            &[("name", &long), ("email", "haruko@example.jp"), ("email_confirm", "haruko@example.co.jp")],
        )
        .await;
    wrong
        .assert_contains("id=\"name-error\"><p>ユーザー名は全角20文字以内で入力してください。</p>")
        .assert_contains("id=\"email_confirm-error\"><p>メールアドレス再入力がメールアドレスと一致しません。</p>")
        .assert_contains(&format!("value=\"{long}\""))
        .assert_contains("value=\"haruko@example.co.jp\"")
        .assert_contains("aria-invalid=\"true\"");
    let too_long = format!("{}@example.jp", "a".repeat(40));
    m.post("/rokin/user-info", &[("name", "一般　花子"), ("email", &too_long), ("email_confirm", &too_long)])
        .await
        .assert_contains("メールアドレスは半角50文字以内で入力してください。");
    // An ID sent anyway is ignored.
    let saved = m
        .post(
            "/rokin/user-info",
            &[
                ("login_id", "Hacked01"),
                ("name", "一般　春子"),
                ("email", "haruko@example.jp"),
                ("email_confirm", "haruko@example.jp"),
                ("current_password", TEMP),
            ],
        )
        .await;
    assert_eq!(saved.location(), "/rokin/user-info?done=saved");
    m.get("/rokin/user-info?done=saved")
        .await
        .assert_contains("契約ユーザー情報を変更しました。")
        .assert_contains("value=\"一般　春子\"");
    let u = user(&app, "Ippan001").await.unwrap();
    assert_eq!((u.name.as_str(), u.email.as_str()), ("一般　春子", "haruko@example.jp"));
    assert!(user(&app, "Hacked01").await.is_none());
    assert_eq!(events(&app, "profile.updated").await, 1);
    let mails = app.mails().await;
    for to in ["haruko@example.jp", "ippan@rokin-shoji.example.jp"] {
        let mail = mails.iter().find(|m| m.to == to && m.subject.contains("登録情報変更のお知らせ")).expect(to);
        assert!(mail.text.contains("ユーザー名が「一般　春子」に変更されました。"), "{}", mail.text);
    }
    // The master has the screen too.
    b.get("/rokin/user-info").await.assert_contains("<dd id=\"login-id\">Master01</dd>");
}
