//! 「申請」 and the menus by the plan's state (mlit-plan.md §4.4, §4.9 checks 4 and 7): what stops
//! the 申請 is listed with links; a complete plan gets 「申請します。よろしいですか？」 and goes to
//! review routed to the office of its prefecture (関東地方整備局 for 東京都), read-only from then
//! on; the menu shows 計画確認 only; after a 補正依頼 the plan is corrected and applied for again;
//! once certified the menu lists the procedures (変更申請, 変更届出, 受入報告書 and 退職報告書
//! linked), those not built yet as 「準備中」.

use super::{HOME, PLAN, audit_count, complete_plan, post_section, setup, upload_required};
use crate::testkit::TestApp;
use axum::http::StatusCode;
use madoguchi_core::Lang;
use madoguchi_core::review::{Actor, ReviewAction, ReviewState};
use madoguchi_store::review::{ItemKey, Scope, Step};
use madoguchi_web::i18n::Tr;

fn ja(key: &str) -> String {
    Tr::for_lang(Lang::Ja).get(key).to_string()
}

async fn plan_row(app: &TestApp) -> (i64, i64, Option<String>, Option<String>) {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_as("SELECT id, organization_id, bureau, applied_on FROM acceptance_plans")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// The office's step on the plan (its console is another screen): 補正依頼 or 認定.
async fn operator_step(app: &TestApp, action: ReviewAction, reason: Option<&str>) {
    let (id, organization, _, _) = plan_row(app).await;
    let key = ItemKey { portal: "mlit-fwms", kind: "acceptance_plan", item_id: id };
    let mut tx = app.state.store.begin().await.unwrap();
    let step =
        Step { action, actor: Actor::Operator(1), reason, effective_at: None, snapshot: None, expected_seq: None };
    madoguchi_store::review::record(&mut tx, key, organization, &step, app.state.clock.unix()).await.unwrap().unwrap();
    tx.commit().await.unwrap();
}

async fn apply(app: &TestApp) -> crate::testkit::Page {
    let asked = app.get(&format!("{PLAN}/apply")).await;
    asked.assert_contains("申請します。よろしいですか？");
    app.press_yes(&asked).await
}

/// Check 4 at 「申請」 and the list of what stops it.
#[tokio::test]
async fn an_incomplete_plan_is_not_applied_for_and_says_why() {
    let app = setup().await;
    let worker = complete_plan(&app).await;
    let blocked = app.get(&format!("{PLAN}/apply")).await;
    assert_eq!(blocked.status, StatusCode::UNPROCESSABLE_ENTITY);
    blocked
        .assert_contains(&ja("plan.apply.blocked_intro"))
        .assert_contains("No.1 登記事項証明書（履歴事項全部証明書）を添付してください。")
        .assert_contains(&format!("href=\"{PLAN}/attachments#kind-0\""))
        .assert_lacks("申請します。よろしいですか？");
    upload_required(&app, &worker).await;
    // Two planned workers against 常勤 10 − 1号 1: fine; 常勤 2: the cap with its numbers.
    let mut fields: Vec<(&str, &str)> = super::P1.iter().copied().filter(|(k, _)| *k != "fulltime").collect();
    fields.push(("fulltime", "1"));
    post_section(&app, "part/p1", "save", &fields).await;
    let capped = app.get(&format!("{PLAN}/apply")).await;
    capped
        .assert_contains(
            "1号特定技能外国人1人＋外国人建設就労者0人＋今回の受入予定1人＝2人が、常勤の職員の数1人を超えています。",
        )
        .assert_contains(&format!("href=\"{PLAN}/part/p1#fulltime\""));
    // A POST with 「はい」 but a failing plan changes nothing.
    let forced = app.post(&format!("{PLAN}/apply"), &[("version", "99"), ("_step", "confirmed")]).await;
    assert_eq!(forced.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(audit_count(&app, "plan.submitted").await, 0);
    assert_eq!(plan_row(&app).await.2, None);
    // A 登記事項証明書 that was recent at upload ages while the plan is written: 申請 says so.
    post_section(&app, "part/p1", "save", super::P1).await;
    app.set_clock("2027-02-02T10:00:00+09:00");
    super::sign_in(&app).await;
    let aged = app.get(&format!("{PLAN}/apply")).await;
    aged.assert_contains(
        "（registry.pdf）：日付が古すぎます。2026-11-02以降に発行・受付されたものを添付してください。",
    );
}

/// Check 7 (the organization's side): 申請 → 申請中, routed to 関東地方整備局, read-only, the menu
/// shows only 計画確認; 計画確認 shows the plan and its files.
#[tokio::test]
async fn a_complete_plan_is_applied_for_and_then_read_only() {
    let app = setup().await;
    let worker = complete_plan(&app).await;
    upload_required(&app, &worker).await;
    let asked = app.get(&format!("{PLAN}/apply")).await;
    asked.assert_contains("関東地方整備局").assert_contains("窓口建設株式会社");
    let done = app.press_yes(&asked).await;
    assert_eq!(done.location(), format!("{PLAN}/view?done=applied"), "{}", done.body);
    let (id, organization, bureau, applied_on) = plan_row(&app).await;
    assert_eq!(bureau.as_deref(), Some("ktr"));
    assert_eq!(applied_on.as_deref(), Some("2026-11-24"));
    let key = ItemKey { portal: "mlit-fwms", kind: "acceptance_plan", item_id: id };
    let mut conn = app.state.store.acquire().await.unwrap();
    let item = madoguchi_store::review::find(&mut conn, key, Scope::Organization(organization)).await.unwrap().unwrap();
    assert_eq!(item.state, ReviewState::UnderReview);
    let snapshot: serde_json::Value = serde_json::from_str(item.pending_snapshot.as_deref().unwrap()).unwrap();
    assert_eq!(snapshot["fields"]["name"][0], "窓口建設株式会社");
    assert_eq!(snapshot["workers"].as_array().unwrap().len(), 1);
    assert!(snapshot["attachments"].as_array().unwrap().len() >= 13, "{snapshot}");
    let drafts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM drafts WHERE kind = 'acceptance_plan'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(drafts, 0, "the draft went with the 申請");
    drop(conn);
    assert_eq!(audit_count(&app, "plan.submitted").await, 1);

    let view = app.get(&format!("{PLAN}/view?done=applied")).await;
    view.assert_contains(&ja("plan.applied"))
        .assert_contains("申請中")
        .assert_contains("関東地方整備局")
        .assert_contains("NGUYEN VAN A")
        .assert_contains("7000012050002")
        .assert_contains("土木一式工事")
        .assert_contains("construction_permit.pdf")
        .assert_lacks(&ja("plan.view.edit"));
    let home = app.get(HOME).await;
    home.assert_contains("建設特定技能受入計画が登録された（未認定）場合")
        .assert_contains(&format!("<a href=\"{PLAN}/view\">計画確認</a>"))
        .assert_lacks(">新規申請<");
    // Read-only: the overview leads to 計画確認, edits, uploads and a second 申請 are refused.
    assert_eq!(app.get(PLAN).await.location(), format!("{PLAN}/view"));
    let edit = app.post(&format!("{PLAN}/part/p1"), &[("version", "1"), ("action", "save"), ("name", "変更")]).await;
    assert_eq!(edit.status, StatusCode::CONFLICT);
    edit.assert_contains(&ja("plan.refused.not_editable"));
    app.get(&format!("{PLAN}/attachments")).await.assert_lacks("enctype=\"multipart/form-data\"");
    let late = app
        .post_multipart(
            &format!("{PLAN}/attachments"),
            true,
            &[("row", "0"), ("kind", "other")],
            &[("file", "追加.pdf", "application/pdf", &super::pdf(1024))],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_eq!(app.get(&format!("{PLAN}/apply")).await.status, StatusCode::CONFLICT);
    assert_eq!(app.post(&format!("{PLAN}/workers"), &[("version", "1")]).await.status, StatusCode::CONFLICT);
    app.get(&format!("{PLAN}/view")).await.assert_lacks("変更");
}

/// 補正中: the reason on 計画確認, 「補正する」 reopens the plan as applied for, the corrected plan
/// is applied for again (`plan.resubmitted`); then 認定済 and its menu.
#[tokio::test]
async fn a_returned_plan_is_corrected_and_applied_for_again() {
    let app = setup().await;
    let worker = complete_plan(&app).await;
    upload_required(&app, &worker).await;
    apply(&app).await;
    operator_step(&app, ReviewAction::Return, Some("第4の報酬の説明を補足してください。")).await;
    let view = app.get(&format!("{PLAN}/view")).await;
    view.assert_contains("補正中")
        .assert_contains("第4の報酬の説明を補足してください。")
        .assert_contains(&ja("plan.view.edit"));
    app.get(HOME).await.assert_contains(&format!("<a href=\"{PLAN}/view\">計画確認</a>"));
    // The returned plan's overview (no draft yet, version 0) adds a worker; removing it again
    // leaves the plan as applied for.
    let added = super::add_worker(&app).await;
    assert_eq!(added, "2");
    let version = super::version_in(&app.get(PLAN).await);
    let asked = app.post(&format!("{PLAN}/workers/{added}/remove"), &[("version", version.as_str())]).await;
    assert_eq!(app.press_yes(&asked).await.location(), format!("{PLAN}?done=removed"));
    let p4 = app.get(&format!("{PLAN}/part/p4")).await;
    p4.assert_contains("技能の習熟に応じて昇給する。");
    let corrected = post_section(
        &app,
        "part/p4",
        "save",
        &[
            ("monthly_salary", "1"),
            ("comparator", "yes"),
            ("comparator_monthly", "250000"),
            ("comparator_years", "5"),
            ("raise_policy", "毎年4月に技能評価に応じて昇給する。"),
            ("work_rules", "yes"),
            ("agreement36", "yes"),
            ("explanation_date", "2026-11-20"),
            ("explanation_language", "vi"),
            ("training", "1"),
            ("guidance", "1"),
        ],
    )
    .await;
    assert_eq!(corrected.location(), format!("{PLAN}?done=saved"), "{}", corrected.body);
    app.get(PLAN).await.assert_contains("第4の報酬の説明を補足してください。");
    let done = apply(&app).await;
    assert_eq!(done.location(), format!("{PLAN}/view?done=applied"), "{}", done.body);
    assert_eq!(audit_count(&app, "plan.resubmitted").await, 1);
    app.get(&format!("{PLAN}/view"))
        .await
        .assert_contains("毎年4月に技能評価に応じて昇給する。")
        .assert_contains("申請中");

    operator_step(&app, ReviewAction::Approve, None).await;
    let home = app.get(HOME).await;
    home.assert_contains("建設特定技能受入計画が登録された（認定済）場合")
        .assert_contains(&format!("<a href=\"{PLAN}/view\">計画確認</a>"))
        .assert_contains(&format!("<a href=\"{PLAN}/change\">変更申請</a>"))
        .assert_contains(&format!("<a href=\"{PLAN}/reports\">受入報告書</a>"))
        .assert_contains(&format!("<a href=\"{PLAN}/reports\">退職報告書</a>"))
        .assert_contains(&format!("<a href=\"{PLAN}/change-notice\">変更届出</a>"))
        .assert_contains("外国人の取下げ（準備中）");
    app.get(&format!("{PLAN}/view"))
        .await
        .assert_contains("認定済")
        .assert_contains("毎年4月に技能評価に応じて昇給する。");
}

/// A company registered by 仮申請 has no name (the registration asks for none): its first 申請
/// names it with the plan's 商号, so that the office's queue and mails name it; a later 商号
/// does not rename it.
#[tokio::test]
async fn the_first_application_names_a_company_registered_without_a_name() {
    let app = setup().await;
    let (_, organization, _, _) = {
        let worker = complete_plan(&app).await;
        upload_required(&app, &worker).await;
        let mut conn = app.state.store.acquire().await.unwrap();
        sqlx::query("UPDATE organizations SET name = '' WHERE portal = 'mlit-fwms'").execute(&mut *conn).await.unwrap();
        drop(conn);
        let done = apply(&app).await;
        assert_eq!(done.location(), format!("{PLAN}/view?done=applied"), "{}", done.body);
        plan_row(&app).await
    };
    let name = |app: &TestApp| {
        let store = app.state.store.clone();
        async move {
            let mut conn = store.acquire().await.unwrap();
            let name: String = sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1")
                .bind(organization)
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            name
        }
    };
    assert_eq!(name(&app).await, "窓口建設株式会社", "the 商号 of Part 1");
    let mut conn = app.state.store.acquire().await.unwrap();
    let named = madoguchi_store::organizations::name_if_unnamed(&mut conn, "mlit-fwms", organization, "別名建設", 0)
        .await
        .unwrap();
    drop(conn);
    assert!(!named);
    assert_eq!(name(&app).await, "窓口建設株式会社", "a named company keeps its name");
}
