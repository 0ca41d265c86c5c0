// mlit-fwms's 建設特定技能受入計画 (module acceptance_plan; docs/ACCEPTANCE_PLAN.md) in Chromium,
// as the manual walks it: a company registers (利用者仮申請 → the mailed 仮パスワード → 利用者本申請),
// its menu offers only 「新規申請」; it starts the plan, is refused a 法人番号 with a wrong check
// digit (named in the error summary), fills Parts 1–5 with 「一時保存」, adds one worker, uploads
// every required attachment and 「申請」s; the menu now offers only 「計画確認」. The office's
// operator (関東地方整備局, the demo operator) finds it in 受入計画 審査一覧 and sends a 補正依頼
// with a comment on Part 4; the company sees the comment beside Part 4, corrects it and applies
// again; the office sees the change as a diff and 認定s it; the company's menu shows the 認定済
// items and its 認定通知書 downloads as a PDF; it files a 変更申請 of its 商号 (変更申請を開始する,
// Part 1 with the 担当者 locked, 申請), the office finds it as 「変更申請」 in its 審査一覧 with the
// diff and 認定s it, and 計画確認 shows the new version; the worker shows 「要報告」, its 受入報告書 is
// submitted and the worker is 従事中. The server is the demo; the clock is the helpers' Tuesday
// 2026-11-24 10:00 JST. The tests run in order and share the server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, openBrowser, japanesePage, shot, assertErrorPage, consoleLogin } from "../helpers.mjs";

const COMPANY = { id: "walk0001", email: "walk@kensetsu.example.jp", password: "Mado-Guchi-88" };
const COMMENT = "第4の昇給の考え方を具体的に記載してください。";
const CHANGED_NAME = "ブラウザ建設工業株式会社";
const h1 = async (page) => (await page.textContent("h1")).trim();
const main = async (page) => await page.textContent("main");
// The menu is the page's navigation, beside main.
const body = async (page) => await page.textContent("body");

// A plan every rule accepts on 2026-11-24 (the HTTP tests' P1–P5 and WORKER).
const PARTS = {
  p1: [
    ["corporate_number", "7000012050002"],
    ["name", "ブラウザ建設株式会社"],
    ["name_kana", "ブラウザケンセツカブシキガイシャ"],
    ["rep_title", "代表取締役"],
    ["rep_name", "歩 太郎"],
    ["postal_code", "100-0001"],
    ["address", "東京都千代田区千代田1-1"],
    ["phone", "03-1234-5678"],
    ["permit_authority", "governor-13"],
    ["permit_kind", "general"],
    ["permit_year", "5"],
    ["permit_number", "123456"],
    ["permit_granted", "2023-04-01"],
    ["permit_expires", "2028-03-31"],
    ["permit_trades", "01"],
    ["ccus_business_id", "12345678901234"],
    ["membership", "supporting"],
    ["member_number", "S-0123"],
    ["fulltime", "10"],
    ["current_ssw", "1"],
    ["current_construction", "0"],
    ["current_trainees", "2"],
    ["contact_department", "総務部"],
    ["contact_name", "歩 花子"],
    ["contact_phone", "03-1234-5679"],
  ],
  p2: [
    ["period_start", "2027-01-01"],
    ["period_end", "2031-12-31"],
    ["categories", "civil"],
    ["workplace", "東京都内の建設現場"],
  ],
  p3: [
    ["hw_job_number", "13010-12345678"],
    ["hw_received", "2026-10-01"],
    ["domestic_efforts", "ハローワークに求人を出し、3か月募集した。"],
  ],
  p4: [
    ["monthly_salary", "1"],
    ["comparator", "yes"],
    ["comparator_monthly", "250000"],
    ["comparator_years", "5"],
    ["raise_policy", "技能の習熟に応じて昇給する。"],
    ["work_rules", "yes"],
    ["agreement36", "yes"],
    ["explanation_date", "2026-11-20"],
    ["explanation_language", "vi"],
    ["training", "1"],
    ["guidance", "1"],
  ],
  p5: [["safety_plan", "入社時に安全衛生教育を行う。"]],
};
const WORKER = [
  ["name_roman", "NGUYEN VAN B"],
  ["sex", "m"],
  ["birth_date", "1998-05-01"],
  ["nationality", "ベトナム"],
  ["in_japan", "yes"],
  ["residence_card", "AB12345678CD"],
  ["residence_status", "tit2"],
  ["ccus_id", "12345678901234"],
  ["admission", "tit2"],
  ["category", "civil"],
  ["job_type", "型枠施工"],
  ["contract_start", "2027-01-01"],
  ["contract_end", "2029-12-31"],
  ["stay_start", "2027-01-01"],
  ["stay_end", "2029-12-31"],
  ["monthly_pay", "250000"],
  ["raise_plan", "年1回"],
  ["weekly_hours", "40"],
  ["holidays", "土日祝"],
];

