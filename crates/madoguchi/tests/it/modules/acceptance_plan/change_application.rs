//! 変更申請 (mlit-plan.md §4.5 item 1, §4.4, §4.6, §4.9 checks 11 and 13): from the 認定済 menu a
//! draft of the certified plan where only the 変更申請 items are editable; an existing worker's
//! lowered 基本給 is refused with the rule (a new worker instead), its removal too; a worker added
//! with its files 12, 13, 15 → 申請 → pending (mails to both sides), 計画確認 still shows the
//! certified version with the pending change beside it, a second 変更申請 and a 変更届出 refused;
//! the office sees it marked 変更申請 with the diff and certifies it (the 認定番号 kept, the new
//! worker certified, 受入前 「要報告」). The cap counts the certified workers who have not left
//! (check 13). Another company and another office reach nothing. A change's section posted after
//! the idle logout is back after the login with the change's locks (a forged locked field not
//! taken, a changed existing worker not stored).

use super::input::sealed_in;
use super::reports::{arrive, certified_plan};
use super::review::operator_of;
use super::{
    HOME, P1, PLAN, WORKER, add_worker, audit_count, other_company, pdf, post_section, setup, upload, version_in,
};
use crate::testkit::TestApp;
use axum::http::StatusCode;

pub(super) const CHANGE: &str = "/mlit-fwms/plan/change";
pub(super) const CONSOLE: &str = "/mlit-fwms/operator/plans";
const REPORTS: &str = "/mlit-fwms/plan/reports";

/// Starts the session's 変更申請 (its draft of the certified plan).
pub(super) async fn start_change(app: &TestApp) {
    app.get(CHANGE).await.assert_contains("変更申請を開始する");
    let started = app.post(&format!("{CHANGE}/start"), &[]).await;
    assert_eq!(started.location(), PLAN, "{}", started.body);
}

/// Adds a worker block named `name` to the change, with its files 12, 13 and 15; its key.
async fn add_new_worker(app: &TestApp, name: &str, card: &str) -> String {
    let key = add_worker(app).await;
    let mut fields = WORKER.to_vec();
    fields.retain(|(k, _)| !matches!(*k, "name_roman" | "residence_card"));
    fields.extend([("name_roman", name), ("residence_card", card)]);
    let saved = post_section(app, &format!("workers/{key}"), "next", &fields).await;
    assert_eq!(saved.location(), PLAN, "{}", saved.body);
    let facts = madoguchi_acceptance_plan::attachments::PlanFacts {
        sole_proprietor: false,
        comparator_exists: true,
        workers: 14,
        planned_workers: 1,
        agent: false,
        other_requested: false,
    };
    for required in madoguchi_acceptance_plan::attachments::required_kinds(&facts) {
        if required.worker.is_none() {
            continue;
        }
        let name = format!("{}.pdf", required.kind.key);
        let done = upload(app, &required.kind.key, Some(&key), "", &name, &pdf(2048)).await;
        assert_eq!(done.status, 200, "{}: {}", required.kind.key, done.body);
    }
    key
}

