import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEncoder } from "../../src/m2/encoder.ts";
import { bundledVocab } from "../../src/m2/vocab.ts";
import { WordPieceTokenizer } from "../../src/m2/wordpiece.ts";
import { DATA_TYPE, decodeModel } from "./graph.ts";
import { BENCH_PATH, TINY_PATH, UsageError, generate, parseGenerateArgs } from "./generate.ts";
import { DISTILBERT_SHAPE, buildShapeFaithfulEncoder } from "./shape-faithful-encoder.ts";
import { TINY_DEFAULT_SEED, buildTinyEncoder } from "./tiny-encoder.ts";

type Model = ReturnType<typeof decodeModel>;

function opCounts(model: Model): Map<string, number> {
  const counts = new Map<string, number>();
  for (const node of model.graph!.node!) counts.set(node.opType!, (counts.get(node.opType!) ?? 0) + 1);
  return counts;
}

function initializer(model: Model, name: string) {
  const found = model.graph!.initializer!.find((t) => t.name === name);
  if (!found) throw new Error(`no initializer ${name}`);
  return { dataType: found.dataType, dims: found.dims!.map(Number), bytes: found.rawData!.byteLength };
}

const tokenizer = new WordPieceTokenizer(bundledVocab());

describe("tiny stand-in encoder", () => {
  it("is small and byte-for-byte reproducible from its seed", () => {
    const a = buildTinyEncoder();
    expect(a.byteLength).toBeLessThan(1_000_000);
    expect(Buffer.compare(a, buildTinyEncoder({ seed: TINY_DEFAULT_SEED }))).toBe(0);
    expect(Buffer.compare(a, buildTinyEncoder({ seed: 7 }))).not.toBe(0);
  });

  it("declares DistilBERT's inputs and output", () => {
    const graph = decodeModel(buildTinyEncoder()).graph!;
    expect(graph.input!.map((v) => [v.name, v.type!.tensorType!.elemType])).toEqual([
      ["input_ids", DATA_TYPE.int64],
      ["attention_mask", DATA_TYPE.int64],
    ]);
    const output = graph.output![0]!.type!.tensorType!.shape!.dim!;
    expect(graph.output![0]!.name).toBe("last_hidden_state");
    expect(output.map((d) => d.dimParam || Number(d.dimValue))).toEqual(["batch_size", "sequence_length", 768]);
  });
});

describe("shape-faithful DistilBERT", () => {
  const model = decodeModel(buildShapeFaithfulEncoder());
  const { layers, hidden, ffn, vocab, positions } = DISTILBERT_SHAPE;

  it("has DistilBERT's operator structure: per layer 6 quantized linears, attention and erf-GELU", () => {
    const counts = opCounts(model);
    expect(counts.get("MatMulInteger")).toBe(6 * layers);
    // Q, K and V share one quantized input; out_lin, lin1 and lin2 quantize their own.
    expect(counts.get("DynamicQuantizeLinear")).toBe(4 * layers);
    expect(counts.get("Softmax")).toBe(layers);
    expect(counts.get("Erf")).toBe(layers);
    expect(counts.get("MatMul")).toBe(2 * layers); // scores and context stay float
    expect(counts.get("LayerNormalization")).toBe(1 + 2 * layers);
    expect(counts.get("DequantizeLinear")).toBe(2); // word and position tables
  });

  it("stores weights the way quantize_dynamic does: int8 linears, uint8 embeddings, float scales", () => {
    for (let layer = 0; layer < layers; layer++) {
      const prefix = `transformer.layer.${layer}`;
      expect(initializer(model, `${prefix}.attention.q_lin.weight_quantized`)).toEqual({
        dataType: DATA_TYPE.int8,
        dims: [hidden, hidden],
        bytes: hidden * hidden,
      });
      expect(initializer(model, `${prefix}.ffn.lin1.weight_quantized`).dims).toEqual([hidden, ffn]);
      expect(initializer(model, `${prefix}.ffn.lin2.weight_quantized`).dims).toEqual([ffn, hidden]);
      expect(initializer(model, `${prefix}.ffn.lin2.weight_zero_point`).dataType).toBe(DATA_TYPE.int8);
      expect(initializer(model, `${prefix}.ffn.lin2.weight_scale`).dataType).toBe(DATA_TYPE.float);
    }
    expect(initializer(model, "embeddings.word_embeddings.weight_quantized")).toMatchObject({
      dataType: DATA_TYPE.uint8,
      dims: [vocab, hidden],
    });
    expect(initializer(model, "embeddings.position_embeddings.weight_quantized").dims).toEqual([positions, hidden]);
    const types = new Set(model.graph!.initializer!.map((t) => t.dataType));
    expect([...types].sort()).toEqual([DATA_TYPE.float, DATA_TYPE.uint8, DATA_TYPE.int8, DATA_TYPE.int64].sort());
  });

  it("weighs what Xenova's model_quantized.onnx weighs (65–70 MB)", () => {
    const bytes = model.graph!.initializer!.reduce((sum, t) => sum + t.rawData!.byteLength, 0);
    expect(bytes).toBeGreaterThan(65e6);
    expect(bytes).toBeLessThan(70e6);
  });

  it("runs in ORT with the same graph at a reduced size", async () => {
    const small = { layers: 2, hidden: 64, heads: 4, ffn: 128, vocab: 30_522, positions: 512 };
    const encoder = await createEncoder(buildShapeFaithfulEncoder({ shape: small, seed: 1 }), { pooling: "mean" });
    const vectors = await encoder.embed(tokenizer.encodeBatch(["refund my invoice", "the server is down again"], 128));
    expect(vectors.map((v) => v.length)).toEqual([64, 64]);
    expect(vectors.every((v) => v.every(Number.isFinite))).toBe(true);
    await encoder.release();
  });
});

describe("models:generate", () => {
  const dir = mkdtempSync(join(tmpdir(), "onnx-generate-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("defaults to the tiny model under models/m2, --shape-faithful to the bench model", () => {
    expect(parseGenerateArgs([])).toEqual({ shapeFaithful: false, seed: TINY_DEFAULT_SEED, out: TINY_PATH, check: false });
    expect(parseGenerateArgs(["--shape-faithful"])).toMatchObject({ shapeFaithful: true, out: BENCH_PATH });
    expect(parseGenerateArgs(["--seed", "42", "--out", "x.onnx"]).seed).toBe(42);
  });

  it("rejects bad usage", () => {
    expect(() => parseGenerateArgs(["--seed", "-1"])).toThrow(UsageError);
    expect(() => parseGenerateArgs(["--seed", "1.5"])).toThrow(UsageError);
    expect(() => parseGenerateArgs(["--layers", "3"])).toThrow(UsageError);
  });

  it("writes the seeded model where --out says", () => {
    const out = join(dir, "nested", "tiny.onnx");
    const result = generate({ shapeFaithful: false, seed: 5, out, check: false });
    expect(Buffer.compare(readFileSync(out), buildTinyEncoder({ seed: 5 }))).toBe(0);
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
