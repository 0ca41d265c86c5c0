//! Checks 6, 7, 8 and 10: changing, the rules, 一時保存 of what fails, 確認, the deadline, the
//! optimistic lock, sending with a receipt, the history.

use super::{DUE, amount, base_of, contract, seed, setup};
use axum::http::StatusCode;

#[tokio::test]
async fn check_6_and_7_change_refuse_save_send_and_read_the_history() {
    let (app, b, _, _, s) = setup().await;
    let d = s.delivery;
    // The picker and the list show the deadline of 2025-07-25 (海の日 skipped).
    b.get("/rokin/zaikei/change").await.assert_contains("2025-07-25（月例）").assert_contains("2025-07-18 20:00");
    let list = b.get(&format!("/rokin/zaikei/change/{d}")).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    list.assert_contains("<dd id=\"deadline\">2025-07-18 20:00</dd>")
        .assert_contains("山田　太郎")
        .assert_contains("<span id=\"row-total\">3</span>");
    // The name filter folds half-width kana.
    b.get(&format!("/rokin/zaikei/change/{d}?name=ｻﾄｳ")).await.assert_contains("<span id=\"row-total\">1</span>");

    // ¥12,500: refused by the rule, but kept in the draft as typed, with the message.
    let form = b.get(&format!("/rokin/zaikei/change/{d}/rows/{}", s.general)).await;
    let base = base_of(&form.body);
    assert_eq!(base, "n");
    let refused = b
        .post(
            &format!("/rokin/zaikei/change/{d}/rows/{}", s.general),
            &[("action", "amount"), ("amount", "12500"), ("base", &base)],
        )
        .await;
    refused
        .assert_contains("積立額は1,000円単位で入力してください。")
        .assert_contains("id=\"amount-error\"")
        .assert_contains("aria-describedby=\"amount-hint amount-error\"")
        .assert_contains("value=\"12500\"");
    b.get(&format!("/rokin/zaikei/change/{d}/confirm"))
        .await
        .assert_contains("積立額は1,000円単位で入力してください。")
        .assert_lacks("送信へ");
    // ¥13,000: saved.
    let base = base_of(&refused.body);
    let saved = b
        .post(
            &format!("/rokin/zaikei/change/{d}/rows/{}", s.general),
            &[("action", "amount"), ("amount", "13,000"), ("base", &base)],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    b.get(&format!("/rokin/zaikei/change/{d}?done=saved"))
        .await
        .assert_contains("13,000")
        .assert_contains("変更を一時保存しました");

    // 新規 財形住宅 for a member who is 55 on 2025-07-25: refused (kept as typed).
    let new = b.get(&format!("/rokin/zaikei/change/{d}/new")).await;
    let base = base_of(&new.body);
    let fields = [
        ("employee_no", "E009"),
        ("name", "高橋　一郎"),
        ("kana", "タカハシ　イチロウ"),
        ("birth_date", "1970-07-25"),
        ("savings_kind", "housing"),
        ("amount", "10000"),
        ("base", base.as_str()),
    ];
    let aged = b.post(&format!("/rokin/zaikei/change/{d}/new"), &fields).await;
    aged.assert_contains("財形年金・財形住宅は55歳未満の方のみ新規申込できます。").assert_contains("value=\"E009\"");
    // One 年金 per member: E001 has one.
    let base = base_of(&b.get(&format!("/rokin/zaikei/change/{d}/new")).await.body);
    let twice = [
        ("employee_no", "E001"),
        ("name", "山田　太郎"),
        ("kana", "ヤマダ　タロウ"),
        ("birth_date", "1980-04-01"),
        ("savings_kind", "pension"),
        ("amount", "5000"),
        ("base", base.as_str()),
    ];
    b.post(&format!("/rokin/zaikei/change/{d}/new"), &twice)
        .await
        .assert_contains("この方のこの財形種類の明細はすでにあります。");
    // Fix the 55-year-old's entry to 一般 and drop the duplicate: the set is clean.
    let confirm = b.get(&format!("/rokin/zaikei/change/{d}/confirm")).await;
    let edit_links: Vec<String> = confirm
        .body
        .match_indices(&format!("/rokin/zaikei/change/{d}/new/"))
        .map(|(i, _)| confirm.body[i..].split('"').next().unwrap().to_string())
        .collect();
    assert_eq!(edit_links.len(), 2, "{}", confirm.body);
    let base = base_of(&b.get(&edit_links[0]).await.body);
    let general = [
        ("employee_no", "E009"),
        ("name", "高橋　一郎"),
        ("kana", "タカハシ　イチロウ"),
        ("birth_date", "1970-07-25"),
        ("savings_kind", "general"),
        ("amount", "10000"),
        ("base", base.as_str()),
    ];
    assert_eq!(b.post(&edit_links[0], &general).await.status, StatusCode::SEE_OTHER);
    let confirm = b.get(&format!("/rokin/zaikei/change/{d}/confirm")).await;
    let second = confirm
        .body
        .match_indices(&format!("/rokin/zaikei/change/{d}/new/"))
        .map(|(i, _)| confirm.body[i..].split('"').next().unwrap().to_string())
        .next()
        .unwrap();
    let base = base_of(&b.get(&second).await.body);
    let removed = b.post(&second, &[("remove", "1"), ("base", &base)]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    // A 中止 of 年金 warns with the date it bites (no earlier deposit kept: 2025-06-25 assumed).
    let base = base_of(&b.get(&format!("/rokin/zaikei/change/{d}/rows/{}", s.pension)).await.body);
    b.post(&format!("/rokin/zaikei/change/{d}/rows/{}", s.pension), &[("action", "stop"), ("base", &base)]).await;
    b.get(&format!("/rokin/zaikei/change/{d}/confirm"))
        .await
        .assert_contains("最終積立日（2025年6月25日）から2年を経過する2027年6月24日以降")
        .assert_contains("送信へ");

    // 送信: totals per 財形種類, the server-side question, the receipt.
    let send = b.get(&format!("/rokin/zaikei/send/{d}")).await;
    send.assert_contains("<th scope=\"row\">一般</th><td class=\"num\">2</td><td class=\"num\">+13,000</td>")
        .assert_contains("<th scope=\"row\">年金</th><td class=\"num\">1</td><td class=\"num\">-20,000</td>");
    let base = base_of(&send.body);
    let question = b.post(&format!("/rokin/zaikei/send/{d}"), &[("base", &base)]).await;
    question.assert_contains("変更後明細を労金に送信します。よろしいですか？");
    let done = b.press_yes(&question).await;
    assert_eq!(done.location(), format!("/rokin/zaikei/send/{d}/done"));
    let done = b.get(done.location()).await;
    done.assert_contains("<dd id=\"receipt\">ZK20250714-");
    let mails = app.mails().await;
    let sent = mails
        .iter()
        .find(|m| m.subject.contains("財形変更後明細を送信しました（受付番号 ZK20250714-"))
        .expect("the sent mail");
    assert!(
        !sent.text.contains("山田") && !sent.text.contains("13,000") && !sent.text.contains("13000"),
        "{}",
        sent.text
    );
    // The history: version 1, who, before → after, 送信日時, waiting for the bank.
    let history = b.get(&format!("/rokin/zaikei/history/{d}")).await;
    history
        .assert_contains("<td>1</td><td>Master01（労金　太郎）</td>")
        .assert_contains("10,000 → 13,000")
        .assert_contains("20,000 → 中止")
        .assert_contains("— → 10,000")
        .assert_contains("<td>2025年07月14日 10:00</td>")
        .assert_contains("労金処理待ち");
    b.get(&format!("/rokin/zaikei/history/{d}?employee_no=E009"))
        .await
        .assert_lacks("山田　太郎")
        .assert_contains("高橋　一郎");
    // Nothing is applied before the bank processes it; the send is audited.
    assert_eq!(amount(&app, s.general).await, 10_000);
    let mut conn = app.state.store.acquire().await.unwrap();
    assert_eq!(madoguchi_store::audit::count_events(&mut conn, "rokin", "zaikei.sent").await.unwrap(), 1);
    drop(conn);
    b.get("/rokin/operation-log?event=zaikei.sent").await.assert_contains("財形変更後明細送信");
}

#[tokio::test]
async fn check_8_the_deadline_closes_changes_and_sends() {
    let (app, b, master_id, _, s) = setup().await;
    let d = s.delivery;
    // Days later: a new session each time (the old one timed out).
    app.set_clock("2025-07-18T19:59:59+09:00");
    b.sign_in_as("rokin", master_id).await;
    let base = base_of(&b.get(&format!("/rokin/zaikei/change/{d}/rows/{}", s.general)).await.body);
    let saved = b
        .post(
            &format!("/rokin/zaikei/change/{d}/rows/{}", s.general),
            &[("action", "amount"), ("amount", "13000"), ("base", &base)],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let base = base_of(&b.get(&format!("/rokin/zaikei/send/{d}")).await.body);
    let done = b.post_confirmed(&format!("/rokin/zaikei/send/{d}"), &[("base", &base)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    // A further change after the send: a new draft version.
    let base = base_of(&b.get(&format!("/rokin/zaikei/change/{d}/rows/{}", s.housing)).await.body);
    assert!(base.starts_with('s'), "{base}");
    let saved = b
        .post(
            &format!("/rokin/zaikei/change/{d}/rows/{}", s.housing),
            &[("action", "amount"), ("amount", "16000"), ("base", &base)],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);

    // 20:00:01: the portal is closed (service hours end at the deadline).
    app.set_clock("2025-07-18T20:00:01+09:00");
    let closed = b.get(&format!("/rokin/zaikei/change/{d}")).await;
    assert_eq!(closed.status, StatusCode::SERVICE_UNAVAILABLE);
    // The next business day the portal opens, and the サイクル refuses with the deadline message.
    app.set_clock("2025-07-22T09:00:00+09:00");
    b.sign_in_as("rokin", master_id).await;
    let form = b.get(&format!("/rokin/zaikei/change/{d}/rows/{}", s.general)).await;
    form.assert_contains("変更期限（7月18日 20:00）を過ぎているため、変更できません。").assert_lacks(">一時保存<");
    let base = base_of(&form.body);
    let refused = b
        .post(
            &format!("/rokin/zaikei/change/{d}/rows/{}", s.general),
            &[("action", "amount"), ("amount", "20000"), ("base", &base)],
        )
        .await;
    refused
        .assert_contains("変更期限（7月18日 20:00）を過ぎているため、変更できません。")
        .assert_contains("value=\"20000\"");
    // No 送信 button past the deadline; a post all the same is refused before anything else.
    b.get(&format!("/rokin/zaikei/send/{d}")).await.assert_lacks("name=\"base\"");
    let refused = b.post(&format!("/rokin/zaikei/send/{d}"), &[("base", "n"), ("_step", "confirmed")]).await;
    refused.assert_contains("変更期限（7月18日 20:00）を過ぎているため、変更できません。");
    // The unsent draft shows as expired; the sent version stays the one sent.
    b.get("/rokin/zaikei/change").await.assert_contains("未送信（期限切れ）");
    b.get(&format!("/rokin/zaikei/history/{d}"))
        .await
        .assert_contains("未送信（期限切れ）")
        .assert_contains("労金処理待ち");
    let mut conn = app.state.store.acquire().await.unwrap();
    assert_eq!(madoguchi_store::audit::count_events(&mut conn, "rokin", "zaikei.sent").await.unwrap(), 1);
}

#[tokio::test]
async fn check_10_the_year_end_deadline() {
    let (app, b, master_id, contract_id, _) = setup().await;
    app.set_clock("2025-12-01T10:00:00+09:00");
    let s = seed(&app, contract_id, "2026-01-05").await;
    b.sign_in_as("rokin", master_id).await;
    b.get(&format!("/rokin/zaikei/change/{}", s.delivery))
        .await
        .assert_contains("<dd id=\"deadline\">2025-12-25 20:00</dd>");
    let _ = contract;
}

#[tokio::test]
async fn two_tabs_meet_the_optimistic_lock() {
    let (_app, b, _, _, s) = setup().await;
    let d = s.delivery;
    let path = format!("/rokin/zaikei/change/{d}/rows/{}", s.general);
    let tab1 = base_of(&b.get(&path).await.body);
    let tab2 = base_of(&b.get(&path).await.body);
    assert_eq!(
        b.post(&path, &[("action", "amount"), ("amount", "13000"), ("base", &tab1)]).await.status,
        StatusCode::SEE_OTHER
    );
    let stale = b.post(&path, &[("action", "amount"), ("amount", "14000"), ("base", &tab2)]).await;
    stale
        .assert_contains("ほかの画面（タブ）またはほかのユーザーが先に変更を保存または送信しました。")
        .assert_contains("value=\"14000\"");
    b.get(&format!("/rokin/zaikei/change/{d}")).await.assert_contains("13,000").assert_lacks("14,000");
    // A send drawn from the old version is refused too.
    let send_base = base_of(&b.get(&format!("/rokin/zaikei/send/{d}")).await.body);
    let fresh = base_of(&b.get(&path).await.body);
    assert_eq!(b.post(&path, &[("action", "stop"), ("base", &fresh)]).await.status, StatusCode::SEE_OTHER);
    b.post(&format!("/rokin/zaikei/send/{d}"), &[("base", &send_base), ("_step", "confirmed")])
        .await
        .assert_contains("ほかの画面（タブ）またはほかのユーザーが先に変更を保存または送信しました。");
    let _ = DUE;
}