pub(super) async fn approved_snapshot(app: &TestApp) -> String {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT approved_snapshot FROM review_items WHERE kind = 'acceptance_plan'")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

pub(super) fn seq_in(body: &str) -> String {
    let at = body.find("name=\"seq\" value=\"").unwrap() + "name=\"seq\" value=\"".len();
    body[at..at + body[at..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn check_11_a_worker_is_added_by_a_change_application_the_office_certifies() {
    let app = setup().await;
    let (id, office) = certified_plan(&app).await;
    app.get(HOME).await.assert_contains(&format!("href=\"{CHANGE}\""));
    start_change(&app).await;
    let overview = app.get(PLAN).await;
    overview.assert_contains("変更申請").assert_contains("認定済み（変更・削除不可）");
    // Only the 変更申請 items are editable: the 担当者 (a 変更届出 item) is locked.
    let p1 = app.get(&format!("{PLAN}/part/p1")).await;
    let contact = &p1.body[p1.body.find("id=\"contact_name\"").unwrap()..];
    assert!(contact[..contact.find('>').unwrap()].contains("disabled"), "the 担当者 is locked");
    let name = &p1.body[p1.body.find("id=\"name\"").unwrap()..];
    assert!(!name[..name.find('>').unwrap()].contains("disabled"), "the 商号 is editable");

    // An existing worker's 基本給 lowered: refused with the rule, nothing stored.
    let mut lowered = WORKER.to_vec();
    lowered.retain(|(k, _)| *k != "monthly_pay");
    lowered.push(("monthly_pay", "240000"));
    let refused = post_section(&app, "workers/1", "save", &lowered).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    refused.assert_contains("新たな外国人の追加として申請してください。").assert_contains("value=\"240000\"");
    // … nor removed.
    let version = super::version_in(&app.get(PLAN).await);
    let removed =
        app.post(&format!("{PLAN}/workers/1/remove"), &[("version", version.as_str()), ("_step", "confirmed")]).await;
    assert_eq!(removed.status, StatusCode::CONFLICT);
    removed.assert_contains("既存の外国人を変更申請で削除することはできません。");

    // A new worker with its files → 申請 → pending.
    let key = add_new_worker(&app, "LE VAN C", "GH11223344IJ").await;
    let asked = app.get(&format!("{PLAN}/apply")).await;
    asked.assert_contains("変更申請します。よろしいですか？");
    let done = app.press_yes(&asked).await;
    assert_eq!(done.location(), format!("{PLAN}/view?done=change_applied"), "{}", done.body);
    assert_eq!(audit_count(&app, "plan.change_applied").await, 1);
    let mails = app.mails().await;
    assert!(mails.iter().any(|m| m.subject.contains("変更申請を受け付けました")));
    assert!(mails.iter().any(|m| m.subject.contains("審査待ちの申請があります") && m.text.contains("変更申請")));

    // The certified version stays in force; the pending change beside it.
    assert!(!approved_snapshot(&app).await.contains("LE VAN C"));
    let view = app.get(&format!("{PLAN}/view")).await;
    view.assert_contains("申請中の変更申請").assert_contains("LE VAN C").assert_contains("NGUYEN VAN A");
    app.get(REPORTS).await.assert_lacks("LE VAN C");
    // A second 変更申請 and a 変更届出 wait for the decision.
    let again = app.get(CHANGE).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    again.assert_contains("変更申請は審査中です。");
    assert_eq!(app.post(&format!("{CHANGE}/start"), &[]).await.status, StatusCode::CONFLICT);
    let notice = app.get("/mlit-fwms/plan/change-notice").await;
    assert_eq!(notice.status, StatusCode::CONFLICT);
    notice.assert_contains("変更届出を提出できません。");

    // Another company and another office reach nothing of it.
    let stranger = other_company(&app).await;
    for path in [CHANGE.to_string(), format!("{PLAN}/workers/{key}"), format!("{PLAN}/view")] {
        stranger.get(&path).await.assert_lacks("LE VAN C");
    }
    let other = operator_of(&app, "thr@mlit-fwms.example.jp", Some("thr")).await;
    assert_eq!(other.get(&format!("{CONSOLE}/{id}")).await.status, StatusCode::NOT_FOUND);
    other.get(CONSOLE).await.assert_lacks("窓口建設株式会社");

    // The office: 変更申請 in the queue with its age, the diff against the certified version.
    office.get(CONSOLE).await.assert_contains("変更申請").assert_contains("日");
    let review = office.get(&format!("{CONSOLE}/{id}")).await;
    review.assert_contains("認定済みの計画からの変更点").assert_contains("LE VAN C");
    let mut fields: Vec<(&str, &str)> =
        madoguchi_acceptance_plan::bureau::CRITERIA.iter().map(|c| ("criteria", *c)).collect();
    let seq = seq_in(&review.body);
    fields.extend([("seq", seq.as_str()), ("certified_on", "2026-11-24")]);
    let certified = office.post(&format!("{CONSOLE}/{id}/certify"), &fields).await;
    assert_eq!(certified.location(), format!("{CONSOLE}/{id}?done=certified"), "{}", certified.body);
    assert_eq!(audit_count(&app, "plan.change_certified").await, 1);
    let mut conn = app.state.store.acquire().await.unwrap();
    let number: String =
        sqlx::query_scalar("SELECT approval_number FROM acceptance_plans").fetch_one(&mut *conn).await.unwrap();
    drop(conn);
    assert_eq!(number, "KTR-2026-000001", "the plan keeps its 認定番号");
    assert!(app.mails().await.iter().any(|m| m.subject.contains("変更申請を認定しました")));

    // The new worker is in the certified plan, 受入前 「要報告」; the change is over.
    assert!(approved_snapshot(&app).await.contains("LE VAN C"));
    app.get(REPORTS).await.assert_contains("LE VAN C").assert_contains("要報告");
    app.get(&format!("{PLAN}/view")).await.assert_lacks("申請中の変更申請").assert_contains("LE VAN C");
    app.get(CHANGE).await.assert_contains("変更申請を開始する");
}

/// §4.9 check 13, the 変更申請 part: a 退職 worker no longer counts against the cap of a change.
#[tokio::test]
async fn check_13_a_resigned_worker_frees_the_cap_of_a_change_application() {
    let app = setup().await;
    let (_id, _office) = certified_plan(&app).await;
    start_change(&app).await;
    // 常勤 3: current 1号 1 + certified 2 + added 1 = 4 > 3 while both certified workers stay.
    let mut p1 = P1.to_vec();
    p1.retain(|(k, _)| *k != "fulltime");
    p1.push(("fulltime", "3"));
    let saved = post_section(&app, "part/p1", "save", &p1).await;
    assert_eq!(saved.location(), format!("{PLAN}?done=saved"), "{}", saved.body);
    add_new_worker(&app, "LE VAN C", "GH11223344IJ").await;
    let blocked = app.get(&format!("{PLAN}/apply")).await;
    assert_eq!(blocked.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", blocked.body);
    blocked.assert_contains("＝4人が、常勤の職員の数3人を超えています。");

    // Worker 1 arrives and leaves: 1 + 1 + 1 = 3 ≤ 3, the change may be filed.
    arrive(&app).await;
    let fields = [("left_on", "2026-11-24"), ("leave_reason", "own")];
    let asked = app.post(&format!("{REPORTS}/1/departure"), &fields).await;
    let done = app.press_yes(&asked).await;
    assert_eq!(done.location(), format!("{REPORTS}?done=departure"), "{}", done.body);
    let asked = app.get(&format!("{PLAN}/apply")).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    asked.assert_contains("変更申請します。よろしいですか？");
    let done = app.press_yes(&asked).await;
    assert_eq!(done.location(), format!("{PLAN}/view?done=change_applied"), "{}", done.body);
}

/// Posts `fields` to `path` after the idle logout and logs in again with the sealed form: where
/// the login goes.
async fn post_after_idle(app: &TestApp, path: &str, at: &str, fields: &[(&str, &str)]) -> String {
    let version = version_in(&app.get(path).await);
    app.set_clock(at);
    let mut posted = vec![("version", version.as_str()), ("action", "save")];
    posted.extend_from_slice(fields);
    let login = app.post(path, &posted).await;
    assert_eq!(login.status, StatusCode::OK, "the login page itself: {}", login.body);
    login.assert_contains("name=\"login_id\"");
    let sealed = sealed_in(&login);
    let again = app
        .post(
            "/mlit-fwms/login",
            &[("login_id", "kensetsu01"), ("password", "Demo-User-2026"), ("sealed_draft", &sealed)],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    again.location().to_string()
}

/// §0.1 rule 4 for a 変更申請: Part 1 posted after the idle logout is in the change's draft after
/// the login — the 商号 as typed, the 担当者 (a 変更届出 item, locked) forged into the post kept
/// as certified; an existing worker's lowered 基本給 forged the same way is not stored and its
/// form says why. The certified version is untouched.
#[tokio::test]
async fn a_change_posted_after_the_idle_logout_is_back_with_the_changes_locks() {
    let app = setup().await;
    certified_plan(&app).await;
    start_change(&app).await;
    let p1 = format!("{PLAN}/part/p1");
    let mut fields: Vec<(&str, &str)> =
        P1.iter().copied().filter(|(k, _)| !matches!(*k, "name" | "contact_name")).collect();
    fields.extend([("name", "新窓口建設株式会社"), ("contact_name", "偽装 次郎")]);
    let opened = post_after_idle(&app, &p1, "2026-11-24T11:01:00+09:00", &fields).await;
    assert_eq!(opened, format!("{p1}?restored=1"));
    let form = app.get(&opened).await;
    form.assert_contains("セッションの有効期限が切れたため、入力内容を下書きとして保存しました。")
        .assert_contains("value=\"新窓口建設株式会社\"")
        .assert_contains("value=\"窓口 花子\"")
        .assert_lacks("偽装 次郎");
    let contact = &form.body[form.body.find("id=\"contact_name\"").unwrap()..];
    assert!(contact[..contact.find('>').unwrap()].contains("disabled"), "still a change: the 担当者 locked");
    app.get(PLAN).await.assert_contains("変更申請");
    let certified = approved_snapshot(&app).await;
    assert!(!certified.contains("新窓口建設株式会社") && !certified.contains("偽装 次郎"));

    // An existing worker's block is locked; a forged lowered 基本給 is not stored.
    let mut lowered: Vec<(&str, &str)> = WORKER.iter().copied().filter(|(k, _)| *k != "monthly_pay").collect();
    lowered.push(("monthly_pay", "240000"));
    let w1 = format!("{PLAN}/workers/1");
    let opened = post_after_idle(&app, &w1, "2026-11-24T12:02:00+09:00", &lowered).await;
    assert_eq!(opened, format!("{w1}?refused=pay_lowered"));
    let form = app.get(&opened).await;
    form.assert_contains("新たな外国人の追加として申請してください。")
        .assert_contains("value=\"250000\"")
        .assert_lacks("value=\"240000\"")
        .assert_lacks("入力内容を下書きとして保存しました");
    // The Part restored before is still in the draft.
    app.get(&p1).await.assert_contains("value=\"新窓口建設株式会社\"");
}
