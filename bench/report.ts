/**
 * `npm run bench:m1`: M1 load time and per-ticket latency in Node and in workerd, in one
 * table and a one-line JSON summary. Training times are not here: the committed metrics
 * files hold no timings (training/stable-json.ts); train:m1 and train:urgency print theirs.
 *
 *   1. the Node half, bench/m1-node.ts (one clock reading per call, µs clock);
 *   2. Node again with bench/measure.ts, the method the workerd half must use;
 *   3. the workerd half, bench/m1.workerd.test.ts, through bench/vitest.config.ts.
 *
 * Env: TICKETS_CSV (dataset, as everywhere), BENCH_MIN_MS (ms per ticket per sweep, default 2).
 */
import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { relative } from "node:path";
import { startVitest } from "vitest/node";
import artifact from "../models/m1/model.json" with { type: "json" };
import metrics from "../models/m1/metrics.json" with { type: "json" };
import { exitIfDatasetMissing, loadTickets, REPO_ROOT, resolveTicketsPath } from "../dataset/load.ts";
import { loadM1, type M1Artifact } from "../src/m1/model.ts";
import { isolateM1 } from "../src/m1/isolate.ts";
import { scoreWithM1 } from "../src/pipeline/score.ts";
import { exitUnlessConfigsSound, runProblems } from "./bench-configs.ts";
import { categoryCounts, clockResolutionMs, timeLoads, timePaths, type PathResult } from "./measure.ts";
import type { WorkerdBench } from "./m1.workerd.test.ts";

const TARGET_MEDIAN_US = 200;
await exitUnlessConfigsSound();
const minMs = Number(process.env.BENCH_MIN_MS ?? 2);
const ticketsPath = resolveTicketsPath();
process.env.TICKETS_CSV = ticketsPath; // the workerd half's globalSetup reads the same file
const log = (line = "") => console.log(line);

// 1. The Node half, as its own script reports it.
log(`[1/3] node bench/m1-node.ts ${relative(REPO_ROOT, ticketsPath)}`);
type NodeHalf = { model: string; runtime: string; tickets: number; loadMs: number; perTicketUs: { median: number; p99: number; max: number }[] };
const nodeHalfText = execFileSync(process.execPath, ["bench/m1-node.ts", ticketsPath], { cwd: REPO_ROOT, encoding: "utf8" });
log(nodeHalfText.trim());
const nodeHalf = JSON.parse(nodeHalfText) as NodeHalf;
const nodeLast = nodeHalf.perTicketUs[nodeHalf.perTicketUs.length - 1]!;

// 2. Node with the workerd half's method, so runtime and method differences can be told apart.
log(`[2/3] node, edge-to-edge repetitions of >= ${minMs} ms per ticket`);
const tickets = (await loadTickets(ticketsPath).catch(exitIfDatasetMissing)).tickets.map((t) => ({ subject: t.subject, body: t.body }));
const firstBundled = isolateM1().loadMs;
const nodeLoad = timeLoads(() => loadM1(artifact as M1Artifact), 10);
const nodeModel = loadM1(artifact as M1Artifact);
const nodeOpts = { minMs, tickMs: clockResolutionMs() };
const { predict: nodePredict, score: nodeScore } = timePaths(
  tickets,
  { predict: (t) => nodeModel.predict(t.subject, t.body), score: (t) => scoreWithM1(t.subject, t.body) },
  nodeOpts,
);
const nodeCategories = categoryCounts(tickets.map((t) => nodeModel.predict(t.subject, t.body).category));

// 3. The workerd half; its results come back in the test's meta.
log("[3/3] workerd: vitest --config bench/vitest.config.ts");
const vitest = await startVitest("test", [], { config: "bench/vitest.config.ts", root: REPO_ROOT, run: true, watch: false });
const modules = vitest.state.getTestModules();
// A missed target is a result; a workerd half that ran other files, or failed, is not.
const ranProblems = runProblems(modules.map((m) => ({ file: m.moduleId, ok: m.ok() })), ["bench/m1.workerd.test.ts"]);
const workerd = modules
  .flatMap((m) => [...m.children.allTests()])
  .map((t) => t.meta().m1Bench as WorkerdBench | undefined)
  .find(Boolean);
await vitest.close();
if (!workerd || ranProblems.length > 0) {
  log(`workerd half did not measure: ${[...ranProblems, ...(workerd ? [] : ["no result"])].join("; ")}`);
  process.exit(1);
}
if (JSON.stringify(workerd.categories) !== JSON.stringify(nodeCategories)) {
  log(`predicted categories differ: node ${JSON.stringify(nodeCategories)} vs workerd ${JSON.stringify(workerd.categories)}`);
  process.exitCode = 1;
}

