/**
 * npm run train:rules — the rules (models/rules/default.json) evaluated like the model, and
 * their two combination constants chosen, on the near-duplicate-grouped stratified 5-fold CV
 * of train:m2 (sample + extra by default, groups over both files together):
 *  - per fold, the shipped M1 configuration refitted on the training part (m1-reference.ts);
 *    its temperature fitted on the training part's inner out-of-fold margins, as train:m1 does;
 *  - the constants (boost, maxEvidence) chosen per fold on those inner out-of-fold predictions
 *    (nested: the test part never picks them), then scored on the test part;
 *  - model alone vs model + rules vs rules alone (where they point to one category), per class,
 *    per language, per fold, and per rule: how often it fired, how often its category was the
 *    label, and how often it changed a decision for the better or the worse.
 * The shipped constants are the grid point that is best on every row's out-of-fold
 * predictions; they are written into the rules file's `combine` block. Also prints and records
 * the hand-written routing check (test/fixtures/routing-check.json) with the shipped M1.
 *
 * Options: --data CSV (repeatable; default ../shared/dataset/tickets-sample.csv + tickets-extra.csv),
 * --rules FILE (default models/rules/default.json), --out DIR (default models/rules), --no-write.
 */
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import artifact from "../models/m1/model.json" with { type: "json" };
import { EXTRA_DATASET_PATH, exitIfDatasetMissing, REPO_ROOT, SAMPLE_DATASET_PATH } from "../dataset/load.ts";
import { loadM1, type M1Artifact, type M1Prediction } from "../src/m1/model.ts";
import type { Category } from "../src/ml/categories.ts";
import { argmax, softmax } from "../src/ml/linear.ts";
import { compileRules, matchRules, type CompiledRules, type RuleHit } from "../src/rules/match.ts";
import { parseRulesFile, type Combine } from "../src/rules/schema.ts";
import { combine, evidenceOf } from "../src/routing/decide.ts";
import { fitTemperature } from "./calibration.ts";
import { loadTrainingFiles } from "./data.ts";
import { classificationReport, meanStd, type ClassificationReport } from "./metrics.ts";
import { loadM1Reference, m1CategoryOutputs } from "./m1-reference.ts";
import { pairedDiff, perLanguage } from "./m2-compare.ts";
import { groupNearDuplicates } from "./near-duplicates.ts";
import { CV_FOLDS, CV_SEED } from "./protocol.ts";
import { stratifiedGroupKFold } from "./split.ts";
import { stableMetricsJson } from "./stable-json.ts";

const { values: args } = parseArgs({
  options: {
    data: { type: "string", multiple: true },
    rules: { type: "string", default: "models/rules/default.json" },
    out: { type: "string", default: "models/rules" },
    "no-write": { type: "boolean", default: false },
  },
});
const log = (m: string) => process.stderr.write(`${m}\n`);
const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;
const pick = <T>(xs: ArrayLike<T>, idx: readonly number[]) => idx.map((i) => xs[i]!);

/** The grid the constants are chosen from; boost 0 is the model alone. */
const BOOSTS = [0, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 6, 8];
const MAX_EVIDENCE = [1, 2, 3];

const started = performance.now();
const rulesPath = resolve(REPO_ROOT, args.rules);
const rulesText = await readFile(rulesPath, "utf8");
const rulesFile = parseRulesFile(JSON.parse(rulesText), relative(REPO_ROOT, rulesPath));
const rules = compileRules(rulesFile);
const data = await loadTrainingFiles(args.data ?? [SAMPLE_DATASET_PATH, EXTRA_DATASET_PATH]).catch(exitIfDatasetMissing);
const classes = [...new Set(data.labels)].sort();
const languages = data.tickets.map((t) => t.language.toLowerCase() || "unknown");
const n = data.tickets.length;
log(`${n} tickets from ${data.path}; ${rulesFile.rules.length} rules from ${relative(REPO_ROOT, rulesPath)}`);

