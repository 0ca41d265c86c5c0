//! The Files platform block (docs/FILES.md) on the database under test: the `files` table's
//! reads scoped by portal and owner, content apart from metadata, the streamed ZIP opened by
//! Python's `zipfile` (names, the UTF-8 flag, contents and the index CSV's SHA-256), a ZIP
//! whose file changed under it ending in an error, and the download's audit event read by the
//! owning organization's admin on 操作ログ照会 (and not by another organization's).

use crate::testkit::{TestApp, rokin_organization};
use axum::http::{StatusCode, header};
use futures_util::StreamExt;
use madoguchi_core::files::{Accept, MediaType};
use madoguchi_store::files::{self, NewFile, StoredFile};
use madoguchi_web::ctx::Origin;
use madoguchi_web::files::zip::{ZipIndex, ZipItem, index_csv, zip_response};
use std::process::Command;

/// The organization of a rokin master made for the test, and the master's user id.
async fn organization(app: &TestApp, name: &str, login_id: &str) -> (i64, i64) {
    let master = rokin_organization(app, name, login_id, &format!("{login_id}@example.jp"), "管理 太郎").await;
    let mut conn = app.state.store.acquire().await.unwrap();
    let org: i64 = sqlx::query_scalar("SELECT organization_id FROM users WHERE id = $1")
        .bind(master)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    (org, master)
}

/// A PDF-looking file of `size` bytes, different per `seed`.
fn pdf(seed: u8, size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..size.saturating_sub(9)).map(|i| seed.wrapping_add((i % 251) as u8)));
    bytes
}

/// Stores `content` as the upload `raw_name` of `org`, through the block's own check.
async fn store(app: &TestApp, org: i64, user: Option<i64>, raw_name: &str, content: &[u8]) -> StoredFile {
    let accepted = Accept::APPLICATION.check(raw_name, content, "応募書類").unwrap();
    let mut conn = app.state.store.acquire().await.unwrap();
    let new = NewFile {
        portal: "rokin",
        owner_organization_id: Some(org),
        owner_user_id: user,
        purpose: "application",
        name: &accepted.name,
        media_type: accepted.media_type.mime(),
        content,
    };
    files::insert(&mut conn, &new, app.state.clock.unix()).await.unwrap()
}

