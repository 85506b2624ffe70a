/**
 * `npm run train:m2 -- --encoder PATH [--encoder-id ID]`: the M2 heads on encoder
 * embeddings, judged against M1 on the same folds and rows, and the decision which
 * model serves each field (heads.json `serve`).
 *
 * Embeds every ticket of ../shared/dataset/tickets-sample.csv and tickets-extra.csv
 * (or the --data files, repeatable) with the encoder and the Worker's tokenizer, then
 * evaluates, on one near-duplicate-grouped stratified 5-fold CV (groups computed over
 * all files together) and the seed's 15 % hold-out:
 *  - category: logistic regression C = 5 (the seed notebook's), [CLS] and mean pooling,
 *    unweighted and balanced, on the embedding alone and joined with M1's margins
 *    (M1 = the shipped configuration refitted per fold; the margins of a head's
 *    training rows are out-of-fold within them, see m1-reference.ts);
 *  - urgency: ridge α = 0.5 on the embedding, plus the keyword flag, plus M1's
 *    (out-of-fold) urgency score;
 *  - M1 itself on the same folds: its category and urgency figures beside M2's,
 *    with fold-paired differences and standard errors, per class and per language.
 *
 * Selection mirrors train:m1: the simplest option ships unless a more complex one
 * beats it by more than one fold-paired standard error (training/m2-compare.ts), in
 * tiers: the seed's [CLS]/unweighted head, then other poolings and weights, then M1's
 * margins; for urgency the embedding alone, then + keyword flag, then + M1's score.
 * Serving: a field goes to M2 only when M2 beats M1 by more than one paired SE.
 *
 * Options: --encoder <onnx> (required), --encoder-id <manifest id> (default: the id of
 *          the manifest in models/encoders/ whose sha256 matches, else the file name),
 *          --name <encoder name> (default: the id), --pooling cls|mean, --max-length
 *          <tokens> (256), --batch <texts> (16), --data <csv> (repeatable), --vocab
 *          <vocab.txt> (the reference distilbert-base-uncased vocab), --runtime
 *          node|web (node: onnxruntime-node, checked against the Worker's ORT-web on a
 *          sample; web: the Worker's path for every ticket, slow), --out <dir> (models/m2),
 *          --no-cache.
 * Progress goes to stderr.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { EXTRA_DATASET_PATH, exitIfDatasetMissing, REPO_ROOT, SAMPLE_DATASET_PATH } from "../dataset/load.ts";
import { loadM1 } from "../src/m1/model.ts";
import { loadUrgencyRidge } from "../src/m1/urgency-ridge.ts";
import {
  loadM2Heads,
  M2_HEADS_FORMAT,
  POOLINGS,
  type CategoryInput,
  type M2HeadsArtifact,
  type Pooling,
  type UrgencyInput,
} from "../src/m2/heads.ts";
import { bundledVocab } from "../src/m2/vocab.ts";
import { WordPieceTokenizer } from "../src/m2/wordpiece.ts";
import { loadTrainingFiles } from "./data.ts";
import { embedTexts, encoderEmbedder, type Embedded } from "./embed.ts";
import { checkParity, embedNative, NATIVE_RUNTIME, type ParityCheck } from "./embed-native.ts";
import { readEncoderFile } from "./encoder-file.ts";
import { encodeFloat32 } from "./float32-base64.ts";
import { fitLogReg, predictProba, type ClassWeight } from "./logreg.ts";
import { innerOofMargins, innerOofUrgency, loadM1Reference, m1CategoryOutputs, m1UrgencyPredict } from "./m1-reference.ts";
import { categoryServe, lengthQuantiles, pairedDiff, perLanguage, urgencyServe, type PairedDiff } from "./m2-compare.ts";
import { classificationReport, meanStd, type ClassificationReport, type MeanStd } from "./metrics.ts";
import { DEFAULT_NEAR_DUPLICATE_OPTIONS, groupNearDuplicates } from "./near-duplicates.ts";
import { CV_FOLDS, CV_SEED, HOLDOUT_FRACTION, HOLDOUT_SEED } from "./protocol.ts";
import { mae, rmse, spearman } from "./regression-metrics.ts";
import { fitRidgeDense, predictDense } from "./ridge.ts";
import { stratifiedGroupKFold, stratifiedHoldout, type Split } from "./split.ts";
import { stableMetricsJson } from "./stable-json.ts";
import { URGENCY_TARGETS, urgencyLabels } from "./urgency-labels.ts";
import { priorityRank, scoresByLanguage } from "./urgency-report.ts";
import { vocabFromText } from "./vocab-text.ts";
import { createHash } from "node:crypto";

/** The seed notebook's LogisticRegression(C=5). */
const C = 5;
/** The seed notebook's Ridge(alpha=0.5). */
const ALPHA = 0.5;
const CLASS_WEIGHTS = [null, "balanced"] as const;
type HeadClassWeight = (typeof CLASS_WEIGHTS)[number];
const URGENCY_VARIANTS = ["embedding", "embedding+keyword", "embedding+keyword+m1-urgency"] as const;
type UrgencyVariant = (typeof URGENCY_VARIANTS)[number];
const REFERENCE_VOCAB = resolve(REPO_ROOT, "../shared/reference/distilbert-base-uncased/vocab.txt");
/** Tickets embedded through the Worker's path to check the native vectors; also metrics.json's examples. */
const PARITY_TICKETS = 24;
const SEED_REFERENCE = {
  model: "DistilBERT [CLS] embeddings + LogisticRegression(C=5) / Ridge(alpha=0.5) (seed notebook)",
  protocol: "15 % stratified hold-out, seed 42",
  urgency: { rmse: 0.2683, mae: 0.2247 },
};

