// Starts a madoguchi demo server for one test file, on a free port and a fresh SQLite file,
// with the test clock; opens headless Chromium (Debian's) through playwright-core.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach } from "node:test";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");
export const screenshots = join(here, "..", "screenshots");
mkdirSync(screenshots, { recursive: true });

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/// `config`: the text of a config file instead of the demo (with `dev_mailbox = true` in its
/// `[server]`: `mails()` reads the dev mailbox, and a config without SMTP is refused otherwise);
/// `setup`: commands run on the same database before the server starts, as
/// `{ args: [...], stdin: "..." }` (e.g. `account add`).
export async function startServer({ clock = "2026-11-24T10:00:00+09:00", config = null, setup = [] } = {}) {
  const bin = process.env.MADOGUCHI_BIN || join(repo, "target", "debug", "madoguchi");
  const dir = mkdtempSync(join(tmpdir(), "madoguchi-e2e-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // The demo's TLS listener (self-signed certificate in <dir>/data/tls/) on a port of its own,
  // so that servers of several runs never contend for 8443; a config of a test's own has none.
  const tlsPort = await freePort();
  const tlsBase = `https://127.0.0.1:${tlsPort}`;
  const database = ["--database", `sqlite://${join(dir, "db.sqlite")}`];
  if (config !== null) {
    writeFileSync(join(dir, "madoguchi.toml"), config);
    database.push("--config", join(dir, "madoguchi.toml"));
  }
  for (const { args, stdin = "" } of setup) {
    const run = spawnSync(bin, [...args, ...database], { cwd: dir, input: stdin, encoding: "utf8" });
    if (run.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`setup ${args.join(" ")} failed: ${run.error?.message ?? ""}${run.stderr}`);
    }
  }
  const tls = config === null ? ["--tls-listen", `127.0.0.1:${tlsPort}`] : ["--tls-listen", "off"];
  const child = spawn(
    bin,
    ["serve", "--test-clock", "--test-clock-start", clock, "--listen", `127.0.0.1:${port}`, ...tls, ...database],
    { cwd: dir, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, RUST_LOG: "warn" } },
  );
  // If the test process dies before after() runs, take the server with it.
  process.once("exit", () => child.exitCode === null && child.kill("SIGKILL"));
  let stderr = "";
  let spawnError = null;
  child.on("error", (e) => (spawnError = e)); // e.g. no binary at `bin`: build it first
  child.stderr.on("data", (d) => (stderr += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.status === 200) break;
    } catch {}
    if (spawnError || child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`server did not start (${bin}): ${spawnError?.message ?? ""}${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    tlsBase,
    dir,
    /// Stops the server, waits for it to exit (SIGKILL after 5 s), removes its temp dir.
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
    async setClock(at) {
      const r = await fetch(`${base}/_dev/clock/set`, { method: "POST", body: new URLSearchParams({ at }) });
      // An unparsable `at` answers 404 (same as without --test-clock).
      if (r.status !== 200) throw new Error(`clock set ${at}: ${r.status}`);
      return r.json();
    },
    async advance(seconds) {
      const r = await fetch(`${base}/_dev/clock/advance`, { method: "POST", body: new URLSearchParams({ seconds: String(seconds) }) });
      if (r.status !== 200) throw new Error(`clock advance ${seconds}: ${r.status}`);
      return r.json();
    },
    /// `[{to, from, subject, text, sent_at, message_id}]`, newest first.
    async mails() {
      return (await fetch(`${base}/_dev/mail.json`)).json();
    },
    /// The digits after `label` in the newest mail to `to` whose subject contains `subject`.
    async codeFrom(to, subject, label) {
      for (let i = 0; i < 50; i++) {
        const mail = (await this.mails()).find((m) => m.to === to && m.subject.includes(subject));
        if (mail) {
          const line = mail.text.split("\n").find((l) => l.startsWith(label));
          return line.replace(/\D/g, "");
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no mail to ${to} with ${subject}`);
    },
  };
}

export async function openBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  // Every context of every walk is checked with axe-core (see `a11y` below).
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    // axe runs as a page script: a context with scripts off cannot run it (and Playwright's
    // bindings wait for a script that never comes there). Its pages are checked by the walks
    // with scripts on.
    if (options?.javaScriptEnabled !== false) await a11y.watch(context);
    return context;
  };
  return browser;
}

/// A browser context as a Japanese user's: the pages pick the language from Accept-Language.
export async function japanesePage(browser) {
  const context = await browser.newContext({ locale: "ja-JP" });
  return context.newPage();
}

