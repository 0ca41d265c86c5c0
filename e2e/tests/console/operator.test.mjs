// The operator console: password, then the mailed code; a notice posted shows on the portal.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, openBrowser, japanesePage, shot } from "../helpers.mjs";

let server, browser, page;
before(async () => {
  server = await startServer();
  browser = await openBrowser();
  page = await japanesePage(browser);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const EMAIL = "operator@rokin.example.jp";

test("operator login with the mailed code, then a notice on the portal", async () => {
  await page.goto(server.base + "/rokin/operator/login");
  await page.getByLabel("メールアドレス").fill(EMAIL);
  await page.getByLabel("パスワード").fill("Demo-Operator-2026");
  await page.getByRole("button", { name: "ログイン" }).click();
  assert.equal((await page.textContent("h1")).trim(), "確認コードの入力");
  const code = await server.codeFrom(EMAIL, "オペレーターログイン確認コード", "確認コード：");
  await page.getByLabel("確認コード").fill(code === "000000" ? "111111" : "000000");
  await page.getByRole("button", { name: "送信" }).click();
  assert.ok((await page.textContent(".error-summary")).includes("確認コードが正しくありません。"));
  await page.getByLabel("確認コード").fill(code);
  await page.getByRole("button", { name: "送信" }).click();
  assert.equal((await page.textContent("h1")).trim(), "運用者コンソール");
  await shot(page, "operator-console");

  await page.getByRole("link", { name: "連絡事項の管理" }).first().click();
  await page.getByRole("link", { name: "新規作成" }).click();
  // Prefilled with now, in Japan time.
  assert.equal(await page.getByLabel("掲載開始日時").inputValue(), "2026-11-24T10:00");
  await page.getByLabel("タイトル（日本語）").fill("年末年始の休止について");
  await page.getByLabel("本文（日本語）").fill("12月31日から1月3日まで休止します。");
  await page.getByRole("button", { name: "保存" }).click();
  assert.ok((await page.textContent("table")).includes("年末年始の休止について"));
  await shot(page, "operator-announcements");

  await page.goto(server.base + "/rokin/");
  assert.ok((await page.textContent(".notices")).includes("年末年始の休止について"));
  await shot(page, "rokin-top-with-notice");
});

test("a notice starting later shows from its start (Japan time)", async () => {
  await page.goto(server.base + "/rokin/operator/announcements/new");
  await page.getByLabel("タイトル（日本語）").fill("システムメンテナンスのお知らせ");
  await page.getByLabel("本文（日本語）").fill("11月24日 11:00 から掲載します。");
  await page.getByLabel("掲載開始日時").fill("2026-11-24T11:00");
  await page.getByRole("button", { name: "保存" }).click();
  assert.ok((await page.textContent("table")).includes("システムメンテナンスのお知らせ"));

  await page.goto(server.base + "/rokin/");
  assert.ok(!(await page.textContent(".notices")).includes("システムメンテナンスのお知らせ"), "not yet at 10:00");
  await server.setClock("2026-11-24T11:00:00+09:00");
  await page.goto(server.base + "/rokin/");
  assert.ok((await page.textContent(".notices")).includes("システムメンテナンスのお知らせ"), "shown at 11:00");
});

test("営業日カレンダー: an extra closed day closes rokin; deleting it asks first", async () => {
  // Back within the console session's idle hour (the test before moved the clock to 11:00).
  await server.setClock("2026-11-24T10:30:00+09:00");
  await page.goto(server.base + "/rokin/operator/");
  await page.getByRole("link", { name: "営業日カレンダー" }).first().click();
  assert.equal((await page.textContent("h1")).trim(), "営業日カレンダー");
  assert.ok((await page.textContent("table")).includes("祝日（勤労感謝の日）"));
  // Nothing chosen: the messages in the summary and beside the fields.
  await page.getByRole("button", { name: "登録" }).click();
  assert.ok((await page.textContent(".error-summary")).includes("日付を入力してください。"));
  await page.getByLabel("日付").fill("2026-11-24");
  await page.getByLabel("休業日にする（臨時休業）").check();
  await page.getByLabel("メモ").fill("システム保守");
  await page.getByRole("button", { name: "登録" }).click();
  const table = await page.textContent("table");
  assert.ok(table.includes("2026年11月24日（火）") && table.includes("オペレーター登録：システム保守"), table);
  await shot(page, "operator-calendar");

  await page.goto(server.base + "/rokin/login");
  assert.equal((await page.textContent("h1")).trim(), "サービス提供時間外です");

  await page.goto(server.base + "/rokin/operator/calendar?year=2026");
  const seen = [];
  const answer = (ok) => page.once("dialog", (d) => { seen.push(d.message()); ok ? d.accept() : d.dismiss(); });
  answer(false);
  await page.getByRole("button", { name: "削除" }).click();
  assert.deepEqual(seen, ["2026年11月24日（火） の登録を削除します。よろしいですか？"]);
  assert.ok((await page.textContent("table")).includes("システム保守"), "kept when the dialog says no");
  answer(true);
  await page.getByRole("button", { name: "削除" }).click();
  await page.waitForSelector(".notice-ok");
  assert.ok(!(await page.textContent("table")).includes("システム保守"));

  await page.goto(server.base + "/rokin/login");
  assert.notEqual((await page.textContent("h1")).trim(), "サービス提供時間外です");
});