#[tokio::test]
async fn stored_files_are_read_by_portal_and_owner_and_content_apart() {
    let app = TestApp::demo().await;
    let (org, master) = organization(&app, "窓口大学", "mado01").await;
    let (other, _) = organization(&app, "別大学", "betsu01").await;
    // 3 MB: past any page size, a BLOB / BYTEA of its own.
    let big = pdf(1, 3 * 1024 * 1024);
    // が decomposed (か + U+3099), as a Mac sends it, and a path before it.
    let a = store(&app, org, Some(master), "/Users/yamada/か\u{3099}くい.pdf", &big).await;
    let b = store(&app, org, None, "推薦書.pdf", &pdf(2, 100)).await;
    let c = store(&app, other, None, "別.pdf", &pdf(3, 100)).await;
    assert_eq!(a.name, "がくい.pdf");
    assert_eq!((a.size, a.media_type.as_str()), (3 * 1024 * 1024, MediaType::Pdf.mime()));
    assert_eq!(a.sha256, files::sha256_hex(&big));
    assert_eq!(a.owner_user_id, Some(master));

    let mut conn = app.state.store.acquire().await.unwrap();
    assert_eq!(files::by_id(&mut conn, "rokin", a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(files::by_id(&mut conn, "jrec-in", a.id).await.unwrap(), None, "another portal's id");
    assert_eq!(files::for_owner(&mut conn, "rokin", org, a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(files::for_owner(&mut conn, "rokin", other, a.id).await.unwrap(), None, "another organization's file");
    assert_eq!(files::content(&mut conn, "rokin", a.id).await.unwrap(), Some(big));
    assert_eq!(files::content(&mut conn, "jrec-in", a.id).await.unwrap(), None);
    let listed = files::list_by_ids(&mut conn, "rokin", &[c.id, a.id, 999_999, b.id]).await.unwrap();
    assert_eq!(listed.iter().map(|f| f.id).collect::<Vec<_>>(), [c.id, a.id, b.id]);
    assert!(files::list_by_ids(&mut conn, "jrec-in", &[a.id, b.id]).await.unwrap().is_empty());
    assert!(!files::delete(&mut conn, "jrec-in", b.id).await.unwrap());
    assert!(files::delete(&mut conn, "rokin", b.id).await.unwrap());
    assert_eq!(files::by_id(&mut conn, "rokin", b.id).await.unwrap(), None);
    assert!(!files::delete(&mut conn, "rokin", b.id).await.unwrap());
}

/// What Python's zipfile reads in the archive: per entry its name, flag bits, compression
/// and SHA-256; and the index CSV's rows (BOM stripped).
const PYTHON_ZIP: &str = r#"
import csv, hashlib, io, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    entries = [{"name": i.filename, "utf8": bool(i.flag_bits & 0x800), "stored": i.compress_type == zipfile.ZIP_STORED,
                "sha256": hashlib.sha256(z.read(i)).hexdigest()} for i in z.infolist()]
    index = z.read(z.infolist()[0]).decode("utf-8")
    rows = list(csv.reader(io.StringIO(index.lstrip("\ufeff"))))
print(json.dumps({"bom": index.startswith("\ufeff"), "entries": entries, "rows": rows}, ensure_ascii=False))
"#;

fn python_reads(zip: &[u8]) -> serde_json::Value {
    let dir = std::env::temp_dir().join(format!("madoguchi-zip-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bulk.zip");
    std::fs::write(&path, zip).unwrap();
    let out = Command::new("python3").arg("-c").arg(PYTHON_ZIP).arg(&path).output().expect("python3");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "zipfile refused the archive: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn a_zip_of_checked_files_streams_and_opens_with_every_sha256_in_its_index() {
    let app = TestApp::demo().await;
    let (org, _) = organization(&app, "窓口大学", "mado01").await;
    let sizes = [300 * 1024, 200 * 1024, 5];
    let raw = ["履歴書.pdf", "研究業績一覧（2026年）.pdf", "推薦書.PDF"];
    let mut items = Vec::new();
    let mut rows = Vec::new();
    for (n, (name, size)) in raw.iter().zip(sizes).enumerate() {
        let file = store(&app, org, None, name, &pdf(u8::try_from(n).unwrap(), size)).await;
        let id = format!("E{:09}", n + 1);
        rows.push(vec![id.clone(), file.name.clone(), file.sha256.clone()]);
        items.push(ZipItem { entry_name: format!("{id}_{}", file.name), file });
    }
    let index = ZipIndex {
        name: "応募者一覧.csv".into(),
        content: index_csv(&["応募受付ID", "ファイル名", "SHA-256"], rows.clone()).unwrap(),
    };
    let zip_name = "応募書類_D123456789_202604011200.zip";
    let response = zip_response(app.state.store.clone(), zip_name, items, Some(index), app.state.clock.unix());
    let h = response.headers();
    assert_eq!(h[header::CONTENT_TYPE], "application/zip");
    assert!(h[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment; filename=\""));
    assert!(h[header::CONTENT_DISPOSITION].to_str().unwrap().contains("filename*=UTF-8''%E5%BF%9C%E5%8B%9F"));
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(h[header::CONTENT_SECURITY_POLICY].to_str().unwrap().starts_with("sandbox"));
    assert_eq!(h[header::CACHE_CONTROL], "private, no-store");

    // The body comes in pieces of at most the pipe's 64 KiB while the 500 KB archive is
    // written: nothing holds the whole archive.
    let mut stream = response.into_body().into_data_stream();
    let mut zip = Vec::new();
    let mut pieces = 0;
    while let Some(piece) = stream.next().await {
        let piece = piece.unwrap();
        assert!(piece.len() <= 64 * 1024, "a piece of {} bytes", piece.len());
        zip.extend_from_slice(&piece);
        pieces += 1;
    }
    assert!(pieces > 8, "{pieces} pieces");

    let read = python_reads(&zip);
    assert_eq!(read["bom"], true, "the index is UTF-8 with BOM");
    let entries = read["entries"].as_array().unwrap();
    let names: Vec<&str> = entries.iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["応募者一覧.csv", "E000000001_履歴書.pdf", "E000000002_研究業績一覧（2026年）.pdf", "E000000003_推薦書.PDF"]
    );
    for entry in entries {
        assert_eq!(entry["utf8"], true, "bit 11 on {}", entry["name"]);
        assert_eq!(entry["stored"], true);
    }
    let csv_rows = read["rows"].as_array().unwrap();
    assert_eq!(csv_rows[0], serde_json::json!(["応募受付ID", "ファイル名", "SHA-256"]));
    for (n, row) in rows.iter().enumerate() {
        assert_eq!(csv_rows[n + 1], serde_json::json!(row));
        // The SHA-256 the index lists is the one of the entry's bytes as unpacked.
        assert_eq!(entries[n + 1]["sha256"].as_str().unwrap(), row[2]);
    }
}

#[tokio::test]
async fn a_zip_whose_file_changed_under_it_ends_in_an_error() {
    let app = TestApp::demo().await;
    let (org, _) = organization(&app, "窓口大学", "mado01").await;
    let file = store(&app, org, None, "履歴書.pdf", &pdf(1, 1000)).await;
    {
        let mut conn = app.state.store.acquire().await.unwrap();
        sqlx::query("UPDATE files SET content = $1 WHERE id = $2")
            .bind(pdf(9, 1000))
            .bind(file.id)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    let items = vec![ZipItem { entry_name: "E000000001_履歴書.pdf".into(), file }];
    let response = zip_response(app.state.store.clone(), "a.zip", items, None, app.state.clock.unix());
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await;
    assert!(body.is_err(), "an archive missing its file must not look complete");
}

#[tokio::test]
async fn a_download_is_in_the_owning_organizations_operation_log() {
    let app = TestApp::demo().await;
    let (org, master) = organization(&app, "窓口大学", "mado01").await;
    let (_, other_master) = organization(&app, "別大学", "betsu01").await;
    let file = store(&app, org, None, "履歴書.pdf", &pdf(1, 100)).await;
    let origin = Origin { ip: Some("192.0.2.7".into()), user_agent: Some("test".into()) };
    let mut tx = app.state.store.begin().await.unwrap();
    let actor = format!("operator:{}", 1);
    madoguchi_web::files::record_download(
        &mut tx,
        &origin,
        &actor,
        &file,
        Some("応募書類.zip"),
        app.state.clock.unix(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut conn = app.state.store.acquire().await.unwrap();
    let (organization, detail): (Option<i64>, String) =
        sqlx::query_as("SELECT organization_id, detail FROM audit_log WHERE event = 'file.downloaded'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    drop(conn);
    assert_eq!(organization, Some(org));
    assert_eq!(detail, format!("{} application 履歴書.pdf (100 bytes) in 応募書類.zip", file.id));

    let count = |page: &str| {
        page.split("<span id=\"log-total\">").nth(1).and_then(|t| t.split('<').next()).unwrap_or("").to_string()
    };
    let own = app.browser();
    own.sign_in_as("rokin", master).await;
    let page = own.get("/rokin/operation-log?event=file.downloaded").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("<option value=\"file.downloaded\" selected>ファイルのダウンロード</option>");
    assert_eq!(count(&page.body), "1");
    let stranger = app.browser();
    stranger.sign_in_as("rokin", other_master).await;
    let page = stranger.get("/rokin/operation-log?event=file.downloaded").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(count(&page.body), "0");
}
