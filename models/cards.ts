/**
 * `npm run models:cards [-- --check]`: renders the evaluation figures of the model cards
 * (models/m1/README.md, models/m2/README.md) from the metrics the trainers write —
 * models/m1/metrics.json (train:m1), models/m1/urgency-metrics.json (train:urgency),
 * models/m2/metrics.json (train:m2) — into the blocks between
 *
 *   <!-- metrics:begin NAME -->
 *   …rendered, never edited by hand…
 *   <!-- metrics:end -->
 *
 * Everything outside the markers is prose and stays as written. `--check` writes nothing
 * and exits 1 when a card differs from what it would render; models/cards.test.ts does the
 * same in `npm test`, so a retrain that changes a figure fails until the cards are
 * regenerated. Numbers are rounded with Number.prototype.toFixed on the values in the JSON.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { sklearnReport } from "../src/metrics-report.ts";
import type { ReportRow } from "../src/schemas/metrics.ts";
import type { M2Serve } from "../src/m2/heads.ts";
import type { M1ReportInput } from "../training/report.ts";

// ---------- the parts of the metrics files the cards show ----------

type MeanStd = { mean: number; std: number };
type NullableMeanStd = { mean: number | null; std: number | null };
type ClassReport = { precision: number; recall: number; f1: number; support: number };
type Dataset = { path: string; sha256: string; rows: number };

type M1Evaluation = {
  holdout: { testRows: number; report: { accuracy: number; macroF1: number; classes: string[]; perClass: Record<string, ClassReport> } };
  groupedCv: { folds: number; accuracy: MeanStd; macroF1: MeanStd; perClassF1: Record<string, MeanStd> };
};
type HeuristicCounts = { rows: number; precision: number; recall: number };

export type M1Metrics = M1ReportInput & {
  dataset: Dataset;
  classCounts: Record<string, number>;
  protocols: {
    holdout: { testFraction: number; seed: number };
    groupedCv: { folds: number; nearDuplicates: { shingle: number; threshold: number; multiTicketGroups: number; ticketsInMultiTicketGroups: number } };
  };
  baseline: { name: string } & M1Evaluation;
  shipped: { name: string; calibration: { temperature: number; oofEce: { T1: number; fitted: number } } } & M1Evaluation;
  candidates: { name: string; holdoutMacroF1: number; cvMacroF1: MeanStd; cvAccuracy: MeanStd; gainOverSeed: { mean: number; standardError: number } }[];
  urgencyHeuristic: { target: string; all: HeuristicCounts; byLanguage: Record<string, HeuristicCounts> };
};

type RegressionCv = { rmse: MeanStd; mae: MeanStd; spearman: MeanStd };
type RegressionPoint = { rmse: number; mae: number; spearman: number | null };

export type UrgencyMetrics = {
  dataset: Dataset;
  target: { bands: Record<string, [number, number]> };
  groupedCv: {
    ridge: { variant: string; alpha: number } & RegressionCv;
    bestPerVariant: ({ variant: string; alpha: number } & RegressionCv)[];
    baselines: {
      trainMean: { rmse: MeanStd; mae: MeanStd; spearman: NullableMeanStd };
      keywordMean: { rmse: MeanStd; mae: MeanStd; spearman: NullableMeanStd };
    };
    note?: string;
  };
  holdout: { ridge: { variant: string; alpha: number } & RegressionPoint };
  seedReference: { model: string; protocol: string; rmse: number; mae: number };
};

type Diff = { mean: number; standardError: number; perFold: number[] };
type PerClassSummary = Record<string, { precision: MeanStd; recall: MeanStd; f1: MeanStd; support: number }>;
type CategorySummary = { accuracy: MeanStd; macroF1: MeanStd; perClass: PerClassSummary };
type ServeField = M2Serve["category"];

export type M2Metrics = {
  warning?: string;
  dataset: Dataset & { files: { path: string; rows: number }[]; languages: Record<string, number> };
  encoder: { id: string; name: string; path: string; sha256: string; bytes: number; standIn: boolean; maxLength: number; dim: number };
  tokens: { median: number; p90: number; p99: number; max: number; maxLength: number; truncatedTickets: number; droppedTokenShare: number };
  protocols: { groupedCv: { folds: number } };
  category: {
    shipped: { pooling: string; classWeight: string | null; input: string };
    results: { pooling: string; classWeight: string | null; input: string; groupedCv: { accuracy: MeanStd; macroF1: MeanStd } }[];
    majorityBaseline: { groupedCv: { accuracy: MeanStd; macroF1: MeanStd } };
  };
  urgency: {
    shipped: { pooling: string; variant: string };
    results: { pooling: string; variant: string; groupedCv: RegressionCv }[];
    baselines: { groupedCv: { trainMean: RegressionCv; keywordMean: RegressionCv } };
  };
  comparison: {
    category: { m1: CategorySummary; m2: CategorySummary; majorityBaseline: { accuracy: MeanStd; macroF1: MeanStd }; diff: { accuracy: Diff; macroF1: Diff } };
    urgency: { m1: RegressionCv; m2: RegressionCv; baselines: { trainMean: RegressionCv; keywordMean: RegressionCv }; diff: { rmse: Diff; mae: Diff } };
    perLanguage: Record<
      string,
      {
        rows: number;
        classesPresent: string[];
        support: Record<string, number>;
        m1: { accuracy: number; macroF1: number };
        m2: { accuracy: number; macroF1: number };
        urgencyRmse: { m1: number; m2: number };
      }
    >;
    truncation: Record<"truncated" | "rest", { rows: number; m1Accuracy: number; m2Accuracy: number; m1UrgencyRmse: number; m2UrgencyRmse: number }>;
  };
  serve: { category: ServeField; urgency: ServeField };
};

export type Metrics = { m1: M1Metrics; urgency: UrgencyMetrics; m2: M2Metrics };

// ---------- where things are ----------

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
export const REPO_ROOT = here("..");
export const METRICS_FILES = {
  m1: here("./m1/metrics.json"),
  urgency: here("./m1/urgency-metrics.json"),
  m2: here("./m2/metrics.json"),
} as const;
export const CARDS = {
  m1: here("./m1/README.md"),
  m2: here("./m2/README.md"),
} as const;
export type CardName = keyof typeof CARDS;

export function loadMetrics(): Metrics {
  const read = (path: string) => JSON.parse(readFileSync(path, "utf8")) as unknown;
  return {
    m1: read(METRICS_FILES.m1) as M1Metrics,
    urgency: read(METRICS_FILES.urgency) as UrgencyMetrics,
    m2: read(METRICS_FILES.m2) as M2Metrics,
  };
}

// ---------- formatting ----------

const MINUS = "\u2212";
/** toFixed, with a typographic minus as the cards use. */
export const fixed = (x: number, digits = 3) => {
  const text = x.toFixed(digits);
  return text.startsWith("-") ? MINUS + text.slice(1) : text;
};
const pm = (m: MeanStd, digits = 3) => `${fixed(m.mean, digits)} ± ${fixed(m.std, digits)}`;
const orDash = (x: number | null, digits = 3) => (x === null ? "—" : fixed(x, digits));
/** A signed gain; one more digit when three would round a non-zero gain to nothing. */
export const signedGain = (x: number) => {
  const digits = x !== 0 && Math.abs(x) < 0.001 ? 4 : 3;
  return (x > 0 ? "+" : x < 0 ? MINUS : "") + Math.abs(x).toFixed(digits);
};
const count = (n: number) => n.toLocaleString("en-US");
const table = (header: string[], rows: string[][]) =>
  [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");

// ---------- M1 ----------

const CANDIDATE_LABELS: Record<string, string> = {
  seed: "seed (char_wb 3–5, C=0.5)",
  "seed C=0.25": "C = 0.25",
  "seed C=1": "C = 1",
  "char_wb (2,5)": "char_wb 2–5",
  "char+word C=0.5": "char + word n-grams",
  "char+word C=0.5 +bias": "char + word + calibrated class offsets",
};

function m1Data(m: M1Metrics): string {
  const nd = m.protocols.groupedCv.nearDuplicates;
  const classes = Object.entries(m.classCounts).map(([name, n]) => `${name} ${count(n)}`).join(", ");
  return [
    `Data: \`${m.dataset.path}\`, ${count(m.dataset.rows)} tickets (sha256 \`${m.dataset.sha256.slice(0, 12)}…\`): ${classes}.`,
    `Near-duplicates (word-${nd.shingle === 2 ? "bigram" : `${nd.shingle}-gram`} Jaccard ≥ ${nd.threshold}): ` +
      `${count(nd.multiTicketGroups)} groups holding ${count(nd.ticketsInMultiTicketGroups)} tickets, each kept on one side of every split.`,
  ].join("\n");
}

function m1Category(m: M1Metrics): string {
  const s = m.shipped;
  const classes = s.holdout.report.classes;
  const which = s.name === m.baseline.name ? "seed configuration, shipped" : `${s.name}, shipped`;
  return table(
    [`M1 (${which})`, "accuracy", "macro-F1", ...classes.map((c) => `${c} F1`)],
    [
      [
        `(a) hold-out, ${count(s.holdout.testRows)} tickets`,
        fixed(s.holdout.report.accuracy),
        fixed(s.holdout.report.macroF1),
        ...classes.map((c) => fixed(s.holdout.report.perClass[c]!.f1)),
      ],
      [
        `(b) grouped ${s.groupedCv.folds}-fold CV`,
        pm(s.groupedCv.accuracy),
        pm(s.groupedCv.macroF1),
        ...classes.map((c) => pm(s.groupedCv.perClassF1[c]!)),
      ],
    ],
  );
}

function m1Calibration(m: M1Metrics): string {
  const c = m.shipped.calibration;
  return (
    `**Confidence** is a temperature-scaled softmax of the SVM margins: T = ${fixed(c.temperature)}, ` +
    `fitted on the grouped-CV out-of-fold margins, takes their expected calibration error from ` +
    `${fixed(c.oofEce.T1)} (T = 1) to ${fixed(c.oofEce.fitted)}.`
  );
}

function m1Candidates(m: M1Metrics): string {
  const rows = m.candidates.map((c) => [
    CANDIDATE_LABELS[c.name] ?? c.name,
    fixed(c.holdoutMacroF1),
    pm(c.cvMacroF1),
    fixed(c.cvAccuracy.mean),
    c.name === m.baseline.name ? "—" : signedGain(c.gainOverSeed.mean),
  ]);
  const better = m.candidates.filter((c) => c.name !== m.baseline.name && c.gainOverSeed.mean > c.gainOverSeed.standardError);
  const verdict =
    better.length === 0
      ? "None beats the seed by more than one standard error of its per-fold gain, so the seed configuration ships."
      : `Beating the seed by more than one standard error: ${better.map((c) => `\`${c.name}\``).join(", ")}; \`${m.shipped.name}\` ships.`;
  return `${table(["candidate", "(a) macro-F1", "(b) macro-F1", "(b) accuracy", "gain"], rows)}\n\n${verdict}`;
}

