/**
 * `npm run train:urgency`: a continuous urgency score in [0, 1] from a ridge
 * regression on the M1 TF-IDF features, targets from training/urgency-labels.ts.
 *
 * α is chosen by the leakage-safe protocol (near-duplicate groups never split,
 * stratified group K-fold on the six label bands, TF-IDF refitted on each training
 * part so idf never sees the test rows); the seed's 15 % hold-out is reported beside
 * it, and so are two trivial baselines, so the figures can be read.
 * The final model is fitted on every row in the feature space of the shipped M1
 * artefact, so the Worker's one TF-IDF transform feeds both the SVM and this score.
 *
 * The data are the shared sample and tickets-extra.csv together (five languages), as
 * train:m2 reads them: near-duplicate groups are computed over both files, so near-twins
 * stay on one side of every split. Beside the fold means: out-of-fold figures per ticket
 * language, Spearman against the priority itself, the same folds trained on the sample's
 * rows only (what the extra file adds), a cross-release split (sample → extra's tickets
 * without a near-twin in the sample), and the keyword heuristic's precision / recall.
 *
 * Options: --data <csv> (repeatable; default the sample + tickets-extra.csv),
 *          --m1 <model.json> (default models/m1/model.json), --out <dir> (default models/m1).
 * Progress goes to stderr.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { EXTRA_DATASET_PATH, exitIfDatasetMissing, REPO_ROOT, SAMPLE_DATASET_PATH } from "../dataset/load.ts";
import { loadM1, type M1Artifact } from "../src/m1/model.ts";
import { fitRidgeSparse, predictSparse } from "./ridge.ts";
import type { SparseRow } from "../src/ml/linear.ts";
import { unionWidth } from "../src/m1/tfidf.ts";
import { URGENCY_RIDGE_FORMAT, type UrgencyRidgeArtifact } from "../src/m1/urgency-ridge.ts";
import { encodeFloat32 } from "./float32-base64.ts";
import { loadTrainingFiles } from "./data.ts";
import { featureRows, fitFeatures, withKeyword, type FeatureSpec } from "./m1-pipeline.ts";
import { meanStd } from "./metrics.ts";
import { DEFAULT_NEAR_DUPLICATE_OPTIONS, groupNearDuplicates } from "./near-duplicates.ts";
import { CV_FOLDS, CV_SEED, HOLDOUT_FRACTION, HOLDOUT_SEED } from "./protocol.ts";
import { mae, rmse, spearman } from "./regression-metrics.ts";
import { stratifiedGroupKFold, stratifiedHoldout, type Split } from "./split.ts";
import { stableMetricsJson } from "./stable-json.ts";
import { URGENCY_TARGETS, urgencyLabels } from "./urgency-labels.ts";
import { evaluateUrgency } from "./urgency-eval.ts";
import { pairedDiff } from "./m2-compare.ts";
import { KEYWORD_LANGUAGES, keywordMatcher, URGENCY_KEYWORDS_BY_LANGUAGE } from "../src/ml/urgency.ts";
import { crossFileSplit, pooledOutOfFold, priorityRank, scoresByLanguage, type Predictor } from "./urgency-report.ts";

/** Descending, so each fit warm-starts from the more regularised (easier) neighbour. */
const ALPHAS = [30, 10, 5, 3, 2, 1, 0.3];
const CV_TOL = 1e-6;
const FINAL_TOL = 1e-10;
const SEED_REFERENCE = {
  model: "DistilBERT [CLS] embeddings + Ridge (seed notebook)",
  protocol: "15 % stratified hold-out, seed 42",
  rmse: 0.2683,
  mae: 0.2247,
};

const { values: args } = parseArgs({
  options: {
    data: { type: "string", multiple: true },
    m1: { type: "string", default: "models/m1/model.json" },
    out: { type: "string", default: "models/m1" },
  },
});
const log = (m: string) => process.stderr.write(`${m}\n`);
const round = (x: number, d = 4) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);
const seconds = (since: number) => (performance.now() - since) / 1000;

const started = performance.now();
const data = await loadTrainingFiles(args.data ?? [SAMPLE_DATASET_PATH, EXTRA_DATASET_PATH]).catch(exitIfDatasetMissing);
const labels = urgencyLabels(data.tickets);
const y = labels.targets;
const n = data.tickets.length;
const languages = data.tickets.map((t) => t.language.toLowerCase() || "unknown");
const rank = Float64Array.from(data.tickets, (t) => priorityRank(t.priority));
log(`${n} tickets from ${data.path}`);

