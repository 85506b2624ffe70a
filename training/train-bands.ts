/**
 * `npm run train:bands`: the confidence bands' thresholds from the grouped-CV
 * coverage/accuracy curve. The shipped M1 configuration (models/m1/metrics.json's
 * `shipped.config`) is refitted on each fold's training part and scores the held-out part
 * through the Worker's own code (src/m1/model.ts, Float32 artefact) with the shipped
 * temperature, so every out-of-fold confidence is the calibrated one the Worker would report;
 * the same fold models also score through decideCategory (M1 + the shipped rules), and the
 * thresholds shipped are those of the decision the Worker routes by (--decision).
 * Writes models/m1/routing.json and the `routing` key of models/m1/metrics.json (the rest of
 * that file is train:m1's and is left as it is). Rerun after every train:m1.
 *
 * Options: --data <csv> (repeatable; default ../shared/dataset/tickets-sample.csv and
 *          tickets-extra.csv), --target 0.93, --min-auto 20, --out <dir> (default models/m1),
 *          --decision model+rules | model (whose confidences the shipped thresholds are for;
 *          default model+rules, what the Worker routes by; both are measured and reported).
 * Progress goes to stderr; the chosen thresholds and a few curve rows to stdout.
 */
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { EXTRA_DATASET_PATH, exitIfDatasetMissing, REPO_ROOT, SAMPLE_DATASET_PATH } from "../dataset/load.ts";
import { loadM1, type M1Artifact, type M1Model } from "../src/m1/model.ts";
import { decideCategory } from "../src/routing/decide.ts";
import { ROUTING_FORMAT, parseThresholds, type RoutingThresholds } from "../src/routing/bands.ts";
import { buildArtifact } from "./artifact.ts";
import {
  chooseCategoryThresholds,
  chooseThreshold,
  coverageCurve,
  outOfFoldPredictions,
  summarize,
  thresholdGrid,
  type BandSummary,
  type CurveRow,
  type FoldPredictorFactory,
  type OofPrediction,
} from "./bands.ts";
import { loadTrainingFiles } from "./data.ts";
import { trainM1, type M1TrainConfig } from "./m1-pipeline.ts";
import { DEFAULT_NEAR_DUPLICATE_OPTIONS, groupNearDuplicates } from "./near-duplicates.ts";
import { CV_FOLDS, CV_SEED } from "./protocol.ts";
import { stratifiedGroupKFold } from "./split.ts";
import { stableMetricsJson } from "./stable-json.ts";

const { values: args } = parseArgs({
  options: {
    data: { type: "string", multiple: true },
    target: { type: "string", default: "0.93" },
    "min-auto": { type: "string", default: "20" },
    decision: { type: "string", default: "model+rules" },
    out: { type: "string", default: "models/m1" },
  },
});
const target = Number(args.target);
const minAuto = Number(args["min-auto"]);
if (!(target > 0 && target <= 1) || !Number.isInteger(minAuto) || minAuto < 1) {
  process.stderr.write("usage: train-bands.ts [--data FILE]... [--target 0..1] [--min-auto N≥1] [--out DIR] [--decision model+rules|model]\n");
  process.exit(2);
}
const log = (m: string) => process.stderr.write(`${m}\n`);
const started = performance.now();
const outDir = resolve(REPO_ROOT, args.out!);

