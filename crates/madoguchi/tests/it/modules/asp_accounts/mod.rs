//! shaho's アカウント管理 (module `asp_accounts`, `crates/modules/asp-accounts`): the ASP user
//! link and the 管理者's actions (`accounts`), the seats and the 管理者用操作マニュアル
//! (`admin_manual`), the contracts' document shelves and their isolation (`documents`), the
//! per-account 二段階認証 switch (`login_code`), and the module's routes off where the preset
//! does not list it (`documents`).

mod accounts;
mod admin_manual;
mod documents;
mod login_code;

use crate::identity::signup::{CUSTOMER, PASSWORD, TEL, details, verified};
use crate::testkit::{Page, TestApp};

/// A second shaho contract beside the demo's (281234): 2 seats, ASP user IDs zz-01, zz-02.
pub const OTHER_CUSTOMER: &str = "285555";
pub const OTHER_TEL: &str = "06-1111-2222";

/// Signs up `email` against a contract in a browser of its own and logs it in (up to the
/// link screen).
pub async fn signed_up_to(app: &TestApp, (customer, tel): (&str, &str), email: &str, name: &str) -> TestApp {
    let b = app.browser();
    verified(&b, email).await;
    details(&b, customer, tel, name).await.assert_contains("アカウントを作成しました。");
    let login = b.post("/shaho/login", &[("login_id", email), ("password", PASSWORD)]).await;
    assert_eq!(login.location(), "/shaho/home", "{}", login.body);
    b
}

/// Signs up `email` against the demo contract (up to the link screen).
pub async fn signed_up(app: &TestApp, email: &str, name: &str) -> TestApp {
    signed_up_to(app, (CUSTOMER, TEL), email, name).await
}

/// The option value of an ASP user ID on the link screen.
pub fn option(page: &Page, asp: &str) -> String {
    let end = page.body.find(&format!("\">{asp}</option>")).unwrap_or_else(|| panic!("{asp} offered:\n{}", page.body));
    let start = page.body[..end].rfind("value=\"").unwrap() + 7;
    page.body[start..end].to_string()
}

pub async fn link(b: &TestApp, asp: &str) -> Page {
    let page = b.get("/shaho/link").await;
    b.post("/shaho/link", &[("choice", "ok"), ("asp", &option(&page, asp))]).await
}

pub async fn user_id(app: &TestApp, email: &str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    madoguchi_store::users::by_login_id(&mut conn, "shaho", email).await.unwrap().map(|u| u.id).unwrap_or(0)
}

/// The demo contract's 管理者 (abcd8-01) and a member (abcd8-02), each signed in and linked.
pub async fn admin_and_member(app: &TestApp) -> (TestApp, TestApp) {
    let admin = signed_up(app, "kanri@example.jp", "管理 太郎").await;
    link(&admin, "abcd8-01").await;
    let member = signed_up(app, "ippan@example.jp", "一般 花子").await;
    link(&member, "abcd8-02").await;
    (admin, member)
}

/// Adds the second contract the way the operator does; returns its id.
pub async fn other_contract(app: &TestApp) -> i64 {
    let portal = app.state.portal("shaho").unwrap().clone();
    let contract = madoguchi_console::contracts::NewContract {
        organization: "別所労務管理事務所",
        customer_id: OTHER_CUSTOMER,
        phone: OTHER_TEL,
        seats: "2",
        asp_user_ids: "zz-01 zz-02",
    };
    let now = app.state.clock.unix();
    let id = madoguchi_console::contracts::add(&app.state.store, &portal, &contract, "test", now).await.unwrap();
    // The operator hands its first account (the 管理者) a 管理者登録コード: the same as the
    // demo contract's here, so the sign-up helper serves both.
    let mut conn = app.state.store.acquire().await.unwrap();
    let hash = madoguchi_web::auth::admin_code_hash(crate::identity::signup::ADMIN_CODE);
    madoguchi_store::contracts::set_admin_code(&mut conn, "shaho", id, &hash, now).await.unwrap();
    id
}

/// The demo contract's id.
pub async fn demo_contract(app: &TestApp) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    madoguchi_store::contracts::by_customer_id(&mut conn, "shaho", CUSTOMER).await.unwrap().unwrap().id
}

pub async fn events(app: &TestApp, event: &str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    madoguchi_store::audit::count_events(&mut conn, "shaho", event).await.unwrap()
}

/// A small PDF (the `%PDF-` start is what the upload checks).
pub fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {text}\n%%EOF\n").into_bytes()
}
