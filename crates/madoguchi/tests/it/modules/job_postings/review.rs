//! The 事務局's 審査待ち一覧 and 審査 in the console (jrec-in spec §1.11 items 1–2, §1.12, §1.15
//! checks 6–8): the queue oldest first with the age in business days of the portal's calendar
//! and its filters, 差戻し with a required reason that reaches the institution's screen and
//! mail, 承認 with a 反映日 that becomes a stored publication time (22:00 today, 00:00 of a later
//! day), the history, and a decision on a stale page refused.

use super::{complete, setup, version_in};
use crate::testkit::TestApp;
use axum::http::StatusCode;
use madoguchi_core::publication::is_visible;
use madoguchi_job_postings::store;

const QUEUE: &str = "/jrec-in/operator/job-postings/review";

pub async fn audit_count(app: &TestApp, event: &str) -> i64 {
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE event = $1")
        .bind(event)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// The demo institution signs in again (after the test clock jumped past its idle limit).
pub async fn sign_in(app: &TestApp) {
    let login = app.post("/jrec-in/login", &[("login_id", "demo-kikan"), ("password", "DemoUser2026")]).await;
    assert_eq!(login.location(), "/jrec-in/home", "{}", login.body);
}

/// A complete posting titled `title`, saved and requested by the signed-in institution: its id.
pub async fn requested(app: &TestApp, title: &str) -> i64 {
    let mut fields = complete();
    fields.retain(|(k, _)| *k != "title");
    fields.push(("title", title));
    let id = super::new_draft(app, &fields).await;
    let confirm = format!("/jrec-in/job-postings/{id}/confirm");
    let version = version_in(&app.get(&confirm).await);
    let done = app.post(&confirm, &[("version", version.as_str())]).await;
    assert_eq!(done.location(), "/jrec-in/job-postings/register", "{}", done.body);
    id
}

/// The hidden `seq` of the 審査 page's forms.
pub fn seq_in(body: &str) -> String {
    let at = body.find("name=\"seq\" value=\"").expect("a seq field");
    let rest = &body[at + "name=\"seq\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The operator's 「承認」 of posting `id` with `reflect_on`, from a fresh 審査 page.
pub async fn approve(op: &TestApp, id: i64, reflect_on: &str) -> crate::testkit::Page {
    let page = op.get(&format!("/jrec-in/operator/job-postings/{id}")).await;
    let seq = seq_in(&page.body);
    op.post(
        &format!("/jrec-in/operator/job-postings/{id}/approve"),
        &[("seq", seq.as_str()), ("reflect_on", reflect_on)],
    )
    .await
}

pub async fn posting(app: &TestApp, id: i64) -> store::Posting {
    let mut conn = app.state.store.acquire().await.unwrap();
    let organization: i64 = sqlx::query_scalar("SELECT organization_id FROM job_postings WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    store::find(&mut conn, "jrec-in", organization, id).await.unwrap().unwrap()
}

fn jst(rfc3339_local: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(&format!("{rfc3339_local}+09:00")).unwrap().timestamp()
}

/// The queue's rows in order: the titles as they appear.
fn order_of(body: &str, titles: &[&str]) -> Vec<usize> {
    titles.iter().map(|t| body.find(t).unwrap_or_else(|| panic!("{t} not in the queue"))).collect()
}

#[tokio::test]
async fn the_queue_lists_requests_oldest_first_with_their_age_in_business_days() {
    let app = setup().await;
    // Requested 2026-07-17 (older than 120 days), Friday 11-20 and Tuesday 11-24; Monday
    // 11-23 is 勤労感謝の日, so the Friday request is 1 business day old on Tuesday.
    app.set_clock("2026-07-17T10:00:00+09:00");
    sign_in(&app).await;
    requested(&app, "七月の公募").await;
    app.set_clock("2026-11-20T10:00:00+09:00");
    sign_in(&app).await;
    requested(&app, "金曜日の公募").await;
    app.set_clock("2026-11-24T10:00:00+09:00");
    sign_in(&app).await;
    requested(&app, "火曜日の公募").await;
    let draft = super::new_draft(&app, &[("title", "下書きのままの公募")]).await;
    assert!(draft > 0);

    let op = app.browser();
    op.operator_login("jrec-in").await;
    let home = op.get("/jrec-in/operator/").await;
    home.assert_contains(&format!("href=\"{QUEUE}\"")).assert_contains("審査待ち一覧");
    let queue = op.get(QUEUE).await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    queue.assert_lacks("七月の公募").assert_lacks("下書きのままの公募").assert_contains("国立窓口大学");
    let order = order_of(&queue.body, &["金曜日の公募", "火曜日の公募"]);
    assert!(order[0] < order[1], "oldest first");
    let friday = &queue.body[order[0]..order[1]];
    assert!(friday.contains("1営業日") && friday.contains("新規"), "{friday}");
    assert!(queue.body[order[1]..].contains("0営業日"));
    // Older requests on asking, still oldest first.
    let year = op.get(&format!("{QUEUE}?days=365")).await;
    let order = order_of(&year.body, &["七月の公募", "金曜日の公募", "火曜日の公募"]);
    assert!(order[0] < order[1] && order[1] < order[2], "oldest first");
    // 種別: nothing registered yet, so no 修正.
    op.get(&format!("{QUEUE}?kind=revision")).await.assert_lacks("金曜日の公募").assert_contains("条件に合う");
    op.get(&format!("{QUEUE}?kind=new")).await.assert_contains("金曜日の公募");
    // By institution: another institution's request is not under this one's filter.
    let other = super::other_institution(&app).await;
    requested(&other, "別機関の公募").await;
    let all = op.get(QUEUE).await;
    all.assert_contains("別機関の公募").assert_contains("別の研究機関");
    let organization: i64 = {
        let mut conn = app.state.store.acquire().await.unwrap();
        sqlx::query_scalar("SELECT id FROM organizations WHERE name = '国立窓口大学'")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
    };
    let mine = op.get(&format!("{QUEUE}?organization={organization}")).await;
    mine.assert_contains("金曜日の公募").assert_lacks("別機関の公募");
    // Hostile filters fall back to the defaults.
    let odd = op.get(&format!("{QUEUE}?days=9999&kind=%3Cx%3E&organization=abc")).await;
    assert_eq!(odd.status, StatusCode::OK);
    odd.assert_contains("金曜日の公募").assert_lacks("七月の公募");
}

/// Checks 6–8: 差戻し needs a reason; the reason reaches the institution's form and mail; the
/// institution requests again; 承認 with today's 反映日 publishes at 22:00 (the mail says so),
/// with the day after tomorrow at its 00:00; the history shows every step.
#[tokio::test]
async fn the_office_returns_with_a_reason_and_approves_with_a_reflect_date() {
    let app = setup().await;
    let id = requested(&app, "審査される公募").await;
    let op = app.browser();
    op.operator_login("jrec-in").await;
    op.get(QUEUE).await.assert_contains(&format!("href=\"/jrec-in/operator/job-postings/{id}\""));
    let page = op.get(&format!("/jrec-in/operator/job-postings/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("公開される内容")
        .assert_contains("屋内禁煙")
        .assert_contains("本学規程による")
        .assert_contains("value=\"2026-11-24\"")
        .assert_contains("2026年11月24日 22:00 公開")
        .assert_contains("給与・待遇の記載が具体的ではありません。")
        .assert_contains("<label for=\"reason\">");
    let seq = seq_in(&page.body);
    let back = format!("/jrec-in/operator/job-postings/{id}/return");

    // No reason: refused next to the field and in the summary, nothing recorded.
    let empty = op.post(&back, &[("seq", seq.as_str()), ("reason", "  ")]).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.body.matches("差戻し理由を入力してください。").count(), 2, "{}", empty.body);
    empty.assert_contains("href=\"#reason\"").assert_contains("aria-describedby=\"reason-hint reason-error\"");
    let forged = op.post(&back, &[("seq", seq.as_str()), ("canned", "勝手な定型文")]).await;
    forged.assert_contains("定型文の選択内容が正しくありません。");
    let long = "長".repeat(2001);
    let too_long = op.post(&back, &[("seq", seq.as_str()), ("reason", long.as_str())]).await;
    too_long.assert_contains("理由は2,000文字以内で入力してください。").assert_contains(&long);
    assert_eq!(audit_count(&app, "posting.review.returned").await, 0);
    app.get("/jrec-in/job-postings/register").await.assert_contains("登録依頼中");

    let canned = "給与・待遇の記載が具体的ではありません。金額または規程の内容を記載してください。";
    let returned = op
        .post(&back, &[("seq", seq.as_str()), ("canned", canned), ("reason", "年俸の下限を記載してください。")])
        .await;
    assert_eq!(returned.location(), format!("/jrec-in/operator/job-postings/{id}?done=returned"), "{}", returned.body);
    assert_eq!(audit_count(&app, "posting.review.returned").await, 1);
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.subject.contains("差戻し")).expect("the return mail");
    assert_eq!(mail.to, "demo@jrec-in.example.jp");
    assert_eq!(mail.subject, "【JREC-IN Portal】求人公募情報の差戻しのお知らせ");
    assert!(mail.text.contains(canned) && mail.text.contains("年俸の下限を記載してください。"), "{}", mail.text);
    assert!(mail.text.contains("D000000001") && mail.text.contains("審査される公募"), "{}", mail.text);
    assert!(!mail.text.contains("03-1234-5678"), "no contact data in the mail");
    // The same page again on a stale seq: refused, nothing recorded twice.
    let stale = op.post(&back, &[("seq", seq.as_str()), ("reason", "もう一度")]).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(audit_count(&app, "posting.review.returned").await, 1);
    // Gone from the queue while returned.
    op.get(QUEUE).await.assert_lacks("審査される公募");

    // The institution sees the reason above the form and requests again.
    let edit = format!("/jrec-in/job-postings/{id}/edit");
    app.get(&edit).await.assert_contains(canned).assert_contains("年俸の下限を記載してください。");
    let mut posted: Vec<(&str, &str)> =
        complete().into_iter().filter(|(k, _)| !matches!(*k, "salary" | "title")).collect();
    posted.extend([
        ("title", "審査される公募"),
        ("salary", "年俸制 600万円から"),
        ("version", "0"),
        ("action", "confirm"),
    ]);
    let confirmed = app.post(&edit, &posted).await;
    assert!(confirmed.location().ends_with("/confirm"), "{}", confirmed.body);
    let confirm = app.get(confirmed.location()).await;
    let version = version_in(&confirm);
    app.post(confirmed.location(), &[("version", version.as_str())]).await;

    // 承認: the 反映日 is checked first.
    let approve_path = format!("/jrec-in/operator/job-postings/{id}/approve");
    let page = op.get(&format!("/jrec-in/operator/job-postings/{id}")).await;
    page.assert_contains("年俸制 600万円から");
    let seq = seq_in(&page.body);
    for (typed, message) in [
        ("", "反映日を入力してください。"),
        ("2026/13/01", "反映日は 2026-11-24 の形で入力してください。"),
        ("2026-11-23", "反映日は承認日（本日）以降の日付を指定してください。"),
        ("2027-02-01", "反映日は募集終了日（2027-01-31）以前の日付を指定してください。"),
    ] {
        let refused = op.post(&approve_path, &[("seq", seq.as_str()), ("reflect_on", typed)]).await;
        assert_eq!(refused.status, StatusCode::OK, "{typed}");
        assert_eq!(refused.body.matches(message).count(), 2, "{typed}: {}", refused.body);
        refused.assert_contains("href=\"#reflect_on\"");
    }
    assert_eq!(posting(&app, id).await.publish_at, None, "nothing approved");
    let approved = op.post(&approve_path, &[("seq", seq.as_str()), ("reflect_on", "２０２６－１１－２４")]).await;
    assert_eq!(approved.location(), format!("/jrec-in/operator/job-postings/{id}?done=approved"), "{}", approved.body);
    assert_eq!(audit_count(&app, "posting.review.approved").await, 1);
    let stored = posting(&app, id).await;
    let evening = jst("2026-11-24T22:00:00");
    assert_eq!(stored.publish_at, Some(evening));
    assert_eq!(stored.end_date.as_deref(), Some("2027-01-31"));
    assert!(stored.public_snapshot.as_deref().is_some_and(|s| s.contains("年俸制 600万円から")));
    assert!(!is_visible(stored.publish_at, stored.unpublish_at, evening - 1));
    assert!(is_visible(stored.publish_at, stored.unpublish_at, evening));
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.subject == "JREC-IN Portal求人公募情報登録完了のお知らせ").expect("approved");
    assert!(mail.text.contains("2026年11月24日 22:00") && mail.text.contains("D000000001"), "{}", mail.text);
    // The page after: the history, the public time, no more forms.
    let after = op.get(approved.location()).await;
    after
        .assert_contains("承認しました。")
        .assert_contains("2026年11月24日 22:00 公開")
        .assert_lacks("name=\"reflect_on\"")
        .assert_contains("登録依頼")
        .assert_contains("年俸の下限を記載してください。")
        .assert_contains("再依頼・修正依頼")
        .assert_contains("事務局（");
    op.get(QUEUE).await.assert_lacks("審査される公募");
    // A second approval of the same page: refused.
    let twice = op.post(&approve_path, &[("seq", seq.as_str()), ("reflect_on", "2026-11-24")]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(audit_count(&app, "posting.review.approved").await, 1);

    // Check 8: the day after tomorrow publishes at that day's 00:00:00.
    let later = requested(&app, "明後日に公開する公募").await;
    assert!(approve(&op, later, "2026-11-26").await.location().ends_with("?done=approved"));
    let stored = posting(&app, later).await;
    let midnight = jst("2026-11-26T00:00:00");
    assert_eq!(stored.publish_at, Some(midnight));
    assert!(!is_visible(stored.publish_at, stored.unpublish_at, midnight - 1));
    assert!(is_visible(stored.publish_at, stored.unpublish_at, midnight));
}

/// The console's review screens are the portal operator's: an institution's session, another
/// portal's operator and a portal without the module reach none of them.
#[tokio::test]
async fn only_the_portals_operator_reaches_the_review() {
    let app = setup().await;
    let id = requested(&app, "他人に見せない公募").await;
    let review = format!("/jrec-in/operator/job-postings/{id}");
    // The institution's own session is not an operator's: the console's login.
    for path in [QUEUE, review.as_str()] {
        let page = app.get(path).await;
        assert_eq!(page.location(), "/jrec-in/operator/login", "{path}");
    }
    let refused = app.post(&format!("{review}/approve"), &[("seq", "1"), ("reflect_on", "2026-11-24")]).await;
    assert_eq!(refused.location(), "/jrec-in/operator/login");
    // rokin's operator: no such screens on rokin, and jrec-in's need jrec-in's session.
    let rokin = app.browser();
    rokin.operator_login("rokin").await;
    assert_eq!(rokin.get("/rokin/operator/job-postings/review").await.status, StatusCode::NOT_FOUND);
    assert_eq!(rokin.get(&format!("/rokin/operator/job-postings/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(rokin.get(&review).await.location(), "/jrec-in/operator/login");
    rokin.get("/rokin/operator/").await.assert_lacks("job-postings");
    // jrec-in's operator: an unknown id is a 404.
    let op = app.browser();
    op.operator_login("jrec-in").await;
    assert_eq!(op.get("/jrec-in/operator/job-postings/999999").await.status, StatusCode::NOT_FOUND);
    let post =
        op.post("/jrec-in/operator/job-postings/999999/approve", &[("seq", "1"), ("reflect_on", "2026-11-24")]).await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
    assert_eq!(audit_count(&app, "posting.review.approved").await, 0);
    // A draft never requested has no review page.
    let draft = super::new_draft(&app, &[("title", "未依頼")]).await;
    assert_eq!(op.get(&format!("/jrec-in/operator/job-postings/{draft}")).await.status, StatusCode::NOT_FOUND);
    // Where the module is off, nothing of it answers.
    let demo = TestApp::with(super::config_without_module(), None, true).await;
    demo.operator_login("jrec-in").await;
    assert_eq!(demo.get(QUEUE).await.status, StatusCode::NOT_FOUND);
    demo.get("/jrec-in/operator/").await.assert_lacks("job-postings");
}