// The table.
const ms = (x: number | null | undefined, d = 1) => (x == null ? "-" : x.toFixed(d));
const us = (x: number) => x.toFixed(1);
type Row = [runtime: string, path: string, load: string, median: string, p99: string, tickets: string, note: string];
const rows: Row[] = [
  ["node", "predict", ms(nodeHalf.loadMs), us(nodeLast.median), us(nodeLast.p99), String(nodeHalf.tickets), "bench:m1:node: 1 call per reading, last of 2 passes"],
  ...(
    [
      ["node", `${ms(firstBundled)} / ${ms(nodeLoad.meanMs)}`, nodePredict, nodeScore, `${nodeOpts.tickMs < 0.01 ? "µs" : `${nodeOpts.tickMs} ms`} clock`],
      ["workerd", `${ms(workerd.firstBundledLoadMs, 0)} / ${ms(workerd.load.meanMs)}`, workerd.predict, workerd.score, `${workerd.clockResolutionMs} ms clock`],
    ] as const
  ).flatMap(([runtime, load, predict, score, clock]) =>
    ([["predict", predict], ["scoreWithM1", score]] as const).map(
      ([path, r]: readonly [string, PathResult]): Row => [
        runtime,
        path,
        path === "predict" ? load : "",
        us(r.medianUs),
        us(r.p99Us),
        String(r.tickets),
        `best of 2 sweeps of ≥${minMs} ms/ticket, median K=${r.medianCalls}, ${clock}; batch mean ${us(r.batchMeanUs)}`,
      ],
    ),
  ),
];
if (workerd.routerDo) {
  rows.push(["workerd", "Router DO enqueue", workerd.routerDo.modelLoadMsInDo == null ? "-" : ms(workerd.routerDo.modelLoadMsInDo, 0), "-", "-", String(workerd.routerDo.tickets), `RPC predict + SQLite push, serial: mean ${us(workerd.routerDo.meanUs)} µs`]);
}
const header: Row = ["runtime", "path", "load ms", "median µs/ticket", "p99 µs/ticket", "tickets", "method"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: Row) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join(" | ");

const cpu = cpus();
const shipped = metrics.shipped;
const met = workerd.score.medianUs < TARGET_MEDIAN_US && workerd.predict.medianUs < TARGET_MEDIAN_US;
const batchMet = workerd.score.batchMeanUs < TARGET_MEDIAN_US && workerd.predict.batchMeanUs < TARGET_MEDIAN_US;
const out: string[] = [];
out.push("");
out.push(`M1 "${nodeHalf.model}" (models/m1/model.json) on ${relative(REPO_ROOT, ticketsPath)}, ${tickets.length} tickets`);
out.push(`machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? "?"}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${process.platform}-${process.arch}`);
out.push("");
out.push(line(header));
out.push(widths.map((w) => "-".repeat(w)).join("-|-"));
for (const r of rows) out.push(line(r));
out.push("");
out.push("load ms: node row 1 = first loadM1 in a fresh process; rows 'first / warm' = first isolateM1() (M1 + urgency ridge) / mean of 10 fresh loadM1()");
out.push(`workerd load: fresh loadM1 mean ${ms(workerd.load.meanMs, 2)} ms (median ${ms(workerd.load.medianMs, 0)}, ${workerd.load.reps} reps); JSON.parse of model.json + urgency-ridge.json ${ms(workerd.jsonParse.meanMs, 2)} ms`);
out.push(`training: M1 shipped "${shipped.name}"; fit times are printed by npm run train:m1 / train:urgency (stderr), not committed`);
out.push(`target: median < ${TARGET_MEDIAN_US} µs/ticket in workerd: ${met ? "MET" : "NOT MET"} (predict ${us(workerd.predict.medianUs)} µs, scoreWithM1 ${us(workerd.score.medianUs)} µs)`);
out.push(
  `  stricter check, batch means (fastest of 3 passes, tickets in turn, no per-ticket cache reuse): predict ${us(workerd.predict.batchMeanUs)} µs, scoreWithM1 ${us(workerd.score.batchMeanUs)} µs: ${batchMet ? "also" : "NOT"} under ${TARGET_MEDIAN_US} µs`,
);
out.push("");

const summary = {
  bench: "m1",
  model: nodeHalf.model,
  tickets: tickets.length,
  dataset: relative(REPO_ROOT, ticketsPath),
  machine: { cores: cpu.length, cpu: cpu[0]?.model.trim(), node: process.version },
  node: { loadMs: nodeHalf.loadMs, medianUs: nodeLast.median, p99Us: nodeLast.p99, sameMethodMedianUs: nodePredict.medianUs, batchMeanUs: nodePredict.batchMeanUs, scoreMedianUs: nodeScore.medianUs, scoreP99Us: nodeScore.p99Us },
  workerd: {
    firstLoadMs: workerd.firstBundledLoadMs,
    loadMs: workerd.load.meanMs,
    medianUs: workerd.predict.medianUs,
    p99Us: workerd.predict.p99Us,
    scoreMedianUs: workerd.score.medianUs,
    scoreP99Us: workerd.score.p99Us,
    batchMeanUs: workerd.predict.batchMeanUs,
    scoreBatchMeanUs: workerd.score.batchMeanUs,
    routerDoEnqueueMeanUs: workerd.routerDo?.meanUs ?? null,
    clockMs: workerd.clockResolutionMs,
  },
  targetMedianUs: TARGET_MEDIAN_US,
  targetMet: met,
  batchMeanUnderTarget: batchMet,
};
out.push(JSON.stringify(summary));
process.stdout.write(`${out.join("\n")}\n`);
