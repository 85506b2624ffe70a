import { describe, expect, it } from "vitest";
import { loadM2Heads, M2_HEADS_FORMAT, M2EncoderMismatchError, type M2HeadsArtifact } from "../src/m2/heads.ts";
import { BERT_UNCASED_VOCAB_SHA256 } from "./tiny-heads.ts";
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
    encoder: { id: "test", sha256: SHA_A, name: "test-encoder", pooling: "cls", maxLength: 128, dim: 4, vocabSha256: BERT_UNCASED_VOCAB_SHA256 },
    category: { classes, input: "embedding", coef: encodeFloat32(logreg.coef), intercept: Array.from(logreg.intercept), C: 5, classWeight: null },
    urgency: { input: "embedding", coef: encodeFloat32(ridge.coef), intercept: ridge.intercept, alpha: 0.5, ...(withKeyword ? { keywordCoef: 0.2 } : {}) },
    serve: { category: { model: "m2", reason: "test: M2 serves" }, urgency: { model: "m1", reason: "test: M1 serves" } },
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
      const out = heads.predict(Float32Array.from(x), { keywordMatched: false });
      const p = reference.proba(Array.from(Float32Array.from(x)));
      const best = p.indexOf(Math.max(...p));
      expect(out.category).toBe(heads.classes[best]);
      expect(out.confidence).toBeCloseTo(p[best]!, 12);
      expect(out.scores.Billing! + out.scores.Legal! + out.scores.Technical!).toBeCloseTo(1, 12);
      const u = reference.urgency(Array.from(Float32Array.from(x)));
      expect(out.urgency_score).toBeCloseTo(Math.min(1, Math.max(0, u)), 12);
    }
  });

  it("adds the keyword coefficient only when the ticket matched, and demands the flag", () => {
    const { artifact, rows } = trainedArtifact(true);
    const heads = loadM2Heads(artifact, SHA_A);
    expect(heads.usesKeyword).toBe(true);
    const x = rows[4]!;
    const without = loadM2Heads({ ...artifact, urgency: { ...artifact.urgency, keywordCoef: undefined } }, SHA_A).predict(x, { keywordMatched: true });
    expect(heads.predict(x, { keywordMatched: false }).urgency_score).toBeCloseTo(without.urgency_score, 12);
    const raw = without.urgency_score; // row 4's score is inside (0, 0.8), so the +0.2 is not clamped
    expect(raw).toBeGreaterThan(0);
    expect(raw).toBeLessThan(0.8);
    expect(heads.predict(x, { keywordMatched: true }).urgency_score).toBeCloseTo(raw + 0.2, 6);
    expect(() => heads.predict(x, {} as never)).toThrow(/keywordMatched/);
  });

  it("clamps the urgency score to [0, 1]", () => {
    const { artifact } = trainedArtifact(false);
    const high = loadM2Heads({ ...artifact, urgency: { ...artifact.urgency, intercept: 50 } }, SHA_A);
    const low = loadM2Heads({ ...artifact, urgency: { ...artifact.urgency, intercept: -50 } }, SHA_A);
    expect(high.predict([0, 0, 0, 0], { keywordMatched: false }).urgency_score).toBe(1);
    expect(low.predict([0, 0, 0, 0], { keywordMatched: false }).urgency_score).toBe(0);
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
    expect(bad((a) => ((a.category.classes = ["Billing", "Legal", "Sales"]), a))).toThrow(/category.classes.2: unknown class "Sales"/);
    // Two of the deployment's three categories: heads of another taxonomy, refused with the reason.
    expect(bad((a) => ((a.category.classes = ["Billing", "Legal"]), (a.category.intercept = [0, 0]), a))).toThrow(
      /category.classes \(Billing, Legal\) are not this deployment's categories \(Billing, Legal, Technical, models\/m1\/taxonomy.json\): retrain/,
    );
    expect(bad((a) => ((a.category.intercept = [0, 0]), a))).toThrow(/category.intercept/);
    expect(bad((a) => ((a.category.coef = encodeFloat32([...Array(11).fill(0), NaN])), a))).toThrow(/category.coef\[11\] is not finite/);
    expect(bad((a) => ((a.urgency.coef = encodeFloat32([1, 2, 3])), a))).toThrow(/urgency.coef has 3 values/);
    expect(bad((a) => ((a.urgency.intercept = Infinity), a))).toThrow(/urgency.intercept/);
    expect(bad((a) => ((a.encoder.vocabSha256 = "abc"), a))).toThrow(/encoder.vocabSha256/);
    expect(bad((a) => ((a.encoder.id = ""), a))).toThrow(/encoder.id/);
    expect(bad((a) => ((a.category.input = "embedding+tfidf" as never), a))).toThrow(/category.input/);
  });

  it("refuses an embedding of the wrong width or with non-finite values", () => {
    const heads = loadM2Heads(trainedArtifact(false).artifact, SHA_A);
    expect(() => heads.predict([1, 2, 3], { keywordMatched: false })).toThrow(/3 values, heads expect 4/);
    expect(() => heads.predict([1, NaN, 3, 4], { keywordMatched: false })).toThrow(/embedding\[1\]/);
  });
});

