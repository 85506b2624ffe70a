/**
 * M1 training: TF-IDF blocks → linear SVM (one-vs-rest) → optional per-class margin
 * offsets. The configurations compared in metrics.json live here, the seed's first.
 */
import { SEED_SVC_CONFIG, trainLinearSvc, type LinearSvcConfig, type LinearSvcModel } from "./linear-svm.ts";
import {
  fitTfidf,
  SEED_TFIDF_CONFIG,
  transformUnion,
  type SparseRow,
  type TfidfConfig,
  type TfidfUnion,
} from "../src/m1/tfidf.ts";
import { fitClassBias } from "./calibration.ts";
import { stratifiedGroupKFold } from "./split.ts";

export type FeatureSpec = { tfidf: TfidfConfig; weight: number };

export type M1TrainConfig = {
  name: string;
  description: string;
  features: FeatureSpec[];
  svc: LinearSvcConfig;
  /** Tune per-class margin offsets for macro-F1 on inner out-of-fold margins. */
  calibrateBias: boolean;
};

export const SEED_CONFIG: M1TrainConfig = {
  name: "seed",
  description: 'TfidfVectorizer(char_wb, (3,5), min_df=3, max_features=50000, sublinear_tf) + LinearSVC(C=0.5, class_weight="balanced")',
  features: [{ tfidf: SEED_TFIDF_CONFIG, weight: 1 }],
  svc: SEED_SVC_CONFIG,
  calibrateBias: false,
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

export function unionWidth(union: TfidfUnion): number {
  return union.parts.reduce((s, p) => s + p.terms.length, 0);
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

export function marginsOf(model: TrainedM1, row: SparseRow): Float64Array {
  const { svm } = model;
  const k = svm.intercept.length;
  const out = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const base = c * svm.nFeatures;
    let s = 0;
    for (let j = 0; j < row.indices.length; j++) s += svm.coef[base + row.indices[j]!]! * row.values[j]!;
    out[c] = s + svm.intercept[c]! + model.classBias[c]!;
  }
  return out;
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
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
