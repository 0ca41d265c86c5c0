// rokin's screens after login in Chromium: the ソフトウェアキーボード on the employer's own
// screens (the first-login パスワード変更 and the master's 登録へ, every password typed with the
// mouse only), and マニュアル照会 from the operator's upload to the user's download.
//
// rokin's own login is the client certificate, walked in rokin.test.mjs; to keep these
// screens' tests short, this portal is rokin with `second_factor = none`, so a password login
// reaches them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, openBrowser, japanesePage, shot, consoleLogin } from "../helpers.mjs";

const CONFIG = `[server]
demo = true
allow_test_clock = true
dev_mailbox = true

[[portal]]
id = "rokin"
preset = "rokin"
second_factor = { kind = "none" }
`;
const TEMPORARY = "Temp#Pass1";
const NEW_PASSWORD = "Kb+Mouse9z";

let server, browser, page;
before(async () => {
  server = await startServer({
    config: CONFIG,
    setup: [
      {
        args: [
          "account", "add", "--portal", "rokin", "--organization", "株式会社ろうきん商事", "--login-id", "Master01",
          "--email", "master@rokin-shoji.example.jp", "--name", "労金　太郎", "--password-stdin",
        ],
        stdin: TEMPORARY + "\n",
      },
    ],
  });
  browser = await openBrowser();
  page = await japanesePage(browser);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/// Types `text` into the password field `label` with its keyboard: opens it, presses the keys
/// (大文字／小文字 where the case changes), closes it. Returns the order of the digit keys.
async function typeWithKeyboard(label, text) {
  const field = page.getByLabel(label, { exact: true });
  const open = field.locator("xpath=following-sibling::button[1]");
  const board = field.locator("xpath=following-sibling::div[contains(@class,'skb')][1]");
  await open.click();
  assert.equal(await open.getAttribute("aria-expanded"), "true");
  const digits = (await board.locator('[data-keys="digits"] .skb-key').allTextContents()).join("");
  let upper = false;
  for (const ch of text) {
    const isUpper = ch >= "A" && ch <= "Z";
    const isLower = ch >= "a" && ch <= "z";
    if ((isUpper && !upper) || (isLower && upper)) {
      await board.getByRole("button", { name: "大文字／小文字" }).click();
      upper = !upper;
    }
    await board.locator(`.skb-key[data-char="${CSS.escape(ch.toLowerCase())}"]`).click();
  }
  await board.getByRole("button", { name: "閉じる" }).click();
  assert.equal(await board.isHidden(), true);
  return digits;
}

// Node has no CSS.escape: enough of it for one half-width character in an attribute value.
const CSS = { escape: (c) => (/[a-z0-9]/i.test(c) ? c : "\\" + c) };

test("the first-login password change is typed on the software keyboard", async () => {
  await page.goto(server.base + "/rokin/login");
  await page.getByLabel("ユーザーＩＤ").fill("Master01");
  await page.getByLabel("パスワード", { exact: true }).fill(TEMPORARY);
  await page.getByRole("button", { name: "ログイン" }).click();
  assert.equal((await page.textContent("h1")).trim(), "ログインパスワード変更（初回ログイン）");

  // One keyboard per password field; closed until asked for.
  assert.equal(await page.locator(".skb-open").count(), 3);
  assert.equal(await page.locator(".skb:visible").count(), 0);

  // The keys: 10 digits, 26 letters, the 32 symbols the policy allows; shuffled at each opening.
  const current = page.getByLabel("現在のパスワード", { exact: true });
  const open = current.locator("xpath=following-sibling::button[1]");
  const board = current.locator("xpath=following-sibling::div[contains(@class,'skb')][1]");
  await open.click();
  assert.equal(await board.locator('[data-keys="digits"] .skb-key').count(), 10);
  assert.equal(await board.locator('[data-keys="letters"] .skb-key').count(), 26);
  assert.equal(await board.locator('[data-keys="symbols"] .skb-key').count(), 32);
  const orders = new Set();
  for (let i = 0; i < 3; i++) {
    orders.add((await board.locator(".skb-key").allTextContents()).join(""));
    await open.click();
    await open.click();
  }
  assert.ok(orders.size > 1, "the keys change places between openings");
  // 大文字／小文字 switches the letters in place; 1文字削除 and クリア edit the field.
  await board.locator('.skb-key[data-char="q"]').click();
  await board.getByRole("button", { name: "大文字／小文字" }).click();
  assert.equal(await board.locator('.skb-key[data-char="q"]').textContent(), "Q");
  await board.locator('.skb-key[data-char="q"]').click();
  assert.equal(await current.inputValue(), "qQ");
  await board.getByRole("button", { name: "1文字削除" }).click();
  assert.equal(await current.inputValue(), "q");
  await board.getByRole("button", { name: "クリア" }).click();
  assert.equal(await current.inputValue(), "");
  await board.getByRole("button", { name: "大文字／小文字" }).click();
  await shot(page, "rokin-software-keyboard");
  await board.getByRole("button", { name: "閉じる" }).click();

  await typeWithKeyboard("現在のパスワード", TEMPORARY);
  await typeWithKeyboard("新しいパスワード", NEW_PASSWORD);
  await typeWithKeyboard("新しいパスワード再入力", NEW_PASSWORD);
  assert.equal(await page.getByLabel("新しいパスワード", { exact: true }).inputValue(), NEW_PASSWORD);
  await page.getByRole("button", { name: "変更", exact: true }).click();
  assert.equal((await page.textContent("h1")).trim(), "インフォメーション");
  assert.ok((await page.textContent(".notice-ok")).includes("パスワードを変更しました。"));
  const menu = await page.textContent(".site-nav");
  for (const item of ["共通機能", "パスワード変更", "マニュアル照会", "システム管理機能", "契約ユーザー情報照会", "契約ユーザー情報変更", "操作ログ照会"]) {
    assert.ok(menu.includes(item), item);
  }
  // ログアウト is in the header, where every portal and the console have it.
  assert.equal(await page.getByRole("banner").getByRole("button", { name: "ログアウト" }).count(), 1);
  await shot(page, "rokin-information");
});

test("the master registers a general user with the temporary password typed on the keyboard", async () => {
  await page.getByRole("link", { name: "契約ユーザー情報照会" }).click();
  await page.getByRole("link", { name: "登録へ" }).click();
  assert.equal((await page.textContent("h1")).trim(), "契約ユーザー情報登録");
  await page.getByLabel("ユーザーＩＤ").fill("Ippan001");
  await typeWithKeyboard("仮パスワード 必須", "Ippan#2026");
  await typeWithKeyboard("仮パスワード再入力 必須", "Ippan#2026");
  await page.getByLabel("ユーザー名").fill("一般　花子");
  await page.getByLabel("メールアドレス 必須", { exact: true }).fill("ippan@rokin-shoji.example.jp");
  await page.getByLabel("メールアドレス再入力").fill("ippan@rokin-shoji.example.jp");
  await page.getByRole("button", { name: "確認" }).click();
  assert.equal((await page.textContent("h1")).trim(), "契約ユーザー情報登録確認");
  await page.getByRole("button", { name: "登録", exact: true }).click();
  assert.ok((await page.textContent(".notice-ok")).includes("一般ユーザーを登録しました。"));
  assert.ok((await page.textContent("table")).includes("Ippan001"));
  await shot(page, "rokin-contract-users");
});

test("without JavaScript there is no keyboard and the form still works", async () => {
  const context = await browser.newContext({ locale: "ja-JP", javaScriptEnabled: false });
  const plain = await context.newPage();
  await plain.goto(server.base + "/rokin/login");
  assert.equal(await plain.locator(".skb-open").count(), 0);
  await plain.getByLabel("ユーザーＩＤ").fill("Master01");
  await plain.getByLabel("パスワード", { exact: true }).fill(NEW_PASSWORD);
  await plain.getByRole("button", { name: "ログイン" }).click();
  assert.equal((await plain.textContent("h1")).trim(), "インフォメーション");
  await context.close();
});

const PDF = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

test("the operator uploads a PDF that the user reads and downloads under its Japanese name", async () => {
  // The console, in a browser of its own: the real multipart form (its CSRF token first).
  const console_ = await consoleLogin(browser, server, "rokin");
  await console_.getByRole("link", { name: "マニュアル管理" }).first().click();
  await console_.getByLabel("PDFファイル").setInputFiles({ name: "readme.txt", mimeType: "text/plain", buffer: Buffer.from("not a pdf") });
  await console_.getByLabel("タイトル").fill("テキスト");
  await console_.getByRole("button", { name: "登録", exact: true }).click();
  assert.ok((await console_.textContent(".error-summary")).includes("PDFファイルではありません。"));
  await console_.getByLabel("タイトル").fill("操作マニュアル【事業主編】");
  await console_.getByLabel("PDFファイル").setInputFiles({ name: "操作マニュアル【事業主編】.pdf", mimeType: "application/pdf", buffer: Buffer.from(PDF) });
  await console_.getByRole("button", { name: "登録", exact: true }).click();
  assert.ok((await console_.textContent(".notice-ok")).includes("マニュアルを登録しました。"));
  await shot(console_, "rokin-operator-manuals");
  await console_.close();

  await page.getByRole("link", { name: "マニュアル照会" }).click();
  assert.equal((await page.textContent("h1")).trim(), "マニュアル照会");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "ダウンロード" }).click()]);
  assert.equal(download.suggestedFilename(), "操作マニュアル【事業主編】.pdf");
  // 表示: the browser's own viewer, under the page's strict policy.
  await page.getByRole("link", { name: "表示" }).click();
  await page.waitForTimeout(1000);
  assert.match(page.url(), /\/rokin\/manuals\/\d+$/);
  await shot(page, "rokin-manual-view");
});
