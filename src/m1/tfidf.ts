/**
 * TF-IDF features with scikit-learn's TfidfVectorizer semantics, so a model fitted
 * by training/tfidf-fit.ts and one fitted by sklearn on the same texts agree feature
 * for feature (checked by training/m1-parity.test.ts against committed sklearn
 * fixtures). This half analyses and transforms; the trainer uses it too, so the rows
 * it fits on are the rows the Worker scores.
 *
 * Strings are measured in Unicode code points, as Python does, never UTF-16 units.
 */
import type { SparseRow } from "../ml/linear.ts";

export type Analyzer =
  /** sklearn analyzer="char_wb": character n-grams inside space-padded words. */
  | { kind: "char_wb"; ngramMin: number; ngramMax: number }
  /** sklearn analyzer="word" with token_pattern \b\w\w+\b (Unicode letters/digits). */
  | { kind: "word"; ngramMin: number; ngramMax: number };

export type TfidfConfig = {
  analyzer: Analyzer;
  /** Keep terms found in at least this many documents (sklearn min_df as an int). */
  minDf: number;
  /** Keep at most this many terms, the most frequent over the corpus (sklearn max_features). */
  maxFeatures: number | null;
  /** tf → 1 + ln(tf). */
  sublinearTf: boolean;
  lowercase: boolean;
};

export type TfidfModel = {
  config: TfidfConfig;
  /** Terms in feature-index order (sklearn: sorted by code point). */
  terms: string[];
  /** Smooth idf, ln((1 + n) / (1 + df)) + 1, per feature. */
  idf: Float64Array | Float32Array;
};

// ---------------------------------------------------------------------------
// Analyzers

// Python's str.split() whitespace (str.isspace), which differs from JS \s:
// it adds \x1c-\x1f and \x85 and leaves out \ufeff.
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
const SURROGATE = /[\ud800-\udfff]/;
// sklearn's default token_pattern (?u)\b\w\w+\b: runs of 2+ word characters.
// Python's \w is alphanumeric or underscore; \p{L}\p{N}_ is the JS equivalent.
const WORD_TOKEN = /[\p{L}\p{N}_]{2,}/gu;

/** Calls visit once per term occurrence, in sklearn's order. */
export function forEachTerm(analyzer: Analyzer, text: string, lowercase: boolean, visit: (term: string) => void): void {
  const doc = lowercase ? text.toLowerCase() : text;
  if (analyzer.kind === "char_wb") charWbNgrams(doc, analyzer.ngramMin, analyzer.ngramMax, visit);
  else wordNgrams(doc, analyzer.ngramMin, analyzer.ngramMax, visit);
}

function charWbNgrams(doc: string, minN: number, maxN: number, visit: (term: string) => void): void {
  // sklearn first collapses whitespace runs, then splits on whitespace, so only the split matters.
  const words = doc.split(PY_WHITESPACE);
  const astral = SURROGATE.test(doc);
  for (const word of words) {
    if (word === "") continue;
    if (astral && SURROGATE.test(word)) {
      charWbNgramsCodePoints(` ${word} `, minN, maxN, visit);
      continue;
    }
    const w = ` ${word} `;
    const len = w.length;
    for (let n = minN; n <= maxN; n++) {
      if (len <= n) {
        // A padded word no longer than n is emitted once, whole, and ends this word.
        visit(w);
        break;
      }
      for (let i = 0; i + n <= len; i++) visit(w.slice(i, i + n));
    }
  }
}

function charWbNgramsCodePoints(w: string, minN: number, maxN: number, visit: (term: string) => void): void {
  const cps = Array.from(w);
  const len = cps.length;
  for (let n = minN; n <= maxN; n++) {
    if (len <= n) {
      visit(w);
      break;
    }
    for (let i = 0; i + n <= len; i++) visit(cps.slice(i, i + n).join(""));
  }
}

function wordNgrams(doc: string, minN: number, maxN: number, visit: (term: string) => void): void {
  const tokens = doc.match(WORD_TOKEN) ?? [];
  for (let n = minN; n <= maxN; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      visit(n === 1 ? tokens[i]! : tokens.slice(i, i + n).join(" "));
    }
  }
}

/** Term → feature index. */
export function vocabularyOf(terms: readonly string[]): Map<string, number> {
  const vocabulary = new Map<string, number>();
  terms.forEach((t, i) => vocabulary.set(t, i));
  return vocabulary;
}

// ---------------------------------------------------------------------------
// Transform

