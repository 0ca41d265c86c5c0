//! rokin 財形 part 2 (spec rokin-zaikei §3.6.6–9, §3.7.2–3, checks 6–10 and 12): 財形積立明細変更,
//! 財形変更後明細送信, 財形積立明細変更履歴照会, the operator's 送信済変更一覧 / CSV / 労金処理済,
//! the 明細変更機能 option and the 明細変更 right, the deadline reminder, and the isolation
//! sweep of every change route. The deliveries are seeded in SQL (the import is another
//! screen's work): three members, one contract with the option.

mod changes;
mod operator;
mod rights;

use crate::rokin::users::{master, member};
use crate::testkit::{TestApp, rokin_organization};

/// 2025-07-14 (Mon) 10:00 JST, the spec's setup clock.
pub const SETUP: &str = "2025-07-14T10:00:00+09:00";
pub const DUE: &str = "2025-07-25";

/// A contract for the organization of `master_id`, with or without the 明細変更機能 option.
pub async fn contract(app: &TestApp, master_id: i64, number: &str, option: bool) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    let organization: i64 = sqlx::query_scalar("SELECT organization_id FROM users WHERE id = $1")
        .bind(master_id)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    sqlx::query_scalar(
        "INSERT INTO contracts (portal, customer_id, phone, seats, organization_id, created_at, zaikei_change)
         VALUES ('rokin', $1, '', 11, $2, 0, $3) RETURNING id",
    )
    .bind(number)
    .bind(organization)
    .bind(i64::from(option))
    .fetch_one(&mut *conn)
    .await
    .unwrap()
}

/// Ids of what `seed` made.
pub struct Seeded {
    pub delivery: i64,
    /// E001 一般 ¥10,000.
    pub general: i64,
    /// E001 年金 ¥20,000.
    pub pension: i64,
    /// E002 住宅 ¥15,000 (born 1970-07-25: 55 on 2025-07-25).
    pub housing: i64,
}

/// A 預入依頼書 (月例) due `due` for the contract: E001 山田太郎 (一般, 年金), E002 佐藤花子 (住宅).
pub async fn seed(app: &TestApp, contract: i64, due: &str) -> Seeded {
    let mut conn = app.state.store.acquire().await.unwrap();
    let now = app.state.clock.unix();
    let mut members = Vec::new();
    for (no, name, kana, birth) in
        [("E001", "山田　太郎", "ヤマダ　タロウ", "1980-04-01"), ("E002", "佐藤　花子", "サトウ　ハナコ", "1970-07-25")]
    {
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM zaikei_members WHERE contract_id = $1 AND employee_no = $2")
                .bind(contract)
                .bind(no)
                .fetch_optional(&mut *conn)
                .await
                .unwrap();
        let id = match existing {
            Some(id) => id,
            None => sqlx::query_scalar(
                "INSERT INTO zaikei_members (contract_id, employee_no, name, kana, birth_date, dept_code, dept_name, search_key)
                 VALUES ($1, $2, $3, $4, $5, 'D01', '総務部', $6) RETURNING id",
            )
            .bind(contract)
            .bind(no)
            .bind(name)
            .bind(kana)
            .bind(birth)
            .bind(madoguchi_core::normalize::kana_search_key(&format!("{name}{kana}")))
            .fetch_one(&mut *conn)
            .await
            .unwrap(),
        };
        members.push(id);
    }
    let mut accounts = Vec::new();
    for (member, kind, no) in
        [(members[0], "general", "1000001"), (members[0], "pension", "1000002"), (members[1], "housing", "1000003")]
    {
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM zaikei_accounts WHERE member_id = $1 AND kind = $2")
                .bind(member)
                .bind(kind)
                .fetch_optional(&mut *conn)
                .await
                .unwrap();
        let id = match existing {
            Some(id) => id,
            None => sqlx::query_scalar(
                "INSERT INTO zaikei_accounts (member_id, kind, account_no, state) VALUES ($1, $2, $3, 'active') RETURNING id",
            )
            .bind(member)
            .bind(kind)
            .bind(no)
            .fetch_one(&mut *conn)
            .await
            .unwrap(),
        };
        accounts.push(id);
    }
    let delivery: i64 = sqlx::query_scalar(
        "INSERT INTO zaikei_deliveries (contract_id, kind, cycle, due_on, received_at, file_name, row_count, imported_by)
         VALUES ($1, 'deposit', 'monthly', $2, $3, 'deposit.csv', 3, 'cli') RETURNING id",
    )
    .bind(contract)
    .bind(due)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let mut rows = Vec::new();
    for (line, (account, amount)) in accounts.iter().zip([10_000i64, 20_000, 15_000]).enumerate() {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO zaikei_deposit_rows (delivery_id, account_id, line_no, amount, change_kind, previous_amount, incentive_amount)
             VALUES ($1, $2, $3, $4, 'continue', $4, 0) RETURNING id",
        )
        .bind(delivery)
        .bind(*account)
        .bind(line as i64 + 1)
        .bind(amount)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        rows.push(id);
    }
    Seeded { delivery, general: rows[0], pension: rows[1], housing: rows[2] }
}

/// The spec's setup: the demo at 2025-07-14 10:00, an organization with the option, its master
/// signed in, a delivery due 2025-07-25. Returns (app, master's browser, master id, contract, seed).
pub async fn setup() -> (TestApp, TestApp, i64, i64, Seeded) {
    let app = TestApp::demo().await;
    app.set_clock(SETUP);
    let (b, master_id) = master(&app).await;
    let contract = contract(&app, master_id, "10000001", true).await;
    let seeded = seed(&app, contract, DUE).await;
    // The session was made before the contract: sign in again so the user row carries it.
    b.sign_in_as("rokin", master_id).await;
    (app, b, master_id, contract, seeded)
}

/// Another organization with a contract (with the option) and its own delivery, its master
/// and a general user holding the right, signed in.
pub async fn other_contract(app: &TestApp) -> (TestApp, TestApp, Seeded) {
    let other = rokin_organization(app, "別会社", "Other001", "other@example.jp", "別会社　一郎").await;
    let contract = contract(app, other, "20000002", true).await;
    let seeded = seed(app, contract, DUE).await;
    let o = app.browser();
    o.sign_in_as("rokin", other).await;
    let (g, g_id) = member(app, &o, "OtherG01", "other-g@example.jp").await;
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query("UPDATE users SET zaikei_change_right = 1 WHERE id = $1").bind(g_id).execute(&mut *conn).await.unwrap();
    g.sign_in_as("rokin", g_id).await;
    (o, g, seeded)
}

/// The amount of a 預入依頼書 明細 now.
pub async fn amount(app: &TestApp, row: i64) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT amount FROM zaikei_deposit_rows WHERE id = $1")
        .bind(row)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// The `base` hidden field of a change form.
pub fn base_of(body: &str) -> String {
    let key = "name=\"base\" value=\"";
    let from = body.find(key).map(|i| i + key.len()).unwrap_or_else(|| panic!("no base field:\n{body}"));
    body[from..from + body[from..].find('"').unwrap()].to_string()
}
