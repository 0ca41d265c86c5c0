//! Check 12 and the isolation sweep: the 明細変更機能 option (menu, 404), the 明細変更 right
//! (403 with a message; the master grants it), the operator's switch, and every change route
//! asked for by another contract's users.

use super::{DUE, base_of, contract, other_contract, seed, setup};
use crate::rokin::users::{master, member};
use crate::testkit::TestApp;
use axum::http::StatusCode;

#[tokio::test]
async fn check_12_without_the_option_the_screens_do_not_exist() {
    let app = TestApp::demo().await;
    app.set_clock(super::SETUP);
    let (b, master_id) = master(&app).await;
    let c = contract(&app, master_id, "10000001", false).await;
    let s = seed(&app, c, DUE).await;
    b.sign_in_as("rokin", master_id).await;
    b.get("/rokin/home")
        .await
        .assert_lacks("財形積立明細変更")
        .assert_lacks("財形変更後明細送信")
        .assert_lacks("財形積立明細変更履歴照会");
    for path in ["/rokin/zaikei/change", "/rokin/zaikei/send", "/rokin/zaikei/history"] {
        assert_eq!(b.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let d = s.delivery;
    assert_eq!(b.get(&format!("/rokin/zaikei/change/{d}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(b.post(&format!("/rokin/zaikei/send/{d}"), &[("base", "n")]).await.status, StatusCode::NOT_FOUND);

    // The operator turns the option on (after a confirmation, audited): the menu has the three.
    let op = app.browser();
    op.operator_login("rokin").await;
    op.get("/rokin/operator/contracts").await.assert_contains(&format!("id=\"zaikei-option-{c}\">未利用"));
    let question = op.post(&format!("/rokin/operator/contracts/{c}/zaikei-change"), &[("to", "on")]).await;
    question.assert_contains("明細変更機能");
    op.press_yes(&question).await;
    op.get("/rokin/operator/contracts").await.assert_contains(&format!("id=\"zaikei-option-{c}\">利用中"));
    let mut conn = app.state.store.acquire().await.unwrap();
    assert_eq!(madoguchi_store::audit::count_events(&mut conn, "rokin", "zaikei.change_option").await.unwrap(), 1);
    drop(conn);
    b.get("/rokin/home")
        .await
        .assert_contains("財形積立明細変更")
        .assert_contains("財形変更後明細送信")
        .assert_contains("財形積立明細変更履歴照会");
    assert_eq!(b.get(&format!("/rokin/zaikei/change/{d}")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn check_12_a_general_user_needs_the_right_the_master_grants() {
    let (app, b, _, _, s) = setup().await;
    let d = s.delivery;
    let (m, m_id) = member(&app, &b, "Ippan001", "ippan@rokin-shoji.example.jp").await;
    for path in
        ["/rokin/zaikei/change".to_string(), format!("/rokin/zaikei/change/{d}"), format!("/rokin/zaikei/send/{d}")]
    {
        let page = m.get(&path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        page.assert_contains("は明細変更の権限をお持ちのユーザーのみご利用いただけます。");
    }
    let post = m
        .post(
            &format!("/rokin/zaikei/change/{d}/rows/{}", s.general),
            &[("action", "amount"), ("amount", "13000"), ("base", "n")],
        )
        .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    // The history is read by every user of the contract.
    assert_eq!(m.get(&format!("/rokin/zaikei/history/{d}")).await.status, StatusCode::OK);
    m.get("/rokin/home").await.assert_lacks(">財形積立明細変更<").assert_contains("財形積立明細変更履歴照会");

    // The master grants the right in 契約ユーザー情報照会 (audited, mailed).
    let edit = b.get(&format!("/rokin/users/{m_id}")).await;
    edit.assert_contains("name=\"zaikei_right\"");
    let granted = b
        .post(
            &format!("/rokin/users/{m_id}"),
            &[
                ("name", "一般　花子"),
                ("email", "ippan@rokin-shoji.example.jp"),
                ("email_confirm", "ippan@rokin-shoji.example.jp"),
                ("zaikei_right", "on"),
            ],
        )
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.body);
    let mut conn = app.state.store.acquire().await.unwrap();
    assert_eq!(madoguchi_store::audit::count_events(&mut conn, "rokin", "zaikei.change_right").await.unwrap(), 1);
    drop(conn);
    m.sign_in_as("rokin", m_id).await;
    let form = m.get(&format!("/rokin/zaikei/change/{d}/rows/{}", s.general)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let saved = m
        .post(
            &format!("/rokin/zaikei/change/{d}/rows/{}", s.general),
            &[("action", "amount"), ("amount", "13000"), ("base", &base_of(&form.body))],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    // The master's own edit form offers no such box (the master always has the right).
    let me = crate::rokin::users::user(&app, crate::rokin::users::MASTER_ID).await.unwrap();
    b.get(&format!("/rokin/users/{}", me.id)).await.assert_lacks("name=\"zaikei_right\"");
}

/// Every change route, asked for with this contract's ids by another contract's master and
/// general user (with the right): 404, and nothing listed.
#[tokio::test]
async fn another_contracts_users_reach_nothing_of_this_contract() {
    let (app, b, _, _, s) = setup().await;
    let d = s.delivery;
    // Something in every table: a sent version and a draft with a 新規.
    let path = format!("/rokin/zaikei/change/{d}/rows/{}", s.general);
    let base = base_of(&b.get(&path).await.body);
    b.post(&path, &[("action", "amount"), ("amount", "13000"), ("base", &base)]).await;
    let base = base_of(&b.get(&format!("/rokin/zaikei/send/{d}")).await.body);
    b.post_confirmed(&format!("/rokin/zaikei/send/{d}"), &[("base", &base)]).await;
    let base = base_of(&b.get(&format!("/rokin/zaikei/change/{d}/new")).await.body);
    let new = [
        ("employee_no", "E009"),
        ("name", "高橋　一郎"),
        ("kana", "タカハシ　イチロウ"),
        ("birth_date", "1990-01-01"),
        ("savings_kind", "general"),
        ("amount", "5000"),
        ("base", base.as_str()),
    ];
    assert_eq!(b.post(&format!("/rokin/zaikei/change/{d}/new"), &new).await.status, StatusCode::SEE_OTHER);
    let change: i64 = {
        let mut conn = app.state.store.acquire().await.unwrap();
        sqlx::query_scalar("SELECT MAX(id) FROM zaikei_change_rows").fetch_one(&mut *conn).await.unwrap()
    };

    let (o, g, theirs) = other_contract(&app).await;
    for who in [&o, &g] {
        for path in [
            format!("/rokin/zaikei/change/{d}"),
            format!("/rokin/zaikei/change/{d}/confirm"),
            format!("/rokin/zaikei/change/{d}/rows/{}", s.general),
            format!("/rokin/zaikei/change/{d}/new"),
            format!("/rokin/zaikei/change/{d}/new/{change}"),
            format!("/rokin/zaikei/send/{d}"),
            format!("/rokin/zaikei/send/{d}/done"),
            format!("/rokin/zaikei/history/{d}"),
            // Their own delivery with this contract's row: not theirs either.
            format!("/rokin/zaikei/change/{}/rows/{}", theirs.delivery, s.general),
            format!("/rokin/zaikei/change/{}/new/{change}", theirs.delivery),
        ] {
            let page = who.get(&path).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "GET {path}: {}", page.body);
            let page = who.post(&path, &[("action", "stop"), ("base", "n"), ("_step", "confirmed")]).await;
            assert!(
                matches!(page.status, StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED),
                "POST {path}: {}",
                page.status
            );
        }
        for list in ["/rokin/zaikei/change", "/rokin/zaikei/send", "/rokin/zaikei/history"] {
            let page = who.get(list).await;
            assert_eq!(page.status, StatusCode::OK, "{list}");
            assert!(!page.body.contains(&format!("/{d}\"")), "{list} lists another contract's サイクル");
        }
        who.get(&format!("/rokin/zaikei/history/{}", theirs.delivery))
            .await
            .assert_lacks("高橋")
            .assert_lacks("13,000");
    }
    // Nothing of theirs changed ours.
    let mut conn = app.state.store.acquire().await.unwrap();
    let sets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM zaikei_change_sets WHERE delivery_id = $1")
        .bind(d)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(sets, 2);
}