const { values: args } = parseArgs({
  options: {
    encoder: { type: "string" },
    "encoder-id": { type: "string" },
    pooling: { type: "string" },
    name: { type: "string" },
    "max-length": { type: "string", default: "256" },
    batch: { type: "string", default: "16" },
    data: { type: "string", multiple: true },
    vocab: { type: "string" },
    runtime: { type: "string", default: "node" },
    out: { type: "string", default: "models/m2" },
    "no-cache": { type: "boolean", default: false },
  },
});
const log = (m: string) => process.stderr.write(`${m}\n`);
const round = (x: number, d = 4) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);
const roundMs = (m: MeanStd) => ({ mean: round(m.mean), std: round(m.std) });
const roundDiff = (d: PairedDiff) => ({ mean: round(d.mean), standardError: round(d.standardError), perFold: d.perFold.map((x) => round(x)) });
const secondsSince = (t: number) => (performance.now() - t) / 1000;
const pick = <T>(xs: ArrayLike<T>, idx: readonly number[]) => idx.map((i) => xs[i]!);
const usage = () => {
  log("usage: npm run train:m2 -- --encoder PATH [--encoder-id ID] [--pooling cls|mean] [--max-length N] [--data CSV]...");
  process.exit(2);
};

if (!args.encoder) usage();
if (args.pooling !== undefined && !(POOLINGS as readonly string[]).includes(args.pooling)) {
  log(`--pooling must be one of ${POOLINGS.join(", ")}`);
  process.exit(2);
}
if (args.runtime !== "node" && args.runtime !== "web") {
  log("--runtime must be node or web");
  process.exit(2);
}
const poolings: Pooling[] = args.pooling ? [args.pooling as Pooling] : [...POOLINGS];
const maxLength = Number(args["max-length"]);
const batchSize = Number(args.batch);
if (!Number.isInteger(maxLength) || maxLength < 2 || !Number.isInteger(batchSize) || batchSize < 1) usage();

const started = performance.now();
const data = await loadTrainingFiles(args.data ?? [SAMPLE_DATASET_PATH, EXTRA_DATASET_PATH]).catch(exitIfDatasetMissing);
const classes = [...new Set(data.labels)].sort();
const urgency = urgencyLabels(data.tickets);
const languages = data.tickets.map((t) => t.language.toLowerCase() || "unknown");
const n = data.tickets.length;
log(`${n} tickets from ${data.path}`);

// ---------------------------------------------------------------------------
// Encoder, vocabulary, token lengths

const encoderFile = await readEncoderFile(args.encoder!);

/** The encoder manifest (models/encoders/<id>.json) that names this file's sha256, if any. */
function manifestIdFor(sha256: string): string | null {
  const dir = resolve(REPO_ROOT, "models/encoders");
  if (!existsSync(dir)) return null;
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    if (readFileSync(resolve(dir, f), "utf8").includes(sha256)) return f.replace(/\.json$/, "");
  }
  return null;
}
const encoderId = args["encoder-id"] ?? manifestIdFor(encoderFile.sha256) ?? basename(encoderFile.path).replace(/\.onnx$/, "");
const encoderName = args.name ?? encoderId;
const standIn = encoderId === "tiny-stand-in";
const standInNote = standIn
  ? `encoder "${encoderId}" is the generated stand-in (random weights): these figures describe no language model`
  : null;
log(`encoder "${encoderId}" ${relative(REPO_ROOT, encoderFile.path)} (sha256 ${encoderFile.sha256.slice(0, 12)}…)`);

// The tokenizer is the Worker's (bundled vocabulary); the vocab.txt named here is the one
// the encoder was trained with, and must give every token the id the bundle gives it.
const vocabPath = resolve(REPO_ROOT, args.vocab ?? REFERENCE_VOCAB);
const vocabBytes = await readFile(vocabPath).catch(() => {
  log(`vocab.txt not found: ${vocabPath} (pass --vocab <the encoder's vocab.txt>)`);
  process.exit(1);
});
const vocabSha256 = createHash("sha256").update(vocabBytes).digest("hex");
{
  const reference = vocabFromText(vocabBytes.toString("utf8"));
  const bundled = bundledVocab();
  const disagree = [...bundled].filter(([token, id]) => reference.get(token) !== id);
  // The bundle leaves out only the one piece no word can match ([unused0], see src/m2/vocab.ts).
  if (disagree.length > 0 || reference.size - bundled.size > 1) {
    log(`the Worker's bundled vocabulary differs from ${vocabPath} (${disagree.length} tokens): heads would see other ids`);
    process.exit(1);
  }
}

const tokenizer = new WordPieceTokenizer(bundledVocab());
const tokenCounts = data.texts.map((t) => tokenizer.encode(t, { maxLength: null }).inputIds.length);
const tokenStats = lengthQuantiles(tokenCounts, maxLength);
log(
  `tokens per ticket: median ${tokenStats.median}, p90 ${tokenStats.p90}, p99 ${tokenStats.p99}, max ${tokenStats.max}; ` +
    `${tokenStats.truncatedTickets} tickets over ${maxLength} (${(tokenStats.droppedTokenShare * 100).toFixed(1)} % of tokens cut)`,
);

// ---------------------------------------------------------------------------
// Embeddings