const m1Path = resolve(REPO_ROOT, args.m1!);
const m1Bytes = await readFile(m1Path);
const m1 = JSON.parse(m1Bytes.toString("utf8")) as M1Artifact;
const m1Sha256 = createHash("sha256").update(m1Bytes).digest("hex");
// Each fold refits TF-IDF with the shipped M1's configuration, on its training part only.
const specs: FeatureSpec[] = m1.features.map((b) => ({
  tfidf: { analyzer: b.analyzer, minDf: b.minDf, maxFeatures: b.maxFeatures, sublinearTf: b.sublinearTf, lowercase: b.lowercase },
  weight: b.weight,
}));
log(`M1 artefact "${m1.name}" (${relative(REPO_ROOT, m1Path)}, sha256 ${m1Sha256.slice(0, 12)}…)`);

const dup = groupNearDuplicates(data.tickets.map((t) => t.body));
log(`near-duplicates: ${dup.multiGroups} groups holding ${dup.ticketsInMultiGroups} tickets`);
const folds = stratifiedGroupKFold(labels.bands, dup.groupOf, CV_FOLDS, CV_SEED);
const holdout = stratifiedHoldout(labels.bands, HOLDOUT_FRACTION, HOLDOUT_SEED);

type Scores = { rmse: number; mae: number; spearman: number };
const score = (truth: ArrayLike<number>, predicted: ArrayLike<number>): Scores => ({
  rmse: rmse(truth, predicted),
  mae: mae(truth, predicted),
  spearman: spearman(truth, predicted),
});

/**
 * Feature sets compared: the M1 TF-IDF row alone, and the row plus the keyword flag
 * as one more column (index = width). The flag is penalised like the rest, but its
 * centred column holds hundreds of ones, so α barely shrinks it.
 */
const VARIANTS = ["text", "text+keyword"] as const;
/**
 * Tried, never shipped (the Worker's ridge takes one keyword flag): the flag plus one flag
 * per language's keyword list (which list matched), so a Spanish keyword may weigh
 * differently from an English one. The ticket's language itself is not a feature the
 * Worker could use: requests do not carry it.
 */
const DIAGNOSTIC = "text+keyword+list-flags" as const;
type Variant = (typeof VARIANTS)[number] | typeof DIAGNOSTIC;
const listMatchers = KEYWORD_LANGUAGES.map((l) => keywordMatcher(URGENCY_KEYWORDS_BY_LANGUAGE[l]));
const listFlags = data.tickets.map((t) => listMatchers.map((m) => m(`${t.subject}\n${t.body}`).length > 0));
const extraColumns = (variant: Variant) => (variant === "text" ? 0 : variant === "text+keyword" ? 1 : 1 + KEYWORD_LANGUAGES.length);

/** The row with the variant's flag columns appended at width, width + 1, … (ones only, so sparse). */
function augment(variant: Variant, row: SparseRow, i: number, width: number): SparseRow {
  if (variant === "text") return row;
  let out = withKeyword(row, labels.keywordMatched[i]!, width);
  if (variant === DIAGNOSTIC) listFlags[i]!.forEach((on, l) => (out = withKeyword(out, on, width + 1 + l)));
  return out;
}

/** Fits one variant; the returned weights span width + its flag columns, the first flag being the keyword's. */
function fitVariant(variant: Variant, rows: SparseRow[], idx: number[], width: number, alpha: number, tol: number, initial?: Float64Array) {
  const input = rows.map((r, k) => augment(variant, r, idx[k]!, width));
  const fit = fitRidgeSparse(input, Float64Array.from(idx, (i) => y[i]!), width + extraColumns(variant), alpha, {
    tol,
    initial,
    maxIter: 5000,
  });
  const keywordCoef = variant === "text" ? 0 : fit.coef[width]!;
  const model = { coef: fit.coef.subarray(0, width), intercept: fit.intercept, keywordCoef };
  const predictRow = (row: SparseRow, i: number) => predictSparse(fit, augment(variant, row, i, width));
  return { fit, model, predictRow };
}

type UrgencyWeights = { coef: ArrayLike<number>; intercept: number; keywordCoef: number };
const predictOne = (m: UrgencyWeights, row: SparseRow, kw: boolean) =>
  predictSparse({ coef: m.coef, intercept: m.intercept + (kw ? m.keywordCoef : 0) }, row);

