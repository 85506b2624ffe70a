/**
 * Groups near-duplicate tickets so evaluation can keep each group on one side of a
 * split. The dataset is LLM-generated and holds paraphrases of the same ticket
 * ("I hope this message reaches you well" / "finds you well", a few words swapped);
 * a random split scatters them over train and test and inflates every score.
 *
 * Two tickets are near-duplicates when the Jaccard similarity of their word-bigram
 * sets reaches the threshold; groups are the connected components (union-find).
 * Candidate pairs come from an inverted index over the rarer bigrams only (common
 * boilerplate like "dear customer" would pair everything) and are then verified
 * exactly, so the result equals the all-pairs answer while scaling to the 28k file.
 */

export type NearDuplicateOptions = {
  /** Words per shingle. */
  shingle: number;
  /** Minimum Jaccard similarity of the shingle sets. */
  threshold: number;
};

export const DEFAULT_NEAR_DUPLICATE_OPTIONS: NearDuplicateOptions = { shingle: 2, threshold: 0.3 };

export type NearDuplicateGroups = {
  /** Group id per ticket, 0 .. nGroups-1. */
  groupOf: Int32Array;
  nGroups: number;
  /** Groups with more than one ticket, and the tickets in them. */
  multiGroups: number;
  ticketsInMultiGroups: number;
  /** Verified similar pairs (edges of the union-find). */
  pairs: number;
};

const WORD = /[\p{L}\p{N}]+/gu;

export function shingleSet(text: string, size: number, ids: Map<string, number>): Int32Array {
  const words = text.toLowerCase().match(WORD) ?? [];
  const out = new Set<number>();
  const add = (s: string) => {
    let id = ids.get(s);
    if (id === undefined) ids.set(s, (id = ids.size));
    out.add(id);
  };
  if (words.length > 0 && words.length < size) add(words.join(" "));
  for (let i = 0; i + size <= words.length; i++) add(words.slice(i, i + size).join(" "));
  return Int32Array.from(out).sort();
}

export function jaccard(a: Int32Array, b: Int32Array): number {
  if (a.length === 0 && b.length === 0) return 1;
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < a.length && j < b.length) {
    if (a[i]! === b[j]!) {
      common++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return common / (a.length + b.length - common);
}

export function groupNearDuplicates(
  texts: readonly string[],
  options: NearDuplicateOptions = DEFAULT_NEAR_DUPLICATE_OPTIONS,
): NearDuplicateGroups {
  const n = texts.length;
  const ids = new Map<string, number>();
  const sets = texts.map((t) => shingleSet(t, options.shingle, ids));
  const postings: number[][] = Array.from({ length: ids.size }, () => []);
  sets.forEach((set, d) => set.forEach((s) => postings[s]!.push(d)));
  const maxDf = Math.max(20, Math.ceil(n * 0.01));
  const frequent = sets.map((set) => set.reduce((c, s) => c + (postings[s]!.length > maxDf ? 1 : 0), 0));

  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  let pairs = 0;
  const shared = new Int32Array(n);
  const candidates: number[] = [];
  for (let d = 0; d < n; d++) {
    const a = sets[d]!;
    for (const s of a) {
      const list = postings[s]!;
      if (list.length > maxDf) continue;
      for (const e of list) {
        if (e <= d) continue;
        if (shared[e] === 0) candidates.push(e);
        shared[e]!++;
      }
    }
    for (const e of candidates) {
      const b = sets[e]!;
      // Jaccard ≥ t needs |A∩B| ≥ t·max(|A|,|B|); frequent shingles add at most min(freqA, freqB).
      const bound = shared[e]! + Math.min(frequent[d]!, frequent[e]!);
      shared[e] = 0;
      if (bound < options.threshold * Math.max(a.length, b.length)) continue;
      if (jaccard(a, b) >= options.threshold) {
        pairs++;
        parent[find(e)] = find(d);
      }
    }
    candidates.length = 0;
  }
  // Tickets without any rare shingle (e.g. all-boilerplate or empty) pair only when identical.
  const byKey = new Map<string, number>();
  sets.forEach((set, d) => {
    if (set.some((s) => postings[s]!.length <= maxDf)) return;
    const key = set.join(",");
    const first = byKey.get(key);
    if (first === undefined) byKey.set(key, d);
    else {
      pairs++;
      parent[find(d)] = find(first);
    }
  });

  const groupOf = new Int32Array(n);
  const compact = new Map<number, number>();
  const size = new Map<number, number>();
  for (let d = 0; d < n; d++) {
    const root = find(d);
    if (!compact.has(root)) compact.set(root, compact.size);
    groupOf[d] = compact.get(root)!;
    size.set(groupOf[d]!, (size.get(groupOf[d]!) ?? 0) + 1);
  }
  const multi = [...size.values()].filter((s) => s > 1);
  return {
    groupOf,
    nGroups: compact.size,
    multiGroups: multi.length,
    ticketsInMultiGroups: multi.reduce((s, v) => s + v, 0),
    pairs,
  };
}
