/**
 * The M2 heads at inference: what turns one ticket embedding from the encoder
 * (all-MiniLM-L6-v2, or a stand-in) into a category, its confidence and an urgency
 * score, and which model (M1 or M2) the trainer found should serve each field.
 * Written by `npm run train:m2` to models/m2/heads.json.
 *
 *  - category: multinomial logistic regression (fitted by training/logreg.ts) on the
 *    embedding, or on the embedding joined with M1's per-class margins when that won
 *    under grouped CV; confidence is the top softmax probability, which the
 *    cross-entropy objective already calibrates;
 *  - urgency: ridge regression (fitted by training/ridge.ts) on the same embedding,
 *    plus the keyword flag and M1's urgency score when the trainer found they help,
 *    clamped to [0, 1];
 *  - serve: per field, "m2" only where M2 beat M1 by more than one fold-paired
 *    standard error on the same folds, else "m1"; the reason carries the figures.
 *
 * Heads are only meaningful for the exact encoder whose embeddings they were fitted
 * on: another model (or the same architecture with other weights) produces vectors
 * of the same width that mean something else, and would be scored without any error.
 * So the artefact names its encoder by sha256 and loading refuses any other.
 *
 * Runtime-neutral: the Worker bundles the JSON, Node imports it `with { type: "json" }`.
 */
import { z } from "zod";
import { CATEGORIES, sameCategories, type Category } from "../ml/categories.ts";
import { decodeFloat32 } from "../ml/float32-base64.ts";
import { argmax, clamp01, denseDot, softmax } from "../ml/linear.ts";
import { POOLINGS, type Pooling } from "./pooling.ts";

export const M2_HEADS_FORMAT = "smart-support-m2-heads/2";

// The encoder's pooling names, re-exported so the heads and the trainer share one list.
export { POOLINGS, type Pooling } from "./pooling.ts";

/** What the category head reads: the embedding alone, or joined with M1's margins. */
export const CATEGORY_INPUTS = ["embedding", "embedding+m1-margins"] as const;
export type CategoryInput = (typeof CATEGORY_INPUTS)[number];
/** What the urgency head reads besides the keyword flag: the embedding, or also M1's urgency score. */
export const URGENCY_INPUTS = ["embedding", "embedding+m1-urgency"] as const;
export type UrgencyInput = (typeof URGENCY_INPUTS)[number];
export const SERVING_MODELS = ["m1", "m2"] as const;
export type ServingModel = (typeof SERVING_MODELS)[number];

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex digits");
const Finite = z.number().refine(Number.isFinite, "must be finite");
const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64");
// Typed as string so JSON imports fit the artefact type; the values are checked here.
const CategoryName = z.string().refine((c) => (CATEGORIES as readonly string[]).includes(c), { error: (issue) => `unknown class "${String(issue.input)}"` });

const EncoderRefSchema = z.object({
  /** The encoder manifest id (models/encoders/<id>.json), e.g. "all-minilm-l6-v2-int8"; also its R2 folder. */
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, "must be an encoder manifest id"),
  name: z.string().min(1),
  /** sha256 (lower-case hex) of the ONNX file the heads were trained on. */
  sha256: Sha256,
  pooling: z.enum(POOLINGS),
  /** Token limit the embeddings were computed with ([CLS] and [SEP] included). */
  maxLength: z.number().int().min(2),
  /** Embedding width. */
  dim: z.number().int().min(1),
  /** sha256 of the vocab.txt the tokenizer must use. */
  vocabSha256: Sha256,
  /** Casing of that vocabulary; absent means lower-cased, as every uncased BERT. */
  lowercase: z.boolean().optional(),
});

/** The M1 artefact whose outputs a head reads, so a retrained M1 cannot feed stale heads unnoticed. */
const M1RefSchema = z.object({
  name: z.string().min(1),
  /** sha256 of models/m1/model.json as committed when the heads were trained. */
  sha256: Sha256,
  /** M1's class order: the order of the margins predict() is given. */
  classes: z.array(CategoryName).min(2),
});

const ServeFieldSchema = z.object({ model: z.enum(SERVING_MODELS), reason: z.string().trim().min(1) });
/** Which model serves each /v2 field, with the figures behind the choice. The API Worker reads it too (src/serve-decision.ts). */
export const ServeSchema = z.object({ category: ServeFieldSchema, urgency: ServeFieldSchema });

export const M2HeadsArtifactSchema = z.object({
  format: z.literal(M2_HEADS_FORMAT),
  encoder: EncoderRefSchema,
  /** Present when a head reads M1's outputs. */
  m1: M1RefSchema.optional(),
  category: z.object({
    classes: z.array(CategoryName).min(2),
    input: z.enum(CATEGORY_INPUTS),
    /** base64 of little-endian Float32, classes × (dim [+ M1 classes]), row-major. */
    coef: Base64,
    intercept: z.array(Finite),
    C: z.number().positive().optional(),
    classWeight: z.enum(["balanced"]).nullable().optional(),
  }),
  urgency: z.object({
    input: z.enum(URGENCY_INPUTS),
    /** base64 of little-endian Float32, dim values. */
    coef: Base64,
    intercept: Finite,
    alpha: z.number().positive(),
    /** Added when the ticket matched an urgency keyword; absent for a head without the flag. */
    keywordCoef: Finite.optional(),
    /** Times M1's urgency score; present exactly when input is "embedding+m1-urgency". */
    m1UrgencyCoef: Finite.optional(),
  }),
  serve: ServeSchema,
  meta: z.record(z.string(), z.unknown()),
});

