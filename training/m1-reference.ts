/**
 * M1 as train:m2 needs it: the shipped configuration (models/m1/model.json and the
 * settings train:m1 recorded for it in models/m1/metrics.json), refitted on any set of
 * rows, for two jobs on the same folds as M2:
 *  - the comparison (M1's out-of-fold category and urgency predictions);
 *  - the stacked heads' inputs, M1's margins and urgency score, which for the rows a
 *    head is trained on must themselves be out-of-fold (inner grouped CV): margins of
 *    a model that saw the row are overconfident, and a head trained on them would
 *    lean on M1 more than M1's margins on unseen tickets deserve.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { REPO_ROOT } from "../dataset/load.ts";
import type { M1Artifact } from "../src/m1/model.ts";
import { unionWidth } from "../src/m1/tfidf.ts";
import type { UrgencyRidgeArtifact } from "../src/m1/urgency-ridge.ts";
import { featureRows, fitFeatures, predictTexts, trainM1, withKeyword, type FeatureSpec, type M1TrainConfig } from "./m1-pipeline.ts";
import { fitRidgeSparse, predictSparse } from "./ridge.ts";
import { stratifiedGroupKFold } from "./split.ts";

export const M1_MODEL_PATH = resolve(REPO_ROOT, "models/m1/model.json");
export const M1_URGENCY_PATH = resolve(REPO_ROOT, "models/m1/urgency-ridge.json");
/** Inner folds for out-of-fold M1 outputs on a training part, and their seed. */
export const INNER_FOLDS = 3;
export const INNER_SEED = 7;

export type M1Reference = {
  artifact: M1Artifact;
  urgencyArtifact: UrgencyRidgeArtifact;
  /** sha256 of models/m1/model.json as read. */
  sha256: string;
  config: M1TrainConfig;
  urgency: { alpha: number; keyword: boolean };
};

export async function sha256File(path: string): Promise<string> {
  return createHash("sha256").update(await readFile(path)).digest("hex");
}

/** The shipped M1 and its recorded training settings; refuses files that disagree on the model. */
export async function loadM1Reference(): Promise<M1Reference> {
  const bytes = await readFile(M1_MODEL_PATH);
  const artifact = JSON.parse(bytes.toString("utf8")) as M1Artifact;
  const metrics = JSON.parse(await readFile(resolve(REPO_ROOT, "models/m1/metrics.json"), "utf8")) as {
    shipped: { name: string; config: Omit<M1TrainConfig, "name" | "description"> };
  };
  if (metrics.shipped.name !== artifact.name) {
    throw new Error(`models/m1/metrics.json ships "${metrics.shipped.name}" but model.json is "${artifact.name}": rerun npm run train:m1`);
  }
  const urgencyArtifact = JSON.parse(await readFile(M1_URGENCY_PATH, "utf8")) as UrgencyRidgeArtifact;
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (urgencyArtifact.m1.sha256 !== sha256) {
    throw new Error("models/m1/urgency-ridge.json was trained on another model.json: rerun npm run train:urgency");
  }
  const config: M1TrainConfig = { name: artifact.name, description: String(artifact.meta.description ?? artifact.name), ...metrics.shipped.config };
  const variant = String(urgencyArtifact.meta.variant);
  return { artifact, urgencyArtifact, sha256, config, urgency: { alpha: urgencyArtifact.alpha, keyword: variant === "text+keyword" } };
}

const pick = <T>(xs: ArrayLike<T>, idx: readonly number[]) => idx.map((i) => xs[i]!);

export type M1CategoryOutputs = {
  classes: string[];
  /** Margins (class offsets included) and labels of the test rows, from M1 fitted on the training rows. */
  test: { labels: string[]; margins: Float64Array[] };
  /** Out-of-fold margins of the training rows (inner grouped CV within them). */
  trainOof: Float64Array[];
};

