//! 修正・一時保存 of a registered posting (jrec-in spec §1.3 rule 6, §1.6 item 2, §1.15 checks
//! 12–13): the revision is a draft of the posting, requested with 「修正依頼」, reviewed by the
//! 事務局 as a diff; the published version stays public until the revision's 反映 time; a
//! revision is refused while 修正依頼中 and from 募集終了日 + 15 days, with the manual's words.

use super::review::{approve, audit_count, posting, requested, sign_in};
use super::{complete, setup, version_in};
use axum::http::StatusCode;
use madoguchi_core::Lang;
use madoguchi_web::i18n::Tr;

fn ja(key: &str) -> String {
    Tr::for_lang(Lang::Ja).get(key).to_string()
}

fn jst(local: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(&format!("{local}+09:00")).unwrap().timestamp()
}

/// The public version's 給与 at `now`.
async fn public_salary(app: &crate::testkit::TestApp, id: i64, now: i64) -> String {
    let p = posting(app, id).await;
    let public = p.public();
    let snapshot = public.current(now).expect("a public version").snapshot;
    let value: serde_json::Value = serde_json::from_str(snapshot).unwrap();
    value["salary"].as_str().unwrap().to_string()
}

/// Check 12 (and the 事務局's side of it), then check 13.
#[tokio::test]
async fn a_revision_is_reviewed_as_a_diff_and_replaces_the_public_version_at_its_time() {
    let app = setup().await;
    let id = requested(&app, "修正される公募").await;
    let op = app.browser();
    op.operator_login("jrec-in").await;
    assert!(approve(&op, id, "2026-11-24").await.location().ends_with("?done=approved"));

    app.set_clock("2026-11-25T10:00:00+09:00");
    sign_in(&app).await;
    app.get("/jrec-in/home").await.assert_contains("href=\"/jrec-in/job-postings/revise\"");
    let list = app.get("/jrec-in/job-postings/revise").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    list.assert_contains("修正される公募").assert_contains("公開中").assert_contains("2027-01-31");
    let edit = format!("/jrec-in/job-postings/{id}/edit");
    list.assert_contains(&format!("href=\"{edit}\""));
    // Not in 登録・一時保存 any more: it is registered.
    app.get("/jrec-in/job-postings/register").await.assert_lacks("修正される公募");
    // The form starts from the registered version.
    let form = app.get(&edit).await;
    form.assert_contains(">本学規程による</textarea>").assert_contains("href=\"/jrec-in/job-postings/revise\"");
    // 一時保存 of a change: a revision draft; the public version is untouched.
    let mut posted: Vec<(&str, &str)> =
        complete().into_iter().filter(|(k, _)| !matches!(*k, "salary" | "title")).collect();
    posted.extend([("title", "修正される公募"), ("salary", "年俸制 700万円"), ("version", "0"), ("action", "save")]);
    let saved = app.post(&edit, &posted).await;
    assert!(saved.location().ends_with("/saved"), "{}", saved.body);
    app.get(saved.location())
        .await
        .assert_contains("修正・一時保存へ")
        .assert_contains("href=\"/jrec-in/job-postings/revise\"");
    let now = jst("2026-11-25T10:00:00");
    assert_eq!(public_salary(&app, id, now).await, "本学規程による");
    let list = app.get("/jrec-in/job-postings/revise").await;
    list.assert_contains("修正・一時保存").assert_contains(&ja("posting.revise.continue"));
    // 確認 → 修正依頼.
    let version = version_in(&app.get(&edit).await);
    let mut posted: Vec<(&str, &str)> =
        posted.into_iter().filter(|(k, _)| !matches!(*k, "version" | "action")).collect();
    posted.extend([("version", version.as_str()), ("action", "confirm")]);
    let confirmed = app.post(&edit, &posted).await;
    assert_eq!(confirmed.location(), format!("/jrec-in/job-postings/{id}/confirm"), "{}", confirmed.body);
    let page = app.get(confirmed.location()).await;
    page.assert_contains(&ja("posting.confirm_notice_revision")).assert_contains(">修正依頼</button>");
    let version = version_in(&page);
    let done = app.post(confirmed.location(), &[("version", version.as_str())]).await;
    assert_eq!(done.location(), "/jrec-in/job-postings/revise");
    assert_eq!(audit_count(&app, "posting.revision.requested").await, 1);
    // 修正依頼中: the public version stays; a second revision is refused with the manual's words.
    assert_eq!(public_salary(&app, id, now).await, "本学規程による");
    let list = app.get("/jrec-in/job-postings/revise").await;
    list.assert_contains("修正依頼中")
        .assert_contains(&ja("posting.refused.no_revision"))
        .assert_lacks(&format!("href=\"{edit}\""));
    app.get(&edit).await.assert_contains(&ja("posting.refused.no_revision"));
    let again = app.post(&edit, &[("version", "0"), ("action", "save"), ("title", "書き換え")]).await;
    again.assert_contains(&ja("posting.refused.no_revision"));
    app.get("/jrec-in/job-postings/requested").await.assert_contains("修正依頼中");

    // The 事務局: a 修正 in the queue, reviewed as a diff with only 給与 marked.
    op.set_clock("2026-11-25T10:00:00+09:00");
    op.operator_login("jrec-in").await;
    let queue = op.get("/jrec-in/operator/job-postings/review?kind=revision").await;
    queue.assert_contains("修正される公募").assert_contains("修正");
    let review = op.get(&format!("/jrec-in/operator/job-postings/{id}")).await;
    let start = review.body.find("公開中の内容からの変更点").expect("a diff");
    let end = start + review.body[start..].find("</section>").unwrap();
    let diff = &review.body[start..end];
    assert!(diff.contains("給与") && diff.contains("<ins>") && diff.contains("<del>"), "{diff}");
    assert!(diff.contains("700万円") && diff.contains("本学規程による"), "{diff}");
    assert_eq!(diff.matches("<dt>").count(), 1, "only 給与 changed: {diff}");
    assert!(approve(&op, id, "2026-11-25").await.location().ends_with("?done=approved"));
    // The old version until 21:59:59, the new one from 22:00:00.
    assert_eq!(public_salary(&app, id, jst("2026-11-25T21:59:59")).await, "本学規程による");
    assert_eq!(public_salary(&app, id, jst("2026-11-25T22:00:00")).await, "年俸制 700万円");
    let stored = posting(&app, id).await;
    assert_eq!(stored.publish_at, Some(jst("2026-11-24T22:00:00")), "the first publication stays");
    let mails = app.mails().await;
    assert_eq!(mails.iter().filter(|m| m.subject == "JREC-IN Portal求人公募情報登録完了のお知らせ").count(), 2);

    // Check 13: 募集終了日 2027-01-31; 修正 through 02-14, refused from 02-15.
    app.set_clock("2027-02-14T23:00:00+09:00");
    sign_in(&app).await;
    let list = app.get("/jrec-in/job-postings/revise").await;
    list.assert_contains("募集終了").assert_contains(&format!("href=\"{edit}\""));
    app.set_clock("2027-02-15T00:00:00+09:00");
    sign_in(&app).await;
    let list = app.get("/jrec-in/job-postings/revise").await;
    list.assert_contains(&ja("posting.refused.no_revision")).assert_lacks(&format!("href=\"{edit}\""));
    app.get(&edit).await.assert_contains(&ja("posting.refused.no_revision"));
}