/**
 * The shipped M1's per-class report and confusion matrix under both protocols: the figures
 * `npm run train:m1` prints (training/report.ts) and models/m1/confusion-matrix.svg draws,
 * as Markdown tables.
 */
function m1PerClass(m: M1Metrics): string {
  const { holdout, groupedCv } = m.shipped;
  const p = m.protocols;
  const panels = [
    {
      title: `(a) seed protocol: one stratified hold-out, ${fixed(p.holdout.testFraction * 100, 0)} % of the tickets (seed ${p.holdout.seed})`,
      detail: `${count(holdout.testRows)} test tickets, model trained on the other ${count(holdout.trainRows)}.`,
      report: holdout.report,
    },
    {
      title: `(b) leakage-safe: stratified group ${groupedCv.folds}-fold CV, near-duplicate tickets never split (seed ${p.groupedCv.seed})`,
      detail:
        `Out-of-fold predictions of all ${count(groupedCv.pooled.rows)} tickets, pooled; per fold: ` +
        `accuracy ${pm(groupedCv.accuracy)}, macro-F1 ${pm(groupedCv.macroF1)}.`,
      report: groupedCv.pooled,
    },
  ];
  return panels
    .map(({ title, detail, report }) => {
      const sk = sklearnReport(report);
      const line = (name: string) => {
        const r = sk[name] as ReportRow;
        return [name, fixed(r.precision), fixed(r.recall), fixed(r["f1-score"]), count(r.support)];
      };
      const scores = table(["class", "precision", "recall", "F1", "support"], [
        ...report.classes.map(line),
        ["accuracy", "", "", fixed(report.accuracy), count(report.rows)],
        line("macro avg"),
        line("weighted avg"),
      ]);
      const confusion = table(
        ["true \\ predicted", ...report.classes],
        report.classes.map((c, i) => [c, ...report.confusion[i]!.map(count)]),
      );
      // The class the model finds least often, and where its tickets went instead.
      const recalls = report.classes.map((c, i) => ({ c, i, hit: report.confusion[i]![i]!, row: report.confusion[i]! }));
      const worst = recalls.reduce((a, b) => (b.hit / sumOf(b.row) < a.hit / sumOf(a.row) ? b : a));
      const elsewhere = worst.row
        .map((n, j) => ({ n, to: report.classes[j]! }))
        .filter(({ n }, j) => j !== worst.i && n > 0)
        .sort((a, b) => b.n - a.n)
        .map(({ n, to }) => `${count(n)} → ${to}`);
      const lowest =
        `Lowest recall: ${worst.c}, ${count(worst.hit)} of ${count(sumOf(worst.row))} predicted correctly` +
        (elsewhere.length ? ` (${elsewhere.join(", ")}).` : ".");
      return [`**${title}.** ${detail}`, "", scores, "", confusion, "", lowest].join("\n");
    })
    .join("\n\n");
}

