//! Acceptance checks 4 and 5: 財形積立明細書出力／財形アラーム明細出力 (the PDF's text read back
//! with pdftotext, as a user's viewer shows it; its audit entry in 操作ログ照会) and
//! 財形積立明細データエクスポート (the CP932 file decoded with Python's cp932 codec, the UTF-8 one
//! with its BOM, CRLF, a formula neutralized), the refusal of a character CP932 cannot hold,
//! the form's messages, the per-user limit, and nothing of the contract reached by another
//! contract, another portal or a user of another portal.

use super::{contract_for, deliver, delivery_id, deposit_120, setup};
use crate::testkit::{Page, TestApp, rokin_organization};
use axum::http::{StatusCode, header};
use madoguchi::demo_zaikei::{alarm_csv, members};
use madoguchi_zaikei::kinds::DeliveryKind;
use std::process::Command;

/// The text of a PDF as pdftotext (poppler-utils, installed by .ci/run) extracts it.
pub(crate) fn pdftotext(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("madoguchi-zaikei-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("report.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext").arg("-raw").arg(&path).arg("-").output().expect("pdftotext (poppler-utils)");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The file decoded by Python's cp932 codec (what Excel on Windows reads), strictly.
fn python_cp932(bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("madoguchi-zaikei-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("export.csv");
    std::fs::write(&path, bytes).unwrap();
    let script =
        "import sys; sys.stdout.buffer.write(open(sys.argv[1], 'rb').read().decode('cp932', 'strict').encode('utf-8'))";
    let out = Command::new("python3").arg("-c").arg(script).arg(&path).output().expect("python3");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "cp932 decoding failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn header_of(page: &Page, name: header::HeaderName) -> &str {
    page.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The oplog's count of one event, as the master reads it on 操作ログ照会.
async fn logged(b: &TestApp, event: &str, label: &str) -> String {
    let page = b.get(&format!("/rokin/operation-log?event={event}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains(&format!("<option value=\"{event}\" selected>{label}</option>"));
    let total = page.body.split("<span id=\"log-total\">").nth(1).and_then(|t| t.split('<').next()).unwrap_or("");
    total.to_string()
}

async fn set_member(app: &TestApp, contract: i64, employee_no: &str, column: &str, value: &str) {
    let mut conn = app.state.store.acquire().await.unwrap();
    let sql = match column {
        "name" => "UPDATE zaikei_members SET name = $3 WHERE contract_id = $1 AND employee_no = $2",
        _ => "UPDATE zaikei_members SET dept_name = $3 WHERE contract_id = $1 AND employee_no = $2",
    };
    let done = sqlx::query(sql).bind(contract).bind(employee_no).bind(value).execute(&mut *conn).await.unwrap();
    assert_eq!(done.rows_affected(), 1);
}

#[tokio::test]
async fn the_statement_pdf_has_the_names_subtotals_and_page_numbers_and_is_logged() {
    let (app, b, _, contract) = setup().await;
    let id = delivery_id(&deliver(&app, contract, DeliveryKind::Deposit, &deposit_120(), false).await);
    let form = b.get("/rokin/zaikei/reports").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    form.assert_contains("<h1>財形積立明細書出力／財形アラーム明細出力</h1>")
        .assert_contains("<form method=\"get\" action=\"/rokin/zaikei/reports\"")
        .assert_contains("<label for=\"report\">財形積立明細書（預入依頼書）</label>")
        .assert_contains(&format!(
            "<option value=\"{id}\">月例 入金予定日 2025-07-25（受信 2025年07月14日 10:00・120件）</option>"
        ))
        .assert_contains("href=\"/rokin/zaikei/reports\">財形積立明細書出力／財形アラーム明細出力</a>")
        .assert_contains("href=\"/rokin/zaikei/export\">財形積立明細データエクスポート</a>");

    let pdf = b.get(&format!("/rokin/zaikei/reports?report=statement&delivery={id}")).await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
    assert_eq!(header_of(&pdf, header::CONTENT_TYPE), "application/pdf");
    let disposition = header_of(&pdf, header::CONTENT_DISPOSITION);
    assert!(disposition.starts_with("attachment; filename=\""), "{disposition}");
    // 財形積立明細書_預入依頼書_月例_2025-07-25.pdf in UTF-8 (RFC 5987).
    assert!(
        disposition.contains("filename*=UTF-8''%E8%B2%A1%E5%BD%A2%E7%A9%8D%E7%AB%8B%E6%98%8E%E7%B4%B0%E6%9B%B8_"),
        "{disposition}"
    );
    assert!(disposition.ends_with("_2025-07-25.pdf"), "{disposition}");
    assert!(pdf.bytes.starts_with(b"%PDF-"));

    let text = pdftotext(&pdf.bytes);
    let pages: Vec<&str> = text.split('\u{c}').filter(|p| !p.trim().is_empty()).collect();
    let n = pages.len();
    assert!(n > 1, "120 rows and their subtotals take several pages");
    for (i, page) in pages.iter().enumerate() {
        for expected in [
            "財形積立明細書",
            "株式会社ろうきん商事",
            "預入依頼書 月例 入金予定日 2025-07-25",
            "作成日時 2025-07-14 10:00",
        ] {
            assert!(page.contains(expected), "page {}: {expected} missing in\n{page}", i + 1);
        }
        assert!(page.contains(&format!("{} / {n}", i + 1)), "page {} has no 「{} / {n}」", i + 1, i + 1);
    }
    let m = members(120);
    // Poppler writes the ideographic space as an ASCII one.
    for member in [&m[0], &m[60], &m[119]] {
        let name = member.name.replace('\u{3000}', " ");
        assert!(text.contains(&name), "{name} missing");
    }
    let (code, dept) = m[0].dept;
    assert!(text.contains(&format!("所属 {code} {dept} 小計")), "no subtotal of {code}");
    for kind in ["一般", "年金", "住宅"] {
        let sum: i64 = m.iter().filter(|x| x.savings == kind).map(|x| x.amount).sum();
        let count = m.iter().filter(|x| x.savings == kind).count();
        let line = format!("財形種類 {kind} 計 {count} 件");
        assert!(text.contains(&line), "{line} missing");
        assert!(text.contains(&madoguchi_zaikei::outputs::yen(sum)));
    }
    let total: i64 = m.iter().map(|x| x.amount).sum();
    assert!(text.contains("合計 120 件") && text.contains(&madoguchi_zaikei::outputs::yen(total)));
    // Sorted by 所属 then 社員番号: the first department's rows come in 社員番号 order.
    let first_code = m.iter().map(|x| x.dept.0).min().unwrap();
    let mut first_dept: Vec<&str> =
        m.iter().filter(|x| x.dept.0 == first_code).map(|x| x.employee_no.as_str()).collect();
    first_dept.sort();
    let positions: Vec<usize> = first_dept.iter().map(|no| text.find(no).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "rows not in 社員番号 order");

    assert_eq!(logged(&b, "zaikei.report_output", "財形積立明細書出力").await, "1");
    let log = b.get("/rokin/operation-log?event=zaikei.report_output").await;
    log.assert_contains("<td>Master01</td><td>労金　太郎</td><td>財形積立明細書出力</td>");
}

#[tokio::test]
async fn the_alarm_list_pdf_prints_every_alarm() {
    let (app, b, _, contract) = setup().await;
    let text = alarm_csv(&members(120), "2025-07-01");
    let count = text.lines().count() - 1;
    let id = delivery_id(&deliver(&app, contract, DeliveryKind::Alarm, &text, false).await);
    let pdf = b.get(&format!("/rokin/zaikei/reports?report=alarms&delivery={id}")).await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
    assert_eq!(header_of(&pdf, header::CONTENT_TYPE), "application/pdf");
    let printed = pdftotext(&pdf.bytes);
    assert!(printed.contains("財形アラーム明細一覧表") && printed.contains("アラーム明細 作成日 2025-07-01"));
    assert!(printed.contains(&format!("合計 {count} 件")), "{printed}");
    assert!(printed.contains("1 / "));
    // The report and the delivery must agree: a 預入依頼書 is not an alarm list.
    let deposit = delivery_id(&deliver(&app, contract, DeliveryKind::Deposit, &deposit_120(), false).await);
    let wrong = b.get(&format!("/rokin/zaikei/reports?report=alarms&delivery={deposit}")).await;
    assert_eq!(wrong.status, StatusCode::OK);
    wrong
        .assert_contains("<title>エラー：")
        .assert_contains("id=\"delivery-error\"><p>選択した帳票の受信データを選択してください。</p>")
        .assert_contains(&format!("<option value=\"{deposit}\" selected>"))
        .assert_contains("value=\"alarms\" checked");
    let missing = b.get("/rokin/zaikei/reports?report=&delivery=").await;
    missing
        .assert_contains("id=\"report-error\"><p>帳票を選択してください。</p>")
        .assert_contains("id=\"delivery-error\"><p>受信データを選択してください。</p>")
        .assert_contains("href=\"#report\"");
    assert_eq!(logged(&b, "zaikei.report_output", "財形積立明細書出力").await, "1");
}

#[tokio::test]
async fn the_csv_in_cp932_and_utf8_opens_in_excel_and_neutralizes_formulas() {
    let (app, b, _, contract) = setup().await;
    let id = delivery_id(&deliver(&app, contract, DeliveryKind::Deposit, &deposit_120(), false).await);
    let m = members(120);
    // The bank's data may hold what Excel would run as a formula.
    set_member(&app, contract, &m[1].employee_no, "dept_name", "=HYPERLINK(\"http://x.example\")").await;
    // 〜 (WAVE DASH) is written as CP932's ～, not as &#12316;.
    set_member(&app, contract, &m[2].employee_no, "name", "波線　〜子").await;
    let form = b.get("/rokin/zaikei/export").await;
    form.assert_contains("<h1>財形積立明細データエクスポート</h1>")
        .assert_contains("<legend>文字コード <span class=\"req\">必須</span></legend>")
        .assert_contains("value=\"utf8\" checked");

    let cp932 = b.get(&format!("/rokin/zaikei/export?report=deposit&delivery={id}&encoding=cp932")).await;
    assert_eq!(cp932.status, StatusCode::OK, "{}", cp932.body);
    assert_eq!(header_of(&cp932, header::CONTENT_TYPE), "text/csv; charset=Shift_JIS");
    assert!(header_of(&cp932, header::CONTENT_DISPOSITION).ends_with("_2025-07-25.csv"));
    assert!(!cp932.bytes.windows(2).any(|w| w == b"&#"), "no numeric character references");
    let text = python_cp932(&cp932.bytes);
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines.len(), 122, "header, 120 rows and the empty rest after the last CRLF");
    assert_eq!(lines[121], "");
    assert!(!text.replace("\r\n", "").contains('\n'), "every line ends with CRLF");
    assert!(lines[0].starts_with("\"所属コード\",\"所属名\",\"社員番号\",\"氏名\",\"フリガナ\""), "{}", lines[0]);
    assert!(lines[0].ends_with("\"前回積立額\",\"積立額\",\"変更区分\",\"奨励金額\""), "{}", lines[0]);
    assert!(text.contains(&format!("\"{}\"", m[0].name)));
    assert!(text.contains("\"波線　～子\""));
    assert!(text.contains("\"'=HYPERLINK(\"\"http://x.example\"\")\""), "formula neutralized");

    let utf8 = b.get(&format!("/rokin/zaikei/export?report=deposit&delivery={id}&encoding=utf8")).await;
    assert_eq!(header_of(&utf8, header::CONTENT_TYPE), "text/csv; charset=utf-8");
    assert!(utf8.bytes.starts_with(b"\xEF\xBB\xBF\"\xE6\x89\x80"), "BOM, then 「\"所」");
    let text = String::from_utf8(utf8.bytes[3..].to_vec()).unwrap();
    assert!(text.contains("\"波線　〜子\"") && text.ends_with("\r\n"));
    assert_eq!(text.matches("\r\n").count(), 121);

    assert_eq!(logged(&b, "zaikei.exported", "財形積立明細データエクスポート").await, "2");
}

#[tokio::test]
async fn a_character_cp932_cannot_hold_is_named_with_its_employee_and_nothing_is_downloaded() {
    let (app, b, _, contract) = setup().await;
    let id = delivery_id(&deliver(&app, contract, DeliveryKind::Deposit, &deposit_120(), false).await);
    let m = members(120);
    set_member(&app, contract, &m[5].employee_no, "name", "𠮷野　一郎").await;
    let refused = b.get(&format!("/rokin/zaikei/export?report=deposit&delivery={id}&encoding=cp932")).await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(header_of(&refused, header::CONTENT_TYPE).starts_with("text/html"));
    assert!(header_of(&refused, header::CONTENT_DISPOSITION).is_empty());
    let message = format!(
        "社員番号 {} の「氏名」に Shift_JIS（CP932）で表せない文字「𠮷」（U+20BB7）があります。文字コードに UTF-8 を選ぶと出力できます。",
        m[5].employee_no
    );
    refused
        .assert_contains("<title>エラー：")
        .assert_contains(&format!("id=\"encoding-error\"><p>{message}</p>"))
        .assert_contains(&format!("<a href=\"#encoding\">{message}</a>"))
        .assert_contains("aria-describedby=\"encoding-error\"")
        // What was chosen stays chosen.
        .assert_contains("value=\"cp932\" checked")
        .assert_contains(&format!("<option value=\"{id}\" selected>"));
    assert_eq!(logged(&b, "zaikei.exported", "財形積立明細データエクスポート").await, "0");
    // UTF-8 holds it.
    let utf8 = b.get(&format!("/rokin/zaikei/export?report=deposit&delivery={id}&encoding=utf8")).await;
    assert!(String::from_utf8_lossy(&utf8.bytes).contains("𠮷野　一郎"));
    // A tampered encoding is a message, not a file.
    b.get(&format!("/rokin/zaikei/export?report=deposit&delivery={id}&encoding=latin1"))
        .await
        .assert_contains("id=\"encoding-error\"><p>文字コードを選んでください。</p>");
    assert_eq!(logged(&b, "zaikei.exported", "財形積立明細データエクスポート").await, "1");
}

#[tokio::test]
async fn outputs_are_limited_per_user() {
    let (app, b, _, contract) = setup().await;
    let small = madoguchi::demo_zaikei::deposit_csv(&members(3), "2025-07-25");
    let id = delivery_id(&deliver(&app, contract, DeliveryKind::Deposit, &small, false).await);
    let url = format!("/rokin/zaikei/export?report=deposit&delivery={id}&encoding=utf8");
    for i in 0..madoguchi_zaikei::output_pages::OUTPUTS_PER_USER_PER_HOUR {
        assert_eq!(header_of(&b.get(&url).await, header::CONTENT_TYPE), "text/csv; charset=utf-8", "output {i}");
    }
    let refused = b.get(&format!("/rokin/zaikei/reports?report=statement&delivery={id}")).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    refused.assert_contains("短時間に多くの出力が行われました。しばらくしてから再度お試しください。");
    // An hour later the window has moved on.
    app.set_clock("2025-07-14T11:00:01+09:00");
    b.sign_in_as("rokin", crate::rokin::users::user(&app, "Master01").await.unwrap().id).await;
    assert_eq!(header_of(&b.get(&url).await, header::CONTENT_TYPE), "text/csv; charset=utf-8");
}

#[tokio::test]
async fn nothing_of_the_contract_is_output_to_anyone_else() {
    let (app, b, _, contract) = setup().await;
    let id = delivery_id(&deliver(&app, contract, DeliveryKind::Deposit, &deposit_120(), false).await);
    let other_id = rokin_organization(&app, "別会社", "Other001", "other@example.jp", "別会社　一郎").await;
    contract_for(&app, other_id, "11112222").await;
    let other = app.browser();
    other.sign_in_as("rokin", other_id).await;
    // Another contract's delivery id in the address: 404, for both outputs.
    for url in [
        format!("/rokin/zaikei/reports?report=statement&delivery={id}"),
        format!("/rokin/zaikei/export?report=deposit&delivery={id}&encoding=utf8"),
        "/rokin/zaikei/reports?report=statement&delivery=abc".to_string(),
        format!("/rokin/zaikei/export?report=deposit&delivery={}&encoding=utf8", id + 1000),
    ] {
        let page = other.get(&url).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{url}");
        assert!(!page.bytes.starts_with(b"%PDF") && !page.body.contains("山田"), "{url}");
    }
    let form = other.get("/rokin/zaikei/reports").await;
    form.assert_contains("受信データはまだありません").assert_lacks(&format!("<option value=\"{id}\""));

    // On a portal without the module the addresses do not exist, even for a signed-in user.
    assert_eq!(b.get("/shaho/zaikei/reports").await.status, StatusCode::NOT_FOUND);
    assert_eq!(b.get("/jrec-in/zaikei/export").await.status, StatusCode::NOT_FOUND);
    // A user of another portal is no user of rokin: sent to rokin's login, nothing handed out.
    let jrec = crate::testkit::organization_user(
        &app,
        "jrec-in",
        "別大学",
        "seeker01",
        "seeker@example.jp",
        "求職　花子",
        "Kq7mWz2pLx9v",
    )
    .await;
    let stranger = app.browser();
    stranger.sign_in_as("jrec-in", jrec).await;
    let page = stranger.get(&format!("/rokin/zaikei/reports?report=statement&delivery={id}")).await;
    assert_ne!(page.status, StatusCode::OK);
    assert!(!page.bytes.starts_with(b"%PDF"));
    assert!(page.location().is_empty() || page.location().contains("/rokin/login"), "{}", page.location());
    assert_eq!(logged(&b, "zaikei.report_output", "財形積立明細書出力").await, "0");
}
