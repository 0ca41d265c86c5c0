//! The attachments (mlit-plan.md §4.3, §4.9 check 6): the kinds the plan needs with their
//! conditions, PDF or JPEG by content (a `.pdf` that is a PNG refused), the 10 MB limit (11 MB
//! refused, 5 MB taken), the 登記事項証明書's issue date (4 months old refused), downloads with
//! their audit event, deletion after the confirmation.

use super::{PLAN, add_worker, audit_count, complete_plan, jpeg, pdf, post_section, setup, start, upload};
use axum::http::{StatusCode, header};
use madoguchi_core::Lang;
use madoguchi_web::i18n::Tr;

fn ja(key: &str) -> String {
    Tr::for_lang(Lang::Ja).get(key).to_string()
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";

#[tokio::test]
async fn the_needed_kinds_follow_the_plan() {
    let app = setup().await;
    start(&app).await;
    let page = app.get(&format!("{PLAN}/attachments")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("No.1 登記事項証明書")
        .assert_contains("No.11 ")
        .assert_contains("No.16 ")
        .assert_lacks("No.8 ")
        .assert_lacks("No.12 ")
        .assert_lacks("No.1 住民票");
    // A comparator, a worker and a sole proprietor change the list.
    post_section(&app, "part/p4", "save", &[("comparator", "yes")]).await;
    post_section(&app, "part/p1", "save", &[("sole_proprietor", "1")]).await;
    add_worker(&app).await;
    let page = app.get(&format!("{PLAN}/attachments")).await;
    page.assert_contains("No.8 ").assert_contains("No.9 ").assert_contains("No.12 ").assert_contains("No.15 ");
    page.assert_contains("住民票").assert_lacks("履歴事項全部証明書");
    page.assert_contains("enctype=\"multipart/form-data\"").assert_contains("<label for=\"file-0\">");
}

/// Check 6: type by content, size, and the issue date.
#[tokio::test]
async fn files_are_judged_by_content_size_and_issue_date() {
    let app = setup().await;
    start(&app).await;
    let disguised = upload(&app, "construction_permit", None, "", "許可証.pdf", PNG).await;
    assert_eq!(disguised.status, StatusCode::UNPROCESSABLE_ENTITY);
    disguised.assert_contains(&ja("plan.err.file_type")).assert_contains("aria-invalid=\"true\"");
    let nothing = app
        .post_multipart(&format!("{PLAN}/attachments"), true, &[("row", "1"), ("kind", "construction_permit")], &[])
        .await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    nothing.assert_contains(&ja("files.err_missing"));
    let huge = upload(&app, "construction_permit", None, "", "許可証.pdf", &pdf(11 * 1024 * 1024)).await;
    assert_eq!(huge.status, StatusCode::UNPROCESSABLE_ENTITY);
    huge.assert_contains("10MB以下");
    let fine = upload(&app, "construction_permit", None, "", "許可証.pdf", &pdf(5 * 1024 * 1024)).await;
    assert_eq!(fine.status, StatusCode::OK, "{}", fine.body);
    fine.assert_contains("「許可証.pdf」をアップロードしました。").assert_contains("5.0 MB");
    let photo = upload(&app, "ccus_business", None, "", "写真.jpg", &jpeg()).await;
    assert_eq!(photo.status, StatusCode::OK, "{}", photo.body);
    // The 登記事項証明書: issued ≤ 3 months before the application (2026-11-24).
    let old = upload(&app, "registry", None, "2026-07-24", "登記.pdf", &pdf(4096)).await;
    assert_eq!(old.status, StatusCode::UNPROCESSABLE_ENTITY);
    old.assert_contains("2026-08-24以降に発行・受付されたものを添付してください。");
    let undated = upload(&app, "registry", None, "", "登記.pdf", &pdf(4096)).await;
    undated.assert_contains(&ja("plan.err.required"));
    let recent = upload(&app, "registry", None, "2026-08-24", "登記.pdf", &pdf(4096)).await;
    assert_eq!(recent.status, StatusCode::OK, "{}", recent.body);
    recent.assert_contains("発行日・受付日 2026-08-24");
    let mut conn = app.state.store.acquire().await.unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM plan_attachments").fetch_one(&mut *conn).await.unwrap();
    assert_eq!(stored, 3, "only the accepted files");
}

#[tokio::test]
async fn a_file_is_downloaded_by_its_organization_and_deleted_after_asking() {
    let app = setup().await;
    complete_plan(&app).await;
    let done = upload(&app, "construction_permit", None, "", "建設業許可証.pdf", &pdf(4096)).await;
    let at = done.body.find(&format!("{PLAN}/attachments/")).expect("a download link");
    let rest = &done.body[at..];
    let href = rest[..rest.find('"').unwrap()].to_string();
    let file = app.get(&href).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.bytes, pdf(4096));
    assert_eq!(file.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(file.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(file.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(audit_count(&app, "file.downloaded").await, 1);
    let delete = format!("{href}/delete");
    let asked = app.post(&delete, &[]).await;
    asked.assert_contains(&ja("plan.attachments.delete_confirm")).assert_contains("建設業許可証.pdf");
    assert_eq!(app.get(&href).await.status, StatusCode::OK, "kept until 「はい」");
    let deleted = app.press_yes(&asked).await;
    assert_eq!(deleted.location(), format!("{PLAN}/attachments"));
    assert_eq!(app.get(&href).await.status, StatusCode::NOT_FOUND);
    let mut conn = app.state.store.acquire().await.unwrap();
    let files: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM files WHERE purpose = 'plan_attachment'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(files, 0, "the stored file went with it");
}
