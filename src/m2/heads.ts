/**
 * The M2 heads at inference: what turns one ticket embedding from the encoder
 * (DistilBERT, or a stand-in) into a category, its confidence and an urgency score.
 * Written by `npm run train:m2` to models/m2/heads.json.
 *
 *  - category: multinomial logistic regression (fitted by training/logreg.ts);
 *    confidence is the top softmax probability, which the cross-entropy objective
 *    already calibrates;
 *  - urgency: ridge regression (fitted by training/ridge.ts) on the same embedding,
 *    plus the keyword flag when the trainer found it helps, clamped to [0, 1].
 *
 * Heads are only meaningful for the exact encoder whose embeddings they were fitted
 * on: another model (or the same architecture with other weights) produces vectors
 * of the same width that mean something else, and would be scored without any error.
 * So the artefact names its encoder by sha256 and loading refuses any other.
 *
 * Runtime-neutral: the Worker bundles the JSON, Node imports it `with { type: "json" }`.
 */
import { CATEGORIES, type Category } from "../ml/categories.ts";
import { decodeFloat32 } from "../ml/float32-base64.ts";
import { argmax, clamp01, denseDot, denseMargins, softmax } from "../ml/linear.ts";
import { POOLINGS, type Pooling } from "./pooling.ts";

export const M2_HEADS_FORMAT = "smart-support-m2-heads/1";

// The encoder's pooling names, re-exported so the heads and the trainer share one list.
export { POOLINGS, type Pooling } from "./pooling.ts";

export type M2EncoderRef = {
  /** sha256 (lower-case hex) of the ONNX file the heads were trained on. */
  sha256: string;
  name: string;
  pooling: Pooling;
  /** Token limit the embeddings were computed with ([CLS] and [SEP] included). */
  maxLength: number;
  /** Embedding width. */
  dim: number;
};

export type M2HeadsArtifact = {
  format: typeof M2_HEADS_FORMAT;
  encoder: M2EncoderRef;
  category: {
    classes: string[];
    /** base64 of little-endian Float32, classes × dim, row-major. */
    coef: string;
    intercept: number[];
    C?: number;
    classWeight?: "balanced" | null;
  };
  urgency: {
    /** base64 of little-endian Float32, dim values. */
    coef: string;
    intercept: number;
    alpha: number;
    /** Added when the ticket matched an urgency keyword; absent for an embedding-only head. */
    keywordCoef?: number;
  };
  meta: Record<string, unknown>;
};

export type M2Prediction = {
  category: Category;
  /** Probability of `category`, in [0, 1]. */
  confidence: number;
  /** Probability per category; they sum to 1. */
  scores: Record<Category, number>;
  /** In [0, 1]. */
  urgency_score: number;
};

export type M2Heads = {
  encoder: Readonly<M2EncoderRef>;
  classes: readonly Category[];
  /** Whether predict() needs the ticket's urgency-keyword flag. */
  usesKeyword: boolean;
  predict(embedding: ArrayLike<number>, keywordMatched?: boolean): M2Prediction;
};

/** The heads were trained for another encoder; the message is written for /health. */
export class M2EncoderMismatchError extends Error {
  readonly expected: string;
  readonly actual: string;
  constructor(heads: M2EncoderRef, actual: string) {
    super(
      `M2 heads belong to encoder "${heads.name}" (sha256 ${heads.sha256}), loaded encoder is sha256 ${actual}: ` +
        `retrain the heads with npm run train:m2 -- --encoder <that model>`,
    );
    this.name = "M2EncoderMismatchError";
    this.expected = heads.sha256;
    this.actual = actual;
  }
}

const SHA256 = /^[0-9a-f]{64}$/;

function invalid(what: string): never {
  throw new Error(`M2 heads artefact: ${what}`);
}

function finiteArray(values: ArrayLike<number>, what: string): void {
  for (let j = 0; j < values.length; j++) if (!Number.isFinite(values[j]!)) invalid(`${what}[${j}] is not finite`);
}

