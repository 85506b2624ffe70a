/**
 * `npm run train:m2 -- --encoder PATH [--pooling cls|mean]`: the M2 heads on
 * encoder embeddings. Embeds every ticket (cached, see embed.ts), evaluates
 *  - the category head, multinomial logistic regression C = 5 as the seed notebook
 *    used, without and with balanced class weights;
 *  - the urgency head, ridge α = 0.5 on the six-band target, on the embedding alone
 *    and with the urgency-keyword flag as one more column;
 * for [CLS] and mean pooling (or only --pooling), under the seed's 15 % hold-out and
 * the leakage-safe grouped 5-fold CV, then fits the chosen heads on every row and
 * writes models/m2/heads.json + metrics.json.
 *
 * Selection mirrors train:m1: the seed's setting ([CLS], unweighted) ships unless
 * another beats its grouped-CV macro-F1 by more than one fold-paired standard error;
 * the urgency variant is the lower grouped-CV RMSE at the chosen pooling.
 *
 * Options: --encoder <onnx> (required), --pooling cls|mean, --name <encoder name>
 *          (default: file name), --max-length <tokens> (128), --batch <texts> (16),
 *          --data <csv>, --out <dir> (models/m2), --no-cache.
 * Progress goes to stderr.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../dataset/load.ts";
import { fitLogReg, predictProba, type ClassWeight, type LogRegFit } from "./logreg.ts";
import { loadM2Heads, M2_HEADS_FORMAT, POOLINGS, type M2HeadsArtifact, type Pooling } from "../src/m2/heads.ts";
import { fitRidgeDense, predictDense } from "./ridge.ts";
import { encodeFloat32 } from "./float32-base64.ts";
import { exitIfDatasetMissing } from "../dataset/load.ts";
import { loadTrainingData } from "./data.ts";
import { stableMetricsJson } from "./stable-json.ts";
import { embedTexts, encoderEmbedder, type Embedded } from "./embed.ts";
import { readEncoderFile, type EncoderFile } from "./encoder-file.ts";
import { vocabPruningOf } from "../models/onnx/vocab-pruning.ts";
import { classificationReport, meanStd, type ClassificationReport, type MeanStd } from "./metrics.ts";
import { DEFAULT_NEAR_DUPLICATE_OPTIONS, groupNearDuplicates } from "./near-duplicates.ts";
import { CV_FOLDS, CV_SEED, HOLDOUT_FRACTION, HOLDOUT_SEED } from "./protocol.ts";
import { mae, rmse, spearman } from "./regression-metrics.ts";
import { stratifiedGroupKFold, stratifiedHoldout, type Split } from "./split.ts";
import { URGENCY_TARGETS, urgencyLabels } from "./urgency-labels.ts";

/** The seed notebook's LogisticRegression(C=5). */
const C = 5;
/** The seed notebook's Ridge(alpha=0.5). */
const ALPHA = 0.5;
const CLASS_WEIGHTS = [null, "balanced"] as const;
type HeadClassWeight = (typeof CLASS_WEIGHTS)[number];
const URGENCY_VARIANTS = ["embedding", "embedding+keyword"] as const;
type UrgencyVariant = (typeof URGENCY_VARIANTS)[number];
const SEED_REFERENCE = {
  model: "DistilBERT [CLS] embeddings + LogisticRegression(C=5) / Ridge(alpha=0.5) (seed notebook)",
  protocol: "15 % stratified hold-out, seed 42",
  urgency: { rmse: 0.2683, mae: 0.2247 },
};

const { values: args } = parseArgs({
  options: {
    encoder: { type: "string" },
    pooling: { type: "string" },
    name: { type: "string" },
    "max-length": { type: "string", default: "128" },
    batch: { type: "string", default: "16" },
    data: { type: "string" },
    out: { type: "string", default: "models/m2" },
    "no-cache": { type: "boolean", default: false },
  },
});
const log = (m: string) => process.stderr.write(`${m}\n`);
const round = (x: number, d = 4) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);
const roundMs = (m: MeanStd) => ({ mean: round(m.mean), std: round(m.std) });
const secondsSince = (t: number) => (performance.now() - t) / 1000;
const pick = <T>(xs: ArrayLike<T>, idx: readonly number[]) => idx.map((i) => xs[i]!);

