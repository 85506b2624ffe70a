/// <reference types="vite/client" />
/**
 * The workerd half of `npm run bench:m2` (bench/vitest.m2.config.ts; neither `npm test` nor
 * bench:m1 runs it). Results travel back to bench/m2-report.ts in the test's `meta`.
 *
 * workerd cannot read models/m2/bench-encoder.onnx, and the Node side cannot reach into the
 * MODELS R2 binding, so the shape-faithful model is built here by the same pure-TS
 * generator with the same seed; its sha256 must equal the file's (m2.global-setup.ts).
 * ORT-web gets its wasm precompiled (ORT_WASM_MODULE), as in the Worker.
 */
import { expect, inject, it } from "vitest";
import { ORT_WASM_MODULE } from "../src/m2/ort-workerd.ts";
import { bundledVocab } from "../src/m2/vocab.ts";
import { WordPieceTokenizer } from "../src/m2/wordpiece.ts";
import { buildShapeFaithfulEncoder } from "../models/onnx/shape-faithful-encoder.ts";
import { clockResolutionMs, type PathResult } from "./measure.ts";
import {
  padIdOf,
  referenceVector,
  scaledShapes,
  sha256Hex,
  timeShapes,
  timeTokenization,
  type ShapeResult,
} from "./m2-measure.ts";
import { createWatchedEncoder } from "./m2-session.ts";

export type JsHeapReading = { api: string; usedBytes: number } | { api: null; note: string };

export type WorkerdM2Bench = {
  clockResolutionMs: number;
  tokenizerBuildMs: number;
  tokenize: PathResult;
  /** Building the model in-test (generator), and its sha256 (must equal the file's). */
  generateMs: number;
  modelSha256: string;
  modelBytes: number;
  /** First session of the isolate; ORT's wasm arrives precompiled, so this is instantiate + session. */
  createMs: number;
  wasmBytesAfterCreate: number | null;
  shapes: (ShapeResult & { after: { wasmBytes: number | null } })[];
  wasmBytesEnd: number | null;
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

it("M2 encoder (shape-faithful DistilBERT) in workerd: tokenization, session, inference, wasm memory", async ({ task }) => {
  const config = inject("m2Bench");
  const tickets = inject("benchTickets");
  const minMs = inject("benchMinMs");
  expect(tickets.length).toBeGreaterThan(0);
  const resolution = clockResolutionMs();

  let started = performance.now();
  const vocab = bundledVocab();
  const tokenizer = new WordPieceTokenizer(vocab);
  const tokenizerBuildMs = performance.now() - started;
  const padId = padIdOf(vocab);
  const tokenize = timeTokenization(tokenizer, padId, tickets, { minMs, tickMs: resolution });

  started = performance.now();
  const bytes = buildShapeFaithfulEncoder({ seed: config.seed });
  const generateMs = performance.now() - started;
  const modelSha256 = await sha256Hex(bytes);
  expect(bytes.byteLength).toBe(config.byteLength);
  expect(modelSha256).toBe(config.sha256);

  const { encoder, createMs, wasmBytes, wasmBytesAfterCreate } = await createWatchedEncoder(bytes, { pooling: "cls", wasmModule: ORT_WASM_MODULE });
  expect(wasmBytesAfterCreate).not.toBeNull();

  const embed = encoder.embed.bind(encoder);
  const shapes = await timeShapes(embed, tokenizer, padId, tickets, scaledShapes(config.scale), () => ({ wasmBytes: wasmBytes() }));
  const vector = await referenceVector(embed, tokenizer, padId, tickets[0]!);
  expect(vector.every(Number.isFinite)).toBe(true);

  task.meta.m2Bench = {
    clockResolutionMs: resolution,
    tokenizerBuildMs,
    tokenize,
    generateMs,
    modelSha256,
    modelBytes: bytes.byteLength,
    createMs,
    wasmBytesAfterCreate,
    shapes,
    wasmBytesEnd: wasmBytes(),
    jsHeap: jsHeap(),
    vector,
  };
  await encoder.release();
});
