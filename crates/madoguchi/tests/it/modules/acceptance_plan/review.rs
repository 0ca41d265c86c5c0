//! The reviewing office's console (mlit-plan.md §4.4, §4.6; §4.9 checks 7, 8, 9 and 14): the
//! demo operator of mlit-fwms reviews for 関東地方整備局, the office of the demo company (東京都).
//! Its 審査一覧 shows the plan with 経過日数 0; 補正依頼 with a comment on Part 4 reopens the
//! plan with the comment beside Part 4; the resubmission is reviewed as a diff; 認定 gives the
//! 認定番号, the 認定日, the mail and the 認定通知書 PDF on both sides; 不認定 with its reason lets
//! the company apply anew. Another office's operator, an operator without an office and another
//! company reach nothing of the plan.

use super::{HOME, PLAN, audit_count, complete_plan, post_section, setup, upload_required};
use crate::testkit::{Page, TestApp};
use axum::http::{StatusCode, header};

const CONSOLE: &str = "/mlit-fwms/operator/plans";

async fn plan_id(app: &TestApp) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT id FROM acceptance_plans").fetch_one(&mut *conn).await.unwrap()
}

async fn review_state(app: &TestApp) -> String {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT state FROM review_items WHERE kind = 'acceptance_plan'")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

async fn apply(app: &TestApp) -> Page {
    let asked = app.get(&format!("{PLAN}/apply")).await;
    asked.assert_contains("申請します。よろしいですか？");
    let done = app.press_yes(&asked).await;
    assert_eq!(done.location(), format!("{PLAN}/view?done=applied"), "{}", done.body);
    done
}

/// A company with its plan applied for, and the office's operator signed in.
async fn applied() -> (TestApp, TestApp, i64) {
    let app = setup().await;
    // Signed in first: the sign-in code is then the newest mail to the office, not its 審査待ち.
    let op = app.browser();
    op.operator_login("mlit-fwms").await;
    let worker = complete_plan(&app).await;
    upload_required(&app, &worker).await;
    apply(&app).await;
    let id = plan_id(&app).await;
    (app, op, id)
}

/// The hidden `seq` of the 審査 page's forms.
fn seq_in(page: &Page) -> String {
    let at = page.body.find("name=\"seq\" value=\"").expect("a seq field") + "name=\"seq\" value=\"".len();
    page.body[at..at + page.body[at..].find('"').unwrap()].to_string()
}

fn criteria() -> Vec<(&'static str, &'static str)> {
    madoguchi_acceptance_plan::bureau::CRITERIA.iter().map(|c| ("criteria", *c)).collect()
}

/// An operator of `office` (another office's reviewer, or none), signed in on its own browser.
pub(super) async fn operator_of(app: &TestApp, email: &str, office: Option<&str>) -> TestApp {
    let mut conn = app.state.store.acquire().await.unwrap();
    let demo = madoguchi_store::operators::by_email(&mut conn, "mlit-fwms", "operator@mlit-fwms.example.jp")
        .await
        .unwrap()
        .unwrap();
    madoguchi_store::operators::insert(&mut conn, "mlit-fwms", email, "別局 担当", &demo.password_hash, 0)
        .await
        .unwrap()
        .unwrap();
    madoguchi_store::operators::set_office(&mut conn, "mlit-fwms", email, office).await.unwrap();
    drop(conn);
    let op = app.browser();
    let page = op
        .post("/mlit-fwms/operator/login", &[("email", email), ("password", madoguchi::demo::OPERATOR_PASSWORD)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let code = op.latest_code(email).await;
    let page = op.post("/mlit-fwms/operator/login/code", &[("code", &code)]).await;
    assert_eq!(page.location(), "/mlit-fwms/operator/");
    op
}

/// Checks 7, 8 and 9: the queue, 補正依頼 with a comment on Part 4, the diff of the 補正, 認定.
#[tokio::test]
async fn the_office_returns_a_plan_and_certifies_the_correction() {
    let (app, op, id) = applied().await;
    let mails = app.mails().await;
    assert!(mails.iter().any(|m| m.to == "demo@mlit-fwms.example.jp"
        && m.subject == "【外国人就労管理システム】建設特定技能受入計画の申請を受け付けました"));
    let to_office = mails.iter().find(|m| m.to == "operator@mlit-fwms.example.jp" && m.subject.contains("審査待ち"));
    assert!(to_office.expect("the office's mail").text.contains("窓口建設株式会社"));

    op.get("/mlit-fwms/operator/").await.assert_contains(&format!("href=\"{CONSOLE}\""));
    let queue = op.get(CONSOLE).await;
    queue
        .assert_contains("関東地方整備局")
        .assert_contains(&format!("href=\"{CONSOLE}/{id}\""))
        .assert_contains("窓口建設株式会社")
        .assert_contains("新規申請")
        .assert_contains("0営業日");
    let page = op.get(&format!("{CONSOLE}/{id}")).await;
    page.assert_contains("NGUYEN VAN A")
        .assert_contains("7000012050002")
        .assert_contains("技能の習熟に応じて昇給する。")
        .assert_contains("construction_permit.pdf")
        .assert_contains(&format!("{CONSOLE}/{id}/files/"))
        .assert_contains("建設業法第3条の許可を受けている")
        .assert_contains("1号特定技能外国人の適正な就労環境の確保に関する事項へのコメント");

    // A file opens in the browser (PDF, inline) or downloads; both are in the audit log.
    let at = page.body.find(&format!("{CONSOLE}/{id}/files/")).unwrap();
    let href = &page.body[at..at + page.body[at..].find('"').unwrap()];
    let href = href.trim_end_matches("/view").to_string();
    let shown = op.get(&format!("{href}/view")).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(shown.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("inline"));
    assert!(shown.bytes.starts_with(b"%PDF-"));
    let saved = op.get(&href).await;
    assert!(saved.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment"));
    assert_eq!(audit_count(&app, "file.downloaded").await, 2);

    // 補正依頼 without any comment: refused beside the field, nothing changes.
    let seq = seq_in(&page);
    let empty = op.post(&format!("{CONSOLE}/{id}/return"), &[("seq", &seq), ("reason", " ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    empty.assert_contains("補正依頼の内容を、全体へのコメントか項目ごとのコメントに入力してください。");
    assert_eq!(review_state(&app).await, "under_review");
    let comment = "第4の報酬の説明を補足してください。";
    let returned =
        op.post(&format!("{CONSOLE}/{id}/return"), &[("seq", &seq), ("reason", ""), ("comment_p4", comment)]).await;
    assert_eq!(returned.location(), format!("{CONSOLE}/{id}?done=returned"), "{}", returned.body);
    assert_eq!(review_state(&app).await, "returned");
    assert_eq!(audit_count(&app, "plan.correction_requested").await, 1);
    let mail = app.mails().await.into_iter().find(|m| m.subject.contains("補正のお願い")).expect("the 補正 mail");
    assert_eq!(mail.to, "demo@mlit-fwms.example.jp");
    assert!(mail.text.contains(comment), "{}", mail.text);

    // The company: 補正中, the comment beside Part 4 on 計画確認, the overview and the form.
    app.get(&format!("{PLAN}/view")).await.assert_contains("補正中").assert_contains(comment);
    app.get(PLAN).await.assert_contains(comment);
    app.get(&format!("{PLAN}/part/p4"))
        .await
        .assert_contains("この項目への補正依頼のコメント")
        .assert_contains(comment);
    app.get(&format!("{PLAN}/part/p3")).await.assert_lacks(comment);
    let mut p4: Vec<(&str, &str)> = super::P4.iter().copied().filter(|(k, _)| *k != "raise_policy").collect();
    p4.push(("raise_policy", "毎年4月に技能評価に応じて昇給する。"));
    let corrected = post_section(&app, "part/p4", "save", &p4).await;
    assert_eq!(corrected.location(), format!("{PLAN}?done=saved"), "{}", corrected.body);
    apply(&app).await;

    // The office sees the 補正 as a diff against the previous submission.
    op.get(CONSOLE).await.assert_contains("再申請（1回目）");
    let page = op.get(&format!("{CONSOLE}/{id}")).await;
    page.assert_contains("前回の申請からの変更点")
        .assert_contains("昇給の考え方")
        .assert_contains("<ins>毎年4月に</ins><span>技能</span><del>の習熟</del><ins>評価</ins>")
        .assert_contains("補正依頼");
    let seq = seq_in(&page);

    // 認定: every criterion first; the 認定日 defaults to today.
    let unchecked = op.post(&format!("{CONSOLE}/{id}/certify"), &[("seq", &seq), ("certified_on", "2026-11-24")]).await;
    assert_eq!(unchecked.status, StatusCode::UNPROCESSABLE_ENTITY);
    unchecked.assert_contains("すべての審査項目を確認してから認定してください。");
    let mut fields = criteria();
    fields.extend([("seq", seq.as_str()), ("certified_on", "2026-11-25")]);
    let future = op.post(&format!("{CONSOLE}/{id}/certify"), &fields).await;
    future.assert_contains("認定日に未来の日付は指定できません。").assert_contains("value=\"2026-11-25\"");
    let mut fields = criteria();
    fields.extend([("seq", seq.as_str()), ("certified_on", "2026-11-24")]);
    let certified = op.post(&format!("{CONSOLE}/{id}/certify"), &fields).await;
    assert_eq!(certified.location(), format!("{CONSOLE}/{id}?done=certified"), "{}", certified.body);
    let mut conn = app.state.store.acquire().await.unwrap();
    let (number, day): (String, String) = sqlx::query_as("SELECT approval_number, certified_on FROM acceptance_plans")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    assert_eq!((number.as_str(), day.as_str()), ("KTR-2026-000001", "2026-11-24"));
    assert_eq!(audit_count(&app, "plan.certified").await, 1);
    let mail = app.mails().await.into_iter().find(|m| m.subject.contains("認定のお知らせ")).expect("the 認定 mail");
    assert_eq!(
        mail.subject,
        "【外国人就労管理システム】建設特定技能受入計画認定のお知らせ（認定番号 KTR-2026-000001）"
    );

    // The company's menu follows; 計画確認 shows the certified version and the notice.
    app.get(HOME).await.assert_contains("建設特定技能受入計画が登録された（認定済）場合");
    let view = app.get(&format!("{PLAN}/view")).await;
    view.assert_contains("認定済")
        .assert_contains("KTR-2026-000001")
        .assert_contains("毎年4月に技能評価に応じて昇給する。")
        .assert_contains(&format!("href=\"{PLAN}/notice.pdf\""));
    for (who, path) in [(&app, format!("{PLAN}/notice.pdf")), (&op, format!("{CONSOLE}/{id}/notice.pdf"))] {
        let pdf = who.get(&path).await;
        assert_eq!(pdf.status, StatusCode::OK, "{path}");
        assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
        assert!(pdf.bytes.starts_with(b"%PDF-"));
        assert!(pdf.headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains("KTR-2026-000001"));
    }
    assert_eq!(audit_count(&app, "data.exported").await, 2);
    // Decided: the forms are gone, and a late decision is refused.
    op.get(&format!("{CONSOLE}/{id}")).await.assert_lacks(&format!("action=\"{CONSOLE}/{id}/reject\""));
    let late = op.post(&format!("{CONSOLE}/{id}/reject"), &[("seq", &seq), ("reject_reason", "遅い")]).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_eq!(review_state(&app).await, "approved");
}

/// 不認定 with its reason; the company sees it and applies anew (a new round of review).
#[tokio::test]
async fn a_refused_plan_says_why_and_can_be_applied_for_again() {
    let (app, op, id) = applied().await;
    let seq = seq_in(&op.get(&format!("{CONSOLE}/{id}")).await);
    let empty = op.post(&format!("{CONSOLE}/{id}/reject"), &[("seq", &seq), ("reject_reason", "")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    empty.assert_contains("不認定の理由を入力してください。");
    let reason = "常勤の職員の数を確認できる書類が申請の内容と一致しません。";
    let refused = op.post(&format!("{CONSOLE}/{id}/reject"), &[("seq", &seq), ("reject_reason", reason)]).await;
    assert_eq!(refused.location(), format!("{CONSOLE}/{id}?done=rejected"), "{}", refused.body);
    assert_eq!(review_state(&app).await, "rejected");
    assert_eq!(audit_count(&app, "plan.rejected").await, 1);
    let mail = app.mails().await.into_iter().find(|m| m.subject.contains("審査結果")).expect("the result mail");
    assert!(mail.text.contains(reason));
    op.get(CONSOLE).await.assert_contains("不認定");

    app.get(HOME).await.assert_contains(&format!("<a href=\"{PLAN}\">新規申請</a>"));
    app.get(&format!("{PLAN}/view")).await.assert_contains("不認定").assert_contains(reason);
    app.get(PLAN).await.assert_contains(reason);
    assert_eq!(app.get(&format!("{PLAN}/notice.pdf")).await.status, StatusCode::NOT_FOUND);
    apply(&app).await;
    assert_eq!(review_state(&app).await, "under_review");
    op.get(CONSOLE).await.assert_contains("再申請（1回目）");
}

/// Check 14: another office's operator, an operator without an office, another company and
/// another portal's operator reach nothing of the plan.
#[tokio::test]
async fn only_the_plans_office_reaches_it() {
    let (app, op, id) = applied().await;
    let page = op.get(&format!("{CONSOLE}/{id}")).await;
    let at = page.body.find(&format!("{CONSOLE}/{id}/files/")).unwrap();
    let file = page.body[at..at + page.body[at..].find('"').unwrap()].to_string();
    let seq = seq_in(&page);
    let paths = [
        format!("{CONSOLE}/{id}"),
        file.clone(),
        file.trim_end_matches("/view").to_string(),
        format!("{CONSOLE}/{id}/notice.pdf"),
    ];

    let kinki = operator_of(&app, "kinki@mlit-fwms.example.jp", Some("kkr")).await;
    kinki.get(CONSOLE).await.assert_contains("近畿地方整備局").assert_lacks("窓口建設株式会社");
    let nobody = operator_of(&app, "honsho@mlit-fwms.example.jp", None).await;
    nobody.get(CONSOLE).await.assert_contains("審査を担当する局が設定されていない").assert_lacks("窓口建設株式会社");
    for other in [&kinki, &nobody] {
        for path in &paths {
            assert_eq!(other.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
        }
        for action in ["return", "certify", "reject"] {
            let posted = other
                .post(&format!("{CONSOLE}/{id}/{action}"), &[("seq", &seq), ("reason", "x"), ("reject_reason", "x")])
                .await;
            assert_eq!(posted.status, StatusCode::NOT_FOUND, "{action}");
        }
    }
    // The company (and another) is no operator: the console's login.
    let company = super::other_company(&app).await;
    for who in [&app, &company] {
        assert_eq!(who.get(&format!("{CONSOLE}/{id}")).await.location(), "/mlit-fwms/operator/login");
    }
    assert_eq!(company.get(&format!("{PLAN}/notice.pdf")).await.status, StatusCode::NOT_FOUND);
    // Another portal's operator: the module's console does not exist there.
    let jrec = app.browser();
    jrec.operator_login("jrec-in").await;
    assert_eq!(jrec.get("/jrec-in/operator/plans").await.status, StatusCode::NOT_FOUND);
    jrec.get("/jrec-in/operator/").await.assert_lacks("/operator/plans");
    assert_eq!(review_state(&app).await, "under_review", "nothing was decided");
}
