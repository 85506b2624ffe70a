/**
 * What a smaller model would cost, measured rather than guessed (bench:m2's "what it would
 * take" lines): builds the shape-faithful encoder with a changed shape (same seed, same
 * generator), creates an ORT-web session in a fresh process, runs batch 1 × 128 a few times
 * and prints the wasm memory ORT reserved. ORT-web's wasm and allocator are the same in Node
 * and workerd, which bench:m2 checks by comparing the full model's figure in both.
 *
 *   node bench/m2-variant.ts --vocab 4608 --layers 6
 *
 * Ids are taken modulo the vocabulary: memory and time do not depend on which ids they are.
 */
import { parseArgs } from "node:util";
import { DISTILBERT_SHAPE, buildShapeFaithfulEncoder } from "../models/onnx/shape-faithful-encoder.ts";
import { stats, type Stats } from "./m2-measure.ts";
import { createWatchedEncoder } from "./m2-session.ts";

export type VariantRun = {
  vocab: number;
  layers: number;
  modelBytes: number;
  createMs: number;
  wasmBytesAfterCreate: number | null;
  wasmBytesEnd: number | null;
  perTicketMs: Stats;
};

const { values } = parseArgs({
  options: { vocab: { type: "string" }, layers: { type: "string" }, runs: { type: "string", default: "4" } },
  strict: true,
});
const shape = {
  ...DISTILBERT_SHAPE,
  vocab: Number(values.vocab ?? DISTILBERT_SHAPE.vocab),
  layers: Number(values.layers ?? DISTILBERT_SHAPE.layers),
};
let bytes: Uint8Array | null = buildShapeFaithfulEncoder({ shape });
const modelBytes = bytes.byteLength;

const { encoder, createMs, wasmBytes, wasmBytesAfterCreate } = await createWatchedEncoder(bytes, { pooling: "cls" });
bytes = null;

const sequence = 128;
const ms: number[] = [];
for (let i = 0; i < 1 + Number(values.runs); i++) {
  const inputIds = BigInt64Array.from({ length: sequence }, (_, j) => BigInt((1000 + i * 131 + j * 7919) % shape.vocab));
  const batch = { inputIds, attentionMask: new BigInt64Array(sequence).fill(1n), dims: [1, sequence] as [number, number] };
  const started = performance.now();
  await encoder.embed(batch);
  if (i > 0) ms.push(performance.now() - started);
}

const result: VariantRun = {
  vocab: shape.vocab,
  layers: shape.layers,
  modelBytes,
  createMs: Number(createMs.toFixed(1)),
  wasmBytesAfterCreate,
  wasmBytesEnd: wasmBytes(),
  perTicketMs: stats(ms),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
