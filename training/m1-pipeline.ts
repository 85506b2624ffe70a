/**
 * M1 training: TF-IDF blocks → linear SVM (one-vs-rest) → optional per-class margin
 * offsets. The configurations it is run with are the seed's (seed.ts) and the
 * candidates (m1-candidates.ts).
 */
import { trainLinearSvc, type LinearSvcConfig, type LinearSvcModel } from "./linear-svm.ts";
import { transformUnion, unionWidth, type TfidfConfig, type TfidfUnion } from "../src/m1/tfidf.ts";
import { argmax, sparseMargins, type SparseRow } from "../src/ml/linear.ts";
import { fitClassBias } from "./calibration.ts";
import { stratifiedGroupKFold } from "./split.ts";
import { fitTfidf } from "./tfidf-fit.ts";

export type FeatureSpec = { tfidf: TfidfConfig; weight: number };

export type M1TrainConfig = {
  name: string;
  description: string;
  features: FeatureSpec[];
  svc: LinearSvcConfig;
  /** Tune per-class margin offsets for macro-F1 on inner out-of-fold margins. */
  calibrateBias: boolean;
};

export type TrainedM1 = {
  config: M1TrainConfig;
  union: TfidfUnion;
  svm: LinearSvcModel;
  /** Added to the margins before the argmax; zeros unless calibrateBias. */
  classBias: number[];
  seconds: number;
};

export type Progress = (message: string) => void;
const quiet: Progress = () => {};

export function fitFeatures(texts: readonly string[], specs: readonly FeatureSpec[]): TfidfUnion {
  return { parts: specs.map((s) => fitTfidf(texts, s.tfidf)), weights: specs.map((s) => s.weight) };
}

export function featureRows(union: TfidfUnion, texts: readonly string[]): SparseRow[] {
  return texts.map((t) => transformUnion(union, t));
}

/** The row with the urgency-keyword flag as one more column at index `width` (train:urgency's "text+keyword" features). */
export function withKeyword(row: SparseRow, keywordMatched: boolean, width: number): SparseRow {
  if (!keywordMatched) return row;
  const indices = new Int32Array(row.indices.length + 1);
  const values = new Float64Array(row.values.length + 1);
  indices.set(row.indices);
  values.set(row.values);
  indices[row.indices.length] = width;
  values[row.values.length] = 1;
  return { indices, values };
}

/** Fits features and SVM on the given rows only (callers pass a training fold). */
export function trainM1(
  texts: readonly string[],
  labels: readonly string[],
  groups: ArrayLike<number> | null,
  config: M1TrainConfig,
  progress: Progress = quiet,
): TrainedM1 {
  const started = performance.now();
  const union = fitFeatures(texts, config.features);
  const rows = featureRows(union, texts);
  progress(`  features: ${unionWidth(union)} terms over ${texts.length} rows`);
  const svm = trainLinearSvc(rows, labels, unionWidth(union), config.svc, progress);
  let classBias = svm.classes.map(() => 0);
  if (config.calibrateBias) {
    if (!groups) throw new Error("calibrateBias needs near-duplicate groups for its inner folds");
    const oof = outOfFoldMargins(texts, labels, groups, { ...config, calibrateBias: false }, 3, progress);
    classBias = fitClassBias(oof.margins, labels, svm.classes);
    progress(`  class bias ${classBias.map((b) => b.toFixed(2)).join(" / ")}`);
  }
  return { config, union, svm, classBias, seconds: (performance.now() - started) / 1000 };
}

/** The SVM's margins plus the class offsets, (row · w + intercept) + offset per class. */
function marginsOf(model: TrainedM1, row: SparseRow): Float64Array {
  const { svm } = model;
  const out = sparseMargins(svm.coef, svm.nFeatures, row, svm.intercept);
  for (let c = 0; c < out.length; c++) out[c]! += model.classBias[c]!;
  return out;
}

export function predictTexts(model: TrainedM1, texts: readonly string[]): { labels: string[]; margins: Float64Array[] } {
  const margins = texts.map((t) => marginsOf(model, transformUnion(model.union, t)));
  return { labels: margins.map((m) => model.svm.classes[argmax(m)]!), margins };
}

/** Margins of every row from a model that never saw its group (grouped stratified K-fold). */
export function outOfFoldMargins(
  texts: readonly string[],
  labels: readonly string[],
  groups: ArrayLike<number>,
  config: M1TrainConfig,
  k: number,
  progress: Progress = quiet,
  seed = 7,
): { margins: Float64Array[]; classes: string[] } {
  const folds = stratifiedGroupKFold(labels, groups, k, seed);
  const margins: Float64Array[] = new Array(texts.length);
  let classes: string[] = [];
  for (const fold of folds) {
    const model = trainM1(
      fold.train.map((i) => texts[i]!),
      fold.train.map((i) => labels[i]!),
      null,
      config,
    );
    classes = model.svm.classes;
    const predicted = predictTexts(model, fold.test.map((i) => texts[i]!));
    fold.test.forEach((i, r) => (margins[i] = predicted.margins[r]!));
  }
  progress(`  inner ${k}-fold margins done`);
  return { margins, classes };
}
