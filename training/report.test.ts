import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import metricsFile from "../models/m1/metrics.json" with { type: "json" };
import { REPO_ROOT } from "../dataset/load.ts";
import { classificationReport } from "./metrics.ts";
import { confusionMatrixSvg, renderM1Report, renderReportTable, type M1ReportInput } from "./report.ts";

const committed = metricsFile as M1ReportInput;

describe("renderReportTable", () => {
  // scikit-learn's docstring example; its printed report, at 3 decimals.
  it("prints sklearn's classification_report rows and the confusion matrix", () => {
    const names = ["class 0", "class 1", "class 2"];
    const label = (i: number) => names[i]!;
    const table = renderReportTable(classificationReport([0, 1, 2, 2, 2].map(label), [0, 0, 2, 2, 1].map(label), names));
    const lines = table.split("\n").map((l) => l.replace(/\s+/g, " ").trim());
    expect(lines).toEqual([
      "precision recall f1-score support",
      "class 0 0.500 1.000 0.667 1",
      "class 1 0.000 0.000 0.000 1",
      "class 2 1.000 0.667 0.800 3",
      "",
      "accuracy 0.600 5",
      "macro avg 0.500 0.556 0.489 5",
      "weighted avg 0.700 0.600 0.613 5",
      "",
      "confusion matrix (rows: true class, columns: predicted class)",
      "true \\ predicted class 0 class 1 class 2",
      "class 0 1 0 0",
      "class 1 1 0 0",
      "class 2 0 1 2",
    ]);
    // Columns line up: every score row is as wide as the header or narrower.
    const raw = table.split("\n");
    expect(raw[1]!.length).toBe(raw[0]!.length);
  });
});

describe("renderM1Report on the committed metrics.json", () => {
  const text = renderM1Report(committed);
  const squeezed = text.replace(/ +/g, " ");

  it("shows both protocols with their per-class rows and confusion matrices", () => {
    expect(text).toMatch(/^M1 "char\+word C=0\.5 \+bias" \(shipped\) on held-out tickets/);
    expect(text).toContain("(a) seed protocol: one stratified hold-out, 15 % of the tickets (seed 42)");
    expect(text).toContain("(b) leakage-safe: stratified group 5-fold CV");
    const { holdout, groupedCv } = committed.shipped;
    for (const report of [holdout.report, groupedCv.pooled]) {
      for (const [i, c] of report.classes.entries()) {
        const s = report.perClass[c]!;
        expect(squeezed).toContain(`${c} ${s.precision.toFixed(3)} ${s.recall.toFixed(3)} ${s.f1.toFixed(3)} ${s.support}`);
        expect(squeezed).toContain(`${c} ${report.confusion[i]!.join(" ")}`);
      }
      expect(squeezed).toContain(`accuracy ${report.accuracy.toFixed(3)} ${report.rows}`);
    }
    expect(squeezed).toContain(`macro-F1 ${groupedCv.macroF1.mean.toFixed(3)} ± ${groupedCv.macroF1.std.toFixed(3)}`);
  });
});

describe("confusionMatrixSvg", () => {
  const svg = confusionMatrixSvg(committed);

  it("draws every cell of both matrices with its count and row share", () => {
    expect(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"")).toBe(true);
    expect(svg.endsWith("</svg>\n")).toBe(true);
    expect(svg.match(/<rect [^>]*stroke=/g)).toHaveLength(2 * 9);
    for (const report of [committed.shipped.holdout.report, committed.shipped.groupedCv.pooled]) {
      for (const row of report.confusion) for (const count of row) expect(svg).toContain(`>${count}</text>`);
    }
    expect(svg).toContain(">86.5 %</text>"); // Billing recall on the hold-out: 45 of 52
    expect(svg).toContain("(a) seed protocol: one stratified hold-out");
    expect(svg).toContain("(b) leakage-safe: stratified group 5-fold CV");
  });

  it("escapes class names and gives the same bytes for the same figures", () => {
    const report = classificationReport(["<a>", "b&c"], ["<a>", "<a>"], ["<a>", "b&c"]);
    const input: M1ReportInput = {
      ...committed,
      shipped: { ...committed.shipped, holdout: { ...committed.shipped.holdout, report }, groupedCv: { ...committed.shipped.groupedCv, pooled: report } },
    };
    const out = confusionMatrixSvg(input);
    expect(out).toContain(">&lt;a&gt;</text>");
    expect(out).toContain(">b&amp;c</text>");
    expect(out).not.toMatch(/<a>|b&c/);
    expect(confusionMatrixSvg(structuredClone(input))).toBe(out);
  });

  // train:m1 writes both files from the same figures; a stale picture fails here.
  it("is what models/m1/confusion-matrix.svg holds", () => {
    expect(readFileSync(resolve(REPO_ROOT, "models/m1/confusion-matrix.svg"), "utf8")).toBe(svg);
  });
});
