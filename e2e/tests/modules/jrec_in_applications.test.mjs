// jrec-in's Web応募 (modules seekers and applications; docs/SEEKERS.md, docs/APPLICATIONS.md) in
// Chromium: a researcher registers (ユーザ登録 with the mailed code), finds a demo posting that
// takes Web応募 in the public search, applies with one PDF and gets an 応募受付ID; the
// institution finds it in 求人公募情報の応募状況確認 → 応募情報一覧 → 詳細, opens the document and
// sets 受理済 with 通知する; the researcher's 応募履歴 shows 受理済 and the status mail arrived.
// Then the institution checks the row on 応募情報一覧 and downloads the documents as one ZIP
// (the entry `<応募受付ID>_<name>` and 応募者一覧.csv inside), and its 管理者 reads both hand-outs
// in 応募書類のダウンロード履歴. The server is the demo;
// the clock is the helpers' Tuesday 2026-11-24 10:00 JST. The tests run in order.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, openBrowser, japanesePage, shot } from "../helpers.mjs";

const SEEKER = { email: "kenkyu@e2e.example.jp", password: "Kenkyu2026x", name: "研究 花子" };
const INSTITUTION = { id: "demo-kikan", password: "DemoUser2026" };
const POSTING = "ポスドク研究員（知能情報学）";
const h1 = async (page) => (await page.textContent("h1")).trim();
const main = async (page) => await page.textContent("main");

/// A small real PDF: the document is judged by its content.
const PDF = Buffer.from(
  "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
    "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
);

