// Starts a madoguchi demo server for one test file, on a free port and a fresh SQLite file,
// with the test clock; opens headless Chromium (Debian's) through playwright-core.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
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
  return chromium.launch({
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
}

/// A browser context as a Japanese user's: the pages pick the language from Accept-Language.
export async function japanesePage(browser) {
  const context = await browser.newContext({ locale: "ja-JP" });
  return context.newPage();
}

export async function shot(page, name) {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}