const sumOf = (xs: readonly number[]) => xs.reduce((a, v) => a + v, 0);

function m1UrgencyHeuristic(m: M1Metrics): string {
  const h = m.urgencyHeuristic;
  const pr = (x: HeuristicCounts) => `${fixed(x.precision, 2)} / ${fixed(x.recall, 2)}`;
  const languages = Object.entries(h.byLanguage).map(([lang, x]) => `${lang} ${pr(x)}`);
  return (
    `**Urgency heuristic** (\`urgency_level\`, \`src/ml/urgency.ts\`, keyword lists for ${Object.keys(h.byLanguage).join(", ")}, all tried on every ticket) against ` +
    `\`${h.target}\`, ${count(h.all.rows)} tickets: precision ${fixed(h.all.precision, 2)}, recall ${fixed(h.all.recall, 2)} ` +
    `(precision / recall per language: ${languages.join(", ")}).`
  );
}

const VARIANT_LABELS: Record<string, string> = { "text+keyword": "text + keyword", text: "text only" };

function m1Urgency(u: UrgencyMetrics): string {
  const bands = (["low", "medium", "high"] as const)
    .map((b) => u.target.bands[b]!.map((x) => fixed(x, 2)).join(" / "))
    .join(", ");
  const cv = u.groupedCv;
  // The shipped ridge first, then the best α of every other variant.
  const variants = [cv.ridge, ...cv.bestPerVariant.filter((v) => v.variant !== cv.ridge.variant)];
  const rows = [
    ...variants.map((v) => [
      `ridge, ${VARIANT_LABELS[v.variant] ?? v.variant} (α = ${v.alpha}), grouped CV`,
      pm(v.rmse),
      pm(v.mae),
      pm(v.spearman),
    ]),
    ["baseline: mean per keyword flag, grouped CV", fixed(cv.baselines.keywordMean.rmse.mean), fixed(cv.baselines.keywordMean.mae.mean), orDash(cv.baselines.keywordMean.spearman.mean)],
    ["baseline: training mean, grouped CV", fixed(cv.baselines.trainMean.rmse.mean), fixed(cv.baselines.trainMean.mae.mean), orDash(cv.baselines.trainMean.spearman.mean)],
    [
      `ridge, ${VARIANT_LABELS[u.holdout.ridge.variant] ?? u.holdout.ridge.variant}, seed hold-out`,
      fixed(u.holdout.ridge.rmse),
      fixed(u.holdout.ridge.mae),
      orDash(u.holdout.ridge.spearman),
    ],
    ["seed's DistilBERT + Ridge, seed hold-out (reported)", fixed(u.seedReference.rmse), fixed(u.seedReference.mae), "—"],
  ];
  return [
    `Target: the seed's six bands, priority low / medium / high × keyword absent / present → ${bands}; ` +
      `${count(u.dataset.rows)} tickets.`,
    "",
    table(["urgency score", "RMSE", "MAE", "Spearman"], rows),
    ...(cv.note ? ["", `In grouped CV, ${cv.note}.`] : []),
  ].join("\n");
}