describe("format /2", () => {
  it("refuses the /1 heads every earlier trainer wrote, naming the format to retrain to", () => {
    const { artifact } = trainedArtifact(false);
    const old = { ...structuredClone(artifact), format: "smart-support-m2-heads/1" } as unknown as M2HeadsArtifact;
    expect(() => loadM2Heads(old, SHA_A)).toThrow(/unsupported format smart-support-m2-heads\/1 \(expected smart-support-m2-heads\/2/);
  });

  it("exposes the serve block and refuses one that is missing, names another model or gives no reason", () => {
    const { artifact } = trainedArtifact(false);
    const heads = loadM2Heads(artifact, SHA_A);
    expect(heads.serve).toEqual({ category: { model: "m2", reason: "test: M2 serves" }, urgency: { model: "m1", reason: "test: M1 serves" } });
    const withServe = (serve: unknown) => () => loadM2Heads({ ...structuredClone(artifact), serve } as M2HeadsArtifact, SHA_A);
    expect(withServe(undefined)).toThrow(/serve/);
    expect(withServe({ category: artifact.serve.category })).toThrow(/serve.urgency/);
    expect(withServe({ ...artifact.serve, category: { model: "m3", reason: "x" } })).toThrow(/serve.category.model/);
    expect(withServe({ ...artifact.serve, urgency: { model: "m1", reason: "  " } })).toThrow(/serve.urgency.reason/);
  });

  /** The same toy problem with M1-style margins joined to the embedding, as train:m2 stacks them. */
  function stackedArtifact() {
    const { artifact, rows } = trainedArtifact(false);
    const m1Classes = ["Billing", "Legal", "Technical"];
    const margins = rows.map((x) => [x[2]! - 0.5, x[3]! - 0.5, 0.5 - x[2]! - x[3]!]);
    const labels = rows.map((_, i) => m1Classes[i % 3]!);
    const logreg = fitLogReg(rows.map((x, i) => [...x, ...margins[i]!]), labels, { C: 5, classes: m1Classes });
    const stacked: M2HeadsArtifact = {
      ...artifact,
      m1: { name: "seed", sha256: SHA_B, classes: m1Classes },
      category: { ...artifact.category, input: "embedding+m1-margins", coef: encodeFloat32(logreg.coef), intercept: Array.from(logreg.intercept) },
    };
    const reference = (x: number[], m: number[]) =>
      predictProba({ classes: m1Classes, coef: Float32Array.from(logreg.coef), intercept: logreg.intercept }, [...Array.from(Float32Array.from(x)), ...m]);
    return { stacked, rows, margins, reference };
  }

  it("scores the embedding joined with M1's margins as the fitted model does", () => {
    const { stacked, rows, margins, reference } = stackedArtifact();
    const heads = loadM2Heads(stacked, SHA_A);
    expect(heads.usesM1Margins).toBe(true);
    expect(heads.m1).toEqual({ name: "seed", sha256: SHA_B, classes: ["Billing", "Legal", "Technical"] });
    for (const [i, x] of rows.slice(0, 6).entries()) {
      const out = heads.predict(Float32Array.from(x), { keywordMatched: false, m1Margins: margins[i]! });
      const p = reference(x, margins[i]!);
      expect(out.confidence).toBeCloseTo(Math.max(...p), 10);
      expect(out.category).toBe(heads.classes[p.indexOf(Math.max(...p))]);
    }
    // The margins move the prediction: the same embedding with other margins scores otherwise.
    const a = heads.predict(rows[0]!, { keywordMatched: false, m1Margins: [5, -5, -5] });
    const b = heads.predict(rows[0]!, { keywordMatched: false, m1Margins: [-5, -5, 5] });
    expect(a.scores.Billing).not.toBeCloseTo(b.scores.Billing!, 3);
  });

  it("requires m1Margins of M1's width when the head reads them", () => {
    const { stacked, rows } = stackedArtifact();
    const heads = loadM2Heads(stacked, SHA_A);
    expect(() => heads.predict(rows[0]!, { keywordMatched: false })).toThrow(/pass m1Margins \(3 values, M1 class order\)/);
    expect(() => heads.predict(rows[0]!, { keywordMatched: false, m1Margins: [1, 2] })).toThrow(/m1Margins has 2 values, expected 3 \(Billing, Legal, Technical\)/);
    expect(() => heads.predict(rows[0]!, { keywordMatched: false, m1Margins: [1, NaN, 2] })).toThrow(/m1Margins\[1\]/);
    // Heads that read no margins ignore them.
    const plain = loadM2Heads(trainedArtifact(false).artifact, SHA_A);
    expect(plain.usesM1Margins).toBe(false);
    expect(plain.predict(rows[0]!, { keywordMatched: false, m1Margins: [1, 2] })).toEqual(plain.predict(rows[0]!, { keywordMatched: false }));
  });

  it("refuses a stacked head without its M1 reference, or coefficients of the wrong width", () => {
    const { stacked } = stackedArtifact();
    const { m1: _m1, ...noM1 } = structuredClone(stacked);
    expect(() => loadM2Heads(noM1 as M2HeadsArtifact, SHA_A)).toThrow(/names no m1 model/);
    const plain = trainedArtifact(false).artifact;
    expect(() => loadM2Heads({ ...plain, m1: stacked.m1 }, SHA_A)).toThrow(/no head reads M1's outputs/);
    expect(() => loadM2Heads({ ...stacked, category: { ...stacked.category, coef: plain.category.coef } }, SHA_A)).toThrow(
      /category.coef has 12 values, expected 3 × \(4 \+ 3\)/,
    );
  });

  it("adds M1's urgency score times its coefficient when the urgency head reads it, and requires it", () => {
    const { artifact, rows } = trainedArtifact(true);
    const withM1 = loadM2Heads(
      { ...artifact, m1: { name: "seed", sha256: SHA_B, classes: ["Billing", "Legal", "Technical"] }, urgency: { ...artifact.urgency, input: "embedding+m1-urgency", m1UrgencyCoef: 0.25 } },
      SHA_A,
    );
    const base = loadM2Heads(artifact, SHA_A).predict(rows[4]!, { keywordMatched: false }).urgency_score;
    expect(withM1.predict(rows[4]!, { keywordMatched: false, m1Urgency: 0.4 }).urgency_score).toBeCloseTo(base + 0.1, 6);
    expect(() => withM1.predict(rows[4]!, { keywordMatched: false })).toThrow(/pass m1Urgency/);
    expect(() => loadM2Heads({ ...artifact, urgency: { ...artifact.urgency, m1UrgencyCoef: 0.25 } }, SHA_A)).toThrow(/m1UrgencyCoef must be present exactly/);
  });
});