const hits: RuleHit[][] = data.tickets.map((t) => matchRules(rules, t.subject, t.body).filter((h) => classes.includes(h.category)));

const dup = groupNearDuplicates(data.tickets.map((t) => t.body));
const folds = stratifiedGroupKFold(data.labels, dup.groupOf, CV_FOLDS, CV_SEED);
log(`near-duplicates: ${dup.multiGroups} groups holding ${dup.ticketsInMultiGroups} tickets; ${CV_FOLDS} grouped folds`);

function prediction(margins: Float64Array, order: readonly string[], temperature: number): M1Prediction {
  const probs = softmax(margins, temperature);
  const best = argmax(margins);
  const scores = Object.fromEntries(order.map((c, i) => [c, probs[i]!])) as Record<Category, number>;
  return { category: order[best]! as Category, confidence: probs[best]!, scores };
}

const gridPoints: Combine[] = BOOSTS.flatMap((boost) => (boost === 0 ? [{ boost, maxEvidence: 1 }] : MAX_EVIDENCE.map((maxEvidence) => ({ boost, maxEvidence }))));
const macroF1Of = (truth: readonly string[], preds: readonly M1Prediction[], rows: readonly RuleHit[][], c: Combine) =>
  classificationReport(truth, preds.map((p, i) => combine(p, rows[i]!, c).category), classes).macroF1;

/** The grid point with the best macro-F1; ties to the smaller boost, then the smaller maxEvidence (the simpler rule). */
function choose(truth: readonly string[], preds: readonly M1Prediction[], rows: readonly RuleHit[][]) {
  let best = gridPoints[0]!;
  let bestF1 = -1;
  const table = gridPoints.map((c) => {
    const f1 = macroF1Of(truth, preds, rows, c);
    if (f1 > bestF1 + 1e-12) [best, bestF1] = [c, f1];
    return { ...c, macroF1: round(f1) };
  });
  return { best, macroF1: bestF1, table };
}

// ---------------------------------------------------------------------------
// Grouped CV: M1 refitted per fold, constants chosen on the training part's inner OOF predictions.

const ref = await loadM1Reference();
const oofModel: M1Prediction[] = new Array(n);
const oofCombined: ReturnType<typeof combine>[] = new Array(n);
const perFold: { fold: number; rows: number; temperature: number; chosen: Combine; model: { accuracy: number; macroF1: number }; modelRules: { accuracy: number; macroF1: number } }[] = [];
for (const [f, fold] of folds.entries()) {
  const t0 = performance.now();
  const out = m1CategoryOutputs(ref, data.texts, data.labels, dup.groupOf, fold.train, fold.test);
  const trainLabels = pick(data.labels, fold.train);
  const temperature = fitTemperature(out.trainOof, trainLabels, out.classes);
  const innerPreds = out.trainOof.map((m) => prediction(m, out.classes, temperature));
  const { best } = choose(trainLabels, innerPreds, pick(hits, fold.train));
  const testPreds = out.test.margins.map((m) => prediction(m, out.classes, temperature));
  const testTruth = pick(data.labels, fold.test);
  const combined = testPreds.map((p, r) => combine(p, hits[fold.test[r]!]!, best));
  fold.test.forEach((i, r) => {
    oofModel[i] = testPreds[r]!;
    oofCombined[i] = combined[r]!;
  });
  const model = classificationReport(testTruth, testPreds.map((p) => p.category), classes);
  const withRules = classificationReport(testTruth, combined.map((d) => d.category), classes);
  perFold.push({
    fold: f,
    rows: fold.test.length,
    temperature: round(temperature),
    chosen: best,
    model: { accuracy: round(model.accuracy), macroF1: round(model.macroF1) },
    modelRules: { accuracy: round(withRules.accuracy), macroF1: round(withRules.macroF1) },
  });
  log(
    `fold ${f + 1}/${CV_FOLDS}: T ${temperature.toFixed(3)}, boost ${best.boost} × ≤${best.maxEvidence}; macro-F1 ${model.macroF1.toFixed(3)} → ${withRules.macroF1.toFixed(3)} ` +
      `(${((performance.now() - t0) / 1000).toFixed(0)} s)`,
  );
}

