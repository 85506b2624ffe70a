/// <reference types="node" />
/**
 * `npm run bench:m2`: the M2 encoder with the SHAPE-FAITHFUL model (models/m2/bench-encoder.onnx:
 * DistilBERT's shapes and int8 dynamic-quantized operators, random seeded weights, ~67 MB) —
 * tokenization, session creation, inference at [B, 128] and [B, 64], and memory — in workerd
 * (ORT-web, as the /v2 consumer runs it) and in Node (ORT-web, and onnxruntime-node as the
 * native reference), then verdicts, one table and a one-line JSON summary.
 *
 *   1. the model: generated (default seed) if missing, sha256;
 *   2. node bench/m2-node.ts, one process per runtime (ORT-web; ORT-native 1 thread; default threads);
 *   3. node bench/m2-variant.ts: ORT-web wasm memory of a pruned-vocabulary and a 3-layer model,
 *      for the "what it would take" lines;
 *   4. the workerd half, bench/m2.workerd.test.ts, and the same model split into graph + external
 *      weights (bench/m2-external.workerd.test.ts, its own isolate), through bench/vitest.m2.config.ts.
 *
 * Env: TICKETS_CSV (as everywhere), BENCH_MIN_MS (tokenization, ms per ticket per sweep, default 2),
 * BENCH_M2_SCALE (multiplies the inference run counts of bench/m2-measure.ts, default 1).
 */
import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { relative } from "node:path";
import { startVitest } from "vitest/node";
import { REPO_ROOT, loadTickets, resolveTicketsPath } from "../dataset/load.ts";
import { DISTILBERT_SHAPE } from "../training/onnx/shape-faithful-encoder.ts";
import type { PathResult } from "./measure.ts";
import { maxAbsDiff, type ShapeResult } from "./m2-measure.ts";
import { ensureBenchModel } from "./m2-model.ts";
import type { NodeRun } from "./m2-node.ts";
import type { VariantRun } from "./m2-variant.ts";
import type { WorkerdM2Bench } from "./m2.workerd.test.ts";
import type { WorkerdM2ExternalBench } from "./m2-external.workerd.test.ts";

const LIMIT_BYTES = 128 * 2 ** 20; // Workers: 128 MB per isolate, taken as MiB
const LATENCY_FACTOR = 2;
const log = (line = "") => console.log(line);
const MiB = (bytes: number | null | undefined) => (bytes == null ? "-" : (bytes / 2 ** 20).toFixed(1));
const mib = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));
const f = (x: number | null | undefined, d = 1) => (x == null ? "-" : x.toFixed(d));

const ticketsPath = resolveTicketsPath();
process.env.TICKETS_CSV = ticketsPath; // children and the workerd half's globalSetup read the same file
const tickets = (await loadTickets(ticketsPath)).tickets;

// 1. The model.
const model = await ensureBenchModel();
log(`[1/4] ${model.path}: ${model.bytes.byteLength} bytes, sha256 ${model.sha256}, seed ${model.seed}${model.generatedNow ? " (generated now)" : ""}`);

