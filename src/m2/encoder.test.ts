import { beforeAll, describe, expect, it } from "vitest";
import { encoderR2Keys, loadModelBytes, weightsKey } from "./model-source.ts";
import { type Encoder, EncoderError, createEncoder } from "./encoder.ts";
import { clsPool, meanPool } from "./pooling.ts";
import { bundledVocab } from "./vocab.ts";
import { WordPieceTokenizer } from "./wordpiece.ts";
import { GraphBuilder } from "../../models/onnx/graph.ts";
import { buildTinyEncoder } from "../../models/onnx/tiny-encoder.ts";

const MODEL_KEY = encoderR2Keys("all-minilm-l6-v2-int8").model;

const TICKETS = [
  "I was charged twice for my subscription this month, please refund the duplicate.",
  "Our lawyer needs a copy of the data processing agreement before Friday.",
  "The API returns 500 errors since this morning and checkout is down!",
];
const tokenizer = new WordPieceTokenizer(bundledVocab());

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  return a.reduce((worst, value, i) => Math.max(worst, Math.abs(value - b[i]!)), 0);
}

describe("pooling", () => {
  // Two texts, three positions, width 2; the second text has one padding position.
  const hidden = Float32Array.from([1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 999, 999]);
  const mask = BigInt64Array.from([1n, 1n, 1n, 1n, 1n, 0n]);

  it("cls takes each text's first position", () => {
    expect(clsPool(hidden, [2, 3, 2]).map((v) => [...v])).toEqual([
      [1, 2],
      [10, 20],
    ]);
  });

  it("mean averages only masked-in positions", () => {
    expect(meanPool(hidden, mask, [2, 3, 2]).map((v) => [...v])).toEqual([
      [3, 4],
      [20, 30],
    ]);
  });

  it("mean of a text with no tokens is zero, not NaN", () => {
    const [empty] = meanPool(Float32Array.from([5, 5]), BigInt64Array.from([0n]), [1, 1, 2]);
    expect([...empty!]).toEqual([0, 0]);
  });

  it("rejects arrays that do not match the dims", () => {
    expect(() => clsPool(hidden, [2, 2, 2])).toThrow(/expected 2×2×2/);
    expect(() => meanPool(hidden, mask.subarray(1), [2, 3, 2])).toThrow(/attention mask has 5 values/);
  });
});

describe("M2 encoder in Node (tiny stand-in model)", () => {
  let cls: Encoder;
  let mean: Encoder;
  const batch = tokenizer.encodeBatch(TICKETS, 128);

  beforeAll(async () => {
    const model = buildTinyEncoder();
    [cls, mean] = [await createEncoder(model), await createEncoder(model, { pooling: "mean" })];
  });

  it("embeds a batch as finite 768-d vectors, different texts differing", async () => {
    const vectors = await cls.embed(batch);
    expect(cls.pooling).toBe("cls");
    expect(cls.hiddenSize).toBe(768);
    expect(vectors.map((v) => v.length)).toEqual([768, 768, 768]);
    expect(vectors.every((v) => v.every(Number.isFinite))).toBe(true);
    expect(maxAbsDifference(vectors[0]!, vectors[1]!)).toBeGreaterThan(1e-3);
    expect(maxAbsDifference(vectors[0]!, vectors[2]!)).toBeGreaterThan(1e-3);
  });

  it("gives each text the same vector in a padded batch as alone, for both poolings", async () => {
    for (const encoder of [cls, mean]) {
      const batched = await encoder.embed(batch);
      for (const [i, text] of TICKETS.entries()) {
        const [alone] = await encoder.embed(tokenizer.encodeBatch([text], 128));
        expect(maxAbsDifference(batched[i]!, alone!)).toBeLessThan(1e-5);
      }
    }
  });

  it("pools by mean differently from [CLS]", async () => {
    const [byCls, byMean] = [await cls.embed(batch), await mean.embed(batch)];
    expect(maxAbsDifference(byCls[1]!, byMean[1]!)).toBeGreaterThan(1e-3);
  });

  it("answers an empty batch without running the model", async () => {
    expect(await cls.embed(tokenizer.encodeBatch([], 128))).toEqual([]);
  });

  it("rejects a corrupt model with an error that says so", async () => {
    const corrupt = buildTinyEncoder().slice(0, 5_000);
    const error = await createEncoder(corrupt).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EncoderError);
    expect((error as Error).message).toMatch(/^could not load the encoder model \(5000 bytes\): .+/);
  });

  it("rejects a valid ONNX model without DistilBERT's inputs and output", async () => {
    const g = new GraphBuilder();
    g.op1("Identity", ["x"], {}, "y");
    const model = g.toModel({
      name: "identity",
      inputs: [{ name: "x", type: "float", shape: [1] }],
      outputs: [{ name: "y", type: "float", shape: [1] }],
    });
    await expect(createEncoder(model)).rejects.toThrow(
      /not a BERT-style encoder: missing inputs input_ids, attention_mask; unexpected inputs x; no last_hidden_state output/,
    );
  });
});

