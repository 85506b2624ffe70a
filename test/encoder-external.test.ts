// The split (ONNX external data) layout inside workerd: the tiny stand-in model (and a
// vocabulary-pruned DistilBERT-shaped one) is externalized here, both objects stored in
// the MODELS R2 binding, and read back through the production path (loadModelBytes →
// createEncoder, and loadM2 → createM2Scorer).
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
// Fixture heads for the tiny stand-in (training/tiny-heads.ts): models/m2/heads.json is bound to the real encoder.
import heads from "./fixtures/m2-tiny-heads.json" with { type: "json" };
import { EXTERNAL_DATA_LOCATION, loadModelBytes, modelSha256, weightsKey, type ModelLoad } from "../src/m2/model-source.ts";
import { createEncoder, type EncoderOptions } from "../src/m2/encoder.ts";
import { loadM2 } from "../src/m2/load.ts";
import { createM2Scorer } from "../src/m2/scorer.ts";
import type { M2HeadsArtifact } from "../src/m2/heads.ts";
import { ORT_WASM_MODULE } from "../src/m2/ort-workerd.ts";
import { bundledVocab } from "../src/m2/vocab.ts";
import { WordPieceTokenizer } from "../src/m2/wordpiece.ts";
import { externalizeModel } from "../models/onnx/external-data.ts";
import { DISTILBERT_SHAPE, buildShapeFaithfulEncoder } from "../models/onnx/shape-faithful-encoder.ts";
import { buildTinyEncoder } from "../models/onnx/tiny-encoder.ts";
import { keepIdsFor, pruneVocabulary, specialIds, vocabPruningOf } from "../models/onnx/vocab-pruning.ts";

const KEY = "test/external/tiny.onnx";
const TICKETS = [
  "I was charged twice for my subscription this month, please refund the duplicate.",
  "The API returns 500 errors since this morning and checkout is down!",
];
const tokenizer = new WordPieceTokenizer(bundledVocab());
const original = buildTinyEncoder();
const split = externalizeModel(original);

/** The encoder over what loadModelBytes read: the bytes and their external data, as loadM2 passes them. */
async function encoderFrom(loaded: ModelLoad, options: EncoderOptions = {}) {
  if (loaded.bytes === null) throw new Error(loaded.reason);
  return createEncoder(loaded.bytes, { ...options, wasmModule: ORT_WASM_MODULE, externalData: loaded.externalData });
}

function scorerFor(heads: M2HeadsArtifact, key: string) {
  return createM2Scorer(() => loadM2({ heads, loadModel: () => loadModelBytes(env, key), wasmModule: ORT_WASM_MODULE }), {
    headsEncoder: heads.encoder.sha256,
  });
}

describe("split M2 encoder from R2 in workerd", () => {
  beforeAll(async () => {
    await env.MODELS!.put(KEY, split.graph);
    await env.MODELS!.put(weightsKey(KEY), split.weights);
  });

  it("loads graph and weights from R2 and embeds as the single file does", async () => {
    const loaded = await loadModelBytes(env, KEY);
    expect(loaded).toMatchObject({
      source: `r2://${KEY} (${split.graph.byteLength} bytes) + r2://${weightsKey(KEY)} (${split.weights.byteLength} bytes)`,
    });
    const encoder = await encoderFrom(loaded);
    expect(encoder.hiddenSize).toBe(768);
    const batch = tokenizer.encodeBatch(TICKETS, 128);
    const whole = await createEncoder(original, { wasmModule: ORT_WASM_MODULE });
    const [a, b] = [await whole.embed(batch), await encoder.embed(batch)];
    expect(b).toHaveLength(2);
    expect(b.map((v) => [...v])).toEqual(a.map((v) => [...v]));
    expect(b[0]!.every(Number.isFinite)).toBe(true);
    await whole.release();
    await encoder.release();
  });

  it("binds heads to sha256(sha256(graph) ‖ sha256(weights)), refusing heads bound to the single file", async () => {
    const identity = await modelSha256({ bytes: split.graph, externalData: [{ path: EXTERNAL_DATA_LOCATION, data: split.weights }] });
    const artifact = heads as M2HeadsArtifact;
    const rebound = { ...artifact, encoder: { ...artifact.encoder, sha256: identity } };
    const scorer = scorerFor(rebound, KEY);
    const prediction = await scorer.score({ subject: "URGENT: production outage", body: "Our platform is down. Please fix immediately!", keywordMatched: true });
    expect(prediction).not.toBeNull();
    expect(scorer.status()).toMatchObject({ state: "ready", source: expect.stringContaining(`r2://${weightsKey(KEY)}`) });

    const singleFileHeads = scorerFor(artifact, KEY);
    expect(await singleFileHeads.score({ subject: "a", body: "b", keywordMatched: false })).toBeNull();
    expect(singleFileHeads.status()).toMatchObject({ state: "refused" });
  });
});

// The layout the deploy steps produce (models:prune-vocab, then models:externalize), on
// DistilBERT's vocabulary and operators at a small width, read through the Worker's R2 path.
describe("pruned + split M2 encoder from R2 in workerd", () => {
  const PRUNED_KEY = "test/external/pruned.onnx";
  const vocab = bundledVocab();
  const small = buildShapeFaithfulEncoder({ shape: { ...DISTILBERT_SHAPE, layers: 1, hidden: 32, heads: 2, ffn: 64 }, seed: 3 });
  const ids = TICKETS.map((t) => tokenizer.encode(t).inputIds);
  const pruned = pruneVocabulary(small, { keepIds: keepIdsFor(ids, specialIds(vocab)), unkId: vocab.get("[UNK]")! });
  const prunedSplit = externalizeModel(pruned.model);

  beforeAll(async () => {
    await env.MODELS!.put(PRUNED_KEY, prunedSplit.graph);
    await env.MODELS!.put(weightsKey(PRUNED_KEY), prunedSplit.weights);
  });

  it("embeds the kept tickets exactly as the unpruned single file, and reads other ids as [UNK]", async () => {
    expect(vocabPruningOf(prunedSplit.graph)?.keptVocab).toBe(pruned.pruning.keptVocab);
    expect(prunedSplit.weights.byteLength).toBeLessThan(small.byteLength / 2);
    const loaded = await loadModelBytes(env, PRUNED_KEY);
    expect(loaded.bytes === null ? [] : loaded.externalData?.map((e) => e.data.byteLength)).toEqual([prunedSplit.weights.byteLength]);
    const encoder = await encoderFrom(loaded, { pooling: "mean" });
    const whole = await createEncoder(small, { wasmModule: ORT_WASM_MODULE, pooling: "mean" });
    const batch = tokenizer.encodeBatch(TICKETS, 128);
    expect((await encoder.embed(batch)).map((v) => [...v])).toEqual((await whole.embed(batch)).map((v) => [...v]));

    const unseen = tokenizer.encodeBatch(["Zebra quokka axolotl"], 128);
    const asUnk = { ...unseen, inputIds: unseen.inputIds.map((id) => (keepIdsFor(ids, specialIds(vocab)).has(Number(id)) ? id : BigInt(vocab.get("[UNK]")!))) };
    expect(asUnk.inputIds).not.toEqual(unseen.inputIds);
    expect((await encoder.embed(unseen)).map((v) => [...v])).toEqual((await whole.embed(asUnk)).map((v) => [...v]));
    await whole.release();
    await encoder.release();
  });
});
