//! 応募情報一覧's bulk actions (jrec-in §1.9 items 4–5, §1.15): the ZIP of the checked
//! documents with 応募者一覧.csv, read back with Python's zipfile (UTF-8 names, every entry's
//! SHA-256 the index's); the bulk change with a row the table refuses, one mail per changed
//! applicant, nothing twice; nothing checked; ids that are not the posting's own.

use super::{apply, count, institution, open_postings, seeker};
use crate::testkit::{TestApp, organization_user};
use axum::http::{StatusCode, header};
use std::process::Command;

/// What Python's zipfile reads: per entry its name, UTF-8 flag and SHA-256; the index's rows.
const PYTHON_ZIP: &str = r#"
import csv, hashlib, io, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    entries = [{"name": i.filename, "utf8": bool(i.flag_bits & 0x800),
                "sha256": hashlib.sha256(z.read(i)).hexdigest()} for i in z.infolist()]
    index = z.read("応募者一覧.csv").decode("utf-8")
    rows = list(csv.reader(io.StringIO(index.lstrip("\ufeff"))))
print(json.dumps({"entries": entries, "rows": rows}, ensure_ascii=False))
"#;

pub fn python_reads(zip: &[u8]) -> serde_json::Value {
    let dir = std::env::temp_dir().join(format!("madoguchi-bulk-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bulk.zip");
    std::fs::write(&path, zip).unwrap();
    let out = Command::new("python3").arg("-c").arg(PYTHON_ZIP).arg(&path).output().expect("python3");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "zipfile refused the archive: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn receipt(app: &TestApp, id: i64) -> String {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT receipt_id FROM applications WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_checked_documents_come_as_one_zip_with_their_sha256_in_the_index() {
    let app = TestApp::demo().await;
    let posting = open_postings(&app).await.remove(0);
    let a = apply(&seeker(&app, "zip1@seeker.example.jp").await, posting.id).await;
    let b = apply(&seeker(&app, "zip2@seeker.example.jp").await, posting.id).await;
    let c = apply(&seeker(&app, "zip3@seeker.example.jp").await, posting.id).await;
    let institution = institution(&app).await;
    let list = format!("/jrec-in/applications/postings/{}", posting.id);
    let page = institution.get(&list).await;
    page.assert_contains(&format!("name=\"ids\" value=\"{a}\""))
        .assert_contains(&format!("<label for=\"pick-{a}\" class=\"visually-hidden\">"))
        .assert_contains(">応募書類のダウンロード<")
        .assert_contains(">応募状況の変更<");

    let bulk = format!("{list}/bulk");
    let (a_s, c_s) = (a.to_string(), c.to_string());
    let zip = institution.post(&bulk, &[("ids", &a_s), ("ids", &c_s), ("_action", "download")]).await;
    assert_eq!(zip.status, StatusCode::OK, "{}", zip.body);
    assert_eq!(zip.headers[header::CONTENT_TYPE], "application/zip");
    assert!(zip.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment;"));
    let read = python_reads(&zip.bytes);
    let entries = read["entries"].as_array().unwrap();
    let (ra, rb, rc) = (receipt(&app, a).await, receipt(&app, b).await, receipt(&app, c).await);
    let names: Vec<&str> = entries.iter().map(|e| e["name"].as_str().unwrap()).collect();
    let mut expected = [format!("{ra}_応募書類.pdf"), format!("{rc}_応募書類.pdf")];
    expected.sort();
    assert_eq!(names[0], "応募者一覧.csv");
    assert_eq!(names[1..], expected.iter().map(String::as_str).collect::<Vec<_>>()[..]);
    for entry in entries {
        assert_eq!(entry["utf8"], true, "the UTF-8 flag on {}", entry["name"]);
    }
    let rows = read["rows"].as_array().unwrap();
    assert_eq!(
        rows[0],
        serde_json::json!([
            "応募受付ID",
            "氏名",
            "フリガナ",
            "応募日時",
            "応募状況",
            "ファイル名",
            "サイズ(バイト)",
            "SHA-256"
        ])
    );
    assert_eq!(rows.len(), 3, "{rows:?}");
    for row in &rows[1..] {
        let row = row.as_array().unwrap();
        let entry = entries.iter().find(|e| e["name"] == row[5]).expect("the row's file in the archive");
        assert_eq!(entry["sha256"], row[7], "the index's SHA-256 is the entry's");
        assert_eq!(row[1], "研究 太郎");
        assert_eq!(row[4], "応募中");
        assert_eq!(row[6], "4096");
    }
    let events = crate::modules::seekers::events(&app).await;
    assert_eq!(events.iter().filter(|e| *e == "application.documents_exported").count(), 1, "{events:?}");
    assert_eq!(events.iter().filter(|e| *e == "file.downloaded").count(), 2, "{events:?}");
    assert!(!names.iter().any(|n| n.starts_with(&rb)), "only the checked ones: {names:?}");

    // Nothing checked: the list again with the message, nothing downloaded.
    let none = institution.post(&bulk, &[("_action", "download")]).await;
    assert_eq!(none.status, StatusCode::OK);
    none.assert_contains("応募を1件以上選択してください。").assert_contains("href=\"#ids\"");
    let events = crate::modules::seekers::events(&app).await;
    assert_eq!(events.iter().filter(|e| *e == "application.documents_exported").count(), 1);
}

#[tokio::test]
async fn a_bulk_change_skips_the_rows_the_table_refuses_and_mails_each_changed_applicant_once() {
    let app = TestApp::demo().await;
    let posting = open_postings(&app).await.remove(0);
    let emails = ["bulk1@seeker.example.jp", "bulk2@seeker.example.jp", "bulk3@seeker.example.jp"];
    let mut ids = Vec::new();
    for email in emails {
        ids.push(apply(&seeker(&app, email).await, posting.id).await);
    }
    let institution = institution(&app).await;
    // The third is 受理済 already: 受理済 → 受理済 is no change the table allows.
    let detail = institution.get(&format!("/jrec-in/applications/{}", ids[2])).await;
    let version = super::version(&detail);
    let path = format!("/jrec-in/applications/{}", ids[2]);
    let asked = institution.post(&path, &[("status", "accepted"), ("notify", "no"), ("version", &version)]).await;
    institution.press_yes(&asked).await;

    let bulk = format!("/jrec-in/applications/postings/{}/bulk", posting.id);
    let id_strings: Vec<String> = ids.iter().map(i64::to_string).collect();
    let mut fields: Vec<(&str, &str)> = id_strings.iter().map(|s| ("ids", s.as_str())).collect();
    // Missing status and 通知: both said, the checks kept.
    let mut bad = fields.clone();
    bad.push(("_action", "change"));
    let refused = institution.post(&bulk, &bad).await;
    refused
        .assert_contains("変更後の応募状況を選択してください。")
        .assert_contains("応募状況更新通知を選択してください。")
        .assert_contains(&format!("value=\"{}\" checked", ids[0]));

    fields.extend([("_action", "change"), ("status", "accepted"), ("notify", "yes")]);
    let sent = app.mails().await.len();
    let preview = institution.post(&bulk, &fields).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    preview.assert_contains("選択した3件のうち2件を変更します。").assert_contains("変更できません");
    assert_eq!(app.mails().await.len(), sent, "the preview changes nothing");
    // 「戻る」: the list with the checks and the choices kept.
    let first = format!("{}:1", ids[0]);
    let back =
        [("row", first.as_str()), ("_action", "change"), ("status", "accepted"), ("notify", "yes"), ("_step", "back")];
    let list = institution.post(&bulk, &back).await;
    list.assert_contains(&format!("value=\"{}\" checked", ids[0]))
        .assert_lacks(&format!("value=\"{}\" checked", ids[1]))
        .assert_contains("value=\"accepted\" selected")
        .assert_contains("value=\"yes\" checked");
    let done = institution.press_yes(&preview).await;
    let list = format!("/jrec-in/applications/postings/{}", posting.id);
    assert_eq!(done.location(), format!("{list}?done=changed&n=2"), "{}", done.body);
    institution.get(done.location()).await.assert_contains("2件の応募状況を変更しました");
    let mails = app.mails().await;
    assert_eq!(mails.len(), sent + 2, "one mail per changed applicant");
    for email in &emails[..2] {
        assert_eq!(mails.iter().filter(|m| m.to == *email && m.subject.contains("応募状況")).count(), 1, "{email}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM applications WHERE status = 'accepted'").await, 3);

    // The same preview pressed again changes and mails nothing.
    let again = institution.press_yes(&preview).await;
    assert_eq!(again.location(), format!("{list}?done=changed&n=0"));
    assert_eq!(app.mails().await.len(), sent + 2);
    let events = crate::modules::seekers::events(&app).await;
    assert_eq!(events.iter().filter(|e| *e == "application.status_changed").count(), 3);

    // 再提出待ち with 通知しない is mailed all the same, as in the single change.
    let two: Vec<(&str, &str)> = vec![
        ("ids", id_strings[0].as_str()),
        ("_action", "change"),
        ("status", "resubmit_requested"),
        ("notify", "no"),
    ];
    let preview = institution.post(&bulk, &two).await;
    let done = institution.press_yes(&preview).await;
    assert_eq!(done.location(), format!("{list}?done=changed&n=1"));
    assert_eq!(app.mails().await.len(), sent + 3);
}

#[tokio::test]
async fn ids_that_are_not_the_postings_own_refuse_the_whole_action() {
    let app = TestApp::demo().await;
    let postings = open_postings(&app).await;
    assert!(postings.len() >= 2, "two open demo postings");
    let owner = seeker(&app, "own1@seeker.example.jp").await;
    let here = apply(&owner, postings[0].id).await;
    let elsewhere = apply(&owner, postings[1].id).await;
    let institution = institution(&app).await;
    let bulk = format!("/jrec-in/applications/postings/{}/bulk", postings[0].id);
    let (h, e) = (here.to_string(), elsewhere.to_string());
    for ids in [[h.as_str(), e.as_str()], [h.as_str(), "999999"], [h.as_str(), "x"]] {
        for action in [
            vec![("_action", "download")],
            vec![("_action", "change"), ("status", "accepted"), ("notify", "yes"), ("_step", "confirmed")],
        ] {
            let mut fields: Vec<(&str, &str)> = ids.iter().map(|i| ("ids", *i)).collect();
            fields.extend(action);
            let page = institution.post(&bulk, &fields).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{ids:?}");
        }
    }
    let row = format!("{here}:1");
    let forged = institution
        .post(&bulk, &[("row", &row), ("row", "1:x"), ("_action", "change"), ("status", "accepted"), ("notify", "yes")])
        .await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);

    // Another institution: the posting is not its own.
    let user = organization_user(
        &app,
        "jrec-in",
        "他大学",
        "tadaigaku",
        "jinji@tadaigaku.example.jp",
        "他 人事",
        "Other2026x",
    )
    .await;
    let other = app.browser();
    other.sign_in_as("jrec-in", user).await;
    let page = other.post(&bulk, &[("ids", &h), ("_action", "download")]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    page.assert_lacks("own1@seeker.example.jp");
    let page = other
        .post(
            &bulk,
            &[("ids", &h), ("_action", "change"), ("status", "accepted"), ("notify", "yes"), ("_step", "confirmed")],
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM applications WHERE status = 'applied'").await, 2);
    let events = crate::modules::seekers::events(&app).await;
    assert!(!events.iter().any(|e| e == "application.documents_exported" || e == "file.downloaded"), "{events:?}");
}

#[tokio::test]
async fn the_bulk_change_sends_its_notice_only_to_the_applicants_told_and_never_the_note() {
    let app = TestApp::demo().await;
    let posting = open_postings(&app).await.remove(0);
    let emails = ["notice1@seeker.example.jp", "notice2@seeker.example.jp"];
    let mut ids = Vec::new();
    for email in emails {
        ids.push(apply(&seeker(&app, email).await, posting.id).await.to_string());
    }
    let institution = institution(&app).await;
    let bulk = format!("/jrec-in/applications/postings/{}/bulk", posting.id);
    let sent = app.mails().await.len();

    // Over 1,000: said next to the field and in the summary, the text kept, nothing changed.
    let long = "あ".repeat(1001);
    let mut fields: Vec<(&str, &str)> = ids.iter().map(|s| ("ids", s.as_str())).collect();
    fields.extend([("_action", "change"), ("status", "accepted"), ("notify", "yes")]);
    let mut too_long = fields.clone();
    too_long.push(("notice", &long));
    let refused = institution.post(&bulk, &too_long).await;
    refused
        .assert_contains("通知文は1,000文字以内で入力してください。")
        .assert_contains("href=\"#notice\"")
        .assert_contains(&format!(">{long}</textarea>"))
        .assert_contains(&format!("value=\"{}\" checked", ids[0]));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM applications WHERE status = 'accepted'").await, 0);

    // 通知する with a 通知文: shown on the preview, in each of the two mails.
    let notice = "書類選考の結果は来週お知らせします。";
    fields.push(("notice", notice));
    let preview = institution.post(&bulk, &fields).await;
    preview.assert_contains(notice).assert_contains("選択した2件のうち2件を変更します。");
    let done = institution.press_yes(&preview).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let mails = app.mails().await;
    assert_eq!(mails.len(), sent + 2);
    for email in emails {
        let mail = mails.iter().find(|m| m.to == email).unwrap();
        assert!(mail.text.contains(notice), "{}", mail.text);
    }

    // 通知しない: the 通知文 goes nowhere (no mail, not on the preview).
    let quiet: Vec<(&str, &str)> = vec![
        ("ids", ids[0].as_str()),
        ("_action", "change"),
        ("status", "hired"),
        ("notify", "no"),
        ("notice", "届かない文"),
    ];
    let preview = institution.post(&bulk, &quiet).await;
    preview.assert_lacks("届かない文");
    institution.press_yes(&preview).await;
    assert_eq!(app.mails().await.len(), sent + 2);
    let notes = count(&app, "SELECT COUNT(*) FROM applications WHERE note <> ''").await;
    assert_eq!(notes, 0, "the 通知文 is never the 求人機関備考");
}

#[tokio::test]
async fn select_all_checks_every_row_of_the_filtered_page_without_javascript() {
    let app = TestApp::demo().await;
    let posting = open_postings(&app).await.remove(0);
    let mut ids = Vec::new();
    for email in ["all1@seeker.example.jp", "all2@seeker.example.jp"] {
        ids.push(apply(&seeker(&app, email).await, posting.id).await);
    }
    let institution = institution(&app).await;
    let list = format!("/jrec-in/applications/postings/{}", posting.id);
    let page = institution.get(&list).await;
    page.assert_contains("すべて選択").assert_lacks("checked>");
    let all = institution.get(&format!("{list}?status=&sort=applied&dir=desc&page=1&all=1")).await;
    for id in &ids {
        all.assert_contains(&format!("value=\"{id}\" checked"));
    }
    // With a filter only the rows it shows: the first becomes 受理済, 応募中 shows the second.
    let bulk = format!("{list}/bulk");
    let first = ids[0].to_string();
    let fields = [("ids", first.as_str()), ("_action", "change"), ("status", "accepted"), ("notify", "no")];
    institution.post_confirmed(&bulk, &fields).await;
    let filtered = institution.get(&format!("{list}?status=applied&sort=applied&dir=desc&page=1&all=1")).await;
    filtered.assert_contains(&format!("value=\"{}\" checked", ids[1])).assert_lacks(&format!("value=\"{}\"", ids[0]));
    // The link keeps the filter.
    filtered.assert_contains("status=applied&#38;sort=applied&#38;dir=desc&#38;page=1&#38;all=1");
}