let server, browser, seeker, institution, receipt;
before(async () => {
  server = await startServer();
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/// The newest mail to `to` whose subject or text holds `words` (waiting for the outbox).
async function mailTo(to, words) {
  for (let i = 0; i < 50; i++) {
    const mail = (await server.mails()).find((m) => m.to === to && (m.subject.includes(words) || m.text.includes(words)));
    if (mail) return mail;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${to} with ${words}`);
}

test("a researcher registers with the mailed code and logs in", async () => {
  seeker = await japanesePage(browser);
  await seeker.goto(`${server.base}/jrec-in/seeker/register`);
  assert.equal(await h1(seeker), "ユーザ登録");
  await seeker.locator("#email").fill(SEEKER.email);
  await seeker.getByRole("button", { name: "次へ" }).click();
  const code = await server.codeFrom(SEEKER.email, "アカウント確認コード", "アカウント確認コード：");
  await seeker.locator("#code").fill(code);
  await seeker.getByRole("button", { name: "次へ" }).click();
  await seeker.locator("#name").fill(SEEKER.name);
  await seeker.locator("#furigana").fill("ケンキュウ ハナコ");
  await seeker.locator("#password").fill(SEEKER.password);
  await seeker.locator("#password_again").fill(SEEKER.password);
  await seeker.getByRole("button", { name: "登録する" }).click();
  assert.ok((await main(seeker)).includes("ユーザ登録が完了しました。"));
  await seeker.goto(`${server.base}/jrec-in/seeker/login`);
  await seeker.locator("#email").fill(SEEKER.email);
  await seeker.locator("#password").fill(SEEKER.password);
  await seeker.getByRole("button", { name: "ログイン" }).click();
  assert.ok(seeker.url().endsWith("/jrec-in/seeker/home"), seeker.url());
});

test("the researcher finds a posting in the public search and applies with one PDF", async () => {
  await seeker.goto(`${server.base}/jrec-in/postings`);
  await seeker.getByRole("link", { name: POSTING }).first().click();
  await seeker.getByRole("link", { name: "Web応募する" }).click();
  await seeker.locator("#furigana").fill("ケンキュウ ハナコ");
  await seeker.locator("#phone").fill("03-1234-5678");
  await seeker.locator("#affiliation").fill("窓口大学 理学部");
  await seeker.locator("#message").fill("よろしくお願いいたします。");
  await seeker.locator("#file").setInputFiles({ name: "応募書類.pdf", mimeType: "application/pdf", buffer: PDF });
  await shot(seeker, "application-form");
  await seeker.getByRole("button", { name: "確認画面へ" }).click();
  assert.ok((await main(seeker)).includes("応募書類.pdf"));
  await seeker.getByRole("button", { name: "応募する" }).click();
  const done = await main(seeker);
  assert.ok(done.includes("Web応募を受け付けました。"), done);
  receipt = done.match(/E[0-9A-Z]{9}/)?.[0];
  assert.ok(receipt, done);
  await mailTo(SEEKER.email, receipt);
  await shot(seeker, "application-filed");
});

test("the institution finds the application, opens the document and sets 受理済 with 通知する", async () => {
  institution = await japanesePage(browser);
  await institution.goto(`${server.base}/jrec-in/login`);
  await institution.getByLabel("ログインID").fill(INSTITUTION.id);
  await institution.getByLabel("パスワード").fill(INSTITUTION.password);
  await institution.getByRole("button", { name: "ログイン" }).click();
  await institution.getByRole("link", { name: "求人公募情報の応募状況確認" }).first().click();
  assert.equal(await h1(institution), "求人公募情報の応募状況確認");
  const row = institution.locator("tr").filter({ hasText: POSTING });
  await row.getByRole("link", { name: "1" }).first().click();
  assert.equal(await h1(institution), "応募情報一覧");
  await institution.getByRole("link", { name: receipt }).click();
  assert.ok((await main(institution)).includes(SEEKER.name));
  const href = await institution.getByRole("link", { name: "応募書類.pdf" }).getAttribute("href");
  const document = await institution.request.get(`${server.base}${href}`);
  assert.equal(document.status(), 200);
  assert.equal((await document.body()).subarray(0, 5).toString(), "%PDF-");
  await institution.locator("#status").selectOption({ label: "受理済" });
  await institution.check("#notify-yes");
  await institution.locator("#notice").fill("書類選考の結果は追ってお知らせします。");
  await institution.locator("#note").fill("学内の選考委員会へ回付（応募者には見えない備考）");
  await institution.getByRole("button", { name: "確認", exact: true }).click();
  assert.equal(await h1(institution), "応募状況の変更 確認");
  await institution.getByRole("button", { name: "変更", exact: true }).click();
  assert.ok((await main(institution)).includes("受理済"));
  await shot(institution, "application-changed");
});

test("the researcher's 応募履歴 shows 受理済, without the institution's note", async () => {
  const mail = await mailTo(SEEKER.email, "応募状況");
  assert.ok(!mail.text.includes("選考委員会"), mail.text);
  await seeker.goto(`${server.base}/jrec-in/seeker/home`);
  await seeker.getByRole("link", { name: "応募履歴" }).first().click();
  assert.equal(await h1(seeker), "応募履歴");
  const history = await main(seeker);
  assert.ok(history.includes(receipt) && history.includes("受理済"), history);
  assert.ok(!history.includes("選考委員会"));
});

test("the institution checks the row and downloads the documents as one ZIP", async () => {
  await institution.getByRole("link", { name: "応募情報一覧" }).first().click();
  assert.equal(await h1(institution), "応募情報一覧");
  await institution.getByRole("checkbox", { name: receipt }).check();
  const [download] = await Promise.all([
    institution.waitForEvent("download"),
    institution.getByRole("button", { name: "応募書類のダウンロード" }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^応募書類_D\d{9}_\d{12}\.zip$/);
  const zip = await new Promise(async (resolve, reject) => {
    const chunks = [];
    const stream = await download.createReadStream();
    stream.on("data", (c) => chunks.push(c)).on("end", () => resolve(Buffer.concat(chunks))).on("error", reject);
  });
  assert.equal(zip.subarray(0, 2).toString(), "PK");
  // Entry names are stored as written (UTF-8 flag), so they can be found in the bytes.
  assert.ok(zip.includes(Buffer.from(`${receipt}_応募書類.pdf`)), "the document's entry");
  assert.ok(zip.includes(Buffer.from("応募者一覧.csv")), "the index");
});

test("the institution's 管理者 reads who downloaded the documents", async () => {
  await institution.goto(`${server.base}/jrec-in/home`);
  await institution.getByRole("link", { name: "応募書類のダウンロード履歴" }).click();
  assert.equal(await h1(institution), "応募書類のダウンロード履歴");
  const rows = institution.locator("tbody tr");
  // Opened once from 詳細, once in the ZIP; newest first.
  assert.equal(await rows.count(), 2);
  assert.ok((await rows.nth(0).textContent()).includes(".zip"));
  assert.ok((await rows.nth(1).textContent()).includes("応募書類.pdf"));
  assert.ok((await rows.nth(1).textContent()).includes(INSTITUTION.id));
  await shot(institution, "application-downloads");
});