if (!args.encoder) {
  log("usage: npm run train:m2 -- --encoder PATH [--pooling cls|mean] [--name NAME]");
  process.exit(2);
}
if (args.pooling !== undefined && !(POOLINGS as readonly string[]).includes(args.pooling)) {
  log(`--pooling must be one of ${POOLINGS.join(", ")}`);
  process.exit(2);
}
const poolings: Pooling[] = args.pooling ? [args.pooling as Pooling] : [...POOLINGS];
const maxLength = Number(args["max-length"]);
const batchSize = Number(args.batch);

const started = performance.now();
const data = await loadTrainingData(args.data).catch(exitIfDatasetMissing);
const classes = [...new Set(data.labels)].sort();
const urgency = urgencyLabels(data.tickets);
log(`${data.tickets.length} tickets from ${data.path}`);

// ---------------------------------------------------------------------------
// Encoder and embeddings

const encoderFile = await readEncoderFile(args.encoder);
const encoderName = args.name ?? basename(encoderFile.path).replace(/\.onnx$/, "");
/**
 * Only the file models:fetch pinned in the manifest is DistilBERT, or a model
 * models:prune-vocab derived from it (its record names the source's sha256, and
 * externalizing keeps that record); anything else (the generated stand-ins
 * included) is labelled as such in every output.
 */
async function isManifestModel(file: EncoderFile): Promise<boolean> {
  try {
    const manifest = JSON.parse(await readFile(resolve(REPO_ROOT, "models/m2/manifest.json"), "utf8")) as {
      files: { name: string; sha256: string | null }[];
    };
    const pinned = manifest.files.find((f) => f.name === "model")?.sha256;
    return !!pinned && (pinned === file.sha256 || pinned === vocabPruningOf(file.bytes)?.sourceSha256);
  } catch {
    return false;
  }
}
const isDistilBert = await isManifestModel(encoderFile);
const standInNote = isDistilBert
  ? null
  : `encoder "${encoderName}" is not the DistilBERT model pinned in models/m2/manifest.json: ` +
    "these figures describe a stand-in encoder (random weights), not DistilBERT. " +
    "Retrain after `npm run models:fetch` with `npm run train:m2 -- --encoder models/m2/model_quantized.onnx`.";
log(`encoder "${encoderName}" ${relative(REPO_ROOT, encoderFile.path)} (sha256 ${encoderFile.sha256.slice(0, 12)}…)`);
if (standInNote) log(` note: ${standInNote}`);

const embeddings = new Map<Pooling, Embedded>();
for (const pooling of poolings) {
  log(`== embedding ${data.texts.length} tickets, ${pooling} pooling, ${maxLength} tokens`);
  let embedder: Awaited<ReturnType<typeof encoderEmbedder>> | undefined;
  const lazyEmbed = async (texts: readonly string[]) => {
    // The ORT session is only created when the cache misses.
    embedder ??= await encoderEmbedder(encoderFile, pooling, maxLength);
    return embedder.embed(texts);
  };
  const result = await embedTexts(
    data.texts,
    lazyEmbed,
    { encoderSha256: encoderFile.sha256, pooling, maxLength },
    { batchSize, progress: log, noCache: args["no-cache"] },
  );
  await embedder?.release();
  log(
    result.cached
      ? ` from cache ${relative(REPO_ROOT, result.cachePath)} (first pass took ${result.embedSeconds.toFixed(1)} s)`
      : ` ${result.dim}-d in ${result.seconds.toFixed(1)} s (cached to ${relative(REPO_ROOT, result.cachePath)})`,
  );
  embeddings.set(pooling, result);
}
const dim = embeddings.get(poolings[0]!)!.dim;

// ---------------------------------------------------------------------------
// Splits: categories stratify the category protocols, urgency bands the urgency ones.

