//! Acceptance check 13: another contract's deliveries, rows and alarms are never listed,
//! reachable by address or changed, whatever id is asked for; and the menu's rule (check 12)
//! reads the contract's 明細変更機能 and the user's 明細変更 right from the signed-in user.

use super::{contract_for, deliver, delivery_id, deposit_120, setup};
use crate::testkit::rokin_organization;
use axum::http::StatusCode;
use madoguchi::demo_zaikei::{alarm_csv, balance_csv, incentive_csv, members};
use madoguchi_zaikei::kinds::DeliveryKind;

#[tokio::test]
async fn another_contracts_master_reaches_nothing_of_ours() {
    let (app, ours, _, contract) = setup().await;
    let m = members(120);
    let mut ids = vec![delivery_id(&deliver(&app, contract, DeliveryKind::Deposit, &deposit_120(), false).await)];
    ids.push(delivery_id(&deliver(&app, contract, DeliveryKind::Balance, &balance_csv(&m, "2025-06-30"), false).await));
    ids.push(delivery_id(
        &deliver(&app, contract, DeliveryKind::Incentive, &incentive_csv(&m, "2025-07-25"), false).await,
    ));
    let alarms = delivery_id(&deliver(&app, contract, DeliveryKind::Alarm, &alarm_csv(&m, "2025-07-01"), false).await);
    let mut conn = app.state.store.acquire().await.unwrap();
    let alarm_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM zaikei_alarms WHERE delivery_id = $1")
        .bind(alarms)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    assert!(!alarm_ids.is_empty());

    let other_id = rokin_organization(&app, "別会社", "Other001", "other@example.jp", "別会社　一郎").await;
    contract_for(&app, other_id, "11112222").await;
    let other = app.browser();
    other.sign_in_as("rokin", other_id).await;
    for (kind, id) in ["deposit", "balance", "incentive"].iter().zip(&ids) {
        let page = other.get(&format!("/rokin/zaikei/statements?kind={kind}&delivery={id}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{kind} {id}");
        let list = other.get(&format!("/rokin/zaikei/statements?kind={kind}")).await;
        list.assert_contains("この帳票はまだ受信していません。").assert_lacks("山田").assert_lacks("E10001");
    }
    assert_eq!(other.get(&format!("/rokin/zaikei/alarms?delivery={alarms}")).await.status, StatusCode::NOT_FOUND);
    other.get("/rokin/zaikei/alarms").await.assert_lacks("E100").assert_contains("<span id=\"alarm-total\">0</span>");
    for id in &alarm_ids {
        let post = other.post(&format!("/rokin/zaikei/alarms/{id}/handled"), &[("note", "他社")]).await;
        assert_eq!(post.status, StatusCode::NOT_FOUND);
    }
    other.get("/rokin/home").await.assert_contains("未受信").assert_lacks("zaikei/statements?kind");
    // Ours still open, untouched.
    ours.get("/rokin/zaikei/alarms").await.assert_lacks("他社").assert_contains("対応済にする");
    // A portal without the module: the routes do not exist.
    assert_eq!(other.get("/shaho/zaikei/statements").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_signed_in_user_carries_the_contracts_option_and_the_users_right() {
    let (app, _, master_id, contract) = setup().await;
    let user = |id| {
        let app = &app;
        async move {
            let mut conn = app.state.store.acquire().await.unwrap();
            madoguchi_store::users::by_id(&mut conn, id).await.unwrap().unwrap()
        }
    };
    let before = user(master_id).await;
    assert!(!before.contract_zaikei_change && !before.zaikei_change_right);
    let mut conn = app.state.store.acquire().await.unwrap();
    madoguchi_zaikei::store::set_change_option(&mut conn, contract, true).await.unwrap();
    let organization = before.organization_id.unwrap();
    assert!(madoguchi_zaikei::store::set_change_right(&mut conn, organization, master_id, true).await.unwrap());
    assert!(
        !madoguchi_zaikei::store::set_change_right(&mut conn, organization + 1000, master_id, false).await.unwrap()
    );
    drop(conn);
    let after = user(master_id).await;
    assert!(after.contract_zaikei_change && after.zaikei_change_right);
}
