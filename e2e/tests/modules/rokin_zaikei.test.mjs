// rokin's 財形貯蓄事務 (module zaikei; docs/ZAIKEI.md) in Chromium: the operator imports a
// 預入依頼書 through the console (upload → preview → 取込; a bad file is refused by line), the
// master's インフォメーション shows it, and 財形積立明細照会 finds a name typed in half-width
// kana, with totals per 財形種類; then the master downloads the 財形積立明細書 as a PDF and the
// delivery as CSV in CP932 and in UTF-8. The tests run in order and share the server.
//
// The master works as the manual has it: over TLS with the client certificate issued by
// 電子証明書発行 (Playwright's clientCertificates), typing only the パスワード. The server is the
// demo (all five portals, rokin's own CA and TLS listener); the demo contract 12345678 /
// Demo#026 has its master registered first.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startServer, openBrowser, shot, assertErrorPage, consoleLogin } from "../helpers.mjs";

const MASTER = { id: "Roukin01", password: "Mst#2026a", name: "労金　太郎", email: "master@rokin.example.jp" };
const h1 = async (page) => (await page.textContent("h1")).trim();

const HEADER = "区分,入金予定日,社員番号,氏名,フリガナ,生年月日,所属コード,所属名,財形種類,口座番号,契約日,積立額,前回積立額,変更区分,奨励金額";
const ROWS = [
  "月例,2027-01-25,Z0001,山田　太郎,ﾔﾏﾀﾞ ﾀﾛｳ,1980-04-01,S01,総務部,一般,3000001,2010-04-01,10000,10000,継続,500",
  "月例,2027-01-25,Z0002,山田　花子,ヤマダ　ハナコ,1985-05-02,S01,総務部,住宅,3000002,2012-04-01,20000,15000,金額変更,1000",
  "月例,2027-01-25,Z0003,佐藤　健一,サトウ　ケンイチ,1978-06-03,E01,営業第一部,年金,3000003,2008-04-01,30000,30000,継続,1500",
  "月例,2027-01-25,Z0004,鈴木　美咲,スズキ　ミサキ,1990-07-04,E01,営業第一部,一般,3000004,,5000,0,新規,0",
];
const csv = (rows) => Buffer.from([HEADER, ...rows].join("\r\n") + "\r\n");

