// The landing page and every portal's first screen, in Japanese and English, with help.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, openBrowser, japanesePage, shot } from "./helpers.mjs";

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
    await page.goto(`${server.base}/${id}/`);
    assert.match(await page.title(), new RegExp(`${name}$`));
    assert.equal((await page.textContent("h1")).trim(), name);
    assert.equal((await page.textContent("#notices-heading")).trim(), notices);
    assert.equal((await page.textContent("#help-desk-heading")).trim(), "ヘルプデスク");
    assert.ok((await page.textContent(".notices")).includes("デモ環境です"));
    await shot(page, `${id}-top`);

    await page.click("a.help-link");
    assert.ok((await page.textContent("h1")).startsWith("ヘルプ"));
    await shot(page, `${id}-help`);
    await page.goBack();

    await page.click(".lang-switch button");
    assert.equal(await page.getAttribute("html", "lang"), "en");
    assert.equal((await page.textContent("#help-desk-heading")).trim(), "Help desk");
    await shot(page, `${id}-top-en`);
    await page.click(".lang-switch button");
    assert.equal(await page.getAttribute("html", "lang"), "ja");
  });
}
