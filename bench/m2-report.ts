/**
 * `npm run bench:m2`: the M2 encoder with the SHAPE-FAITHFUL model (models/m2/bench-encoder.onnx:
 * DistilBERT's shapes and int8 dynamic-quantized operators, random seeded weights, ~67 MB) —
 * tokenization, session creation, inference at [B, 128] and [B, 64], and memory — in workerd
 * (ORT-web, as the /v2 consumer runs it) and in Node (ORT-web, and onnxruntime-node as the
 * native reference), then verdicts, one table and a one-line JSON summary.
 *
 *   1. the model: generated (default seed) if missing, sha256;
 *   2. node bench/m2-node.ts, one process per runtime (ORT-web; ORT-native 1 thread; default threads);
 *   3. node bench/m2-variant.ts: ORT-web time of a 3-layer model, for the speed verdict's
 *      "what it would take" line; node bench/m2-heap.ts: the consumer's JS heap, which
 *      workerd does not expose;
 *   4. the workerd half, bench/m2.workerd.test.ts; the same model split into graph + external
 *      weights (bench/m2-external.workerd.test.ts); and pruned to the tickets' vocabulary, then
 *      split (bench/m2-slim.workerd.test.ts: the layout the Worker is meant to load) — each in
 *      its own isolate, through bench/vitest.m2.config.ts.
 *
 * Env: TICKETS_CSV (as everywhere), BENCH_MIN_MS (tokenization, ms per ticket per sweep, default 2),
 * BENCH_M2_SCALE (multiplies the inference run counts of bench/m2-measure.ts, default 1).
 */
import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { relative } from "node:path";
import { startVitest } from "vitest/node";
import { REPO_ROOT, exitIfDatasetMissing, loadTickets, resolveTicketsPath } from "../dataset/load.ts";
import { DISTILBERT_SHAPE } from "../models/onnx/shape-faithful-encoder.ts";
import type { PathResult } from "./measure.ts";
import { maxAbsDiff, type ShapeResult } from "./m2-measure.ts";
import { ensureBenchModel } from "./m2-model.ts";
import type { NodeRun } from "./m2-node.ts";
import type { HeapRun } from "./m2-heap.ts";
import type { VariantRun } from "./m2-variant.ts";
import type { WorkerdM2Bench } from "./m2.workerd.test.ts";
import type { WorkerdM2SplitBench } from "./m2-split.ts";

const LIMIT_BYTES = 128 * 2 ** 20; // Workers: 128 MB per isolate, taken as MiB
const LATENCY_FACTOR = 2;
const log = (line = "") => console.log(line);
const MiB = (bytes: number | null | undefined) => (bytes == null ? "-" : (bytes / 2 ** 20).toFixed(1));
const mib = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));
const f = (x: number | null | undefined, d = 1) => (x == null ? "-" : x.toFixed(d));

const ticketsPath = resolveTicketsPath();
process.env.TICKETS_CSV = ticketsPath; // children and the workerd half's globalSetup read the same file
const tickets = (await loadTickets(ticketsPath).catch(exitIfDatasetMissing)).tickets;

// 1. The model.
const model = await ensureBenchModel();
log(`[1/4] ${model.path}: ${model.bytes.byteLength} bytes, sha256 ${model.sha256}, seed ${model.seed}${model.generatedNow ? " (generated now)" : ""}`);

