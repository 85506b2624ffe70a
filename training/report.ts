/**
 * What a person reads after `npm run train:m1`: per-class precision / recall / F1 / support
 * and the confusion matrix of the shipped model under both protocols, as a text table
 * (stdout) and as a picture (models/m1/confusion-matrix.svg). Both are pure functions of
 * metrics.json, so the committed picture can be checked against the committed figures and
 * retraining on the same data rewrites the same bytes.
 */
import { sklearnReport } from "../src/metrics-report.ts";
import type { ReportRow } from "../src/schemas/metrics.ts";
import type { ClassificationReport, MeanStd } from "./metrics.ts";

/** The parts of models/m1/metrics.json the report reads. */
export type M1ReportInput = {
  protocols: { holdout: { testFraction: number; seed: number }; groupedCv: { folds: number; seed: number } };
  shipped: {
    name: string;
    holdout: { trainRows: number; testRows: number; report: ClassificationReport };
    groupedCv: { folds: number; accuracy: MeanStd; macroF1: MeanStd; pooled: ClassificationReport };
  };
};

/** detail: the table's line under the heading; footer: the shorter line under the picture's matrix. */
type Panel = { key: string; heading: string; subheading: string; detail: string; footer: string; report: ClassificationReport };

const f3 = (x: number) => x.toFixed(3);
const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;

function panels(input: M1ReportInput): Panel[] {
  const { holdout, groupedCv } = input.shipped;
  const p = input.protocols;
  return [
    {
      key: "(a)",
      heading: "seed protocol: one stratified hold-out",
      subheading: `${pct(p.holdout.testFraction)} of the tickets (seed ${p.holdout.seed})`,
      detail: `${holdout.testRows} test tickets, model trained on the other ${holdout.trainRows}`,
      footer: `${holdout.testRows} test tickets, model trained on the other ${holdout.trainRows}`,
      report: holdout.report,
    },
    {
      key: "(b)",
      heading: `leakage-safe: stratified group ${groupedCv.folds}-fold CV`,
      subheading: `near-duplicate tickets never split (seed ${p.groupedCv.seed})`,
      detail:
        `out-of-fold predictions of all ${groupedCv.pooled.rows} tickets pooled; per fold: accuracy ` +
        `${f3(groupedCv.accuracy.mean)} ± ${f3(groupedCv.accuracy.std)}, macro-F1 ${f3(groupedCv.macroF1.mean)} ± ${f3(groupedCv.macroF1.std)}`,
      footer: `out-of-fold predictions of all ${groupedCv.pooled.rows} tickets, pooled over the folds`,
      report: groupedCv.pooled,
    },
  ];
}

/** Columns right-aligned, the first left-aligned, two spaces apart. */
function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => (r[j] ?? "").length)));
  return rows.map((r) => r.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join("  ").trimEnd());
}

/** One protocol: sklearn's classification_report layout, then the confusion matrix. */
export function renderReportTable(report: ClassificationReport): string {
  const sk = sklearnReport(report);
  const line = (name: string) => {
    const r = sk[name] as ReportRow;
    return [name, f3(r.precision), f3(r.recall), f3(r["f1-score"]), String(r.support)];
  };
  const scores = columns([
    ["", "precision", "recall", "f1-score", "support"],
    ...report.classes.map(line),
    ["", "", "", "", ""],
    ["accuracy", "", "", f3(report.accuracy), String(report.rows)],
    line("macro avg"),
    line("weighted avg"),
  ]);
  const confusion = columns([
    ["true \\ predicted", ...report.classes],
    ...report.classes.map((c, i) => [c, ...report.confusion[i]!.map(String)]),
  ]);
  return [...scores, "", "confusion matrix (rows: true class, columns: predicted class)", ...confusion].join("\n");
}

