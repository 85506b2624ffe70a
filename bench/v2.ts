/**
 * npm run bench:v2 [-- --url URL] [-- --count 1000] [-- --concurrency 20] [-- --timeout 120]
 *
 * Load test of the asynchronous path: POST real sample tickets to /v2/tickets with bounded
 * concurrency, wait until the queue consumer has scored them all, then pop every one back.
 * The pops are both the clean-up and the measurement: each popped record carries the
 * server's accepted_at and processed_at, so queue latency needs no client-side clocks.
 *
 * Without --url it starts its own `wrangler dev` (dev/dev-server.ts) on a free port with
 * throwaway state, and stops it at the end. API_TOKEN, if set, is sent as a bearer token
 * (and given to the server it starts).
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { exitIfDatasetMissing, loadTickets, SAMPLE_DATASET_PATH } from "../dataset/load.ts";
import { startDevServer, type DevServer } from "../dev/dev-server.ts";
import { table } from "./table.ts";
import { percentile, positiveInt } from "./v1-stats.ts";

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    count: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "20" },
    timeout: { type: "string", default: "120" },
  },
});
const COUNT = positiveInt(args.count, "--count");
const CONCURRENCY = positiveInt(args.concurrency, "--concurrency");
const PROCESS_TIMEOUT_MS = positiveInt(args.timeout, "--timeout") * 1000;
const TOKEN = process.env.API_TOKEN;
// The API rejects blank and over-long fields; sample rows with no subject still make a fine ticket.
const SUBJECT_MAX = 500;
const BODY_MAX = 5000;

type Input = { subject: string; body: string };
type Accepted = { ticket_id: string; accepted_at: string };
type TicketRecord = {
  ticket_id: string;
  status: string;
  urgency_score: number | null;
  model_used: string | null;
  /** Which model gave the urgency score; absent before the consumer could use M1 and M2 per field. */
  urgency_model?: string | null;
  accepted_at: string | null;
  processed_at: string | null;
  error: string | null;
};
type Counts = { pending: number; processed: number };

let BASE = "";

async function main(): Promise<number> {
  const inputs = await benchInputs();
  let server: DevServer | undefined;
  if (args.url) {
    BASE = args.url.replace(/\/+$/, "");
  } else {
    log("starting wrangler dev on a free port (throwaway state)…");
    server = await startDevServer({ vars: TOKEN ? { API_TOKEN: TOKEN } : {} });
    BASE = server.url;
    log(`  ready at ${BASE} in ${(server.startupMs / 1000).toFixed(1)} s`);
  }
  try {
    return await bench(inputs, server ? "own wrangler dev" : BASE);
  } finally {
    if (server) {
      await server.stop();
      log("stopped the dev server it started");
    }
  }
}

