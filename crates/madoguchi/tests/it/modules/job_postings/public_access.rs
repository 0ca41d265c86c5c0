//! アクセス数 (jrec-in spec §1.6 item 4): one view per visitor per posting per JST day, the
//! institution's own views and bots not counted; アクセス数閲覧 with 当月 / 前月 / 合計, both
//! orders, the CSV for Excel; another institution sees none of it.

use super::public::*;
use super::{other_institution, setup};
use axum::http::StatusCode;

const BROWSER: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
const GOOGLEBOT: &str = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

/// The cells of the row of `data_number` on アクセス数閲覧.
fn cells(page: &str, data_number: &str) -> Vec<String> {
    let at = page.find(&format!("<td>{data_number}</td>")).unwrap_or_else(|| panic!("no row {data_number}:\n{page}"));
    let row = &page[at..page[at..].find("</tr>").unwrap() + at];
    row.split("<td")
        .skip(1)
        .map(|c| {
            let c = &c[c.find('>').unwrap() + 1..];
            c[..c.find("</td>").unwrap()].to_string()
        })
        .collect()
}

/// Signs the demo institution in again (the clock moved past its idle limit).
async fn sign_in(app: &crate::testkit::TestApp) {
    let login = app.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    assert_eq!(login.location(), "/jrec-in/home", "{}", login.body);
}

#[tokio::test]
async fn views_are_counted_once_a_day_per_visitor_without_the_institution_and_bots() {
    let app = setup().await;
    let org = demo_institution(&app).await;
    let first = publish(&app, org, "ja", &posting(&[("title", "よく見られる公募")]), date(2026, 11, 24)).await;
    let second = publish(&app, org, "ja", &posting(&[("title", "あまり見られない公募")]), date(2026, 11, 24)).await;
    let (one, two) = (format!("/jrec-in/postings/{first}"), format!("/jrec-in/postings/{second}"));
    let visitor = app.browser();
    let ua = [("user-agent", BROWSER)];
    // Not public yet: not counted.
    assert_eq!(visitor.get_with(&one, &ua).await.status, StatusCode::NOT_FOUND);
    app.clock.set(jst(2026, 11, 30, 9, 0, 0));
    sign_in(&app).await;
    let page = visitor.get_with(&one, &ua).await;
    assert_eq!(page.status, StatusCode::OK);
    let set = page
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("mdg_v="));
    let set = set.expect("a visitor cookie");
    assert!(
        set.contains("Path=/jrec-in/postings") && set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    // The same visitor again that day (now with its cookie), a bot, the institution itself.
    visitor.get_with(&one, &ua).await;
    visitor.get_with(&one, &ua).await;
    app.browser().get_with(&one, &[("user-agent", GOOGLEBOT)]).await;
    app.browser().get(&one).await;
    assert_eq!(app.get_with(&one, &ua).await.status, StatusCode::OK);
    // Another visitor, and the first one's other posting.
    app.browser().get_with(&one, &ua).await;
    visitor.get_with(&two, &ua).await;
    // The next day (and the next month): counted again.
    app.clock.set(jst(2026, 12, 1, 0, 0, 0));
    visitor.get_with(&one, &ua).await;

    sign_in(&app).await;
    let list = app.get("/jrec-in/job-postings/access").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    list.assert_contains("アクセス数閲覧").assert_contains("href=\"/jrec-in/help/posting-access\"");
    assert_eq!(cells(&list.body, "D000000001")[4..], ["1", "2", "3"], "当月, 前月, 合計");
    assert_eq!(cells(&list.body, "D000000002")[4..], ["0", "1", "1"]);
    assert!(list.body.find("D000000001").unwrap() < list.body.find("D000000002").unwrap(), "データ番号順");
    // 「アクセス数合計順」 puts the most viewed first; with 2 views more the second leads.
    app.clock.set(jst(2026, 12, 2, 10, 0, 0));
    for _ in 0..3 {
        app.browser().get_with(&two, &ua).await;
    }
    sign_in(&app).await;
    let by_total = app.get("/jrec-in/job-postings/access?sort=total").await;
    assert!(by_total.body.find("D000000002").unwrap() < by_total.body.find("D000000001").unwrap());
    // CSV for Excel: UTF-8 with BOM by default, the order shown, Japanese headings.
    let csv = app.get("/jrec-in/job-postings/access.csv?sort=total&encoding=utf8").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM");
    let text = String::from_utf8(csv.bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines[0], "\"データ番号\",\"求人件名\",\"公開開始日\",\"募集終了日\",\"当月\",\"前月\",\"合計\"");
    assert!(
        lines[1].starts_with("\"D000000002\",\"あまり見られない公募\",\"2026/11/24\",\"2027/01/31\",\"3\",\"1\",\"4\""),
        "{}",
        lines[1]
    );
    assert!(csv.headers["content-disposition"].to_str().unwrap().contains("attachment"));
    let sjis = app.get("/jrec-in/job-postings/access.csv?encoding=cp932").await;
    assert_eq!(sjis.status, StatusCode::OK);
    let (decoded, _, bad) = encoding_rs::SHIFT_JIS.decode(&sjis.bytes);
    assert!(!bad && decoded.contains("よく見られる公募"));
}

#[tokio::test]
async fn another_institution_sees_none_of_the_counts() {
    let app = setup().await;
    let org = demo_institution(&app).await;
    publish(&app, org, "ja", &posting(&[("title", "機関Aの公開中の公募")]), date(2026, 11, 24)).await;
    let other = other_institution(&app).await;
    let list = other.get("/jrec-in/job-postings/access").await;
    assert_eq!(list.status, StatusCode::OK);
    list.assert_lacks("機関Aの").assert_lacks("D000000001").assert_contains("登録された求人公募情報はありません。");
    let csv = other.get("/jrec-in/job-postings/access.csv").await;
    assert!(!String::from_utf8_lossy(&csv.bytes).contains("機関Aの"));
    // Signed out: the login page, not the counts.
    let anonymous = app.browser();
    assert_eq!(anonymous.get("/jrec-in/job-postings/access").await.location(), "/jrec-in/login");
    // The home menu links the screen.
    app.get("/jrec-in/home").await.assert_contains("href=\"/jrec-in/job-postings/access\"");
}
