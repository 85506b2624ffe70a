/**
 * What /metrics serves, computed from the committed metrics files when the response is
 * built, so the seed-shaped figures can never drift from models/m1 and models/m2.
 */
import { z } from "@hono/zod-openapi";
import m2Metrics from "../models/m2/metrics.json" with { type: "json" };
import { m1Metrics } from "./m1/metrics.ts";
import { CATEGORIES, type Category } from "./ml/categories.ts";
import type { ClassificationReportBody, M1MetricsBody, M2MetricsBody, MetricsBody, ReportRow } from "./schemas/metrics.ts";

let built: MetricsBody | undefined;

/**
 * GET /metrics: the bundled M1 and M2 metrics files, seed fields first. They are fixed
 * for the isolate's life, so the body is built on the first request and then reused.
 */
export function buildMetrics(): MetricsBody {
  built ??= { m1: m1MetricsBody(m1Metrics.classifier, m1Metrics.urgency), m2: m2MetricsBody(m2Metrics) };
  return built;
}

/** A class's figures as the trainers record them (training/metrics.ts). */
export type ClassScores = { precision: number; recall: number; f1: number; support: number };
export type ScoredReport = { accuracy: number; classes: readonly string[]; perClass: Record<string, ClassScores> };

const row = (precision: number, recall: number, f1: number, support: number): ReportRow => ({
  precision,
  recall,
  "f1-score": f1,
  support,
});

/**
 * scikit-learn's classification_report(output_dict=True) for a trainer's report: class rows in
 * the report's class order, then accuracy, macro avg (plain mean over classes) and weighted avg
 * (mean weighted by support); both averages carry the total support, as sklearn's do.
 */
export function sklearnReport(report: ScoredReport): Record<string, ReportRow | number> {
  const rows = report.classes.map((c) => {
    const s = report.perClass[c];
    if (!s) throw new Error(`report has no figures for class ${c}`);
    return [c, s] as const;
  });
  const total = rows.reduce((n, [, s]) => n + s.support, 0);
  const mean = (pick: (s: ClassScores) => number) => rows.reduce((a, [, s]) => a + pick(s), 0) / rows.length;
  const weighted = (pick: (s: ClassScores) => number) =>
    total === 0 ? 0 : rows.reduce((a, [, s]) => a + pick(s) * s.support, 0) / total;
  return {
    ...Object.fromEntries(rows.map(([c, s]) => [c, row(s.precision, s.recall, s.f1, s.support)])),
    accuracy: report.accuracy,
    "macro avg": row(mean((s) => s.precision), mean((s) => s.recall), mean((s) => s.f1), total),
    "weighted avg": row(weighted((s) => s.precision), weighted((s) => s.recall), weighted((s) => s.f1), total),
  };
}

/** sklearnReport for a report over exactly the routing categories, typed for the API schema. */
export function categoryReport(report: ScoredReport): ClassificationReportBody {
  const got = [...report.classes].sort().join(",");
  if (got !== [...CATEGORIES].sort().join(",")) throw new Error(`report classes ${got} are not the categories ${CATEGORIES.join(",")}`);
  return sklearnReport(report) as unknown as ClassificationReportBody;
}

/** The parts of models/m1/metrics.json the seed-shaped fields come from. */
export type M1MetricsFile = {
  protocols: {
    holdout: { testFraction: number; seed: number };
    groupedCv: { folds: number; seed: number };
  };
  shipped: {
    name: string;
    holdout: { trainRows: number; testRows: number; report: ScoredReport };
    groupedCv: {
      folds: number;
      accuracy: { mean: number; std: number };
      macroF1: { mean: number; std: number };
      pooled: ScoredReport & { rows: number };
    };
  };
};

const percent = (fraction: number) => `${Math.round(fraction * 1000) / 10} %`;