/** M1 fitted on `train`, scored on `test`, plus inner out-of-fold margins for `train`. */
export function m1CategoryOutputs(
  ref: M1Reference,
  texts: readonly string[],
  labels: readonly string[],
  groups: ArrayLike<number>,
  train: readonly number[],
  test: readonly number[],
): M1CategoryOutputs {
  const trainTexts = pick(texts, train);
  const trainLabels = pick(labels, train);
  const model = trainM1(trainTexts, trainLabels, pick(groups, train), ref.config);
  const predicted = predictTexts(model, pick(texts, test));
  const trainOof = innerOofMargins(ref, trainTexts, trainLabels, pick(groups, train), model.svm.classes);
  return { classes: model.svm.classes, test: predicted, trainOof };
}

/** Every row's margins from M1 fitted without that row's near-duplicate group. */
export function innerOofMargins(
  ref: M1Reference,
  texts: readonly string[],
  labels: readonly string[],
  groups: ArrayLike<number>,
  classes: readonly string[],
  k = INNER_FOLDS,
): Float64Array[] {
  const out: Float64Array[] = new Array(texts.length);
  for (const fold of stratifiedGroupKFold(labels, groups, k, INNER_SEED)) {
    const model = trainM1(pick(texts, fold.train), pick(labels, fold.train), pick(groups, fold.train), ref.config);
    if (model.svm.classes.join() !== classes.join()) throw new Error(`inner M1 fold lacks a class (${model.svm.classes.join(", ")})`);
    const predicted = predictTexts(model, pick(texts, fold.test));
    fold.test.forEach((i, r) => (out[i] = predicted.margins[r]!));
  }
  return out;
}

function m1FeatureSpecs(ref: M1Reference): FeatureSpec[] {
  return ref.artifact.features.map((b) => ({
    tfidf: { analyzer: b.analyzer, minDf: b.minDf, maxFeatures: b.maxFeatures, sublinearTf: b.sublinearTf, lowercase: b.lowercase },
    weight: b.weight,
  }));
}

/**
 * M1's urgency ridge (the shipped variant and α, train:urgency's code path) with TF-IDF
 * refitted on `train`, scored on `test`, clamped to [0, 1] as the Worker does.
 */
export function m1UrgencyPredict(
  ref: M1Reference,
  texts: readonly string[],
  targets: ArrayLike<number>,
  keywordMatched: readonly boolean[],
  train: readonly number[],
  test: readonly number[],
): number[] {
  const union = fitFeatures(pick(texts, train), m1FeatureSpecs(ref));
  const width = unionWidth(union);
  const kw = ref.urgency.keyword;
  const rowsOf = (idx: readonly number[]) => featureRows(union, pick(texts, idx)).map((r, k) => (kw ? withKeyword(r, keywordMatched[idx[k]!]!, width) : r));
  const fit = fitRidgeSparse(rowsOf(train), Float64Array.from(train, (i) => targets[i]!), width + (kw ? 1 : 0), ref.urgency.alpha, {
    tol: 1e-6,
    maxIter: 5000,
  });
  return rowsOf(test).map((r) => Math.min(1, Math.max(0, predictSparse(fit, r))));
}

/** Out-of-fold M1 urgency for every row of `rows` (inner grouped CV on the urgency bands). */
export function innerOofUrgency(
  ref: M1Reference,
  texts: readonly string[],
  targets: ArrayLike<number>,
  bands: readonly string[],
  keywordMatched: readonly boolean[],
  groups: ArrayLike<number>,
  rows: readonly number[],
  k = INNER_FOLDS,
): Map<number, number> {
  const out = new Map<number, number>();
  for (const fold of stratifiedGroupKFold(pick(bands, rows), pick(groups, rows), k, INNER_SEED)) {
    const train = fold.train.map((j) => rows[j]!);
    const test = fold.test.map((j) => rows[j]!);
    m1UrgencyPredict(ref, texts, targets, keywordMatched, train, test).forEach((p, r) => out.set(test[r]!, p));
  }
  return out;
}