// 2. Node, one process per runtime.
const child = <T>(script: string, args: string[], nodeFlags: string[] = []): T => {
  log(`      node ${[...nodeFlags, script, ...args].join(" ")}`);
  const text = execFileSync(process.execPath, [...nodeFlags, script, ...args], { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 64 * 2 ** 20, stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(text.trim().split("\n").at(-1)!) as T;
};
log("[2/4] node halves");
const nodeWeb = child<NodeRun>("bench/m2-node.ts", ["--runtime", "web", "--tokenize"]);
const native1 = child<NodeRun>("bench/m2-node.ts", ["--runtime", "native", "--threads", "1"]);
const nativeDefault = child<NodeRun>("bench/m2-node.ts", ["--runtime", "native", "--threads", "0"]);
const tokens = nodeWeb.tokens!;

// 3. Smaller models, for what it would take to fit.
log("[3/4] half-depth variant and JS heap (node)");
const halfDepth = child<VariantRun>("bench/m2-variant.ts", ["--layers", String(DISTILBERT_SHAPE.layers / 2)]);
const heap = child<HeapRun>("bench/m2-heap.ts", [], ["--expose-gc"]);

// 4. workerd.
log("[4/4] workerd: vitest --config bench/vitest.m2.config.ts");
const vitest = await startVitest("test", [], { config: "bench/vitest.m2.config.ts", root: REPO_ROOT, run: true, watch: false });
const workerdTests = vitest.state.getTestModules().flatMap((m) => [...m.children.allTests()]);
const workerd = workerdTests.map((t) => t.meta().m2Bench as WorkerdM2Bench | undefined).find(Boolean);
const external = workerdTests.map((t) => t.meta().m2ExternalBench as WorkerdM2SplitBench | undefined).find(Boolean);
const slim = workerdTests.map((t) => t.meta().m2SlimBench as WorkerdM2SplitBench | undefined).find(Boolean);
await vitest.close();
const missing = Object.entries({ "single-file": workerd, externalized: external, "pruned + externalized": slim }).filter(([, r]) => !r).map(([name]) => name);
if (!workerd || !external || !slim) {
  log(`workerd half produced no ${missing.join(", ")} result (see the vitest output above)`);
  process.exit(1);
}

// Same model everywhere, and (nearly) the same output.
const shas = { file: model.sha256, workerd: workerd.modelSha256, workerdExternalSource: external.sourceSha256, workerdSlimSource: slim.sourceSha256, nodeWeb: nodeWeb.modelSha256, native: native1.modelSha256 };
const sameModel = new Set(Object.values(shas)).size === 1;
if (!sameModel) {
  log(`model sha256 differs between runtimes: ${JSON.stringify(shas)}`);
  process.exitCode = 1;
}
const diffs = {
  workerdVsNodeWeb: maxAbsDiff(workerd.vector, nodeWeb.vector),
  externalVsSingleFile: maxAbsDiff(external.vector, workerd.vector),
  // Ticket 0's ids are all kept, so pruning must not change its vector at all.
  slimVsSingleFile: maxAbsDiff(slim.vector, workerd.vector),
  nodeWebVsNative: maxAbsDiff(nodeWeb.vector, native1.vector),
  nativeThreads: maxAbsDiff(native1.vector, nativeDefault.vector),
};
const vectorScale = Math.max(...native1.vector.map(Math.abs));
if (!(diffs.externalVsSingleFile === 0 && diffs.slimVsSingleFile === 0 && diffs.workerdVsNodeWeb <= 1e-3 * vectorScale && diffs.nodeWebVsNative <= 0.05 * vectorScale)) {
  log(`[CLS] vectors disagree beyond tolerance: ${JSON.stringify(diffs)} (max |x| ${vectorScale})`);
  process.exitCode = 1;
}

// The table.
type Runtime = { name: string; createMs: number; shapes: (ShapeResult & { after: { wasmBytes?: number | null } })[]; memory: string };
const runtimes: Runtime[] = [
  { name: "workerd ORT-web", createMs: workerd.createMs, shapes: workerd.shapes, memory: `wasm ${MiB(workerd.wasmBytesEnd)} MiB + model bytes ${MiB(workerd.modelBytes)} MiB` },
  { name: "workerd ORT-web, external data", createMs: external.createMs, shapes: external.shapes, memory: `wasm ${MiB(external.wasmBytesEnd)} MiB + graph ${MiB(external.graphBytes)} + weights ${MiB(external.weightsBytes)} MiB` },
  { name: `workerd ORT-web, vocab ${slim.pruning!.keptVocab} + external`, createMs: slim.createMs, shapes: slim.shapes, memory: `wasm ${MiB(slim.wasmBytesEnd)} MiB + graph ${MiB(slim.graphBytes)} + weights ${MiB(slim.weightsBytes)} MiB` },
  { name: "node ORT-web", createMs: nodeWeb.createMs, shapes: nodeWeb.shapes, memory: `peak rss ${MiB(nodeWeb.memoryPeak.rss)} MiB (wasm ${MiB(nodeWeb.wasmBytesEnd)})` },
  { name: "node ORT-native 1 thread", createMs: native1.createMs, shapes: native1.shapes, memory: `peak rss ${MiB(native1.memoryPeak.rss)} MiB` },
  { name: "node ORT-native default threads", createMs: nativeDefault.createMs, shapes: nativeDefault.shapes, memory: `peak rss ${MiB(nativeDefault.memoryPeak.rss)} MiB` },
];
type Row = [runtime: string, create: string, shape: string, batchMed: string, batchP99: string, ticketMed: string, ticketP99: string, runs: string, memory: string];
const header: Row = ["runtime", "session ms", "B×seq", "median ms/batch", "p99 ms/batch", "median ms/ticket", "p99 ms/ticket", "runs", "memory"];
const rows: Row[] = runtimes.flatMap((r) =>
  r.shapes.map((s, i): Row => [
    i === 0 ? r.name : "",
    i === 0 ? f(r.createMs, 0) : "",
    `${s.batch}×${s.sequence}`,
    f(s.perBatchMs.median),
    f(s.perBatchMs.p99),
    f(s.perTicketMs.median),
    f(s.perTicketMs.p99),
    `${s.perBatchMs.n}+${s.warmup}`,
    i === 0 ? r.memory : "",
  ]),
);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: Row) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join(" | ");

const shapeOf = (r: { shapes: ShapeResult[] }, batch: number, sequence: number) => r.shapes.find((s) => s.batch === batch && s.sequence === sequence)!;
const tokRow = (name: string, t: PathResult, buildMs: number) =>
  `  ${name.padEnd(8)} median ${f(t.medianUs)} µs, p99 ${f(t.p99Us)} µs, fastest whole pass ${f(t.batchMeanUs)} µs/ticket (${t.tickets} tickets; tokenizer built in ${f(buildMs, 0)} ms)`;

// Verdict 1: latency.
const w128 = shapeOf(workerd, 1, 128);
const n128 = shapeOf(native1, 1, 128);
const latencyRatio = w128.perTicketMs.median / n128.perTicketMs.median;
const batch8Ratio = shapeOf(workerd, 8, 128).perTicketMs.median / shapeOf(native1, 8, 128).perTicketMs.median;
const seq64Ratio = shapeOf(workerd, 1, 64).perTicketMs.median / n128.perTicketMs.median;
const latencyMet = latencyRatio <= LATENCY_FACTOR;

// Verdict 2: memory. wasm memory never shrinks; the model bytes are live in JS until the
// session exists and unreferenced after (src/m2/load.ts keeps only the session). So an
// isolate peaks at the larger of: wasm after creation + the model bytes, or wasm after the
// runs — plus the JS heap, which workerd does not expose: bench/m2-heap.ts measures the
// same modules and objects in Node.
const jsHeapBytes = "usedBytes" in workerd.jsHeap ? workerd.jsHeap.usedBytes : heap.heapBytes;
const jsHeapSource = "usedBytes" in workerd.jsHeap ? workerd.jsHeap.api : "bench/m2-heap.ts in node";
type Layout = { label: string; how: string; wasmAfterCreate: number; wasmEnd: number; jsBytes: number };
const layouts: Layout[] = [
  { label: "single file", how: "", wasmAfterCreate: workerd.wasmBytesAfterCreate ?? 0, wasmEnd: workerd.wasmBytesEnd ?? 0, jsBytes: workerd.modelBytes },
  { label: "external data", how: "npm run models:externalize; R2 <key>.weights.bin", wasmAfterCreate: external.wasmBytesAfterCreate ?? 0, wasmEnd: external.wasmBytesEnd ?? 0, jsBytes: external.graphBytes + external.weightsBytes },
  { label: `vocab ${slim.pruning!.keptVocab} + external data`, how: `npm run models:prune-vocab, then models:externalize; keep set: the ids the ${tickets.length} tickets use`, wasmAfterCreate: slim.wasmBytesAfterCreate ?? 0, wasmEnd: slim.wasmBytesEnd ?? 0, jsBytes: slim.graphBytes + slim.weightsBytes },
];
const creationPeak = (l: Layout) => l.wasmAfterCreate + l.jsBytes;
const peakOf = (l: Layout) => Math.max(creationPeak(l), l.wasmEnd) + jsHeapBytes;
const [singleLayout, externalLayout, slimLayout] = layouts as [Layout, Layout, Layout];
const peakBytes = peakOf(singleLayout);
const memoryMet = peakBytes <= LIMIT_BYTES;
const externalPeakBytes = peakOf(externalLayout);
const slimPeakBytes = peakOf(slimLayout);
const slimMemoryMet = slimPeakBytes <= LIMIT_BYTES;
const MB128 = 128e6; // the other reading of "128 MB": 122.1 MiB
const ext128 = shapeOf(external, 1, 128);
const slim128 = shapeOf(slim, 1, 128);
const pruning = slim.pruning!;
const wasmAfter = (b: number, s: number) => (shapeOf(workerd, b, s) as ShapeResult & { after: { wasmBytes: number | null } }).after.wasmBytes ?? 0;
const seqGrowth = wasmAfter(1, 128) - wasmAfter(1, 64);
const batchGrowth = (workerd.wasmBytesEnd ?? 0) - (workerd.wasmBytesAfterCreate ?? 0);
const linearParams = DISTILBERT_SHAPE.layers * (4 * DISTILBERT_SHAPE.hidden ** 2 + 2 * DISTILBERT_SHAPE.hidden * DISTILBERT_SHAPE.ffn);
const embeddingBytes = DISTILBERT_SHAPE.vocab * DISTILBERT_SHAPE.hidden;
// What each further kept id costs at the creation peak (its row in JS and in wasm), from the
// two split rows; how many ids the keep set could hold before the slim layout stops fitting.
const bytesPerId = (creationPeak(externalLayout) - creationPeak(slimLayout)) / (pruning.originalVocab - pruning.keptVocab);
const idsThatFit = (limit: number) => Math.max(0, Math.floor(pruning.keptVocab + (limit - slimPeakBytes) / bytesPerId));

const cpu = cpus();
const out: string[] = [];
out.push("");
out.push(`M2 encoder bench: SHAPE-FAITHFUL model ${model.path} (${DISTILBERT_SHAPE.layers} layers, hidden ${DISTILBERT_SHAPE.hidden}, ${DISTILBERT_SHAPE.heads} heads, FFN ${DISTILBERT_SHAPE.ffn}, vocab ${DISTILBERT_SHAPE.vocab}; int8 MatMulInteger, random weights — NOT DistilBERT's accuracy, only its cost)`);
out.push(`model: ${model.bytes.byteLength} bytes (${MiB(model.bytes.byteLength)} MiB), sha256 ${model.sha256.slice(0, 16)}…; workerd built it in-test in ${f(workerd.generateMs, 0)} ms, sha256 ${workerd.modelSha256 === model.sha256 ? "identical" : "DIFFERENT"}; ORT ${nodeWeb.ortVersion} (web) / ${native1.ortVersion} (node)`);
out.push(`tickets: ${relative(REPO_ROOT, ticketsPath)}, ${tickets.length}; at 128 tokens mean ${tokens[128].meanTokens} real tokens, ${tokens[128].truncated} truncated; at 64: mean ${tokens[64].meanTokens}, ${tokens[64].truncated} truncated`);
out.push(`machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? "?"}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; workerd clock ${workerd.clockResolutionMs} ms`);
out.push("");
out.push("1. tokenization (ticket → [1,128] int64 tensors; measure.ts: best of 2 edge-to-edge sweeps per ticket):");
out.push(tokRow("workerd", workerd.tokenize, workerd.tokenizerBuildMs));
out.push(tokRow("node", nodeWeb.tokenize!, nodeWeb.tokenizerBuildMs));
out.push("");
out.push("2.+3. session creation and inference (inputs padded/truncated to exactly B×seq; real ticket texts, the same in every runtime; p99 of fewer than 100 runs is the max; runs = timed+warm-up):");
out.push(line(header));
out.push(widths.map((w) => "-".repeat(w)).join("-|-"));
for (const r of rows) out.push(line(r));
out.push("  session ms: first session of the process/isolate; node ORT-web includes compiling ORT's wasm, workerd gets it precompiled");
out.push(`  [CLS] vector of ticket 0: max |Δ| workerd vs node ORT-web ${diffs.workerdVsNodeWeb.toExponential(2)}, ORT-web vs native ${diffs.nodeWebVsNative.toExponential(2)}, native 1 vs default threads ${diffs.nativeThreads.toExponential(2)} (max |x| ${f(vectorScale, 2)})`);
out.push("");
out.push("4. memory (MiB):");
out.push(
  `  workerd ORT-web: wasm after create ${MiB(workerd.wasmBytesAfterCreate)}, after ${workerd.shapes.map((s) => `${s.batch}×${s.sequence} ${MiB(s.after.wasmBytes)}`).join(", ")}; model bytes held in JS ${MiB(workerd.modelBytes)}; JS heap: ${"usedBytes" in workerd.jsHeap ? `${workerd.jsHeap.api} ${MiB(workerd.jsHeap.usedBytes)}` : `not exposed (${workerd.jsHeap.note})`}`,
);
out.push(
  `  workerd ORT-web, external data: wasm after create ${MiB(external.wasmBytesAfterCreate)}, after ${external.shapes.map((s) => `${s.batch}×${s.sequence} ${MiB(s.after.wasmBytes)}`).join(", ")}; model bytes held in JS ${MiB(external.graphBytes + external.weightsBytes)} (graph ${MiB(external.graphBytes)} + weights ${MiB(external.weightsBytes)})`,
);
out.push(
  `  workerd ORT-web, vocab ${pruning.keptVocab} + external data: wasm after create ${MiB(slim.wasmBytesAfterCreate)}, after ${slim.shapes.map((s) => `${s.batch}×${s.sequence} ${MiB(s.after.wasmBytes)}`).join(", ")}; model bytes held in JS ${MiB(slim.graphBytes + slim.weightsBytes)} (graph ${MiB(slim.graphBytes)} + weights ${MiB(slim.weightsBytes)})`,
);
out.push(`  JS heap (bench/m2-heap.ts, node): ${MiB(heap.heapBytes)} MiB with an M2 session ready, of which ${MiB(heap.modulesBytes)} MiB libraries + M1 + tokenizer`);
for (const r of [nodeWeb, native1, nativeDefault]) {
  const p = r.memoryPeak;
  const c = r.memoryAfterCreate;
  out.push(
    `  ${`${r.runtime} ${r.threads === 1 ? "1 thread" : `${r.threads} threads`}`.padEnd(33)} peak rss ${MiB(p.rss)}, heapUsed ${MiB(p.heapUsed)}, external ${MiB(p.external)}, arrayBuffers ${MiB(p.arrayBuffers)}${r.wasmBytesEnd == null ? "" : `, wasm ${MiB(r.wasmBytesEnd)}`}; after create: rss ${MiB(c.rss)}, external ${MiB(c.external)}`,
  );
}
out.push("  (node's arrayBuffers include the 63.5 MiB model Buffer read from disk; ORT-native's own allocations show in rss only)");
out.push("");
out.push("5. verdicts:");
out.push(
  `  per-ticket inference, workerd ORT-web within ${LATENCY_FACTOR}× of ORT-native (1 thread), batch 1 × 128: ${latencyMet ? "YES" : "NO"} — ${f(w128.perTicketMs.median)} vs ${f(n128.perTicketMs.median)} ms median = ${latencyRatio.toFixed(1)}× (batch 8: ${batch8Ratio.toFixed(1)}×; vs native default threads: ${(w128.perTicketMs.median / shapeOf(nativeDefault, 1, 128).perTicketMs.median).toFixed(1)}×)`,
);
if (!latencyMet) {
  out.push(
    `    would take: ≤ ${f(n128.perTicketMs.median * LATENCY_FACTOR)} ms/ticket. Truncating to 64 tokens: ${f(shapeOf(workerd, 1, 64).perTicketMs.median)} ms = ${seq64Ratio.toFixed(1)}× native at 128 (native at 64: ${f(shapeOf(native1, 1, 64).perTicketMs.median)} ms); half the layers: ${f(halfDepth.perTicketMs.median)} ms in node ORT-web. The gap is ORT-web's wasm kernels (node ORT-web ${f(shapeOf(nodeWeb, 1, 128).perTicketMs.median)} ms), not workerd.`,
  );
}
out.push(`  consumer peak memory within 128 MiB per isolate (max(wasm after creation + model bytes, wasm after the runs) + JS heap ${MiB(jsHeapBytes)} MiB from ${jsHeapSource}):`);
for (const l of layouts) {
  const peak = peakOf(l);
  out.push(
    `    ${`${l.label}:`.padEnd(30)} ${peak <= LIMIT_BYTES ? "YES" : "NO "} ${MiB(peak).padStart(6)} MiB = max(${MiB(l.wasmAfterCreate)} + ${MiB(l.jsBytes)}, ${MiB(l.wasmEnd)}) + ${MiB(jsHeapBytes)}${peak <= MB128 ? "; also within 128 MB read as 10^6 bytes (122.1 MiB)" : peak <= LIMIT_BYTES ? "; over 128 MB read as 10^6 bytes (122.1 MiB)" : ""}${l.how ? `  (${l.how})` : ""}`,
  );
}
out.push(
  `    breakdown: the model's 30,522×768 word-embedding table is stored uint8 (${MiB(embeddingBytes)} MiB; float32 would be ${MiB(embeddingBytes * 4)} MiB) and dequantized after the Gather; linear weights int8 ${MiB(linearParams)} MiB. Single file: wasm grows ${MiB(batchGrowth)} MiB past session creation for all shapes (seq 128 over 64 at batch 1: ${MiB(seqGrowth)} MiB), so a shorter sequence saves time, not memory.`,
);
out.push(
  `    external data vs single file: batch 1 × 128 ${f(ext128.perTicketMs.median)} vs ${f(w128.perTicketMs.median)} ms/ticket, session ${f(external.createMs, 0)} vs ${f(workerd.createMs, 0)} ms, [CLS] vector ${diffs.externalVsSingleFile === 0 ? "bit-identical" : `max |Δ| ${diffs.externalVsSingleFile.toExponential(2)}`}; pruned + external: ${f(slim128.perTicketMs.median)} ms/ticket, session ${f(slim.createMs, 0)} ms, ticket 0's vector (all its ids kept) ${diffs.slimVsSingleFile === 0 ? "bit-identical" : `max |Δ| ${diffs.slimVsSingleFile.toExponential(2)}`}`,
);
out.push(
  `    headroom of the pruned layout: each further kept id costs ${f(bytesPerId / 1024, 2)} KiB at the creation peak, so a keep set of up to ~${idsThatFit(LIMIT_BYTES)} ids fits 128 MiB (~${idsThatFit(MB128)} fit 122.1 MiB); ids a ticket uses that were not kept read as [UNK] (npm run models:prune-vocab reports that rate on held-out tickets).`,
);
out.push("");

const shapeSummary = (r: { shapes: ShapeResult[] }) =>
  Object.fromEntries(r.shapes.map((s) => [`b${s.batch}s${s.sequence}`, { msPerTicket: s.perTicketMs.median, p99MsPerTicket: s.perTicketMs.p99, msPerBatch: s.perBatchMs.median, p99MsPerBatch: s.perBatchMs.p99, runs: s.perBatchMs.n }]));
const memorySummary = (r: NodeRun) => ({ peakRssMiB: mib(r.memoryPeak.rss), heapUsedMiB: mib(r.memoryPeak.heapUsed), externalMiB: mib(r.memoryPeak.external), arrayBuffersMiB: mib(r.memoryPeak.arrayBuffers), wasmMiB: r.wasmBytesEnd == null ? null : mib(r.wasmBytesEnd) });
const summary = {
  bench: "m2",
  model: { path: model.path, shapeFaithful: true, bytes: model.bytes.byteLength, sha256: model.sha256, seed: model.seed, workerdSameSha256: workerd.modelSha256 === model.sha256 },
  tickets: tickets.length,
  dataset: relative(REPO_ROOT, ticketsPath),
  machine: { cores: cpu.length, cpu: cpu[0]?.model.trim(), node: process.version },
  tokenizeUs: {
    workerd: { median: workerd.tokenize.medianUs, p99: workerd.tokenize.p99Us, passMean: workerd.tokenize.batchMeanUs },
    node: { median: nodeWeb.tokenize!.medianUs, p99: nodeWeb.tokenize!.p99Us, passMean: nodeWeb.tokenize!.batchMeanUs },
  },
  sessionMs: { workerdWeb: Number(workerd.createMs.toFixed(0)), workerdWebExternal: Number(external.createMs.toFixed(0)), workerdWebSlim: Number(slim.createMs.toFixed(0)), nodeWeb: nodeWeb.createMs, nodeNative1: native1.createMs, nodeNativeDefault: nativeDefault.createMs },
  inference: { workerdWeb: shapeSummary(workerd), workerdWebExternal: shapeSummary(external), workerdWebSlim: shapeSummary(slim), nodeWeb: shapeSummary(nodeWeb), nodeNative1: shapeSummary(native1), nodeNativeDefault: shapeSummary(nativeDefault) },
  memory: {
    jsHeap: { MiB: mib(jsHeapBytes), source: jsHeapSource, nodeModulesMiB: mib(heap.modulesBytes) },
    workerd: { wasmAfterCreateMiB: mib(workerd.wasmBytesAfterCreate ?? 0), wasmMiB: mib(workerd.wasmBytesEnd ?? 0), modelBytesMiB: mib(workerd.modelBytes), peakMiB: mib(peakBytes) },
    workerdExternal: { wasmAfterCreateMiB: mib(external.wasmBytesAfterCreate ?? 0), wasmMiB: mib(external.wasmBytesEnd ?? 0), graphMiB: mib(external.graphBytes), weightsMiB: mib(external.weightsBytes), peakMiB: mib(externalPeakBytes) },
    workerdSlim: { vocab: pruning.keptVocab, wasmAfterCreateMiB: mib(slim.wasmBytesAfterCreate ?? 0), wasmMiB: mib(slim.wasmBytesEnd ?? 0), graphMiB: mib(slim.graphBytes), weightsMiB: mib(slim.weightsBytes), peakMiB: mib(slimPeakBytes) },
    nodeWeb: memorySummary(nodeWeb),
    nodeNative1: memorySummary(native1),
    nodeNativeDefault: memorySummary(nativeDefault),
  },
  vectorMaxAbsDiff: diffs,
  verdicts: {
    latencyRatioB1S128: Number(latencyRatio.toFixed(2)),
    latencyWithin2x: latencyMet,
    peakMiB: mib(peakBytes),
    limitMiB: 128,
    memoryWithinLimit: memoryMet,
    externalPeakMiB: mib(externalPeakBytes),
    externalMemoryWithinLimit: externalPeakBytes <= LIMIT_BYTES,
    slimVocab: pruning.keptVocab,
    slimPeakMiB: mib(slimPeakBytes),
    slimMemoryWithinLimit: slimMemoryMet,
    slimMaxIdsWithin128MiB: idsThatFit(LIMIT_BYTES),
    slimMaxIdsWithin128MB: idsThatFit(MB128),
  },
};
out.push(JSON.stringify(summary));
process.stdout.write(`${out.join("\n")}\n`);
