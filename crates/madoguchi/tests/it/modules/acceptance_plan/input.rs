//! The plan's input (mlit-plan.md §4.2, §4.9 checks 1–5): the menu before any plan, the start
//! with the 仮申請's address, Part 1's labels, 法人番号 and 「法人番号なし（個人事業主）」, 一時保存 of
//! half a Part resumed after logging out, a worker block's rules, the headcount cap with its
//! numbers, and two tabs.

use super::{HOME, P1, PLAN, WORKER, add_worker, post_section, setup, sign_in, start, version_in};
use axum::http::StatusCode;
use madoguchi_core::Lang;
use madoguchi_web::i18n::Tr;

fn ja(key: &str) -> String {
    Tr::for_lang(Lang::Ja).get(key).to_string()
}

/// Check 1: the menu shows only 「新規申請」; the plan starts with the 仮申請's address as the
/// organization's and the contact's; Part 1's labels are there, bound to their fields.
#[tokio::test]
async fn before_any_plan_the_menu_offers_only_the_new_application() {
    let app = setup().await;
    let home = app.get(HOME).await;
    home.assert_contains("建設特定技能受入計画が登録されていない場合")
        .assert_contains(&format!("<a href=\"{PLAN}\">新規申請</a>"))
        .assert_lacks("計画確認");
    let empty = app.get(PLAN).await;
    assert_eq!(empty.status, StatusCode::OK);
    empty.assert_contains("新規申請を開始する").assert_contains(&ja("plan.state.unregistered"));
    start(&app).await;
    // Pressed twice (two tabs): still one plan.
    start(&app).await;
    let mut conn = app.state.store.acquire().await.unwrap();
    let plans: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM acceptance_plans").fetch_one(&mut *conn).await.unwrap();
    assert_eq!(plans, 1);
    drop(conn);
    let overview = app.get(PLAN).await;
    overview
        .assert_contains(&ja("plan.part.p1"))
        .assert_contains(&ja("plan.part.p5"))
        .assert_contains("1号特定技能外国人を追加");
    let p1 = app.get(&format!("{PLAN}/part/p1")).await;
    assert_eq!(p1.status, StatusCode::OK);
    for name in ["corporate_number", "name", "name_kana", "rep_title", "address", "permit_expires", "fulltime"] {
        p1.assert_contains(&format!("<label for=\"{name}\">{}", ja(&format!("plan.field.{name}"))));
    }
    p1.assert_contains("name=\"email\" type=\"text\" value=\"demo@mlit-fwms.example.jp\"")
        .assert_contains("name=\"contact_email\" type=\"text\" value=\"demo@mlit-fwms.example.jp\"")
        .assert_contains("法人番号なし（個人事業主）")
        .assert_contains("<p class=\"hint\" id=\"name-max\">100文字以内</p>")
        .assert_contains("aria-describedby=\"name-max\"");
    let long = "長".repeat(101);
    let too_long = post_section(&app, "part/p1", "next", &[("name", long.as_str())]).await;
    too_long
        .assert_contains("<a href=\"#name\">100文字以内で入力してください。</a>")
        .assert_contains(&format!("value=\"{long}\""));
}

