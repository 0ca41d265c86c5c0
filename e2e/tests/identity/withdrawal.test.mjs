// 退会 from the manuals: hellowork (password, then the confirmation page 「退会します。よろしいですか？」, then
// 「アカウントを再登録」 within 30 days with a 認証キー by mail) and jrec-in (退会 with the exit
// survey; no way back).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, openBrowser, japanesePage, shot } from "../helpers.mjs";

let server, browser;
before(async () => {
  server = await startServer();
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const h1 = async (page) => (await page.textContent("h1")).trim();
const CONFIRM = "退会します。よろしいですか？";
const DONE = "退会手続きが完了しました。ご利用ありがとうございました。";
const LOGIN_FAILED = "IDまたはパスワードが正しくありません";

/// Answers the confirmation dialogs one by one from `answers` (true = OK), recording their texts.
function dialogs(page) {
  const seen = [];
  const answers = [];
  page.on("dialog", async (dialog) => {
    seen.push(dialog.message());
    if (answers.length === 0) throw new Error(`unexpected dialog: ${dialog.message()}`);
    (await answers.shift()) ? dialog.accept() : dialog.dismiss();
  });
  return { seen, next: (...a) => answers.push(...a) };
}

/// Waits for a mail to `to` whose subject contains `subject`, newer than the `seen` ones,
/// and returns the digits after `label`.
async function codeFrom(to, subject, label, seen) {
  for (let i = 0; i < 100; i++) {
    const mails = (await server.mails()).filter((m) => m.to === to && m.subject.includes(subject));
    if (mails.length > seen) return mails[0].text.split("\n").find((l) => l.startsWith(label)).replace(/\D/g, "");
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no new mail to ${to} with ${subject}`);
}
const count = async (to, subject) => (await server.mails()).filter((m) => m.to === to && m.subject.includes(subject)).length;

const menu = (page) => page.getByRole("navigation", { name: "メニュー" });

// ---- hellowork ----

const HW_ID = "demo@hellowork.example.jp";
const HW_PASSWORD = "Demo-User-2026";
const OTP_MAIL = "ワンタイムパスワード通知";

async function hwPassword(page) {
  await page.goto(server.base + "/hellowork/login");
  await page.getByLabel("ID（メールアドレス）").fill(HW_ID);
  await page.getByLabel("パスワード").fill(HW_PASSWORD);
  await page.getByRole("button", { name: "ログイン" }).click();
}

async function hwOtp(page, seen, { skip = false } = {}) {
  assert.equal(await h1(page), "ワンタイムパスワード入力");
  const otp = await codeFrom(HW_ID, OTP_MAIL, "ワンタイムパスワード：", seen);
  await page.getByLabel("ワンタイムパスワード", { exact: true }).fill(otp);
  if (skip) await page.getByLabel("次回以降、同じ端末・ブラウザでログインする際にワンタイムパスワードを省略する").check();
  await page.getByRole("button", { name: "送信" }).click();
}

test("hellowork: 退会, login refused, アカウントを再登録 with a 認証キー, one-time password again", async () => {
  const page = await japanesePage(browser);
  const dialog = dialogs(page);

  // Log in, and trust this browser (退会 must end that too).
  let seen = await count(HW_ID, OTP_MAIL);
  await hwPassword(page);
  await hwOtp(page, seen, { skip: true });
  assert.equal(await h1(page), "ワンタイムパスワード省略設定確認");
  await page.getByRole("button", { name: "OK" }).click();
  assert.equal(await h1(page), "求人者マイページホーム");

  await menu(page).getByRole("link", { name: "退会" }).click();
  assert.equal(await h1(page), "退会");
  assert.ok(
    (await page.textContent("main")).includes(
      "退会後30日以内であれば、ログイン画面の「アカウントを再登録」から、以前のメールアドレスとパスワードで利用を再開できます。",
    ),
  );
  assert.equal(await page.locator("fieldset").count(), 0, "no exit survey on hellowork");
  await shot(page, "hellowork-withdraw");

  // A wrong password is refused before anything is asked.
  await page.getByLabel("パスワード").fill("Wrong-Pass-1");
  await page.getByRole("button", { name: "退会" }).click();
  assert.equal(await h1(page), "退会");
  assert.equal(await page.locator("#password-error").textContent(), "パスワードが正しくありません。");

  // The right password: the confirmation page (no dialog); 「いいえ」 goes home, nothing done.
  await page.getByLabel("パスワード").fill(HW_PASSWORD);
  await page.getByRole("button", { name: "退会" }).click();
  assert.equal(await h1(page), "退会確認");
  assert.equal((await page.textContent("#confirm-question")).trim(), CONFIRM);
  await shot(page, "hellowork-withdraw-confirm");
  await page.getByRole("link", { name: "いいえ" }).click();
  assert.equal(await h1(page), "求人者マイページホーム");
  assert.equal(await page.locator(".notice-ok").count(), 0);

  await menu(page).getByRole("link", { name: "退会" }).click();
  await page.getByLabel("パスワード").fill(HW_PASSWORD);
  await page.getByRole("button", { name: "退会" }).click();
  assert.equal(await h1(page), "退会確認");
  await page.getByRole("button", { name: "はい" }).click();
  assert.deepEqual(dialog.seen, [], "confirmed on a page of its own, not in a dialog");
  assert.equal(await h1(page), "退会");
  assert.equal((await page.textContent(".notice-ok")).trim(), DONE);
  assert.ok((await page.textContent("main")).includes("退会後30日以内であれば"));
  await shot(page, "hellowork-withdrawn");

  await page.goto(server.base + "/hellowork/home");
  assert.equal(await h1(page), "求人者マイページログイン", "the session ended");
  await hwPassword(page);
  assert.ok((await page.textContent(".error-summary")).includes(LOGIN_FAILED));
  assert.equal(await h1(page), "求人者マイページログイン");

  // アカウントを再登録: the old address and password, the key from the mail.
  await page.getByRole("link", { name: "アカウントを再登録" }).click();
  assert.equal(await h1(page), "アカウントを再登録");
  await page.getByLabel("ID（メールアドレス）").fill(HW_ID);
  await page.getByLabel("パスワード").fill("Wrong-Pass-1");
  await page.getByRole("button", { name: "次へ進む" }).click();
  assert.ok((await page.textContent(".error-summary")).includes("メールアドレスまたはパスワードが正しくないか"));
  assert.equal(await page.getByLabel("ID（メールアドレス）").inputValue(), HW_ID, "the address is kept");
  await shot(page, "hellowork-return");
  const keys = await count(HW_ID, "アカウント再登録申込受付通知");
  await page.getByLabel("パスワード").fill(HW_PASSWORD);
  await page.getByRole("button", { name: "次へ進む" }).click();
  assert.equal(await h1(page), "認証キー入力");
  const key = await codeFrom(HW_ID, "アカウント再登録申込受付通知", "認証キー：", keys);
  await page.getByLabel("認証キー").fill("00000000");
  await page.getByRole("button", { name: "送信" }).click();
  assert.equal(
    (await page.locator("#key-error").textContent()).trim(),
    "認証キーが正しくないか、有効期限が切れています。はじめからやり直してください。",
  );
  await page.getByLabel("認証キー").fill(key);
  await shot(page, "hellowork-return-key");
  await page.getByRole("button", { name: "送信" }).click();
  assert.equal(await h1(page), "求人者マイページログイン");
  assert.equal(
    (await page.textContent(".notice-ok")).trim(),
    "アカウントを再登録しました。ログインしてください（ワンタイムパスワードの入力が必要です）。",
  );
  await shot(page, "hellowork-returned");

  // Back, but this browser is no longer trusted: the one-time password again.
  seen = await count(HW_ID, OTP_MAIL);
  await hwPassword(page);
  await hwOtp(page, seen);
  assert.equal(await h1(page), "求人者マイページホーム");
  assert.ok((await page.textContent(".user-info")).includes("株式会社ハローワーク商事 様"));
  await page.context().close();
});

// ---- jrec-in ----

async function jrecLogin(page) {
  await page.goto(server.base + "/jrec-in/login");
  await page.getByLabel("ログインID").fill("demo-kikan");
  await page.getByLabel("パスワード").fill("DemoUser2026");
  await page.getByRole("button", { name: "ログイン" }).click();
}

test("jrec-in: 退会 with the exit survey, then the login is refused", async () => {
  const page = await japanesePage(browser);
  const dialog = dialogs(page);
  await jrecLogin(page);
  assert.equal(await h1(page), "求人機関メニュー");
  await menu(page).getByRole("link", { name: "退会" }).click();
  // The manual's order: 退会確認 「はい」 → the survey → 「退会」.
  assert.equal(await h1(page), "退会確認");
  assert.ok((await page.textContent("main")).includes(CONFIRM));
  await shot(page, "jrec-in-withdraw-confirm");
  await page.getByRole("link", { name: "いいえ" }).click();
  assert.equal(await h1(page), "求人機関メニュー");
  await menu(page).getByRole("link", { name: "退会" }).click();
  await page.getByRole("button", { name: "はい" }).click();
  assert.equal(await h1(page), "退会");
  const survey = page.getByRole("group", { name: "退会アンケート（任意）：退会の理由をお聞かせください" });
  assert.deepEqual(
    (await survey.locator("label").allTextContents()).map((s) => s.trim()),
    ["求人・採用が充足した", "応募がなかった", "他のサービスを利用する", "使いにくい", "その他"],
  );
  assert.ok(!(await page.textContent("main")).includes("日以内であれば"), "no way back on jrec-in");

  await page.getByLabel("求人・採用が充足した").check();
  await page.getByLabel("使いにくい").check();
  await page.getByLabel("ご意見・ご要望（任意）").fill("求人の掲載でお世話になりました。");
  await page.getByLabel("パスワード").fill("DemoUser2026");
  await shot(page, "jrec-in-withdraw");
  await page.getByRole("button", { name: "退会" }).click();
  assert.deepEqual(dialog.seen, [], "confirmed on its own screen, not in a dialog");
  assert.equal(await h1(page), "退会");
  assert.equal((await page.textContent(".notice-ok")).trim(), DONE);
  assert.ok(!(await page.textContent("main")).includes("アカウントを再登録"));
  await shot(page, "jrec-in-withdrawn");

  await page.getByRole("link", { name: "トップへ" }).click();
  await jrecLogin(page);
  assert.ok((await page.textContent(".error-summary")).includes(LOGIN_FAILED));
  assert.equal(await h1(page), "求人機関ページ ログイン");
  assert.equal(await page.getByRole("link", { name: "アカウントを再登録" }).count(), 0);
  await page.context().close();
});
