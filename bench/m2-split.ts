/**
 * The split-model rows of `npm run bench:m2`, run inside workerd by the two test files
 * that import this (bench/m2-external.workerd.test.ts, bench/m2-slim.workerd.test.ts; one
 * file per isolate, so each has its own ORT wasm memory, which never shrinks).
 *
 * The shape-faithful model (same seed as bench/m2.workerd.test.ts), optionally with its
 * vocabulary pruned to the ids the bench tickets use (models/onnx/vocab-pruning.ts, as
 * `npm run models:prune-vocab` does), split into graph + external weights
 * (models/onnx/external-data.ts) — the layout src/m2/model-source.ts reads from R2 when
 * `<key>.weights.bin` exists — and created with `externalData`. Only the split bytes stay
 * referenced, as in the Worker.
 */
import { expect } from "vitest";
import { EXTERNAL_DATA_LOCATION } from "../src/m2/model-source.ts";
import { ORT_WASM_MODULE } from "../src/m2/ort-workerd.ts";
import { ticketText } from "../src/ml/text.ts";
import { bundledVocab } from "../src/m2/vocab.ts";
import { WordPieceTokenizer } from "../src/m2/wordpiece.ts";
import { externalizeModel } from "../models/onnx/external-data.ts";
import { buildShapeFaithfulEncoder } from "../models/onnx/shape-faithful-encoder.ts";
import { keepIdsFor, pruneVocabulary, specialIds, type VocabPruning } from "../models/onnx/vocab-pruning.ts";
import type { BenchTicket } from "./measure.ts";
import { padIdOf, referenceVector, scaledShapes, sha256Hex, timeShapes, type ShapeResult } from "./m2-measure.ts";
import { createWatchedEncoder } from "./m2-session.ts";

export type WorkerdM2SplitBench = {
  /** sha256 of the single-file model it was derived from (must equal the file's). */
  sourceSha256: string;
  /** null: the full vocabulary. */
  pruning: VocabPruning | null;
  graphBytes: number;
  weightsBytes: number;
  createMs: number;
  wasmBytesAfterCreate: number | null;
  shapes: (ShapeResult & { after: { wasmBytes: number | null } })[];
  wasmBytesEnd: number | null;
  vector: number[];
};

export type SplitBenchConfig = { seed: number; sha256: string; scale: number; pruneVocab: boolean; maxLength: number };

export async function benchSplitModel(config: SplitBenchConfig, tickets: readonly BenchTicket[]): Promise<WorkerdM2SplitBench> {
  const vocab = bundledVocab();
  const tokenizer = new WordPieceTokenizer(vocab);
  const padId = padIdOf(vocab);

  let source: Uint8Array | null = buildShapeFaithfulEncoder({ seed: config.seed });
  const sourceSha256 = await sha256Hex(source);
  expect(sourceSha256).toBe(config.sha256);
  let pruning: VocabPruning | null = null;
  if (config.pruneVocab) {
    const ids = tickets.map((t) => tokenizer.encode(ticketText(t.subject, t.body), { maxLength: config.maxLength }).inputIds);
    const pruned = pruneVocabulary(source, { keepIds: keepIdsFor(ids, specialIds(vocab)), unkId: vocab.get("[UNK]")!, sourceSha256 });
    pruning = pruned.pruning;
    source = pruned.model;
  }
  const { graph, weights } = externalizeModel(source);
  source = null;

  const { encoder, createMs, wasmBytes, wasmBytesAfterCreate } = await createWatchedEncoder(graph, {
    pooling: "cls",
    wasmModule: ORT_WASM_MODULE,
    externalData: [{ path: EXTERNAL_DATA_LOCATION, data: weights }],
  });
  expect(wasmBytesAfterCreate).not.toBeNull();

  const embed = encoder.embed.bind(encoder);
  const shapes = await timeShapes(
    embed,
    tokenizer,
    padId,
    tickets,
    scaledShapes(config.scale).filter((s) => s.batch === 1),
    () => ({ wasmBytes: wasmBytes() }),
  );
  const vector = await referenceVector(embed, tokenizer, padId, tickets[0]!);
  await encoder.release();
  return {
    sourceSha256,
    pruning,
    graphBytes: graph.byteLength,
    weightsBytes: weights.byteLength,
    createMs,
    wasmBytesAfterCreate,
    shapes,
    wasmBytesEnd: wasmBytes(),
    vector,
  };
}
