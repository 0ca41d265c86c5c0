// Confirmations without JavaScript (issue 14 #5, #15): with scripts off, the console's 利用停止
// and 閉塞解除 and mlit-fwms's 仮申請 still ask 「…よろしいですか？」 on a page of their own, and
// nothing happens before the confirming button; rokin's first screen says the manual's ［ログイン］.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, openBrowser, shot } from "../helpers.mjs";

let server, browser, page;
before(async () => {
  server = await startServer();
  browser = await openBrowser();
  const context = await browser.newContext({ locale: "ja-JP", javaScriptEnabled: false });
  page = await context.newPage();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const h1 = async () => (await page.textContent("h1")).trim();
const OPERATOR = "operator@hellowork.example.jp";
const USER = "demo@hellowork.example.jp";

test("without JavaScript, 利用停止 and 閉塞解除 are confirmed on their own page", async () => {
  // Five wrong passwords lock the demo employer, so that 閉塞解除 is offered too.
  for (let i = 0; i < 5; i++) {
    await page.goto(server.base + "/hellowork/login");
    await page.getByLabel("ID（メールアドレス）").fill(USER);
    await page.getByLabel("パスワード").fill("Wrong-Pass-1");
    await page.getByRole("button", { name: "ログイン" }).click();
  }
  await page.goto(server.base + "/hellowork/operator/login");
  await page.getByLabel("メールアドレス").fill(OPERATOR);
  await page.getByLabel("パスワード").fill("Demo-Operator-2026");
  await page.getByRole("button", { name: "ログイン" }).click();
  const code = await server.codeFrom(OPERATOR, "オペレーターログイン確認コード", "確認コード：");
  await page.getByLabel("確認コード").fill(code);
  await page.getByRole("button", { name: "送信" }).click();
  assert.equal(await h1(), "運用者コンソール");

  await page.goto(server.base + "/hellowork/operator/users");
  await page.getByRole("link", { name: USER }).click();
  assert.equal(await h1(), "利用者の詳細");
  const detail = page.url();

  // 閉塞解除: the question, the account named; キャンセル changes nothing.
  await page.getByRole("link", { name: "解除", exact: true }).click();
  assert.equal((await page.textContent("#confirm-question")).trim(), "この利用者のロック・閉塞を解除します。よろしいですか？");
  assert.ok((await page.textContent("main")).includes(USER));
  await page.getByRole("link", { name: "キャンセル" }).click();
  assert.equal(page.url(), detail);
  assert.ok((await page.textContent("#user-state")).includes("ロック中"));
  await page.getByRole("link", { name: "解除", exact: true }).click();
  await page.getByRole("button", { name: "解除", exact: true }).click();
  assert.ok((await page.textContent(".notice-ok")).includes("ロック・閉塞を解除しました。"));
  assert.equal((await page.textContent("#user-state")).trim(), "利用可");

  // 利用停止.
  await page.getByRole("link", { name: "利用停止", exact: true }).click();
  assert.equal((await page.textContent("#confirm-question")).trim(), "このアカウントの利用を停止します。よろしいですか？");
  await shot(page, "operator-disable-confirm-nojs");
  await page.getByRole("link", { name: "キャンセル" }).click();
  assert.equal((await page.textContent("#user-state")).trim(), "利用可", "nothing before the confirming button");
  await page.getByRole("link", { name: "利用停止", exact: true }).click();
  await page.getByRole("button", { name: "利用停止", exact: true }).click();
  assert.ok((await page.textContent(".notice-ok")).includes("アカウントの利用を停止しました。"));
  assert.equal((await page.textContent("#user-state")).trim(), "利用停止中");
});

test("without JavaScript, 仮申請 is checked first and then confirmed", async () => {
  await page.goto(server.base + "/mlit-fwms/register");
  await page.getByLabel("ログインＩＤ", { exact: true }).fill("nojs0001");
  await page.getByLabel("ログインＩＤ(再確認)").fill("nojs0002");
  await page.getByLabel("メールアドレス", { exact: true }).fill("nojs@example.jp");
  await page.getByLabel("メールアドレス(再確認)").fill("nojs@example.jp");
  await page.getByRole("button", { name: "利用者仮申請" }).click();
  assert.ok((await page.textContent(".error-summary")).includes("一致しません"));
  assert.equal(await page.locator("#confirm-question").count(), 0, "no question about bad input");
  await page.getByLabel("ログインＩＤ(再確認)").fill("nojs0001");
  await page.getByRole("button", { name: "利用者仮申請" }).click();
  assert.equal((await page.textContent("#confirm-question")).trim(), "仮申請します。よろしいですか？");
  await page.getByRole("button", { name: "はい" }).click();
  assert.ok((await page.textContent(".notice-ok")).includes("仮申請を受け付けました。"));
});

test("rokin's first screen has the manual's ［ログイン］", async () => {
  await page.goto(server.base + "/rokin/");
  assert.equal(await page.getByRole("link", { name: "ログイン", exact: true }).count(), 1);
  assert.equal(await page.getByRole("link", { name: "ログイン画面へ" }).count(), 0);
});