// ---------- M2 ----------

const diffCell = (d: { mean: number; standardError: number }) => `${signedGain(d.mean)} ± ${fixed(d.standardError)}`;

function m2Encoder(m: M2Metrics): string {
  const e = m.encoder;
  const identity = `\`${e.id}\` (${e.name}), sha256 \`${e.sha256.slice(0, 12)}…\`, ${count(e.bytes)} bytes`;
  const files = m.dataset.files.map((f) => `${count(f.rows)} of \`${f.path}\``).join(" + ");
  const lines = [
    `Encoder ${identity}, ${e.dim}-d, at most ${e.maxLength} tokens; trained on ${count(m.dataset.rows)} tickets (${files}).`,
    "",
    `Tokens per ticket (the Worker's tokenizer, untruncated): median ${m.tokens.median}, p90 ${m.tokens.p90}, ` +
      `p99 ${m.tokens.p99}, max ${m.tokens.max}; ${count(m.tokens.truncatedTickets)} tickets are longer than ${m.tokens.maxLength} ` +
      `and lose their tail (${(m.tokens.droppedTokenShare * 100).toFixed(1)} % of all tokens).`,
    "",
    `Serving (heads.json \`serve\`): category → **${m.serve.category.model.toUpperCase()}** (${m.serve.category.reason}); ` +
      `urgency → **${m.serve.urgency.model.toUpperCase()}** (${m.serve.urgency.reason}).`,
  ];
  if (e.standIn) lines.unshift(`> **STAND-IN encoder** (random weights): ${m.warning ?? "these figures describe no language model"}.`, "");
  return lines.join("\n");
}

