import { describe, expect, it } from "vitest";
import { loadM2Heads, M2_HEADS_FORMAT, M2EncoderMismatchError, type M2HeadsArtifact } from "../src/m2/heads.ts";
import { encodeFloat32 } from "./float32-base64.ts";
import { fitLogReg, predictProba } from "./logreg.ts";
import { fitRidgeDense, scoreDense } from "./ridge.ts";

const SHA_A = "a".repeat(64);
const SHA_B = "0123456789abcdef".repeat(4);

/** Heads fitted on a small 3-class, 4-wide problem, serialised as train-m2 does. */
function trainedArtifact(withKeyword: boolean) {
  const rows: number[][] = [];
  const labels: string[] = [];
  const targets: number[] = [];
  const classes = ["Billing", "Legal", "Technical"];
  for (let i = 0; i < 60; i++) {
    const c = i % 3;
    const x = [Math.sin(i), Math.cos(3 * i), c === 0 ? 1 : 0, c === 1 ? 1 : 0].map((v, j) => v + 0.1 * Math.sin(i * (j + 2)));
    rows.push(x);
    labels.push(classes[c]!);
    targets.push(0.5 + 0.3 * Math.sin(i));
  }
  const logreg = fitLogReg(rows, labels, { C: 5, classes });
  const ridge = fitRidgeDense(rows, targets, 0.5);
  const artifact: M2HeadsArtifact = {
    format: M2_HEADS_FORMAT,
    encoder: { sha256: SHA_A, name: "test-encoder", pooling: "cls", maxLength: 128, dim: 4 },
    category: { classes, coef: encodeFloat32(logreg.coef), intercept: Array.from(logreg.intercept), C: 5, classWeight: null },
    urgency: { coef: encodeFloat32(ridge.coef), intercept: ridge.intercept, alpha: 0.5, ...(withKeyword ? { keywordCoef: 0.2 } : {}) },
    meta: {},
  };
  // What the artefact should reproduce: the fitted models read through Float32 coefficients.
  const f32 = (v: ArrayLike<number>) => Float32Array.from(v as ArrayLike<number>);
  const reference = {
    proba: (x: number[]) => predictProba({ classes, coef: f32(logreg.coef), intercept: logreg.intercept }, x),
    urgency: (x: number[]) => scoreDense({ coef: f32(ridge.coef), intercept: ridge.intercept }, x),
  };
  return { artifact, rows, reference };
}

describe("loadM2Heads", () => {
  it("predicts what the fitted logistic regression and ridge give, confidence being the top probability", () => {
    const { artifact, rows, reference } = trainedArtifact(false);
    const heads = loadM2Heads(artifact, SHA_A);
    expect(heads.usesKeyword).toBe(false);
    for (const x of rows.slice(0, 9)) {
      const out = heads.predict(Float32Array.from(x));
      const p = reference.proba(Array.from(Float32Array.from(x)));
      const best = p.indexOf(Math.max(...p));
      expect(out.category).toBe(heads.classes[best]);
      expect(out.confidence).toBeCloseTo(p[best]!, 12);
      expect(out.scores.Billing + out.scores.Legal + out.scores.Technical).toBeCloseTo(1, 12);
      const u = reference.urgency(Array.from(Float32Array.from(x)));
      expect(out.urgency_score).toBeCloseTo(Math.min(1, Math.max(0, u)), 12);
    }
  });

  it("adds the keyword coefficient only when the ticket matched, and demands the flag", () => {
    const { artifact, rows } = trainedArtifact(true);
    const heads = loadM2Heads(artifact, SHA_A);
    expect(heads.usesKeyword).toBe(true);
    const x = rows[4]!;
    const without = loadM2Heads({ ...artifact, urgency: { ...artifact.urgency, keywordCoef: undefined } }, SHA_A).predict(x);
    expect(heads.predict(x, false).urgency_score).toBeCloseTo(without.urgency_score, 12);
    const raw = without.urgency_score; // row 4's score is inside (0, 0.8), so the +0.2 is not clamped
    expect(raw).toBeGreaterThan(0);
    expect(raw).toBeLessThan(0.8);
    expect(heads.predict(x, true).urgency_score).toBeCloseTo(raw + 0.2, 6);
    expect(() => heads.predict(x)).toThrow(/keywordMatched/);
  });

  it("clamps the urgency score to [0, 1]", () => {
    const { artifact } = trainedArtifact(false);
    const high = loadM2Heads({ ...artifact, urgency: { ...artifact.urgency, intercept: 50 } }, SHA_A);
    const low = loadM2Heads({ ...artifact, urgency: { ...artifact.urgency, intercept: -50 } }, SHA_A);
    expect(high.predict([0, 0, 0, 0]).urgency_score).toBe(1);
    expect(low.predict([0, 0, 0, 0]).urgency_score).toBe(0);
  });

  it("refuses heads trained for another encoder, naming both", () => {
    const { artifact } = trainedArtifact(false);
    let error: unknown;
    try {
      loadM2Heads(artifact, SHA_B);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(M2EncoderMismatchError);
    const message = (error as Error).message;
    expect(message).toContain(`heads belong to encoder "test-encoder" (sha256 ${SHA_A})`);
    expect(message).toContain(`loaded encoder is sha256 ${SHA_B}`);
    // Case and surrounding whitespace of a hex digest do not make it another encoder.
    expect(() => loadM2Heads(artifact, ` ${SHA_A.toUpperCase()}\n`)).not.toThrow();
    expect(() => loadM2Heads(artifact, "not-a-hash")).toThrow(/not 64 hex digits/);
  });

  it("rejects malformed artefacts with the field named", () => {
    const { artifact } = trainedArtifact(false);
    const bad = (patch: (a: M2HeadsArtifact) => unknown) => () =>
      loadM2Heads(patch(structuredClone(artifact)) as M2HeadsArtifact, SHA_A);
    expect(bad((a) => ({ ...a, format: "smart-support-m2-heads/0" }))).toThrow(/unsupported format/);
    expect(bad((a) => ((a.encoder.pooling = "max" as never), a))).toThrow(/pooling/);
    expect(bad((a) => ((a.encoder.dim = 5), a))).toThrow(/category.coef has 12 values, expected 3 × 5/);
    expect(bad((a) => ((a.category.classes = ["Billing", "Legal", "Sales"]), a))).toThrow(/"Sales"/);
    expect(bad((a) => ((a.category.intercept = [0, 0]), a))).toThrow(/category.intercept/);
    expect(bad((a) => ((a.category.coef = encodeFloat32([...Array(11).fill(0), NaN])), a))).toThrow(/category.coef\[11\] is not finite/);
    expect(bad((a) => ((a.urgency.coef = encodeFloat32([1, 2, 3])), a))).toThrow(/urgency.coef has 3 values/);
    expect(bad((a) => ((a.urgency.intercept = Infinity), a))).toThrow(/urgency.intercept/);
  });

  it("refuses an embedding of the wrong width or with non-finite values", () => {
    const heads = loadM2Heads(trainedArtifact(false).artifact, SHA_A);
    expect(() => heads.predict([1, 2, 3])).toThrow(/3 values, heads expect 4/);
    expect(() => heads.predict([1, NaN, 3, 4])).toThrow(/embedding\[1\]/);
  });
});