/// Check 1: 法人番号 1234567890123 refused by its check digit (beside the field, in the summary,
/// tied by aria-describedby, typed value kept); 7000012050002 accepted; 「法人番号なし（個人事業主）」
/// hides the field.
#[tokio::test]
async fn the_corporate_number_and_the_sole_proprietor() {
    let app = setup().await;
    start(&app).await;
    let wrong =
        post_section(&app, "part/p1", "next", &[("corporate_number", "1234567890123"), ("name", "窓口建設")]).await;
    assert_eq!(wrong.status, StatusCode::OK);
    let message = ja("plan.err.corporate_number_check");
    wrong
        .assert_contains("<div class=\"error-summary\"")
        .assert_contains(&format!("<a href=\"#corporate_number\">{message}</a>"))
        .assert_contains("id=\"corporate_number-error\"")
        .assert_contains("aria-describedby=\"corporate_number-hint corporate_number-error\" aria-invalid=\"true\"")
        .assert_contains("value=\"1234567890123\"")
        .assert_contains(&format!("<a href=\"#name_kana\">{}</a>", ja("plan.err.required")));
    let right = post_section(&app, "part/p1", "next", &[("corporate_number", "7000012050002")]).await;
    right.assert_lacks(&message).assert_contains("value=\"7000012050002\"");
    let sole =
        post_section(&app, "part/p1", "save", &[("sole_proprietor", "1"), ("corporate_number", "0000000000000")]).await;
    assert_eq!(sole.location(), format!("{PLAN}?done=saved"));
    let p1 = app.get(&format!("{PLAN}/part/p1")).await;
    p1.assert_lacks("name=\"corporate_number\"").assert_contains("name=\"sole_proprietor\" value=\"1\" checked");
    post_section(&app, "part/p1", "next", &[("sole_proprietor", "1")]).await.assert_lacks("href=\"#corporate_number\"");
}