const headLabel = (r: { pooling: string; classWeight: string | null; input: string }) =>
  `${r.pooling} pooling, ${r.classWeight === "balanced" ? "balanced" : "unweighted"}${r.input === "embedding" ? "" : ", + M1 margins"}`;

/** The side-by-side table: M1 and the shipped M2 heads, same folds and rows, with the paired differences. */
export function m2Figures(m: M2Metrics): string {
  const c = m.comparison.category;
  const u = m.comparison.urgency;
  const folds = m.protocols.groupedCv.folds;
  const catRows = [
    ["M1 (TF-IDF + SVM, refitted per fold)", pm(c.m1.accuracy), pm(c.m1.macroF1)],
    [`M2 (${headLabel(m.category.shipped)})`, pm(c.m2.accuracy), pm(c.m2.macroF1)],
    ["M2 − M1, fold-paired (± SE)", diffCell(c.diff.accuracy), diffCell(c.diff.macroF1)],
    ["baseline: majority class", fixed(c.majorityBaseline.accuracy.mean), fixed(c.majorityBaseline.macroF1.mean)],
  ];
  const variant = (v: string) => v.replace("embedding+keyword+m1-urgency", "embedding + keyword + M1 score").replace("embedding+keyword", "embedding + keyword");
  const urgRows = [
    ["M1 (TF-IDF ridge + keyword, refitted per fold)", pm(u.m1.rmse), pm(u.m1.mae), fixed(u.m1.spearman.mean, 2)],
    [`M2 (${m.urgency.shipped.pooling} pooling, ${variant(m.urgency.shipped.variant)})`, pm(u.m2.rmse), pm(u.m2.mae), fixed(u.m2.spearman.mean, 2)],
    ["M2 − M1, fold-paired (± SE)", diffCell(u.diff.rmse), diffCell(u.diff.mae), "—"],
    ["baseline: training mean", fixed(u.baselines.trainMean.rmse.mean), fixed(u.baselines.trainMean.mae.mean), "—"],
    ["baseline: per-keyword mean", fixed(u.baselines.keywordMean.rmse.mean), fixed(u.baselines.keywordMean.mae.mean), fixed(u.baselines.keywordMean.spearman.mean, 2)],
  ];
  return [
    `Grouped ${folds}-fold CV, ${count(m.dataset.rows)} tickets, M1 and M2 on the same folds and rows (mean ± std over folds):`,
    "",
    table(["category", "accuracy", "macro-F1"], catRows),
    "",
    table(["urgency", "RMSE", "MAE", "Spearman"], urgRows),
  ].join("\n");
}

