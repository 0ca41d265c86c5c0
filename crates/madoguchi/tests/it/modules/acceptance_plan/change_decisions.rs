//! The office's decisions on a 変更申請 (mlit-plan.md §4.5 item 1, §4.6): a 補正依頼 with a comment
//! reopens the change on the company's forms (the comment beside the section, the certified
//! version still in force), the corrected change is applied again and reviewed as a diff against
//! the certified version, then 認定; a 不認定 leaves the certified version in force, says why on
//! 計画確認 and in the mail, and a 変更届出 may be filed afterwards. Two presses of the start at the
//! same moment make one draft; the office's system check judges a change on its own 申請日.

use super::change_application::{CHANGE, CONSOLE, approved_snapshot, seq_in, start_change};
use super::reports::certified_plan;
use super::{HOME, P1, PLAN, audit_count, notice_form, post_section, setup};
use crate::testkit::TestApp;
use axum::http::StatusCode;

/// Part 1 of the change with `changes` over the certified values, stored by 一時保存.
pub(super) async fn change_p1(app: &TestApp, changes: &[(&'static str, &'static str)]) {
    let mut p1: Vec<(&str, &str)> = P1.iter().copied().filter(|(k, _)| !changes.iter().any(|(c, _)| c == k)).collect();
    p1.extend_from_slice(changes);
    let saved = post_section(app, "part/p1", "save", &p1).await;
    assert_eq!(saved.location(), format!("{PLAN}?done=saved"), "{}", saved.body);
}

/// 「申請」 of the change, confirmed.
pub(super) async fn apply_change(app: &TestApp) {
    let asked = app.get(&format!("{PLAN}/apply")).await;
    asked.assert_contains("変更申請します。よろしいですか？");
    let done = app.press_yes(&asked).await;
    assert_eq!(done.location(), format!("{PLAN}/view?done=change_applied"), "{}", done.body);
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap()
}

#[tokio::test]
async fn a_returned_change_is_corrected_applied_again_and_certified() {
    let app = setup().await;
    let (id, office) = certified_plan(&app).await;
    start_change(&app).await;
    change_p1(&app, &[("name", "新窓口建設株式会社")]).await;
    apply_change(&app).await;

    // 補正依頼 with a comment on Part 1.
    let review = office.get(&format!("{CONSOLE}/{id}")).await;
    review.assert_contains("認定済みの計画からの変更点").assert_contains("新窓口建設株式会社");
    let comment = "商号変更後の登記事項証明書の記載と一致する商号を入力してください。";
    let seq = seq_in(&review.body);
    let returned =
        office.post(&format!("{CONSOLE}/{id}/return"), &[("seq", &seq), ("reason", ""), ("comment_p1", comment)]).await;
    assert_eq!(returned.location(), format!("{CONSOLE}/{id}?done=returned"), "{}", returned.body);
    let mail = app.mails().await.into_iter().find(|m| m.subject.contains("補正のお願い")).expect("the 補正 mail");
    assert_eq!(mail.to, "demo@mlit-fwms.example.jp");
    assert!(mail.text.contains(comment), "{}", mail.text);
    office.get(CONSOLE).await.assert_contains("変更申請（補正中）");

    // The company: the certified version in force, the change's comment beside Part 1, the
    // change's forms (a 変更届出 item still locked).
    assert!(!approved_snapshot(&app).await.contains("新窓口建設株式会社"));
    app.get(&format!("{PLAN}/view")).await.assert_contains(comment).assert_contains("補正依頼があります。");
    app.get(PLAN).await.assert_contains("変更申請").assert_contains(comment);
    let p1 = app.get(&format!("{PLAN}/part/p1")).await;
    p1.assert_contains(comment).assert_contains("value=\"新窓口建設株式会社\"");
    let contact = &p1.body[p1.body.find("id=\"contact_name\"").unwrap()..];
    assert!(contact[..contact.find('>').unwrap()].contains("disabled"), "the 担当者 stays locked");
    app.get(&format!("{PLAN}/part/p2")).await.assert_lacks(comment);

    // Corrected and applied again: the office sees the diff against the certified version.
    change_p1(&app, &[("name", "新窓口建設株式会社東京")]).await;
    apply_change(&app).await;
    assert_eq!(audit_count(&app, "plan.change_resubmitted").await, 1);
    assert_eq!(audit_count(&app, "plan.change_applied").await, 1);
    let queue = office.get(CONSOLE).await;
    queue.assert_contains("変更申請").assert_lacks("変更申請（補正中）");
    let review = office.get(&format!("{CONSOLE}/{id}")).await;
    review.assert_contains("認定済みの計画からの変更点").assert_contains("新窓口建設株式会社東京");

    // 認定: the correction is the certified version.
    let mut fields: Vec<(&str, &str)> =
        madoguchi_acceptance_plan::bureau::CRITERIA.iter().map(|c| ("criteria", *c)).collect();
    let seq = seq_in(&review.body);
    fields.extend([("seq", seq.as_str()), ("certified_on", "2026-11-24")]);
    let certified = office.post(&format!("{CONSOLE}/{id}/certify"), &fields).await;
    assert_eq!(certified.location(), format!("{CONSOLE}/{id}?done=certified"), "{}", certified.body);
    assert!(approved_snapshot(&app).await.contains("新窓口建設株式会社東京"));
    assert!(app.mails().await.iter().any(|m| m.subject.contains("変更申請を認定しました")));
    let view = app.get(&format!("{PLAN}/view")).await;
    view.assert_contains("新窓口建設株式会社東京").assert_lacks("申請中の変更申請").assert_lacks(comment);
}

