/**
 * M1 at inference: loads the committed artefact (models/m1/model.json, produced by
 * `npm run train:m1`) and classifies a ticket into the artefact's `classes` (two or more).
 *
 * Runtime-neutral: the Worker bundles the JSON (`import artifact from
 * "../../models/m1/model.json"`), Node imports it `with { type: "json" }`.
 * Confidence is the softmax of the per-class margins divided by a temperature that
 * the trainer fitted on out-of-fold margins (temperature scaling), so it is a
 * calibrated probability in [0, 1] rather than a raw SVM distance.
 */
import { categoryNameProblem, type Category } from "../ml/categories.ts";
import { decodeFloat32 } from "../ml/float32-base64.ts";
import { argmax, softmax, sparseMargins, type SparseRow } from "../ml/linear.ts";
import { ticketText } from "../ml/text.ts";
import { prepareTransform, transformUnion, unionWidth, type Analyzer, type TfidfModel, type TfidfUnion } from "./tfidf.ts";

export const M1_FORMAT = "smart-support-m1/1";

export type M1FeatureBlock = {
  analyzer: Analyzer;
  lowercase: boolean;
  sublinearTf: boolean;
  minDf: number;
  maxFeatures: number | null;
  /** Scale of this block's L2-normalised row inside the concatenated features. */
  weight: number;
  /** Terms in feature-index order. */
  terms: string[];
  /** base64 of little-endian Float32 idf, one per term. */
  idf: string;
};

export type M1Artifact = {
  format: typeof M1_FORMAT;
  name: string;
  classes: string[];
  features: M1FeatureBlock[];
  /** base64 of little-endian Float32, classes × total features, row-major. */
  coef: string;
  intercept: number[];
  /** Per-class offsets added to the margins before the argmax (0 when not calibrated). */
  classBias: number[];
  /** Softmax temperature for the confidence. */
  temperature: number;
  meta: Record<string, unknown>;
};

export type M1Prediction = {
  category: Category;
  /** Probability of `category`, in [0, 1]. */
  confidence: number;
  /** Probability per category; they sum to 1. */
  scores: Record<Category, number>;
};

export type M1Model = {
  name: string;
  classes: readonly Category[];
  predict(subject: string, body: string): M1Prediction;
  /** predict() for a row from features(), so one transform can feed several models. */
  predictRow(row: SparseRow): M1Prediction;
  /** Margins (bias included) for an already-built model text, e.g. for batch evaluation. */
  margins(text: string): Float64Array;
  /** The TF-IDF row M1 scores (indices < featureCount), reusable by other models on the same features. */
  features(text: string): SparseRow;
  featureCount: number;
};

export function loadM1(artifact: M1Artifact): M1Model {
  if (artifact.format !== M1_FORMAT) throw new Error(`unsupported M1 artefact format: ${String(artifact.format)}`);
  // The artefact defines the categories (src/ml/categories.ts reads them from it); which
  // set a deployment accepts is the caller's check (isolate.ts), so training tools can load
  // a model trained on another taxonomy.
  if (!Array.isArray(artifact.classes) || artifact.classes.length < 2) throw new Error("M1 artefact: classes must list at least two categories");
  const classes: readonly Category[] = Object.freeze(
    artifact.classes.map((c) => {
      const problem = typeof c === "string" ? categoryNameProblem(c) : "must be a string";
      if (problem) throw new Error(`M1 artefact: class ${JSON.stringify(c)} ${problem}`);
      return c;
    }),
  );
  if (new Set(classes).size !== classes.length) throw new Error("M1 artefact: classes must be distinct");
  const parts: TfidfModel[] = artifact.features.map((block) => {
    const idf = decodeFloat32(block.idf);
    if (idf.length !== block.terms.length) throw new Error("M1 artefact: idf and terms differ in length");
    const model: TfidfModel = {
      config: {
        analyzer: block.analyzer,
        minDf: block.minDf,
        maxFeatures: block.maxFeatures,
        sublinearTf: block.sublinearTf,
        lowercase: block.lowercase,
      },
      terms: block.terms,
      idf,
    };
    prepareTransform(model);
    return model;
  });
  const union: TfidfUnion = { parts, weights: artifact.features.map((b) => b.weight) };
  const width = unionWidth(union);
  const coef = decodeFloat32(artifact.coef);
  const k = classes.length;
  if (coef.length !== k * width) throw new Error(`M1 artefact: coef has ${coef.length} values, expected ${k * width}`);
  if (artifact.intercept.length !== k || artifact.classBias.length !== k) {
    throw new Error("M1 artefact: intercept/classBias length differs from classes");
  }
  if (!(artifact.temperature > 0)) throw new Error("M1 artefact: temperature must be > 0");
  const offset = artifact.intercept.map((b, c) => b + artifact.classBias[c]!);
  const temperature = artifact.temperature;

  const marginsOfRow = (row: SparseRow) => sparseMargins(coef, width, row, offset);

  function predictRow(row: SparseRow): M1Prediction {
    const m = marginsOfRow(row);
    const best = argmax(m);
    const probs = softmax(m, temperature);
    const scores: Record<Category, number> = {};
    classes.forEach((c, i) => (scores[c] = probs[i]!));
    return { category: classes[best]!, confidence: probs[best]!, scores };
  }

  return {
    name: artifact.name,
    classes,
    margins: (text) => marginsOfRow(transformUnion(union, text)),
    features: (text) => transformUnion(union, text),
    featureCount: width,
    predictRow,
    predict: (subject, body) => predictRow(transformUnion(union, ticketText(subject, body))),
  };
}
