/**
 * `npm run train:m1`: evaluates the seed and the candidate configurations under both
 * protocols, ships the best by grouped-CV macro-F1, trains it on every row and writes
 * models/m1/model.json + models/m1/metrics.json + models/m1/confusion-matrix.svg, then prints
 * the shipped model's per-class table under both protocols (training/report.ts) on stdout.
 * `npm run train:m1:baseline`: the seed configuration alone; prints its metrics as
 * JSON on stdout and writes nothing.
 *
 * Options: --baseline, --data <csv> (repeatable; default TICKETS_CSV if set, else the shared
 *          sample + tickets-extra.csv),
 *          --mapping <json> (columns and queue → category, dataset/mapping.ts; default the
 *          dataset's own, training/taxonomy.ts), --corrections <csv> (training/corrections.ts),
 *          --out <dir> (default models/m1), --only <config name> (skip the others).
 * The categories are whatever the mapping yields (at least two); model.json's `classes` and
 * taxonomy.json (which the Worker's src/ml/categories.ts reads) record them.
 * Progress goes to stderr; a bad --data, --mapping or --corrections file ends with its
 * message and exit 1.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DatasetMissingError, loadMapping, REPO_ROOT } from "../dataset/load.ts";
import { MappingError } from "../dataset/mapping.ts";
import { TAXONOMY_FORMAT } from "../src/ml/categories.ts";
import { buildArtifact } from "./artifact.ts";
import { expectedCalibrationError, fitTemperature, negativeLogLikelihood } from "./calibration.ts";
import { applyCorrections, CorrectionsError, loadCorrections } from "./corrections.ts";
import { defaultM1Files, loadTrainingFiles } from "./data.ts";
import { evaluateCv, evaluateHoldout } from "./evaluate.ts";
import { classificationReport, meanStd } from "./metrics.ts";
import { CANDIDATE_CONFIGS } from "./m1-candidates.ts";
import { predictTexts, trainM1, type M1TrainConfig } from "./m1-pipeline.ts";
import { SEED_CONFIG } from "./seed.ts";
import { argmax } from "../src/ml/linear.ts";
import { DEFAULT_NEAR_DUPLICATE_OPTIONS } from "./near-duplicates.ts";
import { CV_FOLDS, CV_SEED, HOLDOUT_FRACTION, HOLDOUT_SEED, protocolSplits } from "./protocol.ts";
import { confusionMatrixSvg, renderM1Report } from "./report.ts";
import { stableMetricsJson } from "./stable-json.ts";
import { evaluateUrgency } from "./urgency-eval.ts";

const { values: args } = parseArgs({
  options: {
    baseline: { type: "boolean", default: false },
    data: { type: "string", multiple: true },
    mapping: { type: "string" },
    corrections: { type: "string" },
    out: { type: "string", default: "models/m1" },
    only: { type: "string" },
  },
});
const log = (m: string) => process.stderr.write(`${m}\n`);
const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

/** A problem with a file the user named: its message is the whole story, no stack trace. */
function exitOnInputError(error: unknown): never {
  const known = error instanceof DatasetMissingError || error instanceof MappingError || error instanceof CorrectionsError || /ticket CSV/.test(String((error as Error)?.message));
  if (!known) throw error;
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}

const started = performance.now();
const mapping = args.mapping ? await loadMapping(args.mapping).catch(exitOnInputError) : undefined;
let data = await loadTrainingFiles(args.data ?? defaultM1Files(), mapping).catch(exitOnInputError);
log(`${data.tickets.length} tickets from ${data.path} (skipped ${JSON.stringify(data.skipped)})`);
let corrections: Record<string, unknown> | null = null;
if (args.corrections) {
  const file = await loadCorrections(args.corrections).catch(exitOnInputError);
  const merged = (() => {
    try {
      return applyCorrections(data, file);
    } catch (error) {
      return exitOnInputError(error);
    }
  })();
  data = merged.data;
  corrections = { path: data.files.at(-1)!.path, sha256: file.sha256, rows: file.rows, tickets: file.corrections.length, superseded: file.superseded, ...merged.applied };
  log(`corrections: ${JSON.stringify(corrections)}`);
}
const classes = [...new Set(data.labels)].sort();
if (classes.length < 2) exitOnInputError(new MappingError(args.mapping ?? "(default)", `the data holds ${classes.length} category (${classes.join(", ")}); a classifier needs at least two`));

