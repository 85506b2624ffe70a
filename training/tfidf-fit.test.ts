import { describe, expect, it } from "vitest";
import { vocabularyOf, type TfidfConfig } from "../src/m1/tfidf.ts";
import { SEED_TFIDF_CONFIG } from "./seed.ts";
import { compareCodePoints, fitTfidf, numpyArgsortQuick } from "./tfidf-fit.ts";

describe("compareCodePoints", () => {
  it("orders astral characters after U+E000..U+FFFF as Python does", () => {
    expect("😀" < "\uff01").toBe(true); // UTF-16 order, the wrong one here
    expect(compareCodePoints("😀", "\uff01")).toBeGreaterThan(0);
    expect(compareCodePoints("ab", "abc")).toBeLessThan(0);
    expect(compareCodePoints("b", "a")).toBeGreaterThan(0);
    expect(compareCodePoints("x", "x")).toBe(0);
  });
});

describe("fitTfidf", () => {
  const config: TfidfConfig = { ...SEED_TFIDF_CONFIG, minDf: 2, maxFeatures: null };
  const docs = ["aaa bbb", "aaa ccc", "aaa bbb bbb", "ddd"];
  const model = fitTfidf(docs, config);

  it("keeps terms with df >= min_df, sorted by code point", () => {
    expect(model.terms).toEqual([" aa", " aaa", " aaa ", " bb", " bbb", " bbb ", "aa ", "aaa", "aaa ", "bb ", "bbb", "bbb "]);
  });

  it("computes smooth idf ln((1+n)/(1+df)) + 1", () => {
    const v = vocabularyOf(model.terms);
    expect(model.idf[v.get(" aaa ")!]).toBeCloseTo(Math.log(5 / 4) + 1, 12);
    expect(model.idf[v.get(" bbb ")!]).toBeCloseTo(Math.log(5 / 3) + 1, 12);
  });

  it("keeps the max_features most frequent terms over the corpus", () => {
    const capped = fitTfidf(docs, { ...config, maxFeatures: 6 });
    // "aaa" n-grams occur 3 times, "bbb" n-grams 3 times; all 12 tie pairwise, so the cut
    // follows numpy's argsort of -tf over the sorted terms.
    const negTf = model.terms.map(() => -3);
    const keep = Array.from(numpyArgsortQuick(negTf).subarray(0, 6)).sort((a, b) => a - b);
    expect(capped.terms).toEqual(keep.map((j) => model.terms[j]));
  });
});