let t0 = performance.now();
const dup = groupNearDuplicates(data.tickets.map((t) => t.body));
const dupSeconds = secondsSince(t0);
log(`near-duplicates: ${dup.multiGroups} groups holding ${dup.ticketsInMultiGroups} tickets (${dupSeconds.toFixed(1)} s)`);
const categorySplits = {
  holdout: stratifiedHoldout(data.labels, HOLDOUT_FRACTION, HOLDOUT_SEED),
  folds: stratifiedGroupKFold(data.labels, dup.groupOf, CV_FOLDS, CV_SEED),
};
const urgencySplits = {
  holdout: stratifiedHoldout(urgency.bands, HOLDOUT_FRACTION, HOLDOUT_SEED),
  folds: stratifiedGroupKFold(urgency.bands, dup.groupOf, CV_FOLDS, CV_SEED),
};

// ---------------------------------------------------------------------------
// Category head

type CategoryScore = { report: ClassificationReport; logLoss: number; trainSeconds: number; iterations: number; converged: boolean };

function fitCategory(rows: readonly Float32Array[], labels: readonly string[], classWeight: ClassWeight): { fit: LogRegFit; seconds: number } {
  const t = performance.now();
  const fit = fitLogReg(rows, labels, { C, classWeight, classes });
  return { fit, seconds: secondsSince(t) };
}

function scoreCategory(rows: readonly Float32Array[], split: Split, classWeight: ClassWeight): CategoryScore {
  const { fit, seconds } = fitCategory(pick(rows, split.train), pick(data.labels, split.train), classWeight);
  const truth = pick(data.labels, split.test);
  const predicted: string[] = [];
  let nll = 0;
  split.test.forEach((i, r) => {
    const p = predictProba(fit, rows[i]!);
    let best = 0;
    for (let c = 1; c < p.length; c++) if (p[c]! > p[best]!) best = c;
    predicted.push(classes[best]!);
    nll -= Math.log(Math.max(p[classes.indexOf(truth[r]!)]!, 1e-300));
  });
  return {
    report: classificationReport(truth, predicted, classes),
    logLoss: nll / split.test.length,
    trainSeconds: seconds,
    iterations: fit.iterations,
    converged: fit.converged,
  };
}

function evaluateCategory(pooling: Pooling, classWeight: HeadClassWeight) {
  const rows = embeddings.get(pooling)!.rows;
  const ho = scoreCategory(rows, categorySplits.holdout, classWeight);
  const folds = categorySplits.folds.map((split) => scoreCategory(rows, split, classWeight));
  const unconverged = [ho, ...folds].filter((s) => !s.converged).length;
  if (unconverged) log(`  warning: ${unconverged} logistic fits stopped before the gradient tolerance`);
  return {
    pooling,
    classWeight,
    holdout: {
      trainRows: categorySplits.holdout.train.length,
      testRows: categorySplits.holdout.test.length,
      trainSeconds: round(ho.trainSeconds, 2),
      logLoss: round(ho.logLoss),
      report: ho.report,
    },
    groupedCv: {
      folds: folds.length,
      accuracy: meanStd(folds.map((f) => f.report.accuracy)),
      macroF1: meanStd(folds.map((f) => f.report.macroF1)),
      perClassF1: Object.fromEntries(classes.map((c) => [c, meanStd(folds.map((f) => f.report.perClass[c]!.f1))])),
      logLoss: meanStd(folds.map((f) => f.logLoss)),
      trainSeconds: meanStd(folds.map((f) => f.trainSeconds)),
      perFold: folds.map((f, k) => ({
        trainRows: categorySplits.folds[k]!.train.length,
        testRows: categorySplits.folds[k]!.test.length,
        accuracy: f.report.accuracy,
        macroF1: f.report.macroF1,
        lbfgsIterations: f.iterations,
      })),
      confusionSummed: classes.map((_, i) => classes.map((_, j) => folds.reduce((s, f) => s + f.report.confusion[i]![j]!, 0))),
    },
  };
}

