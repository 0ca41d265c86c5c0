// Accessibility as Chromium sees it (issue 14). Every page state of every walk is checked with
// axe-core by helpers.mjs; this file adds what axe cannot see and an English pass per portal:
// on one form per portal and the console the focus goes to the error summary and the title
// says エラー／Error; the focus ring, the controls' font, and a 390 px wide phone.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, openBrowser, assertErrorPage, shot, a11y } from "../helpers.mjs";

let server, browser;
before(async () => {
  server = await startServer();
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// One form per portal and the console, sent empty with its first button.
const FORMS = [
  ["mlit-fwms", "/mlit-fwms/login"],
  ["shaho", "/shaho/signup"],
  ["rokin", "/rokin/master"],
  ["hellowork", "/hellowork/login"],
  ["jrec-in", "/jrec-in/login"],
  ["console", "/jrec-in/operator/login"],
];

async function pageIn(locale, options = {}) {
  const context = await browser.newContext({ locale, ...options });
  return context.newPage();
}

for (const [lang, locale] of [["ja", "ja-JP"], ["en", "en-US"]]) {
  test(`${lang}: an empty form comes back with the focus on the error summary and the title saying so`, async () => {
    const page = await pageIn(locale);
    for (const [name, path] of FORMS) {
      await page.goto(server.base + path);
      assert.equal(await page.getAttribute("html", "lang"), lang, name);
      const clean = await page.title();
      assert.ok(!clean.startsWith("エラー") && !clean.startsWith("Error"), `${name}: ${clean}`);
      await page.locator("main form button[type=submit]").first().click();
      await page.waitForSelector(".error-summary");
      await assertErrorPage(page, lang);
      // A link of the summary puts the focus on its field.
      const link = page.locator(".error-summary a").first();
      const target = (await link.getAttribute("href")).slice(1);
      await link.click();
      assert.equal(await page.evaluate(() => document.activeElement?.id), target, name);
      await shot(page, `${name}-errors-${lang}`);
    }
    await page.context().close();
  });
}

test("English pass over each portal: top, help, entry screens and a signed-in menu", async () => {
  const page = await pageIn("en-US");
  for (const portal of ["mlit-fwms", "shaho", "rokin", "hellowork", "jrec-in"]) {
    await page.goto(`${server.base}/${portal}/`);
    assert.equal(await page.getAttribute("html", "lang"), "en");
    // Every link of the top page that stays on the portal, and its help.
    const links = await page.$$eval("main a[href^='/']", (as) => [...new Set(as.map((a) => a.getAttribute("href")))]);
    for (const href of links.filter((h) => h.startsWith(`/${portal}/`) && !h.includes("/operator"))) {
      await page.goto(server.base + href);
      assert.equal(await page.getAttribute("html", "lang"), "en", href);
    }
    await page.goto(`${server.base}/${portal}/help/top`);
  }
  // Signed in, in English: jrec-in's menu and pages, and mlit-fwms's.
  for (const [portal, id, password] of [["jrec-in", "demo-kikan", "DemoUser2026"], ["mlit-fwms", "kensetsu01", "Demo-User-2026"]]) {
    await page.goto(`${server.base}/${portal}/login`);
    await page.fill("#login_id", id);
    await page.fill("#password", password);
    await page.locator("main form button[type=submit]").first().click();
    await page.waitForSelector("nav.site-nav");
    const home = page.url();
    const menu = await page.$$eval("nav.site-nav a", (as) => as.map((a) => a.getAttribute("href")));
    for (const href of menu) {
      await page.goto(server.base + href);
      assert.equal(await page.getAttribute("html", "lang"), "en", href);
    }
    await page.goto(home);
    await page.getByRole("banner").getByRole("button", { name: "Log out" }).click();
  }
  await page.context().close();
});

test("the console in English, on a 390 px phone: the menu, every list, no page wider than the screen", async () => {
  const page = await pageIn("en-US", { viewport: { width: 390, height: 844 } });
  await page.goto(`${server.base}/shaho/operator/login`);
  await page.fill("#email", "operator@shaho.example.jp");
  await page.fill("#password", "Demo-Operator-2026");
  await page.locator("main form button[type=submit]").click();
  const code = await server.codeFrom("operator@shaho.example.jp", "", "Code: ").catch(() =>
    server.codeFrom("operator@shaho.example.jp", "", "確認コード："),
  );
  await page.fill("#code", code);
  await page.locator("main form button[type=submit]").click();
  await page.waitForSelector("nav.site-nav");
  const menu = await page.$$eval("nav.site-nav a", (as) => as.map((a) => a.getAttribute("href")));
  for (const href of menu) {
    await page.goto(server.base + href);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `${href} is ${width} px wide on a 390 px screen`);
  }
  await shot(page, "console-390-en");
  // The contract form with every field wrong: English messages, each next to its field.
  await page.goto(`${server.base}/shaho/operator/contracts`);
  await page.fill("#customer_id", "1");
  await page.locator("main form button[type=submit]").last().click();
  await assertErrorPage(page, "en");
  const messages = await page.$$eval(".error-summary li", (lis) => lis.map((li) => li.textContent.trim()));
  assert.ok(messages.length >= 4, messages.join(" / "));
  for (const m of messages) assert.ok(/^[\x20-\x7e“”]+$/.test(m), `not English: ${m}`);
  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await page.context().close();
});

test("a 390 px phone: the longest portal name stays in the header, no page is wider than the screen", async () => {
  const page = await pageIn("ja-JP", { viewport: { width: 390, height: 844 } });
  for (const portal of ["hellowork", "rokin", "jrec-in"]) {
    await page.goto(`${server.base}/${portal}/`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `${portal}: ${width} px`);
    const brand = await page.locator(".brand").boundingBox();
    assert.ok(brand.x + brand.width <= 390, `${portal}: the name runs off the screen`);
  }
  await shot(page, "hellowork-top-390");
  await page.context().close();
});

test("the focus ring is GOV.UK's yellow and black on every control; controls use the page's font", async () => {
  const page = await pageIn("ja-JP");
  await page.goto(`${server.base}/jrec-in/login`);
  const body = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
  assert.match(body, /"Noto Sans CJK JP"/);
  for (const selector of ["#login_id", "main button[type=submit]", ".lang-switch button"]) {
    assert.equal(await page.$eval(selector, (el) => getComputedStyle(el).fontFamily), body, selector);
  }
  // Tab from the top: each focused element shows the yellow (#ffdd00) as outline or background.
  await page.keyboard.press("Tab");
  for (let i = 0; i < 12; i++) {
    const style = await page.evaluate(() => {
      const el = document.activeElement;
      if (el === document.body) return null;
      const s = getComputedStyle(el);
      return { tag: el.tagName, outline: s.outlineColor, outlineStyle: s.outlineStyle, background: s.backgroundColor };
    });
    if (style === null) break; // past the last focusable element
    const yellow = "rgb(255, 221, 0)";
    assert.ok(
      (style.outline === yellow && style.outlineStyle !== "none") || style.background === yellow,
      `${style.tag} focused without the yellow ring: ${JSON.stringify(style)}`,
    );
    await page.keyboard.press("Tab");
  }
  await page.context().close();
  assert.ok(a11y.checked > 0);
});