type SplitResult = {
  trainRows: number;
  testRows: number;
  ridge: Map<string, Scores & { iterations: number; converged: boolean; predicted: number[] }>;
  baselines: { trainMean: Scores; keywordMean: Scores };
  baselinePredictions: { trainMean: number[]; keywordMean: number[] };
};
const key = (variant: Variant, alpha: number) => `${variant} α=${alpha}`;

/** grid: the (variant, α) pairs to fit, all of them by default. */
function evaluateSplit(split: Split, grid: readonly [Variant, readonly number[]][] = [...VARIANTS, DIAGNOSTIC].map((v) => [v, ALPHAS])): SplitResult {
  const pick = <T>(xs: ArrayLike<T>, idx: number[]) => idx.map((i) => xs[i]!);
  const trainTexts = pick(data.texts, split.train);
  const union = fitFeatures(trainTexts, specs);
  const width = unionWidth(union);
  const trainRows = featureRows(union, trainTexts);
  const testRows = featureRows(union, pick(data.texts, split.test));
  const yTrain = Float64Array.from(split.train, (i) => y[i]!);
  const yTest = Float64Array.from(split.test, (i) => y[i]!);

  const ridge: SplitResult["ridge"] = new Map();
  for (const [variant, alphas] of grid) {
    let warm: Float64Array | undefined;
    for (const alpha of alphas) {
      const { fit, predictRow } = fitVariant(variant, trainRows, split.train, width, alpha, CV_TOL, warm);
      warm = fit.coef;
      const predicted = testRows.map((r, k) => predictRow(r, split.test[k]!));
      ridge.set(key(variant, alpha), { ...score(yTest, predicted), iterations: fit.iterations, converged: fit.converged, predicted });
    }
  }

  // What a score needs to beat: the training mean, and the mean per keyword flag
  // (the keyword half of the label is free at runtime; text must add the priority).
  const mean = yTrain.reduce((s, v) => s + v, 0) / yTrain.length;
  const byKeyword = [false, true].map((kw) => {
    const ys = split.train.filter((i) => labels.keywordMatched[i] === kw).map((i) => y[i]!);
    return ys.length ? ys.reduce((s, v) => s + v, 0) / ys.length : mean;
  });
  const baselinePredictions = {
    trainMean: split.test.map(() => mean),
    keywordMean: split.test.map((i) => byKeyword[labels.keywordMatched[i] ? 1 : 0]!),
  };
  return {
    trainRows: split.train.length,
    testRows: split.test.length,
    ridge,
    baselines: { trainMean: score(yTest, baselinePredictions.trainMean), keywordMean: score(yTest, baselinePredictions.keywordMean) },
    baselinePredictions,
  };
}

/** Rounds every number in a JSON-like value (4 places), leaving integers as they are. */
function roundDeep<T>(value: T): T {
  if (typeof value === "number") return (Number.isInteger(value) ? value : round(value)) as T;
  if (Array.isArray(value)) return value.map(roundDeep) as T;
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundDeep(v)])) as T;
  return value;
}
const roundScores = (s: Scores) => ({ rmse: round(s.rmse), mae: round(s.mae), spearman: round(s.spearman) });
const summarise = (scores: Scores[]) => {
  const ms = (key: keyof Scores) => {
    const { mean, std } = meanStd(scores.map((s) => s[key]));
    return { mean: round(mean), std: round(std) };
  };
  return { rmse: ms("rmse"), mae: ms("mae"), spearman: ms("spearman") };
};

log(`== grouped ${CV_FOLDS}-fold CV: ${VARIANTS.join(" / ")} × α ∈ {${ALPHAS.join(", ")}}`);
let t0 = performance.now();
const cv = folds.map((split, f) => {
  const r = evaluateSplit(split);
  log(` fold ${f + 1}/${folds.length} (train mean RMSE ${r.baselines.trainMean.rmse.toFixed(4)}, keyword mean ${r.baselines.keywordMean.rmse.toFixed(4)})`);
  for (const v of [...VARIANTS, DIAGNOSTIC]) log(`  ${v}: ${ALPHAS.map((a) => `α=${a} ${r.ridge.get(key(v, a))!.rmse.toFixed(4)}`).join(", ")}`);
  return r;
});
const cvSeconds = seconds(t0);
const grid = [...VARIANTS, DIAGNOSTIC].flatMap((variant) =>
  ALPHAS.map((alpha) => ({ variant, alpha, ...summarise(cv.map((r) => r.ridge.get(key(variant, alpha))!)) })),
);
const bestOf = (rows: typeof grid) => rows.reduce((a, b) => (b.rmse.mean! < a.rmse.mean! ? b : a));
// Only what the Worker can score is chosen (not the diagnostic).
const chosen = bestOf(grid.filter((g) => g.variant !== DIAGNOSTIC));
const { variant, alpha } = chosen;
const unconverged = cv.flatMap((r) => [...r.ridge.values()]).filter((s) => !s.converged).length;
if (unconverged) log(` warning: ${unconverged} CV fits stopped before CG reached tol ${CV_TOL}`);
log(` chosen ${key(variant, alpha)}: RMSE ${chosen.rmse.mean} ± ${chosen.rmse.std}, Spearman ${chosen.spearman.mean} (${cvSeconds.toFixed(1)} s)`);