let embeddings: Map<Pooling, Embedded>;
const parity: ParityCheck[] = [];
// Spread over the length-sorted tickets, so short and truncated ones are both checked.
const byLength = data.texts.map((_, i) => i).sort((a, b) => tokenCounts[a]! - tokenCounts[b]! || a - b);
const parityRows = Array.from({ length: PARITY_TICKETS }, (_, k) => byLength[Math.floor(((k + 0.5) * n) / PARITY_TICKETS)]!).sort((a, b) => a - b);
if (args.runtime === "node") {
  log(`== embedding ${n} tickets with onnxruntime-node (${poolings.join(" + ")} pooling, ${maxLength} tokens)`);
  embeddings = await embedNative(data.texts, encoderFile, maxLength, poolings, { batchSize, progress: log, noCache: args["no-cache"] });
  for (const p of poolings) {
    const check = await checkParity(data.texts, embeddings.get(p)!.rows, parityRows, encoderFile, p, maxLength);
    log(` ${p}: ${check.tickets} tickets through the Worker's ORT-web: max |Δ| ${check.maxAbsDiff.toExponential(2)}, min cosine ${check.minCosine.toFixed(6)}`);
    if (!check.passed) {
      log(`native vectors differ from the Worker's by more than ${check.tolerance}: rerun with --runtime web`);
      process.exit(1);
    }
    parity.push(check);
  }
} else {
  embeddings = new Map();
  for (const p of poolings) {
    log(`== embedding ${n} tickets through src/m2/encoder.ts (ORT-web), ${p} pooling, ${maxLength} tokens`);
    let embedder: Awaited<ReturnType<typeof encoderEmbedder>> | undefined;
    const result = await embedTexts(
      data.texts,
      async (texts) => (embedder ??= await encoderEmbedder(encoderFile, p, maxLength)).embed(texts),
      { encoderSha256: encoderFile.sha256, pooling: p, maxLength },
      { batchSize, progress: log, noCache: args["no-cache"] },
    );
    await embedder?.release();
    embeddings.set(p, result);
  }
}
const dim = embeddings.get(poolings[0]!)!.dim;

// ---------------------------------------------------------------------------
// Splits: near-duplicate groups over every file together, so near-twins across files stay on one side.

const dup = groupNearDuplicates(data.tickets.map((t) => t.body));
log(`near-duplicates: ${dup.multiGroups} groups holding ${dup.ticketsInMultiGroups} tickets`);
const categorySplits = {
  holdout: stratifiedHoldout(data.labels, HOLDOUT_FRACTION, HOLDOUT_SEED),
  folds: stratifiedGroupKFold(data.labels, dup.groupOf, CV_FOLDS, CV_SEED),
};
const urgencySplits = {
  holdout: stratifiedHoldout(urgency.bands, HOLDOUT_FRACTION, HOLDOUT_SEED),
  folds: stratifiedGroupKFold(urgency.bands, dup.groupOf, CV_FOLDS, CV_SEED),
};

// ---------------------------------------------------------------------------
// M1 on the same splits: its own predictions, and the out-of-fold inputs stacked heads read.

const m1 = await loadM1Reference();
log(`== M1 "${m1.artifact.name}" (models/m1/model.json sha256 ${m1.sha256.slice(0, 12)}…) refitted per split, inner ${3}-fold margins`);
type M1Split = { test: { labels: string[]; margins: Float64Array[] }; trainOof: Float64Array[]; classes: string[] };
const m1Category = (split: Split): M1Split => m1CategoryOutputs(m1, data.texts, data.labels, dup.groupOf, split.train, split.test);
let t0 = performance.now();
const m1Folds = categorySplits.folds.map((split, k) => {
  const r = m1Category(split);
  log(` category fold ${k + 1}/${CV_FOLDS} (${secondsSince(t0).toFixed(0)} s)`);
  return r;
});
const m1Holdout = m1Category(categorySplits.holdout);
const m1Classes = m1Folds[0]!.classes;
if (m1Classes.join() !== m1.artifact.classes.join()) throw new Error(`M1 refits order classes ${m1Classes} unlike model.json ${m1.artifact.classes}`);

type M1UrgencySplit = { test: number[]; trainOof: Map<number, number> };
const m1UrgencyOf = (split: Split): M1UrgencySplit => ({
  test: m1UrgencyPredict(m1, data.texts, urgency.targets, urgency.keywordMatched, split.train, split.test),
  trainOof: innerOofUrgency(m1, data.texts, urgency.targets, urgency.bands, urgency.keywordMatched, dup.groupOf, split.train),
});
t0 = performance.now();
const m1UrgencyFolds = urgencySplits.folds.map((split, k) => {
  const r = m1UrgencyOf(split);
  log(` urgency fold ${k + 1}/${CV_FOLDS} (${secondsSince(t0).toFixed(0)} s)`);
  return r;
});
const m1UrgencyHoldout = m1UrgencyOf(urgencySplits.holdout);

// ---------------------------------------------------------------------------
// Category heads

type CategoryCandidate = { pooling: Pooling; classWeight: HeadClassWeight; input: CategoryInput };
const candidateName = (c: CategoryCandidate) =>
  `${c.pooling}/${c.classWeight ?? "unweighted"}${c.input === "embedding" ? "" : "/+m1-margins"}`;

function joinRow(embedding: Float32Array, margins: ArrayLike<number> | null): ArrayLike<number> {
  if (!margins) return embedding;
  const out = new Float64Array(embedding.length + margins.length);
  out.set(embedding);
  out.set(margins, embedding.length);
  return out;
}

type CategoryScore = { report: ClassificationReport; predicted: string[]; logLoss: number; converged: boolean };

function scoreCategory(c: CategoryCandidate, split: Split, m1Split: M1Split): CategoryScore {
  const rows = embeddings.get(c.pooling)!.rows;
  const stacked = c.input === "embedding+m1-margins";
  const train = split.train.map((i, r) => joinRow(rows[i]!, stacked ? m1Split.trainOof[r]! : null));
  const fit = fitLogReg(train, pick(data.labels, split.train), { C, classWeight: c.classWeight as ClassWeight, classes });
  const truth = pick(data.labels, split.test);
  const predicted: string[] = [];
  let nll = 0;
  split.test.forEach((i, r) => {
    const p = predictProba(fit, joinRow(rows[i]!, stacked ? m1Split.test.margins[r]! : null));
    let best = 0;
    for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
    predicted.push(classes[best]!);
    nll -= Math.log(Math.max(p[classes.indexOf(truth[r]!)]!, 1e-300));
  });
  return { report: classificationReport(truth, predicted, classes), predicted, logLoss: nll / split.test.length, converged: fit.converged };
}

