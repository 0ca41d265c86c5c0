//! rokin's 財形貯蓄事務 (module `zaikei`, `crates/modules/zaikei`): deliveries in (the CLI and
//! the console's 財形データ取込, `import`), インフォメーション and 財形積立明細照会 (`statements`),
//! 財形アラーム明細照会 (`alarms`), and another contract's data never reached (`isolation`).
//! Clock as the spec's acceptance checks: Monday 2025-07-14 10:00 JST.

mod alarms;
mod console;
mod import;
mod isolation;
pub(crate) mod outputs;
mod statements;

use crate::rokin::users::master;
use crate::testkit::TestApp;
use madoguchi::demo_zaikei;
use madoguchi_zaikei::import::{Importer, Outcome, Target, import};
use madoguchi_zaikei::kinds::DeliveryKind;

pub const NOW: &str = "2025-07-14T10:00:00+09:00";
pub const NUMBER: &str = "87654321";
pub const DUE: &str = "2025-07-25";

/// A contract (契約番号 `number`) for the organization of `user`.
pub async fn contract_for(app: &TestApp, user: i64, number: &str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    let organization: i64 = sqlx::query_scalar("SELECT organization_id FROM users WHERE id = $1")
        .bind(user)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    sqlx::query_scalar(
        "INSERT INTO contracts (portal, customer_id, phone, seats, organization_id, created_at)
         VALUES ('rokin', $1, '', 1, $2, 0) RETURNING id",
    )
    .bind(number)
    .bind(organization)
    .fetch_one(&mut *conn)
    .await
    .unwrap()
}

/// The demo app at [`NOW`] with the master of a contract [`NUMBER`] signed in.
pub async fn setup() -> (TestApp, TestApp, i64, i64) {
    let app = TestApp::demo().await;
    app.set_clock(NOW);
    let (b, master_id) = master(&app).await;
    let contract = contract_for(&app, master_id, NUMBER).await;
    (app, b, master_id, contract)
}

/// Imports `text` as a delivery of `kind` for the contract, as the CLI and the console do.
pub async fn deliver(app: &TestApp, contract: i64, kind: DeliveryKind, text: &str, discard: bool) -> Outcome {
    let parsed = madoguchi_zaikei::layout::parse(kind, text.as_bytes()).unwrap();
    let portal = app.state.portal("rokin").unwrap().clone();
    let mut tx = app.state.store.begin().await.unwrap();
    let organization: i64 = sqlx::query_scalar("SELECT organization_id FROM contracts WHERE id = $1")
        .bind(contract)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let target =
        Target {
            portal: &portal, contract_id: contract, organization_id: organization, organization_name: "テスト"
        };
    let importer = Importer { actor: "cli", ip: None, user_agent: None };
    let now = app.state.clock.unix();
    let outcome = import(&mut tx, &target, &parsed, "test.csv", &importer, discard, app.state.mailer.domain(), now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    outcome
}

/// The 120-member 預入依頼書 for [`DUE`].
pub fn deposit_120() -> String {
    demo_zaikei::deposit_csv(&demo_zaikei::members(120), DUE)
}

pub fn delivery_id(outcome: &Outcome) -> i64 {
    match outcome {
        Outcome::Imported { delivery, .. } => *delivery,
        other => panic!("not imported: {other:?}"),
    }
}
