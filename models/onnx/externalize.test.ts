// The split (external-data) layout: same embeddings as the single-file model,
// deterministic conversion, the CLI's file names, and the heads' identity.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXTERNAL_DATA_LOCATION, type ModelLoad, loadModelBytes, modelSha256, weightsKey } from "../../src/m2/model-source.ts";
import { EncoderError, createEncoder } from "../../src/m2/encoder.ts";
import { bundledVocab } from "../../src/m2/vocab.ts";
import { WordPieceTokenizer } from "../../src/m2/wordpiece.ts";
import { externalizeModel } from "./external-data.ts";
import { decodeModel } from "./graph.ts";
import { buildTinyEncoder } from "./tiny-encoder.ts";

const TICKETS = [
  "I was charged twice for my subscription this month, please refund the duplicate.",
  "The API returns 500 errors since this morning and checkout is down!",
];
const tokenizer = new WordPieceTokenizer(bundledVocab());
const dir = mkdtempSync(join(tmpdir(), "externalize-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("externalizeModel", () => {
  const original = buildTinyEncoder();
  const split = externalizeModel(original);

  it("moves the large initializers out and leaves the small ones", () => {
    const initializers = decodeModel(split.graph).graph!.initializer!;
    const external = initializers.filter((t) => (t.externalData ?? []).length > 0);
    expect(split.moved).toBe(external.length);
    expect(split.moved).toBeGreaterThan(0);
    for (const t of external) {
      expect(t.rawData?.byteLength ?? 0).toBe(0);
      expect(t.externalData!.find((e) => e.key === "location")?.value).toBe(EXTERNAL_DATA_LOCATION);
      expect(Number(t.externalData!.find((e) => e.key === "offset")?.value) % 64).toBe(0);
    }
    expect(initializers.filter((t) => (t.externalData ?? []).length === 0).every((t) => (t.rawData?.byteLength ?? 0) < 1024)).toBe(true);
    expect(split.graph.byteLength + split.weights.byteLength).toBeGreaterThan(original.byteLength * 0.9);
    expect(split.graph.byteLength).toBeLessThan(original.byteLength / 4);
  });

  it("is deterministic", () => {
    const again = externalizeModel(buildTinyEncoder());
    expect(Buffer.from(again.graph).equals(Buffer.from(split.graph))).toBe(true);
    expect(Buffer.from(again.weights).equals(Buffer.from(split.weights))).toBe(true);
  });

  it("refuses a model that is already split", () => {
    expect(() => externalizeModel(split.graph)).toThrow(/already uses external data/);
  });

  it("gives the same embeddings as the single-file model, for both poolings", async () => {
    const batch = tokenizer.encodeBatch(TICKETS, 128);
    for (const pooling of ["cls", "mean"] as const) {
      const whole = await createEncoder(original, { pooling });
      const external = await createEncoder(split.graph, {
        pooling,
        externalData: [{ path: EXTERNAL_DATA_LOCATION, data: split.weights }],
      });
      const [a, b] = [await whole.embed(batch), await external.embed(batch)];
      expect(b.map((v) => [...v])).toEqual(a.map((v) => [...v]));
      await Promise.all([whole.release(), external.release()]);
    }
  });

  it("cannot load the graph without its weights, and says how many bytes it was given", async () => {
    await expect(createEncoder(split.graph)).rejects.toThrow(EncoderError);
    await expect(
      createEncoder(split.graph, { externalData: [{ path: EXTERNAL_DATA_LOCATION, data: split.weights.slice(0, 100) }] }),
    ).rejects.toThrow(new RegExp(`\\(${split.graph.byteLength} \\+ 100 bytes\\)`));
  });
});

describe("models:externalize", () => {
  it("writes OUT.onnx and OUT.weights.bin, byte-identical to externalizeModel", () => {
    const input = join(dir, "tiny.onnx");
    writeFileSync(input, buildTinyEncoder());
    const out = join(dir, "tiny-split.onnx");
    const node = resolve(import.meta.dirname, "../../node_modules/.bin/node");
    const stdout = execFileSync(node, [resolve(import.meta.dirname, "./externalize.ts"), input, out], {
      encoding: "utf8",
    });
    expect(stdout).toContain("tiny-split.weights.bin");
    const expected = externalizeModel(buildTinyEncoder());
    expect(readFileSync(out).equals(Buffer.from(expected.graph))).toBe(true);
    expect(readFileSync(join(dir, "tiny-split.weights.bin")).equals(Buffer.from(expected.weights))).toBe(true);
  });
});

describe("split layout in R2", () => {
  function fakeR2(objects: Record<string, Uint8Array>) {
    return {
      async get(key: string) {
        const bytes = objects[key];
        return bytes ? { arrayBuffer: async () => bytes.slice().buffer } : null;
      },
    } as unknown as R2Bucket;
  }

  it("names the weights object after the model key", () => {
    expect(weightsKey("distilbert-base-uncased/onnx/model_quantized.onnx")).toBe(
      "distilbert-base-uncased/onnx/model_quantized.weights.bin",
    );
  });

  it("loads the weights beside the graph when they exist, and only the graph otherwise", async () => {
    const { graph, weights } = externalizeModel(buildTinyEncoder());
    const split = (await loadModelBytes({ MODELS: fakeR2({ "m.onnx": graph, "m.weights.bin": weights }) }, "m.onnx")) as ModelLoad & {
      bytes: Uint8Array;
    };
    expect(split.externalData).toHaveLength(1);
    expect(split.externalData![0]!.path).toBe(EXTERNAL_DATA_LOCATION);
    expect(split.source).toBe(`r2://m.onnx (${graph.byteLength} bytes) + r2://m.weights.bin (${weights.byteLength} bytes)`);
    const single = await loadModelBytes({ MODELS: fakeR2({ "m.onnx": buildTinyEncoder() }) }, "m.onnx");
    expect(single).not.toHaveProperty("externalData");
    expect(await loadModelBytes({ MODELS: fakeR2({ "m.onnx": graph, "m.weights.bin": new Uint8Array(0) }) }, "m.onnx")).toEqual({
      bytes: null,
      reason: "R2 object m.weights.bin is empty",
    });
  });

  it("binds heads to the single file's sha256, or to sha256(sha256(graph) ‖ sha256(weights))", async () => {
    const sha = (b: Uint8Array) => createHash("sha256").update(b).digest();
    const model = buildTinyEncoder();
    expect(await modelSha256({ bytes: model })).toBe(sha(model).toString("hex"));
    const { graph, weights } = externalizeModel(model);
    const split = await modelSha256({ bytes: graph, externalData: [{ path: EXTERNAL_DATA_LOCATION, data: weights }] });
    expect(split).toBe(sha(Buffer.concat([sha(graph), sha(weights)])).toString("hex"));
    expect(split).not.toBe(sha(model).toString("hex"));
  });
});