const categoryCandidates: CategoryCandidate[] = poolings.flatMap((pooling) =>
  (["embedding", "embedding+m1-margins"] as const).flatMap((input) => CLASS_WEIGHTS.map((classWeight) => ({ pooling, classWeight, input }))),
);
// The seed's setting first: it is the reference every other candidate must beat.
categoryCandidates.sort((a, b) => rank(a) - rank(b));
function rank(c: CategoryCandidate): number {
  return (c.input === "embedding" ? 0 : 10) + (c.pooling === "cls" && c.classWeight === null ? 0 : 1);
}

const categoryResults = categoryCandidates.map((c) => {
  const t = performance.now();
  const folds = categorySplits.folds.map((split, k) => scoreCategory(c, split, m1Folds[k]!));
  const holdout = scoreCategory(c, categorySplits.holdout, m1Holdout);
  const unconverged = [holdout, ...folds].filter((s) => !s.converged).length;
  if (unconverged) log(`  warning: ${unconverged} logistic fits of ${candidateName(c)} stopped before the gradient tolerance`);
  const macro = meanStd(folds.map((f) => f.report.macroF1));
  log(` ${candidateName(c)}: CV macro-F1 ${macro.mean.toFixed(4)} ± ${macro.std.toFixed(4)}, hold-out ${holdout.report.macroF1.toFixed(4)} (${secondsSince(t).toFixed(1)} s)`);
  return { ...c, folds, holdout };
});

/**
 * Tiered selection: the current choice is replaced only by a candidate of the next tier
 * whose fold-paired macro-F1 gain over it exceeds one SE (then the best such mean).
 */
function selectCategory() {
  const foldF1 = (r: (typeof categoryResults)[number]) => r.folds.map((f) => f.report.macroF1);
  let chosen = categoryResults[0]!;
  const steps: { tier: string; against: string; gains: { candidate: string; mean: number; standardError: number }[]; chosen: string }[] = [];
  const tiers = [
    { tier: "pooling and class weight", members: categoryResults.filter((r) => rank(r) === 1) },
    { tier: "joined with M1's margins", members: categoryResults.filter((r) => rank(r) >= 10) },
  ];
  for (const { tier, members } of tiers) {
    const gains = members.map((r) => ({ r, d: pairedDiff(foldF1(r), foldF1(chosen)) }));
    const winners = gains.filter((g) => g.d.mean > g.d.standardError);
    const before = candidateName(chosen);
    if (winners.length) chosen = winners.reduce((a, b) => (meanStd(foldF1(b.r)).mean > meanStd(foldF1(a.r)).mean ? b : a)).r;
    steps.push({
      tier,
      against: before,
      gains: gains.map((g) => ({ candidate: candidateName(g.r), mean: round(g.d.mean)!, standardError: round(g.d.standardError)! })),
      chosen: candidateName(chosen),
    });
  }
  return { chosen, steps };
}
const categorySelection = selectCategory();
const chosenCategory = categorySelection.chosen;
const pooling = chosenCategory.pooling;
log(`category head: ${candidateName(chosenCategory)}`);

/** The floor any head must clear: every test ticket labelled with the training part's majority class. */
function majorityReport(split: Split): ClassificationReport {
  const train = pick(data.labels, split.train);
  const majority = classes.reduce((a, b) => (train.filter((l) => l === b).length > train.filter((l) => l === a).length ? b : a));
  return classificationReport(pick(data.labels, split.test), split.test.map(() => majority), classes);
}

// ---------------------------------------------------------------------------
// Urgency heads (at the chosen pooling: one encoder pass serves both heads)

function urgencyRow(row: Float32Array, i: number, variant: UrgencyVariant, m1Urgency: number | undefined): ArrayLike<number> {
  if (variant === "embedding") return row;
  const extra = variant === "embedding+keyword" ? 1 : 2;
  const out = new Float64Array(row.length + extra);
  out.set(row);
  out[row.length] = urgency.keywordMatched[i] ? 1 : 0;
  if (extra === 2) out[row.length + 1] = m1Urgency!;
  return out;
}

type Scores = { rmse: number; mae: number; spearman: number };
const regressionScores = (truth: ArrayLike<number>, predicted: ArrayLike<number>): Scores => ({
  rmse: rmse(truth, predicted),
  mae: mae(truth, predicted),
  spearman: spearman(truth, predicted),
});

function scoreUrgency(variant: UrgencyVariant, split: Split, m1Split: M1UrgencySplit) {
  const rows = embeddings.get(pooling)!.rows;
  const fit = fitRidgeDense(
    split.train.map((i) => urgencyRow(rows[i]!, i, variant, m1Split.trainOof.get(i))),
    Float64Array.from(split.train, (i) => urgency.targets[i]!),
    ALPHA,
  );
  const predicted = split.test.map((i, r) => predictDense(fit, urgencyRow(rows[i]!, i, variant, m1Split.test[r])));
  return { ...regressionScores(pick(urgency.targets, split.test), predicted), predicted };
}

const urgencyResults = URGENCY_VARIANTS.map((variant) => {
  const folds = urgencySplits.folds.map((split, k) => scoreUrgency(variant, split, m1UrgencyFolds[k]!));
  const holdout = scoreUrgency(variant, urgencySplits.holdout, m1UrgencyHoldout);
  const r = meanStd(folds.map((f) => f.rmse));
  log(` urgency ${pooling}/${variant}: CV RMSE ${r.mean.toFixed(4)} ± ${r.std.toFixed(4)}, hold-out ${holdout.rmse.toFixed(4)}`);
  return { variant, folds, holdout };
});