function m2PerClass(m: M2Metrics): string {
  const c = m.comparison.category;
  const classes = Object.keys(c.m1.perClass);
  const rows = classes.map((k) => {
    const a = c.m1.perClass[k]!;
    const b = c.m2.perClass[k]!;
    return [k, count(a.support), fixed(a.precision.mean), fixed(a.recall.mean), fixed(a.f1.mean), fixed(b.precision.mean), fixed(b.recall.mean), fixed(b.f1.mean)];
  });
  return [
    "Per class, mean over the grouped folds:",
    "",
    table(["class", "tickets", "M1 precision", "M1 recall", "M1 F1", "M2 precision", "M2 recall", "M2 F1"], rows),
  ].join("\n");
}

function m2PerLanguage(m: M2Metrics): string {
  const rows = Object.entries(m.comparison.perLanguage).map(([lang, r]) => [
    lang,
    count(r.rows),
    classesShort(r.support),
    fixed(r.m1.accuracy),
    fixed(r.m2.accuracy),
    fixed(r.m1.macroF1),
    fixed(r.m2.macroF1),
    fixed(r.urgencyRmse.m1),
    fixed(r.urgencyRmse.m2),
  ]);
  const t = m.comparison.truncation;
  const truncRows = (["truncated", "rest"] as const).map((k) => [
    k === "truncated" ? `longer than ${m.tokens.maxLength} tokens (M2 reads the first ${m.tokens.maxLength})` : `${m.tokens.maxLength} tokens or fewer`,
    count(t[k].rows),
    fixed(t[k].m1Accuracy),
    fixed(t[k].m2Accuracy),
    fixed(t[k].m1UrgencyRmse),
    fixed(t[k].m2UrgencyRmse),
  ]);
  return [
    "Per ticket language, pooled out-of-fold predictions (macro-F1 over the classes present in that language):",
    "",
    table(["language", "tickets", "Billing / Legal / Technical", "M1 accuracy", "M2 accuracy", "M1 macro-F1", "M2 macro-F1", "M1 urgency RMSE", "M2 urgency RMSE"], rows),
    "",
    "What the token limit costs (M1 always reads the whole ticket):",
    "",
    table(["tickets", "count", "M1 accuracy", "M2 accuracy", "M1 urgency RMSE", "M2 urgency RMSE"], truncRows),
  ].join("\n");
}
const classesShort = (support: Record<string, number>) => Object.values(support).map(count).join(" / ");

function m2Candidates(m: M2Metrics): string {
  const rows = m.category.results.map((r) => [
    headLabel(r) + (r.pooling === m.category.shipped.pooling && r.classWeight === m.category.shipped.classWeight && r.input === m.category.shipped.input ? " (shipped)" : ""),
    pm(r.groupedCv.accuracy),
    pm(r.groupedCv.macroF1),
  ]);
  const urgRows = m.urgency.results.map((r) => [
    `${r.pooling} pooling, ${r.variant}${r.variant === m.urgency.shipped.variant ? " (shipped)" : ""}`,
    pm(r.groupedCv.rmse),
    fixed(r.groupedCv.spearman.mean, 2),
  ]);
  return [table(["category head (grouped CV)", "accuracy", "macro-F1"], rows), "", table(["urgency head (grouped CV)", "RMSE", "Spearman"], urgRows)].join("\n");
}

/** The README's M2 table: one line per model and field, and which serves. */
export function m2ReadmeTable(m: M2Metrics): string {
  const c = m.comparison.category;
  const u = m.comparison.urgency;
  return table(
    ["grouped 5-fold CV", "M1", `M2 (${m.encoder.id})`, "M2 − M1 (± SE)", "serves"],
    [
      ["category accuracy", fixed(c.m1.accuracy.mean), fixed(c.m2.accuracy.mean), diffCell(c.diff.accuracy), ""],
      ["category macro-F1", fixed(c.m1.macroF1.mean), fixed(c.m2.macroF1.mean), diffCell(c.diff.macroF1), m.serve.category.model.toUpperCase()],
      ["urgency RMSE", fixed(u.m1.rmse.mean), fixed(u.m2.rmse.mean), diffCell(u.diff.rmse), m.serve.urgency.model.toUpperCase()],
    ],
  );
}

