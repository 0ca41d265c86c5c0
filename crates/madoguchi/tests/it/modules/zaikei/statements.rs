//! Acceptance checks 1 and 3: the import shows on インフォメーション, and 財形積立明細照会 lists
//! the 120 rows with the file's totals per 財形種類 and finds a name typed in half-width kana.

use super::{deliver, delivery_id, deposit_120, setup};
use axum::http::StatusCode;
use madoguchi::demo_zaikei::{balance_csv, members};
use madoguchi_web::format::format_yen;
use madoguchi_zaikei::kinds::DeliveryKind;

#[tokio::test]
async fn information_shows_the_latest_deliveries_and_links_to_them() {
    let (app, b, _, contract) = setup().await;
    let home = b.get("/rokin/home").await;
    home.assert_contains("財形貯蓄 最新の受信情報").assert_contains("未受信");
    let id = delivery_id(&deliver(&app, contract, DeliveryKind::Deposit, &deposit_120(), false).await);
    let home = b.get("/rokin/home").await;
    home.assert_contains(&format!(
        "<a href=\"/rokin/zaikei/statements?kind=deposit&#38;delivery={id}\">預入依頼書</a>"
    ))
    .assert_contains("2025年07月14日 10:00")
    .assert_contains("入金予定日 2025-07-25")
    .assert_contains("href=\"/rokin/zaikei/statements\">財形積立明細照会</a>")
    .assert_contains("href=\"/rokin/zaikei/alarms\">財形アラーム明細照会</a>");
}

#[tokio::test]
async fn the_statement_lists_every_row_with_the_files_totals() {
    let (app, b, _, contract) = setup().await;
    let id = delivery_id(&deliver(&app, contract, DeliveryKind::Deposit, &deposit_120(), false).await);
    let page = b.get("/rokin/zaikei/statements").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("<h1>財形積立明細照会</h1>")
        .assert_contains("<span id=\"row-total\">120</span>")
        .assert_contains("(1 / 3)")
        .assert_contains("状態: 受信済");
    let m = members(120);
    let sum = |kind: &str| m.iter().filter(|x| x.savings == kind).map(|x| x.amount).sum::<i64>();
    let count = |kind: &str| m.iter().filter(|x| x.savings == kind).count();
    for kind in ["一般", "年金", "住宅"] {
        page.assert_contains(&format!(
            "<th scope=\"row\">{kind}</th><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            count(kind),
            format_yen(sum(kind))
        ));
    }
    let all: i64 = m.iter().map(|x| x.amount).sum();
    page.assert_contains(&format!("<td class=\"num\" id=\"total-amount\">{}</td>", format_yen(all)));
    // 50 a page; the third page has the last 20, the filter kept in the links.
    let third = b.get(&format!("/rokin/zaikei/statements?kind=deposit&delivery={id}&page=3")).await;
    third.assert_contains("(3 / 3)").assert_lacks("rel=\"next\"");
    assert_eq!(third.body.matches("<tr><td>").count(), 20);
    let next = page.body.split("rel=\"next\"").next().unwrap();
    let href = next.rsplit("href=\"").next().unwrap().trim_end_matches("\" ").replace("&amp;", "&");
    assert!(href.contains("page=2") && href.contains("kind=deposit"), "{href}");
}

#[tokio::test]
async fn names_are_found_in_half_width_kana_and_hiragana_and_filters_combine() {
    let (app, b, _, contract) = setup().await;
    deliver(&app, contract, DeliveryKind::Deposit, &deposit_120(), false).await;
    // 山田 is every 20th member from the 12th: 6 of 120.
    for typed in ["ﾔﾏﾀﾞ", "やまだ", "ヤマダ", "山田"] {
        let page = b.get(&format!("/rokin/zaikei/statements?name={typed}")).await;
        page.assert_contains("<span id=\"row-total\">6</span>").assert_contains("山田　");
    }
    let m = members(120);
    let housing_sales = m.iter().filter(|x| x.savings == "住宅" && x.dept.0 == "E01").count();
    let page = b.get("/rokin/zaikei/statements?dept=E01&savings=housing").await;
    page.assert_contains(&format!("<span id=\"row-total\">{housing_sales}</span>"));
    let new = m.iter().filter(|x| x.change == "新規").count();
    b.get("/rokin/zaikei/statements?change=new").await.assert_contains(&format!("<span id=\"row-total\">{new}</span>"));
    b.get("/rokin/zaikei/statements?emp=E10001").await.assert_contains("<span id=\"row-total\">1</span>");
    // A bad filter: the message by the field and in the summary, what was typed kept, no rows.
    let bad = b.get("/rokin/zaikei/statements?dept=%E7%B7%8F%E5%8B%99%E9%83%A8%E3%81%82").await;
    bad.assert_contains("class=\"error-summary\"")
        .assert_contains("所属コードは半角英数字6文字以内で入力してください。")
        .assert_contains("aria-describedby=\"dept-error\"")
        .assert_contains("value=\"総務部あ\"")
        .assert_lacks("id=\"row-total\"");
}

