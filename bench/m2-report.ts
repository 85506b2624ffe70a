/**
 * `npm run bench:m2 [-- --model PATH] [--optional] [--no-levers] [--variant PATH …]`: the real M2 encoder
 * (all-MiniLM-L6-v2 int8, models/m2/all-minilm-l6-v2-int8/model.onnx unless --model) at the
 * tickets' real token lengths, in one run:
 *
 *   1. the token-length distribution of the tickets with the Worker's tokenizer;
 *   2. node bench/m2-node.ts: onnxruntime-node (1 thread, default threads) and onnxruntime-web,
 *      one process each; node --expose-gc bench/m2-heap.ts: the JS heap workerd does not expose;
 *   3. the workerd half, bench/m2.workerd.test.ts through bench/vitest.m2.config.ts: ORT-web
 *      as the consumer runs it, and the graph-optimization-level lever;
 *      node ORT-web at the other optimization levels and on each --variant (same weights, other
 *      precision: bench/m2_variants.py), one process each, for the levers' memory;
 *   4. verdicts against the targets (≤ 40 ms per ticket at the median length in workerd,
 *      ≤ 4× onnxruntime-node, peak < 128 MiB) and what each lever changes.
 *
 * Every runtime runs the same workload (bench/m2-workload.ts): single tickets at their own
 * lengths, the median-length ticket, queue batches of 10 grouped three ways, and single
 * tickets truncated at 128 and 64; the figure of each is the median of BENCH_M2_REPEATS passes.
 * No model: exit 1 with what to run, or exit 0 ("skipped") with --optional.
 *
 * Env: TICKETS_CSV (as everywhere), BENCH_M2_REPEATS (passes per workload, default 3),
 * BENCH_M2_TICKETS (tickets picked for the passes, a multiple of 10, default 20).
 */
import { execFileSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startVitest } from "vitest/node";
import { REPO_ROOT, exitIfDatasetMissing, loadTickets, resolveTicketsPath } from "../dataset/load.ts";
import { bundledVocab } from "../src/m2/vocab.ts";
import { WordPieceTokenizer } from "../src/m2/wordpiece.ts";
import { exitUnlessConfigsSound, runProblems } from "./bench-configs.ts";
import type { M2BenchConfig } from "./m2.global-setup.ts";
import type { HeapRun } from "./m2-heap.ts";
import { NO_MODEL_MESSAGE, resolveBenchModel } from "./m2-model.ts";
import type { NodeRun } from "./m2-node.ts";
import type { WorkerdM2Bench } from "./m2.workerd.test.ts";
import { GROUPINGS, lengthStats, maxAbsDiff, tokenLengths, type PassResult, type WorkloadConfig } from "./m2-workload.ts";

