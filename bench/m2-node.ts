/**
 * The Node half of `npm run bench:m2`, one runtime per process so each process's memory
 * peaks belong to that runtime alone:
 *
 *   node bench/m2-node.ts --runtime web [--tokenize]   onnxruntime-web (wasm, 1 thread) through src/m2/encoder.ts
 *   node bench/m2-node.ts --runtime native --threads 1 onnxruntime-node (CPU); --threads 0 = ORT's default
 *
 * Prints one JSON object (NodeRun). Env: TICKETS_CSV, BENCH_MIN_MS, BENCH_M2_SCALE.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import * as ortNode from "onnxruntime-node";
import { exitIfDatasetMissing, loadTickets, REPO_ROOT } from "../dataset/load.ts";
import { bundledVocab } from "../src/m2/vocab.ts";
import { WordPieceTokenizer } from "../src/m2/wordpiece.ts";
import { BENCH_PATH } from "../models/onnx/generate.ts";
import { clockResolutionMs, type PathResult } from "./measure.ts";
import {
  clsVectors,
  padIdOf,
  referenceVector,
  scaledShapes,
  sha256Hex,
  timeShapes,
  timeTokenization,
  tokenStats,
  type RunBatch,
  type ShapeResult,
  type TokenStats,
} from "./m2-measure.ts";
import { createWatchedEncoder } from "./m2-session.ts";

export type MemoryFigures = { rss: number; heapUsed: number; external: number; arrayBuffers: number };

export type NodeRun = {
  runtime: "node ORT-web" | "node ORT-native";
  /** ORT intra-op threads: 1, or "default" (ORT's choice, one per core). */
  threads: number | "default";
  ortVersion: string;
  modelSha256: string;
  modelBytes: number;
  tokenizerBuildMs: number;
  tokenize: PathResult | null;
  /** Token counts of the tickets truncated at 128 and at 64. */
  tokens: { 128: TokenStats; 64: TokenStats } | null;
  /** First session of the process; for ORT-web it includes compiling and instantiating ORT's wasm. */
  createMs: number;
  /** `after`: ORT-web's wasm memory and process.memoryUsage() after the shape's runs. */
  shapes: (ShapeResult & { after: { wasmBytes: number | null; memory: MemoryFigures } })[];
  /** ORT-web's wasm memory right after the session was created, and at the end (it never shrinks). */
  wasmBytesAfterCreate: number | null;
  wasmBytesEnd: number | null;
  /** process.memoryUsage() right after the session was created, peaks over the run (rss: getrusage max RSS). */
  memoryAfterCreate: MemoryFigures;
  memoryPeak: MemoryFigures;
  vector: number[];
};

const { values } = parseArgs({
  options: {
    runtime: { type: "string", default: "web" },
    threads: { type: "string", default: "1" },
    tokenize: { type: "boolean", default: false },
  },
  strict: true,
});
const runtime = values.runtime;
if (runtime !== "web" && runtime !== "native") throw new Error(`--runtime web|native, got ${runtime}`);
const threads = Number(values.threads);

const peak: MemoryFigures = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
function sample(): MemoryFigures {
  const m = process.memoryUsage();
  const now = { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
  for (const key of Object.keys(peak) as (keyof MemoryFigures)[]) peak[key] = Math.max(peak[key], now[key]);
  return now;
}
// ORT-native runs off the main thread, so the sampler also sees inside its runs; ORT-web's
// wasm blocks the thread, which the readings after each shape cover.
const sampler = setInterval(sample, 10);
sampler.unref();

const { tickets: rows } = await loadTickets().catch(exitIfDatasetMissing);
const tickets = rows.map((t) => ({ subject: t.subject, body: t.body }));
const started = performance.now();
const vocab = bundledVocab();
const tokenizer = new WordPieceTokenizer(vocab);
const tokenizerBuildMs = performance.now() - started;
const padId = padIdOf(vocab);
const minMs = Number(process.env.BENCH_MIN_MS ?? 2);
const tokenize = values.tokenize ? timeTokenization(tokenizer, padId, tickets, { minMs, tickMs: clockResolutionMs() }) : null;
const tokens = values.tokenize ? { 128: tokenStats(tokenizer, tickets, 128), 64: tokenStats(tokenizer, tickets, 64) } : null;

const bytes: Uint8Array = readFileSync(BENCH_PATH); // a Buffer: one copy, not two
const modelSha256 = await sha256Hex(bytes);
sample();

let run: RunBatch;
let createMs: number;
let wasmBytes: (() => number | null) | null = null;
let ortVersion: string;
if (runtime === "web") {
  const created = await createWatchedEncoder(bytes, { pooling: "cls" });
  createMs = created.createMs;
  wasmBytes = created.wasmBytes;
  run = (batch) => created.encoder.embed(batch);
  ortVersion = JSON.parse(readFileSync(resolve(REPO_ROOT, "node_modules/onnxruntime-web/package.json"), "utf8")).version;
} else {
  const options: ortNode.InferenceSession.SessionOptions = { graphOptimizationLevel: "all", executionMode: "sequential", interOpNumThreads: 1 };
  if (threads > 0) options.intraOpNumThreads = threads;
  const t0 = performance.now();
  const session = await ortNode.InferenceSession.create(bytes, options);
  createMs = performance.now() - t0;
  run = async (batch) => {
    const [b, s] = batch.dims;
    const out = await session.run({
      input_ids: new ortNode.Tensor("int64", batch.inputIds, [b, s]),
      attention_mask: new ortNode.Tensor("int64", batch.attentionMask, [b, s]),
    });
    return clsVectors(out.last_hidden_state!.data as Float32Array, batch);
  };
  ortVersion = ortNode.env.versions.common ?? "?";
}
const wasmBytesAfterCreate = wasmBytes?.() ?? null;
const memoryAfterCreate = sample();

const shapes = await timeShapes(run, tokenizer, padId, tickets, scaledShapes(Number(process.env.BENCH_M2_SCALE ?? 1)), () => ({
  wasmBytes: wasmBytes?.() ?? null,
  memory: sample(),
}));
const vector = await referenceVector(run, tokenizer, padId, tickets[0]!);
sample();
peak.rss = Math.max(peak.rss, process.resourceUsage().maxRSS * 1024);

const result: NodeRun = {
  runtime: runtime === "web" ? "node ORT-web" : "node ORT-native",
  threads: runtime === "web" ? 1 : threads > 0 ? threads : "default",
  ortVersion,
  modelSha256,
  modelBytes: bytes.byteLength,
  tokenizerBuildMs: Number(tokenizerBuildMs.toFixed(1)),
  tokenize,
  tokens,
  createMs: Number(createMs.toFixed(1)),
  shapes,
  wasmBytesAfterCreate,
  wasmBytesEnd: wasmBytes?.() ?? null,
  memoryAfterCreate,
  memoryPeak: peak,
  vector,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