const categoryLabel = (pooling: Pooling, cw: ClassWeight) => `${pooling}/${cw ?? "unweighted"}`;
const categoryResults = poolings.flatMap((pooling) =>
  CLASS_WEIGHTS.map((cw) => {
    log(`== category head ${categoryLabel(pooling, cw)}: hold-out + grouped ${CV_FOLDS}-fold CV`);
    const t = performance.now();
    const r = evaluateCategory(pooling, cw);
    log(
      ` hold-out acc ${r.holdout.report.accuracy.toFixed(4)} macro-F1 ${r.holdout.report.macroF1.toFixed(4)}; ` +
        `CV acc ${r.groupedCv.accuracy.mean.toFixed(4)} macro-F1 ${r.groupedCv.macroF1.mean.toFixed(4)} ± ${r.groupedCv.macroF1.std.toFixed(4)} ` +
        `(${secondsSince(t).toFixed(1)} s)`,
    );
    return r;
  }),
);

/** The floor any head must clear: every test ticket labelled with the training part's majority class. */
function majorityReport(split: Split): ClassificationReport {
  const train = pick(data.labels, split.train);
  const majority = classes.reduce((a, b) => (train.filter((l) => l === b).length > train.filter((l) => l === a).length ? b : a));
  return classificationReport(pick(data.labels, split.test), split.test.map(() => majority), classes);
}
const majorityBaseline = (() => {
  const ho = majorityReport(categorySplits.holdout);
  const folds = categorySplits.folds.map(majorityReport);
  return {
    holdout: { accuracy: round(ho.accuracy), macroF1: round(ho.macroF1) },
    groupedCv: {
      accuracy: roundMs(meanStd(folds.map((f) => f.accuracy))),
      macroF1: roundMs(meanStd(folds.map((f) => f.macroF1))),
    },
  };
})();
log(`majority-class baseline: CV accuracy ${majorityBaseline.groupedCv.accuracy.mean}, macro-F1 ${majorityBaseline.groupedCv.macroF1.mean}`);

// The seed's setting ships unless a candidate's fold-paired gain exceeds one standard error.
const seed = categoryResults[0]!;
const seedFolds = seed.groupedCv.perFold.map((f) => f.macroF1);
const gains = categoryResults.map((r) => {
  const diffs = r.groupedCv.perFold.map((f, i) => f.macroF1 - seedFolds[i]!);
  const { mean, std } = meanStd(diffs);
  return { mean, standardError: std / Math.sqrt(Math.max(1, diffs.length - 1)) };
});
const eligible = categoryResults.filter((_, i) => i === 0 || gains[i]!.mean > gains[i]!.standardError);
const chosenCategory = eligible.reduce((a, b) => (b.groupedCv.macroF1.mean > a.groupedCv.macroF1.mean ? b : a));
const pooling = chosenCategory.pooling;
const classWeight = chosenCategory.classWeight;
log(`category head: ${categoryLabel(pooling, classWeight)} (grouped-CV macro-F1 ${chosenCategory.groupedCv.macroF1.mean.toFixed(4)})`);

// ---------------------------------------------------------------------------
// Urgency head

type Scores = { rmse: number; mae: number; spearman: number };
const regressionScores = (truth: ArrayLike<number>, predicted: ArrayLike<number>): Scores => ({
  rmse: rmse(truth, predicted),
  mae: mae(truth, predicted),
  spearman: spearman(truth, predicted),
});

/** The embedding, plus the keyword flag as one more (penalised) column for the keyword variant. */
function urgencyRow(row: Float32Array, i: number, variant: UrgencyVariant): ArrayLike<number> {
  if (variant === "embedding") return row;
  const out = new Float64Array(row.length + 1);
  out.set(row);
  out[row.length] = urgency.keywordMatched[i] ? 1 : 0;
  return out;
}

function fitUrgency(rows: readonly Float32Array[], idx: readonly number[], variant: UrgencyVariant) {
  const t = performance.now();
  const fit = fitRidgeDense(
    idx.map((i) => urgencyRow(rows[i]!, i, variant)),
    Float64Array.from(idx, (i) => urgency.targets[i]!),
    ALPHA,
  );
  return { fit, seconds: secondsSince(t) };
}