let server, browser, master, mbase;
before(async () => {
  server = await startServer();
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test("the demo contract's master registers and logs in", async () => {
  master = await (await browser.newContext({ locale: "ja-JP", acceptDownloads: true })).newPage();
  await master.goto(`${server.base}/rokin/master`);
  await master.fill("#number", "12345678");
  await master.fill("#password", "Demo#026");
  await master.click("button:has-text('次へ')");
  assert.equal(await h1(master), "マスターユーザー初期登録");
  await master.fill("#login_id", MASTER.id);
  await master.fill("#password", MASTER.password);
  await master.fill("#password_again", MASTER.password);
  await master.fill("#name", MASTER.name);
  await master.fill("#email", MASTER.email);
  await master.fill("#email_again", MASTER.email);
  await master.click("button:has-text('登録')");
  assert.equal(await h1(master), "マスターユーザー初期登録結果");
  // 電子証明書発行: ユーザー認証 → the mailed 認証コード → 発行 → the .p12.
  await master.click("main a.button:has-text('電子証明書発行')");
  await master.fill("#login_id", MASTER.id);
  await master.fill("#password", MASTER.password);
  await master.click("button:has-text('認証')");
  await master.fill("#code", await server.codeFrom(MASTER.email, "認証コード", "認証コード："));
  await master.click("button:has-text('認証')");
  await master.fill("#password", MASTER.password);
  await master.click("button:has-text('発行')");
  const [file] = await Promise.all([
    master.waitForEvent("download"),
    master.getByRole("link", { name: "電子証明書をダウンロード" }).click(),
  ]);
  const pfx = readFileSync(await file.path());
  await master.context().close();

  // The certificate picks the user: the login screen asks only for the password.
  mbase = server.tlsBase;
  const context = await browser.newContext({
    locale: "ja-JP",
    ignoreHTTPSErrors: true,
    clientCertificates: [{ origin: mbase, pfx, passphrase: MASTER.password }],
  });
  master = await context.newPage();
  await master.goto(`${mbase}/rokin/login`);
  assert.equal(await master.locator("input[name=login_id]").count(), 0);
  await master.getByLabel("パスワード", { exact: true }).fill(MASTER.password);
  await master.locator("main button[type=submit]").click();
  await master.waitForURL(/\/rokin\/home$/);
  assert.equal(await h1(master), "インフォメーション");
  // The demo's own deliveries are there already.
  const panel = await master.textContent("section.panel");
  assert.ok(panel.includes("預入依頼書") && panel.includes("加入者残高一覧表") && panel.includes("未対応"), panel);
  const menu = await master.textContent(".site-nav");
  for (const item of ["財形貯蓄事務", "財形積立明細照会", "財形アラーム明細照会"]) assert.ok(menu.includes(item), item);
});

test("the operator imports a 預入依頼書 through the console", async () => {
  const op = await consoleLogin(browser, server, "rokin");
  await op.getByRole("link", { name: "契約の管理" }).first().click();
  await op.getByRole("link", { name: "財形データ取込: 12345678" }).click();
  assert.match(await h1(op), /^財形データ取込（12345678/);

  // A bad 積立額 on line 3: refused by line, nothing stored.
  await op.getByLabel("帳票", { exact: true }).selectOption({ label: "預入依頼書" });
  await op.getByLabel("ファイル", { exact: true }).setInputFiles({ name: "預入依頼書.csv", mimeType: "text/csv", buffer: csv([ROWS[0], ROWS[1].replace(",20000,", ',"12,5OO",')]) });
  await op.getByRole("button", { name: "内容を確認" }).click();
  await assertErrorPage(op);
  assert.ok((await op.textContent("#refused")).includes("3行目: 積立額「12,5OO」"));

  await op.getByLabel("帳票", { exact: true }).selectOption({ label: "預入依頼書" });
  await op.getByLabel("ファイル", { exact: true }).setInputFiles({ name: "預入依頼書.csv", mimeType: "text/csv", buffer: csv(ROWS) });
  await op.getByRole("button", { name: "内容を確認" }).click();
  assert.equal(await h1(op), "財形データ取込（確認）");
  const facts = await op.textContent("dl.summary");
  assert.ok(facts.includes("2027-01-25") && facts.includes("4"), facts);
  await shot(op, "rokin-zaikei-import-preview");
  await op.getByRole("button", { name: "取込" }).click();
  assert.ok((await op.textContent(".notice-ok")).includes("取り込みました。"));
  assert.ok((await op.textContent("#deliveries")).includes("入金予定日 2027-01-25"));
  await op.close();
  const mail = (await server.mails()).find((m) => m.to === MASTER.email && m.subject.includes("財形積立明細を受信しました"));
  assert.ok(mail, "the master is told by mail");
  assert.ok(!mail.text.includes("山田") && !mail.text.includes("10000"), mail.text);
});

test("the master sees it on インフォメーション and finds a name in half-width kana", async () => {
  await master.goto(`${mbase}/rokin/home`);
  const link = master.locator("section.panel").getByRole("link", { name: "預入依頼書" });
  assert.ok((await master.textContent("section.panel")).includes("入金予定日 2027-01-25"));
  await shot(master, "rokin-zaikei-information");
  await link.click();
  assert.equal(await h1(master), "財形積立明細照会");
  assert.equal((await master.textContent("#row-total")).trim(), "4");
  assert.equal((await master.textContent("#total-amount")).trim(), "65,000");
  await master.getByLabel("氏名").fill("ﾔﾏﾀﾞ");
  await master.getByRole("button", { name: "検索" }).click();
  assert.equal((await master.textContent("#row-total")).trim(), "2");
  const rows = await master.textContent("#rows");
  assert.ok(rows.includes("山田　太郎") && rows.includes("山田　花子") && !rows.includes("佐藤"), rows);
  assert.ok(master.url().includes("name="), "the filter stays in the address");
  await shot(master, "rokin-zaikei-statements");
  // A bad filter: the message by the field, focus on the summary, what was typed kept.
  await master.getByLabel("所属コード").fill("総務部");
  await master.getByRole("button", { name: "検索" }).click();
  await assertErrorPage(master);
  assert.equal(await master.inputValue("#dept"), "総務部");
});

/// The value of the delivery picker's option for 入金予定日 2027-01-25 (the file imported above).
async function importedDelivery(page) {
  const option = page.locator("#delivery option", { hasText: "2027-01-25" });
  assert.equal(await option.count(), 1);
  return option.getAttribute("value");
}

/// Clicks `button` and returns the download with its bytes; the same address fetched again in
/// the page's session gives the response headers (a download has none to read).
async function download(page, button) {
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: button }).click()]);
  const bytes = readFileSync(await file.path());
  const response = await page.request.get(file.url());
  assert.equal(response.status(), 200);
  return { file, bytes, headers: response.headers() };
}

