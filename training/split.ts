/**
 * Evaluation splits. Two protocols:
 *  - the seed's: one stratified 15 % hold-out (seed 42);
 *  - leakage-safe: stratified K-fold over groups of near-duplicate tickets, so a
 *    paraphrase of a test ticket is never in the training part.
 * Deterministic for a given seed.
 */
import { Mt19937 } from "./linear-svm.ts";

export type Split = { train: number[]; test: number[] };

function shuffleInPlace<T>(items: T[], rng: Mt19937): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.boundedInt(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Per class, a seeded shuffle puts round(testFraction · count) rows (at least one) in the test part. */
export function stratifiedHoldout(labels: readonly string[], testFraction: number, seed: number): Split {
  const rng = new Mt19937(seed);
  const byClass = new Map<string, number[]>();
  labels.forEach((l, i) => {
    if (!byClass.has(l)) byClass.set(l, []);
    byClass.get(l)!.push(i);
  });
  const train: number[] = [];
  const test: number[] = [];
  for (const label of [...byClass.keys()].sort()) {
    const rows = shuffleInPlace(byClass.get(label)!, rng);
    const nTest = Math.min(rows.length - 1, Math.max(1, Math.round(rows.length * testFraction)));
    test.push(...rows.slice(0, nTest));
    train.push(...rows.slice(nTest));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

/**
 * K folds that never cut a group, with class proportions kept close to the whole
 * (sklearn StratifiedGroupKFold's greedy rule): groups, shuffled then taken from the
 * most to the least class-skewed, each go to the fold whose class distribution they
 * disturb least, ties to the smallest fold.
 */
export function stratifiedGroupKFold(
  labels: readonly string[],
  groups: ArrayLike<number>,
  k: number,
  seed: number,
): Split[] {
  const classes = [...new Set(labels)].sort();
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const members = new Map<number, number[]>();
  labels.forEach((_, i) => {
    const g = groups[i]!;
    if (!members.has(g)) members.set(g, []);
    members.get(g)!.push(i);
  });
  const groupIds = shuffleInPlace([...members.keys()].sort((a, b) => a - b), new Mt19937(seed));
  const counts = new Map(
    groupIds.map((g) => {
      const c = new Array<number>(classes.length).fill(0);
      for (const i of members.get(g)!) c[classIndex.get(labels[i]!)!]!++;
      return [g, c];
    }),
  );
  const totals = classes.map((_, c) => labels.filter((l) => classIndex.get(l) === c).length);
  const spread = (c: number[]) => std(c.map((v, j) => v / totals[j]!));
  // Stable sort keeps the shuffled order among equally skewed groups.
  groupIds.sort((a, b) => spread(counts.get(b)!) - spread(counts.get(a)!));

  const foldCounts = Array.from({ length: k }, () => new Array<number>(classes.length).fill(0));
  const foldOf = new Map<number, number>();
  for (const g of groupIds) {
    const c = counts.get(g)!;
    let best = -1;
    let bestStd = Infinity;
    let bestSize = Infinity;
    for (let f = 0; f < k; f++) {
      foldCounts[f]!.forEach((v, j) => (foldCounts[f]![j] = v + c[j]!));
      const perClassStd = classes.map((_, j) => std(foldCounts.map((fc) => fc[j]! / totals[j]!)));
      const score = perClassStd.reduce((s, v) => s + v, 0) / classes.length;
      foldCounts[f]!.forEach((v, j) => (foldCounts[f]![j] = v - c[j]!));
      const size = foldCounts[f]!.reduce((s, v) => s + v, 0);
      if (score < bestStd - 1e-12 || (Math.abs(score - bestStd) <= 1e-12 && size < bestSize)) {
        best = f;
        bestStd = score;
        bestSize = size;
      }
    }
    foldOf.set(g, best);
    foldCounts[best]!.forEach((v, j) => (foldCounts[best]![j] = v + c[j]!));
  }

  return Array.from({ length: k }, (_, f) => {
    const train: number[] = [];
    const test: number[] = [];
    labels.forEach((_, i) => (foldOf.get(groups[i]!) === f ? test : train).push(i));
    return { train, test };
  });
}

function std(values: number[]): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
}