async function bench(inputs: Input[], serverLabel: string): Promise<number> {
  const health = (await request<Record<string, unknown>>("GET", "/health")).body;
  const store = String(lookup(health, "v2.store.kind") ?? "?");
  const auth = String(lookup(health, "auth") ?? "?");
  const before = (await expectOk<Counts>("GET", "/v2/tickets/status")).body;
  const drainedBefore = (await popAll()).length;
  if (drainedBefore > 0) log(`drained ${drainedBefore} processed ticket(s) left from earlier`);
  if (before.pending > 0) log(`note: ${before.pending} ticket(s) from elsewhere still being scored; they may show up as foreign pops`);
  const load = loadavg()[0]!;

  // ---- accept phase ----
  log(`posting ${COUNT} tickets, ${CONCURRENCY} in flight…`);
  const accepted: Accepted[] = [];
  const postMs: number[] = [];
  const rejected: string[] = [];
  let next = 0;
  const postStarted = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, COUNT) }, async () => {
      while (next < COUNT) {
        const input = inputs[next++]!;
        const started = performance.now();
        try {
          const reply = await request<Accepted & { detail?: string }>("POST", "/v2/tickets", input);
          postMs.push(performance.now() - started);
          if (reply.status === 202) accepted.push(reply.body);
          else rejected.push(`${reply.status} ${reply.body.detail ?? ""}`);
        } catch (error) {
          rejected.push(describe(error));
        }
      }
    }),
  );
  const postSeconds = (performance.now() - postStarted) / 1000;
  log(`  ${accepted.length} accepted in ${postSeconds.toFixed(1)} s${rejected.length ? `, ${rejected.length} rejected (first: ${rejected[0]})` : ""}`);

  // ---- wait until nothing is pending: every accepted ticket is then processed or failed ----
  const waitStarted = performance.now();
  let counts = (await expectOk<Counts>("GET", "/v2/tickets/status")).body;
  let lastLog = 0;
  while (counts.pending > 0 && performance.now() - waitStarted < PROCESS_TIMEOUT_MS) {
    if (performance.now() - lastLog > 5_000) {
      log(`  waiting: ${counts.processed} processed, ${counts.pending} being scored`);
      lastLog = performance.now();
    }
    await sleep(250);
    counts = (await expectOk<Counts>("GET", "/v2/tickets/status")).body;
  }
  const timedOut = counts.pending > 0;
  if (timedOut) log(`  gave up waiting after ${PROCESS_TIMEOUT_MS / 1000} s: ${counts.pending} still being scored`);

  // ---- pop everything back: clean-up and per-ticket timestamps in one pass ----
  log("popping the processed queue…");
  const popped = await popAll();
  const ours = new Set(accepted.map((a) => a.ticket_id));
  const mine = popped.filter((r) => ours.has(r.ticket_id));
  const foreign = popped.length - mine.length;
  // Score order holds within a lane (popAll empties auto, then review).
  const laneOf = (r: TicketRecord) => ((r as { routing?: string | null }).routing === "review" ? "review" : "auto");
  const scoreOrdered = popped.every((r, i) => i === 0 || laneOf(popped[i - 1]!) !== laneOf(r) || (popped[i - 1]!.urgency_score ?? 0) >= (r.urgency_score ?? 0));

  // Whatever did not come back: ask for it by id to tell failed from lost.
  const seen = new Set(mine.map((r) => r.ticket_id));
  const missing = accepted.filter((a) => !seen.has(a.ticket_id));
  const missingStatus = await mapBounded(missing, CONCURRENCY, async (a) => (await expectOk<TicketRecord>("GET", `/v2/tickets/${a.ticket_id}`)).body.status);
  const failed = missingStatus.filter((s) => s === "failed").length;
  const stillPending = missingStatus.filter((s) => s === "pending").length;
  const lost = missing.length - failed - stillPending;

  // ---- figures ----
  const queueMs = mine.map((r) => Date.parse(r.processed_at!) - Date.parse(r.accepted_at!));
  const firstAccept = Math.min(...mine.map((r) => Date.parse(r.accepted_at!)));
  const lastProcessed = Math.max(...mine.map((r) => Date.parse(r.processed_at!)));
  const e2eSeconds = (lastProcessed - firstAccept) / 1000;
  // Which model decided each field, from the results themselves: the figure only compares
  // with another run when both scored with the same models.
  const models = countBy(mine.map((r) => r.model_used ?? "?"));
  const urgencyModels = countBy(mine.map((r) => (r.urgency_model === undefined ? "(not reported)" : (r.urgency_model ?? "?"))));
  // Read after the run: the consumer loads M2 on its first ticket, so before it says "idle".
  const healthAfter = await request<Record<string, unknown>>("GET", "/health").then((r) => r.body, () => null);
  const m2State = { state: lookup(healthAfter, "models.m2.state") ?? null, reason: lookup(healthAfter, "models.m2.reason") ?? null, live: lookup(healthAfter, "models.live") ?? null };
  const cpu = cpus();
  const summary = {
    bench: "v2",
    server: serverLabel,
    store,
    auth,
    tickets: COUNT,
    concurrency: CONCURRENCY,
    accepted: accepted.length,
    processed: mine.length,
    failed,
    pending: stillPending,
    lost,
    rejected: rejected.length,
    post_ms: { median: round(percentile(postMs, 50)), p99: round(percentile(postMs, 99)) },
    accept_to_processed_ms: { median: round(percentile(queueMs, 50)), p99: round(percentile(queueMs, 99)) },
    accept_rate_per_s: round(accepted.length / postSeconds),
    end_to_end_per_s: mine.length ? round(mine.length / e2eSeconds) : 0,
    end_to_end_s: round(e2eSeconds),
    models,
    urgency_models: urgencyModels,
    m2_after: m2State,
    pops_in_score_order: scoreOrdered,
    foreign_pops: foreign,
    machine: { cores: cpu.length, cpu: cpu[0]?.model.trim() ?? "?", node: process.version, load_1m: round(load) },
  };

  console.log();
  console.log(`bench:v2  ${COUNT} sample tickets · ${CONCURRENCY} in flight · ${serverLabel} · ${store} store · auth ${auth}`);
  table(
    ["", ">p50", ">p99"],
    [
      ["POST /v2/tickets (client)", ms(summary.post_ms.median), ms(summary.post_ms.p99)],
      ["accepted → processed (server)", ms(summary.accept_to_processed_ms.median), ms(summary.accept_to_processed_ms.p99)],
    ],
  );
  console.log(`  end-to-end    ${summary.end_to_end_per_s} tickets/s  (${mine.length} tickets, first accept → last processed in ${summary.end_to_end_s} s)`);
  console.log(`  accept rate   ${summary.accept_rate_per_s} POST/s`);
  const tally = (counts: Record<string, number>) => Object.entries(counts).map(([k, v]) => `${k}×${v}`).join(" ");
  console.log(`  scored by     category: ${tally(models)} · urgency: ${tally(urgencyModels)}`);
  console.log(`  /health after models.live ${String(m2State.live)}, m2 ${String(m2State.state)}${m2State.reason ? ` (${String(m2State.reason)})` : ""}  (the API Worker's view; with a separate consumer Worker the results' model fields above are what count)`);
  console.log(`  outcome       ${mine.length} processed · ${failed} failed · ${lost} lost · ${stillPending} pending · ${rejected.length} rejected`);
  console.log(`  pops          ${popped.length} drained, ${scoreOrdered ? "in descending score order" : "NOT in score order"}${foreign ? `, ${foreign} not ours` : ""}`);
  console.log(`  machine       ${cpu.length} cores (${summary.machine.cpu}), node ${process.version}, 1-min load ${summary.machine.load_1m} at start`);
  console.log(JSON.stringify(summary));

  const good = !timedOut && failed === 0 && lost === 0 && stillPending === 0 && rejected.length === 0 && mine.length === COUNT && scoreOrdered;
  if (!good) console.error("\nbench:v2 FAILED: every ticket must be accepted, processed and popped back in score order.");
  return good ? 0 : 1;
}

