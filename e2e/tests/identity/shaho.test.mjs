// shaho from its manual: アカウントの作成 (メールアドレス → アカウント確認コード → 詳細の追加, matched to
// the contract), the ASP user link at the first login (OK and キャンセル), アカウント管理 with
// 管理者の変更, and the full-seats message. The demo contract: 281234 / 03-1234-5678, 3 seats,
// ASP user IDs abcd8-01..03. The tests run in order and share the server.
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

const CUSTOMER = "281234";
// The demo contract's 管理者登録コード (README): the first account of a contract needs it.
const ADMIN_CODE = "DEMO-ADMIN-2026";
const TEL = "03-1234-5678";
const PASSWORD = "Mado-Guchi-88";
const ADMIN = { email: "kanri@shaho.example.jp", name: "管理 太郎" };
const MEMBER = { email: "ippan@shaho.example.jp", name: "一般 花子" };
const THIRD = { email: "sanban@shaho.example.jp", name: "三番 次郎" };
const FOURTH = { email: "yoban@shaho.example.jp", name: "四番 四郎" };
const LINK_QUESTION =
  "アカウントとASPユーザーの紐づけが必要です。このアカウントを現在使用しているASPユーザーと紐づけますか？";

// Pages kept across tests: each account in a browser context of its own.
let adminPage, memberPage;

const h1 = async (page) => (await page.textContent("h1")).trim();

