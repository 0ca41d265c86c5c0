//! Acceptance checks 1 and 2 from the import's side: the CLI's import (same parser and
//! transaction as the console) stores all rows or none with the line named, mails the
//! contract's users without names or amounts, is audited for 操作ログ照会, and a re-import of a
//! delivery the employer changed is refused unless the operator discards the changes.

use super::{NUMBER, deliver, delivery_id, deposit_120, setup};
use madoguchi::demo_zaikei::members;
use madoguchi_zaikei::import::Outcome;
use madoguchi_zaikei::kinds::DeliveryKind;

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("zaikei-it-{}-{}", std::process::id(), name));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

async fn cli(
    app: &crate::testkit::TestApp,
    kind: &str,
    path: &std::path::Path,
    discard: bool,
) -> anyhow::Result<String> {
    let now = app.state.clock.unix();
    madoguchi::zaikei_cli::import_file(&app.state.store, &app.state.config, "rokin", NUMBER, kind, path, discard, now)
        .await
}

async fn stored_rows(app: &crate::testkit::TestApp, contract: i64) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM zaikei_deposit_rows r JOIN zaikei_deliveries d ON d.id = r.delivery_id WHERE d.contract_id = $1",
    )
    .bind(contract)
    .fetch_one(&mut *conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_cli_imports_mails_without_names_or_amounts_and_is_in_the_operation_log() {
    let (app, b, _, contract) = setup().await;
    let path = temp_file("deposit.csv", deposit_120().as_bytes());
    let line = cli(&app, "deposit", &path, false).await.unwrap();
    assert!(line.contains("120 rows imported"), "{line}");
    assert_eq!(stored_rows(&app, contract).await, 120);
    let mails = app.mails().await;
    let to: Vec<&str> = mails.iter().map(|m| m.to.as_str()).collect();
    let mail = mails.iter().find(|m| m.to == crate::rokin::users::MASTER_EMAIL).unwrap_or_else(|| panic!("{to:?}"));
    assert_eq!(mail.subject, "【賃金控除事務支援システム】財形積立明細を受信しました（入金予定日 7月25日）");
    for m in members(120) {
        assert!(
            !mail.text.contains(&m.name) && !mail.text.contains(m.name.split('　').next().unwrap()),
            "{}",
            mail.text
        );
    }
    for amount in ["000円", "¥", ",000"] {
        assert!(!mail.text.contains(amount), "no amount in the mail: {}", mail.text);
    }
    let log = b.get("/rokin/operation-log?event=zaikei.imported").await;
    log.assert_contains("<span id=\"log-total\">1</span>").assert_contains("財形データ受信");
}

#[tokio::test]
async fn one_bad_row_stores_nothing_and_names_its_line_also_in_crlf_and_cp932_files() {
    let (app, _, _, contract) = setup().await;
    // Line 3 of a CRLF file: the second member's 積立額 typed with a comma and letter O's.
    let text = deposit_120();
    let mut lines: Vec<String> = text.split("\r\n").map(String::from).collect();
    let cells: Vec<&str> = lines[2].split(',').collect();
    let mut cells: Vec<String> = cells.into_iter().map(String::from).collect();
    cells[11] = "\"12,5OO\"".into();
    lines[2] = cells.join(",");
    let bad = lines.join("\r\n");
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&bad);
    assert!(!unmappable);
    let path = temp_file("bad.csv", &sjis);
    let error = cli(&app, "deposit", &path, false).await.unwrap_err().to_string();
    assert!(error.contains("1 row(s) refused"), "{error}");
    let parsed = madoguchi_zaikei::layout::parse(DeliveryKind::Deposit, &sjis).unwrap_err();
    assert_eq!((parsed[0].line, parsed[0].message.contains("積立額「12,5OO」")), (3, true), "{parsed:?}");
    assert_eq!(stored_rows(&app, contract).await, 0);
    // The same file without the error, in CP932, imports whole.
    let (good, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
    let path = temp_file("good.csv", &good);
    cli(&app, "deposit", &path, false).await.unwrap();
    assert_eq!(stored_rows(&app, contract).await, 120);
}

#[tokio::test]
async fn a_changed_delivery_is_replaced_only_when_the_changes_are_discarded() {
    let (app, _, _, contract) = setup().await;
    let first = delivery_id(&deliver(&app, contract, DeliveryKind::Deposit, &deposit_120(), false).await);
    // Unchanged: the same key replaces it.
    let second = deliver(&app, contract, DeliveryKind::Deposit, &deposit_120(), false).await;
    assert!(matches!(second, Outcome::Imported { replaced: true, .. }), "{second:?}");
    let second = delivery_id(&second);
    assert_ne!(first, second);
    // The employer changed it (明細変更): refused, nothing replaced …
    let mut conn = app.state.store.acquire().await.unwrap();
    // What the employer's 一時保存 leaves: a draft version of the changes (財形積立明細変更).
    sqlx::query(
        "INSERT INTO zaikei_change_sets (delivery_id, version, state, revision, updated_by, updated_at)
         SELECT id, 1, 'draft', 0, 'user:0', 0 FROM zaikei_deliveries WHERE id = $1 AND kind = 'deposit'",
    )
    .bind(second)
    .execute(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    let refused = deliver(&app, contract, DeliveryKind::Deposit, &deposit_120(), false).await;
    assert_eq!(refused, Outcome::ChangesExist { delivery: second });
    let path = temp_file("again.csv", deposit_120().as_bytes());
    let error = cli(&app, "deposit", &path, false).await.unwrap_err().to_string();
    assert!(error.contains("--discard-changes"), "{error}");
    // … unless the operator confirms 変更内容を破棄して再取込.
    let line = cli(&app, "deposit", &path, true).await.unwrap();
    assert!(line.contains("replaced"), "{line}");
    let mut conn = app.state.store.acquire().await.unwrap();
    let (events, detail): (i64, String) = sqlx::query_as(
        "SELECT COUNT(*), MAX(detail) FROM audit_log WHERE event = 'zaikei.reimported' AND detail LIKE '%破棄%'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(events, 1, "{detail}");
}
