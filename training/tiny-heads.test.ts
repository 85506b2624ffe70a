// The fixture heads the stand-in tests read (test/fixtures/m2-tiny-heads.json) must be what
// training/tiny-heads.ts fits today, bound to the tiny encoder models/onnx generates, and must
// reproduce their recorded outputs through the Worker's encoder path.
import { describe, expect, it } from "vitest";
import fixture from "../test/fixtures/m2-tiny-heads.json" with { type: "json" };
import { buildTinyEncoder } from "../models/onnx/tiny-encoder.ts";
import { createEncoder } from "../src/m2/encoder.ts";
import { loadM2Heads, type M2HeadsArtifact } from "../src/m2/heads.ts";
import { decodeFloat32 } from "../src/ml/float32-base64.ts";
import { ticketText } from "../src/ml/text.ts";
import { bundledVocab } from "../src/m2/vocab.ts";
import { WordPieceTokenizer } from "../src/m2/wordpiece.ts";
import { sha256Hex } from "../src/util/sha256.ts";
import { buildTinyHeads } from "./tiny-heads.ts";

const artifact = fixture as M2HeadsArtifact & typeof fixture;

describe("fixture heads for the tiny stand-in", () => {
  it("are bound to the generated tiny encoder and let M2 serve both fields", async () => {
    const heads = loadM2Heads(artifact, await sha256Hex(buildTinyEncoder()));
    expect(heads.encoder.id).toBe("tiny-stand-in");
    expect(heads.serve.category.model).toBe("m2");
    expect(heads.serve.urgency.model).toBe("m2");
    expect(heads.usesM1Margins).toBe(false);
  });

  it("are what npm run fixtures:m2-tiny fits now (else: rerun it)", async () => {
    const fresh = await buildTinyHeads();
    expect(fresh.encoder).toEqual(artifact.encoder);
    const close = (a: string, b: string) => {
      const [x, y] = [decodeFloat32(a), decodeFloat32(b)];
      expect(x.length).toBe(y.length);
      expect(x.reduce((worst, v, i) => Math.max(worst, Math.abs(v - y[i]!)), 0)).toBeLessThan(1e-4);
    };
    close(fresh.category.coef, artifact.category.coef);
    close(fresh.urgency.coef, artifact.urgency.coef);
  }, 120_000);

  it("reproduce their examples one ticket at a time through src/m2/encoder.ts", async () => {
    const encoder = await createEncoder(buildTinyEncoder(), { pooling: artifact.encoder.pooling });
    const tokenizer = new WordPieceTokenizer(bundledVocab());
    const heads = loadM2Heads(artifact, artifact.encoder.sha256);
    try {
      const categories = new Set<string>();
      for (const ex of artifact.examples) {
        const [embedding] = await encoder.embed(tokenizer.encodeBatch([ticketText(ex.subject, ex.body)], artifact.encoder.maxLength));
        const p = heads.predict(embedding!, { keywordMatched: ex.keywordMatched });
        expect(p.category).toBe(ex.category);
        expect(Math.abs(p.confidence - ex.confidence)).toBeLessThan(1e-6);
        expect(Math.abs(p.urgency_score - ex.urgency_score)).toBeLessThan(1e-6);
        categories.add(p.category);
      }
      // Heads that put every ticket in one class would hide a category mix-up in the Worker tests.
      expect(categories.size).toBe(3);
    } finally {
      await encoder.release();
    }
  }, 60_000);
});