const TARGET_MS = 40;
const TARGET_RATIO = 4;
const LIMIT_BYTES = 128 * 2 ** 20; // Workers: 128 MB per isolate, taken as MiB
const MB128 = 128e6; // the other reading of "128 MB": 122.1 MiB
const log = (line = "") => console.log(line);
const MiB = (bytes: number | null | undefined) => (bytes == null ? "-" : (bytes / 2 ** 20).toFixed(1));
const mib = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));
const f = (x: number | null | undefined, d = 1) => (x == null ? "-" : x.toFixed(d));
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(0)} %`;

const { values: args } = parseArgs({
  options: {
    model: { type: "string" },
    optional: { type: "boolean", default: false },
    "no-levers": { type: "boolean", default: false },
    variant: { type: "string", multiple: true, default: [] },
  },
  strict: true,
});

await exitUnlessConfigsSound();
const lookup = await resolveBenchModel(args.model);
if (!lookup.found) {
  log(`bench:m2 ${args.optional ? "skipped" : "failed"}: ${NO_MODEL_MESSAGE} (looked for ${lookup.path})`);
  process.exit(args.optional ? 0 : 1);
}
const model = lookup.model;
const loadAtStart = loadavg()[0]!;
const ticketsPath = resolveTicketsPath();
process.env.TICKETS_CSV = ticketsPath; // children and the workerd half's globalSetup read the same file
const tickets = (await loadTickets(ticketsPath).catch(exitIfDatasetMissing)).tickets;

// 1. Token lengths, with the Worker's tokenizer.
const tokenizer = new WordPieceTokenizer(bundledVocab());
const lengths = tokenLengths(tokenizer, tickets);
const lengthFigures = lengthStats(lengths, model.maxLength);
const over = (n: number) => lengths.filter((l) => l > n).length;
log(`[1/3] ${model.path}: ${model.bytes.byteLength} bytes, sha256 ${model.sha256}; maxLength ${model.maxLength} (${model.maxLengthSource})`);
log(`      tokens per ticket (with [CLS]/[SEP], untruncated): median ${lengthFigures.median}, p90 ${lengthFigures.p90}, p99 ${lengthFigures.p99}, max ${lengthFigures.max}; ${lengthFigures.truncated} of ${tickets.length} over ${model.maxLength}`);

const workload: WorkloadConfig = {
  maxLength: model.maxLength,
  repeats: Math.max(1, Number(process.env.BENCH_M2_REPEATS ?? 3)),
  picked: Math.max(10, Number(process.env.BENCH_M2_TICKETS ?? 20)),
  truncateTo: [128, 64],
};
const config: M2BenchConfig = { modelPath: resolve(REPO_ROOT, model.path), sha256: model.sha256, workload, levers: !args["no-levers"] };
process.env.BENCH_M2_CONFIG = JSON.stringify(config);

// 2. Node, one process per runtime.
const child = <T>(script: string, childArgs: string[], nodeFlags: string[] = []): T => {
  log(`      node ${[...nodeFlags, script, ...childArgs].join(" ")}`);
  const text = execFileSync(process.execPath, [...nodeFlags, script, ...childArgs], { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 64 * 2 ** 20, stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(text.trim().split("\n").at(-1)!) as T;
};
log("[2/3] node halves");
const native1 = child<NodeRun>("bench/m2-node.ts", ["--runtime", "native", "--threads", "1"]);
const nativeDefault = child<NodeRun>("bench/m2-node.ts", ["--runtime", "native", "--threads", "0"]);
// ORT-web in Node only answers "is it workerd or the wasm?": single tickets are enough, and
// its batches would add minutes on 2 cores.
const nodeWeb = child<NodeRun>("bench/m2-node.ts", ["--runtime", "web", "--singles-only"]);
const heap = child<HeapRun>("bench/m2-heap.ts", [], ["--expose-gc"]);
// The levers that change memory, each in a process of its own (wasm memory never shrinks):
// ORT-web at the other optimization levels, and other files of the same weights (--variant).
const leverRuns: { lever: string; run: NodeRun }[] = [];
if (!args["no-levers"]) {
  for (const level of ["disabled", "basic", "extended"]) {
    leverRuns.push({ lever: `graph optimization "${level}"`, run: child<NodeRun>("bench/m2-node.ts", ["--runtime", "web", "--singles-only", "--level", level]) });
  }
}
for (const variant of args.variant) {
  const path = resolve(process.cwd(), variant);
  leverRuns.push({ lever: `variant ${relative(REPO_ROOT, path).startsWith("..") ? path : relative(REPO_ROOT, path)}`, run: child<NodeRun>("bench/m2-node.ts", ["--runtime", "web", "--singles-only", "--model", path]) });
  leverRuns.push({ lever: `variant ${relative(REPO_ROOT, path).startsWith("..") ? path : relative(REPO_ROOT, path)}, ORT-native 1 thread`, run: child<NodeRun>("bench/m2-node.ts", ["--runtime", "native", "--threads", "1", "--singles-only", "--model", path]) });
}

// 3. workerd.
log("[3/3] workerd: vitest --config bench/vitest.m2.config.ts");
const vitest = await startVitest("test", [], { config: "bench/vitest.m2.config.ts", root: REPO_ROOT, run: true, watch: false });
const modules = vitest.state.getTestModules();
const ranProblems = runProblems(modules.map((m) => ({ file: m.moduleId, ok: m.ok() })), ["bench/m2.workerd.test.ts"]);
const workerd = modules.flatMap((m) => [...m.children.allTests()]).map((t) => t.meta().m2Bench as WorkerdM2Bench | undefined).find(Boolean);
await vitest.close();
if (ranProblems.length > 0 || !workerd) {
  log(`bench:m2 failed: the workerd half did not measure: ${[...ranProblems, ...(workerd ? [] : ["no result"])].join("; ")}`);
  process.exit(1);
}

// Same model everywhere, and (nearly) the same vectors: otherwise the rows measure different things.
const shas = new Set([model.sha256, workerd.modelSha256, nodeWeb.modelSha256, native1.modelSha256, nativeDefault.modelSha256]);
const diffs = {
  workerdVsNodeWeb: maxAbsDiff(workerd.vector, nodeWeb.vector),
  nodeWebVsNative: maxAbsDiff(nodeWeb.vector, native1.vector),
  nativeThreads: maxAbsDiff(native1.vector, nativeDefault.vector),
};
const vectorScale = Math.max(...native1.vector.map(Math.abs));
const consistent = shas.size === 1 && diffs.workerdVsNodeWeb <= 1e-3 * vectorScale && diffs.nodeWebVsNative <= 0.05 * vectorScale;

// The table.
type Runtime = { name: string; run: WorkerdM2Bench | NodeRun; memory: string };
const runtimes: Runtime[] = [
  { name: "workerd ORT-web (wasm, 1 thread)", run: workerd, memory: `wasm ${MiB(workerd.wasmBytesAfterCreate)} → ${MiB(workerd.wasmBytesAfterSingles)} (singles) → ${MiB(workerd.wasmBytesEnd)} MiB (batches)` },
  { name: "node ORT-web (wasm, 1 thread)", run: nodeWeb, memory: `peak rss ${MiB(nodeWeb.memoryPeak.rss)} MiB (wasm ${MiB(nodeWeb.wasmBytesEnd)})` },
  { name: "node ORT-native, 1 thread", run: native1, memory: `peak rss ${MiB(native1.memoryPeak.rss)} MiB` },
  { name: `node ORT-native, default threads (${cpus().length} cores)`, run: nativeDefault, memory: `peak rss ${MiB(nativeDefault.memoryPeak.rss)} MiB` },
];
const grouping = (r: { groupings: PassResult[] }, label: string) => r.groupings.find((g) => g.label === label);
const single = (r: { groupings: PassResult[] }) => grouping(r, "single")!;
type Row = string[];
const header: Row = ["runtime", "session ms", "median ticket ms", "singles ms/ticket", "singles p90", ...GROUPINGS.slice(1).map((g) => `${g.grouping} ms/ticket`), ...workload.truncateTo.map((n) => `singles @${n}`)];
const rows: Row[] = runtimes.map(({ name, run }) => [
  name,
  f(run.createMs, 0),
  f(run.median.median),
  f(single(run).msPerTicket),
  f(single(run).perCallMs.p90),
  ...GROUPINGS.slice(1).map((g) => f(grouping(run, g.grouping)?.msPerTicket)),
  ...workload.truncateTo.map((n) => f(run.truncated.find((t) => t.maxLength === n)?.msPerTicket)),
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: Row) => r.map((c, i) => c.padEnd(widths[i]!)).join(" | ");

// Verdicts.
const wMedian = workerd.median.median;
const nMedian = native1.median.median;
const ratio = wMedian / nMedian;
const singlesRatio = single(workerd).msPerTicket / single(native1).msPerTicket;
const jsHeapBytes = "usedBytes" in workerd.jsHeap ? workerd.jsHeap.usedBytes : heap.heapBytes;
const jsHeapSource = "usedBytes" in workerd.jsHeap ? workerd.jsHeap.api : "bench/m2-heap.ts in node (workerd exposes none)";
// wasm memory never shrinks; the model bytes are live in JS while the session is created and
// unreferenced after (the consumer keeps only the session). So the isolate peaks at the larger
// of wasm after creation + the model bytes, or wasm after the runs, plus the JS heap.
const peakWith = (wasmAfterRuns: number | null) => Math.max((workerd.wasmBytesAfterCreate ?? 0) + workerd.modelBytes, wasmAfterRuns ?? 0) + jsHeapBytes;
const peakSingles = peakWith(workerd.wasmBytesAfterSingles);
const peakBatches = peakWith(workerd.wasmBytesEnd);
const verdicts = {
  latency: { met: wMedian <= TARGET_MS, workerdMs: wMedian, targetMs: TARGET_MS, tokens: workerd.median.tokens },
  ratio: { met: ratio <= TARGET_RATIO, ratio: Number(ratio.toFixed(2)), singlesRatio: Number(singlesRatio.toFixed(2)), target: TARGET_RATIO },
  memory: { met: peakSingles < LIMIT_BYTES, peakMiB: mib(peakSingles), peakWithBatchesMiB: mib(peakBatches), withBatchesMet: peakBatches < LIMIT_BYTES, limitMiB: 128 },
};
const yes = (met: boolean) => (met ? "MET" : "MISSED");

// Levers, each against its own baseline in the same run.
const levers: string[] = [];
const allLevel = workerd.levers.find((l) => l.level === "all");
for (const l of workerd.levers) {
  levers.push(`  graph optimization "${l.level}": median ticket ${f(l.median.median)} ms${allLevel && l !== allLevel ? ` (${pct(l.median.median / allLevel.median.median - 1)} vs "all", the consumer's level)` : ""}, session ${f(l.createMs, 0)} ms`);
}
if (workerd.levers.length === 0) levers.push("  graph optimization levels: not measured (--no-levers)");
const base = single(workerd).msPerTicket;
for (const g of GROUPINGS.slice(1)) {
  const r = grouping(workerd, g.grouping)!;
  levers.push(`  ${g.grouping}: ${f(r.msPerTicket)} ms/ticket (${pct(r.msPerTicket / base - 1)} vs singles; padding efficiency ${f(r.paddingEfficiency * 100, 0)} % of fed tokens real) — ${g.what}`);
}
for (const t of workerd.truncated) {
  levers.push(`  truncation at ${t.maxLength} tokens: singles ${f(t.msPerTicket)} ms/ticket (${pct(t.msPerTicket / base - 1)} vs ${workload.maxLength}; ${over(t.maxLength)} of ${tickets.length} tickets lose tokens — what that costs in accuracy is train:m2's to measure)`);
}
if (args.variant.length === 0) levers.push("  precision variants: none given (bench/m2_variants.py writes a float32 and a MatMulInteger int8 file of the same weights; pass them with --variant)");
// Node ORT-web rows: the same wasm and allocator as workerd, one process each, so their wasm
// readings are what an isolate would hold; compared with node ORT-web on the served model.
const isolatePeak = (r: NodeRun) => Math.max((r.wasmBytesAfterCreate ?? 0) + r.modelBytes, r.wasmBytesAfterCreate === null ? 0 : (r.wasmBytesEnd ?? 0)) + jsHeapBytes;
// How far a variant's vector moves from the served model's (ticket 0): a first look only;
// what it does to the heads' accuracy is train:m2's to measure.
const cosine = (a: readonly number[], b: readonly number[]) => {
  const dot = a.reduce((s, x, i) => s + x * b[i]!, 0);
  return dot / Math.sqrt(a.reduce((s, x) => s + x * x, 0) * b.reduce((s, x) => s + x * x, 0));
};
const leverHeader: Row = ["lever (node, own process)", "model MiB", "session ms", "median ticket ms", "singles ms/ticket", "wasm MiB create → end", "isolate peak MiB", "cos vs served (ticket 0)"];
const leverRows: Row[] = [{ lever: "served model, ORT-web \"all\" (baseline)", run: nodeWeb }, { lever: "served model, ORT-native 1 thread", run: native1 }, ...leverRuns].map(({ lever, run }) => [
  lever,
  MiB(run.modelBytes),
  f(run.createMs, 0),
  f(run.median.median),
  f(single(run).msPerTicket),
  run.wasmBytesAfterCreate === null ? "(native)" : `${MiB(run.wasmBytesAfterCreate)} → ${MiB(run.wasmBytesEnd)}`,
  run.wasmBytesAfterCreate === null ? "-" : `${MiB(isolatePeak(run))}${isolatePeak(run) < LIMIT_BYTES ? " (fits)" : ""}`,
  cosine(run.vector, native1.vector).toFixed(5),
]);
const leverWidths = leverHeader.map((h, i) => Math.max(h.length, ...leverRows.map((r) => r[i]!.length)));
const leverLine = (r: Row) => r.map((c, i) => c.padEnd(leverWidths[i]!)).join(" | ");

