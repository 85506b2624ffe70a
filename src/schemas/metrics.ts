import { z } from "@hono/zod-openapi";
import { CATEGORIES, type Category } from "../ml/categories.ts";

const MeanStdSchema = z.object({ mean: z.number(), std: z.number() });

/** One row of scikit-learn's classification_report(output_dict=True). */
export const ReportRowSchema = z
  .object({
    precision: z.number(),
    recall: z.number(),
    "f1-score": z.number(),
    support: z.number().int().openapi({ description: "Test rows whose true class is this one (all rows for the averages)." }),
  })
  .openapi("ReportRow");

// One row per category of the bundled taxonomy (src/ml/categories.ts): the keys are only known
// at start-up, so the schema lists them for OpenAPI and the types below add them as an index.
const perClassRows = Object.fromEntries(CATEGORIES.map((c) => [c, ReportRowSchema]));

/**
 * scikit-learn's classification_report(output_dict=True), key for key, so a script written
 * for the seed service reads it unchanged: a row per class, then accuracy, macro avg (the
 * unweighted mean of the class rows) and weighted avg (weighted by support); zero_division 0.
 */
export const ClassificationReportSchema = z
  .object({
    ...perClassRows,
    accuracy: z.number(),
    "macro avg": ReportRowSchema,
    "weighted avg": ReportRowSchema,
  })
  .openapi("ClassificationReport");

export const M1MetricsSchema = ClassificationReportSchema.extend({
  protocol: z.string().openapi({ description: "How the report above was measured: the seed's 15 % stratified hold-out." }),
  model: z.string().openapi({ description: "The shipped configuration's name (models/m1/model.json)." }),
  grouped_cv: ClassificationReportSchema.extend({
    protocol: z.string(),
    folds: z.number().int(),
    fold_accuracy: MeanStdSchema.openapi({ description: "Accuracy per fold, mean ± std." }),
    fold_macro_f1: MeanStdSchema.openapi({ description: "Macro-F1 per fold, mean ± std." }),
  }).openapi({
    description:
      "The same report under the leakage-safe protocol: near-duplicate tickets never split across folds, " +
      "out-of-fold predictions of every row pooled. Lower than the hold-out, and the one to trust.",
  }),
  classifier: z.record(z.string(), z.unknown()).openapi({ description: "models/m1/metrics.json as committed (every figure, both protocols, candidates)." }),
  urgency: z.record(z.string(), z.unknown()).openapi({ description: "models/m1/urgency-metrics.json as committed." }),
}).openapi("M1Metrics");

export const M2MetricsSchema = z
  .looseObject({
    accuracy: z.number().nullable().openapi({ description: "Category accuracy of the shipped M2 heads on the seed's 15 % hold-out; null when not measured (see reason)." }),
    rmse: z.number().nullable().openapi({ description: "Urgency RMSE of the shipped ridge head on the seed's 15 % hold-out; null when not measured." }),
    mae: z.number().nullable().openapi({ description: "Urgency MAE, same protocol; null when not measured." }),
    reason: z.string().nullable().openapi({ description: "Why a figure above is null; null when all three are measured." }),
    protocol: z.string(),
    // A union, not .nullable(): the generator would emit allOf [$ref, null], which no null satisfies.
    report: z
      .union([ClassificationReportSchema, z.null()])
      .openapi({ description: "Per-class report of the category head on the same hold-out; null with accuracy." }),
  })
  .openapi("M2Metrics", {
    description:
      "Seed fields first; every top-level key of models/m2/metrics.json follows unchanged (encoder, protocols, " +
      "category, urgency, comparison, serve, …). `comparison` holds M1 and M2 on the same grouped folds; `serve` says which " +
        "model serves each field and why.",
  });

export const MetricsSchema = z.object({ m1: M1MetricsSchema, m2: M2MetricsSchema }).openapi("Metrics");

export type ReportRow = z.infer<typeof ReportRowSchema>;
/**
 * The per-class rows, keyed by category: TS cannot know the names (they come from the
 * artefact), so they are an index signature beside the summary fields.
 */
export type PerClassRows = { readonly [category: Category]: ReportRow };
export type ClassificationReportBody = z.infer<typeof ClassificationReportSchema> & PerClassRows;
export type M1MetricsBody = Omit<z.infer<typeof M1MetricsSchema>, "grouped_cv"> &
  PerClassRows & { grouped_cv: z.infer<typeof M1MetricsSchema>["grouped_cv"] & PerClassRows };
export type M2MetricsBody = z.infer<typeof M2MetricsSchema> & { report: ClassificationReportBody | null };
export type MetricsBody = { m1: M1MetricsBody; m2: M2MetricsBody };