#[tokio::test]
async fn a_refused_change_leaves_the_certified_plan_in_force_and_says_why() {
    let app = setup().await;
    let (id, office) = certified_plan(&app).await;
    start_change(&app).await;
    change_p1(&app, &[("name", "新窓口建設株式会社")]).await;
    apply_change(&app).await;
    let seq = seq_in(&office.get(&format!("{CONSOLE}/{id}")).await.body);
    let reason = "商号の変更を確認できる書類が添付されていません。";
    let refused = office.post(&format!("{CONSOLE}/{id}/reject"), &[("seq", &seq), ("reject_reason", reason)]).await;
    assert_eq!(refused.location(), format!("{CONSOLE}/{id}?done=rejected"), "{}", refused.body);
    assert_eq!(audit_count(&app, "plan.change_rejected").await, 1);
    assert_eq!(audit_count(&app, "plan.rejected").await, 0);
    let mail = app.mails().await.into_iter().find(|m| m.subject.contains("変更申請の審査結果")).expect("the mail");
    assert_eq!(mail.to, "demo@mlit-fwms.example.jp");
    assert!(mail.text.contains(reason), "{}", mail.text);

    // The certified version stays in force: 認定済, the old 商号, the reason on 計画確認.
    assert!(!approved_snapshot(&app).await.contains("新窓口建設株式会社"));
    app.get(HOME).await.assert_contains(&format!("href=\"{CHANGE}\""));
    let view = app.get(&format!("{PLAN}/view")).await;
    view.assert_contains("認定済")
        .assert_contains("KTR-2026-000001")
        .assert_contains("変更申請が不認定となった理由")
        .assert_contains(reason)
        .assert_lacks("申請中の変更申請")
        .assert_lacks("新窓口建設株式会社");
    // Nothing of the refused change is left to edit; a 変更届出 is taken again, and a new change.
    let overview = app.get(PLAN).await;
    assert_eq!(overview.location(), format!("{PLAN}/view"));
    let asked = app.post("/mlit-fwms/plan/change-notice", &notice_form(&[("contact_name", "窓口 次郎")])).await;
    asked.assert_contains("変更届出を提出します。よろしいですか？");
    let done = app.press_yes(&asked).await;
    assert_eq!(done.location(), "/mlit-fwms/plan/change-notice?done=filed", "{}", done.body);
    assert!(approved_snapshot(&app).await.contains("窓口 次郎"));
    app.get(CHANGE).await.assert_contains("変更申請を開始する");
}

/// Doubt (a): 「新規申請を開始する」 and 「変更申請を開始する」 pressed in two tabs at the same moment
/// land on one draft (a second draft would outlive the 申請 and keep the plan "being changed").
#[tokio::test]
async fn two_presses_of_a_start_at_the_same_moment_make_one_draft() {
    let app = setup().await;
    let twin = app.twin();
    let start = format!("{PLAN}/start");
    let (a, b) = tokio::join!(app.post(&start, &[]), twin.post(&start, &[]));
    assert_eq!((a.location(), b.location()), (PLAN, PLAN), "{} {}", a.body, b.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM acceptance_plans").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts WHERE kind = 'acceptance_plan'").await, 1);

    certified_plan(&app).await;
    let start = format!("{CHANGE}/start");
    let (a, b) = tokio::join!(app.post(&start, &[]), twin.post(&start, &[]));
    assert_eq!((a.location(), b.location()), (PLAN, PLAN), "{} {}", a.body, b.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts WHERE kind = 'acceptance_plan'").await, 1);
    change_p1(&app, &[("name", "新窓口建設株式会社")]).await;
    apply_change(&app).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts WHERE kind = 'acceptance_plan'").await, 0);
    // Pending: nothing left to edit.
    assert_eq!(app.get(PLAN).await.location(), format!("{PLAN}/view"));
}

/// Doubt (b): the office's system check of a change judges it on the change's own 申請日: a
/// 建設業許可 renewed after the plan's first 申請日 is no issue.
#[tokio::test]
async fn the_offices_check_of_a_change_uses_the_changes_application_date() {
    let app = setup().await;
    let (id, office) = certified_plan(&app).await;
    app.set_clock("2027-03-02T10:00:00+09:00");
    super::sign_in(&app).await;
    office.operator_login("mlit-fwms").await;
    start_change(&app).await;
    change_p1(&app, &[("permit_granted", "2027-03-01"), ("permit_expires", "2032-02-29")]).await;
    apply_change(&app).await;
    let review = office.get(&format!("{CONSOLE}/{id}")).await;
    assert_eq!(review.status, StatusCode::OK);
    review
        .assert_contains("認定済みの計画からの変更点")
        .assert_contains("2027-03-01")
        .assert_contains("入力規則・人数枠・報酬の自動チェックで問題は見つかりませんでした。")
        .assert_lacks("許可年月日に申請日より後の日付は入力できません。");
}