// The shipped model: its configuration (as train:m1 recorded it) and its temperature.
const modelBytes = await readFile(resolve(outDir, "model.json"));
const shippedArtifact = JSON.parse(modelBytes.toString("utf8")) as M1Artifact;
const metricsPath = resolve(outDir, "metrics.json");
const metrics = JSON.parse(await readFile(metricsPath, "utf8")) as Record<string, unknown> & {
  shipped: { name: string; config: Omit<M1TrainConfig, "name" | "description"> };
};
if (metrics.shipped.name !== shippedArtifact.name) {
  throw new Error(`metrics.json ships "${metrics.shipped.name}" but model.json is "${shippedArtifact.name}": rerun npm run train:m1`);
}
const config: M1TrainConfig = { name: shippedArtifact.name, description: String(shippedArtifact.meta.description ?? ""), ...metrics.shipped.config };
const temperature = shippedArtifact.temperature;
const m1 = { name: shippedArtifact.name, sha256: createHash("sha256").update(modelBytes).digest("hex"), temperature };
// decideCategory reads the bundled rules file; the model+rules figures hold for this one.
const RULES_PATH = "models/rules/default.json";
const rules = { path: RULES_PATH, sha256: createHash("sha256").update(await readFile(resolve(REPO_ROOT, RULES_PATH))).digest("hex") };

const data = await loadTrainingFiles(args.data ?? [SAMPLE_DATASET_PATH, EXTRA_DATASET_PATH]).catch(exitIfDatasetMissing);
const classes = [...new Set(data.labels)].sort();
log(`${data.tickets.length} tickets from ${data.path}; M1 "${m1.name}", T = ${temperature.toFixed(4)}`);
const dup = groupNearDuplicates(data.tickets.map((t) => t.body));
const folds = stratifiedGroupKFold(data.labels, dup.groupOf, CV_FOLDS, CV_SEED);

const pick = <T>(xs: ArrayLike<T>, idx: readonly number[]) => idx.map((i) => xs[i]!);

/**
 * The decisions the bands can sit on, each a predictor built on one fold's M1: M1 alone, and
 * M1 combined with the shipped rules (src/routing/decide.ts, what the Worker routes by). Each
 * fold's M1 is fitted once and shared by both (keyed by the fold's training array).
 */
const fitted = new Map<readonly number[], M1Model>();
const m1For = (train: readonly number[]) => {
  let model = fitted.get(train);
  if (!model) {
    const trained = trainM1(pick(data.texts, train), pick(data.labels, train), Int32Array.from(pick(dup.groupOf, train)), config);
    fitted.set(train, (model = loadM1(buildArtifact(trained, temperature, {}))));
  }
  return model;
};
const DECISIONS: Record<string, { description: string; factory: FoldPredictorFactory }> = {
  model: { description: "M1 alone", factory: (train) => { const m = m1For(train); return (s, b) => m.predict(s, b); } },
  "model+rules": {
    description: "M1 combined with the shipped rules (decideCategory, src/routing/decide.ts; models/rules/default.json as committed)",
    factory: (train) => { const m = m1For(train); return (s, b) => decideCategory(s, b, m.predict(s, b)); },
  },
};
const shippedDecision = args.decision!;
if (!Object.hasOwn(DECISIONS, shippedDecision)) {
  process.stderr.write(`--decision must be one of ${Object.keys(DECISIONS).join(", ")}\n`);
  process.exit(2);
}

const grid = thresholdGrid(classes.length);
const policyOf = (t: RoutingThresholds) => (c: string) => (Object.hasOwn(t.per_category, c) ? t.per_category[c]! : t.default);

function analyse(preds: readonly OofPrediction[]) {
  const curve = coverageCurve(preds, classes, grid);
  const chosenDefault = chooseThreshold(curve, target, minAuto);
  const perCategory = chooseCategoryThresholds(curve, classes, target, minAuto);
  // Only categories whose own threshold differs from the default need an entry.
  const thresholds: RoutingThresholds = {
    default: chosenDefault.threshold,
    per_category: Object.fromEntries(Object.entries(perCategory).flatMap(([c, ch]) => (ch.threshold === chosenDefault.threshold ? [] : [[c, ch.threshold]]))),
  };
  const valid = parseThresholds(thresholds, classes);
  if (!valid.ok) throw new Error(valid.error);
  /** What other targets would cost in coverage, so a stricter one can be weighed from the same run. */
  const alternatives = [...new Set([target, 0.95, 0.97, 0.99])].sort((a, b) => a - b).map((t) => {
    const ch = chooseThreshold(curve, t, minAuto);
    const s = summarize(preds, classes, () => ch.threshold);
    return { target: t, threshold: ch.threshold, reached: ch.reached, share: s.share, accuracy: s.accuracy, macroF1: s.macroF1, foldAccuracy: s.folds.accuracy };
  });
  return {
    chosen: { thresholds, default: chosenDefault, perCategory },
    baseline: { description: "no review: every ticket auto-routed", ...summarize(preds, classes, () => 0) },
    policies: { defaultOnly: summarize(preds, classes, () => chosenDefault.threshold), shipped: summarize(preds, classes, policyOf(thresholds)) },
    alternatives,
    curve,
  };
}