/**
 * Fast term counting for char_wb: instead of building a string per n-gram and
 * hashing it in a Map (~150 ns each, 3,000 n-grams per ticket), each n-gram's code
 * points are hashed incrementally and looked up in an open-addressing table, then
 * verified against the term's code points. Same counts, several times faster.
 */
type CharIndex = {
  mask: number;
  /** Slot → term index + 1 (0 = empty). */
  slots: Int32Array;
  hashes: Int32Array;
  pool: Int32Array;
  start: Int32Array;
  length: Uint8Array;
};

const HASH_SEED = 0x811c9dc5 | 0;
const HASH_PRIME = 0x01000193;

function buildCharIndex(terms: readonly string[]): CharIndex {
  let size = 1;
  while (size < terms.length * 2) size <<= 1;
  // Runs at Worker start-up: plain loops, no per-term arrays.
  let units = 0;
  for (const t of terms) units += t.length;
  const pool = new Int32Array(units);
  const start = new Int32Array(terms.length);
  const length = new Uint8Array(terms.length);
  const slots = new Int32Array(size);
  const hashes = new Int32Array(size);
  let at = 0;
  for (let id = 0; id < terms.length; id++) {
    const t = terms[id]!;
    start[id] = at;
    let h = HASH_SEED;
    for (let i = 0; i < t.length; i++) {
      let cp = t.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < t.length) {
        const lo = t.charCodeAt(i + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
          i++;
        }
      }
      pool[at++] = cp;
      h = Math.imul(h ^ cp, HASH_PRIME);
    }
    length[id] = at - start[id]!;
    let slot = h & (size - 1);
    while (slots[slot] !== 0) slot = (slot + 1) & (size - 1);
    slots[slot] = id + 1;
    hashes[slot] = h;
  }
  return { mask: size - 1, slots, hashes, pool, start, length };
}

function isPyWhitespace(cp: number): boolean {
  if (cp <= 0x20) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x1f);
  if (cp < 0x85) return false;
  return (
    cp === 0x85 || cp === 0xa0 || cp === 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 || cp === 0x2029 || cp === 0x202f || cp === 0x205f || cp === 0x3000
  );
}

/** Padded words as code points: [32, w..., 32] per word, words laid end to end. */
function paddedWords(doc: string, buffer: Int32Array): { cps: Int32Array; bounds: number[] } {
  // Worst case every character is a one-letter word: 3 slots each.
  const cps = buffer.length >= 3 * doc.length + 2 ? buffer : new Int32Array(3 * doc.length + 2);
  const bounds: number[] = [];
  let n = 0;
  let inWord = false;
  for (let i = 0; i < doc.length; i++) {
    let cp = doc.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < doc.length) {
      const lo = doc.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
        i++;
      }
    }
    if (isPyWhitespace(cp)) {
      if (inWord) {
        cps[n++] = 32;
        bounds.push(n);
        inWord = false;
      }
      continue;
    }
    if (!inWord) {
      bounds.push(n);
      cps[n++] = 32;
      inWord = true;
    }
    cps[n++] = cp;
  }
  if (inWord) {
    cps[n++] = 32;
    bounds.push(n);
  }
  return { cps, bounds };
}

type Scratch = {
  counts: Float64Array;
  touched: Int32Array;
  cps: Int32Array;
  /** char_wb models: the hashed n-gram table; other analyzers: a term → index Map. */
  charIndex: CharIndex | null;
  vocabulary: Map<string, number> | null;
};
const scratchByModel = new WeakMap<TfidfModel, Scratch>();

function scratchFor(model: TfidfModel): Scratch {
  let s = scratchByModel.get(model);
  if (!s) {
    const charWb = model.config.analyzer.kind === "char_wb";
    s = {
      counts: new Float64Array(model.terms.length),
      touched: new Int32Array(1024),
      cps: new Int32Array(4096),
      charIndex: charWb ? buildCharIndex(model.terms) : null,
      vocabulary: charWb ? null : vocabularyOf(model.terms),
    };
    scratchByModel.set(model, s);
  }
  return s;
}

/** Builds the lookup tables now rather than on the first transform (e.g. at Worker start-up). */
export function prepareTransform(model: TfidfModel): void {
  scratchFor(model);
}