export function m1MetricsBody(classifier: M1MetricsFile, urgency: Record<string, unknown>): M1MetricsBody {
  const { holdout, groupedCv, name } = classifier.shipped;
  const rows = holdout.trainRows + holdout.testRows;
  return {
    ...categoryReport(holdout.report),
    protocol:
      `seed protocol: one stratified hold-out, ${percent(classifier.protocols.holdout.testFraction)} ` +
      `(${holdout.testRows} of ${rows} rows, seed ${classifier.protocols.holdout.seed}); the model scored was trained on the other ${holdout.trainRows}`,
    model: name,
    grouped_cv: {
      ...categoryReport(groupedCv.pooled),
      protocol:
        `leakage-safe: stratified group ${groupedCv.folds}-fold CV (seed ${classifier.protocols.groupedCv.seed}), ` +
        `near-duplicate tickets never split across folds; the out-of-fold predictions of all ${groupedCv.pooled.rows} rows pooled into one report`,
      folds: groupedCv.folds,
      fold_accuracy: groupedCv.accuracy,
      fold_macro_f1: groupedCv.macroF1,
    } as M1MetricsBody["grouped_cv"],
    classifier: classifier as unknown as Record<string, unknown>,
    urgency,
  } as M1MetricsBody;
}

/** The shipped M1's accuracy on the seed's hold-out: /health's m1_accuracy and /metrics' m1.accuracy. */
export function m1HoldoutAccuracy(classifier: M1MetricsFile): number {
  return classifier.shipped.holdout.report.accuracy;
}

// models/m2/metrics.json is rewritten by train:m2 and may lack a head, so it is read
// defensively: whatever is missing becomes null with a reason, never an error.
const ReportInput = z.object({
  accuracy: z.number(),
  classes: z.array(z.string()),
  perClass: z.record(z.string(), z.object({ precision: z.number(), recall: z.number(), f1: z.number(), support: z.number() })),
});
// `input` (embedding, or joined with M1's margins) tells apart heads of one pooling and weight.
const M2CategoryInput = z.object({
  shipped: z.object({ pooling: z.string(), classWeight: z.string().nullable(), input: z.string().default("embedding") }),
  results: z.array(
    z.object({ pooling: z.string(), classWeight: z.string().nullable(), input: z.string().default("embedding"), holdout: z.object({ report: ReportInput }) }),
  ),
});
const M2UrgencyInput = z.object({
  shipped: z.object({ pooling: z.string(), variant: z.string() }),
  results: z.array(z.object({ pooling: z.string(), variant: z.string(), holdout: z.object({ rmse: z.number(), mae: z.number() }) })),
});
const HoldoutInput = z.object({ testFraction: z.number(), seed: z.number() });
const SEED_FIELDS = ["accuracy", "rmse", "mae", "reason", "protocol", "report"] as const;

export function m2MetricsBody(file: Record<string, unknown>): M2MetricsBody {
  const reasons: string[] = [];
  let report: ClassificationReportBody | null = null;
  let rmse: number | null = null;
  let mae: number | null = null;

  const category = M2CategoryInput.safeParse(file.category);
  const catResult = category.success
    ? category.data.results.find(
        (r) => r.pooling === category.data.shipped.pooling && r.classWeight === category.data.shipped.classWeight && r.input === category.data.shipped.input,
      )
    : undefined;
  if (!catResult) reasons.push("accuracy: models/m2/metrics.json has no hold-out result for the shipped category head (run npm run train:m2)");
  else {
    try {
      report = categoryReport(catResult.holdout.report);
    } catch (error) {
      reasons.push(`accuracy: ${(error as Error).message}`);
    }
  }

  const urgency = M2UrgencyInput.safeParse(file.urgency);
  const urgResult = urgency.success
    ? urgency.data.results.find((r) => r.pooling === urgency.data.shipped.pooling && r.variant === urgency.data.shipped.variant)
    : undefined;
  if (!urgResult) reasons.push("rmse, mae: models/m2/metrics.json has no hold-out result for the shipped urgency head (run npm run train:m2)");
  else ({ rmse, mae } = urgResult.holdout);

  const holdout = HoldoutInput.safeParse((file.protocols as { holdout?: unknown } | undefined)?.holdout);
  const details = Object.fromEntries(Object.entries(file).filter(([k]) => !(SEED_FIELDS as readonly string[]).includes(k)));
  return {
    accuracy: report?.accuracy ?? null,
    rmse,
    mae,
    reason: reasons.length > 0 ? reasons.join("; ") : null,
    protocol: holdout.success
      ? `seed protocol: one stratified hold-out, ${percent(holdout.data.testFraction)} (seed ${holdout.data.seed}); heads trained on the rest`
      : "unknown: models/m2/metrics.json records no protocols.holdout",
    report,
    ...details,
  };
}
