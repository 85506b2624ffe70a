/**
 * ORT-web sessions as bench:m2 measures them. The main one goes through src/m2/encoder.ts,
 * exactly as the consumer creates it (graph optimization "all", mean pooling here for
 * all-MiniLM-L6-v2), timed, with ORT's wasm memory watched from the instantiation on. The
 * lever sessions (other graph optimization levels) are created with ORT directly, because
 * encoder.ts fixes the level; they must come after the main one, which has instantiated
 * ORT's wasm (in workerd only the precompiled module can be), and they share its memory.
 * Its own module, not m2-workload.ts, so the report can import the helpers without ORT.
 */
import * as ort from "onnxruntime-web/wasm";
import { createEncoder, type Encoder, type EncoderOptions } from "../src/m2/encoder.ts";
import { pool } from "../src/m2/pooling.ts";
import type { RunBatch } from "./m2-workload.ts";

export type WatchedEncoder = {
  encoder: Encoder;
  createMs: number;
  /** Reads ORT's wasm memory now; it never shrinks, so a late reading is the high-water mark. */
  wasmBytes: () => number | null;
  wasmBytesAfterCreate: number | null;
};

/**
 * Watches WebAssembly.instantiate for ORT's one instantiation and keeps its memory (the
 * simd-threaded build imports a shared Memory; an exported one is taken as well). Installed
 * before the first session is created, so encoder.ts's own one-call swap wraps this.
 */
export function watchWasmMemory(): { bytes: () => number | null; restore: () => void } {
  const original = WebAssembly.instantiate;
  let memory: WebAssembly.Memory | null = null;
  const keep = (values: Iterable<unknown>) => {
    for (const v of values) if (!memory && v instanceof WebAssembly.Memory) memory = v;
  };
  const watcher = (async (source: WebAssembly.Module, imports?: WebAssembly.Imports) => {
    for (const module of Object.values(imports ?? {})) keep(Object.values(module));
    const result = (await original(source, imports)) as unknown as WebAssembly.Instance | { instance: WebAssembly.Instance };
    keep(Object.values((result instanceof WebAssembly.Instance ? result : result.instance).exports));
    return result;
  }) as unknown as typeof WebAssembly.instantiate;
  WebAssembly.instantiate = watcher;
  return {
    bytes: () => (memory === null ? null : (memory as WebAssembly.Memory).buffer.byteLength),
    restore: () => {
      if (WebAssembly.instantiate === watcher) WebAssembly.instantiate = original;
    },
  };
}

export async function createWatchedEncoder(bytes: Uint8Array, options: EncoderOptions): Promise<WatchedEncoder> {
  const wasm = watchWasmMemory();
  const started = performance.now();
  let encoder: Encoder;
  try {
    encoder = await createEncoder(bytes, options);
  } finally {
    wasm.restore();
  }
  return { encoder, createMs: performance.now() - started, wasmBytes: wasm.bytes, wasmBytesAfterCreate: wasm.bytes() };
}

export const OPTIMIZATION_LEVELS = ["disabled", "basic", "extended", "all"] as const;
export type OptimizationLevel = (typeof OPTIMIZATION_LEVELS)[number];

/** A further ORT-web session at `level`, fed and pooled like encoder.ts does. */
export async function createLeverSession(bytes: Uint8Array, level: OptimizationLevel): Promise<{ run: RunBatch; createMs: number; release: () => Promise<void> }> {
  const started = performance.now();
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"], graphOptimizationLevel: level });
  const createMs = performance.now() - started;
  const tokenTypes = session.inputNames.includes("token_type_ids");
  const run: RunBatch = async (batch) => {
    const [b, s] = batch.dims;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor("int64", batch.inputIds, [b, s]),
      attention_mask: new ort.Tensor("int64", batch.attentionMask, [b, s]),
    };
    if (tokenTypes) feeds.token_type_ids = new ort.Tensor("int64", new BigInt64Array(b * s), [b, s]);
    const out = await session.run(feeds, ["last_hidden_state"]);
    const hidden = out.last_hidden_state!;
    try {
      return pool("mean", hidden.data as Float32Array, batch.attentionMask, [b, s, hidden.dims[2]!]);
    } finally {
      hidden.dispose();
    }
  };
  return { run, createMs, release: () => session.release() };
}