// Shipped constants: best on every row's out-of-fold model predictions.
const shipped = choose(data.labels, oofModel, hits);
log(`shipped constants: boost ${shipped.best.boost}, maxEvidence ${shipped.best.maxEvidence} (OOF macro-F1 ${shipped.macroF1.toFixed(3)})`);

// ---------------------------------------------------------------------------
// Reports

const truth = data.labels;
const modelPred = oofModel.map((p) => p.category as string);
const combinedPred = oofCombined.map((d) => d.category as string);
const reportOf = (r: ClassificationReport) => ({
  rows: r.rows,
  accuracy: round(r.accuracy),
  macroF1: round(r.macroF1),
  perClass: Object.fromEntries(
    Object.entries(r.perClass).map(([c, m]) => [c, { precision: round(m.precision), recall: round(m.recall), f1: round(m.f1), support: m.support }]),
  ),
  confusion: r.confusion,
});
const modelReport = classificationReport(truth, modelPred, classes);
const combinedReport = classificationReport(truth, combinedPred, classes);

/** The category the rules alone point to: the one with most evidence, when unique. */
function rulesAlone(rowHits: readonly RuleHit[]): string | null {
  const ev = [...evidenceOf(rowHits)];
  if (ev.length === 0) return null;
  const top = Math.max(...ev.map(([, v]) => v));
  const leaders = ev.filter(([, v]) => v === top);
  return leaders.length === 1 ? leaders[0]![0] : null;
}
const ruleOnly = hits.map(rulesAlone);
const fired = ruleOnly.flatMap((c, i) => (c === null ? [] : [i]));
const rulesAloneReport = classificationReport(pick(truth, fired), fired.map((i) => ruleOnly[i]!), classes);

const foldMacro = (key: "model" | "modelRules") => perFold.map((f) => f[key].macroF1);
const foldAcc = (key: "model" | "modelRules") => perFold.map((f) => f[key].accuracy);
const diffMacro = pairedDiff(foldMacro("modelRules"), foldMacro("model"));
const diffAcc = pairedDiff(foldAcc("modelRules"), foldAcc("model"));

const languageReports = perLanguage(languages, truth, modelPred, combinedPred, classes);

const perRule = rulesFile.rules.map((rule) => {
  const rows = hits.flatMap((h, i) => (h.some((x) => x.id === rule.id) ? [i] : []));
  const right = rows.filter((i) => truth[i] === rule.category).length;
  const changed = rows.filter((i) => oofCombined[i]!.category !== oofModel[i]!.category);
  const helped = changed.filter((i) => oofCombined[i]!.category === truth[i]).length;
  const hurt = changed.filter((i) => oofModel[i]!.category === truth[i]).length;
  return {
    id: rule.id,
    category: rule.category,
    fired: rows.length,
    labelAgrees: right,
    precision: rows.length ? round(right / rows.length) : null,
    changedDecision: changed.length,
    helped,
    hurt,
    net: helped - hurt,
  };
});

// ---------------------------------------------------------------------------
// The routing check: the shipped M1 (models/m1/model.json) with these rules and the shipped constants.

