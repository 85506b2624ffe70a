/**
 * Creates the ORT-web encoder the way every M2 bench row measures it: timed, with
 * ORT's wasm memory watched from the instantiation on (the watch is installed before
 * and removed after, whatever happens). Its own module, not m2-measure.ts, so that
 * bench/m2-report.ts can import the measuring helpers without loading onnxruntime.
 */
import { createEncoder, type Encoder, type EncoderOptions } from "../src/m2/encoder.ts";
import { watchWasmMemory } from "./m2-measure.ts";

export type WatchedEncoder = {
  encoder: Encoder;
  createMs: number;
  /** Reads ORT's wasm memory now; it never shrinks, so a late reading is the high-water mark. */
  wasmBytes: () => number | null;
  wasmBytesAfterCreate: number | null;
};

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