function selectUrgency() {
  const foldRmse = (r: (typeof urgencyResults)[number]) => r.folds.map((f) => f.rmse);
  let chosen = urgencyResults[0]!;
  const steps: { against: string; candidate: string; mean: number; standardError: number; chosen: string }[] = [];
  for (const next of urgencyResults.slice(1)) {
    const d = pairedDiff(foldRmse(next), foldRmse(chosen));
    const before = chosen.variant;
    if (-d.mean > d.standardError) chosen = next;
    steps.push({ against: before, candidate: next.variant, mean: round(d.mean)!, standardError: round(d.standardError)!, chosen: chosen.variant });
  }
  return { chosen, steps };
}
const urgencySelection = selectUrgency();
const chosenUrgency = urgencySelection.chosen;
const urgencyVariant = chosenUrgency.variant;
log(`urgency head: ${pooling}/${urgencyVariant}`);

// ---------------------------------------------------------------------------
// M1 against M2, same folds, same rows

const foldReportsM1 = categorySplits.folds.map((split, k) => classificationReport(pick(data.labels, split.test), m1Folds[k]!.test.labels, classes));
const foldReportsM2 = chosenCategory.folds.map((f) => f.report);
const oof = (predictions: string[][]) => {
  const out: string[] = new Array(n);
  categorySplits.folds.forEach((split, k) => split.test.forEach((i, r) => (out[i] = predictions[k]![r]!)));
  return out;
};
const oofM1 = oof(m1Folds.map((f) => f.test.labels));
const oofM2 = oof(chosenCategory.folds.map((f) => f.predicted));
const majorityFolds = categorySplits.folds.map(majorityReport);
const categoryDiff = {
  accuracy: pairedDiff(foldReportsM2.map((r) => r.accuracy), foldReportsM1.map((r) => r.accuracy)),
  macroF1: pairedDiff(foldReportsM2.map((r) => r.macroF1), foldReportsM1.map((r) => r.macroF1)),
};
const summaryOf = (reports: ClassificationReport[], pooled: ClassificationReport) => ({
  accuracy: roundMs(meanStd(reports.map((r) => r.accuracy))),
  macroF1: roundMs(meanStd(reports.map((r) => r.macroF1))),
  perClass: Object.fromEntries(
    classes.map((c) => [
      c,
      {
        precision: roundMs(meanStd(reports.map((r) => r.perClass[c]!.precision))),
        recall: roundMs(meanStd(reports.map((r) => r.perClass[c]!.recall))),
        f1: roundMs(meanStd(reports.map((r) => r.perClass[c]!.f1))),
        support: pooled.perClass[c]!.support,
      },
    ]),
  ),
  perFold: reports.map((r) => ({ accuracy: round(r.accuracy), macroF1: round(r.macroF1) })),
  pooled,
});
const pooledM1 = classificationReport(data.labels, oofM1, classes);
const pooledM2 = classificationReport(data.labels, oofM2, classes);

const urgencyFoldM1 = urgencySplits.folds.map((split, k) => regressionScores(pick(urgency.targets, split.test), m1UrgencyFolds[k]!.test));
const urgencyFoldM2 = chosenUrgency.folds;
const urgencyDiff = {
  rmse: pairedDiff(urgencyFoldM2.map((f) => f.rmse), urgencyFoldM1.map((f) => f.rmse)),
  mae: pairedDiff(urgencyFoldM2.map((f) => f.mae), urgencyFoldM1.map((f) => f.mae)),
};
const urgencySummary = (scores: Scores[]) => ({
  rmse: roundMs(meanStd(scores.map((s) => s.rmse))),
  mae: roundMs(meanStd(scores.map((s) => s.mae))),
  spearman: roundMs(meanStd(scores.map((s) => s.spearman))),
  perFoldRmse: scores.map((s) => round(s.rmse)),
});
function urgencyBaselines(split: Split) {
  const y = urgency.targets;
  const mean = split.train.reduce((s, i) => s + y[i]!, 0) / split.train.length;
  const byKeyword = [false, true].map((kw) => {
    const ys = split.train.filter((i) => urgency.keywordMatched[i] === kw).map((i) => y[i]!);
    return ys.length ? ys.reduce((s, v) => s + v, 0) / ys.length : mean;
  });
  const truth = pick(y, split.test);
  const predicted = { trainMean: split.test.map(() => mean), keywordMean: split.test.map((i) => byKeyword[urgency.keywordMatched[i] ? 1 : 0]!) };
  return {
    trainMean: regressionScores(truth, predicted.trainMean),
    keywordMean: regressionScores(truth, predicted.keywordMean),
    predicted,
  };
}
const urgencyBaselineFolds = urgencySplits.folds.map(urgencyBaselines);