describe("BERT-style encoder with segment ids", () => {
  // last_hidden_state[b, s, 0] = input_ids + 1000 · token_type_ids: ORT refuses a run
  // that leaves token_type_ids out, and any non-zero segment id shows in the output.
  function segmentAwareModel(): Uint8Array {
    const g = new GraphBuilder();
    const ids = g.op1("Cast", ["input_ids"], { to: 1 });
    const types = g.op1("Cast", ["token_type_ids"], { to: 1 });
    g.float("thousand", [1000]);
    g.int64("last_axis", [-1]);
    const scaled = g.op1("Mul", [types, "thousand"]);
    const sum = g.op1("Add", [ids, scaled]);
    g.op1("Unsqueeze", [sum, "last_axis"], {}, "last_hidden_state");
    const dims = ["batch", "sequence"];
    return g.toModel({
      name: "segment-aware",
      inputs: [
        { name: "input_ids", type: "int64", shape: dims },
        { name: "attention_mask", type: "int64", shape: dims },
        { name: "token_type_ids", type: "int64", shape: dims },
      ],
      outputs: [{ name: "last_hidden_state", type: "float", shape: ["batch", "sequence", 1] }],
    });
  }

  it("feeds token_type_ids as one segment (all zeros)", async () => {
    const encoder = await createEncoder(segmentAwareModel(), { pooling: "cls" });
    try {
      const batch = tokenizer.encodeBatch(TICKETS, 16);
      const vectors = await encoder.embed(batch);
      // [CLS] is id 101 in the uncased vocabulary; 1101 would mean a segment id of 1.
      expect(vectors.map((v) => [...v])).toEqual([[101], [101], [101]]);
      expect(encoder.hiddenSize).toBe(1);
    } finally {
      await encoder.release();
    }
  });
});

describe("model source", () => {
  const bucket = (get: (key: string) => Promise<unknown>) => ({ MODELS: { get } as unknown as R2Bucket });

  it("keeps every encoder's objects under encoders/<id>/, the layout models/encoders/<id>.json lists", () => {
    expect(encoderR2Keys("all-minilm-l6-v2-int8")).toEqual({
      model: "encoders/all-minilm-l6-v2-int8/model.onnx",
      vocab: "encoders/all-minilm-l6-v2-int8/vocab.txt",
    });
    expect(weightsKey(MODEL_KEY)).toBe("encoders/all-minilm-l6-v2-int8/model.weights.bin");
  });

  it("returns the object's bytes and where they came from", async () => {
    const env = bucket(async (key) => (key === MODEL_KEY ? { arrayBuffer: async () => new Uint8Array([1, 2, 3]).buffer } : null));
    const loaded = await loadModelBytes(env, MODEL_KEY);
    expect(loaded).toEqual({ bytes: new Uint8Array([1, 2, 3]), source: `r2://${MODEL_KEY} (3 bytes)` });
  });

  it("gives a reason instead of bytes when the model cannot be had", async () => {
    expect(await loadModelBytes({}, MODEL_KEY)).toEqual({ bytes: null, reason: "no MODELS R2 binding" });
    expect(await loadModelBytes(bucket(async () => null), MODEL_KEY)).toEqual({ bytes: null, reason: `R2 object ${MODEL_KEY} not found` });
    expect(await loadModelBytes(bucket(async () => ({ arrayBuffer: async () => new ArrayBuffer(0) })), MODEL_KEY)).toEqual({
      bytes: null,
      reason: `R2 object ${MODEL_KEY} is empty`,
    });
    expect(
      await loadModelBytes(
        bucket(async () => {
          throw new Error("network lost");
        }),
        MODEL_KEY,
      ),
    ).toEqual({ bytes: null, reason: `R2 read of ${MODEL_KEY} failed: network lost` });
  });
});
