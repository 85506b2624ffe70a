/**
 * npm run bench:v1 [-- --repeats 3] [--concurrency 8] [--tenants 1,4] [--modes workerd,dev,dev-tracing]
 *                  [--count N] [--cheap 300] [--fsync 200]
 *
 * /v1 throughput and latency at the HTTP level: the sample's tickets POSTed to /v1/tickets with
 * a fixed number in flight, through the API Worker and its Router Durable Object(s), in three
 * servers started side by side with throwaway state:
 * - workerd:     both Workers in workerd through Miniflare, no `wrangler dev` (bench/v1-workerd.ts);
 * - dev:         `wrangler dev` as `npm run dev` starts it (local tracing off, dev/local-tracing.ts);
 * - dev-tracing: `wrangler dev` with wrangler's own default, local tracing on.
 * Each pass spreads its requests round-robin over 1 or N tenants (API_TOKENS with one token per
 * tenant; the 1-tenant pass uses the first), then drains every tenant's queue and checks that
 * exactly the posted tickets come back. A cheap route (GET /v1/tickets/peek on the empty queue,
 * 404) shows the fixed cost of a request. Repeats alternate the modes (rotated each repeat)
 * so noise on the shared machine falls on all of them; the table is the median over repeats.
 * Server CPU is the CPU time of each server's processes (wrangler, workerd) over the pass, from
 * /proc: less sensitive to other jobs than wall time. Last, untimed, `--fsync` POSTs per mode
 * run under `strace -f -c` (when strace is installed) to count sync-to-disk calls per POST.
 * Exit 0 when every pass measured what it
 * says; 1 with the reason otherwise (a POST not 201, a drain that does not return exactly what
 * was posted, a peek that is not 404, a server that does not start).
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { exitIfDatasetMissing, loadTickets, SAMPLE_DATASET_PATH } from "../dataset/load.ts";
import { startDevServer } from "../dev/dev-server.ts";
import { LOCAL_TRACING_VAR } from "../dev/local-tracing.ts";
import { BODY_MAX, SUBJECT_MAX } from "../src/schemas/ticket.ts";
import { countSyncCalls, straceAvailable, SYNC_CALLS } from "./v1-syscalls.ts";
import { cpuSeconds, processTree, startWorkerd } from "./v1-workerd.ts";
import { median, medianOfPasses, modeOrder, parseCounts, positiveInt, type PassSummary, summarizePass, tenantTokens, tokenFor } from "./v1-stats.ts";
import { table } from "./table.ts";

const MODES = {
  workerd: "workerd (Miniflare, no dev proxy, no tracing)",
  dev: "wrangler dev, local tracing off (npm run dev)",
  "dev-tracing": "wrangler dev, local tracing on (wrangler's default)",
} as const;
type Mode = keyof typeof MODES;

const { values: args } = parseArgs({
  options: {
    repeats: { type: "string", default: "3" },
    concurrency: { type: "string", default: "8" },
    tenants: { type: "string", default: "1,4" },
    modes: { type: "string", default: Object.keys(MODES).join(",") },
    count: { type: "string" },
    cheap: { type: "string", default: "300" },
    fsync: { type: "string", default: "200" },
  },
});
const REPEATS = positiveInt(args.repeats, "--repeats");
const CONCURRENCY = positiveInt(args.concurrency, "--concurrency");
const TENANT_COUNTS = parseCounts(args.tenants, "--tenants");
const CHEAP = positiveInt(args.cheap, "--cheap");
const FSYNC = args.fsync === "0" ? 0 : positiveInt(args.fsync, "--fsync");
const SELECTED: Mode[] = args.modes.split(",").map((m) => {
  const mode = m.trim();
  if (!(mode in MODES)) throw new Error(`--modes: unknown mode "${mode}" (known: ${Object.keys(MODES).join(", ")})`);
  return mode as Mode;
});
const REQUEST_TIMEOUT_MS = 30_000;

type Input = { subject: string; body: string };
interface Server {
  mode: Mode;
  url: string;
  startupMs: number;
  /** CPU seconds of every process of this server now. */
  cpu(): number;
  /** Every process of this server now (wrangler, workerd). */
  pids(): number[];
  stop(): Promise<void>;
}
interface Pass extends PassSummary {
  cpuMsPerRequest: number;
}

