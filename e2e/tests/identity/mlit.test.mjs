// mlit-fwms from its manual: ログイン認証, ID／パスワード紛失 (ID and password), and
// パスワード設定／変更 from the login screen with the reissued temporary password.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, openBrowser, japanesePage, shot } from "../helpers.mjs";

let server, browser, page;
const dialogs = [];
before(async () => {
  server = await startServer();
  browser = await openBrowser();
  page = await japanesePage(browser);
  // The manual's 「よろしいですか？」 are pages of their own now: a dialog would be a regression.
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    dialog.dismiss();
  });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const ID = "kensetsu01";
const MAIL = "demo@mlit-fwms.example.jp";

test("ID紛失 mails the login ID", async () => {
  await page.goto(server.base + "/mlit-fwms/");
  await page.getByRole("link", { name: "ログイン画面へ" }).click();
  assert.equal((await page.textContent("h1")).trim(), "ログイン認証");
  await page.getByRole("link", { name: "ID／パスワードを忘れた方はこちら" }).click();
  assert.equal((await page.textContent("h1")).trim(), "ID／パスワード紛失");
  await page.getByLabel("ID紛失").check();
  await page.getByLabel("メールアドレス").fill(MAIL);
  await shot(page, "mlit-lost-id");
  await page.getByRole("button", { name: "再発行（メール送信）" }).click();
  // Checked, then the manual's 登録確認メッセージ naming what is asked for.
  assert.equal((await page.textContent("#confirm-question")).trim(), "再発行します。よろしいですか？");
  assert.ok((await page.textContent("main")).includes(MAIL));
  await shot(page, "mlit-lost-id-confirm");
  await page.getByRole("button", { name: "はい" }).click();
  assert.ok((await page.textContent(".notice-ok")).includes("受け付けました"));
  const mail = (await server.mails()).find((m) => m.subject.includes("ログインIDのお知らせ"));
  assert.ok(mail.text.includes(ID));
});

