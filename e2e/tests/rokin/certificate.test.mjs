// rokin from its manual: マスターユーザーの初期登録 (契約番号 + 初期パスワード → 登録内容入力 →
// 登録結果), 電子証明書発行 (ユーザー認証 → 認証コード → 発行 → 発行結果 with the .p12
// download), then the certificate login over TLS: a browser presenting the downloaded .p12
// (Playwright's clientCertificates) types only the パスワード and reaches インフォメーション.
// A browser without it gets the page that explains. The demo contract: 12345678 / Demo#026.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startServer, openBrowser, shot } from "../helpers.mjs";

let server, browser;
before(async () => {
  server = await startServer();
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const MASTER = { id: "Roukin01", password: "Mst#2026a", name: "労金　太郎", email: "master@rokin.example.jp" };
const GENERAL = { id: "Ippan001", temporary: "Tmp#2026a", password: "Gen#2026b", name: "一般　花子", email: "ippan@rokin.example.jp" };
const h1 = async (page) => (await page.textContent("h1")).trim();
let p12;

test("the master registers from the login screen and downloads a certificate", async () => {
  const context = await browser.newContext({ locale: "ja-JP", acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${server.base}/rokin/`);
  assert.equal(await h1(page), "賃金控除事務支援システム");
  await page.click("main a:has-text('マスターユーザーの初期登録')");
  assert.equal(await h1(page), "マスターユーザー初期登録ログイン");
  await page.fill("#number", "12345678");
  await page.fill("#password", "Demo#026");
  await page.click("button:has-text('次へ')");
  assert.equal(await h1(page), "マスターユーザー初期登録");
  // A mistake is shown next to its field; what was typed stays.
  await page.fill("#login_id", MASTER.id);
  await page.fill("#password", MASTER.password);
  await page.fill("#password_again", MASTER.password);
  await page.fill("#name", "Rokin Taro");
  await page.fill("#email", MASTER.email);
  await page.fill("#email_again", MASTER.email);
  await page.click("button:has-text('登録')");
  assert.match(await page.textContent("#name-error"), /全角文字で入力してください/);
  assert.equal(await page.inputValue("#login_id"), MASTER.id);
  await page.fill("#password", MASTER.password);
  await page.fill("#password_again", MASTER.password);
  await page.fill("#name", MASTER.name);
  await page.click("button:has-text('登録')");
  assert.equal(await h1(page), "マスターユーザー初期登録結果");
  assert.match(await page.textContent("main"), new RegExp(MASTER.id));
  await shot(page, "rokin-master-done");

  await page.click("main a.button:has-text('電子証明書発行')");
  assert.equal(await h1(page), "電子証明書発行 ユーザー認証");
  await page.fill("#login_id", MASTER.id);
  await page.fill("#password", MASTER.password);
  await page.click("button:has-text('認証')");
  assert.equal(await h1(page), "認証コード入力");
  const code = await server.codeFrom(MASTER.email, "認証コード", "認証コード：");
  assert.match(code, /^\d{6}$/);
  await page.fill("#code", code);
  await page.click("button:has-text('認証')");
  assert.equal(await h1(page), "電子証明書発行");
  await page.fill("#password", MASTER.password);
  // 発行結果 does not start the download by itself (no timed refresh, WCAG 2.2.1): its button does.
  await page.click("button:has-text('発行')");
  await page.waitForSelector("h1:has-text('電子証明書発行結果')");
  assert.equal(await page.locator('meta[http-equiv="refresh"]').count(), 0);
  assert.match(await page.textContent("main"), /ROKIN Koujyo Web System/);
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "電子証明書をダウンロード" }).click();
  const file = await download;
  assert.match(file.suggestedFilename(), /^Roukin01\d{14}\.p12$/);
  p12 = readFileSync(await file.path());
  assert.ok(p12.length > 500);
  await shot(page, "rokin-certificate-result");
  await context.close();
});

test("without the certificate the login screen explains and leads to 電子証明書発行", async () => {
  const context = await browser.newContext({ locale: "ja-JP", ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(`${server.tlsBase}/rokin/login`);
  assert.equal(await h1(page), "電子証明書が確認できません");
  assert.equal(await page.getAttribute("a:has-text('電子証明書発行へ')", "href"), "/rokin/certificate");
  await context.close();
});

test("with the certificate the master types only the password and reaches インフォメーション", async () => {
  assert.ok(p12, "the first test downloaded the certificate");
  const context = await browser.newContext({
    locale: "ja-JP",
    ignoreHTTPSErrors: true,
    clientCertificates: [{ origin: server.tlsBase, pfx: p12, passphrase: MASTER.password }],
  });
  const page = await context.newPage();
  await page.goto(`${server.tlsBase}/rokin/login`);
  assert.match(await page.textContent("main"), new RegExp(MASTER.id));
  assert.equal(await page.locator("input[name=login_id]").count(), 0, "the certificate picks the user");
  await page.fill("#password", "Wrong#2026");
  await page.click("main button[type=submit]");
  assert.match(await page.textContent(".error-summary"), /パスワードが正しくありません。/);
  // The manual's キャンセル returns to the login screen's four buttons.
  assert.equal(await page.getAttribute("main a:has-text('キャンセル')", "href"), "/rokin/");
  await page.fill("#password", MASTER.password);
  await page.click("main button[type=submit]");
  await page.waitForURL(/\/rokin\/home$/);
  await shot(page, "rokin-home");

  // 契約ユーザー情報照会 → 登録へ: a general user with a temporary password.
  await page.goto(`${server.tlsBase}/rokin/users`);
  await page.click("main a:has-text('登録へ')");
  await page.fill("#login_id", GENERAL.id);
  await page.fill("#password", GENERAL.temporary);
  await page.fill("#password_confirm", GENERAL.temporary);
  await page.fill("#name", GENERAL.name);
  await page.fill("#email", GENERAL.email);
  await page.fill("#email_confirm", GENERAL.email);
  await page.click("main button:has-text('確認')");
  await page.click("main button[value=register]");
  assert.match(await page.textContent("main"), new RegExp(GENERAL.id));
  await context.close();
});

test("the general user issues a certificate with the temporary password and changes it at first login", async () => {
  const issuing = await browser.newContext({ locale: "ja-JP", acceptDownloads: true });
  const page = await issuing.newPage();
  await page.goto(`${server.base}/rokin/`);
  await page.click("main a:has-text('一般ユーザーの初期登録')");
  await page.fill("#login_id", GENERAL.id);
  await page.fill("#password", GENERAL.temporary);
  await page.click("button:has-text('認証')");
  const code = await server.codeFrom(GENERAL.email, "認証コード", "認証コード：");
  await page.fill("#code", code);
  await page.click("button:has-text('認証')");
  await page.fill("#password", GENERAL.temporary);
  await page.click("button:has-text('発行')");
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "電子証明書をダウンロード" }).click();
  const pfx = readFileSync(await (await download).path());
  await issuing.close();

  const context = await browser.newContext({
    locale: "ja-JP",
    ignoreHTTPSErrors: true,
    clientCertificates: [{ origin: server.tlsBase, pfx, passphrase: GENERAL.temporary }],
  });
  const login = await context.newPage();
  await login.goto(`${server.tlsBase}/rokin/login`);
  assert.match(await login.textContent("main"), new RegExp(GENERAL.id));
  await login.fill("#password", GENERAL.temporary);
  await login.click("main button[type=submit]");
  // ログインパスワード変更（初回ログイン）: nothing else opens until it is done.
  await login.waitForSelector("h1:has-text('ログインパスワード変更（初回ログイン）')");
  await login.fill("#current", GENERAL.temporary);
  await login.fill("#new", GENERAL.password);
  await login.fill("#confirm", GENERAL.password);
  await login.click("main button:has-text('変更')");
  await login.waitForURL(/\/rokin\/home\?done=password$/);
  assert.equal(await h1(login), "インフォメーション");
  await shot(login, "rokin-general-home");
  await context.close();
});
