// shaho's アカウント管理 module beyond the ASP link (modules/shaho.md, its three acceptance
// checks), in Chromium against the demo: 1. the 管理者 sees 「契約数 3 / 使用中 2」 and downloads
// the 管理者用操作マニュアル under its Japanese name, a member has no link and gets 403;
// 2. an account turns 二段階認証 on (the next login asks for the mailed code) and off (the next
// login does not), a mail each time, the 管理者 sees the state with no switch; 3. the operator
// puts a PDF on the demo contract's document shelf: both accounts download it, an account of
// another contract neither sees it nor gets it. The tests run in order and share the server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startServer, openBrowser, japanesePage, shot, consoleLogin } from "../helpers.mjs";

let server, browser;
before(async () => {
  server = await startServer();
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const CUSTOMER = "281234";
const TEL = "03-1234-5678";
const PASSWORD = "Mado-Guchi-88";
// The demo contract's 管理者登録コード (README): its first account, the 管理者, types it.
const DEMO_ADMIN_CODE = "DEMO-ADMIN-2026";
const ADMIN = { email: "kanri@shaho-mod.example.jp", name: "管理 太郎" };
const MEMBER = { email: "ippan@shaho-mod.example.jp", name: "一般 花子" };
const OTHER = { email: "betsu@shaho-mod.example.jp", name: "別所 次郎" };
const SUBJECT = "【次世代社労法務システム】二段階認証の設定を変更しました";

let adminPage, memberPage, documentPath;

const h1 = async (page) => (await page.textContent("h1")).trim();
const main = async (page) => page.textContent("main");
const menu = (page) => page.getByRole("navigation", { name: "メニュー" });

async function mailsTo(to, subject) {
  return (await server.mails()).filter((m) => m.to === to && m.subject.includes(subject));
}

/// Waits for the `n`-th mail to `to` with `subject`; returns the newest.
async function nthMail(to, subject, n) {
  for (let i = 0; i < 100; i++) {
    const mails = await mailsTo(to, subject);
    if (mails.length >= n) return mails[0];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail #${n} to ${to} with ${subject}`);
}

/// アカウントの作成 against a contract, then the first login and the ASP link: ends on メニュー.
async function signUpAndLink(page, { email, name }, { customer = CUSTOMER, tel = TEL, asp, adminCode = "" }) {
  await page.goto(server.base + "/shaho/signup");
  await page.getByLabel("メールアドレス").fill(email);
  await page.getByRole("button", { name: "次へ" }).click();
  const code = await server.codeFrom(email, "アカウント確認コード", "アカウント確認コード：");
  await page.getByLabel("コードの入力").fill(code);
  await page.getByRole("button", { name: "次へ" }).click();
  await page.getByLabel("パスワード", { exact: true }).fill(PASSWORD);
  await page.getByLabel("パスワードを再入力してください").fill(PASSWORD);
  await page.getByLabel("CustomerId").fill(customer);
  await page.getByLabel("表示名").fill(name);
  await page.getByLabel("Tel").fill(tel);
  await page.getByLabel("管理者登録コード").fill(adminCode);
  await page.getByRole("button", { name: "次へ" }).click();
  assert.ok((await page.textContent(".notice-ok")).includes("アカウントを作成しました。"));
  await page.getByLabel("パスワード").fill(PASSWORD);
  await page.getByRole("button", { name: "ログイン" }).click();
  assert.equal(await h1(page), "ASPユーザーとの紐づけ");
  await page.getByLabel("ASPユーザーID").selectOption({ label: asp });
  await page.getByRole("button", { name: "OK" }).click();
  assert.equal(await h1(page), "メニュー");
}

async function login(page, email) {
  await page.goto(server.base + "/shaho/login");
  await page.getByLabel("メールアドレス").fill(email);
  await page.getByLabel("パスワード").fill(PASSWORD);
  await page.getByRole("button", { name: "ログイン" }).click();
}

async function logout(page) {
  await page.goto(server.base + "/shaho/home");
  await page.getByRole("button", { name: "ログアウト" }).click();
}

test("1. the 管理者 sees 契約数 3 / 使用中 2 and downloads the 管理者用操作マニュアル; a member gets 403", async () => {
  adminPage = await japanesePage(browser);
  await signUpAndLink(adminPage, ADMIN, { asp: "abcd8-01", adminCode: DEMO_ADMIN_CODE });
  memberPage = await japanesePage(browser);
  await signUpAndLink(memberPage, MEMBER, { asp: "abcd8-02" });

  await menu(adminPage).getByRole("link", { name: "アカウント管理" }).click();
  assert.equal(await h1(adminPage), "アカウント管理");
  assert.equal((await adminPage.textContent("#seats")).trim(), "契約数 3 / 使用中 2");
  const link = adminPage.getByRole("link", { name: "管理者用操作マニュアル", exact: true });
  assert.equal(await link.count(), 1);
  await shot(adminPage, "shaho-accounts-seats-manual");
  const [download] = await Promise.all([adminPage.waitForEvent("download"), link.click()]);
  assert.equal(download.suggestedFilename(), "管理者用操作マニュアル.pdf");
  assert.equal(readFileSync(await download.path()).subarray(0, 5).toString(), "%PDF-");
  const href = await link.getAttribute("href");

  // The member: no アカウント管理, so no link; the address itself answers 403 and says why.
  await memberPage.goto(server.base + "/shaho/home");
  assert.equal(await menu(memberPage).getByRole("link", { name: "アカウント管理" }).count(), 0);
  assert.equal(await memberPage.getByRole("link", { name: "管理者用操作マニュアル" }).count(), 0);
  const refused = await memberPage.goto(server.base + href);
  assert.equal(refused.status(), 403);
  assert.ok((await main(memberPage)).includes("管理者用操作マニュアルは、アカウントの管理者のみダウンロードできます。"));
  await shot(memberPage, "shaho-admin-manual-403");
});

test("2. 二段階認証: on ⇒ the next login asks for the mailed code; off ⇒ it does not; the 管理者 only sees it", async () => {
  const page = memberPage;
  await page.goto(server.base + "/shaho/home");
  await menu(page).getByRole("link", { name: "二段階認証の設定" }).click();
  assert.equal(await h1(page), "二段階認証の設定");
  assert.equal((await page.textContent("#code-state")).trim(), "無効");
  // A wrong password changes nothing; the message stands at the field.
  await page.getByLabel("パスワード").fill("Wrong-Pass-99");
  await page.getByRole("button", { name: "二段階認証を有効にする" }).click();
  assert.equal((await page.textContent("#password-error")).trim(), "パスワードが正しくありません。");
  assert.ok((await page.textContent(".error-summary")).includes("パスワードが正しくありません。"));
  assert.equal((await page.textContent("#code-state")).trim(), "無効");
  await page.getByLabel("パスワード").fill(PASSWORD);
  await page.getByRole("button", { name: "二段階認証を有効にする" }).click();
  assert.equal((await page.textContent("#code-state")).trim(), "有効");
  const on = await nthMail(MEMBER.email, SUBJECT, 1);
  assert.ok(on.text.includes("変更後の設定：有効"), on.text);
  await shot(page, "shaho-login-code-on");

  // The 管理者 sees 設定あり on the member's line, and no switch for it.
  await adminPage.goto(server.base + "/shaho/accounts");
  const row = adminPage.getByRole("row").filter({ hasText: MEMBER.email });
  assert.ok((await row.textContent()).includes("設定あり"));
  for (const a of await row.getByRole("link").all()) {
    assert.ok(!(await a.getAttribute("href")).includes("login-code"), "no switch for another account");
  }
  assert.equal(await row.getByRole("button").count(), 0);

  await logout(page);
  await login(page, MEMBER.email);
  assert.equal(await h1(page), "確認コードの入力", "the login asks for the code");
  const code = await server.codeFrom(MEMBER.email, "ログイン確認コード", "確認コード：");
  await page.getByLabel("確認コード").fill(code);
  await page.getByRole("button", { name: "送信" }).click();
  assert.equal(await h1(page), "メニュー");

  // Off: the password again.
  await menu(page).getByRole("link", { name: "二段階認証の設定" }).click();
  await page.getByRole("button", { name: "二段階認証を無効にする" }).click();
  assert.ok((await page.textContent(".error-summary")).includes("パスワードを入力してください"));
  assert.equal((await page.textContent("#code-state")).trim(), "有効");
  await page.getByLabel("パスワード").fill(PASSWORD);
  await page.getByRole("button", { name: "二段階認証を無効にする" }).click();
  assert.equal((await page.textContent("#code-state")).trim(), "無効");
  const off = await nthMail(MEMBER.email, SUBJECT, 2);
  assert.ok(off.text.includes("変更後の設定：無効"), off.text);

  await logout(page);
  await login(page, MEMBER.email);
  assert.equal(await h1(page), "メニュー", "no code any more");
  await adminPage.goto(server.base + "/shaho/accounts");
  assert.ok((await adminPage.getByRole("row").filter({ hasText: MEMBER.email }).textContent()).includes("設定なし"));
});

test("3. the operator shelves a PDF for the demo contract: its accounts download it, another contract's cannot", async () => {
  const op = await consoleLogin(browser, server, "shaho");

  // A second contract, made in the console, with an account of its own.
  await op.getByRole("link", { name: "契約の管理" }).first().click();
  await op.getByLabel("組織名").fill("別所労務管理事務所");
  await op.getByLabel("CustomerId").fill("285555");
  await op.getByLabel("電話番号").fill("06-1111-2222");
  await op.getByLabel("契約数").fill("2");
  await op.getByLabel("ASPユーザーID").fill("zz-01 zz-02");
  await op.getByRole("button", { name: "登録", exact: true }).click();
  assert.ok((await op.textContent(".notice-ok")).includes("285555"));
  // Its first account needs a 管理者登録コード, which the operator issues and hands over.
  await op.getByRole("button", { name: "管理者登録コードを発行" }).click();
  const otherCode = (await op.textContent("#admin-code")).trim();

  await op.getByRole("link", { name: `ドキュメント: ${CUSTOMER}` }).click();
  assert.ok((await h1(op)).startsWith("ドキュメント"));
  const title = "社労法務システムクラウド(ASP)利用契約約款";
  // Not a PDF: the message at the field, the title kept.
  await op.getByLabel("タイトル").fill(title);
  await op.getByLabel(/^PDFファイル/).setInputFiles({ name: "約款.txt", mimeType: "text/plain", buffer: Buffer.from("not a pdf") });
  await op.getByRole("button", { name: "登録", exact: true }).click();
  assert.equal((await op.textContent("#file-error")).trim(), "PDFファイルではありません。PDFファイルを選択してください。");
  assert.equal(await op.getByLabel("タイトル").inputValue(), title);
  const pdf = readFileSync(new URL("../../../crates/madoguchi/demo/document.pdf", import.meta.url));
  await op.getByLabel(/^PDFファイル/).setInputFiles({ name: `${title}.pdf`, mimeType: "application/pdf", buffer: pdf });
  await op.getByRole("button", { name: "登録", exact: true }).click();
  assert.equal((await op.textContent(".notice-ok")).trim(), "ドキュメントを登録しました。");
  await shot(op, "shaho-operator-documents");
  await op.context().close();

  // Both accounts of the contract download it under its Japanese name.
  for (const page of [adminPage, memberPage]) {
    await page.goto(server.base + "/shaho/home");
    await menu(page).getByRole("link", { name: "ドキュメント" }).click();
    assert.equal(await h1(page), "ドキュメント");
    const link = page.getByRole("link", { name: title });
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    assert.equal(download.suggestedFilename(), `${title}.pdf`);
    assert.ok(readFileSync(await download.path()).equals(pdf));
    documentPath = await link.getAttribute("href");
  }
  await shot(memberPage, "shaho-documents");

  // An account of the other contract: not listed, and the address answers 404.
  const other = await japanesePage(browser);
  await signUpAndLink(other, OTHER, { customer: "285555", tel: "06-1111-2222", asp: "zz-01", adminCode: otherCode });
  await menu(other).getByRole("link", { name: "ドキュメント" }).click();
  assert.equal(await other.getByRole("link", { name: title }).count(), 0);
  const refused = await other.goto(server.base + documentPath);
  assert.equal(refused.status(), 404);
  await other.context().close();
});