let t0 = performance.now();
const { dup, holdout, folds } = protocolSplits(data);
const dupSeconds = (performance.now() - t0) / 1000;
log(
  `near-duplicates: ${dup.pairs} pairs → ${dup.multiGroups} groups holding ${dup.ticketsInMultiGroups} tickets; ` +
    `${dup.nGroups} groups in all (${dupSeconds.toFixed(1)} s)`,
);


let configs: M1TrainConfig[] = args.baseline ? [SEED_CONFIG] : [SEED_CONFIG, ...CANDIDATE_CONFIGS];
if (args.only) configs = configs.filter((c) => c.name === args.only || c === SEED_CONFIG);

const results = configs.map((config) => {
  log(`== ${config.name}: hold-out`);
  const ho = evaluateHoldout(data.texts, data.labels, dup.groupOf, holdout, config, log);
  log(` hold-out accuracy ${ho.report.accuracy.toFixed(4)}, macro-F1 ${ho.report.macroF1.toFixed(4)}`);
  log(`== ${config.name}: grouped ${CV_FOLDS}-fold CV`);
  const cv = evaluateCv(data.texts, data.labels, dup.groupOf, folds, config, log);
  log(` CV macro-F1 ${cv.macroF1.mean.toFixed(4)} ± ${cv.macroF1.std.toFixed(4)}`);
  return { config, holdout: ho, cv };
});

/**
 * The pooled out-of-fold report per language (the language column; "" when the data has
 * none, e.g. corrections), so a class learnt in English but not in Portuguese shows.
 */
const perLanguage = (r: (typeof results)[number]) => {
  const predicted = r.cv.oofMargins.map((m) => r.cv.classes[argmax(m)]!);
  const languageOf = (t: (typeof data.tickets)[number]) => t.language || "unknown";
  const languages = [...new Set(data.tickets.map(languageOf))].sort();
  return Object.fromEntries(
    languages.map((lang) => {
      const rows = data.tickets.flatMap((t, i) => (languageOf(t) === lang ? [i] : []));
      return [lang, classificationReport(rows.map((i) => data.labels[i]!), rows.map((i) => predicted[i]!), r.cv.classes)];
    }),
  );
};

const summary = (r: (typeof results)[number]) => {
  const { oofMargins: _m, classes: _c, ...cv } = r.cv;
  return {
    name: r.config.name,
    description: r.config.description,
    config: { features: r.config.features, svc: r.config.svc, calibrateBias: r.config.calibrateBias },
    holdout: r.holdout,
    groupedCv: { ...cv, perLanguage: perLanguage(r) },
  };
};

if (args.baseline) {
  process.stdout.write(JSON.stringify({ dataset: data.path, rows: data.tickets.length, ...summary(results[0]!) }, null, 2) + "\n");
  log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  process.exit(0);
}

// A candidate replaces the seed only if its fold-paired macro-F1 gain exceeds one
// standard error; on small data most differences between configurations are noise.
const seedFolds = results[0]!.cv.perFold.map((f) => f.macroF1);
const gains = results.map((r) => {
  const diffs = r.cv.perFold.map((f, i) => f.macroF1 - seedFolds[i]!);
  const { mean, std } = meanStd(diffs);
  return { name: r.config.name, meanGain: mean, standardError: std / Math.sqrt(Math.max(1, diffs.length - 1)) };
});
const eligible = results.filter((_, i) => i === 0 || gains[i]!.meanGain > gains[i]!.standardError);
const best = eligible.reduce((a, b) => (b.cv.macroF1.mean > a.cv.macroF1.mean ? b : a));
log(`shipping "${best.config.name}" (grouped-CV macro-F1 ${best.cv.macroF1.mean.toFixed(4)})`);