#[tokio::test]
async fn a_fourth_delivery_pushes_the_oldest_out_of_the_picker_and_the_job_deletes_it() {
    let (app, b, _, contract) = setup().await;
    let m = members(10);
    let mut ids = Vec::new();
    for date in ["2025-03-31", "2025-04-30", "2025-05-31", "2025-06-30"] {
        ids.push(delivery_id(&deliver(&app, contract, DeliveryKind::Balance, &balance_csv(&m, date), false).await));
    }
    let page = b.get("/rokin/zaikei/statements?kind=balance").await;
    page.assert_contains("基準日 2025-06-30")
        .assert_contains("基準日 2025-05-31")
        .assert_contains("基準日 2025-04-30")
        .assert_lacks("基準日 2025-03-31");
    let oldest = b.get(&format!("/rokin/zaikei/statements?kind=balance&delivery={}", ids[0])).await;
    assert_eq!(oldest.status, StatusCode::NOT_FOUND);
    let gone = madoguchi::jobs::prune_zaikei(&app.state).await.unwrap();
    assert_eq!(gone, 1);
    assert_eq!(madoguchi::jobs::prune_zaikei(&app.state).await.unwrap(), 0);
    let kept = b.get(&format!("/rokin/zaikei/statements?kind=balance&delivery={}", ids[1])).await;
    kept.assert_contains("<span id=\"row-total\">10</span>");
}

/// The 社員番号 of every row of the 照会 of `address`, page after page, in the order shown.
async fn shown_order(b: &crate::testkit::TestApp, address: &str) -> Vec<String> {
    let mut order = Vec::new();
    for page in 1.. {
        let body = b.get(&format!("{address}&page={page}")).await.body;
        let before = order.len();
        for cell in body.split("</td><td>").skip(1) {
            if cell.len() == 6 && cell.starts_with('E') && cell[1..].bytes().all(|c| c.is_ascii_digit()) {
                order.push(cell.to_string());
            }
        }
        if order.len() == before || !body.contains("rel=\"next\"") {
            break;
        }
    }
    order
}

/// The rows come in 所属コード then 社員番号 order on every page, with filters too; a later
/// delivery that moves a member to another 所属 moves them in the delivery already shown (the
/// order is kept on the rows, migration 0023).
#[tokio::test]
async fn rows_come_in_department_order_and_a_move_reorders_them() {
    let (app, b, _, contract) = setup().await;
    let mut m = members(120);
    let id = delivery_id(&deliver(&app, contract, DeliveryKind::Deposit, &deposit_120(), false).await);
    let expected = |m: &[madoguchi::demo_zaikei::DemoMember],
                    filter: &dyn Fn(&madoguchi::demo_zaikei::DemoMember) -> bool| {
        let mut rows: Vec<_> = m.iter().filter(|x| filter(x)).map(|x| (x.dept.0, x.employee_no.clone())).collect();
        rows.sort();
        rows.into_iter().map(|(_, e)| e).collect::<Vec<_>>()
    };
    let address = format!("/rokin/zaikei/statements?kind=deposit&delivery={id}");
    assert_eq!(shown_order(&b, &address).await, expected(&m, &|_| true));
    assert_eq!(shown_order(&b, &format!("{address}&savings=pension")).await, expected(&m, &|x| x.savings == "年金"));
    assert_eq!(shown_order(&b, &format!("{address}&name=やまだ")).await, expected(&m, &|x| x.name.starts_with("山田")));
    // E10001 moves from 総務部 (S01, first) to 製造部 (M01) in the next 加入者残高一覧表.
    m[0].dept = ("M01", "製造部");
    deliver(&app, contract, DeliveryKind::Balance, &balance_csv(&m, "2025-06-30"), false).await;
    let moved = shown_order(&b, &address).await;
    assert_eq!(moved, expected(&m, &|_| true));
    assert_ne!(moved.first().map(String::as_str), Some("E10001"));
}
