/** Regression metrics for the urgency score (as sklearn / scipy compute them). */

export function rmse(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  sameLength(truth, predicted);
  let s = 0;
  for (let i = 0; i < truth.length; i++) s += (truth[i]! - predicted[i]!) ** 2;
  return Math.sqrt(s / truth.length);
}

export function mae(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  sameLength(truth, predicted);
  let s = 0;
  for (let i = 0; i < truth.length; i++) s += Math.abs(truth[i]! - predicted[i]!);
  return s / truth.length;
}

/** Ranks 1..n, ties sharing their average rank (scipy.stats.rankdata "average"). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end]!] === values[order[start]!]) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]!] = rank;
    start = end;
  }
  return ranks;
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  sameLength(a, b);
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  // A constant side has no ordering to agree with: NaN, as scipy returns.
  return saa === 0 || sbb === 0 ? NaN : sab / Math.sqrt(saa * sbb);
}

/** Spearman's rho: Pearson correlation of the average ranks. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(averageRanks(a), averageRanks(b));
}

function sameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new Error(`metric inputs differ in length: ${a.length} vs ${b.length}`);
  if (a.length === 0) throw new Error("metric inputs are empty");
}
