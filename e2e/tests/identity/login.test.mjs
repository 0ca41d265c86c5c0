// Employer login walks: hellowork login → one-time password → skip on this browser →
// confirmation → home; a second login without the code; a password reset that brings it
// back. JREC-IN login and a lockout seen from the browser.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, openBrowser, shot } from "../helpers.mjs";

let server, browser, context, page;
before(async () => {
  server = await startServer();
  browser = await openBrowser();
  context = await browser.newContext({ locale: "ja-JP" });
  page = await context.newPage();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const ID = "demo@hellowork.example.jp";

async function passwordStep(password) {
  await page.goto(server.base + "/hellowork/login");
  await page.getByLabel("ID（メールアドレス）").fill(ID);
  await page.getByLabel("パスワード").fill(password);
  await page.getByRole("button", { name: "ログイン" }).click();
}

test("hellowork: one-time password, skip on this browser, then no code", async () => {
  await passwordStep("Demo-User-2026");
  assert.equal((await page.textContent("h1")).trim(), "ワンタイムパスワード入力");
  await shot(page, "hellowork-otp");
  const otp = await server.codeFrom(ID, "ワンタイムパスワード通知", "ワンタイムパスワード：");
  await page.getByLabel("ワンタイムパスワード", { exact: true }).fill(otp);
  await page.getByLabel("次回以降、同じ端末・ブラウザでログインする際にワンタイムパスワードを省略する").check();
  await page.getByRole("button", { name: "送信" }).click();
  assert.equal((await page.textContent("h1")).trim(), "ワンタイムパスワード省略設定確認");
  await shot(page, "hellowork-skip-confirm");
  await page.getByRole("button", { name: "OK" }).click();
  assert.equal((await page.textContent("h1")).trim(), "求人者マイページホーム");
  assert.ok((await page.textContent(".user-info")).includes("株式会社ハローワーク商事 様"));
  await shot(page, "hellowork-home");
  await page.getByRole("button", { name: "ログアウト" }).click();

  const before = (await server.mails()).length;
  await passwordStep("Demo-User-2026");
  assert.equal((await page.textContent("h1")).trim(), "求人者マイページホーム");
  assert.equal((await server.mails()).length, before, "no one-time password mail this time");
  await page.getByRole("button", { name: "ログアウト" }).click();
});

test("hellowork: a password reset brings the one-time password back", async () => {
  await page.goto(server.base + "/hellowork/login");
  await page.getByRole("link", { name: "パスワードをお忘れの方" }).click();
  assert.equal((await page.textContent("h1")).trim(), "求人者マイページパスワード再登録");
  await page.getByLabel("ID（メールアドレス）").fill(ID);
  await page.getByRole("button", { name: "次へ進む" }).click();
  assert.equal((await page.textContent("h1")).trim(), "パスワード再登録");
  const key = await server.codeFrom(ID, "パスワード再登録申込受付通知", "認証キー：");
  await page.getByLabel("新しいパスワード", { exact: true }).fill("Fresh-Pass-42");
  await page.getByLabel("新しいパスワード（確認用）").fill("Fresh-Pass-42");
  await page.getByLabel("認証キー").fill(key);
  await shot(page, "hellowork-reset");
  await page.getByRole("button", { name: "完了" }).click();
  assert.ok((await page.textContent(".notice-ok")).includes("パスワードを再登録しました。"));
  await passwordStep("Fresh-Pass-42");
  assert.equal((await page.textContent("h1")).trim(), "ワンタイムパスワード入力");
});

test("jrec-in: a lockout seen from the browser", async () => {
  const fresh = await browser.newContext({ locale: "ja-JP" });
  const p = await fresh.newPage();
  for (let i = 0; i < 5; i++) {
    await p.goto(server.base + "/jrec-in/login");
    await p.getByLabel("ログインID").fill("demo-kikan");
    await p.getByLabel("パスワード").fill("WrongPass99");
    await p.getByRole("button", { name: "ログイン" }).click();
    assert.ok((await p.textContent(".error-summary")).includes("IDまたはパスワードが正しくありません"));
    assert.equal(await p.inputValue("#login_id"), "demo-kikan", "what was typed is kept");
    assert.equal(await p.inputValue("#password"), "", "the password is not");
  }
  await p.getByLabel("パスワード").fill("DemoUser2026");
  await p.getByRole("button", { name: "ログイン" }).click();
  assert.ok((await p.textContent(".error-summary")).includes("IDまたはパスワードが正しくありません"), "locked: the right password is refused too");
  await shot(p, "jrec-in-locked");
  await server.advance(30 * 60 + 1);
  await p.getByLabel("パスワード").fill("DemoUser2026");
  await p.getByRole("button", { name: "ログイン" }).click();
  assert.equal((await p.textContent("h1")).trim(), "求人機関メニュー");
  await shot(p, "jrec-in-home");
  await fresh.close();
});
