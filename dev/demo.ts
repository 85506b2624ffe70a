/**
 * npm run demo [-- --url http://host:port] [-- --timeout 30]
 *
 * Walks a running server (npm run dev) through the seed's seven steps: health, sync
 * classification, priority pops, async accept, polling, pops by score, metrics.
 * Pops take whatever is at the head of a queue, so the demo only runs on empty queues
 * and drains everything it added: it leaves the server as it found it.
 * BASE_URL and API_TOKEN are read from the environment.
 */
import { parseArgs } from "node:util";

const { values: args } = parseArgs({ options: { url: { type: "string" }, timeout: { type: "string", default: "30" } } });
const BASE = (args.url ?? process.env.BASE_URL ?? "http://localhost:8787").replace(/\/+$/, "");
const TOKEN = process.env.API_TOKEN;
const POLL_TIMEOUT_MS = Number(args.timeout) * 1000;

type TicketText = { subject: string; body: string };

const SYNC_TICKETS: TicketText[] = [
  {
    subject: "Refund for duplicate charge on invoice",
    body: "Hello, my credit card was charged twice for the March subscription invoice. Please refund the duplicate payment and send a corrected invoice for our billing records.",
  },
  {
    subject: "URGENT: production outage, all users affected",
    body: "Our production server is down since 09:00 and no customer can log in. This is critical, please escalate immediately.",
  },
  {
    subject: "Dringend: Datenbank nicht erreichbar",
    body: "Seit heute Morgen ist unsere Datenbank nicht erreichbar und alle Systeme stehen still. Bitte dringend um sofortige Hilfe.",
  },
  {
    subject: "Human Resources inquiry about employee leave policy",
    body: "Dear Customer Support, I am writing on behalf of our Human Resources department regarding the employee leave policy and the terms of our employment contracts. Could you clarify the legal requirements for parental leave?",
  },
];

const ASYNC_TICKETS: TicketText[] = [
  {
    subject: "Feature request: dark mode for the dashboard",
    body: "Would it be possible to add a dark mode to the analytics dashboard? Just a suggestion from our team, whenever you have time.",
  },
  {
    subject: "Critical: security breach, customer data exposed",
    body: "We detected unauthorized access to our admin console an hour ago and customer data may be exposed. This is an emergency, we need immediate assistance.",
  },
  {
    subject: "Invoice shows the wrong VAT amount",
    body: "The VAT on invoice 2024-118 is calculated at 19% instead of 7%. Could you issue a corrected invoice and credit the difference?",
  },
  {
    subject: "Dringend: Zahlungen schlagen fehl",
    body: "Seit heute früh schlagen alle Kartenzahlungen in unserem Shop fehl. Wir verlieren Umsatz, bitte sofort prüfen.",
  },
];

// ---------- HTTP ----------

type Reply<T> = { status: number; body: T; ms: number };
type Detail = { detail?: string };

class ServerUnreachable extends Error {}

