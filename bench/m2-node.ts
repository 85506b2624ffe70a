/**
 * The Node half of `npm run bench:m2`, one runtime per process so each process's memory peak
 * belongs to that runtime alone:
 *
 *   node bench/m2-node.ts --runtime web [--singles-only] onnxruntime-web (wasm, 1 thread) through src/m2/encoder.ts
 *   node bench/m2-node.ts --runtime native --threads 1  onnxruntime-node (CPU); --threads 0 = ORT's default (one per core)
 *
 *   --level disabled|basic|extended   ORT-web at another graph optimization level (default: encoder.ts's "all")
 *   --model PATH                      another file than the bench's model (a precision variant)
 *
 * Reads the model and the workload from BENCH_M2_CONFIG (set by bench/m2-report.ts, the same
 * object the workerd half gets) and prints one JSON object (NodeRun). ORT-web's wasm memory and
 * allocator are the same in Node as in workerd, so its wasm readings stand for an isolate's
 * (bench:m2 prints both for the served model). Env: TICKETS_CSV.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import * as ortNode from "onnxruntime-node";
import { exitIfDatasetMissing, loadTickets, REPO_ROOT } from "../dataset/load.ts";
import { pool } from "../src/m2/pooling.ts";
import { bundledVocab } from "../src/m2/vocab.ts";
import { WordPieceTokenizer } from "../src/m2/wordpiece.ts";
import { sha256Hex } from "../src/util/sha256.ts";
import type { M2BenchConfig } from "./m2.global-setup.ts";
import { referenceVector, runInference, type InferenceResult, type RunBatch } from "./m2-workload.ts";

export type MemoryFigures = { rss: number; heapUsed: number; external: number; arrayBuffers: number };

export type NodeRun = InferenceResult & {
  runtime: "node ORT-web" | "node ORT-native";
  /** ORT-web's graph optimization level ("all" is encoder.ts's). */
  level: string;
  modelBytes: number;
  /** ORT intra-op threads: 1, or "default" (ORT's choice, one per core). */
  threads: number | "default";
  ortVersion: string;
  modelSha256: string;
  /** First session of the process; for ORT-web it includes compiling and instantiating ORT's wasm. */
  createMs: number;
  wasmBytesAfterCreate: number | null;
  wasmBytesEnd: number | null;
  /** process.memoryUsage() peaks over the run (rss: getrusage max RSS, the process's true peak). */
  memoryPeak: MemoryFigures;
  vector: number[];
};

const { values } = parseArgs({
  options: {
    runtime: { type: "string", default: "web" },
    threads: { type: "string", default: "1" },
    "singles-only": { type: "boolean", default: false },
    level: { type: "string", default: "all" },
    model: { type: "string" },
  },
  strict: true,
});
const runtime = values.runtime;
if (runtime !== "web" && runtime !== "native") throw new Error(`--runtime web|native, got ${runtime}`);
const threads = Number(values.threads);
const raw = process.env.BENCH_M2_CONFIG;
if (!raw) throw new Error("BENCH_M2_CONFIG is not set: run through npm run bench:m2");
const config = JSON.parse(raw) as M2BenchConfig;

const peak: MemoryFigures = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
function sample(): void {
  const m = process.memoryUsage();
  for (const key of Object.keys(peak) as (keyof MemoryFigures)[]) peak[key] = Math.max(peak[key], m[key]);
}
// ORT-native runs off the main thread, so the sampler also sees inside its runs; ORT-web's
// wasm blocks the thread, and the max RSS read at the end covers that.
const sampler = setInterval(sample, 10);
sampler.unref();

const tickets = (await loadTickets().catch(exitIfDatasetMissing)).tickets.map((t) => ({ subject: t.subject, body: t.body }));
const tokenizer = new WordPieceTokenizer(bundledVocab());
const modelPath = values.model ?? config.modelPath;
const bytes: Uint8Array = readFileSync(modelPath); // a Buffer: one copy, not two
const modelSha256 = await sha256Hex(bytes);
if (!values.model && modelSha256 !== config.sha256) throw new Error(`${modelPath} changed under the bench: sha256 ${modelSha256}`);

let run: RunBatch;
let createMs: number;
let wasmBytes: () => number | null = () => null;
let ortVersion: string;
if (runtime === "web" && values.level !== "all") {
  const { createLeverSession, OPTIMIZATION_LEVELS, watchWasmMemory } = await import("./m2-session.ts");
  const level = OPTIMIZATION_LEVELS.find((l) => l === values.level);
  if (!level) throw new Error(`--level ${OPTIMIZATION_LEVELS.join("|")}, got ${values.level}`);
  const wasm = watchWasmMemory();
  const created = await createLeverSession(bytes, level).finally(() => wasm.restore());
  createMs = created.createMs;
  wasmBytes = wasm.bytes;
  run = created.run;
  ortVersion = JSON.parse(readFileSync(resolve(REPO_ROOT, "node_modules/onnxruntime-web/package.json"), "utf8")).version;
} else if (runtime === "web") {
  const { createWatchedEncoder } = await import("./m2-session.ts");
  const created = await createWatchedEncoder(bytes, { pooling: "mean" });
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
  const tokenTypes = session.inputNames.includes("token_type_ids");
  run = async (batch) => {
    const [b, s] = batch.dims;
    const feeds: Record<string, ortNode.Tensor> = {
      input_ids: new ortNode.Tensor("int64", batch.inputIds, [b, s]),
      attention_mask: new ortNode.Tensor("int64", batch.attentionMask, [b, s]),
    };
    if (tokenTypes) feeds.token_type_ids = new ortNode.Tensor("int64", new BigInt64Array(b * s), [b, s]);
    const out = await session.run(feeds);
    const hidden = out.last_hidden_state!;
    return pool("mean", hidden.data as Float32Array, batch.attentionMask, [b, s, hidden.dims[2]!]);
  };
  ortVersion = ortNode.env.versions.common ?? "?";
}
const wasmBytesAfterCreate = wasmBytes();

const inference = await runInference(run, tokenizer, tickets, config.workload, { singlesOnly: values["singles-only"] });
const vector = await referenceVector(run, tokenizer, tickets[0]!, config.workload.maxLength);
sample();
peak.rss = Math.max(peak.rss, process.resourceUsage().maxRSS * 1024);

const result: NodeRun = {
  ...inference,
  runtime: runtime === "web" ? "node ORT-web" : "node ORT-native",
  threads: runtime === "web" ? 1 : threads > 0 ? threads : "default",
  level: runtime === "web" ? values.level : "all",
  modelBytes: bytes.byteLength,
  ortVersion,
  modelSha256,
  createMs: Number(createMs.toFixed(1)),
  wasmBytesAfterCreate,
  wasmBytesEnd: wasmBytes(),
  memoryPeak: peak,
  vector,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