/**
 * Validates the artefact and binds it to the running encoder. encoderSha256 is the
 * sha256 of the ONNX bytes actually loaded; a mismatch throws M2EncoderMismatchError.
 */
export function loadM2Heads(artifact: M2HeadsArtifact, encoderSha256: string): M2Heads {
  if (artifact?.format !== M2_HEADS_FORMAT) invalid(`unsupported format ${String(artifact?.format)}`);
  const { encoder, category, urgency } = artifact;
  if (!encoder || typeof encoder.sha256 !== "string" || !SHA256.test(encoder.sha256)) {
    invalid("encoder.sha256 must be 64 lower-case hex digits");
  }
  const actual = encoderSha256.trim().toLowerCase();
  if (!SHA256.test(actual)) throw new Error(`loadM2Heads: encoder sha256 "${encoderSha256}" is not 64 hex digits`);
  if (actual !== encoder.sha256) throw new M2EncoderMismatchError(encoder, actual);
  if (!(POOLINGS as readonly string[]).includes(encoder.pooling)) invalid(`unknown pooling "${String(encoder.pooling)}"`);
  if (!Number.isInteger(encoder.dim) || encoder.dim < 1) invalid("encoder.dim must be a positive integer");
  if (!Number.isInteger(encoder.maxLength) || encoder.maxLength < 2) invalid("encoder.maxLength must be an integer ≥ 2");
  const dim = encoder.dim;

  const classes = category.classes.map((c) => {
    if (!(CATEGORIES as readonly string[]).includes(c)) invalid(`unknown class "${c}"`);
    return c as Category;
  });
  if (new Set(classes).size !== classes.length || classes.length < 2) invalid("category.classes must be ≥ 2 distinct classes");
  const k = classes.length;
  const categoryCoef = decodeFloat32(category.coef);
  if (categoryCoef.length !== k * dim) invalid(`category.coef has ${categoryCoef.length} values, expected ${k} × ${dim}`);
  if (category.intercept.length !== k) invalid(`category.intercept has ${category.intercept.length} values, expected ${k}`);
  finiteArray(categoryCoef, "category.coef");
  finiteArray(category.intercept, "category.intercept");
  const categoryIntercept = Float64Array.from(category.intercept);

  const urgencyCoef = decodeFloat32(urgency.coef);
  if (urgencyCoef.length !== dim) invalid(`urgency.coef has ${urgencyCoef.length} values, expected ${dim}`);
  finiteArray(urgencyCoef, "urgency.coef");
  finiteArray([urgency.intercept], "urgency.intercept");
  const usesKeyword = urgency.keywordCoef !== undefined;
  const keywordCoef = urgency.keywordCoef ?? 0;
  if (usesKeyword) finiteArray([keywordCoef], "urgency.keywordCoef");

  return {
    encoder: Object.freeze({ ...encoder }),
    classes,
    usesKeyword,
    predict(embedding, keywordMatched) {
      if (embedding.length !== dim) {
        throw new Error(`M2 heads: embedding has ${embedding.length} values, heads expect ${dim} (encoder "${encoder.name}")`);
      }
      // Defaulting a missing flag to false would silently pull every urgent ticket down a band.
      if (usesKeyword && keywordMatched === undefined) {
        throw new Error("M2 heads: the urgency head uses the keyword flag; pass keywordMatched");
      }
      for (let j = 0; j < dim; j++) {
        if (!Number.isFinite(embedding[j]!)) throw new Error(`M2 heads: embedding[${j}] is not finite`);
      }
      const probs = softmax(denseMargins(categoryCoef, embedding, categoryIntercept));
      const best = argmax(probs);
      const scores = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
      classes.forEach((c, i) => (scores[c] = probs[i]!));
      const urgencyScore = denseDot(urgencyCoef, embedding, 0, urgency.intercept) + (keywordMatched ? keywordCoef : 0);
      return {
        category: classes[best]!,
        confidence: probs[best]!,
        scores,
        urgency_score: clamp01(urgencyScore),
      };
    },
  };
}