// The confidence temperature comes from margins no model saw in training.
const temperature = fitTemperature(best.cv.oofMargins, data.labels, best.cv.classes);
const calibration = {
  method: "temperature scaling: softmax(margins / T), T minimising NLL of the grouped-CV out-of-fold margins",
  temperature: round(temperature, 6),
  oofNll: { T1: round(negativeLogLikelihood(best.cv.oofMargins, data.labels, best.cv.classes, 1)), fitted: round(negativeLogLikelihood(best.cv.oofMargins, data.labels, best.cv.classes, temperature)) },
  oofEce: { T1: round(expectedCalibrationError(best.cv.oofMargins, data.labels, best.cv.classes, 1)), fitted: round(expectedCalibrationError(best.cv.oofMargins, data.labels, best.cv.classes, temperature)) },
};
log(`temperature ${temperature.toFixed(3)} (NLL ${calibration.oofNll.T1} → ${calibration.oofNll.fitted})`);

log(`== final: ${best.config.name} on all ${data.tickets.length} rows`);
t0 = performance.now();
const final = trainM1(data.texts, data.labels, dup.groupOf, best.config, log);
const finalSeconds = (performance.now() - t0) / 1000;

/**
 * Tickets (row numbers in the dataset as loaded) the shipped model gets right, for the
 * Worker test: per class the most confident out-of-fold hits; where a class has none
 * out of fold, the final model's most confident hits on its own training rows.
 */
function showcase() {
  const classes = best.cv.classes;
  // Only rows of the first file, so a row number is that file's data row (the Worker test
  // reads the sample by itself). Row numbers only: ticket text stays out of the repo (dataset licence).
  const perClass: Record<string, { row: number; source: "out-of-fold" | "training" }[]> = {};
  const finalPred = predictTexts(final, data.texts);
  classes.forEach((c, k) => {
    const pick = (margins: Float64Array[], predicted: (i: number) => string) =>
      data.labels
        .flatMap((l, i) => (l === c && data.fileOf[i] === 0 && predicted(i) === c ? [i] : []))
        .sort((a, b) => margins[b]![k]! - margins[a]![k]!)
        .slice(0, 3);
    let rows = pick(best.cv.oofMargins, (i) => classes[argmax(best.cv.oofMargins[i]!)]!);
    let source: "out-of-fold" | "training" = "out-of-fold";
    if (rows.length === 0) {
      rows = pick(finalPred.margins, (i) => finalPred.labels[i]!);
      source = "training";
    }
    perClass[c] = rows.map((row) => ({ row, source }));
  });
  return perClass;
}

