// M2 encoder inside workerd: the tiny stand-in model is generated here, stored
// in the MODELS R2 binding, and read back through the production path.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
// Fixture heads for the tiny stand-in (training/tiny-heads.ts): models/m2/heads.json is bound to the real encoder.
import heads from "../../test/fixtures/m2-tiny-heads.json" with { type: "json" };
import { encoderR2Keys, loadModelBytes } from "./model-source.ts";

const MODEL_KEY = encoderR2Keys("tiny-stand-in").model;
import { type Encoder, EncoderError, createEncoder } from "./encoder.ts";
import type { M2HeadsArtifact } from "./heads.ts";
import { loadM2 } from "./load.ts";
import { createM2Scorer } from "./scorer.ts";
import { ORT_WASM_MODULE } from "./ort-workerd.ts";
import { bundledVocab } from "./vocab.ts";
import { WordPieceTokenizer } from "./wordpiece.ts";
import { buildTinyEncoder } from "../../models/onnx/tiny-encoder.ts";

const TICKETS = [
  "I was charged twice for my subscription this month, please refund the duplicate.",
  "Our lawyer needs a copy of the data processing agreement before Friday.",
  "The API returns 500 errors since this morning and checkout is down!",
];

const tokenizer = new WordPieceTokenizer(bundledVocab());
const originalInstantiate = WebAssembly.instantiate;

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  return a.reduce((worst, value, i) => Math.max(worst, Math.abs(value - b[i]!)), 0);
}

describe("M2 encoder in workerd", () => {
  let cls: Encoder;

  beforeAll(async () => {
    await env.MODELS!.put(MODEL_KEY, buildTinyEncoder());
    const loaded = await loadModelBytes(env, MODEL_KEY);
    if (loaded.bytes === null) throw new Error(loaded.reason);
    cls = await createEncoder(loaded.bytes, { wasmModule: ORT_WASM_MODULE });
  });

  it("leaves WebAssembly.instantiate as it found it", () => {
    expect(WebAssembly.instantiate).toBe(originalInstantiate);
  });

  it("embeds a batch of tickets as finite 768-d vectors, different texts differing", async () => {
    const vectors = await cls.embed(tokenizer.encodeBatch(TICKETS, 128));
    expect(cls.hiddenSize).toBe(768);
    expect(vectors).toHaveLength(3);
    for (const vector of vectors) {
      expect(vector).toHaveLength(768);
      expect(vector.every(Number.isFinite)).toBe(true);
    }
    expect(maxAbsDifference(vectors[0]!, vectors[1]!)).toBeGreaterThan(1e-3);
    expect(maxAbsDifference(vectors[1]!, vectors[2]!)).toBeGreaterThan(1e-3);
  });

  it("gives each text the same vector in a padded batch as alone", async () => {
    const batched = await cls.embed(tokenizer.encodeBatch(TICKETS, 128));
    for (const [i, text] of TICKETS.entries()) {
      const [alone] = await cls.embed(tokenizer.encodeBatch([text], 128));
      expect(maxAbsDifference(batched[i]!, alone!)).toBeLessThan(1e-5);
    }
  });

  it("pools by mean differently from [CLS]", async () => {
    const loaded = await loadModelBytes(env, MODEL_KEY);
    const mean = await createEncoder(loaded.bytes!, { pooling: "mean", wasmModule: ORT_WASM_MODULE });
    const batch = tokenizer.encodeBatch(TICKETS, 128);
    const [byCls, byMean] = [await cls.embed(batch), await mean.embed(batch)];
    expect(mean.pooling).toBe("mean");
    expect(maxAbsDifference(byCls[0]!, byMean[0]!)).toBeGreaterThan(1e-3);
    await mean.release();
  });

  it("rejects a corrupt model with an error that says so", async () => {
    const corrupt = buildTinyEncoder().slice(0, 5_000);
    await expect(createEncoder(corrupt, { wasmModule: ORT_WASM_MODULE })).rejects.toThrow(EncoderError);
    await expect(createEncoder(corrupt, { wasmModule: ORT_WASM_MODULE })).rejects.toThrow(
      /could not load the encoder model \(5000 bytes\)/,
    );
  });
});

describe("M2 loading in workerd", () => {
  const m2From = (key: string) => loadM2({ heads: heads as M2HeadsArtifact, loadModel: () => loadModelBytes(env, key), wasmModule: ORT_WASM_MODULE });

  it("loads once from R2 for concurrent first tickets and reports where the model came from", async () => {
    const key = "test/cache-ok.onnx";
    await env.MODELS!.put(key, buildTinyEncoder());
    let loads = 0;
    const m2 = createM2Scorer(
      () => {
        loads += 1;
        return m2From(key);
      },
      { headsEncoder: (heads as M2HeadsArtifact).encoder.sha256 },
    );
    expect(m2.status()).toEqual({ state: "idle" });
    const [first, second] = await Promise.all([m2.score({ subject: "printer on fire", body: "", keywordMatched: false }), m2.score({ subject: "invoice overdue", body: "", keywordMatched: false })]);
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(loads).toBe(1);
    expect(m2.status()).toMatchObject({ state: "ready", source: expect.stringContaining(`r2://${key}`) });
  });

  it("says why a corrupt model failed", async () => {
    const key = "test/cache-corrupt.onnx";
    await env.MODELS!.put(key, new TextEncoder().encode("not an onnx model"));
    expect(await m2From(key)).toMatchObject({
      state: "failed",
      reason: expect.stringMatching(/could not load the encoder model \(17 bytes\)/),
    });
  });

  it("reports an absent model, by key and by binding", async () => {
    expect(await m2From("test/missing.onnx")).toEqual({ state: "absent", reason: "R2 object test/missing.onnx not found" });
    expect(await loadModelBytes({ MODELS: undefined }, "test/missing.onnx")).toEqual({ bytes: null, reason: "no MODELS R2 binding" });
  });
});