/// Enters one value as a person does: a radio button or check box of the group is clicked, a
/// list box option selected, a text typed.
async function enter(page, name, value) {
  const field = page.locator(`[name="${name}"]`);
  const first = field.first();
  const type = await first.evaluate((e) => (e.tagName === "INPUT" ? e.type : e.tagName));
  if (type === "radio" || type === "checkbox") await page.check(`[name="${name}"][value="${value}"]`);
  else if (type === "SELECT") await first.selectOption(value);
  else await first.fill(value);
}

async function fillAndSave(page, fields, button = "一時保存") {
  for (const [name, value] of fields) await enter(page, name, value);
  await page.getByRole("button", { name: button, exact: true }).click();
}

/// A small real PDF (a header, one empty page, the trailer): the attachments are judged by content.
const PDF = Buffer.from(
  "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
    "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
);

let server, browser, company, operator;
before(async () => {
  server = await startServer();
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function mailTo(to, subject) {
  for (let i = 0; i < 50; i++) {
    const mail = (await server.mails()).find((m) => m.to === to && m.subject.includes(subject));
    if (mail) return mail;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${to} with ${subject}`);
}

test("a company registers by 仮申請 and 本申請; its menu offers only 「新規申請」", async () => {
  company = await japanesePage(browser);
  await company.goto(`${server.base}/mlit-fwms/`);
  await company.getByRole("link", { name: "仮登録はこちら" }).click();
  assert.equal(await h1(company), "利用者仮申請");
  for (const [id, value] of [["login_id", COMPANY.id], ["login_id_again", COMPANY.id], ["email", COMPANY.email], ["email_again", COMPANY.email]]) {
    await company.locator(`#${id}`).fill(value);
  }
  await company.getByRole("button", { name: "利用者仮申請" }).click();
  assert.ok((await main(company)).includes("仮申請します。よろしいですか？"));
  await company.getByRole("button", { name: "はい" }).click();
  assert.ok((await main(company)).includes("仮申請を受け付けました"));
  const mail = await mailTo(COMPANY.email, "仮パスワード発行のお知らせ");
  const temporary = mail.text.split("\n").find((l) => l.startsWith("仮パスワード：")).slice("仮パスワード：".length).trim();

  await company.goto(`${server.base}/mlit-fwms/`);
  await company.getByRole("link", { name: "本登録はこちら" }).click();
  assert.equal(await h1(company), "利用者本申請");
  await company.locator("#login_id").fill(COMPANY.id);
  await company.locator("#temporary").fill(temporary);
  await company.locator("#new").fill(COMPANY.password);
  await company.locator("#confirm").fill(COMPANY.password);
  await company.getByRole("button", { name: "利用者本申請" }).click();
  if ((await main(company)).includes("よろしいですか？")) await company.getByRole("button", { name: "はい" }).click();
  assert.equal(await h1(company), "メニュー");
  const menu = await body(company);
  assert.ok(menu.includes("新規申請") && !menu.includes("計画確認"), menu);
  await shot(company, "plan-menu-unregistered");
});

test("the company starts the plan, is refused a wrong 法人番号, and saves Parts 1–5", async () => {
  await company.getByRole("link", { name: "新規申請" }).first().click();
  await company.getByRole("button", { name: "新規申請を開始する" }).click();
  await company.locator('a[href$="/plan/part/p1"]').click();
  // The 仮申請's address is already there as the contact.
  assert.equal(await company.locator("#contact_email").inputValue(), COMPANY.email);
  // 「一時保存」 keeps anything; 「保存して次へ」 checks the part.
  await company.locator("#corporate_number").fill("1234567890123");
  await company.getByRole("button", { name: "保存して次へ", exact: true }).click();
  await assertErrorPage(company);
  const summary = await company.textContent(".error-summary");
  assert.ok(summary.includes("法人番号"), summary);
  await shot(company, "plan-p1-refused");
  await fillAndSave(company, PARTS.p1);
  assert.ok((await main(company)).includes("一時保存しました。"));
  for (const part of ["p2", "p3", "p4", "p5"]) {
    await company.locator(`a[href$="/plan/part/${part}"]`).click();
    await fillAndSave(company, PARTS[part]);
    assert.ok((await main(company)).includes("一時保存しました。"), part);
  }
});

test("the company adds a worker, uploads every required attachment and applies", async () => {
  await company.getByRole("button", { name: "1号特定技能外国人を追加" }).click();
  await fillAndSave(company, WORKER, "保存して確認");
  assert.ok((await main(company)).includes("NGUYEN VAN B"));

  await company.getByRole("link", { name: "添付書類の確認・アップロード" }).click();
  assert.equal(await h1(company), "添付書類");
  // Each required kind still without a file, one after the other (each upload reloads the page).
  for (let uploads = 0; ; uploads++) {
    const open = company.locator("section.attachment").filter({ has: company.locator("h2 .req") }).filter({ hasText: "添付されていません。" });
    if ((await open.count()) === 0) break;
    assert.ok(uploads < 30, "the required attachments never ran out");
    const row = open.first();
    const date = row.locator('input[type="date"]');
    if ((await date.count()) > 0) await date.fill("2026-11-01");
    await row.locator('input[type="file"]').setInputFiles({ name: `書類${uploads + 1}.pdf`, mimeType: "application/pdf", buffer: PDF });
    await row.getByRole("button", { name: /アップロード/ }).click();
    assert.ok((await main(company)).includes("をアップロードしました。"), await main(company));
  }
  await shot(company, "plan-attachments");
  await company.getByRole("link", { name: "新規申請の一覧へ戻る" }).click();
  await company.getByRole("link", { name: "申請", exact: true }).click();
  assert.ok((await main(company)).includes("申請します。よろしいですか？"));
  await company.getByRole("button", { name: "はい" }).click();
  assert.equal(await h1(company), "計画確認");
  await mailTo(COMPANY.email, "建設特定技能受入計画の申請を受け付けました");
  await company.goto(`${server.base}/mlit-fwms/home`);
  const menu = await body(company);
  assert.ok(menu.includes("計画確認") && !menu.includes("新規申請"), menu);
});

test("the office sends a 補正依頼 with a comment on Part 4; the company corrects and applies again", async () => {
  operator = await consoleLogin(browser, server, "mlit-fwms");
  await operator.getByRole("link", { name: "受入計画 審査一覧" }).first().click();
  assert.equal(await h1(operator), "受入計画 審査一覧");
  assert.ok((await main(operator)).includes("関東地方整備局"));
  await operator.getByRole("link", { name: "ブラウザ建設株式会社" }).click();
  assert.ok((await main(operator)).includes("NGUYEN VAN B"));
  await shot(operator, "plan-review");
  await operator.locator("#comment_p4").fill(COMMENT);
  await operator.getByRole("button", { name: "補正依頼", exact: true }).click();
  assert.ok((await main(operator)).includes("補正"), await main(operator));
  const mail = await mailTo(COMPANY.email, "補正のお願い");
  assert.ok(mail.text.includes(COMMENT));

  await company.goto(`${server.base}/mlit-fwms/plan/view`);
  assert.ok((await main(company)).includes("補正中"));
  await company.goto(`${server.base}/mlit-fwms/plan`);
  assert.ok((await main(company)).includes(COMMENT), "the comment beside Part 4");
  await company.locator('a[href$="/plan/part/p4"]').click();
  assert.ok((await main(company)).includes(COMMENT));
  await company.locator("#raise_policy").fill("毎年4月に技能評価に応じて昇給する。");
  await company.getByRole("button", { name: "一時保存", exact: true }).click();
  await company.getByRole("link", { name: "申請", exact: true }).click();
  await company.getByRole("button", { name: "はい" }).click();
  assert.equal(await h1(company), "計画確認");
});

test("the office sees the change as a diff and 認定s; the company's menu and 認定通知書 follow", async () => {
  await operator.reload();
  const review = await main(operator);
  assert.ok(review.includes("前回の申請からの変更点") && review.includes("技能評価"), review);
  for (const box of await operator.locator('input[name="criteria"]').all()) await box.check();
  assert.equal(await operator.locator("#certified_on").inputValue(), "2026-11-24");
  await operator.getByRole("button", { name: "認定", exact: true }).click();
  assert.ok((await main(operator)).includes("KTR-2026-"), await main(operator));
  assert.ok((await operator.getByRole("link", { name: "認定通知書（PDF）をダウンロード" }).count()) > 0);
  await shot(operator, "plan-certified");
  const mail = await mailTo(COMPANY.email, "建設特定技能受入計画認定のお知らせ");
  assert.ok(mail.subject.includes("KTR-2026-"), mail.subject);

  await company.goto(`${server.base}/mlit-fwms/home`);
  const menu = await body(company);
  for (const item of ["計画確認", "変更申請", "変更届出", "受入報告書", "退職報告書"]) assert.ok(menu.includes(item), item);
  await shot(company, "plan-menu-certified");
  await company.goto(`${server.base}/mlit-fwms/plan/view`);
  assert.ok((await main(company)).includes("KTR-2026-"));
  const pdf = await company.request.get(`${server.base}/mlit-fwms/plan/notice.pdf`);
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()["content-type"], "application/pdf");
  assert.equal((await pdf.body()).subarray(0, 5).toString(), "%PDF-");
});

