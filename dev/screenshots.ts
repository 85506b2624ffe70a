/**
 * `npm run dev:screenshots`: renders /dashboard with a few tickets in it and writes
 * docs/dashboard.png (1280 wide), the picture README shows. Its own `wrangler dev` on free
 * ports with private state (dev/dev-server.ts), auth off as in local dev, and Debian's Chromium
 * (CHROMIUM_PATH overrides /usr/bin/chromium). Everything on the page is real: tickets posted
 * through /v1, some popped, two claimed by clicking the page's own button; with
 * `-- --minutes N` the tickets arrive over N real minutes, so the chart shows them spread out.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { REPO_ROOT } from "../dataset/load.ts";
import { startDevServer } from "./dev-server.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const OUT = join(REPO_ROOT, "docs", "dashboard.png");
/** `-- --minutes N`: spread the tickets over N real minutes (the picture in docs/ used 8). */
const minutesArg = process.argv.indexOf("--minutes");
const SPREAD_MINUTES = minutesArg > 0 ? Number(process.argv[minutesArg + 1]) : 0;
if (!Number.isInteger(SPREAD_MINUTES) || SPREAD_MINUTES < 0 || SPREAD_MINUTES > 59) {
  console.error("--minutes must be an integer from 0 to 59");
  process.exit(1);
}
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Posted first; three are then popped, the urgent ones first, as `next` does. */
const EARLIER: [string, string][] = [
  ["Charged twice for March", "My card was charged twice for the March invoice, please refund one payment."],
  ["Production API down", "All requests to your API fail with 503 since 09:10, urgent, our checkout is down."],
  ["Question about the DPA", "Our legal team needs the signed data processing agreement before renewal."],
  ["Invoice shows old address", "The billing address on our invoices is outdated, please update it."],
  ["Webhook retries flood our server", "Your webhook retries every second after a timeout, it is urgent, please stop."],
  ["Login loops back to the start page", "After entering my password the login page reloads, cleared cookies already."],
];
const LATER: [string, string][] = [
  ["Cancel subscription and refund", "We want to cancel and get a prorated refund for the unused months."],
  ["Site unreachable, customers cannot pay", "Our shop is down since the update, this is an emergency, fix it immediately."],
  ["GDPR deletion request", "Please delete all personal data of our former employee, under article 17."],
  ["VAT number missing on invoice", "Our VAT ID is not printed on the invoice, our accountant needs it."],
  ["Data breach notice needed urgently", "We suspect a data breach and need your incident report for our regulator, urgent."],
  ["Export to CSV crashes", "The CSV export crashes the browser tab for reports over 10k rows."],
  ["Terms of service change", "Does the new liability clause apply to our existing contract?"],
  ["Payment failed, account locked", "Our payment failed and the account is locked, we need access ASAP."],
  ["SSO certificate expired", "Our SAML certificate expires tomorrow, how do we rotate it without downtime?"],
  ["Refund not received", "The refund you confirmed two weeks ago has not arrived yet."],
];

const server = await startDevServer();
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
try {
  const post = (subject: string, body: string) =>
    fetch(`${server.url}/v1/tickets`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ subject, body }) });
  const pop = async () => (await fetch(`${server.url}/v1/tickets/next`)).arrayBuffer();
  if (SPREAD_MINUTES > 1) {
    // Real minutes apart, so the chart has more than one bar: each minute a share of the
    // tickets arrives and one is popped.
    const all = [...EARLIER, ...LATER];
    const per = Math.ceil(all.length / SPREAD_MINUTES);
    for (let minute = 0; minute < SPREAD_MINUTES; minute++) {
      for (const [subject, body] of all.slice(minute * per, (minute + 1) * per)) await (await post(subject, body)).arrayBuffer();
      if (minute > 0) await pop();
      if (minute < SPREAD_MINUTES - 1) await sleep(60_000 - (Date.now() % 60_000) + 500);
    }
  } else {
    for (const [subject, body] of EARLIER) await (await post(subject, body)).arrayBuffer();
    // Some finished work, so processed and the chart's completions are not zero.
    for (let i = 0; i < 3; i++) await pop();
    for (const [subject, body] of LATER) await (await post(subject, body)).arrayBuffer();
  }

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.url}/dashboard`, { waitUntil: "load" });
  await page.getByLabel("Agent name").fill("alice");
  for (let i = 0; i < 2; i++) {
    await page.getByRole("button", { name: "Claim next" }).click();
    await page.locator("#claimed-table tbody tr").nth(i).waitFor({ timeout: 60_000 });
  }
  await page.locator("#queued-table tbody tr").first().waitFor({ timeout: 60_000 });
  await page.locator("#models dd").first().waitFor({ timeout: 60_000 });
  mkdirSync(join(REPO_ROOT, "docs"), { recursive: true });
  await page.screenshot({ path: OUT, fullPage: true });
  console.log(`wrote ${OUT}`);
} finally {
  await browser.close();
  await server.stop();
}