log(`== seed hold-out (${HOLDOUT_FRACTION * 100} %, seed ${HOLDOUT_SEED})`);
t0 = performance.now();
const ho = evaluateSplit(holdout);
const hoRidge = ho.ridge.get(key(variant, alpha))!;
log(` RMSE ${hoRidge.rmse.toFixed(4)}, MAE ${hoRidge.mae.toFixed(4)}, Spearman ${hoRidge.spearman.toFixed(4)} (${seconds(t0).toFixed(1)} s)`);

// Pooled out-of-fold predictions, per ticket language. Spearman against the priority too:
// the keyword lists shape the six-band target, the priority column does not.
const oof = (perFold: (r: SplitResult) => ArrayLike<number>) => pooledOutOfFold(folds, cv.map(perFold), n);
const textOnly = bestOf(grid.filter((g) => g.variant === "text"));
const diagnostic = bestOf(grid.filter((g) => g.variant === DIAGNOSTIC));
const diagnosticDiff = pairedDiff(
  cv.map((r) => r.ridge.get(key(DIAGNOSTIC, diagnostic.alpha))!.rmse),
  cv.map((r) => r.ridge.get(key(variant, alpha))!.rmse),
);
log(` ${key(DIAGNOSTIC, diagnostic.alpha)} (not shippable): RMSE ${diagnostic.rmse.mean}, paired diff vs shipped ${diagnosticDiff.mean.toFixed(4)} ± ${diagnosticDiff.standardError.toFixed(4)} SE`);
const allRows = data.texts.map((_, i) => i);
const fromSample = (i: number) => data.fileOf[i] === 0;
const extraFiles = data.files.length > 1;
// What the extra file adds: the same folds, the same test rows, trained on the first file's rows only.
log(`== the same folds trained on ${data.files[0]!.path}'s rows only (${key(variant, alpha)})`);
t0 = performance.now();
const firstFileOnly = extraFiles
  ? folds.map((split) => evaluateSplit({ train: split.train.filter(fromSample), test: split.test }, [[variant, [alpha]]]).ridge.get(key(variant, alpha))!)
  : undefined;
if (firstFileOnly) log(` RMSE per fold ${firstFileOnly.map((r) => r.rmse.toFixed(4)).join(", ")} (${seconds(t0).toFixed(1)} s)`);
const cvPredictors: Record<string, Predictor> = {
  trainMean: { predicted: oof((r) => r.baselinePredictions.trainMean), constant: true },
  keywordMean: { predicted: oof((r) => r.baselinePredictions.keywordMean) },
  ridge: { predicted: oof((r) => r.ridge.get(key(variant, alpha))!.predicted) },
  ridgeTextOnly: { predicted: oof((r) => r.ridge.get(key("text", textOnly.alpha))!.predicted) },
  ridgeListFlags: { predicted: oof((r) => r.ridge.get(key(DIAGNOSTIC, diagnostic.alpha))!.predicted) },
  ...(firstFileOnly ? { ridgeFirstFileOnly: { predicted: pooledOutOfFold(folds, firstFileOnly.map((r) => r.predicted), n) } } : {}),
};
const cvByLanguage = scoresByLanguage(allRows, languages, y, rank, cvPredictors);