test("the master prints the 財形積立明細書 as a PDF", async () => {
  await master.getByRole("link", { name: "財形積立明細書出力／財形アラーム明細出力" }).click();
  assert.equal(await h1(master), "財形積立明細書出力／財形アラーム明細出力");
  // Nothing chosen: both messages, the focus on the summary.
  await master.getByRole("button", { name: "出力" }).click();
  await assertErrorPage(master);
  assert.ok((await master.textContent("#report-error")).includes("帳票を選択してください。"));
  await master.getByLabel("財形積立明細書（預入依頼書）").check();
  await master.getByLabel("受信データ").selectOption(await importedDelivery(master));
  await shot(master, "rokin-zaikei-reports");
  const { file, bytes, headers } = await download(master, "出力");
  assert.equal(file.suggestedFilename(), "財形積立明細書_預入依頼書_月例_2027-01-25.pdf");
  assert.equal(bytes.subarray(0, 5).toString(), "%PDF-");
  assert.equal(headers["content-type"], "application/pdf");
  assert.ok(headers["content-disposition"].startsWith("attachment;"), headers["content-disposition"]);
  assert.ok(headers["content-disposition"].includes("filename*=UTF-8''"), headers["content-disposition"]);
});

test("the master exports the delivery as CSV in CP932 and in UTF-8", async () => {
  await master.getByRole("link", { name: "財形積立明細データエクスポート" }).click();
  assert.equal(await h1(master), "財形積立明細データエクスポート");
  await master.getByLabel("預入依頼書", { exact: true }).check();
  await master.getByLabel("受信データ").selectOption(await importedDelivery(master));
  await master.getByLabel("Shift_JIS（CP932）：古い表計算ソフト・システム向け").check();
  const cp932 = await download(master, "エクスポート");
  assert.equal(cp932.file.suggestedFilename(), "財形積立明細データ_預入依頼書_月例_2027-01-25.csv");
  assert.equal(cp932.headers["content-type"], "text/csv; charset=Shift_JIS");
  assert.ok(!cp932.bytes.includes("&#"), "no numeric character references");
  const text = new TextDecoder("shift_jis", { fatal: true }).decode(cp932.bytes);
  const lines = text.split("\r\n");
  assert.equal(lines.length, 6, "header, 4 rows, nothing after the last CRLF");
  assert.ok(lines[0].startsWith('"所属コード","所属名","社員番号","氏名"'), lines[0]);
  assert.ok(text.includes('"山田　太郎"') && text.includes('"ヤマダ　タロウ"'), text);

  await master.getByLabel("UTF-8（BOM付き）：Excel でそのまま開けます").check();
  const utf8 = await download(master, "エクスポート");
  assert.equal(utf8.headers["content-type"], "text/csv; charset=utf-8");
  assert.deepEqual([...utf8.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  assert.ok(utf8.bytes.toString("utf8").includes('"鈴木　美咲"'));
});

// ---- 明細変更 (the demo contract has the 明細変更機能 option): 変更 → 送信 → the operator's
// export → 労金処理済 → 照会 shows the new amount (docs/ZAIKEI.md "Changes and sending").

let receipt;
test("the master changes an amount, is refused a non-thousand, and sends", async () => {
  await master.goto(`${mbase}/rokin/zaikei/change`);
  assert.equal(await h1(master), "財形積立明細変更");
  await master.locator("tr", { hasText: "2027-01-25" }).getByRole("link").click();
  assert.equal((await master.textContent("#deadline")).trim(), "2027-01-19 20:00");
  await master.getByRole("link", { name: "変更 Z0001 一般" }).click();
  assert.equal(await h1(master), "財形積立明細変更（変更）");
  await master.getByLabel("変更後の積立額（円）").fill("12500");
  await master.getByRole("button", { name: "一時保存" }).click();
  await assertErrorPage(master);
  assert.ok((await master.textContent(".error-summary")).includes("積立額は1,000円単位で入力してください。"));
  assert.equal(await master.inputValue("#amount"), "12500");
  await master.getByLabel("変更後の積立額（円）").fill("13000");
  await master.getByRole("button", { name: "一時保存" }).click();
  assert.ok((await master.textContent(".notice-ok")).includes("一時保存しました"));
  await shot(master, "rokin-zaikei-change-list");

  await master.goto(`${mbase}/rokin/zaikei/send`);
  await master.locator("tr", { hasText: "2027-01-25" }).getByRole("link").click();
  assert.equal(await h1(master), "財形変更後明細送信");
  assert.ok((await master.textContent("#totals")).includes("+3,000"));
  await master.getByRole("button", { name: "送信" }).click();
  assert.ok((await master.textContent("main")).includes("変更後明細を労金に送信します。よろしいですか？"));
  await master.getByRole("button", { name: "送信" }).click();
  assert.equal(await h1(master), "財形変更後明細送信（送信完了）");
  receipt = (await master.textContent("#receipt")).trim();
  assert.match(receipt, /^ZK20261124-\d{6}$/);
  const mail = (await server.mails()).find((m) => m.to === MASTER.email && m.subject.includes(`受付番号 ${receipt}`));
  assert.ok(mail, "the sent mail with the receipt");
  assert.ok(!mail.text.includes("山田") && !mail.text.includes("13000"), mail.text);
});

test("the operator downloads the sent change and marks it processed; 照会 shows the new amount", async () => {
  // A second login: the helper waits for the new code's mail (the first one is still in the box).
  const op = await consoleLogin(browser, server, "rokin");
  await op.goto(`${server.base}/rokin/operator/zaikei/changes?due=2027-01-25`);
  assert.equal(await h1(op), "財形 送信済変更一覧");
  assert.ok((await op.textContent("#due-list")).includes(receipt));
  const csv = await op.request.get(`${server.base}/rokin/operator/zaikei/changes.csv?due=2027-01-25`);
  const text = await csv.text();
  assert.ok(text.startsWith("\u{feff}") && text.includes('"13000"') && text.includes('"Z0001"') && text.includes(receipt), text);
  await op.getByRole("button", { name: "労金処理済 12345678" }).click();
  assert.ok((await op.textContent("main")).includes("送信された変更を労金処理済にします。"));
  await op.getByRole("button", { name: "労金処理済" }).click();
  assert.ok((await op.textContent(".notice-ok")).includes("労金処理済にしました。"));
  await op.close();
  const mail = (await server.mails()).find((m) => m.to === MASTER.email && m.subject.includes("財形積立明細の変更が反映されました"));
  assert.ok(mail, "the 反映 mail");

  await master.goto(`${mbase}/rokin/home`);
  await master.locator("section.panel").getByRole("link", { name: "預入依頼書" }).click();
  await master.getByLabel("氏名").fill("ﾔﾏﾀﾞ ﾀﾛｳ");
  await master.getByRole("button", { name: "検索" }).click();
  assert.ok((await master.textContent("#rows")).includes("13,000"), await master.textContent("#rows"));
});