const cpu = cpus();
const out: string[] = [];
out.push("");
out.push(`M2 encoder bench: ${model.path} (${MiB(model.bytes.byteLength)} MiB, sha256 ${model.sha256.slice(0, 16)}…), ORT ${nodeWeb.ortVersion} (web) / ${native1.ortVersion} (node); mean pooling`);
out.push(`tickets: ${relative(REPO_ROOT, ticketsPath)}, ${tickets.length}; machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? "?"}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, 1-min load ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end; workerd clock ${workerd.clockResolutionMs} ms`);
out.push("");
out.push(`1. token lengths (Worker's tokenizer, [CLS]/[SEP] included, no padding): median ${lengthFigures.median}, p90 ${lengthFigures.p90}, p99 ${lengthFigures.p99}, max ${lengthFigures.max}, mean ${lengthFigures.mean}; over ${model.maxLength} (truncated): ${lengthFigures.truncated}; over 128: ${over(128)}; over 64: ${over(64)}`);
out.push(`   picked for the passes: ${workerd.plan.picked.length} tickets evenly spaced over the file (${workerd.plan.picked.length / 10} queue batches of 10); median ticket #${workerd.plan.medianTicket} at ${workerd.plan.medianLength} tokens`);
out.push("");
out.push(`2. ms per ticket, median of ${workload.repeats} passes (session: first of the process/isolate; node ORT-web includes compiling ORT's wasm, workerd gets it precompiled):`);
out.push(line(header));
out.push(widths.map((w) => "-".repeat(w)).join("-|-"));
for (const r of rows) out.push(line(r));
out.push(`   median ticket: the ${workerd.median.tokens}-token ticket alone, ${workerd.median.n} runs. singles: each picked ticket alone at its own length (≤ ${workload.maxLength}), p90 over tickets. Groupings:`);
for (const g of GROUPINGS.slice(1)) out.push(`     ${g.grouping}: ${g.what}`);
out.push(`   mean-pooled vector of ticket 0: max |Δ| workerd vs node ORT-web ${diffs.workerdVsNodeWeb.toExponential(2)}, ORT-web vs native ${diffs.nodeWebVsNative.toExponential(2)}, native 1 vs default threads ${diffs.nativeThreads.toExponential(2)} (max |x| ${f(vectorScale, 3)})${consistent ? "" : "  ← INCONSISTENT"}`);
out.push("");
out.push("3. memory (MiB): peak = max(wasm linear memory after session creation + the model bytes held in JS while it is created, wasm after the runs) + JS heap");
out.push(`   workerd: wasm after creation ${MiB(workerd.wasmBytesAfterCreate)}, after single tickets ${MiB(workerd.wasmBytesAfterSingles)}, after batches of 10 ${MiB(workerd.wasmBytesEnd)}; model bytes ${MiB(workerd.modelBytes)}; JS heap ${MiB(jsHeapBytes)} from ${jsHeapSource}${"usedBytes" in workerd.jsHeap ? "" : ` (${workerd.jsHeap.note})`}, of which ${MiB(heap.modulesBytes)} libraries + M1 + tokenizer`);
out.push(`   peak, one ticket per call: max(${MiB(workerd.wasmBytesAfterCreate)} + ${MiB(workerd.modelBytes)}, ${MiB(workerd.wasmBytesAfterSingles)}) + ${MiB(jsHeapBytes)} = ${MiB(peakSingles)}; with batches of 10: ${MiB(peakBatches)}`);
out.push(`   node processes (whole process, not comparable with an isolate): ${[nodeWeb, native1, nativeDefault].map((r) => `${r.runtime} ${r.threads === 1 ? "1 thread" : "default threads"} peak rss ${MiB(r.memoryPeak.rss)}`).join("; ")}`);
out.push("");
out.push("4. verdicts:");
out.push(`   ≤ ${TARGET_MS} ms per ticket in workerd at the median length (${workerd.median.tokens} tokens): ${yes(verdicts.latency.met)} — ${f(wMedian)} ms`);
out.push(`   ≤ ${TARGET_RATIO}× onnxruntime-node (1 thread): ${yes(verdicts.ratio.met)} — ${f(wMedian)} vs ${f(nMedian)} ms = ${ratio.toFixed(1)}× at the median ticket; ${singlesRatio.toFixed(1)}× over single tickets at real lengths; vs native default threads ${(wMedian / nativeDefault.median.median).toFixed(1)}×; node ORT-web ${f(nodeWeb.median.median)} ms (${(nodeWeb.median.median / nMedian).toFixed(1)}×), so the gap is ORT-web's wasm kernels, not workerd`);
out.push(`   peak < 128 MiB per isolate: ${yes(verdicts.memory.met)} — ${MiB(peakSingles)} MiB scoring one ticket per call${peakSingles >= MB128 && peakSingles < LIMIT_BYTES ? " (over 128 MB read as 10^6 bytes, 122.1 MiB)" : ""}; ${MiB(peakBatches)} MiB with batches of 10 (${yes(verdicts.memory.withBatchesMet)})`);
out.push("");
out.push("5. levers (workerd, same run):");
for (const l of levers) out.push(l);
out.push("");
out.push("   levers that change memory, node ORT-web one process each (the same wasm as workerd; isolate peak = max(wasm after creation + model bytes, wasm at the end) + the JS heap above):");
out.push(`   ${leverLine(leverHeader)}`);
out.push(`   ${leverWidths.map((w) => "-".repeat(w)).join("-|-")}`);
for (const r of leverRows) out.push(`   ${leverLine(r)}`);
out.push("");

