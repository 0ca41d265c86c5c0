// jrec-in's Web応募 (modules seekers and applications; docs/SEEKERS.md, docs/APPLICATIONS.md) in
// Chromium: a researcher registers (ユーザ登録 with the mailed code), finds a demo posting that
// takes Web応募 in the public search, applies with one PDF and gets an 応募受付ID; the
// institution finds it in 求人公募情報の応募状況確認 → 応募情報一覧 → 詳細, opens the document and
// sets 受理済 with 通知する; the researcher's 応募履歴 shows 受理済 and the status mail arrived.
// Then the institution checks the row on 応募情報一覧 and downloads the documents as one ZIP
// (the entry `<応募受付ID>_<name>` and 応募者一覧.csv inside), and its 管理者 reads both hand-outs
// in 応募書類のダウンロード履歴. Last, the researcher makes the 求職者情報 公開; the institution finds
// it in 求職者情報検索, sends a 求職者照会メール (the manual's notes on the confirmation), the
// researcher reads it in 照会メール受信箱 and replies once with the address disclosed; the
// institution's 未読 count and history show the reply. Last, the 事務局 finds the researcher in
// 求職者管理 (counts only) and makes the profile private. The server is the demo;
// the clock is the helpers' Tuesday 2026-11-24 10:00 JST. The tests run in order.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, openBrowser, japanesePage, shot, consoleLogin } from "../helpers.mjs";

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

let server, browser, seeker, institution, receipt, seekerId;
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

/// A word no demo profile holds, to find the researcher's 求職者情報 by.
const WORD = "量子誤り訂正符号";

test("the researcher makes the 求職者情報 公開", async () => {
  await seeker.goto(`${server.base}/jrec-in/seeker/home`);
  await seeker.getByRole("link", { name: "求職者情報を登録・変更する" }).click();
  assert.equal(await h1(seeker), "求職者情報");
  seekerId = (await main(seeker)).match(/U\d{9}/)?.[0];
  assert.ok(seekerId, "the ユーザID on the form");
  await seeker.check("#public_1");
  await seeker.locator("#position").fill("窓口大学 理学部 特任助教");
  await seeker.locator("#career").fill(`${WORD}の研究に従事。論文10報。`);
  await seeker.getByRole("button", { name: "保存する" }).click();
  assert.equal(await seeker.locator("#public_1").isChecked(), true);
});

test("the institution finds it in 求職者情報検索 and sends a 求職者照会メール", async () => {
  await institution.goto(`${server.base}/jrec-in/home`);
  await institution.getByRole("link", { name: "求職者情報検索・求職者照会メール送付" }).first().click();
  // The search may trail a change by its follower's poll: ask again until it is found.
  for (let i = 0; i < 30; i++) {
    await institution.locator("#keyword").fill(WORD);
    await institution.getByRole("button", { name: "検索する" }).first().click();
    if ((await main(institution)).includes("該当件数：1件")) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const results = await main(institution);
  assert.ok(results.includes("該当件数：1件"), results);
  assert.ok(!results.includes(SEEKER.name) && !results.includes(SEEKER.email), "no name or address in the results");
  await institution.getByRole("link", { name: seekerId }).click();
  await institution.getByRole("link", { name: "求職者照会メールを出す" }).click();
  await institution.locator("#body").fill("ご研究に関心があります。当研究室の特任准教授の公募にご応募いただけないでしょうか。");
  await institution.getByRole("button", { name: "確認", exact: true }).click();
  const confirm = await main(institution);
  assert.ok(confirm.includes("先方にあなたのメールアドレスが自動的に表示されることはありません。"), confirm);
  assert.ok(confirm.includes("初回に限りJREC-IN Portalを経由しますが"), confirm);
  await institution.getByRole("button", { name: "送信", exact: true }).click();
  assert.equal(await h1(institution), "送信完了");
  const mail = await mailTo(SEEKER.email, "照会メール");
  assert.ok(mail.text.includes("特任准教授の公募"), mail.text);
  assert.ok(!mail.text.includes("demo@jrec-in.example.jp"), "the institution's address never reaches the seeker");
  await shot(institution, "inquiry-sent");
});

test("the researcher replies once, disclosing the address, and the institution reads it", async () => {
  await seeker.goto(`${server.base}/jrec-in/seeker/home`);
  await seeker.getByRole("link", { name: "照会メール受信箱" }).first().click();
  assert.ok((await main(seeker)).includes("未読メール1件"));
  await seeker.locator("tbody a").first().click();
  await seeker.locator("#body").fill("ご連絡ありがとうございます。ぜひ応募いたします。");
  await seeker.check("#disclose");
  await seeker.getByRole("button", { name: "返信する" }).click();
  // 確認: the reply as it goes, with the address it discloses.
  assert.equal(await h1(seeker), "返信内容の確認");
  assert.ok((await main(seeker)).includes(`開示する（${SEEKER.email}）`));
  await shot(seeker, "inquiry-reply-confirm");
  await seeker.getByRole("button", { name: "返信する" }).click();
  assert.ok((await main(seeker)).includes("返信を送りました。"));
  assert.equal(await seeker.getByRole("button", { name: "返信する" }).count(), 0, "one reply only");
  await mailTo("demo@jrec-in.example.jp", "返信がありました");

  await institution.goto(`${server.base}/jrec-in/home`);
  // The widget is in the home menu's 求職者照会メール group.
  assert.ok((await institution.textContent("body")).includes("未読メール1件"));
  await institution.getByRole("link", { name: "求職者照会メール利用履歴及び返信の参照" }).first().click();
  const history = await main(institution);
  assert.ok(history.includes(seekerId) && history.includes("ぜひ応募いたします。"), history);
  await institution.locator("tbody a").first().click();
  assert.ok((await main(institution)).includes(SEEKER.email), "返信者メールアドレス, disclosed");
  await shot(institution, "inquiry-reply");
});

test("the 事務局 finds the researcher in 求職者管理 and makes the profile private", async () => {
  const operator = await consoleLogin(browser, server, "jrec-in");
  await operator.getByRole("link", { name: "求職者管理" }).first().click();
  assert.equal(await h1(operator), "求職者管理");
  await operator.getByLabel("ユーザID、メールアドレス、氏名").fill(SEEKER.email);
  await operator.getByRole("button", { name: "検索" }).click();
  await operator.getByRole("link", { name: seekerId }).click();
  assert.equal(await h1(operator), "求職者の詳細");
  const detail = await main(operator);
  assert.ok(detail.includes("受信 1 件（うち返信 1 件）"), detail);
  assert.ok(!detail.includes("ぜひ応募いたします。"), "counts only, never the text");
  await operator.getByRole("link", { name: "求職者情報を非公開にする" }).click();
  assert.ok((await main(operator)).includes("よろしいですか？"));
  await operator.getByRole("button", { name: "求職者情報を非公開にする" }).click();
  assert.ok((await main(operator)).includes("求職者情報を非公開にしました。"));
  await shot(operator, "seekers-operator");
  // Gone from the institutions' search at once.
  const gone = await institution.goto(`${server.base}/jrec-in/seeker-search/${seekerId}`);
  assert.equal(gone.status(), 404);
});