type CheckTicket = { language: string; category: string; subject: string; body: string };
const checkPath = resolve(REPO_ROOT, "test/fixtures/routing-check.json");
const check = JSON.parse(await readFile(checkPath, "utf8")) as { tickets: CheckTicket[] };
const shippedRules: CompiledRules = { ...rules, file: { ...rulesFile, combine: shipped.best } };
const m1 = loadM1(artifact as M1Artifact);
const checkRows = check.tickets.map((t) => {
  const p = m1.predict(t.subject, t.body);
  const d = combine(p, matchRules(shippedRules, t.subject, t.body).filter((h) => classes.includes(h.category)), shipped.best);
  return { t, model: p.category as string, combined: d.category as string, detail: d.reason.detail };
});
const checkTruth = checkRows.map((r) => r.t.category);
const checkModel = classificationReport(checkTruth, checkRows.map((r) => r.model), classes);
const checkCombined = classificationReport(checkTruth, checkRows.map((r) => r.combined), classes);
const checkMisses = checkRows.filter((r) => r.combined !== r.t.category).map((r) => ({ language: r.t.language, category: r.t.category, got: r.combined, subject: r.t.subject, detail: r.detail }));

const metrics = {
  description:
    "Rules beside M1 (models/rules/default.json), near-duplicate-grouped stratified 5-fold CV; M1 = the shipped configuration refitted per fold, " +
    "its temperature fitted on the training part's inner out-of-fold margins; the combination constants chosen per fold on those inner " +
    "predictions (nested), so every figure below is out-of-fold. The rules themselves were written with the whole data in view.",
  data: { path: data.path, sha256: data.sha256, rows: n, files: data.files.map((f) => ({ path: f.path, rows: f.rows, sha256: f.sha256 })) },
  m1: { name: ref.artifact.name, sha256: ref.sha256 },
  rules: { path: relative(REPO_ROOT, rulesPath), count: rulesFile.rules.length },
  nearDuplicates: { groups: dup.nGroups, multiGroups: dup.multiGroups, ticketsInMultiGroups: dup.ticketsInMultiGroups },
  grid: { boost: BOOSTS, maxEvidence: MAX_EVIDENCE, criterion: "macro-F1; ties to the smaller boost, then the smaller maxEvidence" },
  shipped: { combine: shipped.best, oofMacroF1: round(shipped.macroF1), table: shipped.table },
  folds: perFold,
  summary: {
    model: { accuracy: meanStdR(foldAcc("model")), macroF1: meanStdR(foldMacro("model")) },
    modelRules: { accuracy: meanStdR(foldAcc("modelRules")), macroF1: meanStdR(foldMacro("modelRules")) },
    pairedDiff: {
      macroF1: { mean: round(diffMacro.mean), standardError: round(diffMacro.standardError) },
      accuracy: { mean: round(diffAcc.mean), standardError: round(diffAcc.standardError) },
    },
  },
  pooled: {
    model: reportOf(modelReport),
    modelRules: reportOf(combinedReport),
    rulesAlone: { coverage: round(fired.length / n), ...reportOf(rulesAloneReport) },
    decidedByRule: oofCombined.filter((d) => d.reason.decided_by === "rule").length,
  },
  perLanguage: Object.fromEntries(
    Object.entries(languageReports).map(([lang, r]) => [
      lang,
      {
        rows: r.rows,
        support: r.support,
        model: { accuracy: round(r.m1.accuracy), macroF1: round(r.m1.macroF1), perClassF1: roundAll(r.m1.perClassF1) },
        modelRules: { accuracy: round(r.m2.accuracy), macroF1: round(r.m2.macroF1), perClassF1: roundAll(r.m2.perClassF1) },
      },
    ]),
  ),
  perLanguageNote: "pooled out-of-fold predictions by ticket language; macro-F1 over the classes present in that language",
  perRule,
  perRuleNote:
    "fired: tickets it matched; labelAgrees: of those, labelled with its category; changedDecision: matched tickets whose category the rules changed (nested CV), " +
    "helped: changed from wrong to right, hurt: from right to wrong (a change is shared by every rule that matched the ticket)",
  check: {
    path: relative(REPO_ROOT, checkPath),
    tickets: check.tickets.length,
    model: reportOf(checkModel),
    modelRules: reportOf(checkCombined),
    misses: checkMisses,
  },
  seconds: (performance.now() - started) / 1000,
};