// Urgency per language, from the pooled out-of-fold predictions of both models.
const urgencyOof = (perFold: ArrayLike<number>[]) => {
  const out = new Float64Array(n);
  urgencySplits.folds.forEach((split, k) => split.test.forEach((i, r) => (out[i] = perFold[k]![r]!)));
  return out;
};
const urgencyOofM1 = urgencyOof(m1UrgencyFolds.map((f) => f.test));
const urgencyOofM2 = urgencyOof(chosenUrgency.folds.map((f) => f.predicted));
const all_ = data.tickets.map((_, i) => i);
const languageReports = perLanguage(languages, data.labels, oofM1, oofM2, classes);
// The whole per-language urgency table: both models and both baselines, RMSE / MAE /
// Spearman against the target and Spearman against the priority (which the keyword lists do not shape).
const urgencyScoresByLanguage = scoresByLanguage(
  all_,
  languages,
  urgency.targets,
  Float64Array.from(data.tickets, (t) => priorityRank(t.priority)),
  {
    m1: { predicted: urgencyOofM1 },
    m2: { predicted: urgencyOofM2 },
    trainMean: { predicted: urgencyOof(urgencyBaselineFolds.map((b) => b.predicted.trainMean)), constant: true },
    keywordMean: { predicted: urgencyOof(urgencyBaselineFolds.map((b) => b.predicted.keywordMean)) },
  },
);
const urgencyByLanguage = Object.fromEntries(
  Object.keys(languageReports).map((lang) => {
    const idx = languages.flatMap((l, i) => (l === lang ? [i] : []));
    const truth = pick(urgency.targets, idx);
    return [lang, { rows: idx.length, m1Rmse: round(rmse(truth, pick(urgencyOofM1, idx))), m2Rmse: round(rmse(truth, pick(urgencyOofM2, idx))) }];
  }),
);

// What the token limit costs: M2 reads only the first maxLength tokens, M1 the whole text,
// so the gap between them on the truncated tickets against the rest shows what is lost.
const truncation = (() => {
  const sets = { truncated: all_.filter((i) => tokenCounts[i]! > maxLength), rest: all_.filter((i) => tokenCounts[i]! <= maxLength) };
  const acc = (pred: readonly string[], idx: number[]) => idx.filter((i) => pred[i] === data.labels[i]).length / Math.max(1, idx.length);
  return Object.fromEntries(
    Object.entries(sets).map(([k, idx]) => [
      k,
      {
        rows: idx.length,
        m1Accuracy: round(acc(oofM1, idx)),
        m2Accuracy: round(acc(oofM2, idx)),
        m1UrgencyRmse: round(rmse(pick(urgency.targets, idx), pick(urgencyOofM1, idx))),
        m2UrgencyRmse: round(rmse(pick(urgency.targets, idx), pick(urgencyOofM2, idx))),
      },
    ]),
  );
})();

const serve = {
  category: categoryServe(meanStd(foldReportsM2.map((r) => r.macroF1)).mean, meanStd(foldReportsM1.map((r) => r.macroF1)).mean, categoryDiff.macroF1, CV_FOLDS),
  urgency: urgencyServe(meanStd(urgencyFoldM2.map((f) => f.rmse)).mean, meanStd(urgencyFoldM1.map((f) => f.rmse)).mean, urgencyDiff.rmse, CV_FOLDS),
};
log(`serve category: ${serve.category.reason}`);
log(`serve urgency: ${serve.urgency.reason}`);

// ---------------------------------------------------------------------------
// Final heads on every row

log(`== final heads on all ${n} rows`);
const all = data.tickets.map((_, i) => i);
const rows = embeddings.get(pooling)!.rows;
const categoryStacked = chosenCategory.input === "embedding+m1-margins";
const urgencyStacked = urgencyVariant === "embedding+keyword+m1-urgency";
// Out-of-fold over all rows (5 grouped folds), as inside the CV, for the heads' M1 inputs.
const finalMargins = categoryStacked ? innerOofMargins(m1, data.texts, data.labels, dup.groupOf, m1Classes, CV_FOLDS) : null;
const finalM1Urgency = urgencyStacked
  ? innerOofUrgency(m1, data.texts, urgency.targets, urgency.bands, urgency.keywordMatched, dup.groupOf, all, CV_FOLDS)
  : null;
const finalCategory = fitLogReg(
  all.map((i) => joinRow(rows[i]!, finalMargins ? finalMargins[i]! : null)),
  data.labels,
  { C, classWeight: chosenCategory.classWeight as ClassWeight, classes },
);
if (!finalCategory.converged) throw new Error(`final logistic fit did not converge (${finalCategory.iterations} iterations)`);
const finalUrgency = fitRidgeDense(
  all.map((i) => urgencyRow(rows[i]!, i, urgencyVariant, finalM1Urgency?.get(i))),
  urgency.targets,
  ALPHA,
);
const keyword = urgencyVariant !== "embedding";

// No wall-clock fields: the same encoder and data give byte-identical heads.json.
const artifact: M2HeadsArtifact = {
  format: M2_HEADS_FORMAT,
  encoder: { id: encoderId, name: encoderName, sha256: encoderFile.sha256, pooling, maxLength, dim, vocabSha256 },
  ...(categoryStacked || urgencyStacked ? { m1: { name: m1.artifact.name, sha256: m1.sha256, classes: m1Classes } } : {}),
  category: {
    classes,
    input: chosenCategory.input,
    coef: encodeFloat32(finalCategory.coef),
    intercept: Array.from(finalCategory.intercept),
    C,
    classWeight: chosenCategory.classWeight,
  },
  urgency: {
    input: (urgencyStacked ? "embedding+m1-urgency" : "embedding") satisfies UrgencyInput,
    coef: encodeFloat32(finalUrgency.coef.subarray(0, dim)),
    intercept: finalUrgency.intercept,
    alpha: ALPHA,
    ...(keyword ? { keywordCoef: finalUrgency.coef[dim]! } : {}),
    ...(urgencyStacked ? { m1UrgencyCoef: finalUrgency.coef[dim + 1]! } : {}),
  },
  serve,
  meta: {
    trainer: "npm run train:m2",
    rows: n,
    dataset: { path: data.path, sha256: data.sha256, files: data.files.map((f) => ({ path: f.path, sha256: f.sha256, rows: f.rows })) },
    input: "ticketText(subject, body), WordPiece with the bundled bert-base-uncased vocabulary (src/m2/vocab.ts)",
    ...(standInNote ? { warning: standInNote } : {}),
    urgencyVariant,
    urgencyTarget: "priority × urgency keyword bands (training/urgency-labels.ts)",
    ...(categoryStacked ? { m1Margins: "out-of-fold margins of the shipped M1 configuration (5 grouped folds) at training; isolateM1().model.margins(text) at run time" } : {}),
  },
};