/** The whole table train:m1 prints: both protocols for the shipped model. */
export function renderM1Report(input: M1ReportInput): string {
  const blocks = panels(input).map((p) =>
    [`${p.key} ${p.heading}, ${p.subheading}`, `    ${p.detail}`, "", renderReportTable(p.report)].join("\n"),
  );
  return [`M1 "${input.shipped.name}" (shipped) on held-out tickets`, "", blocks.join("\n\n"), ""].join("\n");
}

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** White → deep blue by the share of the true class's tickets that land in the cell. */
function shade(share: number): string {
  const mix = (from: number, to: number) => Math.round(from + (to - from) * share);
  const hex = (v: number) => v.toString(16).padStart(2, "0");
  return `#${hex(mix(255, 23))}${hex(mix(255, 64))}${hex(mix(255, 140))}`;
}

/**
 * Both protocols' confusion matrices side by side, hand-written SVG (no dependency): each cell
 * shows its count and its share of the row (the true class), shaded by that share, so recall
 * reads along the diagonal. Integer coordinates and fixed number formats keep the bytes stable.
 */
export function confusionMatrixSvg(input: M1ReportInput): string {
  const ps = panels(input);
  const n = ps[0]!.report.classes.length;
  const cell = 84;
  const labelW = 96;
  const panelW = labelW + n * cell;
  const gap = 72;
  const margin = 24;
  const top = 172;
  const width = margin * 2 + ps.length * panelW + (ps.length - 1) * gap;
  const height = top + n * cell + 64;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin}" y="30" font-size="17" font-weight="bold">${escapeXml(`M1 "${input.shipped.name}": confusion matrices on held-out tickets`)}</text>`,
    `<text x="${margin}" y="52" fill="#444444">rows: true class · columns: predicted · each cell: tickets and share of its row (recall on the diagonal)</text>`,
  ];
  ps.forEach((p, k) => {
    const x0 = margin + k * (panelW + gap);
    const gx = x0 + labelW;
    const r = p.report;
    const accuracy = `accuracy ${f3(r.accuracy)} · macro-F1 ${f3(r.macroF1)} · ${r.rows} tickets`;
    out.push(
      `<text x="${x0}" y="84" font-weight="bold">${escapeXml(`${p.key} ${p.heading}`)}</text>`,
      `<text x="${x0}" y="102" fill="#444444">${escapeXml(p.subheading)}</text>`,
      `<text x="${x0}" y="120" fill="#444444">${escapeXml(accuracy)}</text>`,
      `<text x="${gx + (n * cell) / 2}" y="${top - 28}" text-anchor="middle" fill="#444444" font-style="italic">predicted</text>`,
    );
    out.push(`<text x="${gx - 8}" y="${top - 8}" text-anchor="end" fill="#444444" font-style="italic">true</text>`);
    r.classes.forEach((c, j) => {
      out.push(`<text x="${gx + j * cell + cell / 2}" y="${top - 8}" text-anchor="middle">${escapeXml(c)}</text>`);
    });
    r.classes.forEach((c, i) => {
      const y = top + i * cell;
      const support = r.confusion[i]!.reduce((a, v) => a + v, 0);
      out.push(`<text x="${gx - 8}" y="${y + cell / 2 + 5}" text-anchor="end">${escapeXml(c)}</text>`);
      r.confusion[i]!.forEach((count, j) => {
        const share = support === 0 ? 0 : count / support;
        const x = gx + j * cell;
        const ink = share > 0.5 ? "#ffffff" : "#111111";
        out.push(
          `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${shade(share)}" stroke="#ffffff" stroke-width="2"/>`,
          `<text x="${x + cell / 2}" y="${y + cell / 2 - 2}" text-anchor="middle" font-size="18" font-weight="bold" fill="${ink}">${count}</text>`,
          `<text x="${x + cell / 2}" y="${y + cell / 2 + 18}" text-anchor="middle" font-size="12" fill="${ink}">${pct(share)}</text>`,
        );
      });
    });
    out.push(`<text x="${x0}" y="${top + n * cell + 28}" fill="#444444">${escapeXml(p.footer)}</text>`);
  });
  out.push("</svg>", "");
  return out.join("\n");
}