/** Adds every in-vocabulary term occurrence of text to scratch.counts; returns the distinct terms in touched[0..n). */
function countTerms(model: TfidfModel, scratch: Scratch, text: string): number {
  const { counts } = scratch;
  let nnz = 0;
  const hit = (j: number) => {
    if (counts[j] === 0) {
      if (nnz === scratch.touched.length) {
        const grown = new Int32Array(scratch.touched.length * 2);
        grown.set(scratch.touched);
        scratch.touched = grown;
      }
      scratch.touched[nnz++] = j;
    }
    counts[j]!++;
  };
  const analyzer = model.config.analyzer;
  const index = scratch.charIndex;
  if (analyzer.kind !== "char_wb" || index === null) {
    const vocabulary = scratch.vocabulary ?? vocabularyOf(model.terms);
    forEachTerm(analyzer, text, model.config.lowercase, (term) => {
      const j = vocabulary.get(term);
      if (j !== undefined) hit(j);
    });
    return nnz;
  }

  const doc = model.config.lowercase ? text.toLowerCase() : text;
  const { cps, bounds } = paddedWords(doc, scratch.cps);
  if (cps.length > scratch.cps.length) scratch.cps = cps;
  const { ngramMin: minN, ngramMax: maxN } = analyzer;
  const { mask, slots, hashes, pool, start, length } = index;
  for (let b = 0; b < bounds.length; b += 2) {
    const from = bounds[b]!;
    const len = bounds[b + 1]! - from;
    // All windows of length minN .. min(maxN, len - 1); a padded word no longer than
    // maxN also counts once whole (sklearn's "short word" rule).
    const top = Math.min(maxN, len - 1);
    for (let i = 0; i < len; i++) {
      let h = HASH_SEED;
      const limit = Math.min(top, len - i);
      for (let k = 0; k < limit; k++) {
        h = Math.imul(h ^ cps[from + i + k]!, HASH_PRIME);
        const n = k + 1;
        if (n >= minN) lookup(h, from + i, n);
      }
      if (i === 0 && len <= maxN) {
        let hw = HASH_SEED;
        for (let k = 0; k < len; k++) hw = Math.imul(hw ^ cps[from + k]!, HASH_PRIME);
        lookup(hw, from, len);
      }
    }
  }
  return nnz;

  function lookup(h: number, at: number, n: number): void {
    let slot = h & mask;
    for (;;) {
      const entry = slots[slot]!;
      if (entry === 0) return;
      if (hashes[slot] === h) {
        const id = entry - 1;
        if (length[id] === n) {
          const s = start[id]!;
          let k = 0;
          while (k < n && pool[s + k] === cps[at + k]) k++;
          if (k === n) {
            hit(id);
            return;
          }
        }
      }
      slot = (slot + 1) & mask;
    }
  }
}

/** One document → its L2-normalised TF-IDF row (empty when no term is in the vocabulary). */
export function transformTfidf(model: TfidfModel, text: string): SparseRow {
  const scratch = scratchFor(model);
  const nnz = countTerms(model, scratch, text);
  const { counts } = scratch;
  const indices = scratch.touched.slice(0, nnz).sort();
  const values = new Float64Array(nnz);
  const idf = model.idf;
  const sublinear = model.config.sublinearTf;
  let sumSq = 0;
  for (let k = 0; k < nnz; k++) {
    const j = indices[k]!;
    const c = counts[j]!;
    counts[j] = 0;
    const x = (sublinear ? Math.log(c) + 1 : c) * idf[j]!;
    values[k] = x;
    sumSq += x * x;
  }
  if (sumSq > 0) {
    const norm = Math.sqrt(sumSq);
    for (let k = 0; k < nnz; k++) values[k]! /= norm;
  }
  return { indices, values };
}

/**
 * Several vectorizers side by side (sklearn FeatureUnion / hstack): each part is
 * normalised on its own, then scaled by its weight and shifted past the earlier parts.
 */
export type TfidfUnion = { parts: TfidfModel[]; weights: number[] };

export function unionWidth(union: TfidfUnion): number {
  return union.parts.reduce((sum, p) => sum + p.terms.length, 0);
}

export function transformUnion(union: TfidfUnion, text: string): SparseRow {
  if (union.parts.length === 1 && union.weights[0] === 1) return transformTfidf(union.parts[0]!, text);
  const rows = union.parts.map((p) => transformTfidf(p, text));
  const nnz = rows.reduce((sum, r) => sum + r.indices.length, 0);
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let at = 0;
  let offset = 0;
  rows.forEach((row, p) => {
    const weight = union.weights[p]!;
    for (let k = 0; k < row.indices.length; k++) {
      indices[at] = row.indices[k]! + offset;
      values[at++] = row.values[k]! * weight;
    }
    offset += union.parts[p]!.terms.length;
  });
  return { indices, values };
}