async function call<T>(method: string, path: string, payload?: unknown): Promise<Reply<T>> {
  const headers: Record<string, string> = {};
  if (payload !== undefined) headers["content-type"] = "application/json";
  if (TOKEN) headers.authorization = `Bearer ${TOKEN}`;
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(BASE + path, {
      method,
      headers,
      body: payload === undefined ? undefined : JSON.stringify(payload),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new ServerUnreachable(`${method} ${path}: ${describeFetchError(error)}`);
  }
  const text = await res.text();
  const ms = performance.now() - started;
  if (res.status === 401) throw new Error(`${method} ${path} → 401: the server wants a bearer token; set API_TOKEN to the server's token.`);
  let body: T;
  try {
    body = (text ? JSON.parse(text) : null) as T;
  } catch {
    throw new Error(`${method} ${path} → ${res.status} with a non-JSON body: is ${BASE} the Smart-Support server?`);
  }
  return { status: res.status, body, ms };
}

/** Like call(), but anything other than the expected status is an error naming the server's detail. */
async function expect<T>(status: number, method: string, path: string, payload?: unknown): Promise<Reply<T>> {
  const reply = await call<T>(method, path, payload);
  if (reply.status !== status) {
    throw new Error(`${method} ${path} → ${reply.status} (expected ${status}): ${(reply.body as Detail)?.detail ?? JSON.stringify(reply.body)}`);
  }
  return reply;
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

// ---------- output ----------

function heading(n: number, title: string, request: string): void {
  console.log(`\n${n}. ${title}   ${dim(request)}`);
}
const say = (line: string) => console.log(`   ${line}`);
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const ok = (good: boolean, text: string) => say(`${good ? "✓" : "✗"} ${text}`);

/** Columns right-aligned when the header starts with ">" (numbers), left otherwise. */
function table(headers: string[], rows: (string | number)[][]): void {
  const right = headers.map((h) => h.startsWith(">"));
  const names = headers.map((h) => h.replace(/^>/, ""));
  const cells = rows.map((r) => r.map(String));
  const widths = names.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  say(line(names));
  say(line(widths.map((w) => "─".repeat(w))));
  for (const r of cells) say(line(r));
}

const clip = (s: string, n = 46) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const fixed = (x: unknown, digits: number) => (typeof x === "number" ? x.toFixed(digits) : "n/a");
const level = (u: number) => (u === 1 ? "1 HIGH" : `${u} NORMAL`);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

// ---------- API shapes (only what the demo reads) ----------

type Counts = { pending: number; processed: number; message: string; review?: { processed?: number } };
/** /v2's ready tickets: `processed` counts the auto lane, `review.processed` the review lane. */
const ready = (c: Counts) => c.processed + (c.review?.processed ?? 0);
type V1Ticket = { ticket_id: string; subject: string; category: string; confidence: number; urgency_level: number; queued_at: string; routing?: Lane };
/** Tickets below their confidence band wait in the review lane: the demo empties both. */
type Lane = "auto" | "review";
const LANES: readonly Lane[] = ["auto", "review"];
const laneQuery = (lane: Lane) => (lane === "review" ? "?queue=review" : "");
type V2Accepted = { ticket_id: string; status: string; accepted_at: string };
type V2Ticket = {
  ticket_id: string;
  subject: string | null;
  status: "pending" | "processed" | "failed" | "not_found";
  category: string | null;
  urgency_score: number | null;
  confidence: number | null;
  model_used: string | null;
  accepted_at: string | null;
  processed_at: string | null;
  error: string | null;
};

// ---------- the seven steps ----------

/** What the demo has put on the server and not yet taken back, for cleanup after a failure. */
const added = { v1: 0, v2: 0 };

async function main(): Promise<void> {
  console.log(`Smart-Support Edge demo against ${BASE}`);

  heading(1, "Health", "GET /health");
  const health = (await expect<Record<string, unknown>>(200, "GET", "/health")).body;
  const v1Before = (await expect<Counts>(200, "GET", "/v1/tickets/status")).body;
  const v2Before = (await expect<Counts>(200, "GET", "/v2/tickets/status")).body;
  printHealth(health);
  say(`queues: v1 ${v1Before.pending} pending · v2 ${v2Before.pending} being scored, ${ready(v2Before)} ready`);
  if (v1Before.pending > 0 || v2Before.pending > 0 || ready(v2Before) > 0) {
    throw new Error(
      "the queues are not empty, and the demo's pops would take tickets it did not add.\n" +
        `   Empty them first (curl -X DELETE "${BASE}/v1/tickets?limit=500" and the same on /v2, repeated until "remaining" is 0), or use a fresh server.`,
    );
  }

  heading(2, "Synchronous classification", "POST /v1/tickets ×4 → 201");
  const synced: V1Ticket[] = [];
  for (const ticket of SYNC_TICKETS) {
    const reply = await expect<V1Ticket>(201, "POST", "/v1/tickets", ticket);
    added.v1++;
    synced.push(reply.body);
  }
  const postedNo = new Map(synced.map((t, i) => [t.ticket_id, i + 1]));
  table(
    [">#", "subject", "category", ">confidence", "urgency"],
    synced.map((t, i) => [i + 1, clip(t.subject), t.category, fixed(t.confidence, 2), level(t.urgency_level)]),
  );

  heading(3, "Priority pops", "GET /v1/tickets/peek, then /v1/tickets/next until 404, in each lane (auto, then review)");
  const firstLane = synced.some((t) => t.routing !== "review") ? "auto" : "review";
  const peeked = (await expect<V1Ticket>(200, "GET", `/v1/tickets/peek${laneQuery(firstLane)}`)).body;
  say(`peek → #${postedNo.get(peeked.ticket_id) ?? "?"} "${clip(peeked.subject)}" (left in place)`);
  const popped: (V1Ticket & { lane: Lane })[] = [];
  let emptyReply = "";
  for (const lane of LANES) {
    for (;;) {
      const reply = await call<V1Ticket & Detail>("GET", `/v1/tickets/next${laneQuery(lane)}`);
      if (reply.status === 404) {
        emptyReply = `then 404 ${JSON.stringify(reply.body)}`;
        break;
      }
      if (reply.status !== 200) throw new Error(`GET /v1/tickets/next${laneQuery(lane)} → ${reply.status}: ${reply.body.detail}`);
      added.v1--;
      popped.push({ ...reply.body, lane });
    }
  }
  table(
    [">pop", "lane", ">posted #", "urgency", "subject"],
    popped.map((t, i) => [i + 1, t.lane, postedNo.get(t.ticket_id) ?? "?", level(t.urgency_level), clip(t.subject)]),
  );
  say(emptyReply);
  // Priority order holds within each lane; the review lane is a queue of its own.
  const priorityOrder = popped.every((t, i) => {
    const prev = popped[i - 1];
    if (!prev || prev.lane !== t.lane) return true;
    if (prev.urgency_level !== t.urgency_level) return prev.urgency_level < t.urgency_level;
    return postedNo.get(prev.ticket_id)! < postedNo.get(t.ticket_id)!;
  });
  ok(priorityOrder && popped.length === synced.length, "HIGH before NORMAL, first-in first-out within a level");

  heading(4, "Asynchronous accept", "POST /v2/tickets ×4 → 202");
  const accepted: V2Accepted[] = [];
  const acceptRows: (string | number)[][] = [];
  for (const ticket of ASYNC_TICKETS) {
    const reply = await expect<V2Accepted>(202, "POST", "/v2/tickets", ticket);
    added.v2++;
    accepted.push(reply.body);
    acceptRows.push([accepted.length, reply.status, reply.body.status, reply.body.ticket_id.slice(0, 8), reply.ms.toFixed(0), clip(ticket.subject, 40)]);
  }
  table([">#", ">HTTP", "status", "ticket", ">ms", "subject"], acceptRows);
  say("The POST returns before scoring: a queue consumer classifies and scores in the background.");

  heading(5, "Polling until processed", "GET /v2/tickets/{id}");
  const results = await pollUntilDone(accepted.map((a) => a.ticket_id));
  const asyncNo = new Map(accepted.map((a, i) => [a.ticket_id, i + 1]));
  table(
    [">#", "status", "category", ">confidence", ">score", "model", ">accept→done ms"],
    results.map((t) => [
      asyncNo.get(t.ticket_id)!,
      t.status,
      t.category ?? "-",
      fixed(t.confidence, 2),
      fixed(t.urgency_score, 3),
      t.model_used ?? "-",
      t.accepted_at && t.processed_at ? String(Date.parse(t.processed_at) - Date.parse(t.accepted_at)) : "-",
    ]),
  );
  const failed = results.filter((t) => t.status !== "processed");
  if (failed.length > 0) throw new Error(`${failed.length} ticket(s) not processed: ${failed.map((t) => `${t.ticket_id} ${t.status} ${t.error ?? ""}`).join("; ")}`);

  heading(6, "Pops by urgency score", "GET /v2/tickets/next until 404, in each lane (auto, then review)");
  const byScore: (V2Ticket & { lane: Lane })[] = [];
  emptyReply = "";
  for (const lane of LANES) {
    for (;;) {
      const reply = await call<V2Ticket & Detail>("GET", `/v2/tickets/next${laneQuery(lane)}`);
      if (reply.status === 404) {
        emptyReply = `then 404 ${JSON.stringify(reply.body)}`;
        break;
      }
      if (reply.status !== 200) throw new Error(`GET /v2/tickets/next${laneQuery(lane)} → ${reply.status}: ${reply.body.detail}`);
      added.v2--;
      byScore.push({ ...reply.body, lane });
    }
  }
  table(
    [">pop", "lane", ">score", ">posted #", "category", "subject"],
    byScore.map((t, i) => [i + 1, t.lane, fixed(t.urgency_score, 3), asyncNo.get(t.ticket_id) ?? "?", t.category ?? "-", clip(t.subject ?? "", 40)]),
  );
  say(emptyReply);
  const descending = byScore.every((t, i) => i === 0 || byScore[i - 1]!.lane !== t.lane || (byScore[i - 1]!.urgency_score ?? 0) >= (t.urgency_score ?? 0));
  ok(descending && byScore.length === accepted.length, "highest urgency score first");

  heading(7, "Model metrics", "GET /metrics");
  printMetrics((await expect<Record<string, unknown>>(200, "GET", "/metrics")).body);

  await reportLeftAsFound();
}

async function pollUntilDone(ids: string[]): Promise<V2Ticket[]> {
  const started = performance.now();
  const latest = new Map<string, V2Ticket>();
  let lastDone = -1;
  for (;;) {
    const open = ids.filter((id) => !latest.has(id) || latest.get(id)!.status === "pending");
    const replies = await Promise.all(open.map((id) => expect<V2Ticket>(200, "GET", `/v2/tickets/${id}`)));
    for (const r of replies) latest.set(r.body.ticket_id, r.body);
    const done = ids.filter((id) => latest.get(id)!.status !== "pending").length;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (done !== lastDone) say(`${seconds.padStart(5)} s  ${done}/${ids.length} done`);
    lastDone = done;
    if (done === ids.length) return ids.map((id) => latest.get(id)!);
    if (performance.now() - started > POLL_TIMEOUT_MS) {
      throw new Error(`only ${done}/${ids.length} processed after ${POLL_TIMEOUT_MS / 1000} s (is the queue consumer running?)`);
    }
    await sleep(250);
  }
}

/** Read loosely: /health grows fields over time, and the demo should not break when it does. */
function printHealth(health: Record<string, unknown>): void {
  const at = lookup(health);
  const m1 = at("models.m1") !== undefined ? "models.m1" : "m1";
  const loaded = at(`${m1}.loaded`) === true;
  const parts = [`status ${at("status")}`, `auth ${at("auth")}`];
  if (at("models.live") !== undefined) parts.push(`live model ${at("models.live")}`);
  parts.push(loaded ? `M1 loaded in ${at(`${m1}.load_ms`)} ms` : `M1 not loaded (${at(`${m1}.error`) ?? "not used yet"})`);
  say(parts.join(" · "));
  say(`M1 hold-out accuracy ${fixed(at(`${m1}.accuracy`), 3)} · grouped-CV macro-F1 ${fixed(at(`${m1}.macro_f1`), 3)}`);
  if (at("v2.store.kind") !== undefined) {
    say(`v2 store ${at("v2.store.kind")}${at("v2.store.reachable") === false ? " (unreachable)" : ""} · webhook ${at("v2.webhook.mode") ?? "?"}`);
  }
}

/** "a.b.c" → the nested value, or undefined anywhere along the way. */
function lookup(root: unknown): (path: string) => unknown {
  return (path) => path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), root);
}