/// The demo operator of `portal` signed in to the console (password, then the mailed code) on a
/// page of its own. It waits for the code mail this login asked for, so a walk may sign in twice.
export async function consoleLogin(browser, server, portal) {
  const email = `operator@${portal}.example.jp`;
  const codes = async () =>
    (await server.mails()).filter((m) => m.to === email && m.subject.includes("オペレーターログイン確認コード"));
  const before = (await codes()).length;
  const page = await japanesePage(browser);
  await page.goto(`${server.base}/${portal}/operator/login`);
  await page.getByLabel("メールアドレス").fill(email);
  await page.getByLabel("パスワード").fill("Demo-Operator-2026");
  await page.getByRole("button", { name: "ログイン" }).click();
  for (let i = 0; i < 50 && (await codes()).length === before; i++) await new Promise((r) => setTimeout(r, 100));
  const code = await server.codeFrom(email, "オペレーターログイン確認コード", "確認コード：");
  await page.getByLabel("確認コード").fill(code);
  await page.getByRole("button", { name: "送信" }).click();
  return page;
}

export async function shot(page, name) {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

// ---- accessibility: axe-core over every page state a walk reaches ----
//
// Each context gets axe-core as an init script (it runs before the page's own scripts and is
// not subject to the page's CSP, which allows no inline script). Every document runs axe once
// it has loaded (after app.js has moved the focus) and reports through a binding. A navigation
// of the main frame waits (page.route) until the page it leaves has reported, so a walk that
// clicks on at once cannot skip a state. Violations of the WCAG 2.2 A/AA rules fail the test
// during which the page was shown (afterEach below), with the rule, the page and the
// elements. A context without JavaScript runs no init script and so no axe; its pages are the
// same pages the other walks check with JavaScript.

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// Runs in every document (as an init script, after axe-core's source).
function axeInPage(tags) {
  if (!/^https?:$/.test(location.protocol) || window !== window.top) return;
  window.__mdgA11yStart();
  const run = () => {
    if (document.contentType !== "text/html" || !window.axe) {
      window.__mdgA11yReport(null);
      return;
    }
    window.axe
      .run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] })
      .then((result) =>
        window.__mdgA11yReport({
          url: location.pathname + location.search,
          lang: document.documentElement.lang,
          title: document.title,
          violations: result.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}: ${(n.failureSummary || "").split("\n").slice(0, 2).join(" ")}`),
          })),
        }),
      )
      .catch((e) => window.__mdgA11yReport({ url: location.pathname, lang: "", title: document.title, violations: [{ id: "axe-error", impact: "", help: String(e), nodes: [] }] }));
  };
  if (document.readyState === "complete") run();
  else window.addEventListener("load", run, { once: true });
}

export const a11y = {
  /// Page states checked so far in this test file, and the violations not yet reported.
  checked: 0,
  found: [],
  /// page → the promise of its current document's report.
  current: new Map(),

  async watch(context) {
    await context.exposeBinding("__mdgA11yStart", ({ page }) => {
      let done;
      const report = new Promise((resolve) => (done = resolve));
      report.done = done;
      this.current.set(page, report);
      page.once("close", () => this.current.delete(page));
    });
    await context.exposeBinding("__mdgA11yReport", ({ page }, report) => {
      if (report) {
        this.checked += 1;
        if (report.violations.length > 0) this.found.push(report);
      }
      this.current.get(page)?.done();
    });
    await context.addInitScript({ content: `${axeSource}\n;(${axeInPage.toString()})(${JSON.stringify(AXE_TAGS)});` });
    await context.route("**/*", async (route) => {
      const request = route.request();
      const frame = request.frame();
      if (request.isNavigationRequest() && frame === frame.page().mainFrame()) {
        await this.wait(frame.page());
      }
      await route.fallback();
    });
  },

  /// Until the page's current document has reported (at most 15 s: a page that never
  /// loads is the walk's own failure, not this check's).
  async wait(page) {
    const report = this.current.get(page);
    if (report) await Promise.race([report, new Promise((r) => setTimeout(r, 15_000))]);
  },

  /// Waits for the checks under way and throws on what they found.
  async settle() {
    for (const page of [...this.current.keys()]) {
      if (!page.isClosed()) await this.wait(page);
    }
    const found = this.found.splice(0);
    if (found.length > 0) {
      const lines = found.flatMap((r) => [
        `${r.url} (lang=${r.lang}, "${r.title}"):`,
        ...r.violations.flatMap((v) => [`  ${v.id} [${v.impact}] ${v.help}`, ...v.nodes.map((n) => `    ${n}`)]),
      ]);
      throw new Error(`axe-core found WCAG A/AA violations:\n${lines.join("\n")}`);
    }
  },
};

afterEach(async () => {
  await a11y.settle();
});

/// On a page that came back with errors: the title says so and the focus is on the summary.
export async function assertErrorPage(page, lang = "ja") {
  // autofocus applies at the first rendering after parsing, app.js before DOMContentLoaded:
  // look once the page has loaded, as a user would.
  await page.waitForLoadState("load");
  const prefix = lang === "ja" ? "エラー：" : "Error: ";
  const title = await page.title();
  if (!title.startsWith(prefix)) throw new Error(`title without ${prefix}: ${title}`);
  const focused = await page.evaluate(() => document.activeElement?.className ?? "");
  if (!focused.split(" ").includes("error-summary")) throw new Error(`focus is on .${focused || "body"}, not the error summary`);
}

process.on("exit", () => process.stderr.write(`axe-core: ${a11y.checked} page states checked\n`));
