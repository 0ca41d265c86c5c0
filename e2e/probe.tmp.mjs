import { startServer, openBrowser, japanesePage } from "/work/main/e2e/tests/helpers.mjs";
const server = await startServer(); const browser = await openBrowser(); const page = await japanesePage(browser);
try {
const EMAIL = "operator@rokin.example.jp";
await page.goto(server.base + "/rokin/operator/login");
await page.getByLabel("メールアドレス").fill(EMAIL);
await page.getByLabel("パスワード").fill("Demo-Operator-2026");
await page.getByRole("button", { name: "ログイン" }).click();
console.log(await page.title());
const m = (await server.mails())[0]; console.log(m.subject); console.log(m.text);
const code = await server.codeFrom(EMAIL, "オペレーターログイン確認コード", "確認コード：");
await page.getByLabel("確認コード").fill(code);
await page.getByRole("button", { name: "送信" }).click();
console.log(await page.title(), page.url());
await page.getByRole("link", { name: "連絡事項の管理" }).first().click();
console.log(page.url());
await page.getByRole("link", { name: "新規作成" }).click();
console.log(page.url());
console.log(await page.locator("main").innerHTML());
} finally { await browser.close(); await server.stop(); }
