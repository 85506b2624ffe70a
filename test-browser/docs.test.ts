/**
 * /docs (Swagger UI) and /redoc (ReDoc) render the API's operations with the network cut off:
 * a `wrangler dev` on free ports with private state (dev/dev-server.ts), and Debian's Chromium
 * (never a downloaded build) driven by playwright-core, with every request that does not go to
 * that server aborted and recorded. Each page must show every operation summary in
 * /openapi.json as visible text, with no request leaving the server, no failed request, no
 * script error and no CSP violation (src/routes/meta.ts sends a same-origin-only policy) other
 * than the one known below.
 *
 * CHROMIUM_PATH overrides /usr/bin/chromium (`apt-get install chromium` on Debian).
 */
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevServer, type DevServer } from "../dev/dev-server.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Upper bound for a page to render, only to turn a hang into a failure. */
const RENDER_TIMEOUT_MS = 60_000;

/**
 * What each page's own CSP refuses, so that it never reaches the network (and so never this
 * test's request filter either): ReDoc 2.5.4 always renders its "API docs by Redocly" sidebar
 * badge as <img src="https://cdn.redoc.ly/redoc/logo-mini.svg">, with no option to turn it off,
 * and drops the image when it fails to load. Anything else the browser tries is a failure; and
 * were the CSP gone, the badge would reach the request filter and fail the test as well.
 */
const CSP_REFUSED: Record<string, string[]> = {
  "/docs": [],
  "/redoc": ["https://cdn.redoc.ly/redoc/logo-mini.svg"],
};

let server: DevServer;
let browser: Browser;
let summaries: string[];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (Debian), or set CHROMIUM_PATH`);
  }
  server = await startDevServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  const spec = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { summary?: string }>>;
  };
  summaries = Object.values(spec.paths).flatMap((ops) => Object.values(ops).map((op) => op.summary ?? ""));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

interface Visit {
  page: Page;
  /** Requests aborted because they were not for the dev server. */
  blocked: string[];
  /** Same-origin requests that failed or answered >= 400. */
  failed: string[];
  /** URLs the page's CSP refused (securitypolicyviolation events). */
  cspRefused: string[];
  /** Uncaught exceptions and console errors, except the browser's own report of a CSP refusal. */
  errors: string[];
}

const CSP_MARK = "csp-refused ";

async function visit(path: string): Promise<Visit> {
  const origin = new URL(server.url).origin;
  const context = await browser.newContext({ serviceWorkers: "block" });
  const page = await context.newPage();
  const visit: Visit = { page, blocked: [], failed: [], cspRefused: [], errors: [] };
  // Everything except the dev server counts as "the network", including other local ports.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("data:") || url.startsWith("blob:") || new URL(url).origin === origin) return route.continue();
    visit.blocked.push(url);
    return route.abort("blockedbyclient");
  });
  page.on("requestfailed", (request) => {
    const reason = request.failure()?.errorText;
    // A CSP refusal is checked through its securitypolicyviolation event instead.
    if (!visit.blocked.includes(request.url()) && reason !== "csp") visit.failed.push(`${request.url()}: ${reason}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) visit.failed.push(`${response.url()}: HTTP ${response.status()}`);
  });
  page.on("pageerror", (error) => visit.errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    const text = message.text();
    if (text.startsWith(CSP_MARK)) visit.cspRefused.push(text.slice(CSP_MARK.length));
    // Chromium's own line for the same refusal ("… violates the following Content Security
    // Policy directive …"), counted through the event instead.
    else if (message.type() === "error" && !/Content Security Policy directive/.test(text)) visit.errors.push(`console: ${text}`);
  });
  // Runs in the page (a string: this file is compiled without the DOM's types).
  await page.addInitScript({
    content: `document.addEventListener("securitypolicyviolation", (e) => console.info(${JSON.stringify(CSP_MARK)} + e.blockedURI));`,
  });
  await page.goto(`${server.url}${path}`, { waitUntil: "load" });
  return visit;
}

async function expectSummariesVisible(page: Page, selector: string): Promise<void> {
  expect(summaries.length).toBeGreaterThan(0);
  for (const summary of summaries) {
    expect(summary, "every operation in /openapi.json has a summary").not.toBe("");
    await page.locator(selector, { hasText: summary }).first().waitFor({ state: "visible", timeout: RENDER_TIMEOUT_MS });
  }
}

/** The error a wait ended with, or undefined once it succeeded. */
const settle = (wait: Promise<void>): Promise<unknown> => wait.then(() => undefined, (error: unknown) => error);

function expectOffline(visit: Visit, path: string): void {
  expect(visit.blocked, "requests that tried to leave the dev server").toEqual([]);
  expect(visit.failed, "failed requests").toEqual([]);
  expect(visit.errors, "script errors").toEqual([]);
  expect([...new Set(visit.cspRefused)], "what the page's CSP refused").toEqual(CSP_REFUSED[path]);
}

describe("API docs offline", () => {
  it("/docs (Swagger UI) shows every operation", async () => {
    const v = await visit("/docs");
    try {
      const rendering = await settle(expectSummariesVisible(v.page, ".opblock-summary-description"));
      // A page that cannot load its bundles stays blank: say why before saying it is blank.
      expectOffline(v, "/docs");
      if (rendering) throw rendering;
      expect(await v.page.locator(".opblock").count()).toBe(summaries.length);
      expect(await v.page.title()).toBe("Smart-Support Edge · Swagger UI");
    } finally {
      await v.page.context().close();
    }
  });

  it("/redoc (ReDoc) shows every operation", async () => {
    const v = await visit("/redoc");
    try {
      const rendering = await settle(expectSummariesVisible(v.page, "h2"));
      expectOffline(v, "/redoc");
      if (rendering) throw rendering;
      await v.page.locator("h1", { hasText: "Smart-Support Edge" }).first().waitFor({ state: "visible", timeout: RENDER_TIMEOUT_MS });
    } finally {
      await v.page.context().close();
    }
  });
});