// Another release: train on the first file, test on the others' tickets with no near-twin in it.
let crossRelease: Record<string, unknown> | undefined;
if (extraFiles) {
  const cross = crossFileSplit(data.fileOf, dup.groupOf, 0);
  log(`== cross-release: train on ${data.files[0]!.path} (${cross.train.length}), test on the rest (${cross.test.length}, ${cross.excluded} near-twins of training rows left out)`);
  t0 = performance.now();
  const r = evaluateSplit(cross, [[variant, [alpha]], ["text", [textOnly.alpha]]]);
  const spread = (xs: ArrayLike<number>) => {
    const out = new Float64Array(n).fill(NaN);
    cross.test.forEach((i, k) => (out[i] = xs[k]!));
    return out;
  };
  crossRelease = {
    description:
      `trained on ${data.files[0]!.path} only (TF-IDF too), tested on the other files' tickets whose near-duplicate group ` +
      "has no training ticket; the shipped variant and α, and the best text-only α, from the grouped CV",
    trainRows: cross.train.length,
    testRows: cross.test.length,
    excludedNearTwins: cross.excluded,
    scores: scoresByLanguage(cross.test, languages, y, rank, {
      trainMean: { predicted: spread(r.baselinePredictions.trainMean), constant: true },
      keywordMean: { predicted: spread(r.baselinePredictions.keywordMean) },
      ridge: { predicted: spread(r.ridge.get(key(variant, alpha))!.predicted) },
      ridgeTextOnly: { predicted: spread(r.ridge.get(key("text", textOnly.alpha))!.predicted) },
    }),
  };
  log(` ridge RMSE ${r.ridge.get(key(variant, alpha))!.rmse.toFixed(4)} vs training mean ${r.baselines.trainMean.rmse.toFixed(4)} (${seconds(t0).toFixed(1)} s)`);
}

log(`== final: ${key(variant, alpha)} on all ${data.tickets.length} rows in the M1 artefact's feature space`);
t0 = performance.now();
// loadM1's own transform: exactly the rows the Worker will produce (Float32 idf included).
const m1Model = loadM1(m1);
const width = m1Model.featureCount;
const rows: SparseRow[] = data.texts.map((t) => m1Model.features(t));
const all = data.texts.map((_, i) => i);
const final = fitVariant(variant, rows, all, width, alpha, FINAL_TOL);
if (!final.fit.converged) throw new Error(`final fit did not converge in ${final.fit.iterations} CG iterations`);
const finalSeconds = seconds(t0);
// Scored through the Float32 coefficients the Worker will read, not the Float64 fit.
const shipped = { ...final.model, coef: Float32Array.from(final.model.coef) };
const trainFit = score(y, rows.map((r, i) => predictOne(shipped, r, labels.keywordMatched[i]!)));
log(` ${final.fit.iterations} CG iterations, ${finalSeconds.toFixed(1)} s; training RMSE ${trainFit.rmse.toFixed(4)}`);

