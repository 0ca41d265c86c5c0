//! shaho contracts made by the operator: the console's list, form and CSV import (all rows
//! or none), and the same import as `madoguchi contract import` runs it (Shift_JIS too).

use crate::testkit::TestApp;
use axum::http::StatusCode;
use madoguchi_core::Clock;

async fn contracts(app: &TestApp) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM contracts WHERE portal = 'shaho'").fetch_one(&mut *conn).await.unwrap()
}

#[tokio::test]
async fn the_operator_registers_a_contract_and_sees_its_seats() {
    let app = TestApp::demo().await;
    app.operator_login("shaho").await;
    app.get("/shaho/operator/").await.assert_contains("href=\"/shaho/operator/contracts\"");
    let page = app.get("/shaho/operator/contracts").await;
    page.assert_contains("281234")
        .assert_contains("0 / 3")
        .assert_contains("abcd8-01: 未紐づけ")
        .assert_contains("<label for=\"asp_user_ids\">ASPユーザーID</label>");

    let bad = app
        .post(
            "/shaho/operator/contracts",
            &[
                ("organization", "窓口労務"),
                ("customer_id", "381234"),
                ("phone", "03-1111-2222"),
                ("seats", "2"),
                ("asp_user_ids", "zz-01"),
            ],
        )
        .await;
    bad.assert_contains("CustomerIdは28から始まる6桁の数字で入力してください。")
        .assert_contains("ASPユーザーIDは契約数と同じ2個を入力してください（入力は1個）。")
        .assert_contains("value=\"窓口労務\"")
        .assert_contains("value=\"381234\"");
    assert_eq!(contracts(&app).await, 1, "nothing was made");

    let good = app
        .post(
            "/shaho/operator/contracts",
            &[
                ("organization", "窓口労務"),
                ("customer_id", "２８５５５５"),
                ("phone", "06-1111-2222"),
                ("seats", "2"),
                ("asp_user_ids", "zz-01 zz-02"),
            ],
        )
        .await;
    good.assert_contains("285555 の契約を登録しました。")
        .assert_contains("窓口労務")
        .assert_contains("zz-02: 未紐づけ");
    let again = app
        .post(
            "/shaho/operator/contracts",
            &[
                ("organization", "別"),
                ("customer_id", "285555"),
                ("phone", "06-1111-2222"),
                ("seats", "1"),
                ("asp_user_ids", "x-1"),
            ],
        )
        .await;
    again.assert_contains("このCustomerIdはすでに登録されています。");
    assert_eq!(contracts(&app).await, 2);
    let mut conn = app.state.store.acquire().await.unwrap();
    assert_eq!(
        madoguchi_store::audit::count_events(&mut conn, "shaho", "contract.created").await.unwrap(),
        2,
        "the demo's and this one"
    );
}

#[tokio::test]
async fn a_csv_with_one_bad_row_registers_nothing() {
    let app = TestApp::demo().await;
    app.operator_login("shaho").await;
    app.get("/shaho/operator/contracts/import")
        .await
        .assert_contains("組織名,CustomerId,電話番号,契約数,ASPユーザーID");
    let csv = "組織名,CustomerId,電話番号,契約数,ASPユーザーID\n一番事務所,280001,03-1000-0001,2,aa-01;aa-02\n二番事務所,280002,0310000002,1\n三番事務所,280001,03-1000-0003,1,cc-01\n";
    let page = app.post("/shaho/operator/contracts/import", &[("csv", csv)]).await;
    page.assert_contains("誤りのある行があるため、登録しませんでした。")
        .assert_contains("行 3: 列の数が4です")
        .assert_contains("行 4: CustomerId 280001 がファイル内で重複しています。")
        .assert_contains("一番事務所");
    assert_eq!(contracts(&app).await, 1);

    // Tab-separated, as Excel copies, with the IDs in columns of their own.
    let csv = "組織名\tCustomerId\t電話番号\t契約数\tASPユーザーID\n一番事務所\t280001\t03-1000-0001\t2\taa-01\taa-02\n二番事務所\t280002\t0310000002\t1\tbb-01\n";
    app.post("/shaho/operator/contracts/import", &[("csv", csv)]).await.assert_contains("2件の契約を登録しました。");
    assert_eq!(contracts(&app).await, 3);
    // A CustomerId already registered refuses the whole file.
    let csv = "h\n四番事務所,280004,03-1000-0004,1,dd-01\n重複,281234,03-1234-5678,1,ee-01\n";
    app.post("/shaho/operator/contracts/import", &[("csv", csv)])
        .await
        .assert_contains("CustomerId 281234 はすでに登録されています。");
    assert_eq!(contracts(&app).await, 3);
}

#[tokio::test]
async fn the_command_line_import_reads_shift_jis() {
    let app = TestApp::demo().await;
    let portal = app.state.config.portal("shaho").unwrap().clone();
    let text = "組織名,CustomerId,電話番号,契約数,ASPユーザーID\r\n髙橋社会保険労務士法人,２８７７７７,０３（１２３４）９９９９,1,tk-01\r\n";
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(text);
    let decoded = madoguchi_identity::accounts::decode_csv(&bytes).unwrap();
    let count = madoguchi_console::contracts::import(&app.state.store, &portal, &decoded, "cli", app.clock.unix())
        .await
        .unwrap();
    assert_eq!(count, 1);
    let mut conn = app.state.store.acquire().await.unwrap();
    let c = madoguchi_store::contracts::by_customer_id(&mut conn, "shaho", "287777").await.unwrap().unwrap();
    assert_eq!((c.phone.as_str(), c.seats), ("0312349999", 1));
}

#[tokio::test]
async fn portals_without_contracts_have_no_contract_pages() {
    let app = TestApp::demo().await;
    app.operator_login("hellowork").await;
    assert_eq!(app.get("/hellowork/operator/contracts").await.status, StatusCode::NOT_FOUND);
    app.get("/hellowork/operator/").await.assert_lacks("/contracts");
}
