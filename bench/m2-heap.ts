/**
 * The JS heap a /v2 consumer isolate holds once M2 is ready, which workerd does not expose
 * (bench:m2 adds it to the memory verdict): a fresh Node process (run with --expose-gc)
 * loads the libraries the Worker bundles (Hono, @hono/zod-openapi with zod, @upstash/redis;
 * the app itself imports cloudflare: modules Node cannot load) and builds the long-lived
 * objects of the M2 path — the bundled M1 model (computed first for every ticket), the
 * tokenizer with the bundled vocabulary, onnxruntime-web and a session on the bench's model —
 * then reports heapUsed after a full GC, less the heapUsed of the bare process before any of
 * it. ORT's wasm linear memory and the model bytes are not JS heap: the verdict counts them
 * separately. An approximation: V8 in workerd and in Node lay out the same objects alike, but
 * the Worker's own route code is not in it.
 *
 *   BENCH_M2_CONFIG='{"modelPath":…}' node --expose-gc bench/m2-heap.ts
 */
import type { M2BenchConfig } from "./m2.global-setup.ts";

export type HeapRun = { baselineBytes: number; modulesBytes: number; heapBytes: number };

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
const config = JSON.parse(process.env.BENCH_M2_CONFIG ?? "null") as M2BenchConfig | null;
if (!config) throw new Error("BENCH_M2_CONFIG is not set: run through npm run bench:m2");
const settle = () => {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
};
const baseline = settle();

const libraries = await Promise.all([import("hono"), import("@hono/zod-openapi"), import("@upstash/redis")]);
const { readFileSync } = await import("node:fs");
const { isolateM1 } = await import("../src/m1/isolate.ts");
const { bundledVocab } = await import("../src/m2/vocab.ts");
const { WordPieceTokenizer } = await import("../src/m2/wordpiece.ts");
const { createEncoder } = await import("../src/m2/encoder.ts");

const m1 = isolateM1();
const tokenizer = new WordPieceTokenizer(bundledVocab());
const modulesBytes = settle() - baseline;

// Built in a function so nothing but the session outlives it (the Worker keeps only the session).
async function session() {
  const encoder = await createEncoder(readFileSync(config!.modelPath), { pooling: "mean" });
  await encoder.embed(tokenizer.encodeBatch(["Invoice charged twice, please refund"], config!.workload.maxLength));
  return encoder;
}
const encoder = await session();
const heapBytes = settle() - baseline;

const result: HeapRun = { baselineBytes: baseline, modulesBytes, heapBytes };
process.stdout.write(`${JSON.stringify(result)}\n`);
// Referenced after the reading, so none of them could be collected before it.
if ([libraries, m1, encoder].some((x) => x === undefined)) process.exitCode = 1;