function meanStdR(xs: number[]) {
  const m = meanStd(xs);
  return { mean: round(m.mean), std: round(m.std) };
}
function roundAll(r: Record<string, number>) {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v)]));
}

if (!args["no-write"]) {
  const outDir = resolve(REPO_ROOT, args.out);
  await mkdir(outDir, { recursive: true });
  await writeFile(resolve(outDir, "metrics.json"), stableMetricsJson(metrics));
  const updated = JSON.stringify({ ...JSON.parse(rulesText), combine: shipped.best }, null, 2) + "\n";
  if (updated !== rulesText) {
    await writeFile(rulesPath, updated);
    log(`wrote combine ${JSON.stringify(shipped.best)} into ${relative(REPO_ROOT, rulesPath)}`);
  }
  log(`wrote ${relative(REPO_ROOT, resolve(outDir, "metrics.json"))}`);
}

// ---------------------------------------------------------------------------
// The table on stdout

const f3 = (x: number) => x.toFixed(3);
const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
const out: string[] = [];
out.push(`Grouped 5-fold CV, ${n} tickets (${data.path}); constants nested per fold; shipped boost ${shipped.best.boost}, maxEvidence ${shipped.best.maxEvidence}`);
out.push("");
out.push(line(["protocol", "accuracy", "macro-F1", ...classes.map((c) => `${c} P / R / F1`)]));
out.push(line(["---", "---", "---", ...classes.map(() => "---")]));
const row = (name: string, r: ClassificationReport, extra = "") =>
  line([name + extra, f3(r.accuracy), f3(r.macroF1), ...classes.map((c) => `${f3(r.perClass[c]!.precision)} / ${f3(r.perClass[c]!.recall)} / ${f3(r.perClass[c]!.f1)}`)]);
out.push(row("M1 alone, grouped CV", modelReport));
out.push(row("M1 + rules, grouped CV", combinedReport));
out.push(row(`rules alone where they fire (${fired.length} tickets, ${(100 * fired.length / n).toFixed(1)} %)`, rulesAloneReport));
out.push(row(`routing check, M1 alone (${check.tickets.length} tickets)`, checkModel));
out.push(row(`routing check, M1 + rules (${check.tickets.length} tickets)`, checkCombined));
out.push("");
out.push(
  `per fold macro-F1: M1 ${f3(metrics.summary.model.macroF1.mean)} ± ${f3(metrics.summary.model.macroF1.std)}, ` +
    `M1 + rules ${f3(metrics.summary.modelRules.macroF1.mean)} ± ${f3(metrics.summary.modelRules.macroF1.std)}, ` +
    `paired diff ${f3(diffMacro.mean)} ± ${f3(diffMacro.standardError)} SE; rules changed ${metrics.pooled.decidedByRule} decisions`,
);
out.push("");
out.push(line(["language", "rows", "M1 acc", "M1 macro-F1", "+rules acc", "+rules macro-F1"]));
out.push(line(["---", "---", "---", "---", "---", "---"]));
for (const [lang, r] of Object.entries(languageReports)) out.push(line([lang, r.rows, f3(r.m1.accuracy), f3(r.m1.macroF1), f3(r.m2.accuracy), f3(r.m2.macroF1)]));
out.push("");
out.push(line(["rule", "fired", "label agrees", "changed", "helped", "hurt"]));
out.push(line(["---", "---", "---", "---", "---", "---"]));
for (const r of perRule.filter((r) => r.fired > 0)) out.push(line([r.id, r.fired, r.precision === null ? "—" : f3(r.precision), r.changedDecision, r.helped, r.hurt]));
out.push(`rules that never fired on the data: ${perRule.filter((r) => r.fired === 0).map((r) => r.id).join(", ") || "none"}`);
if (checkMisses.length) {
  out.push("");
  out.push("routing check misses:");
  for (const m of checkMisses) out.push(`  [${m.language}] ${m.category} → ${m.got}: ${m.subject} (${m.detail})`);
}
process.stdout.write(out.join("\n") + "\n");
log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