export type M2HeadsArtifact = z.input<typeof M2HeadsArtifactSchema>;
export type M2EncoderRef = z.output<typeof EncoderRefSchema>;
export type M2M1Ref = Omit<z.output<typeof M1RefSchema>, "classes"> & { classes: Category[] };
export type M2Serve = z.output<typeof ServeSchema>;

/** What the runtime needs before any model is loaded: the encoder (R2 keys, vocabulary) and whether M2 runs at all. */
export type M2HeadsBinding = { encoder: M2EncoderRef; serve: M2Serve };


export type M2Prediction = {
  category: Category;
  /** Probability of `category`, in [0, 1]. */
  confidence: number;
  /** Probability per category; they sum to 1. */
  scores: Record<Category, number>;
  /** In [0, 1]. */
  urgency_score: number;
};

export type M2Inputs = {
  /** The ticket's urgency-keyword flag (ticketUrgency(...).keywordMatched). */
  keywordMatched: boolean;
  /** M1's per-class margins in M1's class order (`isolateM1().model.margins(text)`); required when `usesM1Margins`. */
  m1Margins?: ArrayLike<number>;
  /** M1's urgency score in [0, 1]; required when `usesM1Urgency`. */
  m1Urgency?: number;
};

export type M2Heads = {
  encoder: Readonly<M2EncoderRef>;
  classes: readonly Category[];
  /** Which model serves each field, and why (the trainer's figures). */
  serve: Readonly<M2Serve>;
  /** The M1 artefact the heads read, when they read any of its outputs. */
  m1: Readonly<M2M1Ref> | null;
  usesKeyword: boolean;
  usesM1Margins: boolean;
  usesM1Urgency: boolean;
  predict(embedding: ArrayLike<number>, inputs: M2Inputs): M2Prediction;
};

/** The heads were trained for another encoder; the message is written for /health. */
export class M2EncoderMismatchError extends Error {
  readonly expected: string;
  readonly actual: string;
  constructor(heads: Pick<M2EncoderRef, "name" | "sha256">, actual: string) {
    super(
      `M2 heads belong to encoder "${heads.name}" (sha256 ${heads.sha256}), loaded encoder is sha256 ${actual}: ` +
        `retrain the heads with npm run train:m2 -- --encoder <that model>`,
    );
    this.name = "M2EncoderMismatchError";
    this.expected = heads.sha256;
    this.actual = actual;
  }
}

function invalid(what: string): never {
  throw new Error(`M2 heads artefact: ${what}`);
}

function finiteArray(values: ArrayLike<number>, what: string): void {
  for (let j = 0; j < values.length; j++) if (!Number.isFinite(values[j]!)) invalid(`${what}[${j}] is not finite`);
}

function checkFormat(artifact: unknown): void {
  const format = (artifact as { format?: unknown } | null)?.format;
  // An older format gets its own message: it is the common case after a partial deploy.
  if (format !== M2_HEADS_FORMAT) invalid(`unsupported format ${String(format)} (expected ${M2_HEADS_FORMAT}; retrain with npm run train:m2)`);
}

const BindingSchema = M2HeadsArtifactSchema.pick({ encoder: true, serve: true });