test("the company files a 変更申請 of its 商号; the office sees it as 変更申請 and 認定s it", async () => {
  await company.goto(`${server.base}/mlit-fwms/home`);
  await company.getByRole("link", { name: "変更申請", exact: true }).first().click();
  await company.getByRole("button", { name: "変更申請を開始する" }).click();
  assert.equal(await h1(company), "変更申請");
  await company.locator('a[href$="/plan/part/p1"]').click();
  // Only the 変更申請 items may change: the 担当者 (a 変更届出 item) is locked.
  assert.ok(await company.locator("#contact_name").isDisabled());
  await company.locator("#name").fill(CHANGED_NAME);
  await company.getByRole("button", { name: "一時保存", exact: true }).click();
  assert.ok((await main(company)).includes("一時保存しました。"));
  await company.getByRole("link", { name: "申請", exact: true }).click();
  assert.ok((await main(company)).includes("変更申請します。よろしいですか？"));
  await company.getByRole("button", { name: "はい" }).click();
  assert.equal(await h1(company), "計画確認");
  const pending = await main(company);
  assert.ok(pending.includes("申請中の変更申請") && pending.includes(CHANGED_NAME), pending);
  await mailTo(COMPANY.email, "変更申請を受け付けました");

  await operator.goto(`${server.base}/mlit-fwms/operator/plans`);
  // Waiting, marked as a 変更申請 (its first row in the queue).
  const row = await operator.locator("tbody tr").filter({ hasText: "ブラウザ建設株式会社" }).first().textContent();
  assert.ok(row.includes("変更申請"), row);
  await operator.getByRole("link", { name: "ブラウザ建設株式会社" }).click();
  const review = await main(operator);
  assert.ok(review.includes("認定済みの計画からの変更点") && review.includes(CHANGED_NAME), review);
  await shot(operator, "plan-change-review");
  for (const box of await operator.locator('input[name="criteria"]').all()) await box.check();
  await operator.getByRole("button", { name: "認定", exact: true }).click();
  await mailTo(COMPANY.email, "変更申請を認定しました");

  await company.goto(`${server.base}/mlit-fwms/plan/view`);
  const view = await main(company);
  assert.ok(view.includes(CHANGED_NAME) && !view.includes("申請中の変更申請"), view);
  // Every version is kept: the first 申請's, read-only, still has the old 商号.
  await company.getByRole("link", { name: "第1版" }).click();
  assert.equal(await h1(company), "第1版");
  const first = await main(company);
  assert.ok(!first.includes(CHANGED_NAME) && first.includes("ブラウザ建設株式会社"), first);
  await shot(company, "plan-version");
});

test("the worker shows 「要報告」; its 受入報告書 makes it 従事中", async () => {
  await company.goto(`${server.base}/mlit-fwms/home`);
  await company.getByRole("link", { name: "受入報告書" }).first().click();
  assert.equal(await h1(company), "受入報告書・退職報告書");
  const list = await main(company);
  assert.ok(list.includes("NGUYEN VAN B") && list.includes("要報告"), list);
  await company.locator("main").getByRole("link", { name: /受入報告書/ }).click();
  // The certified block's 在留カード番号 is there already.
  assert.equal(await company.locator("#residence_card").inputValue(), "AB12345678CD");
  await company.locator("#granted_on").fill("2026-11-24");
  await company.locator("#stay_expires").fill("2027-11-23");
  await company.locator("#started_on").fill("2026-11-24");
  await company.getByRole("button", { name: "確認へ進む" }).click();
  assert.ok((await main(company)).includes("提出します。よろしいですか？"));
  await company.getByRole("button", { name: "はい" }).click();
  const done = await main(company);
  assert.ok(done.includes("受入報告書を提出しました。") && done.includes("従事中"), done);
  await shot(company, "plan-reports");
});
