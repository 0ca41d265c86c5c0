// Service hours (Japan time): rokin on weekdays 08:00-20:00 (closed weekends, national
// holidays, 12/31-1/3); mlit-fwms 04:00-翌01:00. Closed: every portal path but the portal
// page, help and the operator console answers 503 「サービス提供時間外です」 with Retry-After.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, openBrowser, japanesePage, shot } from "../helpers.mjs";

const CLOSED_NOTE = "現在はサービス提供時間外のため、ご利用いただけません。";

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

async function expectClosed(path) {
  const response = await page.goto(server.base + path);
  assert.equal(response.status(), 503, `${path} while closed`);
  const retryAfter = response.headers()["retry-after"];
  assert.match(retryAfter ?? "", /^\d+$/, "Retry-After in seconds");
  assert.ok(Number(retryAfter) > 0);
  assert.equal((await page.textContent("h1")).trim(), "サービス提供時間外です");
  return Number(retryAfter);
}

async function expectNotFound(path) {
  const response = await page.goto(server.base + path);
  assert.equal(response.status(), 404, `${path} while open`);
  assert.equal((await page.textContent("h1")).trim(), "ページが見つかりません");
}

/// rokin's login while open, in a browser without its certificate: the page that explains.
async function expectCertificateRefusal(path) {
  const response = await page.goto(server.base + path);
  assert.equal(response.status(), 403, `${path} while open`);
  assert.equal((await page.textContent("h1")).trim(), "電子証明書が確認できません");
}

test("the test clock exists", async () => {
  const r = await fetch(server.base + "/_dev/clock");
  assert.equal(r.status, 200);
  const now = await r.json();
  assert.equal(Date.parse(now.now), Date.parse("2026-11-24T10:00:00+09:00"));
  const moved = await server.setClock("2026-11-24T10:00:00+09:00");
  assert.equal(Date.parse(moved.now), Date.parse("2026-11-24T10:00:00+09:00"));
  const advanced = await server.advance(60);
  assert.equal(Date.parse(advanced.now), Date.parse("2026-11-24T10:01:00+09:00"));
});

test("rokin is closed on 2027-01-02 (年末年始), open on a weekday", async () => {
  await server.setClock("2027-01-02T12:00:00+09:00");
  // Next opening: Monday 2027-01-04 08:00, 44 hours on.
  assert.equal(await expectClosed("/rokin/login"), 44 * 3600);
  await shot(page, "rokin-503");

  // The portal page, help and the operator console stay reachable.
  let response = await page.goto(server.base + "/rokin/");
  assert.equal(response.status(), 200);
  assert.ok((await page.textContent(".hours")).includes(CLOSED_NOTE));
  await shot(page, "rokin-closed");
  for (const path of ["/rokin/help/top", "/rokin/operator/login"]) {
    response = await page.goto(server.base + path);
    assert.equal(response.status(), 200, `${path} while closed`);
  }

  await server.setClock("2026-11-24T10:00:00+09:00");
  await expectCertificateRefusal("/rokin/login");
  await shot(page, "rokin-open-without-certificate");
  await page.goto(server.base + "/rokin/");
  assert.ok(!(await page.textContent("main")).includes(CLOSED_NOTE));
});

test("rokin: weekends, a national holiday, 12/31 and the hour boundaries", async () => {
  const cases = [
    ["2026-11-28T12:00:00+09:00", "closed"], // Saturday
    ["2026-11-29T12:00:00+09:00", "closed"], // Sunday
    ["2026-11-23T12:00:00+09:00", "closed"], // 勤労感謝の日 (Monday)
    ["2026-12-30T12:00:00+09:00", "open"],
    ["2026-12-31T12:00:00+09:00", "closed"],
    ["2027-01-04T12:00:00+09:00", "open"],
    ["2026-11-24T07:59:59+09:00", "closed"],
    ["2026-11-24T08:00:00+09:00", "open"],
    ["2026-11-24T19:59:59+09:00", "open"],
    ["2026-11-24T20:00:00+09:00", "closed"],
  ];
  for (const [at, expected] of cases) {
    await server.setClock(at);
    const response = await page.goto(server.base + "/rokin/login");
    assert.equal(response.status(), expected === "closed" ? 503 : 403, `rokin at ${at}`);
  }
});

test("mlit-fwms is closed at 02:00 and open at 05:00", async () => {
  await server.setClock("2026-11-24T02:00:00+09:00");
  // Opens at 04:00, two hours on.
  assert.equal(await expectClosed("/mlit-fwms/login"), 2 * 3600);
  await expectClosed("/mlit-fwms/no-such-page");
  await shot(page, "mlit-closed");
  await page.goto(server.base + "/mlit-fwms/");
  assert.ok((await page.textContent(".hours")).includes(CLOSED_NOTE));

  await server.setClock("2026-11-24T05:00:00+09:00");
  // mlit-fwms has a login screen of its own; an unknown path is a plain 404.
  await expectNotFound("/mlit-fwms/no-such-page");
  const response = await page.goto(server.base + "/mlit-fwms/login");
  assert.equal(response.status(), 200);
  assert.equal((await page.textContent("h1")).trim(), "ログイン認証");

  for (const [at, status] of [
    ["2026-11-24T00:59:59+09:00", 404],
    ["2026-11-24T01:00:00+09:00", 503],
    ["2026-11-24T03:59:59+09:00", 503],
    ["2026-11-24T04:00:00+09:00", 404],
  ]) {
    await server.setClock(at);
    assert.equal((await page.goto(server.base + "/mlit-fwms/no-such-page")).status(), status, `mlit-fwms at ${at}`);
  }
});