async function main(): Promise<number> {
  const inputs = await benchInputs();
  const { apiTokens, tokens } = tenantTokens(Math.max(...TENANT_COUNTS));
  // The servers authenticate with the bench's own tokens only; a caller's API_TOKEN would add a
  // second token to compare in one mode and not the other.
  Reflect.deleteProperty(process.env, "API_TOKEN");
  const load = { start: loadavg()[0]! };
  const servers: Server[] = [];
  const stopAll = async () => {
    for (const s of servers.splice(0)) await s.stop().catch((e: unknown) => log(`stopping ${s.mode}: ${describe(e)}`));
  };
  try {
    for (const mode of SELECTED) {
      log(`starting ${mode}: ${MODES[mode]}…`);
      const server = await startServer(mode, apiTokens);
      servers.push(server);
      log(`  ready at ${server.url} in ${(server.startupMs / 1000).toFixed(1)} s`);
    }
    for (const server of servers) await warmUp(server, inputs, tokens);

    const posts = new Map<string, Pass[]>();
    const cheap = new Map<Mode, Pass[]>();
    for (let r = 0; r < REPEATS; r++) {
      const order = modeOrder(servers, r);
      for (const tenants of TENANT_COUNTS) {
        for (const server of order) {
          const pass = await postPass(server, inputs, tenants, tokens);
          push(posts, `${server.mode}|${tenants}`, pass);
          log(`  repeat ${r + 1}/${REPEATS} · ${server.mode.padEnd(11)} · ${tenants} tenant(s): ${fmt(pass.perSecond)} tickets/s, p50 ${fmt(pass.p50Ms)} ms, p99 ${fmt(pass.p99Ms)} ms, server CPU ${fmt(pass.cpuMsPerRequest)} ms/POST`);
        }
      }
      for (const server of order) {
        const pass = await cheapPass(server, tokens[0]!);
        push(cheap, server.mode, pass);
        log(`  repeat ${r + 1}/${REPEATS} · ${server.mode.padEnd(11)} · peek 404: ${fmt(pass.perSecond)} req/s, p50 ${fmt(pass.p50Ms)} ms, server CPU ${fmt(pass.cpuMsPerRequest)} ms/request`);
      }
    }
    const loadEnd = loadavg()[0]!;
    const syncs = await fsyncPasses(servers, inputs, tokens[0]!);
    await stopAll();
    report(posts, cheap, syncs, inputs.length, { start: load.start, end: loadEnd });
    return 0;
  } finally {
    await stopAll();
  }
}

async function startServer(mode: Mode, apiTokens: string): Promise<Server> {
  if (mode === "workerd") {
    const started = performance.now();
    const s = await startWorkerd({ API_TOKENS: apiTokens });
    return { mode, url: s.url, startupMs: performance.now() - started, cpu: () => treeCpu(s.pids), pids: () => s.pids.flatMap(processTree), stop: s.stop };
  }
  const s = await startDevServer({ vars: { API_TOKENS: apiTokens }, env: { [LOCAL_TRACING_VAR]: mode === "dev-tracing" ? "true" : "false" } });
  return { mode, url: s.url, startupMs: s.startupMs, cpu: () => treeCpu([s.pid]), pids: () => processTree(s.pid), stop: () => s.stop() };
}

