// The split (ONNX external data) layout inside workerd: the tiny stand-in model is
// externalized here, both objects stored in the MODELS R2 binding, and read back
// through the production path (loadModelBytes → encoder cache → createM2Scorer).
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import heads from "../models/m2/heads.json" with { type: "json" };
import { createEncoderCache } from "../src/ml/encoder-cache.ts";
import { EXTERNAL_DATA_LOCATION, loadModelBytes, modelSha256, weightsKey } from "../src/ml/encoder-source.ts";
import { createEncoder } from "../src/ml/encoder.ts";
import { createM2Scorer } from "../src/ml/m2.ts";
import type { M2HeadsArtifact } from "../src/ml/m2-heads.ts";
import { ORT_WASM_MODULE } from "../src/ml/ort-workerd.ts";
import { bundledVocab } from "../src/ml/vocab.ts";
import { WordPieceTokenizer } from "../src/ml/wordpiece.ts";
import { externalizeModel } from "../training/onnx/external-data.ts";
import { buildTinyEncoder } from "../training/onnx/tiny-encoder.ts";

const KEY = "test/external/tiny.onnx";
const TICKETS = [
  "I was charged twice for my subscription this month, please refund the duplicate.",
  "The API returns 500 errors since this morning and checkout is down!",
];
const tokenizer = new WordPieceTokenizer(bundledVocab());
const original = buildTinyEncoder();
const split = externalizeModel(original);

describe("split M2 encoder from R2 in workerd", () => {
  beforeAll(async () => {
    await env.MODELS!.put(KEY, split.graph);
    await env.MODELS!.put(weightsKey(KEY), split.weights);
  });

  it("loads graph and weights through the encoder cache and embeds as the single file does", async () => {
    const cache = createEncoderCache({ wasmModule: ORT_WASM_MODULE });
    const encoder = await cache.get(() => loadModelBytes(env, KEY));
    expect(cache.status()).toMatchObject({
      state: "ready",
      source: `r2://${KEY} (${split.graph.byteLength} bytes) + r2://${weightsKey(KEY)} (${split.weights.byteLength} bytes)`,
    });
    expect(encoder!.hiddenSize).toBe(768);
    const batch = tokenizer.encodeBatch(TICKETS, 128);
    const whole = await createEncoder(original, { wasmModule: ORT_WASM_MODULE });
    const [a, b] = [await whole.embed(batch), await encoder!.embed(batch)];
    expect(b).toHaveLength(2);
    expect(b.map((v) => [...v])).toEqual(a.map((v) => [...v]));
    expect(b[0]!.every(Number.isFinite)).toBe(true);
    await whole.release();
  });

  it("binds heads to sha256(sha256(graph) ‖ sha256(weights)), refusing heads bound to the single file", async () => {
    const identity = await modelSha256({ bytes: split.graph, externalData: [{ path: EXTERNAL_DATA_LOCATION, data: split.weights }] });
    const artifact = heads as M2HeadsArtifact;
    const rebound = { ...artifact, encoder: { ...artifact.encoder, sha256: identity } };
    const scorer = createM2Scorer({ heads: rebound, loadModel: () => loadModelBytes(env, KEY), wasmModule: ORT_WASM_MODULE });
    const prediction = await scorer.score("URGENT: production outage", "Our platform is down. Please fix immediately!", true);
    expect(prediction).not.toBeNull();
    expect(scorer.status()).toMatchObject({ state: "ready" });

    const singleFileHeads = createM2Scorer({ heads: artifact, loadModel: () => loadModelBytes(env, KEY), wasmModule: ORT_WASM_MODULE });
    expect(await singleFileHeads.score("a", "b", false)).toBeNull();
    expect(singleFileHeads.status()).toMatchObject({ state: "refused" });
  });
});