const analyses = Object.fromEntries(
  Object.entries(DECISIONS).map(([name, d]) => {
    log(`== ${name}: ${d.description}`);
    return [name, analyse(outOfFoldPredictions(data.tickets, data.labels, folds, d.factory, log))];
  }),
);
const main = analyses[shippedDecision]!;
const { thresholds } = main.chosen;

const round = (x: unknown): unknown => {
  if (typeof x === "number") return Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : null;
  if (Array.isArray(x)) return x.map(round);
  if (x && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, round(v)]));
  return x;
};
/** Curve rows without what every row repeats (tickets per routed category) or spells out per fold. */
const compactRow = (r: CurveRow) => ({
  threshold: r.threshold,
  auto: r.auto,
  share: r.share,
  accuracy: r.accuracy,
  macroF1: r.macroF1,
  recall: r.recall,
  perCategory: Object.fromEntries(Object.entries(r.perCategory).map(([c, b]) => [c, { auto: b.auto, share: b.share, precision: b.precision }])),
  folds: { share: r.folds.share, accuracy: r.folds.accuracy },
});
const forMetrics = (a: ReturnType<typeof analyse>) => ({ ...a, curve: a.curve.map(compactRow) });

const howChosen =
  `default: the lowest threshold t (grid ${grid[1]}–0.99, step 0.01) at which the tickets with confidence ≥ t have pooled out-of-fold accuracy ≥ ${target} ` +
  `over at least ${minAuto} tickets; per category (the category the ticket is routed to): the lowest t at which the auto-routed tickets of that category have ` +
  `precision ≥ ${target} over at least ${minAuto} tickets, listed only where it differs from the default; 1 (everything to review) where no t reaches the target`;
const protocol = `stratified group ${CV_FOLDS}-fold CV (seed ${CV_SEED}), near-duplicate groups (word-bigram Jaccard ≥ ${DEFAULT_NEAR_DUPLICATE_OPTIONS.threshold}) never split; the shipped M1 configuration refitted on each training part, confidences at the shipped temperature`;

const routing = {
  generatedBy: "npm run train:bands",
  decision: shippedDecision,
  decisionDescription: DECISIONS[shippedDecision]!.description,
  dataset: { path: data.path, sha256: data.sha256, rows: data.tickets.length },
  protocol,
  m1,
  rules,
  target,
  minAuto,
  howChosen,
  ...forMetrics(main),
  otherDecisions: Object.fromEntries(Object.entries(analyses).filter(([n]) => n !== shippedDecision).map(([n, a]) => [n, { description: DECISIONS[n]!.description, ...forMetrics(a) }])),
};
metrics.routing = round(routing);
await writeFile(metricsPath, stableMetricsJson(metrics));

