/**
 * The urgency score's evaluation beyond the fold means (train:urgency): out-of-fold
 * predictions pooled per ticket language, the cross-release split (train on one file,
 * test on another's tickets that have no near-twin in it), and Spearman against the
 * priority itself, which, unlike the six-band target, does not move when the keyword
 * lists change.
 */
import { mae, rmse, spearman } from "./regression-metrics.ts";
import type { Split } from "./split.ts";
import { PRIORITIES } from "./urgency-labels.ts";

/** low 0, medium 1, high 2: what `spearmanPriority` ranks against. */
export function priorityRank(priority: string): number {
  const r = (PRIORITIES as readonly string[]).indexOf(priority.trim().toLowerCase());
  if (r < 0) throw new Error(`unknown ticket priority "${priority}"`);
  return r;
}

/** Every row's prediction from the fold that held it out; the folds must cover all n rows once. */
export function pooledOutOfFold(folds: readonly Split[], perFold: readonly ArrayLike<number>[], n: number): Float64Array {
  const out = new Float64Array(n).fill(NaN);
  folds.forEach((split, k) => {
    if (perFold[k]!.length !== split.test.length) throw new Error(`fold ${k}: ${perFold[k]!.length} predictions for ${split.test.length} rows`);
    split.test.forEach((i, r) => {
      if (!Number.isNaN(out[i]!)) throw new Error(`row ${i} is in the test part of two folds`);
      out[i] = perFold[k]![r]!;
    });
  });
  const missing = out.findIndex((v) => Number.isNaN(v));
  if (missing >= 0) throw new Error(`row ${missing} is in no fold's test part`);
  return out;
}

/**
 * Train on the rows of file `trainFile`, test on the other files' rows, leaving out
 * every test row whose near-duplicate group has a training row (a paraphrase seen in
 * training would flatter the figure).
 */
export function crossFileSplit(fileOf: readonly number[], groupOf: ArrayLike<number>, trainFile = 0): Split & { excluded: number } {
  const train = fileOf.flatMap((f, i) => (f === trainFile ? [i] : []));
  const seen = new Set(train.map((i) => groupOf[i]!));
  const others = fileOf.flatMap((f, i) => (f === trainFile ? [] : [i]));
  const test = others.filter((i) => !seen.has(groupOf[i]!));
  return { train, test, excluded: others.length - test.length };
}

export type Scored = { rmse: number | null; mae: number | null; spearman: number | null; spearmanPriority: number | null };

const finite = (x: number) => (Number.isFinite(x) ? x : null);

/**
 * RMSE / MAE against the target, Spearman against the target and against the priority.
 * A constant predictor has no order, so its Spearman is null rather than whatever ties
 * between per-fold means would make of it.
 */
export function scoreRows(
  idx: readonly number[],
  truth: ArrayLike<number>,
  rank: ArrayLike<number>,
  predicted: ArrayLike<number>,
  constant = false,
): Scored {
  const t = idx.map((i) => truth[i]!);
  const p = idx.map((i) => predicted[i]!);
  return {
    rmse: finite(rmse(t, p)),
    mae: finite(mae(t, p)),
    spearman: constant ? null : finite(spearman(t, p)),
    spearmanPriority: constant ? null : finite(spearman(idx.map((i) => rank[i]!), p)),
  };
}

export type Predictor = { predicted: ArrayLike<number>; constant?: boolean };

/** Each predictor scored on the given rows, overall and per language (languages sorted, "all" first). */
export function scoresByLanguage(
  idx: readonly number[],
  languages: readonly string[],
  truth: ArrayLike<number>,
  rank: ArrayLike<number>,
  predictors: Record<string, Predictor>,
): Record<string, { rows: number } & Record<string, Scored | number>> {
  const groups: [string, number[]][] = [["all", [...idx]]];
  for (const lang of [...new Set(idx.map((i) => languages[i]!))].sort()) groups.push([lang, idx.filter((i) => languages[i] === lang)]);
  return Object.fromEntries(
    groups.map(([lang, rows]) => [
      lang,
      {
        rows: rows.length,
        ...Object.fromEntries(Object.entries(predictors).map(([name, p]) => [name, scoreRows(rows, truth, rank, p.predicted, p.constant)])),
      },
    ]),
  );
}
