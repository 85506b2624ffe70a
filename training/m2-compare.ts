/**
 * M1 against M2 on the same folds and rows: fold-paired differences with their
 * standard errors, per-language reports, and the serving decision train:m2 writes
 * into heads.json (serve), so the rule and its figures live in one place.
 */
import { classificationReport, meanStd } from "./metrics.ts";
import type { M2Serve } from "../src/m2/heads.ts";

export type PairedDiff = { mean: number; standardError: number; perFold: number[] };

/**
 * Mean of the per-fold differences a − b and its standard error: the sample standard
 * deviation of the differences over √folds (population std over √(folds − 1), the same).
 */
export function pairedDiff(a: readonly number[], b: readonly number[]): PairedDiff {
  if (a.length !== b.length || a.length === 0) throw new Error("pairedDiff: need the same non-zero number of folds");
  const diffs = a.map((x, i) => x - b[i]!);
  const { mean, std } = meanStd(diffs);
  return { mean, standardError: diffs.length > 1 ? std / Math.sqrt(diffs.length - 1) : Infinity, perFold: diffs };
}

/** Higher is better (macro-F1): the challenger wins only when its gain exceeds one standard error. */
export const beatsBySe = (d: PairedDiff) => d.mean > d.standardError;
/** Lower is better (RMSE): the challenger wins only when its loss is lower by more than one standard error. */
export const lowerBySe = (d: PairedDiff) => -d.mean > d.standardError;

const f3 = (x: number) => x.toFixed(3);
const signed = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(3)}`;

/** One field of heads.json `serve`, as src/m2/heads.ts validates it. */
export type ServeField = M2Serve["category"];

export function categoryServe(m2MacroF1: number, m1MacroF1: number, diff: PairedDiff, folds: number): ServeField {
  const model = beatsBySe(diff) ? "m2" : "m1";
  const verdict = model === "m2" ? "M2 serves" : "gain not above one SE: M1 serves";
  return {
    model,
    reason:
      `M2 macro-F1 ${f3(m2MacroF1)} vs M1 ${f3(m1MacroF1)} on ${folds} grouped folds, ` +
      `paired diff ${signed(diff.mean)} ± ${f3(diff.standardError)} SE: ${verdict}`,
  };
}

export function urgencyServe(m2Rmse: number, m1Rmse: number, diff: PairedDiff, folds: number): ServeField {
  const model = lowerBySe(diff) ? "m2" : "m1";
  const verdict = model === "m2" ? "M2 serves" : "not lower by more than one SE: M1 serves";
  return {
    model,
    reason:
      `M2 urgency RMSE ${f3(m2Rmse)} vs M1 ${f3(m1Rmse)} on ${folds} grouped folds, ` +
      `paired diff ${signed(diff.mean)} ± ${f3(diff.standardError)} SE: ${verdict}`,
  };
}

export type LanguageReport = {
  rows: number;
  /** Classes with at least one true ticket in this language: macro-F1 averages over these. */
  classesPresent: string[];
  support: Record<string, number>;
  m1: { accuracy: number; macroF1: number; perClassF1: Record<string, number> };
  m2: { accuracy: number; macroF1: number; perClassF1: Record<string, number> };
};

/**
 * Accuracy and macro-F1 of both models' pooled out-of-fold predictions, per ticket
 * language. Macro-F1 runs over the classes present in that language: a class with no
 * ticket there has no F1 to average (sklearn's labels= restricted to them).
 */
export function perLanguage(
  languages: readonly string[],
  truth: readonly string[],
  m1: readonly string[],
  m2: readonly string[],
  classes: readonly string[],
): Record<string, LanguageReport> {
  const out: Record<string, LanguageReport> = {};
  for (const lang of [...new Set(languages)].sort()) {
    const idx = languages.flatMap((l, i) => (l === lang ? [i] : []));
    const t = idx.map((i) => truth[i]!);
    const present = classes.filter((c) => t.includes(c));
    const score = (pred: readonly string[]) => {
      const r = classificationReport(t, idx.map((i) => pred[i]!), classes);
      return {
        accuracy: r.accuracy,
        macroF1: present.reduce((s, c) => s + r.perClass[c]!.f1, 0) / present.length,
        perClassF1: Object.fromEntries(present.map((c) => [c, r.perClass[c]!.f1])),
      };
    };
    out[lang] = {
      rows: idx.length,
      classesPresent: present,
      support: Object.fromEntries(classes.map((c) => [c, t.filter((x) => x === c).length])),
      m1: score(m1),
      m2: score(m2),
    };
  }
  return out;
}

/** Quantiles of token counts, nearest-rank on the sorted counts. */
export function lengthQuantiles(counts: readonly number[], maxLength: number) {
  const sorted = [...counts].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  const kept = counts.reduce((s, n) => s + Math.min(n, maxLength), 0);
  const total = counts.reduce((s, n) => s + n, 0);
  return {
    tickets: counts.length,
    median: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    max: sorted.at(-1)!,
    maxLength,
    truncatedTickets: counts.filter((n) => n > maxLength).length,
    /** Share of all tokens (specials included) cut off by the limit. */
    droppedTokenShare: total === 0 ? 0 : 1 - kept / total,
  };
}