// ---------- the cards ----------

/** Every block of every card, rendered from the metrics. */
export function renderBlocks(metrics: Metrics): Record<CardName, Record<string, string>> {
  return {
    m1: {
      "m1-data": m1Data(metrics.m1),
      "m1-category": m1Category(metrics.m1),
      "m1-calibration": m1Calibration(metrics.m1),
      "m1-per-class": m1PerClass(metrics.m1),
      "m1-candidates": m1Candidates(metrics.m1),
      "m1-urgency-heuristic": m1UrgencyHeuristic(metrics.m1),
      "m1-urgency": m1Urgency(metrics.urgency),
    },
    m2: {
      "m2-encoder": m2Encoder(metrics.m2),
      "m2-figures": m2Figures(metrics.m2),
      "m2-per-class": m2PerClass(metrics.m2),
      "m2-per-language": m2PerLanguage(metrics.m2),
      "m2-candidates": m2Candidates(metrics.m2),
    },
  };
}

const MARKER = /<!-- metrics:(begin|end)(?: ([a-z0-9-]+))? -->/g;

/**
 * Replaces the text between each `<!-- metrics:begin NAME -->` and the next
 * `<!-- metrics:end -->` with `blocks[NAME]`. Throws when a marker is malformed or
 * unbalanced, a block is unknown, appears twice, or one of `blocks` is missing, so a
 * card can never silently keep a stale table.
 */
export function applyBlocks(markdown: string, blocks: Record<string, string>): string {
  let out = "";
  let last = 0;
  let open: { name: string; end: number } | null = null;
  const seen = new Set<string>();
  for (const match of markdown.matchAll(MARKER)) {
    const [marker, kind, name] = match;
    const at = match.index;
    if (kind === "begin") {
      if (open) throw new Error(`metrics block "${open.name}" is not closed before "${name ?? ""}" begins`);
      if (!name) throw new Error("a metrics:begin marker without a block name");
      if (!(name in blocks)) throw new Error(`unknown metrics block "${name}" (known: ${Object.keys(blocks).join(", ")})`);
      if (seen.has(name)) throw new Error(`metrics block "${name}" appears twice`);
      seen.add(name);
      open = { name, end: at + marker.length };
    } else {
      if (!open) throw new Error("a metrics:end marker without a metrics:begin");
      if (name) throw new Error(`metrics:end takes no name (got "${name}")`);
      out += markdown.slice(last, open.end) + "\n" + blocks[open.name]!.trimEnd() + "\n";
      last = at;
      open = null;
    }
  }
  if (open) throw new Error(`metrics block "${open.name}" has no metrics:end`);
  const missing = Object.keys(blocks).filter((name) => !seen.has(name));
  if (missing.length) throw new Error(`missing metrics block(s): ${missing.join(", ")}`);
  return out + markdown.slice(last);
}

/** Each card as it is on disk and as it would be rendered now. */
export function renderCards(metrics: Metrics = loadMetrics()): { name: CardName; path: string; current: string; rendered: string }[] {
  const blocks = renderBlocks(metrics);
  return (Object.keys(CARDS) as CardName[]).map((name) => {
    const path = CARDS[name];
    const current = readFileSync(path, "utf8");
    return { name, path, current, rendered: applyBlocks(current, blocks[name]) };
  });
}

function main(args: string[]): number {
  const check = args.includes("--check");
  let stale = 0;
  for (const card of renderCards()) {
    const file = relative(REPO_ROOT, card.path);
    if (card.rendered === card.current) {
      console.log(`${file}: up to date`);
    } else if (check) {
      stale++;
      console.error(`${file}: differs from its metrics; run npm run models:cards`);
    } else {
      writeFileSync(card.path, card.rendered);
      console.log(`${file}: rewritten from its metrics`);
    }
  }
  return stale ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 2;
  }
}
