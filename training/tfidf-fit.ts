/**
 * Fitting the TF-IDF vocabulary and idf exactly as scikit-learn's TfidfVectorizer.fit
 * does, down to which terms tied at the max_features cut survive (numpy's argsort,
 * ported below). The Worker only transforms (src/m1/tfidf.ts); checked against
 * sklearn fixtures by m1-parity.test.ts.
 */
import { forEachTerm, type TfidfConfig, type TfidfModel } from "../src/m1/tfidf.ts";

export function fitTfidf(docs: readonly string[], config: TfidfConfig): TfidfModel {
  const ids = new Map<string, number>();
  const seenTerms: string[] = [];
  const df: number[] = [];
  const tf: number[] = [];
  const lastDoc: number[] = [];
  docs.forEach((text, d) => {
    forEachTerm(config.analyzer, text, config.lowercase, (term) => {
      let id = ids.get(term);
      if (id === undefined) {
        id = seenTerms.length;
        ids.set(term, id);
        seenTerms.push(term);
        df.push(0);
        tf.push(0);
        lastDoc.push(-1);
      }
      tf[id]!++;
      if (lastDoc[id] !== d) {
        lastDoc[id] = d;
        df[id]!++;
      }
    });
  });

  // sklearn sorts the vocabulary before limiting; max_features then picks by
  // position in this order, so the order must be Python's (code points).
  const sorted = seenTerms.map((_, id) => id).sort((a, b) => compareCodePoints(seenTerms[a]!, seenTerms[b]!));
  let kept = sorted.filter((id) => df[id]! >= config.minDf);
  if (config.maxFeatures !== null && kept.length > config.maxFeatures) {
    const negTf = kept.map((id) => -tf[id]!);
    const order = numpyArgsortQuick(negTf).subarray(0, config.maxFeatures);
    const keep = new Uint8Array(kept.length);
    for (const k of order) keep[k] = 1;
    kept = kept.filter((_, k) => keep[k] === 1);
  }

  const n = docs.length;
  const terms = kept.map((id) => seenTerms[id]!);
  const idf = new Float64Array(kept.length);
  kept.forEach((id, j) => {
    idf[j] = Math.log((n + 1) / (df[id]! + 1)) + 1;
  });
  return { config, terms, idf };
}

/** Python string order: by code point. JS `<` compares UTF-16 units, which puts astral chars before U+E000-U+FFFF. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // At the first difference both are surrogates (same order as code points) or
    // at most one is; a surrogate then stands for a code point above every BMP char.
    if (x >= 0xd800 && x <= 0xdfff) x += 0x10000;
    if (y >= 0xd800 && y <= 0xdfff) y += 0x10000;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * numpy's generic `ndarray.argsort()` (kind="quicksort": introsort, not stable) for
 * integer keys, as in numpy 1.24 (the fixtures' version). sklearn's max_features cut runs
 * it on -tf, so which of several terms tied at the cut survive is decided by this exact
 * sequence of swaps. (numpy >= 1.25 may dispatch to SIMD argsorts on AVX-512/AVX2 CPUs,
 * whose tie order differs again; the parity fixtures pin the version.)
 */
export function numpyArgsortQuick(v: ArrayLike<number>): Int32Array {
  const num = v.length;
  const tosort = new Int32Array(num);
  for (let i = 0; i < num; i++) tosort[i] = i;
  if (num < 2) return tosort;
  const SMALL_QUICKSORT = 15;
  const stack: number[] = [];
  const depthStack: number[] = [];
  let pl = 0;
  let pr = num - 1;
  let cdepth = msb(num) * 2;
  const swap = (a: number, b: number) => {
    const t = tosort[a]!;
    tosort[a] = tosort[b]!;
    tosort[b] = t;
  };
  for (;;) {
    if (cdepth < 0) {
      aheapsort(v, tosort, pl, pr - pl + 1);
    } else {
      while (pr - pl > SMALL_QUICKSORT) {
        const pm = pl + ((pr - pl) >> 1);
        if (v[tosort[pm]!]! < v[tosort[pl]!]!) swap(pm, pl);
        if (v[tosort[pr]!]! < v[tosort[pm]!]!) swap(pr, pm);
        if (v[tosort[pm]!]! < v[tosort[pl]!]!) swap(pm, pl);
        const vp = v[tosort[pm]!]!;
        let pi = pl;
        let pj = pr - 1;
        swap(pm, pj);
        for (;;) {
          do ++pi;
          while (v[tosort[pi]!]! < vp);
          do --pj;
          while (vp < v[tosort[pj]!]!);
          if (pi >= pj) break;
          swap(pi, pj);
        }
        swap(pi, pr - 1);
        // Push the larger partition, keep sorting the smaller one.
        if (pi - pl < pr - pi) {
          stack.push(pi + 1, pr);
          pr = pi - 1;
        } else {
          stack.push(pl, pi - 1);
          pl = pi + 1;
        }
        depthStack.push(--cdepth);
      }
      for (let pi = pl + 1; pi <= pr; pi++) {
        const vi = tosort[pi]!;
        const vp = v[vi]!;
        let pj = pi;
        while (pj > pl && vp < v[tosort[pj - 1]!]!) {
          tosort[pj] = tosort[pj - 1]!;
          pj--;
        }
        tosort[pj] = vi;
      }
    }
    if (stack.length === 0) break;
    pr = stack.pop()!;
    pl = stack.pop()!;
    cdepth = depthStack.pop()!;
  }
  return tosort;
}

/** numpy 1.x `argsort(kind="heapsort")`; also the introsort's fallback when it recurses too deep. */
export function numpyArgsortHeap(v: ArrayLike<number>): Int32Array {
  const tosort = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) tosort[i] = i;
  if (v.length > 1) aheapsort(v, tosort, 0, v.length);
  return tosort;
}

function msb(n: number): number {
  let depth = 0;
  while ((n >>= 1) > 0) depth++;
  return depth;
}

/** numpy's aheapsort_ on tosort[start .. start + n), 1-based heap indexing as in C. */
function aheapsort(v: ArrayLike<number>, tosort: Int32Array, start: number, n: number): void {
  const a = (k: number) => tosort[start + k - 1]!;
  const set = (k: number, x: number) => {
    tosort[start + k - 1] = x;
  };
  for (let l = n >> 1; l > 0; --l) {
    const tmp = a(l);
    let i = l;
    for (let j = l << 1; j <= n; ) {
      if (j < n && v[a(j)]! < v[a(j + 1)]!) j += 1;
      if (v[tmp]! < v[a(j)]!) {
        set(i, a(j));
        i = j;
        j += j;
      } else break;
    }
    set(i, tmp);
  }
  for (; n > 1; ) {
    const tmp = a(n);
    set(n, a(1));
    n -= 1;
    let i = 1;
    for (let j = 2; j <= n; ) {
      if (j < n && v[a(j)]! < v[a(j + 1)]!) j++;
      if (v[tmp]! < v[a(j)]!) {
        set(i, a(j));
        i = j;
        j += j;
      } else break;
    }
    set(i, tmp);
  }
}