function scoreUrgency(rows: readonly Float32Array[], split: Split, variant: UrgencyVariant) {
  const { fit, seconds } = fitUrgency(rows, split.train, variant);
  const predicted = split.test.map((i) => predictDense(fit, urgencyRow(rows[i]!, i, variant)));
  return { ...regressionScores(pick(urgency.targets, split.test), predicted), trainSeconds: seconds };
}

/** What a score must beat: the training mean, and the mean per keyword flag (free at runtime). */
function baselines(split: Split) {
  const y = urgency.targets;
  const mean = split.train.reduce((s, i) => s + y[i]!, 0) / split.train.length;
  const byKeyword = [false, true].map((kw) => {
    const ys = split.train.filter((i) => urgency.keywordMatched[i] === kw).map((i) => y[i]!);
    return ys.length ? ys.reduce((s, v) => s + v, 0) / ys.length : mean;
  });
  const truth = pick(y, split.test);
  return {
    trainMean: regressionScores(truth, split.test.map(() => mean)),
    keywordMean: regressionScores(truth, split.test.map((i) => byKeyword[urgency.keywordMatched[i] ? 1 : 0]!)),
  };
}

const summarise = (scores: Scores[]) => ({
  rmse: roundMs(meanStd(scores.map((s) => s.rmse))),
  mae: roundMs(meanStd(scores.map((s) => s.mae))),
  spearman: roundMs(meanStd(scores.map((s) => s.spearman))),
});
const roundScores = (s: Scores) => ({ rmse: round(s.rmse), mae: round(s.mae), spearman: round(s.spearman) });

const urgencyResults = poolings.flatMap((p) =>
  URGENCY_VARIANTS.map((variant) => {
    log(`== urgency head ${p}/${variant}: ridge α=${ALPHA}, hold-out + grouped ${CV_FOLDS}-fold CV`);
    const t = performance.now();
    const rows = embeddings.get(p)!.rows;
    const ho = scoreUrgency(rows, urgencySplits.holdout, variant);
    const folds = urgencySplits.folds.map((split) => scoreUrgency(rows, split, variant));
    const cv = { ...summarise(folds), trainSeconds: roundMs(meanStd(folds.map((f) => f.trainSeconds))) };
    log(
      ` hold-out RMSE ${ho.rmse.toFixed(4)}; CV RMSE ${cv.rmse.mean} ± ${cv.rmse.std}, Spearman ${cv.spearman.mean} ` +
        `(${secondsSince(t).toFixed(1)} s)`,
    );
    return {
      pooling: p,
      variant,
      holdout: { ...roundScores(ho), trainSeconds: round(ho.trainSeconds, 2) },
      groupedCv: cv,
      foldRmse: folds.map((f) => f.rmse),
    };
  }),
);
const urgencyBaselines = {
  holdout: (() => {
    const b = baselines(urgencySplits.holdout);
    return { trainMean: roundScores(b.trainMean), keywordMean: roundScores(b.keywordMean) };
  })(),
  groupedCv: (() => {
    const b = urgencySplits.folds.map(baselines);
    return { trainMean: summarise(b.map((x) => x.trainMean)), keywordMean: summarise(b.map((x) => x.keywordMean)) };
  })(),
};
const chosenUrgency = urgencyResults
  .filter((r) => r.pooling === pooling)
  .reduce((a, b) => (meanStd(b.foldRmse).mean < meanStd(a.foldRmse).mean ? b : a));
const urgencyVariant = chosenUrgency.variant;
log(`urgency head: ${pooling}/${urgencyVariant} (grouped-CV RMSE ${chosenUrgency.groupedCv.rmse.mean})`);

// ---------------------------------------------------------------------------
// Final heads on every row

log(`== final heads on all ${data.tickets.length} rows`);
t0 = performance.now();
const rows = embeddings.get(pooling)!.rows;
const all = data.tickets.map((_, i) => i);
const finalCategory = fitCategory(rows, data.labels, classWeight);
if (!finalCategory.fit.converged) throw new Error(`final logistic fit did not converge (${finalCategory.fit.iterations} iterations)`);
const finalUrgency = fitUrgency(rows, all, urgencyVariant);
const finalSeconds = secondsSince(t0);
const keyword = urgencyVariant === "embedding+keyword";
const urgencyCoef = keyword ? finalUrgency.fit.coef.subarray(0, dim) : finalUrgency.fit.coef;