// No wall-clock fields in either file (training/stable-json.ts): retraining on the same data
// and code must leave git clean.
const artifact: UrgencyRidgeArtifact = {
  format: URGENCY_RIDGE_FORMAT,
  m1: { name: m1.name, sha256: m1Sha256, features: width },
  coef: encodeFloat32(shipped.coef),
  intercept: shipped.intercept,
  keywordCoef: shipped.keywordCoef,
  alpha,
  meta: {
    rows: data.tickets.length,
    dataset: { path: data.path, sha256: data.sha256 },
    variant,
    target: "urgency band: priority × urgency keyword (training/urgency-labels.ts)",
    output: "clamp01(coef · M1 row + intercept + keywordCoef · keywordMatched)",
  },
};
const bandCounts = Object.fromEntries(
  [...new Set(labels.bands)].sort().map((b) => [b, labels.bands.filter((x) => x === b).length]),
);
const holdoutOf = (v: Variant) => {
  const best = bestOf(grid.filter((g) => g.variant === v));
  return { variant: v, alpha: best.alpha, ...roundScores(ho.ridge.get(key(v, best.alpha))!) };
};
const metrics = {
  generatedBy: "npm run train:urgency",
  dataset: {
    path: data.path,
    sha256: data.sha256,
    rows: data.tickets.length,
    files: data.files.map((f) => ({ path: f.path, sha256: f.sha256, rows: f.rows })),
    languages: Object.fromEntries([...new Set(languages)].sort().map((l) => [l, languages.filter((x) => x === l).length])),
  },
  m1: artifact.m1,
  target: { bands: URGENCY_TARGETS, bandOrder: "[keyword absent, keyword present]", counts: bandCounts },
  model: "ridge regression (unpenalised intercept) on the M1 TF-IDF features (+ keyword flag), clamped to [0, 1]",
  protocols: {
    groupedCv: {
      description:
        "leakage-safe: near-duplicate groups never split; stratified group K-fold on the urgency bands; " +
        "TF-IDF refitted per fold; mean ± std over folds; variant and α chosen here by mean RMSE",
      folds: CV_FOLDS,
      seed: CV_SEED,
      nearDuplicates: { ...DEFAULT_NEAR_DUPLICATE_OPTIONS, groups: dup.nGroups, multiTicketGroups: dup.multiGroups },
    },
    holdout: {
      description: "seed protocol: one hold-out stratified on the urgency bands; TF-IDF fitted on the training part; variant and α from the grouped CV",
      testFraction: HOLDOUT_FRACTION,
      seed: HOLDOUT_SEED,
      trainRows: ho.trainRows,
      testRows: ho.testRows,
    },
  },
  grid,
  shipped: { variant, alpha },
  groupedCv: {
    ridge: { variant, alpha, rmse: chosen.rmse, mae: chosen.mae, spearman: chosen.spearman },
    bestPerVariant: VARIANTS.map((v) => bestOf(grid.filter((g) => g.variant === v))),
    baselines: {
      trainMean: summarise(cv.map((r) => r.baselines.trainMean)),
      keywordMean: summarise(cv.map((r) => r.baselines.keywordMean)),
    },
    note: "variant and α are the grid minimum on these same folds, so the ridge figure is slightly optimistic",
    seconds: round(cvSeconds, 2),
    diagnostic: {
      description:
        "the keyword flag plus one flag per language's keyword list, best α on these folds; never chosen, because the " +
        "Worker's ridge takes one keyword flag; diffVsShipped = its RMSE − the shipped ridge's, per fold, mean ± standard error",
      ...diagnostic,
      diffVsShipped: { mean: round(diagnosticDiff.mean), standardError: round(diagnosticDiff.standardError) },
    },
    ...(firstFileOnly ? { ridgeFirstFileOnly: { trainedOn: data.files[0]!.path, variant, alpha, ...summarise(firstFileOnly) } } : {}),
    byLanguage: {
      description:
        "out-of-fold predictions of the folds above, pooled per ticket language; spearmanPriority ranks against " +
        "the priority (low < medium < high), which the keyword lists do not shape; ridgeFirstFileOnly: the same folds " +
        "and test rows, trained on the first file's rows only",
      predictors: {
        trainMean: "baseline: training mean (constant, so no Spearman)",
        keywordMean: "baseline: mean target per keyword flag (the keyword-only score)",
        ridge: `ridge, ${variant}, α = ${alpha} (shipped)`,
        ridgeTextOnly: `ridge, text, α = ${textOnly.alpha}`,
        ridgeListFlags: `ridge, ${DIAGNOSTIC}, α = ${diagnostic.alpha} (tried, not shippable: the Worker's ridge takes one keyword flag)`,
        ...(firstFileOnly ? { ridgeFirstFileOnly: `ridge, ${variant}, α = ${alpha}, trained on ${data.files[0]!.path}'s rows only` } : {}),
      },
      scores: roundDeep(cvByLanguage),
    },
  },
  ...(crossRelease ? { crossRelease: roundDeep(crossRelease) } : {}),
  // The keyword level (urgency_level) against priority == "high", per language: the figures
  // issue 11 asks for in metrics.json, kept here beside the score they feed.
  keywordHeuristic: roundDeep(evaluateUrgency(data.tickets)),
  holdout: {
    ridge: { variant, alpha, ...roundScores(hoRidge) },
    bestPerVariant: VARIANTS.map(holdoutOf),
    baselines: { trainMean: roundScores(ho.baselines.trainMean), keywordMean: roundScores(ho.baselines.keywordMean) },
  },
  seedReference: SEED_REFERENCE,
  final: {
    rows: data.tickets.length,
    features: width,
    cgIterations: final.fit.iterations,
    trainSeconds: round(finalSeconds, 2),
    trainingFit: roundScores(trainFit),
    intercept: round(shipped.intercept, 6),
    keywordCoef: round(shipped.keywordCoef, 6),
  },
  totalSeconds: round(seconds(started), 1),
};

const outDir = resolve(REPO_ROOT, args.out!);
await mkdir(outDir, { recursive: true });
await writeFile(resolve(outDir, "urgency-ridge.json"), JSON.stringify(artifact) + "\n");
await writeFile(resolve(outDir, "urgency-metrics.json"), stableMetricsJson(metrics));
log(`wrote ${args.out}/urgency-ridge.json and urgency-metrics.json in ${metrics.totalSeconds} s`);
