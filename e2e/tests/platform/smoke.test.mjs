// The landing page and every portal's first screen, in Japanese and English, with help.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, openBrowser, japanesePage, shot } from "../helpers.mjs";

const PORTALS = [
  ["mlit-fwms", "外国人就労管理システム", "連絡事項"],
  ["shaho", "次世代型社労法務システム", "お知らせ"],
  ["rokin", "賃金控除事務支援システム", "ご注意事項"],
  ["hellowork", "ハローワークインターネットサービス 求人者マイページ", "お知らせ"],
  ["jrec-in", "JREC-IN Portal 求人機関ページ", "お知らせ"],
];

let server, browser, page;
before(async () => {
  server = await startServer();
  browser = await openBrowser();
  page = await japanesePage(browser);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test("the index lists the five portals", async () => {
  await page.goto(server.base + "/");
  assert.equal(await page.getAttribute("html", "lang"), "ja");
  for (const [id, name] of PORTALS) {
    assert.equal(await page.getAttribute(`a[href="/${id}/"]`, "href"), `/${id}/`);
    assert.equal((await page.textContent(`a[href="/${id}/"]`)).trim(), name);
  }
  await shot(page, "index");
});

for (const [id, name, notices] of PORTALS) {
  test(`${id}: first screen, help and English`, async () => {
    const response = await page.goto(`${server.base}/${id}/`);
    assert.equal(response.status(), 200);
    assert.equal(await page.getAttribute("html", "lang"), "ja");
    // "<screen title> | <portal name>"
    const title = await page.title();
    assert.ok(title.endsWith(` | ${name}`) && title.length > name.length + 3, `title: ${title}`);
    assert.equal((await page.textContent("h1")).trim(), name);
    assert.equal((await page.textContent("#notices-heading")).trim(), notices);
    assert.equal((await page.textContent("#help-desk-heading")).trim(), "ヘルプデスク");
    assert.ok((await page.textContent(".notices")).includes("デモ環境です"));
    await shot(page, `${id}-top`);

    const help = page.getByRole("link", { name: "ヘルプ", exact: true });
    assert.equal(await help.getAttribute("href"), `/${id}/help/top`);
    await help.click();
    assert.equal(new URL(page.url()).pathname, `/${id}/help/top`);
    assert.ok((await page.textContent("h1")).trim().startsWith("ヘルプ"));
    await shot(page, `${id}-help`);
    await page.goBack();

    await page.getByRole("button", { name: "English", exact: true }).click();
    assert.equal(new URL(page.url()).pathname, `/${id}/`);
    assert.equal(await page.getAttribute("html", "lang"), "en");
    assert.equal((await page.textContent("#help-desk-heading")).trim(), "Help desk");
    assert.notEqual((await page.textContent("h1")).trim(), name);
    assert.equal((await page.textContent(".lang-switch button")).trim(), "日本語");
    await shot(page, `${id}-top-en`);
    await page.getByRole("button", { name: "日本語", exact: true }).click();
    assert.equal(new URL(page.url()).pathname, `/${id}/`);
    assert.equal(await page.getAttribute("html", "lang"), "ja");
    assert.equal((await page.textContent("h1")).trim(), name);
    assert.equal((await page.textContent(".lang-switch button")).trim(), "English");
  });
}