// No wall-clock fields: the same encoder and data give byte-identical heads.json.
const artifact: M2HeadsArtifact = {
  format: M2_HEADS_FORMAT,
  encoder: { sha256: encoderFile.sha256, name: encoderName, pooling, maxLength, dim },
  category: {
    classes,
    coef: encodeFloat32(finalCategory.fit.coef),
    intercept: Array.from(finalCategory.fit.intercept),
    C,
    classWeight,
  },
  urgency: {
    coef: encodeFloat32(urgencyCoef),
    intercept: finalUrgency.fit.intercept,
    alpha: ALPHA,
    ...(keyword ? { keywordCoef: finalUrgency.fit.coef[dim]! } : {}),
  },
  meta: {
    trainer: "npm run train:m2",
    rows: data.tickets.length,
    dataset: { path: data.path, sha256: data.sha256 },
    input: "ticketText(subject, body), WordPiece with the bundled distilbert-base-uncased vocabulary",
    distilBert: isDistilBert,
    ...(standInNote ? { warning: standInNote } : {}),
    urgencyVariant,
    urgencyTarget: "priority × urgency keyword bands (training/urgency-labels.ts)",
  },
};

// Scored through the artefact itself (Float32 coefficients, the Worker's loader).
const heads = loadM2Heads(artifact, encoderFile.sha256);
const finalPredictions = rows.map((row, i) => heads.predict(row, urgency.keywordMatched[i]!));
const trainingFit = {
  category: (() => {
    const r = classificationReport(data.labels, finalPredictions.map((p) => p.category), classes);
    return { accuracy: round(r.accuracy), macroF1: round(r.macroF1) };
  })(),
  urgency: roundScores(regressionScores(urgency.targets, finalPredictions.map((p) => p.urgency_score))),
};

/**
 * Rows (numbers only: ticket text stays out of the repo) with what the shipped heads
 * give on the Node embedding, so a Worker test can check its own encoder + heads path
 * end to end: the first two tickets of each class.
 */
const examples = classes.flatMap((c) =>
  all
    .filter((i) => data.labels[i] === c)
    .slice(0, 2)
    .map((row) => {
      const p = finalPredictions[row]!;
      return {
        row,
        label: c,
        keywordMatched: urgency.keywordMatched[row]!,
        category: p.category,
        confidence: round(p.confidence, 6),
        urgency_score: round(p.urgency_score, 6),
      };
    }),
);

async function m1Reference() {
  try {
    const m1 = JSON.parse(await readFile(resolve(REPO_ROOT, "models/m1/metrics.json"), "utf8"));
    const u = JSON.parse(await readFile(resolve(REPO_ROOT, "models/m1/urgency-metrics.json"), "utf8"));
    return {
      category: { model: m1.shipped?.name, groupedCvMacroF1: m1.shipped?.groupedCv?.macroF1, groupedCvAccuracy: m1.shipped?.groupedCv?.accuracy },
      urgency: { model: `M1 TF-IDF ridge (${u.shipped?.variant}, α=${u.shipped?.alpha})`, groupedCvRmse: u.groupedCv?.ridge?.rmse },
    };
  } catch {
    return null;
  }
}

const roundCategory = (r: (typeof categoryResults)[number]) => ({
  pooling: r.pooling,
  classWeight: r.classWeight,
  holdout: r.holdout,
  groupedCv: {
    ...r.groupedCv,
    accuracy: roundMs(r.groupedCv.accuracy),
    macroF1: roundMs(r.groupedCv.macroF1),
    perClassF1: Object.fromEntries(Object.entries(r.groupedCv.perClassF1).map(([c, m]) => [c, roundMs(m)])),
    logLoss: roundMs(r.groupedCv.logLoss),
    trainSeconds: roundMs(r.groupedCv.trainSeconds),
  },
});