// No wall-clock fields: the same data and code give byte-identical model.json, so
// artefacts pinned to its sha256 (the urgency ridge) only break on real changes; for the
// same reason metrics.json is written without its timings (training/stable-json.ts).
const artifact = buildArtifact(final, temperature, {
  rows: data.tickets.length,
  dataset: { path: data.path, sha256: data.sha256 },
  description: best.config.description,
});
const metrics = {
  generatedBy: "npm run train:m1",
  dataset: {
    path: data.path,
    sha256: data.sha256,
    rows: data.tickets.length,
    skipped: data.skipped,
    files: data.files.map((f, k) => ({ ...f, kept: data.fileOf.filter((x) => x === k).length })),
    mapping: args.mapping ? { path: args.mapping, ...mapping } : "default (training/taxonomy.ts)",
    corrections,
    languages: Object.fromEntries([...new Set(data.tickets.map((t) => t.language || "unknown"))].sort().map((l) => [l, data.tickets.filter((t) => (t.language || "unknown") === l).length])),
  },
  classCounts: Object.fromEntries(
    [...new Set(data.labels)].sort().map((c) => [c, data.labels.filter((l) => l === c).length]),
  ),
  protocols: {
    holdout: { description: "seed protocol: one stratified hold-out of every row trained on (all files together)", testFraction: HOLDOUT_FRACTION, seed: HOLDOUT_SEED },
    groupedCv: {
      description:
        "leakage-safe: near-duplicate groups (computed over all files and corrections together) never split; stratified group K-fold; mean ± std over folds",
      folds: CV_FOLDS,
      seed: CV_SEED,
      nearDuplicates: { ...DEFAULT_NEAR_DUPLICATE_OPTIONS, method: "Jaccard of word-bigram sets, union-find", pairs: dup.pairs, groups: dup.nGroups, multiTicketGroups: dup.multiGroups, ticketsInMultiTicketGroups: dup.ticketsInMultiGroups, seconds: round(dupSeconds, 2) },
    },
  },
  baseline: summary(results[0]!),
  shipped: {
    ...summary(best),
    calibration,
    final: { rows: data.tickets.length, trainSeconds: round(finalSeconds, 2), features: final.union.parts.map((p) => p.terms.length), classBias: final.classBias, svmIterations: final.svm.nIter },
  },
  selection: "highest grouped-CV macro-F1 among the seed and the candidates whose per-fold gain over the seed exceeds one standard error",
  candidates: results.map((r, i) => ({ name: r.config.name, holdoutMacroF1: round(r.holdout.report.macroF1), cvMacroF1: { mean: round(r.cv.macroF1.mean), std: round(r.cv.macroF1.std) }, cvAccuracy: { mean: round(r.cv.accuracy.mean), std: round(r.cv.accuracy.std) }, gainOverSeed: { mean: round(gains[i]!.meanGain), standardError: round(gains[i]!.standardError) } })),
  examples: showcase(),
  urgencyHeuristic: evaluateUrgency(data.tickets),
  totalSeconds: round((performance.now() - started) / 1000, 1),
};

const outDir = resolve(REPO_ROOT, args.out!);
await mkdir(outDir, { recursive: true });
await writeFile(resolve(outDir, "model.json"), JSON.stringify(artifact) + "\n");
await writeFile(resolve(outDir, "metrics.json"), stableMetricsJson(metrics));
await writeFile(resolve(outDir, "confusion-matrix.svg"), confusionMatrixSvg(metrics));
// The Worker's category list (src/ml/categories.ts): a few bytes instead of the whole model.
await writeFile(
  resolve(outDir, "taxonomy.json"),
  JSON.stringify({ format: TAXONOMY_FORMAT, classes: artifact.classes, source: "models/m1/model.json classes, written by npm run train:m1" }) + "\n",
);
log(`wrote ${args.out}/model.json, taxonomy.json, metrics.json and confusion-matrix.svg in ${metrics.totalSeconds} s`);
process.stdout.write(`\n${renderM1Report(metrics)}`);
process.stdout.write(`\n${languageTable(metrics.baseline.groupedCv.perLanguage, metrics.shipped.groupedCv.perLanguage, best.cv.classes)}`);

function languageTable(seed: ReturnType<typeof perLanguage>, shipped: ReturnType<typeof perLanguage>, cls: readonly string[]): string {
  const f = (x: number) => x.toFixed(3);
  const lines = [
    "Grouped CV, pooled out-of-fold, per language (seed configuration → shipped):",
    `| language | tickets | accuracy | macro-F1 | ${cls.map((c) => `${c} F1`).join(" | ")} |`,
    `| --- | --- | --- | --- | ${cls.map(() => "---").join(" | ")} |`,
  ];
  for (const [lang, r] of Object.entries(shipped)) {
    const b = seed[lang]!;
    const pair = (x: number, y: number) => (x === y ? f(y) : `${f(x)} → ${f(y)}`);
    lines.push(`| ${lang} | ${r.rows} | ${pair(b.accuracy, r.accuracy)} | ${pair(b.macroF1, r.macroF1)} | ${cls.map((c) => `${pair(b.perClass[c]!.f1, r.perClass[c]!.f1)} (${r.perClass[c]!.support})`).join(" | ")} |`);
  }
  return lines.join("\n") + "\n";
}