// Scored through the artefact itself (Float32 coefficients, the Worker's loader) on the
// Worker-path vectors of the parity sample, with the shipped M1's outputs as the Worker has them.
const heads = loadM2Heads(artifact, encoderFile.sha256);
const shippedM1 = loadM1(m1.artifact);
const shippedUrgency = loadUrgencyRidge(m1.urgencyArtifact, shippedM1.featureCount);
const exampleRows = parityRows.length ? parityRows : all.slice(0, 6);
const workerVector = (row: number) => parity.find((p) => p.pooling === pooling)?.workerVectors.get(row) ?? rows[row]!;
const examples = exampleRows.map((row) => {
  const text = data.texts[row]!;
  const features = shippedM1.features(text);
  const p = heads.predict(workerVector(row), {
    keywordMatched: urgency.keywordMatched[row]!,
    m1Margins: shippedM1.margins(text),
    m1Urgency: shippedUrgency.predictRow(features, urgency.keywordMatched[row]!),
  });
  return {
    row,
    file: data.files[data.fileOf[row]!]!.path,
    language: languages[row],
    label: data.labels[row],
    keywordMatched: urgency.keywordMatched[row]!,
    category: p.category,
    confidence: round(p.confidence, 6),
    urgency_score: round(p.urgency_score, 6),
  };
});

const roundReport = (r: ClassificationReport) => ({
  ...r,
  accuracy: round(r.accuracy),
  macroF1: round(r.macroF1),
  perClass: Object.fromEntries(
    Object.entries(r.perClass).map(([c, m]) => [c, { precision: round(m.precision), recall: round(m.recall), f1: round(m.f1), support: m.support }]),
  ),
});

