import { describe, expect, it } from "vitest";
import { forEachTerm, transformTfidf, transformUnion, vocabularyOf, type Analyzer, type TfidfConfig } from "../src/m1/tfidf.ts";
import { SEED_TFIDF_CONFIG } from "./seed.ts";
import { fitTfidf } from "./tfidf-fit.ts";

const CHAR_WB = { kind: "char_wb", ngramMin: 3, ngramMax: 5 } as const;

/** Every term occurrence of text, in sklearn's order. */
function analyze(analyzer: Analyzer, text: string): string[] {
  const out: string[] = [];
  forEachTerm(analyzer, text, true, (t) => out.push(t));
  return out;
}

describe("char_wb analyzer (sklearn _char_wb_ngrams)", () => {
  it("pads each word with one space and emits 3..5-grams inside it", () => {
    expect(analyze(CHAR_WB, "abcd")).toEqual([" ab", "abc", "bcd", "cd ", " abc", "abcd", "bcd ", " abcd", "abcd "]);
  });

  it("emits a padded word no longer than n once, whole, and stops there", () => {
    // " a " (3 code points) is emitted for n=3 only; " ab " for n=3 windows then once at n=4.
    expect(analyze(CHAR_WB, "a")).toEqual([" a "]);
    expect(analyze(CHAR_WB, "ab")).toEqual([" ab", "ab ", " ab "]);
  });

  it("splits on Python whitespace, not JS \\s", () => {
    // \x1c is whitespace to Python's str.split(); \ufeff is not (JS \s says the opposite).
    expect(analyze(CHAR_WB, "ab\x1ccd")).toEqual(analyze(CHAR_WB, "ab cd"));
    expect(analyze(CHAR_WB, "a\ufeffb")).toContain(" a\ufeffb ");
    expect(analyze(CHAR_WB, "ab  \n\t cd")).toEqual(analyze(CHAR_WB, "ab cd"));
  });

  it("counts astral characters as one code point, as Python does", () => {
    expect(analyze(CHAR_WB, "🔥")).toEqual([" 🔥 "]);
    expect(analyze(CHAR_WB, "a🔥b")).toContain(" a🔥");
    expect(analyze(CHAR_WB, "a🔥b")).toContain("a🔥b ");
  });

  it("lower-cases like Python's str.lower()", () => {
    expect(analyze(CHAR_WB, "ÄB")).toEqual(analyze(CHAR_WB, "äb"));
  });
});

describe("word analyzer", () => {
  it("keeps Unicode tokens of two or more word characters and joins n-grams with a space", () => {
    const words = { kind: "word", ngramMin: 1, ngramMax: 2 } as const;
    expect(analyze(words, "Die Störung: a VPN-Ausfall!")).toEqual([
      "die", "störung", "vpn", "ausfall", "die störung", "störung vpn", "vpn ausfall",
    ]);
  });
});

describe("transformTfidf", () => {
  const model = fitTfidf(["aaa bbb", "aaa ccc", "aaa bbb bbb", "ddd"], { ...SEED_TFIDF_CONFIG, minDf: 2, maxFeatures: null });

  it("returns an L2-normalised row with ascending indices", () => {
    const row = transformTfidf(model, "aaa bbb bbb zzz");
    expect(Array.from(row.indices)).toEqual([...row.indices].sort((a, b) => a - b));
    const norm = Math.sqrt(row.values.reduce((s, v) => s + v * v, 0));
    expect(norm).toBeCloseTo(1, 12);
  });

  it("applies sublinear tf: a term seen twice weighs (1 + ln 2) times its idf", () => {
    const row = transformTfidf(model, "bbb bbb aaa");
    const v = vocabularyOf(model.terms);
    const at = (t: string) => row.values[Array.from(row.indices).indexOf(v.get(t)!)]!;
    const ratio = at(" bbb ") / at(" aaa ");
    expect(ratio).toBeCloseTo(((1 + Math.log(2)) * model.idf[v.get(" bbb ")!]!) / model.idf[v.get(" aaa ")!]!, 12);
  });

  it("returns an empty row when nothing is in the vocabulary", () => {
    const row = transformTfidf(model, "zzz qqq");
    expect(row.indices.length).toBe(0);
    expect(row.values.length).toBe(0);
  });

  it("counts exactly what the analyzer emits, for other n-gram ranges and astral text", () => {
    const corpus = ["héllo wörld 🔥🔥 x", "a bb ccc dddd eeeee", "😀a 😀a b😀", "mixed 𝐁𝐨𝐥𝐝 text here"];
    for (const [lo, hi] of [[1, 3], [2, 6], [3, 5]] as const) {
      const config: TfidfConfig = { ...SEED_TFIDF_CONFIG, analyzer: { kind: "char_wb", ngramMin: lo, ngramMax: hi }, minDf: 1, maxFeatures: null };
      const m = fitTfidf(corpus, config);
      const v = vocabularyOf(m.terms);
      for (const text of corpus) {
        const expected = new Map<number, number>();
        for (const t of analyze(config.analyzer, text)) expected.set(v.get(t)!, (expected.get(v.get(t)!) ?? 0) + 1);
        const row = transformTfidf(m, text);
        expect(Array.from(row.indices)).toEqual([...expected.keys()].sort((a, b) => a - b));
      }
    }
  });
});

describe("transformUnion", () => {
  it("places each block after the previous one, scaled by its weight", () => {
    const a = fitTfidf(["aaa", "aaa"], { ...SEED_TFIDF_CONFIG, minDf: 1, maxFeatures: null });
    const b = fitTfidf(["aaa", "aaa"], { ...SEED_TFIDF_CONFIG, analyzer: { kind: "word", ngramMin: 1, ngramMax: 1 }, minDf: 1, maxFeatures: null });
    const row = transformUnion({ parts: [a, b], weights: [1, 0.5] }, "aaa");
    expect(Array.from(row.indices)).toEqual([...Array.from(transformTfidf(a, "aaa").indices), a.terms.length]);
    expect(row.values[row.values.length - 1]).toBeCloseTo(0.5, 12);
  });
});
