/**
 * Our TF-IDF and LinearSVC against scikit-learn 1.2.1 on the same rows
 * (fixtures from `npm run fixtures:sklearn`, split written by our own code).
 */
import { beforeAll, describe, expect, it } from "vitest";
import fixture from "./fixtures/sklearn-seed.json" with { type: "json" };
import split from "./fixtures/holdout-split.json" with { type: "json" };
import { loadTrainingData, type TrainingData } from "./data.ts";
import { decisionFunction, predictClass, trainLinearSvc, type LinearSvcModel } from "./linear-svm.ts";
import { transformTfidf, type TfidfModel } from "../src/m1/tfidf.ts";
import { SEED_SVC_CONFIG, SEED_TFIDF_CONFIG } from "./seed.ts";
import { fitTfidf, numpyArgsortHeap, numpyArgsortQuick } from "./tfidf-fit.ts";

let data: TrainingData;
let vectorizer: TfidfModel;
let trainTexts: string[];

beforeAll(async () => {
  data = await loadTrainingData();
  trainTexts = split.train.map((i) => data.texts[i]!);
  vectorizer = fitTfidf(trainTexts, SEED_TFIDF_CONFIG);
});

describe("fixture provenance", () => {
  it("was made from the dataset and split the trainer uses now", () => {
    expect(fixture.dataset.sha256).toBe(data.sha256);
    expect(fixture.dataset.tickets).toBe(data.tickets.length);
    expect(fixture.holdout.test).toEqual(split.test);
  });
});

describe("TfidfVectorizer(char_wb, (3,5), min_df=3, max_features=50000, sublinear_tf) parity", () => {
  it("builds the identical vocabulary in the identical index order", () => {
    expect(vectorizer.terms.length).toBe(fixture.terms.length);
    expect(vectorizer.terms).toEqual(fixture.terms);
  });

  it("computes the same smooth idf within 1e-6", () => {
    const worst = fixture.idf.reduce((m, v, j) => Math.max(m, Math.abs(v - vectorizer.idf[j]!)), 0);
    expect(worst).toBeLessThan(1e-6);
  });

  it("keeps the same terms as sklearn when max_features cuts through tied frequencies", () => {
    for (const [cap, terms] of Object.entries(fixture.capped_terms)) {
      const capped = fitTfidf(trainTexts, { ...SEED_TFIDF_CONFIG, maxFeatures: Number(cap) });
      expect(capped.terms).toEqual(terms);
    }
  });

  it.each(fixture.samples.map((s, k) => [k, JSON.stringify(s.text).slice(0, 48), s] as const))(
    "transforms sample %i %s to the same sparse row within 1e-6",
    (_k, _label, sample) => {
      const row = transformTfidf(vectorizer, sample.text);
      expect(Array.from(row.indices)).toEqual(sample.indices);
      const worst = sample.values.reduce((m, v, k) => Math.max(m, Math.abs(v - row.values[k]!)), 0);
      expect(worst).toBeLessThan(1e-6);
    },
  );
});

describe("numpy argsort replication (decides max_features ties)", () => {
  it.each(fixture.argsort.map((c) => [c.values.length, c] as const))("n=%i: quicksort and heapsort orders", (_n, c) => {
    expect(Array.from(numpyArgsortQuick(c.values))).toEqual(c.quicksort);
    expect(Array.from(numpyArgsortHeap(c.values))).toEqual(c.heapsort);
  });
});

describe("LinearSVC(C=0.5, class_weight=balanced) parity", () => {
  let svm: LinearSvcModel;
  beforeAll(() => {
    const rows = trainTexts.map((t) => transformTfidf(vectorizer, t));
    const labels = split.train.map((i) => data.labels[i]!);
    svm = trainLinearSvc(rows, labels, vectorizer.terms.length, { ...SEED_SVC_CONFIG, seed: fixture.svc.liblinear_seed });
  });

  it("converges in the same number of liblinear iterations with the same intercepts", () => {
    expect(svm.classes).toEqual(fixture.svc.classes);
    expect(Math.max(...svm.nIter)).toBe(fixture.svc.n_iter);
    svm.intercept.forEach((b, k) => expect(b).toBeCloseTo(fixture.svc.intercept[k]!, 9));
  });

  it("predicts the same class for at least 99 % of held-out tickets, with matching decision values", () => {
    let same = 0;
    let worst = 0;
    split.test.forEach((i, r) => {
      const row = transformTfidf(vectorizer, data.texts[i]!);
      if (predictClass(svm, row) === fixture.holdout.predicted[r]) same++;
      decisionFunction(svm, row).forEach((v, k) => (worst = Math.max(worst, Math.abs(v - fixture.holdout.decision[r]![k]!))));
    });
    const agreement = same / split.test.length;
    console.log(`held-out agreement with sklearn: ${same}/${split.test.length} = ${(100 * agreement).toFixed(2)} %; max |Δ decision| ${worst.toExponential(2)}`);
    expect(agreement).toBeGreaterThanOrEqual(0.99);
    expect(worst).toBeLessThan(1e-6);
  });
});