const summaryOf = (s: BandSummary) => ({ auto_share: s.share, accuracy: s.accuracy, macro_f1: s.macroF1, fold_accuracy: s.folds.accuracy, fold_share: s.folds.share });
const artifact = {
  format: ROUTING_FORMAT,
  generatedBy: "npm run train:bands",
  thresholds,
  how_chosen: howChosen,
  target,
  target_reached: { default: main.chosen.default.reached, per_category: Object.fromEntries(Object.entries(main.chosen.perCategory).map(([c, ch]) => [c, ch.reached])) },
  decision: shippedDecision,
  decision_description: DECISIONS[shippedDecision]!.description,
  protocol,
  m1,
  ...(shippedDecision === "model+rules" ? { rules } : {}),
  dataset: { path: data.path, sha256: data.sha256, rows: data.tickets.length },
  measured: { shipped: summaryOf(main.policies.shipped), default_only: summaryOf(main.policies.defaultOnly), no_review: summaryOf(main.baseline) },
};
await writeFile(resolve(outDir, "routing.json"), stableMetricsJson(round(artifact)));
log(`wrote ${args.out}/routing.json and the routing key of metrics.json in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const worstFold = (s: BandSummary) => Math.min(...s.folds.perFold.flatMap((p) => (p.accuracy === null ? [] : [p.accuracy])));
const f = (x: number | null, d = 3) => (x === null || !Number.isFinite(x) ? "—" : x.toFixed(d));
const lines = [`target accuracy ${target}; ${data.tickets.length} tickets, out-of-fold; thresholds shipped for "${shippedDecision}": ${JSON.stringify(thresholds)}`];
for (const [name, a] of Object.entries(analyses)) {
  const d = a.chosen.default;
  lines.push(
    "",
    `## ${name}: ${DECISIONS[name]!.description}`,
    `thresholds: ${JSON.stringify(a.chosen.thresholds)} (default ${d.reached ? "reaches" : "does NOT reach"} the target)`,
    "",
    `| policy | auto share | accuracy (auto) | macro-F1 (auto) | fold accuracy | ${classes.map((c) => `${c} auto share / precision`).join(" | ")} |`,
    `| --- | --- | --- | --- | --- | ${classes.map(() => "---").join(" | ")} |`,
    ...(
      [
        ["no review (baseline)", a.baseline],
        [`default t = ${d.threshold}`, a.policies.defaultOnly],
        ["default + per category", a.policies.shipped],
      ] as const
    ).map(
      ([label, s]) =>
        `| ${label} | ${f(s.share)} | ${f(s.accuracy)} | ${f(s.macroF1)} | ${f(s.folds.accuracy.mean)} ± ${f(s.folds.accuracy.std)} (worst ${f(worstFold(s))}) | ` +
        classes.map((c) => `${f(s.perCategory[c]!.share)} / ${f(s.perCategory[c]!.precision)}`).join(" | ") +
        " |",
    ),
    "",
    "| target accuracy | default t | auto share | accuracy (auto) | macro-F1 (auto) | fold accuracy |",
    "| --- | --- | --- | --- | --- | --- |",
    ...a.alternatives.map((x) => `| ${x.target} | ${x.reached ? x.threshold.toFixed(2) : "1 (not reached)"} | ${f(x.share)} | ${f(x.accuracy)} | ${f(x.macroF1)} | ${f(x.foldAccuracy.mean)} ± ${f(x.foldAccuracy.std)} |`),
    "",
    `| t | auto share | accuracy (auto) | macro-F1 (auto) | fold accuracy | ${classes.map((c) => `${c} recall (auto)`).join(" | ")} |`,
    `| --- | --- | --- | --- | --- | ${classes.map(() => "---").join(" | ")} |`,
    ...a.curve
      .filter((r) => r.threshold === 0 || Math.round(r.threshold * 100) % 5 === 0)
      .map((r) => `| ${r.threshold.toFixed(2)} | ${f(r.share)} | ${f(r.accuracy)} | ${f(r.macroF1)} | ${f(r.folds.accuracy.mean)} ± ${f(r.folds.accuracy.std)} | ${classes.map((c) => f(r.recall[c]!)).join(" | ")} |`),
  );
}
process.stdout.write(lines.join("\n") + "\n");