/// Waits for a mail to `to` whose subject contains `subject`, newer than the `seen` ones.
async function newMail(to, subject, seen = 0) {
  for (let i = 0; i < 100; i++) {
    const mails = (await server.mails()).filter((m) => m.to === to && m.subject.includes(subject));
    if (mails.length > seen) return mails[0];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no new mail to ${to} with ${subject}`);
}

const signupCode = (mail) => mail.text.split("\n").find((l) => l.startsWith("アカウント確認コード：")).replace(/\D/g, "");

/// From the login page's link up to 詳細の追加 (the code entered right).
async function upToDetails(page, email) {
  await page.goto(server.base + "/shaho/login");
  assert.equal(await h1(page), "ログイン");
  await page.getByRole("link", { name: "アカウントをお持ちでない場合、作成できます" }).click();
  assert.equal(await h1(page), "アカウントの作成");
  await page.getByLabel("メールアドレス").fill(email);
  await page.getByRole("button", { name: "次へ" }).click();
  assert.equal(await h1(page), "コードの入力");
  assert.ok((await page.textContent("main")).includes(`${email} にコードを送信しました。`), "the page names the address");
  const code = signupCode(await newMail(email, "アカウント確認コード"));
  assert.match(code, /^\d{8}$/, "an 8-digit アカウント確認コード");
  return code;
}

async function enterCode(page, code) {
  await page.getByLabel("コードの入力").fill(code);
  await page.getByRole("button", { name: "次へ" }).click();
}

async function fillDetails(page, { customer = CUSTOMER, tel = TEL, name }) {
  await page.getByLabel("パスワード", { exact: true }).fill(PASSWORD);
  await page.getByLabel("パスワードを再入力してください").fill(PASSWORD);
  await page.getByLabel("CustomerId").fill(customer);
  await page.getByLabel("表示名").fill(name);
  await page.getByLabel("Tel").fill(tel);
  // Needed by the contract's first account (its 管理者) only; the others leave it unused.
  await page.getByLabel("管理者登録コード").fill(ADMIN_CODE);
}

/// A whole sign-up that works, ending on the login page.
async function signUp(page, { email, name }) {
  const code = await upToDetails(page, email);
  await enterCode(page, code);
  assert.equal(await h1(page), "詳細の追加");
  await fillDetails(page, { name });
  await page.getByRole("button", { name: "次へ" }).click();
}

async function login(page, email) {
  await page.goto(server.base + "/shaho/login");
  await page.getByLabel("メールアドレス").fill(email);
  await page.getByLabel("パスワード").fill(PASSWORD);
  await page.getByRole("button", { name: "ログイン" }).click();
}

// The ASP user IDs offered (the first option, 「選択してください」, has no value).
const offered = (page) => page.getByLabel("ASPユーザーID").locator("option:not([value=''])").allTextContents();

async function linkAsp(page, asp) {
  assert.equal(await h1(page), "ASPユーザーとの紐づけ");
  assert.equal((await page.textContent(".warning-box")).trim(), LINK_QUESTION);
  await page.getByLabel("ASPユーザーID").selectOption({ label: asp });
  await page.getByRole("button", { name: "OK" }).click();
}

const menuLink = (page) => page.getByRole("navigation", { name: "メニュー" }).getByRole("link", { name: "アカウント管理" });

test("アカウントの作成: one wrong field, then the first account, its ASP user and アカウント管理", async () => {
  adminPage = await japanesePage(browser);
  const page = adminPage;
  const code = await upToDetails(page, ADMIN.email);
  await shot(page, "shaho-signup-code");
  await enterCode(page, code);
  assert.equal(await h1(page), "詳細の追加");
  assert.ok((await page.textContent("main")).includes("アカウントをセットアップするには、もう少し情報が必要です。"));

  // A CustomerId that does not start with 28: its message next to it, the rest kept.
  await fillDetails(page, { customer: "291234", name: ADMIN.name });
  await page.getByRole("button", { name: "次へ" }).click();
  assert.equal(await h1(page), "詳細の追加", "still 詳細の追加");
  const message = "CustomerIdは28から始まる6桁の数字で入力してください。";
  assert.ok((await page.textContent(".error-summary")).includes(message));
  const customerField = page.locator(".field").filter({ has: page.getByLabel("CustomerId") });
  assert.equal((await customerField.locator(".error-message").textContent()).trim(), message, "the message is next to the field");
  assert.equal(await page.locator(".field .error-message").count(), 1, "only CustomerId is wrong");
  assert.equal(await page.getByLabel("CustomerId").getAttribute("aria-invalid"), "true");
  assert.equal(await page.getByLabel("CustomerId").inputValue(), "291234", "what was typed is kept");
  assert.equal(await page.getByLabel("表示名").inputValue(), ADMIN.name);
  assert.equal(await page.getByLabel("Tel").inputValue(), TEL);
  assert.equal(await page.getByLabel("パスワード", { exact: true }).inputValue(), "", "the password is not kept");
  await shot(page, "shaho-signup-details-error");

  // Full-width digits for the CustomerId are accepted.
  await page.getByLabel("パスワード", { exact: true }).fill(PASSWORD);
  await page.getByLabel("パスワードを再入力してください").fill(PASSWORD);
  await page.getByLabel("CustomerId").fill("２８１２３４");
  await page.getByLabel("管理者登録コード").fill(ADMIN_CODE);
  await page.getByRole("button", { name: "次へ" }).click();
  assert.equal(await h1(page), "ログイン");
  assert.equal(
    (await page.textContent(".notice-ok")).trim(),
    "アカウントを作成しました。登録したメールアドレスとパスワードでログインしてください。",
  );
  assert.equal(await page.getByLabel("メールアドレス").inputValue(), ADMIN.email, "the new address is filled in");
  await shot(page, "shaho-signup-done");

  await page.getByLabel("パスワード").fill(PASSWORD);
  await page.getByRole("button", { name: "ログイン" }).click();
  assert.equal(await h1(page), "ASPユーザーとの紐づけ");
  assert.deepEqual(await offered(page), ["abcd8-01", "abcd8-02", "abcd8-03"], "every ASP user ID of the contract is free");
  await shot(page, "shaho-link");
  // OK without a choice links nothing: the message stands at the field.
  await page.getByRole("button", { name: "OK" }).click();
  assert.equal(await h1(page), "ASPユーザーとの紐づけ");
  assert.equal((await page.textContent("#asp-error")).trim(), "紐づけるASPユーザーIDを選択してください。");
  await linkAsp(page, "abcd8-01");
  assert.equal(await h1(page), "メニュー");
  assert.ok((await page.textContent(".user-info")).includes(ADMIN.name));
  assert.equal(await menuLink(page).count(), 1, "the first account is the 管理者");
  await shot(page, "shaho-menu-admin");
});

test("a second account signs up in another browser and links abcd8-02", async () => {
  memberPage = await japanesePage(browser);
  const page = memberPage;
  const code = await upToDetails(page, MEMBER.email);
  await enterCode(page, "00000000");
  assert.ok((await page.textContent(".error-summary")).includes("コードが正しくありません。"));
  assert.equal(await h1(page), "コードの入力");
  await enterCode(page, code);
  assert.equal(await h1(page), "詳細の追加");
  await fillDetails(page, { name: MEMBER.name, tel: "0312345678" }); // without hyphens
  await page.getByRole("button", { name: "次へ" }).click();
  assert.ok((await page.textContent(".notice-ok")).includes("アカウントを作成しました。"));

  await login(page, MEMBER.email);
  assert.deepEqual(await offered(page), ["abcd8-02", "abcd8-03"], "abcd8-01 is taken");
  await linkAsp(page, "abcd8-02");
  assert.equal(await h1(page), "メニュー");
  assert.ok((await page.textContent(".user-info")).includes(MEMBER.name));
  assert.equal(await menuLink(page).count(), 0, "not the 管理者");
  const status = await page.evaluate(async () => (await fetch("/shaho/accounts")).status);
  assert.equal(status, 404, "アカウント管理 is not for members");
  await shot(page, "shaho-menu-member");
});

test("アカウント管理: the admin hands the 管理者 role to the second account", async () => {
  const page = adminPage;
  await page.goto(server.base + "/shaho/home");
  await menuLink(page).click();
  assert.equal(await h1(page), "アカウント管理");
  assert.ok((await page.textContent("main")).includes("契約数 3 / 使用中 2"));
  const adminRow = page.getByRole("row").filter({ hasText: ADMIN.email });
  const memberRow = page.getByRole("row").filter({ hasText: MEMBER.email });
  assert.deepEqual(
    (await adminRow.getByRole("cell").allTextContents()).slice(0, 3).map((s) => s.trim()),
    [`${ADMIN.name} （管理者）`, "abcd8-01", ADMIN.email],
  );
  assert.deepEqual(
    (await memberRow.getByRole("cell").allTextContents()).slice(0, 3).map((s) => s.trim()),
    [MEMBER.name, "abcd8-02", MEMBER.email],
  );
  assert.equal(await adminRow.getByRole("link").count(), 0, "nothing can be done to the admin's own account");
  await shot(page, "shaho-accounts");

  // キャンセル first: back to the list, nothing changed.
  await memberRow.getByRole("link", { name: "管理者の変更" }).click();
  assert.equal(await h1(page), "管理者の変更");
  assert.ok((await page.textContent(".warning-box")).includes("次のアカウントを管理者に変更します。"));
  assert.ok((await page.textContent(".summary")).includes(MEMBER.name));
  await page.getByRole("button", { name: "キャンセル" }).click();
  assert.equal(await h1(page), "アカウント管理");
  assert.ok((await page.getByRole("row").filter({ hasText: ADMIN.email }).textContent()).includes("（管理者）"));

  const mailsBefore = (await server.mails()).filter((m) => m.to === MEMBER.email && m.subject.includes("アカウント設定変更のお知らせ")).length;
  await page.getByRole("row").filter({ hasText: MEMBER.email }).getByRole("link", { name: "管理者の変更" }).click();
  await shot(page, "shaho-transfer-confirm");
  await page.getByRole("button", { name: "OK" }).click();
  assert.equal(await h1(page), "メニュー");
  assert.equal((await page.textContent(".notice-ok")).trim(), "管理者を変更しました。");
  assert.equal(await menuLink(page).count(), 0, "the former admin has no アカウント管理");
  await shot(page, "shaho-menu-after-transfer");
  const status = await page.evaluate(async () => (await fetch("/shaho/accounts")).status);
  assert.equal(status, 404);

  const mail = await newMail(MEMBER.email, "アカウント設定変更のお知らせ", mailsBefore);
  assert.ok(mail.text.includes("あなたのアカウントが管理者になりました。"), mail.text);
  assert.ok(mail.text.includes(ADMIN.name), "the mail names the admin who did it");

  await memberPage.goto(server.base + "/shaho/home");
  await menuLink(memberPage).click();
  assert.equal(await h1(memberPage), "アカウント管理");
  const rows = memberPage.getByRole("row");
  assert.ok((await rows.filter({ hasText: MEMBER.email }).textContent()).includes("（管理者）"));
  assert.ok(!(await rows.filter({ hasText: ADMIN.email }).textContent()).includes("（管理者）"));
  assert.equal(await rows.filter({ hasText: ADMIN.email }).getByRole("link", { name: "管理者の変更" }).count(), 1);
});

test("キャンセル on the ASP link screen ends the session and the login page says why", async () => {
  const page = await japanesePage(browser);
  await signUp(page, THIRD);
  assert.ok((await page.textContent(".notice-ok")).includes("アカウントを作成しました。"));
  await login(page, THIRD.email);
  assert.deepEqual(await offered(page), ["abcd8-03"], "only the last ASP user ID is free");
  await page.getByRole("button", { name: "キャンセル" }).click();
  assert.equal(await h1(page), "ログイン");
  assert.ok(
    (await page.textContent(".error-summary")).includes(
      "ASPユーザーと紐づけられていないアカウントはご利用いただけません。紐づけを行うには、もう一度ログインしてください。",
    ),
  );
  assert.equal(await page.getByLabel("メールアドレス").inputValue(), THIRD.email);
  await shot(page, "shaho-link-cancelled");
  await page.goto(server.base + "/shaho/home");
  assert.equal(await h1(page), "ログイン", "no session any more");
  assert.ok(new URL(page.url()).pathname.endsWith("/shaho/login"));

  // The next login asks again.
  await login(page, THIRD.email);
  await linkAsp(page, "abcd8-03");
  assert.equal(await h1(page), "メニュー");
  await page.context().close();
});

test("a fourth account: 「アカウント作成エラー」 when every seat is taken", async () => {
  const page = await japanesePage(browser);
  await signUp(page, FOURTH);
  assert.equal(await h1(page), "詳細の追加");
  const summary = page.locator(".error-summary").filter({ hasText: "アカウント作成エラー" });
  assert.equal((await summary.locator("h2").textContent()).trim(), "アカウント作成エラー");
  assert.equal((await summary.locator("p").textContent()).trim(), "登録アカウントがいっぱいです。現在の契約数は3アカウントです。");
  await shot(page, "shaho-signup-full");
  await login(page, FOURTH.email);
  assert.ok((await page.textContent(".error-summary")).includes("IDまたはパスワードが正しくありません"), "no account was made");
  await page.context().close();

  await memberPage.goto(server.base + "/shaho/accounts");
  assert.ok((await memberPage.textContent("main")).includes("契約数 3 / 使用中 3"));
  assert.equal(await memberPage.getByRole("row").filter({ hasText: FOURTH.email }).count(), 0);
});