test("パスワード紛失, then パスワード設定／変更 from the temporary password", async () => {
  await page.goto(server.base + "/mlit-fwms/recover");
  await page.getByLabel("パスワード紛失").check();
  await page.getByLabel("ログインID").fill(ID);
  await page.getByLabel("メールアドレス").fill(MAIL);
  await page.getByRole("button", { name: "再発行（メール送信）" }).click();
  await page.getByRole("button", { name: "はい" }).click();
  let temporary;
  for (let i = 0; i < 50 && !temporary; i++) {
    const mail = (await server.mails()).find((m) => m.subject.includes("仮パスワード発行のお知らせ"));
    temporary = mail?.text.split("\n").find((l) => l.startsWith("仮パスワード："))?.slice("仮パスワード：".length).trim();
    if (!temporary) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(temporary, "a temporary password mail");

  await page.getByRole("link", { name: "パスワードを設定、変更する場合はこちら" }).click();
  assert.equal((await page.textContent("h1")).trim(), "パスワード設定／変更");
  await page.getByLabel("仮パスワードからの設定").check();
  await page.getByLabel("ログインID").fill(ID);
  await page.getByLabel("旧パスワード").fill(temporary);
  // 建設 太郎 / kensetsu01: a run of 3 characters of the login ID is refused.
  await page.getByLabel("新規パスワード", { exact: true }).fill("Xkensetsu1");
  await page.getByLabel("新規パスワード（再確認）").fill("Xkensetsu1");
  // The manual's button and way back.
  assert.equal(await page.getByRole("link", { name: "ログイン画面", exact: true }).count(), 1);
  await page.getByRole("button", { name: "パスワード設定／変更" }).click();
  // A refused password is told before any confirmation.
  assert.ok((await page.textContent(".error-summary")).includes("連続した3文字以上"));
  assert.equal(await page.locator("#confirm-question").count(), 0);
  assert.equal(await page.inputValue("#login_id"), ID, "the login ID is kept");
  await shot(page, "mlit-password-set-error");
  await page.getByLabel("仮パスワードからの設定").check();
  await page.getByLabel("旧パスワード").fill(temporary);
  await page.getByLabel("新規パスワード", { exact: true }).fill("Mado-Guchi-88");
  await page.getByLabel("新規パスワード（再確認）").fill("Mado-Guchi-88");
  await page.getByRole("button", { name: "パスワード設定／変更" }).click();
  assert.equal((await page.textContent("#confirm-question")).trim(), "パスワードを設定します。よろしいですか？");
  await shot(page, "mlit-password-set-confirm");
  await page.getByRole("button", { name: "はい" }).click();
  assert.ok((await page.textContent(".notice-ok")).includes("パスワードを設定しました。"));

  await page.getByLabel("ログインID").fill(ID);
  await page.getByLabel("パスワード").fill("Mado-Guchi-88");
  await page.getByRole("button", { name: "ログイン" }).click();
  assert.equal((await page.textContent("h1")).trim(), "メニュー");
  assert.ok((await page.textContent(".user-info")).includes("窓口建設株式会社 様"));
  await shot(page, "mlit-menu");
});

test("利用者仮申請 → 利用者本申請 → メニュー", async () => {
  await page.goto(server.base + "/mlit-fwms/");
  await page.getByRole("link", { name: "仮登録はこちら" }).click();
  assert.equal((await page.textContent("h1")).trim(), "利用者仮申請");
  await page.getByLabel("ログインＩＤ", { exact: true }).fill("tanaka01");
  await page.getByLabel("ログインＩＤ(再確認)").fill("tanaka01");
  await page.getByLabel("メールアドレス", { exact: true }).fill("tanaka@kensetsu.example.jp");
  await page.getByLabel("メールアドレス(再確認)").fill("tanaka@kensetsu.example.jp");
  await shot(page, "mlit-apply");
  await page.getByRole("button", { name: "利用者仮申請" }).click();
  assert.equal((await page.textContent("#confirm-question")).trim(), "仮申請します。よろしいですか？");
  // 「いいえ」: back to the form as typed; then 「はい」.
  await page.getByRole("button", { name: "いいえ" }).click();
  assert.equal(await page.getByLabel("ログインＩＤ(再確認)").inputValue(), "tanaka01");
  await page.getByRole("button", { name: "利用者仮申請" }).click();
  await page.getByRole("button", { name: "はい" }).click();
  assert.ok((await page.textContent(".notice-ok")).includes("仮申請を受け付けました。"));
  let temporary;
  for (let i = 0; i < 50 && !temporary; i++) {
    const mail = (await server.mails()).find((m) => m.to === "tanaka@kensetsu.example.jp");
    temporary = mail?.text.split("\n").find((l) => l.startsWith("仮パスワード："))?.slice("仮パスワード：".length).trim();
    if (!temporary) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(temporary);

  await page.goto(server.base + "/mlit-fwms/");
  await page.getByRole("link", { name: "本登録はこちら" }).click();
  assert.equal((await page.textContent("h1")).trim(), "利用者本申請");
  await page.getByLabel("ログインＩＤ").fill("tanaka01");
  await page.getByLabel("仮パスワード").fill(temporary);
  await page.getByLabel("新規パスワード", { exact: true }).fill("Mado-Guchi-88");
  await page.getByLabel("新規パスワード(再確認)").fill("Mado-Guchi-88");
  await page.getByRole("button", { name: "利用者本申請" }).click();
  assert.equal((await page.textContent("#confirm-question")).trim(), "登録します。よろしいですか？");
  await page.getByRole("button", { name: "はい" }).click();
  assert.equal((await page.textContent("h1")).trim(), "メニュー");
  assert.deepEqual(dialogs, [], "no confirmation is a dialog");
  assert.ok((await page.textContent(".notices")).includes("デモ環境です"));
  await shot(page, "mlit-registered-menu");
});