/** The sample's tickets, cycled to COUNT, trimmed to what the API accepts. */
async function benchInputs(): Promise<Input[]> {
  const { tickets, path } = await loadTickets(process.env.TICKETS_CSV ?? SAMPLE_DATASET_PATH).catch(exitIfDatasetMissing);
  if (tickets.length === 0) throw new Error(`no tickets in ${path}`);
  log(`${tickets.length} tickets from ${path}${tickets.length < COUNT ? ", cycled" : ""}`);
  return Array.from({ length: COUNT }, (_, i) => {
    const t = tickets[i % tickets.length]!;
    const body = t.body.trim().slice(0, BODY_MAX);
    const subject = (t.subject.trim() || body.split("\n")[0]!.slice(0, 80)).slice(0, SUBJECT_MAX);
    return { subject, body };
  });
}

/**
 * Pops every processed ticket, the auto lane and then the review lane (tickets below their
 * confidence band wait there), so none is counted lost for waiting in review.
 */
async function popAll(): Promise<TicketRecord[]> {
  const popped: TicketRecord[] = [];
  for (const path of ["/v2/tickets/next", "/v2/tickets/next?queue=review"]) {
    for (;;) {
      const reply = await request<TicketRecord & { detail?: string }>("GET", path);
      if (reply.status === 404) break;
      if (reply.status !== 200) throw new Error(`GET ${path} → ${reply.status}: ${reply.body.detail ?? ""}`);
      popped.push(reply.body);
    }
  }
  return popped;
}

// ---------- HTTP ----------

async function request<T>(method: string, path: string, payload?: unknown): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (payload !== undefined) headers["content-type"] = "application/json";
  if (TOKEN) headers.authorization = `Bearer ${TOKEN}`;
  const res = await fetch(BASE + path, {
    method,
    headers,
    body: payload === undefined ? undefined : JSON.stringify(payload),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  if (res.status === 401) throw new Error(`${method} ${path} → 401: set API_TOKEN to the server's token`);
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

async function expectOk<T>(method: string, path: string): Promise<{ status: number; body: T }> {
  const reply = await request<T>(method, path);
  if (reply.status !== 200) throw new Error(`${method} ${path} → ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply;
}

async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (i < items.length) {
        const at = i++;
        out[at] = await fn(items[at]!);
      }
    }),
  );
  return out;
}

// ---------- small helpers ----------



function lookup(root: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), root);
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error instanceof Error ? error.message : String(error));
}

const round = (x: number) => Math.round(x * 10) / 10;
const ms = (x: number) => `${x} ms`;
const log = (line: string) => console.error(line);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`\nbench:v2 failed: ${error instanceof Error ? error.message : String(error)}`);
    if (!BASE && !args.url) console.error("(the dev server did not start)");
    else if ((error as { cause?: { code?: string } }).cause?.code === "ECONNREFUSED") console.error(`No server answers at ${BASE}.`);
    process.exit(1);
  },
);