/** The encoder and serve block of an artefact, validated, without binding it to a model. */
export function headsBinding(artifact: unknown): M2HeadsBinding {
  checkFormat(artifact);
  const parsed = BindingSchema.safeParse(artifact);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    invalid(`${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return parsed.data;
}

function parseArtifact(artifact: unknown) {
  checkFormat(artifact);
  const parsed = M2HeadsArtifactSchema.safeParse(artifact);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    invalid(`${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Validates the artefact and binds it to the running encoder. encoderSha256 is the
 * sha256 of the ONNX bytes actually loaded; a mismatch throws M2EncoderMismatchError.
 */
export function loadM2Heads(artifact: M2HeadsArtifact, encoderSha256: string): M2Heads {
  const { encoder, category, urgency, serve, m1 } = parseArtifact(artifact);
  const actual = encoderSha256.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(actual)) throw new Error(`loadM2Heads: encoder sha256 "${encoderSha256}" is not 64 hex digits`);
  if (actual !== encoder.sha256) throw new M2EncoderMismatchError(encoder, actual);
  const dim = encoder.dim;

  const classes = category.classes as Category[];
  if (new Set(classes).size !== classes.length) invalid("category.classes must be distinct");
  // Heads of another taxonomy would answer categories the API does not accept (or never answer some).
  if (!sameCategories(classes, CATEGORIES)) {
    invalid(`category.classes (${classes.join(", ")}) are not this deployment's categories (${CATEGORIES.join(", ")}, models/m1/taxonomy.json): retrain with npm run train:m2`);
  }
  const usesM1Margins = category.input === "embedding+m1-margins";
  const usesM1Urgency = urgency.input === "embedding+m1-urgency";
  if ((usesM1Margins || usesM1Urgency) !== (m1 !== undefined)) {
    invalid(m1 ? "m1 is present but no head reads M1's outputs" : `a head reads M1's outputs but the artefact names no m1 model`);
  }
  if (m1 && new Set(m1.classes).size !== m1.classes.length) invalid("m1.classes must be distinct");
  const m1Width = usesM1Margins ? m1!.classes.length : 0;
  const width = dim + m1Width;
  const k = classes.length;
  const categoryCoef = decodeFloat32(category.coef);
  if (categoryCoef.length !== k * width) {
    invalid(`category.coef has ${categoryCoef.length} values, expected ${k} × ${usesM1Margins ? `(${dim} + ${m1Width})` : dim}`);
  }
  if (category.intercept.length !== k) invalid(`category.intercept has ${category.intercept.length} values, expected ${k}`);
  finiteArray(categoryCoef, "category.coef");
  const categoryIntercept = Float64Array.from(category.intercept);

  const urgencyCoef = decodeFloat32(urgency.coef);
  if (urgencyCoef.length !== dim) invalid(`urgency.coef has ${urgencyCoef.length} values, expected ${dim}`);
  finiteArray(urgencyCoef, "urgency.coef");
  if (usesM1Urgency !== (urgency.m1UrgencyCoef !== undefined)) {
    invalid(`urgency.m1UrgencyCoef must be present exactly when urgency.input is "embedding+m1-urgency"`);
  }
  const usesKeyword = urgency.keywordCoef !== undefined;
  const keywordCoef = urgency.keywordCoef ?? 0;
  const m1UrgencyCoef = urgency.m1UrgencyCoef ?? 0;
  const frozenServe = Object.freeze({ category: Object.freeze({ ...serve.category }), urgency: Object.freeze({ ...serve.urgency }) });

  return {
    encoder: Object.freeze({ ...encoder }),
    classes,
    serve: frozenServe,
    m1: m1 ? Object.freeze({ ...m1, classes: [...m1.classes] as Category[] }) : null,
    usesKeyword,
    usesM1Margins,
    usesM1Urgency,
    predict(embedding, inputs) {
      if (embedding.length !== dim) {
        throw new Error(`M2 heads: embedding has ${embedding.length} values, heads expect ${dim} (encoder "${encoder.name}")`);
      }
      // Defaulting a missing flag to false would silently pull every urgent ticket down a band.
      if (typeof inputs?.keywordMatched !== "boolean") {
        throw new Error("M2 heads: pass keywordMatched (the ticket's urgency-keyword flag)");
      }
      for (let j = 0; j < dim; j++) {
        if (!Number.isFinite(embedding[j]!)) throw new Error(`M2 heads: embedding[${j}] is not finite`);
      }
      const margins = inputs.m1Margins;
      if (usesM1Margins) {
        if (!margins) throw new Error(`M2 heads: the category head reads M1's margins; pass m1Margins (${m1Width} values, M1 class order)`);
        if (margins.length !== m1Width) throw new Error(`M2 heads: m1Margins has ${margins.length} values, expected ${m1Width} (${m1!.classes.join(", ")})`);
        for (let j = 0; j < m1Width; j++) if (!Number.isFinite(margins[j]!)) throw new Error(`M2 heads: m1Margins[${j}] is not finite`);
      }
      if (usesM1Urgency && !(typeof inputs.m1Urgency === "number" && Number.isFinite(inputs.m1Urgency))) {
        throw new Error("M2 heads: the urgency head reads M1's urgency score; pass m1Urgency");
      }

      const logits = new Float64Array(k);
      for (let c = 0; c < k; c++) {
        let z = denseDot(categoryCoef, embedding, c * width, categoryIntercept[c]!);
        for (let j = 0; j < m1Width; j++) z += categoryCoef[c * width + dim + j]! * margins![j]!;
        logits[c] = z;
      }
      const probs = softmax(logits);
      const best = argmax(probs);
      const scores: Record<Category, number> = {};
      classes.forEach((c, i) => (scores[c] = probs[i]!));
      const urgencyScore =
        denseDot(urgencyCoef, embedding, 0, urgency.intercept) +
        (inputs.keywordMatched ? keywordCoef : 0) +
        (usesM1Urgency ? m1UrgencyCoef * inputs.m1Urgency! : 0);
      return {
        category: classes[best]!,
        confidence: probs[best]!,
        scores,
        urgency_score: clamp01(urgencyScore),
      };
    },
  };
}