/** Headline figures only; every field is optional so a changed metrics file degrades to "n/a", not a crash. */
function printMetrics(metrics: Record<string, unknown>): void {
  const at = lookup(metrics);
  const pm = (path: string, digits = 3) => `${fixed(at(`${path}.mean`), digits)} ± ${fixed(at(`${path}.std`), digits)}`;
  const c = "m1.classifier.shipped";
  say(`M1 classifier "${at(`${c}.name`) ?? "?"}": TF-IDF + LinearSVC, trained on ${at(`${c}.final.rows`) ?? "?"} tickets`);
  table(
    ["protocol", ">accuracy", ">macro-F1"],
    [
      ["seed 15% hold-out", fixed(at(`${c}.holdout.report.accuracy`), 3), fixed(at(`${c}.holdout.report.macroF1`), 3)],
      ["grouped 5-fold CV", pm(`${c}.groupedCv.accuracy`), pm(`${c}.groupedCv.macroF1`)],
    ],
  );
  const perClass = at(`${c}.holdout.report.perClass`) as Record<string, { f1?: number }> | undefined;
  if (perClass) say(`hold-out F1 per class: ${Object.entries(perClass).map(([k, v]) => `${k} ${fixed(v.f1, 2)}`).join(" · ")}`);
  if (at(`${c}.calibration.temperature`) !== undefined) {
    say(`confidence calibration: temperature ${fixed(at(`${c}.calibration.temperature`), 3)}, ECE ${fixed(at(`${c}.calibration.oofEce.T1`), 3)} → ${fixed(at(`${c}.calibration.oofEce.fitted`), 3)}`);
  }
  const u = "m1.urgency";
  if (at(u)) {
    say(
      `urgency score (ridge, ${at(`${u}.shipped.variant`) ?? "?"}): grouped-CV RMSE ${pm(`${u}.groupedCv.ridge.rmse`)} · ` +
        `Spearman ${pm(`${u}.groupedCv.ridge.spearman`, 2)} · train-mean baseline RMSE ${fixed(at(`${u}.groupedCv.baselines.trainMean.rmse.mean`), 3)}`,
    );
  }
  const others = Object.keys(metrics).filter((k) => k !== "m1");
  if (others.length > 0) say(`also in /metrics: ${others.join(", ")}`);
}

