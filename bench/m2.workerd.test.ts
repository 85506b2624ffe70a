/// <reference types="vite/client" />
/**
 * The workerd half of `npm run bench:m2` (bench/vitest.m2.config.ts; neither `npm test` nor
 * bench:m1 runs it). Results travel back to bench/m2-report.ts in the test's `meta`.
 *
 * workerd cannot read files, so the model comes over HTTP from the server
 * bench/m2.global-setup.ts starts, and must hash to the file's sha256. ORT-web gets its wasm
 * precompiled (ORT_WASM_MODULE) and the session is created by src/m2/encoder.ts, as in the
 * consumer.
 */
import { expect, inject, it } from "vitest";
import { ORT_WASM_MODULE } from "../src/m2/ort-workerd.ts";
import { bundledVocab } from "../src/m2/vocab.ts";
import { WordPieceTokenizer } from "../src/m2/wordpiece.ts";
import { sha256Hex } from "../src/util/sha256.ts";
import { clockResolutionMs } from "./measure.ts";
import { createLeverSession, createWatchedEncoder, OPTIMIZATION_LEVELS, type OptimizationLevel } from "./m2-session.ts";
import { referenceVector, runInference, timeMedianTicket, type InferenceResult, type Stats } from "./m2-workload.ts";

export type JsHeapReading = { api: string; usedBytes: number } | { api: null; note: string };

export type LeverSession = { level: OptimizationLevel; createMs: number; median: Stats & { tokens: number } };

export type WorkerdM2Bench = InferenceResult & {
  clockResolutionMs: number;
  modelSha256: string;
  modelBytes: number;
  /** First session of the isolate: instantiating ORT's precompiled wasm + the session. */
  createMs: number;
  wasmBytesAfterCreate: number | null;
  /** After the single-ticket runs: what a consumer scoring one ticket per call needs. */
  wasmBytesAfterSingles: number | null;
  /** After the batches of 10 too (wasm memory never shrinks). */
  wasmBytesEnd: number | null;
  levers: LeverSession[];
  jsHeap: JsHeapReading;
  vector: number[];
};

declare module "vitest" {
  interface TaskMeta {
    m2Bench?: WorkerdM2Bench;
  }
}

/** Whatever JS-heap figure workerd exposes, if any. */
function jsHeap(): JsHeapReading {
  const tried: string[] = [];
  const proc = (globalThis as { process?: { memoryUsage?: () => { heapUsed?: number } } }).process;
  try {
    const used = proc?.memoryUsage?.().heapUsed;
    if (typeof used === "number" && used > 0) return { api: "process.memoryUsage().heapUsed", usedBytes: used };
    tried.push(`process.memoryUsage ${proc?.memoryUsage ? `gives heapUsed ${String(used)}` : "is absent"}`);
  } catch (error) {
    tried.push(`process.memoryUsage throws (${error instanceof Error ? error.message : String(error)})`);
  }
  const memory = (performance as unknown as { memory?: { usedJSHeapSize?: number } }).memory;
  if (typeof memory?.usedJSHeapSize === "number" && memory.usedJSHeapSize > 0) {
    return { api: "performance.memory.usedJSHeapSize", usedBytes: memory.usedJSHeapSize };
  }
  tried.push("performance.memory is absent");
  return { api: null, note: tried.join("; ") };
}

it("M2 encoder in workerd: session, inference at real lengths and in queue batches, wasm memory, optimization levels", async ({ task }) => {
  const config = inject("m2Bench");
  const tickets = inject("benchTickets");
  expect(tickets.length).toBeGreaterThan(0);

  const response = await fetch(config.modelUrl);
  expect(response.status).toBe(200);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const modelSha256 = await sha256Hex(bytes);
  expect(modelSha256).toBe(config.sha256);

  const tokenizer = new WordPieceTokenizer(bundledVocab());
  const { encoder, createMs, wasmBytes, wasmBytesAfterCreate } = await createWatchedEncoder(bytes, { pooling: "mean", wasmModule: ORT_WASM_MODULE });
  expect(wasmBytesAfterCreate).not.toBeNull();
  const embed = encoder.embed.bind(encoder);

  let wasmBytesAfterSingles: number | null = null;
  const inference = await runInference(embed, tokenizer, tickets, config.workload, { afterSingles: () => (wasmBytesAfterSingles = wasmBytes()) });
  const wasmBytesEnd = wasmBytes();
  const vector = await referenceVector(embed, tokenizer, tickets[0]!, config.workload.maxLength);
  expect(vector.every(Number.isFinite)).toBe(true);
  await encoder.release();

  // The graph optimization lever: the same model at each level, on the median ticket.
  const levers: LeverSession[] = [];
  for (const level of config.levers ? OPTIMIZATION_LEVELS : []) {
    const session = await createLeverSession(bytes, level);
    const median = await timeMedianTicket(session.run, tokenizer, tickets[inference.plan.medianTicket]!, { maxLength: config.workload.maxLength, repeats: Math.max(5, config.workload.repeats * 3) });
    levers.push({ level, createMs: session.createMs, median });
    await session.release();
  }

  task.meta.m2Bench = {
    ...inference,
    clockResolutionMs: clockResolutionMs(),
    modelSha256,
    modelBytes: bytes.byteLength,
    createMs,
    wasmBytesAfterCreate,
    wasmBytesAfterSingles,
    wasmBytesEnd,
    levers,
    jsHeap: jsHeap(),
    vector,
  };
});