const metrics = {
  generatedBy: "npm run train:m2",
  ...(standInNote ? { warning: standInNote } : {}),
  dataset: {
    path: data.path,
    sha256: data.sha256,
    rows: n,
    skipped: data.skipped,
    files: data.files,
    languages: Object.fromEntries([...new Set(languages)].sort().map((l) => [l, languages.filter((x) => x === l).length])),
  },
  classCounts: Object.fromEntries(classes.map((c) => [c, data.labels.filter((l) => l === c).length])),
  encoder: {
    id: encoderId,
    name: encoderName,
    // Outside the repo only the file name says anything to another checkout.
    path: relative(REPO_ROOT, encoderFile.path).startsWith("..") ? basename(encoderFile.path) : relative(REPO_ROOT, encoderFile.path),
    sha256: encoderFile.sha256,
    bytes: encoderFile.bytes.byteLength,
    standIn,
    dim,
    maxLength,
    vocab: { path: relative(REPO_ROOT, vocabPath), sha256: vocabSha256 },
    embedding:
      args.runtime === "node"
        ? {
            runtime: `onnxruntime-node (${NATIVE_RUNTIME}), pooled by src/m2/pooling.ts`,
            parityWithWorker: parity.map((p) => ({
              pooling: p.pooling,
              tickets: p.tickets,
              maxAbsDiff: Number(p.maxAbsDiff.toPrecision(3)),
              minCosine: round(p.minCosine, 8),
              tolerance: p.tolerance,
            })),
          }
        : { runtime: "onnxruntime-web through src/m2/encoder.ts (the Worker's path)" },
  },
  tokens: { ...tokenStats, droppedTokenShare: round(tokenStats.droppedTokenShare) },
  protocols: {
    holdout: {
      description: "seed protocol: one stratified hold-out (on the category for the category head, on the urgency band for the urgency head)",
      testFraction: HOLDOUT_FRACTION,
      seed: HOLDOUT_SEED,
    },
    groupedCv: {
      description:
        "leakage-safe: near-duplicate groups (over all files together) never split; stratified group K-fold " +
        "(category / urgency band); M1 refitted on each training part; mean ± std over folds",
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
      stacking: `M1's inputs for a head's training rows are out-of-fold within them (grouped ${3}-fold, seed 7), for its test rows from M1 fitted on the training part`,
    },
  },
  m1: {
    name: m1.artifact.name,
    sha256: m1.sha256,
    description: m1.config.description,
    note: "the shipped M1 configuration refitted on each training part of these folds (all files), not the committed model.json (trained on the sample alone)",
    urgency: { variant: m1.urgency.keyword ? "text+keyword" : "text", alpha: m1.urgency.alpha },
  },
  category: {
    model: `multinomial logistic regression, C=${C}, L-BFGS (training/logreg.ts); confidence = top softmax probability`,
    selection:
      "tiers: the seed's setting (cls, unweighted, embedding) ships unless a candidate of the next tier (other pooling / class weight, " +
      "then + M1 margins) beats the current choice's fold-paired grouped-CV macro-F1 by more than one standard error; then the highest mean of those",
    shipped: { pooling, classWeight: chosenCategory.classWeight, input: chosenCategory.input },
    selectionSteps: categorySelection.steps,
    results: categoryResults.map((r) => ({
      pooling: r.pooling,
      classWeight: r.classWeight,
      input: r.input,
      holdout: { trainRows: categorySplits.holdout.train.length, testRows: categorySplits.holdout.test.length, logLoss: round(r.holdout.logLoss), report: roundReport(r.holdout.report) },
      groupedCv: {
        folds: r.folds.length,
        accuracy: roundMs(meanStd(r.folds.map((f) => f.report.accuracy))),
        macroF1: roundMs(meanStd(r.folds.map((f) => f.report.macroF1))),
        perClassF1: Object.fromEntries(classes.map((c) => [c, roundMs(meanStd(r.folds.map((f) => f.report.perClass[c]!.f1)))])),
        logLoss: roundMs(meanStd(r.folds.map((f) => f.logLoss))),
        perFoldMacroF1: r.folds.map((f) => round(f.report.macroF1)),
      },
    })),
    majorityBaseline: {
      holdout: { accuracy: round(majorityReport(categorySplits.holdout).accuracy), macroF1: round(majorityReport(categorySplits.holdout).macroF1) },
      groupedCv: { accuracy: roundMs(meanStd(majorityFolds.map((f) => f.accuracy))), macroF1: roundMs(meanStd(majorityFolds.map((f) => f.macroF1))) },
    },
  },
  urgency: {
    model: `ridge regression α=${ALPHA} (unpenalised intercept) on the embedding (+ keyword flag, + M1's out-of-fold urgency score), clamped to [0, 1]`,
    target: { bands: URGENCY_TARGETS, bandOrder: "[keyword absent, keyword present]" },
    selection: "the embedding alone ships unless adding the keyword flag, then M1's score, lowers the fold-paired grouped-CV RMSE by more than one standard error",
    shipped: { pooling, variant: urgencyVariant },
    selectionSteps: urgencySelection.steps,
    results: urgencyResults.map((r) => ({
      pooling,
      variant: r.variant,
      holdout: { rmse: round(r.holdout.rmse), mae: round(r.holdout.mae), spearman: round(r.holdout.spearman) },
      groupedCv: urgencySummary(r.folds),
    })),
    baselines: {
      groupedCv: {
        trainMean: urgencySummary(urgencyBaselineFolds.map((b) => b.trainMean)),
        keywordMean: urgencySummary(urgencyBaselineFolds.map((b) => b.keywordMean)),
      },
    },
    seedReference: SEED_REFERENCE,
  },
  comparison: {
    description: `M1 and the shipped M2 heads on the same ${CV_FOLDS} grouped folds and rows; diff = M2 − M1 per fold, mean ± standard error`,
    note: "M2's figures are those of the candidate selected on these same folds, so they are slightly optimistic",
    category: {
      m1: summaryOf(foldReportsM1, pooledM1),
      m2: summaryOf(foldReportsM2, pooledM2),
      majorityBaseline: { accuracy: roundMs(meanStd(majorityFolds.map((f) => f.accuracy))), macroF1: roundMs(meanStd(majorityFolds.map((f) => f.macroF1))) },
      diff: { accuracy: roundDiff(categoryDiff.accuracy), macroF1: roundDiff(categoryDiff.macroF1) },
    },
    urgency: {
      m1: urgencySummary(urgencyFoldM1),
      m2: urgencySummary(urgencyFoldM2),
      baselines: {
        trainMean: urgencySummary(urgencyBaselineFolds.map((b) => b.trainMean)),
        keywordMean: urgencySummary(urgencyBaselineFolds.map((b) => b.keywordMean)),
      },
      diff: { rmse: roundDiff(urgencyDiff.rmse), mae: roundDiff(urgencyDiff.mae) },
    },
    perLanguage: Object.fromEntries(
      Object.entries(languageReports).map(([lang, r]) => [
        lang,
        {
          rows: r.rows,
          classesPresent: r.classesPresent,
          support: r.support,
          m1: { accuracy: round(r.m1.accuracy), macroF1: round(r.m1.macroF1), perClassF1: Object.fromEntries(Object.entries(r.m1.perClassF1).map(([c, v]) => [c, round(v)])) },
          m2: { accuracy: round(r.m2.accuracy), macroF1: round(r.m2.macroF1), perClassF1: Object.fromEntries(Object.entries(r.m2.perClassF1).map(([c, v]) => [c, round(v)])) },
          urgencyRmse: { m1: urgencyByLanguage[lang]!.m1Rmse, m2: urgencyByLanguage[lang]!.m2Rmse },
        },
      ]),
    ),
    perLanguageNote: "pooled out-of-fold predictions by ticket language; macro-F1 over the classes present in that language",
    urgencyByLanguage: JSON.parse(JSON.stringify(urgencyScoresByLanguage, (_, v) => (typeof v === "number" && !Number.isInteger(v) ? round(v) : v))),
    urgencyByLanguageNote:
      "pooled out-of-fold urgency predictions by ticket language (all rows first): M1's ridge and M2's head, the training mean " +
      "(constant: no Spearman) and the per-keyword mean; spearmanPriority ranks against priority low < medium < high",
    truncation,
    truncationNote: `pooled out-of-fold predictions on the tickets longer than ${maxLength} tokens (M2 reads only their first ${maxLength}, M1 all of them) and on the rest`,
  },
  serve,
  final: {
    rows: n,
    lbfgsIterations: finalCategory.iterations,
    trainLoss: round(finalCategory.trainLoss, 6),
    urgencyIntercept: round(finalUrgency.intercept, 6),
    keywordCoef: keyword ? round(finalUrgency.coef[dim]!, 6) : null,
    m1UrgencyCoef: urgencyStacked ? round(finalUrgency.coef[dim + 1]!, 6) : null,
  },
  examples,
  examplesNote:
    "dataset rows (numbers only) with the shipped heads' output on the Worker's own vectors (ORT-web, one ticket at a time) and the committed M1's margins and urgency score; npm run eval:m2 recomputes them",
};

const outDir = resolve(REPO_ROOT, args.out!);
await mkdir(outDir, { recursive: true });
await writeFile(resolve(outDir, "heads.json"), JSON.stringify(artifact) + "\n");
await writeFile(resolve(outDir, "metrics.json"), stableMetricsJson(metrics));
log(`wrote ${relative(REPO_ROOT, outDir)}/heads.json and metrics.json in ${secondsSince(started).toFixed(0)} s`);