/// Check 2: half of Part 1, 「一時保存」, log out, log in: the draft resumes with the values and
/// the overview counts what is missing.
#[tokio::test]
async fn half_a_part_saved_for_later_is_there_after_logging_in_again() {
    let app = setup().await;
    start(&app).await;
    let saved = post_section(&app, "part/p1", "save", &[("name", "窓口建設株式会社"), ("fulltime", "2")]).await;
    assert_eq!(saved.location(), format!("{PLAN}?done=saved"), "{}", saved.body);
    let overview = app.get(&format!("{PLAN}?done=saved")).await;
    overview.assert_contains(&ja("plan.saved"));
    let missing = madoguchi_acceptance_plan::form::missing_in(
        &madoguchi_acceptance_plan::form::PART1,
        &[("name".to_string(), vec!["窓口建設株式会社".to_string()]), ("fulltime".to_string(), vec!["2".to_string()])]
            .into_iter()
            .collect(),
    )
    .len();
    // The form posted no address: the prefilled ones were emptied with it, and count as missing.
    overview.assert_contains(&format!("{}</a></td><td>{missing}</td><td>0</td>", ja("plan.part.p1")));
    let logout = app.post("/mlit-fwms/logout", &[]).await;
    assert!(logout.status.is_success() || logout.status.is_redirection(), "{}", logout.status);
    let signed_out = app.get(&format!("{PLAN}/part/p1")).await;
    assert!(signed_out.status.is_redirection(), "{}", signed_out.status);
    signed_out.assert_lacks("窓口建設株式会社");
    sign_in(&app).await;
    app.get(&format!("{PLAN}/part/p1"))
        .await
        .assert_contains("value=\"窓口建設株式会社\"")
        .assert_contains("value=\"2\"");
    let mut conn = app.state.store.acquire().await.unwrap();
    let (count, version): (i64, i64) =
        sqlx::query_as("SELECT missing_required, version FROM drafts WHERE kind = 'acceptance_plan'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert!(count > 20, "{count}");
    assert_eq!(version, 2);
}

/// Check 5 and the worker block: added, saved half-filled, its rules beside the fields
/// (在留カード番号, CCUS 技能者ID with or without a reason), removed after the confirmation.
#[tokio::test]
async fn a_worker_block_is_added_checked_and_removed() {
    let app = setup().await;
    start(&app).await;
    let key = add_worker(&app).await;
    assert_eq!(key, "1");
    let path = format!("workers/{key}");
    let half = post_section(&app, &path, "save", &[("name_roman", "NGUYEN VAN A")]).await;
    assert_eq!(half.location(), format!("{PLAN}?done=saved"));
    app.get(PLAN).await.assert_contains("NGUYEN VAN A");
    post_section(&app, "part/p2", "save", &[("categories", "civil")]).await;
    let mut fields: Vec<(&str, &str)> = WORKER.iter().copied().filter(|(k, _)| *k != "residence_card").collect();
    fields.push(("residence_card", "AB1234567C"));
    let wrong = post_section(&app, &path, "next", &fields).await;
    wrong.assert_contains(&format!("<a href=\"#residence_card\">{}</a>", ja("plan.err.residence_card")));
    let mut fields: Vec<(&str, &str)> = WORKER.iter().copied().filter(|(k, _)| *k != "ccus_id").collect();
    let no_id = post_section(&app, &path, "next", &fields).await;
    no_id
        .assert_contains(&format!("<a href=\"#ccus_id\">{}</a>", ja("plan.err.required")))
        .assert_lacks("#residence_card");
    fields.push(("ccus_reason", "abroad"));
    let with_reason = post_section(&app, &path, "next", &fields).await;
    assert_eq!(with_reason.location(), PLAN, "{}", with_reason.body);
    // Removing asks first, then takes the block.
    let version = version_in(&app.get(PLAN).await);
    let remove = format!("{PLAN}/workers/{key}/remove");
    let asked = app.post(&remove, &[("version", version.as_str())]).await;
    asked.assert_contains(&ja("plan.worker.remove_confirm")).assert_contains("NGUYEN VAN A");
    app.get(PLAN).await.assert_contains("NGUYEN VAN A");
    let removed = app.press_yes(&asked).await;
    assert_eq!(removed.location(), format!("{PLAN}?done=removed"));
    app.get(PLAN).await.assert_lacks("NGUYEN VAN A").assert_contains(&ja("plan.workers.empty"));
    assert_eq!(app.get(&format!("{PLAN}/{path}")).await.status, StatusCode::NOT_FOUND);
    // A new block gets a new key.
    assert_eq!(add_worker(&app).await, "2");
}

/// Check 4: 常勤職員数 2, existing 1号 1, two planned workers: the cap with its numbers beside
/// 常勤の職員の数; one worker fewer passes.
#[tokio::test]
async fn the_headcount_cap_is_shown_with_its_numbers() {
    let app = setup().await;
    start(&app).await;
    add_worker(&app).await;
    let second = add_worker(&app).await;
    let mut fields: Vec<(&str, &str)> = P1.iter().copied().filter(|(k, _)| *k != "fulltime").collect();
    fields.push(("fulltime", "2"));
    let capped = post_section(&app, "part/p1", "next", &fields).await;
    capped.assert_contains(
        "1号特定技能外国人1人＋外国人建設就労者0人＋今回の受入予定2人＝3人が、常勤の職員の数2人を超えています。",
    );
    capped.assert_contains("<a href=\"#fulltime\">受入れ人数の上限を超えています。");
    let version = version_in(&app.get(PLAN).await);
    let asked = app.post(&format!("{PLAN}/workers/{second}/remove"), &[("version", version.as_str())]).await;
    app.press_yes(&asked).await;
    let passes = post_section(&app, "part/p1", "next", &fields).await;
    assert_eq!(passes.location(), format!("{PLAN}/part/p2"), "{}", passes.body);
}

/// Two tabs (§0.1 rule 6): the second save of the same version stores nothing, answers 409 with
/// the message, keeps what it typed and shows what is stored; pressing again overwrites.
#[tokio::test]
async fn the_second_tab_is_told_the_plan_changed() {
    let app = setup().await;
    start(&app).await;
    let path = format!("{PLAN}/part/p1");
    let version = version_in(&app.get(&path).await);
    let first = app.post(&path, &[("version", version.as_str()), ("action", "save"), ("name", "第一のタブ")]).await;
    assert_eq!(first.location(), format!("{PLAN}?done=saved"));
    let second = app.post(&path, &[("version", version.as_str()), ("action", "save"), ("name", "第二のタブ")]).await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    second
        .assert_contains(&ja("draft.conflict"))
        .assert_contains("value=\"第二のタブ\"")
        .assert_contains("<dd class=\"pre-wrap\">第一のタブ</dd>");
    app.get(&path).await.assert_contains("value=\"第一のタブ\"");
    let again = version_in(&second);
    let overwrite = app.post(&path, &[("version", again.as_str()), ("action", "save"), ("name", "第二のタブ")]).await;
    assert_eq!(overwrite.location(), format!("{PLAN}?done=saved"));
    app.get(&path).await.assert_contains("value=\"第二のタブ\"");
    // A stale add of a worker is refused too.
    let stale = app.post(&format!("{PLAN}/workers"), &[("version", version.as_str())]).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    stale.assert_contains(&ja("draft.conflict"));
}

/// A user who chose English gets the labels, the choices and the messages in English; what the
/// company typed stays as typed.
#[tokio::test]
async fn english_pages_have_english_labels_and_messages() {
    let app = setup().await;
    let english = app.post("/_lang", &[("lang", "en"), ("back", "/")]).await;
    assert_eq!(english.status, StatusCode::SEE_OTHER);
    start(&app).await;
    let en = |key: &str| Tr::for_lang(Lang::En).get(key).to_string();
    let wrong =
        post_section(&app, "part/p1", "next", &[("corporate_number", "1234567890123"), ("name", "窓口建設")]).await;
    wrong
        .assert_contains(&format!("<label for=\"corporate_number\">{}", en("plan.field.corporate_number")))
        .assert_contains(en("plan.err.corporate_number_check").split('\'').next().unwrap())
        .assert_contains("Minister of Land, Infrastructure, Transport and Tourism")
        .assert_contains("value=\"窓口建設\"")
        .assert_lacks(&ja("plan.err.corporate_number_check"));
}

/// A plan takes at most 100 worker blocks (a script cannot pile them into one draft).
#[tokio::test]
async fn the_hundred_and_first_worker_is_refused() {
    let app = setup().await;
    start(&app).await;
    for _ in 0..madoguchi_acceptance_plan::workers::MAX_WORKERS {
        add_worker(&app).await;
    }
    let version = version_in(&app.get(PLAN).await);
    let refused = app.post(&format!("{PLAN}/workers"), &[("version", version.as_str())]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    refused.assert_contains(&ja("plan.refused.too_many_workers"));
    assert_eq!(version_in(&app.get(PLAN).await), version, "nothing stored");
}

/// The hidden `sealed_draft` of a login page.
pub(super) fn sealed_in(page: &crate::testkit::Page) -> String {
    let marker = "name=\"sealed_draft\" value=\"";
    let at = page.body.find(marker).unwrap_or_else(|| panic!("no sealed form: {}", page.body));
    let rest = &page.body[at + marker.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// Check 3: a worker block filled halfway and posted after 61 minutes idle is sealed into the
/// login page; after the same user logs in, the block is back with what was typed (and the
/// notice), nothing else of the plan lost.
#[tokio::test]
async fn a_worker_block_posted_after_the_idle_logout_is_back_after_the_login() {
    let app = setup().await;
    start(&app).await;
    post_section(&app, "part/p1", "save", &[("name", "窓口建設株式会社")]).await;
    let key = add_worker(&app).await;
    let path = format!("{PLAN}/workers/{key}");
    let version = version_in(&app.get(&path).await);
    app.set_clock("2026-11-24T11:01:00+09:00");
    let posted = [("version", version.as_str()), ("action", "next"), ("name_roman", "TRAN THI B"), ("sex", "f")];
    let login = app.post(&path, &posted).await;
    assert_eq!(login.status, StatusCode::OK, "the login page itself: {}", login.body);
    login.assert_contains("name=\"login_id\"").assert_lacks("TRAN THI B");
    let sealed = sealed_in(&login);
    let again = app
        .post(
            "/mlit-fwms/login",
            &[("login_id", "kensetsu01"), ("password", "Demo-User-2026"), ("sealed_draft", &sealed)],
        )
        .await;
    assert_eq!(again.location(), format!("{path}?restored=1"), "{}", again.body);
    let form = app.get(again.location()).await;
    form.assert_contains(&ja("draft.restored_after_login"))
        .assert_contains("value=\"TRAN THI B\"")
        .assert_contains("name=\"sex\" value=\"f\" checked");
    app.get(&format!("{PLAN}/part/p1")).await.assert_contains("value=\"窓口建設株式会社\"");
    let mut conn = app.state.store.acquire().await.unwrap();
    let restored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE event = 'draft.restored_after_login'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(restored, 1);
}
