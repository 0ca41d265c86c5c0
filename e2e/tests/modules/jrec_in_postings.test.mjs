// jrec-in's 求人公募情報 (module job_postings; docs/JOB_POSTINGS.md) in Chromium, as the manual
// walks it and on to the public side: the institution makes a posting (新規作成 → terms →
// 日本語 → 決定), saves it with only its 件名 (一時保存, the list shows its データ番号 and the
// 必須未入力 count), reopens it, is refused at 「確認」 with the field named in the error summary,
// completes it and sends 「登録依頼」; the 事務局 finds it in 審査待ち一覧 and approves it with
// 反映日 = today; the mail states 22:00; a visitor searches from the portal's top page: not
// found at 21:59:59, found at 22:00:00, and the posting page carries the JobPosting JSON-LD
// with the データ番号. The server is the demo (sample postings included); the clock is the
// helpers' Tuesday 2026-11-24 10:00 JST. The tests run in order and share the server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, openBrowser, japanesePage, shot, consoleLogin } from "../helpers.mjs";

const INSTITUTION = { id: "demo-kikan", password: "DemoUser2026", email: "demo@jrec-in.example.jp" };
const TITLE = "特任准教授（計算機システム）ブラウザ試験";
const h1 = async (page) => (await page.textContent("h1")).trim();

// Every field of §1.4 a complete posting needs on 2026-11-24 (the HTTP tests' `complete()`).
const FIELDS = [
  ["department", "大学院情報学研究科"],
  ["end_date", "2027-01-31"],
  ["deadline_rule", "arrival"],
  ["openings", "1名"],
  ["start_timing", "2027年4月1日以降のできるだけ早い時期"],
  ["major", "00289"],
  ["minor", "60040"],
  ["job_kind", "00022"],
  ["location", "domestic"],
  ["prefecture", "00013"],
  ["address", "東京都千代田区千代田1-1"],
  ["location_change_scope", "本学の定める勤務地"],
  ["employment", "01"],
  ["tenure", "none"],
  ["duties", "計算機システムの研究\n大学院の研究指導"],
  ["duty_change_scope", "本学の定める業務"],
  ["hours", "8:30〜17:15（休憩60分）"],
  ["salary", "本学規程による"],
  ["benefits", "各種社会保険完備"],
  ["degree", "doctor"],
  ["documents", "履歴書、業績一覧"],
  ["apply_method", "portal"],
  ["web_apply", "yes"],
  ["return_documents", "keep"],
  ["selection", "書類選考の上、面接"],
  ["result_notice", "2027年3月中旬までにメールで通知"],
  ["contact_name", "情報学研究科 事務室"],
  ["contact_phone", "03-1234-5678"],
];

/// Types one value the way a person does: a choice in a group of radio buttons or check
/// boxes is clicked, a list box option selected, a text typed.
async function enter(page, name, value) {
  const field = page.locator(`#${name}`);
  const tag = await field.evaluate((e) => e.tagName);
  if (tag === "FIELDSET") await page.check(`input[name="${name}"][value="${value}"]`);
  else if (tag === "SELECT") await field.selectOption(value);
  else await field.fill(value);
}

