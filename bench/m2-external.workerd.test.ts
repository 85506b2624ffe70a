/// <reference types="vite/client" />
/**
 * The externalized row of `npm run bench:m2`: the same shape-faithful model as
 * bench/m2.workerd.test.ts, split by training/onnx/external-data.ts into a graph and a
 * weights blob (ONNX external data, the layout src/ml/encoder-source.ts reads from R2 when
 * `<key>.weights.bin` exists), and created with `externalData`. A file of its own, so its
 * isolate — and ORT's one wasm instance, whose memory never shrinks — is its own.
 */
import { expect, inject, it } from "vitest";
import { EXTERNAL_DATA_LOCATION } from "../src/ml/encoder-source.ts";
import { createEncoder } from "../src/ml/encoder.ts";
import { ORT_WASM_MODULE } from "../src/ml/ort-workerd.ts";
import { bundledVocab } from "../src/ml/vocab.ts";
import { WordPieceTokenizer } from "../src/ml/wordpiece.ts";
import { externalizeModel } from "../training/onnx/external-data.ts";
import { buildShapeFaithfulEncoder } from "../training/onnx/shape-faithful-encoder.ts";
import { padIdOf, referenceVector, scaledShapes, sha256Hex, timeShapes, watchWasmMemory, type ShapeResult } from "./m2-measure.ts";

export type WorkerdM2ExternalBench = {
  /** sha256 of the single-file model it was split from (must equal the file's). */
  sourceSha256: string;
  graphBytes: number;
  weightsBytes: number;
  createMs: number;
  wasmBytesAfterCreate: number | null;
  shapes: (ShapeResult & { after: { wasmBytes: number | null } })[];
  wasmBytesEnd: number | null;
  vector: number[];
};

declare module "vitest" {
  interface TaskMeta {
    m2ExternalBench?: WorkerdM2ExternalBench;
  }
}

it("M2 encoder, externalized weights, in workerd: session, batch-1 inference, wasm memory", async ({ task }) => {
  const config = inject("m2Bench");
  const tickets = inject("benchTickets");
  const vocab = bundledVocab();
  const tokenizer = new WordPieceTokenizer(vocab);
  const padId = padIdOf(vocab);

  let source: Uint8Array | null = buildShapeFaithfulEncoder({ seed: config.seed });
  const sourceSha256 = await sha256Hex(source);
  expect(sourceSha256).toBe(config.sha256);
  const { graph, weights } = externalizeModel(source);
  source = null; // only the split bytes stay referenced, as in the Worker

  const wasm = watchWasmMemory();
  let encoder;
  const started = performance.now();
  try {
    encoder = await createEncoder(graph, {
      pooling: "cls",
      wasmModule: ORT_WASM_MODULE,
      externalData: [{ path: EXTERNAL_DATA_LOCATION, data: weights }],
    });
  } finally {
    wasm.restore();
  }
  const createMs = performance.now() - started;
  const wasmBytesAfterCreate = wasm.bytes();
  expect(wasmBytesAfterCreate).not.toBeNull();

  const embed = encoder.embed.bind(encoder);
  const shapes = await timeShapes(
    embed,
    tokenizer,
    padId,
    tickets,
    scaledShapes(config.scale).filter((s) => s.batch === 1),
    () => ({ wasmBytes: wasm.bytes() }),
  );
  const vector = await referenceVector(embed, tokenizer, padId, tickets[0]!);
  task.meta.m2ExternalBench = {
    sourceSha256,
    graphBytes: graph.byteLength,
    weightsBytes: weights.byteLength,
    createMs,
    wasmBytesAfterCreate,
    shapes,
    wasmBytesEnd: wasm.bytes(),
    vector,
  };
  await encoder.release();
});
