// Service hours: rokin on weekdays 08:00-20:00 (closed weekends, holidays, 12/31-1/3);
// mlit-fwms 04:00-翌01:00.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, openBrowser, japanesePage, shot } from "./helpers.mjs";

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

test("the test clock exists", async () => {
  const r = await fetch(server.base + "/_dev/clock");
  assert.equal(r.status, 200);
});

test("rokin is closed on 2027-01-02 and on a Saturday", async () => {
  for (const at of ["2027-01-02T12:00:00+09:00", "2026-11-28T12:00:00+09:00"]) {
    await server.setClock(at);
    const response = await page.goto(server.base + "/rokin/login");
    assert.equal(response.status(), 503);
    assert.ok(response.headers()["retry-after"]);
    assert.equal((await page.textContent("h1")).trim(), "サービス提供時間外です");
    await page.goto(server.base + "/rokin/");
    assert.ok((await page.textContent(".hours")).includes("現在はサービス提供時間外のため、ご利用いただけません。"));
  }
  await shot(page, "rokin-closed");
});

test("mlit-fwms is closed at 02:00 and open at 05:00", async () => {
  await server.setClock("2026-11-24T02:00:00+09:00");
  let response = await page.goto(server.base + "/mlit-fwms/login");
  assert.equal(response.status(), 503);
  await shot(page, "mlit-closed");
  await server.setClock("2026-11-24T05:00:00+09:00");
  response = await page.goto(server.base + "/mlit-fwms/login");
  assert.equal(response.status(), 200);
  assert.equal((await page.textContent("h1")).trim(), "ログイン認証");
});