const metrics = {
  generatedBy: "npm run train:m2",
  ...(standInNote ? { warning: standInNote } : {}),
  date: new Date().toISOString(),
  dataset: { path: data.path, sha256: data.sha256, rows: data.tickets.length, skipped: data.skipped },
  classCounts: Object.fromEntries(classes.map((c) => [c, data.labels.filter((l) => l === c).length])),
  encoder: {
    name: encoderName,
    path: relative(REPO_ROOT, encoderFile.path),
    sha256: encoderFile.sha256,
    bytes: encoderFile.bytes.byteLength,
    distilBert: isDistilBert,
    dim,
    maxLength,
    embedSeconds: Object.fromEntries(poolings.map((p) => [p, round(embeddings.get(p)!.embedSeconds, 2)])),
  },
  protocols: {
    holdout: {
      description: "seed protocol: one stratified hold-out (on the category for the category head, on the urgency band for the urgency head)",
      testFraction: HOLDOUT_FRACTION,
      seed: HOLDOUT_SEED,
    },
    groupedCv: {
      description: "leakage-safe: near-duplicate groups never split; stratified group K-fold (category / urgency band); mean ± std over folds",
      folds: CV_FOLDS,
      seed: CV_SEED,
      nearDuplicates: {
        ...DEFAULT_NEAR_DUPLICATE_OPTIONS,
        method: "Jaccard of word-bigram sets, union-find",
        pairs: dup.pairs,
        groups: dup.nGroups,
        multiTicketGroups: dup.multiGroups,
        ticketsInMultiTicketGroups: dup.ticketsInMultiGroups,
      },
    },
  },
  category: {
    model: `multinomial logistic regression, C=${C}, L-BFGS (training/logreg.ts); confidence = top softmax probability`,
    selection:
      "seed setting (cls, unweighted) ships unless a candidate's fold-paired grouped-CV macro-F1 gain exceeds one standard error; then the highest mean",
    shipped: { pooling, classWeight },
    candidates: categoryResults.map((r, i) => ({
      pooling: r.pooling,
      classWeight: r.classWeight,
      holdoutMacroF1: round(r.holdout.report.macroF1),
      cvMacroF1: roundMs(r.groupedCv.macroF1),
      cvAccuracy: roundMs(r.groupedCv.accuracy),
      cvLogLoss: roundMs(r.groupedCv.logLoss),
      gainOverSeed: { mean: round(gains[i]!.mean), standardError: round(gains[i]!.standardError) },
    })),
    majorityBaseline,
    results: categoryResults.map(roundCategory),
  },
  urgency: {
    model: `ridge regression α=${ALPHA} (unpenalised intercept) on the embedding (+ keyword flag), clamped to [0, 1]`,
    target: { bands: URGENCY_TARGETS, bandOrder: "[keyword absent, keyword present]" },
    selection: "lower grouped-CV mean RMSE of the two variants at the shipped pooling",
    shipped: { pooling, variant: urgencyVariant },
    results: urgencyResults.map(({ foldRmse: _f, ...r }) => r),
    baselines: urgencyBaselines,
    seedReference: SEED_REFERENCE,
  },
  m1Reference: await m1Reference(),
  final: {
    rows: data.tickets.length,
    trainSeconds: round(finalSeconds, 2),
    lbfgsIterations: finalCategory.fit.iterations,
    trainLoss: round(finalCategory.fit.trainLoss, 6),
    urgencyIntercept: round(artifact.urgency.intercept, 6),
    keywordCoef: keyword ? round(artifact.urgency.keywordCoef!, 6) : null,
    trainingFit,
  },
  examples,
  totalSeconds: round(secondsSince(started), 1),
};

const outDir = resolve(REPO_ROOT, args.out!);
await mkdir(outDir, { recursive: true });
await writeFile(resolve(outDir, "heads.json"), JSON.stringify(artifact) + "\n");
await writeFile(resolve(outDir, "metrics.json"), stableMetricsJson(metrics));
log(`wrote ${relative(REPO_ROOT, outDir)}/heads.json and metrics.json in ${metrics.totalSeconds} s`);