let server, browser, institution, dataNumber;
before(async () => {
  server = await startServer();
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test("the institution saves a new posting with only its 件名 and finds it in the list", async () => {
  institution = await japanesePage(browser);
  await institution.goto(`${server.base}/jrec-in/login`);
  await institution.getByLabel("ログインID").fill(INSTITUTION.id);
  await institution.getByLabel("パスワード").fill(INSTITUTION.password);
  await institution.getByRole("button", { name: "ログイン" }).click();
  assert.equal(await h1(institution), "求人機関メニュー");
  await institution.getByRole("link", { name: "登録・一時保存" }).first().click();
  assert.equal(await h1(institution), "求人公募情報 登録・一時保存");
  // The demo's own 一時保存 is listed with its 必須未入力 count.
  assert.ok((await institution.textContent("main")).includes("客員研究員（環境科学）の公募（作成中）"));
  await institution.getByRole("link", { name: "新規作成" }).click();
  await institution.getByRole("button", { name: "上記に同意して、求人公募情報を作成する" }).click();
  await institution.getByLabel("日本語").check();
  await institution.getByRole("button", { name: "決定" }).click();
  await institution.locator("#title").fill(TITLE);
  await shot(institution, "posting-form");
  await institution.getByRole("button", { name: "一時保存" }).click();
  assert.equal(await h1(institution), "一時保存完了");
  await institution.getByRole("link", { name: "登録・一時保存管理へ" }).click();
  const row = institution.locator("tr", { hasText: TITLE });
  const cells = await row.locator("td").allTextContents();
  dataNumber = cells[0].trim();
  assert.match(dataNumber, /^D\d{9}$/);
  assert.ok(Number(cells[4]) > 0, `必須未入力 ${cells[4]}`);
});

test("「確認」 with a required field empty is refused with the field in the summary, then the request goes", async () => {
  await institution.getByRole("link", { name: TITLE }).click();
  for (const [name, value] of FIELDS) await enter(institution, name, value);
  // 受動喫煙防止措置 left empty (§1.15 check 4).
  await institution.getByRole("button", { name: "確認" }).click();
  const summary = institution.locator(".error-summary");
  assert.ok((await summary.textContent()).includes("受動喫煙防止措置"));
  assert.ok(await summary.evaluate((e) => e === document.activeElement || e.contains(document.activeElement)));
  await summary.getByRole("link", { name: /受動喫煙防止措置/ }).click();
  // What was typed is still there.
  assert.equal(await institution.locator("#title").inputValue(), TITLE);
  await enter(institution, "smoking", "indoor_ban");
  await institution.getByRole("button", { name: "確認" }).click();
  assert.ok((await institution.textContent("main")).includes("「登録依頼」ボタンをクリックすると"));
  await shot(institution, "posting-confirm");
  await institution.getByRole("button", { name: "登録依頼" }).click();
  const row = institution.locator("tr", { hasText: TITLE });
  assert.ok((await row.textContent()).includes("登録依頼中"));
});

test("the 事務局 approves it from 審査待ち一覧 with 反映日 today; the mail says 22:00", async () => {
  const operator = await consoleLogin(browser, server, "jrec-in");
  await operator.getByRole("link", { name: "求人公募情報 審査待ち一覧" }).first().click();
  assert.equal(await h1(operator), "求人公募情報 審査待ち一覧");
  await operator.getByRole("link", { name: TITLE }).click();
  assert.ok((await operator.textContent("main")).includes(dataNumber));
  await shot(operator, "posting-review");
  assert.equal(await operator.locator("#reflect_on").inputValue(), "2026-11-24");
  await operator.getByRole("button", { name: "承認", exact: true }).click();
  assert.ok((await operator.textContent("main")).includes("承認しました。"));
  // The mail leaves through the outbox: it reaches the dev mailbox a moment later.
  let mail;
  for (let i = 0; !mail && i < 50; i++) {
    mail = (await server.mails()).find((m) => m.to === INSTITUTION.email && m.subject.includes("求人公募情報登録完了"));
    if (!mail) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(mail, "the approval mail");
  assert.ok(mail.text.includes(dataNumber) && mail.text.includes("22:00"), mail.text);
});

test("a visitor finds it from the top page at 22:00:00, not a second before, with its JSON-LD", async () => {
  const visitor = await japanesePage(browser);
  const search = async () => {
    await visitor.goto(`${server.base}/jrec-in/`);
    await visitor.getByRole("link", { name: "求人公募情報検索" }).click();
    await visitor.getByLabel("すべてを含む").fill("計算機システム ブラウザ試験");
    await visitor.getByRole("button", { name: "検索", exact: true }).click();
    return (await visitor.textContent("main")).match(/該当件数 (\d+)件/)[1];
  };
  await server.setClock("2026-11-24T21:59:59+09:00");
  assert.equal(await search(), "0");
  await server.setClock("2026-11-24T22:00:00+09:00");
  // The index follows the database within 2 s (the follower polls every 250 ms).
  let total = await search();
  for (let i = 0; total === "0" && i < 20; i++) {
    await new Promise((r) => setTimeout(r, 100));
    total = await search();
  }
  assert.equal(total, "1");
  await shot(visitor, "posting-search");
  await visitor.getByRole("link", { name: TITLE }).click();
  assert.equal(await h1(visitor), TITLE);
  const jsonLd = JSON.parse(await visitor.locator('script[type="application/ld+json"]').textContent());
  assert.equal(jsonLd["@type"], "JobPosting");
  assert.equal(jsonLd.identifier.value ?? jsonLd.identifier, dataNumber);
});