const passSummary = (r: PassResult) => ({ msPerTicket: r.msPerTicket, passes: r.passMsPerTicket, perCallMedian: r.perCallMs.median, perCallP90: r.perCallMs.p90, calls: r.calls, tickets: r.tickets, paddingEfficiency: r.paddingEfficiency });
const runSummary = (r: WorkerdM2Bench | NodeRun) => ({
  sessionMs: Number(r.createMs.toFixed(0)),
  medianTicketMs: r.median.median,
  ...Object.fromEntries(r.groupings.map((g) => [g.label, passSummary(g)])),
  ...Object.fromEntries(r.truncated.map((t) => [`single@${t.maxLength}`, passSummary(t)])),
});
const summary = {
  bench: "m2",
  model: { path: model.path, bytes: model.bytes.byteLength, sha256: model.sha256, maxLength: model.maxLength },
  tickets: tickets.length,
  dataset: relative(REPO_ROOT, ticketsPath),
  machine: { cores: cpu.length, cpu: cpu[0]?.model.trim(), node: process.version, load1mStart: Number(loadAtStart.toFixed(1)), load1mEnd: Number(loadavg()[0]!.toFixed(1)) },
  tokens: { ...lengthFigures, over128: over(128), over64: over(64) },
  workload: { ...workload, medianTicket: workerd.plan.medianTicket, medianLength: workerd.plan.medianLength },
  workerd: { ...runSummary(workerd), levers: workerd.levers.map((l) => ({ level: l.level, sessionMs: Number(l.createMs.toFixed(0)), medianTicketMs: l.median.median })) },
  nodeWeb: runSummary(nodeWeb),
  nodeNative1: runSummary(native1),
  nodeNativeDefault: runSummary(nativeDefault),
  leverRuns: leverRuns.map(({ lever, run }) => ({ lever, modelMiB: mib(run.modelBytes), sha256: run.modelSha256, sessionMs: Number(run.createMs.toFixed(0)), medianTicketMs: run.median.median, singlesMsPerTicket: single(run).msPerTicket, wasmAfterCreateMiB: run.wasmBytesAfterCreate === null ? null : mib(run.wasmBytesAfterCreate), wasmEndMiB: run.wasmBytesEnd === null ? null : mib(run.wasmBytesEnd), isolatePeakMiB: run.wasmBytesAfterCreate === null ? null : mib(isolatePeak(run)), cosineVsServed: Number(cosine(run.vector, native1.vector).toFixed(5)) })),
  memory: {
    wasmAfterCreateMiB: mib(workerd.wasmBytesAfterCreate ?? 0),
    wasmAfterSinglesMiB: mib(workerd.wasmBytesAfterSingles ?? 0),
    wasmEndMiB: mib(workerd.wasmBytesEnd ?? 0),
    modelMiB: mib(workerd.modelBytes),
    jsHeapMiB: mib(jsHeapBytes),
    jsHeapSource,
    nodePeakRssMiB: { web: mib(nodeWeb.memoryPeak.rss), native1: mib(native1.memoryPeak.rss), nativeDefault: mib(nativeDefault.memoryPeak.rss) },
  },
  vectorMaxAbsDiff: diffs,
  verdicts,
};
out.push(JSON.stringify(summary));
process.stdout.write(`${out.join("\n")}\n`);
if (!consistent) {
  console.error(`bench:m2 failed: the runtimes did not run the same model to the same vectors (sha256s ${[...shas].join(", ")}; diffs ${JSON.stringify(diffs)})`);
  process.exit(1);
}