async function reportLeftAsFound(): Promise<void> {
  const v1 = (await expect<Counts>(200, "GET", "/v1/tickets/status")).body;
  const v2 = (await expect<Counts>(200, "GET", "/v2/tickets/status")).body;
  const clean = v1.pending === 0 && v2.pending === 0 && ready(v2) === 0;
  console.log();
  ok(clean, `queues left as found: v1 ${v1.pending} pending · v2 ${v2.pending} being scored, ${ready(v2)} ready`);
  if (!clean) process.exitCode = 1;
}

/** After a failure: take back what the demo added (the queues were empty when it started). */
async function cleanUp(): Promise<void> {
  if (added.v1 === 0 && added.v2 === 0) return;
  if (added.v1 > 0 && (await call("DELETE", "/v1/tickets").catch(() => null))?.status === 200) added.v1 = 0;
  if (added.v2 > 0) {
    // Tickets still being scored land in the processed queue later; give them a moment.
    const deadline = performance.now() + 10_000;
    while (added.v2 > 0 && performance.now() < deadline) {
      const reply = await call("GET", "/v2/tickets/next").catch(() => null);
      if (reply?.status === 200) added.v2--;
      else await sleep(500);
    }
  }
  if (added.v1 > 0 || added.v2 > 0) console.error(`   cleanup incomplete: ${added.v1} v1 and ${added.v2} v2 ticket(s) the demo added may still be queued`);
  else console.error("   cleanup: the demo's tickets were taken back");
}

main().catch(async (error: unknown) => {
  if (error instanceof ServerUnreachable) {
    console.error(`\nNo server answers at ${BASE} (${error.message}).`);
    console.error("Start one with `npm run dev`, or point the demo at another: npm run demo -- --url http://host:port (or BASE_URL=...).");
  } else {
    console.error(`\nDemo failed: ${error instanceof Error ? error.message : String(error)}`);
    await cleanUp();
  }
  process.exit(1);
});