// 2. Node, one process per runtime.
const child = <T>(script: string, args: string[]): T => {
  log(`      node ${script} ${args.join(" ")}`);
  const text = execFileSync(process.execPath, [script, ...args], { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 64 * 2 ** 20, stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(text.trim().split("\n").at(-1)!) as T;
};
log("[2/4] node halves");
const nodeWeb = child<NodeRun>("bench/m2-node.ts", ["--runtime", "web", "--tokenize"]);
const native1 = child<NodeRun>("bench/m2-node.ts", ["--runtime", "native", "--threads", "1"]);
const nativeDefault = child<NodeRun>("bench/m2-node.ts", ["--runtime", "native", "--threads", "0"]);
const tokens = nodeWeb.tokens!;

// 3. Smaller models, for what it would take to fit.
log("[3/4] variants (ORT-web in node, wasm memory only)");
const prunedVocab = Math.ceil((tokens[128].distinctIds + 4) / 256) * 256; // ids the sample uses + [PAD]/[UNK]/[MASK] headroom
const pruned = child<VariantRun>("bench/m2-variant.ts", ["--vocab", String(prunedVocab)]);
const halfDepth = child<VariantRun>("bench/m2-variant.ts", ["--layers", String(DISTILBERT_SHAPE.layers / 2)]);

// 4. workerd.
log("[4/4] workerd: vitest --config bench/vitest.m2.config.ts");
const vitest = await startVitest("test", [], { config: "bench/vitest.m2.config.ts", root: REPO_ROOT, run: true, watch: false });
const workerdTests = vitest.state.getTestModules().flatMap((m) => [...m.children.allTests()]);
const workerd = workerdTests.map((t) => t.meta().m2Bench as WorkerdM2Bench | undefined).find(Boolean);
const external = workerdTests.map((t) => t.meta().m2ExternalBench as WorkerdM2ExternalBench | undefined).find(Boolean);
await vitest.close();
if (!workerd || !external) {
  log(`workerd half produced no ${workerd ? "externalized" : "single-file"} result (see the vitest output above)`);
  process.exit(1);
}

// Same model everywhere, and (nearly) the same output.
const shas = { file: model.sha256, workerd: workerd.modelSha256, workerdExternalSource: external.sourceSha256, nodeWeb: nodeWeb.modelSha256, native: native1.modelSha256 };
const sameModel = new Set(Object.values(shas)).size === 1;
if (!sameModel) {
  log(`model sha256 differs between runtimes: ${JSON.stringify(shas)}`);
  process.exitCode = 1;
}
const diffs = {
  workerdVsNodeWeb: maxAbsDiff(workerd.vector, nodeWeb.vector),
  externalVsSingleFile: maxAbsDiff(external.vector, workerd.vector),
  nodeWebVsNative: maxAbsDiff(nodeWeb.vector, native1.vector),
  nativeThreads: maxAbsDiff(native1.vector, nativeDefault.vector),
};
const vectorScale = Math.max(...native1.vector.map(Math.abs));
if (!(diffs.externalVsSingleFile === 0 && diffs.workerdVsNodeWeb <= 1e-3 * vectorScale && diffs.nodeWebVsNative <= 0.05 * vectorScale)) {
  log(`[CLS] vectors disagree beyond tolerance: ${JSON.stringify(diffs)} (max |x| ${vectorScale})`);
  process.exitCode = 1;
}

// The table.
type Runtime = { name: string; createMs: number; shapes: (ShapeResult & { after: { wasmBytes?: number | null } })[]; memory: string };
const runtimes: Runtime[] = [
  { name: "workerd ORT-web", createMs: workerd.createMs, shapes: workerd.shapes, memory: `wasm ${MiB(workerd.wasmBytesEnd)} MiB + model bytes ${MiB(workerd.modelBytes)} MiB` },
  { name: "workerd ORT-web, external data", createMs: external.createMs, shapes: external.shapes, memory: `wasm ${MiB(external.wasmBytesEnd)} MiB + graph ${MiB(external.graphBytes)} + weights ${MiB(external.weightsBytes)} MiB` },
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

// Verdict 2: memory. wasm memory never shrinks, so its last reading is the isolate's high-water mark.
const wasmEnd = workerd.wasmBytesEnd ?? 0;
const heapBytes = "usedBytes" in workerd.jsHeap ? workerd.jsHeap.usedBytes : 0;
const peakBytes = wasmEnd + workerd.modelBytes + heapBytes;
const memoryMet = peakBytes <= LIMIT_BYTES;
// The same verdict for the split model, counted the same way: wasm high-water mark + every
// model byte the JS side holds (graph + weights, both live while the session is created).
const externalJsBytes = external.graphBytes + external.weightsBytes;
const externalPeakBytes = (external.wasmBytesEnd ?? 0) + externalJsBytes + heapBytes;
const externalMemoryMet = externalPeakBytes <= LIMIT_BYTES;
const ext128 = shapeOf(external, 1, 128);
const wasmAfter = (b: number, s: number) => (shapeOf(workerd, b, s) as ShapeResult & { after: { wasmBytes: number | null } }).after.wasmBytes ?? 0;
const seqGrowth = wasmAfter(1, 128) - wasmAfter(1, 64);
const batchGrowth = wasmEnd - (workerd.wasmBytesAfterCreate ?? 0);
// Weight-only 4-bit (MatMulNBits, block 32, one float32 scale per block): 0.625 byte per linear
// weight instead of 1; the 3-layer variant gives what ORT-web reserves per byte of linear weights.
const linearParams = DISTILBERT_SHAPE.layers * (4 * DISTILBERT_SHAPE.hidden ** 2 + 2 * DISTILBERT_SHAPE.hidden * DISTILBERT_SHAPE.ffn);
const int4SavedModelBytes = Math.round(linearParams * (1 - 0.625));
const wasmPerLinearByte = ((nodeWeb.wasmBytesEnd ?? 0) - (halfDepth.wasmBytesEnd ?? 0)) / (model.bytes.byteLength - halfDepth.modelBytes);
const int4SavedWasm = Math.round(int4SavedModelBytes * wasmPerLinearByte);
const embeddingBytes = DISTILBERT_SHAPE.vocab * DISTILBERT_SHAPE.hidden;
const steps: [label: string, wasm: number, js: number, how: string][] = [
  ["as measured (workerd)", wasmEnd, workerd.modelBytes, "measured"],
  ["model bytes not held in JS alone", wasmEnd, 0, "external data / bytes released as ORT copies them"],
  [`vocab pruned to ${prunedVocab}`, pruned.wasmBytesEnd ?? 0, pruned.modelBytes, "measured, ORT-web in node"],
  ["+ weight-only 4-bit linears", (pruned.wasmBytesEnd ?? 0) - int4SavedWasm, pruned.modelBytes - int4SavedModelBytes, `estimate: ${MiB(int4SavedModelBytes)} MiB fewer weight bytes × ${wasmPerLinearByte.toFixed(2)} wasm bytes per linear-weight byte (3-layer variant)`],
  ["+ model bytes not held in JS", (pruned.wasmBytesEnd ?? 0) - int4SavedWasm, 0, "external data / bytes released as ORT copies them"],
];

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
  `  workerd ORT-web, external data: wasm after create ${MiB(external.wasmBytesAfterCreate)}, after ${external.shapes.map((s) => `${s.batch}×${s.sequence} ${MiB(s.after.wasmBytes)}`).join(", ")}; model bytes held in JS ${MiB(externalJsBytes)} (graph ${MiB(external.graphBytes)} + weights ${MiB(external.weightsBytes)})`,
);
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
out.push(
  `  consumer peak memory within 128 MiB per isolate: ${memoryMet ? "YES" : "NO"} — wasm ${MiB(wasmEnd)} + model bytes ${MiB(workerd.modelBytes)}${heapBytes ? ` + JS heap ${MiB(heapBytes)}` : " (+ JS heap, not measurable in workerd)"} = ${MiB(peakBytes)} MiB`,
);
out.push(
  `    breakdown: the model's 30,522×768 word-embedding table is stored uint8 (${MiB(embeddingBytes)} MiB; float32 would be ${MiB(embeddingBytes * 4)} MiB) and dequantized after the Gather; linear weights int8 ${MiB(linearParams)} MiB. wasm grows ${MiB(batchGrowth)} MiB past session creation for all shapes (seq 128 over 64 at batch 1: ${MiB(seqGrowth)} MiB): creation sets the peak, so a shorter sequence saves time, not memory. The consumer drops the model bytes once the session exists, but wasm memory never shrinks.`,
);
out.push(
  `  the same, model split into graph + external weights (npm run models:externalize; R2 <key>.weights.bin): ${externalMemoryMet ? "YES" : "NO"} — wasm ${MiB(external.wasmBytesEnd)} + model bytes ${MiB(externalJsBytes)}${heapBytes ? ` + JS heap ${MiB(heapBytes)}` : " (+ JS heap)"} = ${MiB(externalPeakBytes)} MiB; once the Worker drops the bytes after session creation: ${MiB(external.wasmBytesEnd)} MiB. Batch 1 × 128: ${f(ext128.perTicketMs.median)} ms/ticket (single file ${f(w128.perTicketMs.median)}), session ${f(external.createMs, 0)} ms (single file ${f(workerd.createMs, 0)}), [CLS] vector ${diffs.externalVsSingleFile === 0 ? "bit-identical" : `max |Δ| ${diffs.externalVsSingleFile.toExponential(2)}`}`,
);
if (!memoryMet) {
  out.push("    what it would take (wasm + JS model bytes; each '+' row adds to the rows above it, from the pruned vocabulary on):");
  for (const [label, wasm, js, how] of steps) {
    out.push(`      ${label.padEnd(32)} ${MiB(wasm).padStart(6)} + ${MiB(js).padStart(5)} = ${MiB(wasm + js).padStart(6)} MiB ${wasm + js <= LIMIT_BYTES ? "fits" : "over"}  (${how})`);
  }
}
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
  sessionMs: { workerdWeb: Number(workerd.createMs.toFixed(0)), workerdWebExternal: Number(external.createMs.toFixed(0)), nodeWeb: nodeWeb.createMs, nodeNative1: native1.createMs, nodeNativeDefault: nativeDefault.createMs },
  inference: { workerdWeb: shapeSummary(workerd), workerdWebExternal: shapeSummary(external), nodeWeb: shapeSummary(nodeWeb), nodeNative1: shapeSummary(native1), nodeNativeDefault: shapeSummary(nativeDefault) },
  memory: {
    workerd: { wasmAfterCreateMiB: mib(workerd.wasmBytesAfterCreate ?? 0), wasmMiB: mib(wasmEnd), modelBytesMiB: mib(workerd.modelBytes), jsHeapMiB: "usedBytes" in workerd.jsHeap ? mib(workerd.jsHeap.usedBytes) : null, peakMiB: mib(peakBytes) },
    workerdExternal: { wasmAfterCreateMiB: mib(external.wasmBytesAfterCreate ?? 0), wasmMiB: mib(external.wasmBytesEnd ?? 0), graphMiB: mib(external.graphBytes), weightsMiB: mib(external.weightsBytes), peakMiB: mib(externalPeakBytes) },
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
    externalMemoryWithinLimit: externalMemoryMet,
    whatItWouldTakeMiB: Object.fromEntries(steps.map(([label, wasm, js]) => [label, mib(wasm + js)])),
  },
};
out.push(JSON.stringify(summary));
process.stdout.write(`${out.join("\n")}\n`);