/// Another institution reaches nothing of a registered posting: its revision form, its
/// withdrawal and the lists.
#[tokio::test]
async fn another_institution_cannot_revise_or_withdraw_the_posting() {
    let app = setup().await;
    let id = requested(&app, "機関Aの公開中の公募").await;
    let op = app.browser();
    op.operator_login("jrec-in").await;
    approve(&op, id, "2026-11-24").await;
    let other = super::other_institution(&app).await;
    for path in ["edit", "withdraw", "withdrawn", "confirm"] {
        let path = format!("/jrec-in/job-postings/{id}/{path}");
        assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND, "GET {path}");
    }
    let post = other.post(&format!("/jrec-in/job-postings/{id}/withdraw"), &[("_step", "confirmed")]).await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
    let save =
        other.post(&format!("/jrec-in/job-postings/{id}/edit"), &[("version", "0"), ("title", "乗っ取り")]).await;
    assert_eq!(save.status, StatusCode::NOT_FOUND);
    other.get("/jrec-in/job-postings/revise").await.assert_lacks("機関Aの");
    other.get("/jrec-in/job-postings/withdraw").await.assert_lacks("機関Aの");
    assert_eq!(posting(&app, id).await.unpublish_at, None);
    assert_eq!(audit_count(&app, "posting.withdrawn").await, 0);
}
