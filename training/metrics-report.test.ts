import { describe, expect, it } from "vitest";
import m1File from "../models/m1/metrics.json" with { type: "json" };
import urgencyFile from "../models/m1/urgency-metrics.json" with { type: "json" };
import m2File from "../models/m2/metrics.json" with { type: "json" };
import { classificationReport } from "./metrics.ts";
import { MetricsSchema } from "../src/schemas/metrics.ts";
import { buildMetrics, categoryReport, m1MetricsBody, m2MetricsBody, sklearnReport } from "../src/metrics-report.ts";

const round2 = (x: unknown) => Math.round((x as number) * 100) / 100;
const rounded = (r: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(r).map(([k, v]) => [k, typeof v === "number" ? round2(v) : Object.fromEntries(Object.entries(v as object).map(([m, x]) => [m, round2(x)]))]),
  );

describe("sklearnReport", () => {
  // The example in scikit-learn's classification_report docstring, with the output it prints:
  //               precision    recall  f1-score   support
  //      class 0       0.50      1.00      0.67         1
  //      class 1       0.00      0.00      0.00         1
  //      class 2       1.00      0.67      0.80         3
  //     accuracy                           0.60         5
  //    macro avg       0.50      0.56      0.49         5
  // weighted avg       0.70      0.60      0.61         5
  it("matches scikit-learn's documented example, keys in sklearn's order", () => {
    const names = ["class 0", "class 1", "class 2"];
    const label = (i: number) => names[i]!;
    const report = classificationReport([0, 1, 2, 2, 2].map(label), [0, 0, 2, 2, 1].map(label), names);
    const out = sklearnReport(report);
    expect(Object.keys(out)).toEqual([...names, "accuracy", "macro avg", "weighted avg"]);
    expect(rounded(out)).toEqual({
      "class 0": { precision: 0.5, recall: 1, "f1-score": 0.67, support: 1 },
      "class 1": { precision: 0, recall: 0, "f1-score": 0, support: 1 },
      "class 2": { precision: 1, recall: 0.67, "f1-score": 0.8, support: 3 },
      accuracy: 0.6,
      "macro avg": { precision: 0.5, recall: 0.56, "f1-score": 0.49, support: 5 },
      "weighted avg": { precision: 0.7, recall: 0.6, "f1-score": 0.61, support: 5 },
    });
  });

  it("refuses, for the API, a report whose classes are not the routing categories", () => {
    const report = classificationReport(["a", "b"], ["a", "a"], ["a", "b"]);
    expect(() => categoryReport(report)).toThrow(/not the categories/);
  });
});

describe("m1MetricsBody from the committed models/m1/metrics.json", () => {
  const body = m1MetricsBody(m1File, urgencyFile);
  const { holdout, groupedCv } = m1File.shipped;

  it("serves the shipped model's hold-out report in sklearn's shape, stating the protocol", () => {
    expect(body.accuracy).toBe(holdout.report.accuracy);
    for (const c of holdout.report.classes) {
      const s = holdout.report.perClass[c as keyof typeof holdout.report.perClass];
      expect(body[c as "Billing"]).toEqual({ precision: s.precision, recall: s.recall, "f1-score": s.f1, support: s.support });
    }
    expect(body["macro avg"]["f1-score"]).toBeCloseTo(holdout.report.macroF1, 12);
    expect(body["weighted avg"].support).toBe(holdout.testRows);
    expect(body.protocol).toMatch(/^seed protocol: one stratified hold-out, 15 % \(429 of 2861 rows, seed 42\)/);
    expect(body.model).toBe(m1File.shipped.name);
  });

  it("serves the grouped-CV pooled report beside it, and today's files unchanged", () => {
    expect(body.grouped_cv.accuracy).toBe(groupedCv.pooled.accuracy);
    expect(body.grouped_cv["macro avg"]["f1-score"]).toBeCloseTo(groupedCv.pooled.macroF1, 12);
    expect(body.grouped_cv["weighted avg"].support).toBe(m1File.dataset.rows);
    expect(body.grouped_cv.fold_macro_f1).toEqual(groupedCv.macroF1);
    expect(body.grouped_cv.protocol).toMatch(/^leakage-safe: stratified group 5-fold CV/);
    expect(body.classifier).toBe(m1File);
    expect(body.urgency).toBe(urgencyFile);
  });
});

describe("m2MetricsBody", () => {
  it("takes accuracy, rmse and mae from the shipped heads' hold-out in models/m2/metrics.json", () => {
    const body = m2MetricsBody(m2File);
    const { shipped } = m2File.category;
    const cat = m2File.category.results.find((r) => r.pooling === shipped.pooling && r.classWeight === shipped.classWeight && r.input === shipped.input)!;
    const urg = m2File.urgency.results.find((r) => r.pooling === m2File.urgency.shipped.pooling && r.variant === m2File.urgency.shipped.variant)!;
    expect(body.accuracy).toBe(cat.holdout.report.accuracy);
    expect(body.rmse).toBe(urg.holdout.rmse);
    expect(body.mae).toBe(urg.holdout.mae);
    expect(body.reason).toBeNull();
    expect(body.report?.Legal!.support).toBe(cat.holdout.report.perClass.Legal.support);
    expect(body.protocol).toMatch(/15 % \(seed 42\)/);
    // Today's keys stay, after the seed's.
    expect(Object.keys(body).slice(0, 6)).toEqual(["accuracy", "rmse", "mae", "reason", "protocol", "report"]);
    for (const key of Object.keys(m2File)) expect(body[key]).toBe(m2File[key as keyof typeof m2File]);
  });

  it("tells apart heads of one pooling and class weight by their input", () => {
    const report = (accuracy: number) => ({ accuracy, classes: ["Billing", "Legal", "Technical"], perClass: Object.fromEntries(["Billing", "Legal", "Technical"].map((c) => [c, { precision: 1, recall: 1, f1: 1, support: 1 }])) });
    const results = (["embedding", "embedding+m1-margins"] as const).map((input, i) => ({ pooling: "mean", classWeight: null, input, holdout: { report: report(0.5 + i / 4) } }));
    const pick = (input: string) => m2MetricsBody({ category: { shipped: { pooling: "mean", classWeight: null, input }, results } }).accuracy;
    expect(pick("embedding")).toBe(0.5);
    expect(pick("embedding+m1-margins")).toBe(0.75);
    // Files from before format /2 name no input: the embedding head.
    expect(m2MetricsBody({ category: { shipped: { pooling: "mean", classWeight: null }, results: [{ ...results[0]!, input: undefined }] } }).accuracy).toBe(0.5);
  });

  it("gives null with a reason for whatever the file does not measure", () => {
    expect(m2MetricsBody({})).toMatchObject({ accuracy: null, rmse: null, mae: null, report: null, protocol: expect.stringMatching(/^unknown/) });
    expect(m2MetricsBody({}).reason).toMatch(/accuracy: .*category head.*; rmse, mae: .*urgency head/);
    const categoryOnly = m2MetricsBody({ category: m2File.category });
    expect(categoryOnly.accuracy).toEqual(expect.any(Number));
    expect(categoryOnly).toMatchObject({ rmse: null, mae: null });
    expect(categoryOnly.reason).toMatch(/^rmse, mae: /);
  });
});

describe("buildMetrics", () => {
  it("is what MetricsSchema describes", () => {
    const body = buildMetrics();
    expect(() => MetricsSchema.parse(body)).not.toThrow();
    expect(body.m1.accuracy).toBe(m1File.shipped.holdout.report.accuracy);
  });
});