function treeCpu(roots: number[]): number {
  return roots.flatMap(processTree).reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

/** First calls load M1 into each tenant's Router and JIT the paths: not part of any pass. */
async function warmUp(server: Server, inputs: Input[], tokens: string[]): Promise<void> {
  const warm = inputs.slice(0, Math.max(50, tokens.length * 10));
  await runBounded(warm.length, CONCURRENCY, async (i) => {
    const reply = await request(server, "POST", "/v1/tickets", tokenFor(i, tokens.length, tokens), warm[i]);
    if (reply.status !== 201) throw new Error(`${server.mode}: warm-up POST /v1/tickets → ${reply.status} ${reply.text.slice(0, 200)}`);
  });
  const drained = await drainAll(server, tokens);
  if (drained !== warm.length) throw new Error(`${server.mode}: warm-up posted ${warm.length} tickets but the drain returned ${drained}`);
}

async function postPass(server: Server, inputs: Input[], tenants: number, tokens: string[]): Promise<Pass> {
  const latencies: number[] = [];
  const cpuBefore = server.cpu();
  const started = performance.now();
  await runBounded(inputs.length, CONCURRENCY, async (i) => {
    const t0 = performance.now();
    const reply = await request(server, "POST", "/v1/tickets", tokenFor(i, tenants, tokens), inputs[i]);
    latencies.push(performance.now() - t0);
    if (reply.status !== 201) throw new Error(`${server.mode}: POST /v1/tickets → ${reply.status} ${reply.text.slice(0, 200)}`);
  });
  const wallMs = performance.now() - started;
  const cpuMs = (server.cpu() - cpuBefore) * 1000;
  // Outside the timing: every posted ticket must come back exactly once, and the next pass
  // starts from empty queues.
  const drained = await drainAll(server, tokens.slice(0, tenants));
  if (drained !== inputs.length) throw new Error(`${server.mode}, ${tenants} tenant(s): posted ${inputs.length} tickets but the drain returned ${drained}`);
  return { ...summarizePass({ requests: inputs.length, wallMs, latenciesMs: latencies }), cpuMsPerRequest: cpuMs / inputs.length };
}

async function cheapPass(server: Server, token: string): Promise<Pass> {
  const latencies: number[] = [];
  const cpuBefore = server.cpu();
  const started = performance.now();
  await runBounded(CHEAP, CONCURRENCY, async () => {
    const t0 = performance.now();
    const reply = await request(server, "GET", "/v1/tickets/peek", token);
    latencies.push(performance.now() - t0);
    if (reply.status !== 404) throw new Error(`${server.mode}: GET /v1/tickets/peek on an empty queue → ${reply.status}, expected 404`);
  });
  const wallMs = performance.now() - started;
  const cpuMs = (server.cpu() - cpuBefore) * 1000;
  return { ...summarizePass({ requests: CHEAP, wallMs, latenciesMs: latencies }), cpuMsPerRequest: cpuMs / CHEAP };
}

/** Sync-to-disk calls per POST for each server, from an untimed pass under strace; null when not measured. */
async function fsyncPasses(servers: Server[], inputs: Input[], token: string): Promise<Map<Mode, Record<string, number>> | null> {
  if (FSYNC === 0) return null;
  if (!straceAvailable()) {
    log("fsync pass skipped: strace not found (apt-get install strace), or --fsync 0");
    return null;
  }
  const out = new Map<Mode, Record<string, number>>();
  const batch = inputs.slice(0, Math.min(FSYNC, inputs.length));
  for (const server of servers) {
    const counts = await countSyncCalls(server.pids(), () =>
      runBounded(batch.length, CONCURRENCY, async (i) => {
        const reply = await request(server, "POST", "/v1/tickets", token, batch[i]);
        if (reply.status !== 201) throw new Error(`${server.mode}: POST /v1/tickets under strace → ${reply.status} ${reply.text.slice(0, 200)}`);
      }),
    );
    const drained = await drainAll(server, [token]);
    if (drained !== batch.length) throw new Error(`${server.mode}: fsync pass posted ${batch.length} tickets but the drain returned ${drained}`);
    const perPost = Object.fromEntries(Object.entries(counts).map(([name, n]) => [name, n / batch.length]));
    out.set(server.mode, perPost);
    log(`  fsync pass · ${server.mode.padEnd(11)} · ${batch.length} POSTs: ${Object.entries(perPost).map(([k, v]) => `${k} ${fmt(v)}`).join(", ") || "no sync calls"} per POST`);
  }
  return out;
}

/** Empties each token's tenant queue page by page; how many tickets came back. */
async function drainAll(server: Server, tokens: string[]): Promise<number> {
  let total = 0;
  for (const token of tokens) {
    for (;;) {
      const reply = await request(server, "DELETE", "/v1/tickets?limit=500", token);
      if (reply.status !== 200) throw new Error(`${server.mode}: DELETE /v1/tickets → ${reply.status} ${reply.text.slice(0, 200)}`);
      const body = JSON.parse(reply.text) as { drained: number; remaining: number };
      total += body.drained;
      if (body.remaining === 0) break;
    }
  }
  return total;
}

// ---------- report ----------

function report(posts: Map<string, Pass[]>, cheap: Map<Mode, Pass[]>, syncs: Map<Mode, Record<string, number>> | null, tickets: number, load: { start: number; end: number }): void {
  const cpu = cpus();
  const cell = (mode: Mode, tenants: number) => {
    const passes = posts.get(`${mode}|${tenants}`) ?? [];
    return { ...medianOfPasses(passes), cpuMsPerRequest: median(passes.map((p) => p.cpuMsPerRequest)), passes: passes.length };
  };
  const rows: string[][] = [];
  const json: Record<string, unknown>[] = [];
  for (const mode of SELECTED) {
    for (const tenants of TENANT_COUNTS) {
      const c = cell(mode, tenants);
      rows.push([mode, String(tenants), fmt(c.perSecond), fmt(c.p50Ms), fmt(c.p99Ms), fmt(c.cpuMsPerRequest), String(c.passes)]);
      json.push({ route: "POST /v1/tickets", mode, tenants, ...roundAll(c) });
    }
  }
  for (const mode of SELECTED) {
    const passes = cheap.get(mode) ?? [];
    const c = { ...medianOfPasses(passes), cpuMsPerRequest: median(passes.map((p) => p.cpuMsPerRequest)), passes: passes.length };
    rows.push([`${mode} (peek 404)`, "1", fmt(c.perSecond), fmt(c.p50Ms), fmt(c.p99Ms), fmt(c.cpuMsPerRequest), String(c.passes)]);
    json.push({ route: "GET /v1/tickets/peek (404)", mode, tenants: 1, ...roundAll(c) });
  }
  console.log();
  console.log(`bench:v1  ${tickets} sample tickets per pass · ${CONCURRENCY} in flight · ${CHEAP} peeks · medians over ${REPEATS} repeat(s), modes alternating`);
  for (const mode of SELECTED) console.log(`  ${mode.padEnd(11)} ${MODES[mode]}`);
  table(["mode", ">tenants", ">req/s", ">p50 ms", ">p99 ms", ">server CPU ms/req", ">passes"], rows);
  const ratios: string[] = [];
  for (const tenants of TENANT_COUNTS) {
    const of = (m: Mode) => (SELECTED.includes(m) ? cell(m, tenants).perSecond : Number.NaN);
    if (SELECTED.includes("workerd") && SELECTED.includes("dev")) ratios.push(`${tenants} tenant(s): workerd ${fmt(of("workerd") / of("dev"))}× dev`);
    if (SELECTED.includes("dev") && SELECTED.includes("dev-tracing")) ratios.push(`dev ${fmt(of("dev") / of("dev-tracing"))}× dev-tracing`);
  }
  if (ratios.length) console.log(`  throughput ratios  ${ratios.join(" · ")}`);
  if (TENANT_COUNTS.length > 1) {
    const [a, b] = [TENANT_COUNTS[0]!, TENANT_COUNTS[TENANT_COUNTS.length - 1]!];
    console.log(`  ${b} vs ${a} tenant(s)  ${SELECTED.map((m) => `${m} ${fmt(cell(m, b).perSecond / cell(m, a).perSecond)}×`).join(" · ")}`);
  }
  if (syncs) {
    const per = (m: Mode) => Object.values(syncs.get(m) ?? {}).reduce((a, b) => a + b, 0);
    console.log(`  sync calls/POST (${SYNC_CALLS.join("+")}, untimed pass of ${Math.min(FSYNC, tickets)} under strace)  ${SELECTED.map((m) => `${m} ${per(m).toFixed(2)}`).join(" · ")}`);
  }
  console.log(`  machine  ${cpu.length} cores (${cpu[0]?.model.trim() ?? "?"}), node ${process.version}, 1-min load ${fmt(load.start)} at start, ${fmt(load.end)} at end`);
  console.log(JSON.stringify({ bench: "v1", tickets, concurrency: CONCURRENCY, repeats: REPEATS, cheap: CHEAP, results: json, sync_calls_per_post: syncs ? Object.fromEntries(syncs) : null, machine: { cores: cpu.length, node: process.version, load_1m: { start: round(load.start), end: round(load.end) } } }));
}

// ---------- HTTP ----------

async function request(server: Server, method: string, path: string, token: string, payload?: unknown): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (payload !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(server.url + path, {
    method,
    headers,
    body: payload === undefined ? undefined : JSON.stringify(payload),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return { status: res.status, text: await res.text() };
}

/** Runs task(0..count-1) with `limit` in flight; the first failure stops the rest. */
async function runBounded(count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (!failed && next < count) {
        const i = next++;
        try {
          await task(i);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
}

/** The sample's tickets (the first --count of them), trimmed to what the API accepts. */
async function benchInputs(): Promise<Input[]> {
  const { tickets, path } = await loadTickets(process.env.TICKETS_CSV ?? SAMPLE_DATASET_PATH).catch(exitIfDatasetMissing);
  const count = args.count === undefined ? tickets.length : positiveInt(args.count, "--count");
  if (tickets.length === 0) throw new Error(`no tickets in ${path}`);
  if (count > tickets.length) throw new Error(`--count ${count} but ${path} has ${tickets.length} tickets`);
  log(`${count} of ${tickets.length} tickets from ${path}`);
  return tickets.slice(0, count).map((t) => {
    const body = t.body.trim().slice(0, BODY_MAX);
    const subject = (t.subject.trim() || body.split("\n")[0]!.slice(0, 80)).slice(0, SUBJECT_MAX);
    return { subject, body };
  });
}

// ---------- small helpers ----------


function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  map.set(key, [...(map.get(key) ?? []), value]);
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return error instanceof Error ? `${error.message}${cause?.code ? ` (${cause.code})` : ""}` : String(error);
}

const round = (x: number) => Math.round(x * 10) / 10;
const roundAll = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)]));
const fmt = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : "?");
const log = (line: string) => console.error(line);

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`\nbench:v1 FAILED: ${describe(error)}`);
    process.exit(1);
  },
);
