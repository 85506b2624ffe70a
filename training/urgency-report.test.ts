import { describe, expect, it } from "vitest";
import { crossFileSplit, pooledOutOfFold, priorityRank, scoreRows, scoresByLanguage } from "./urgency-report.ts";
import { rmse, spearman } from "./regression-metrics.ts";

describe("priorityRank", () => {
  it("orders low < medium < high, ignoring case and spaces, and refuses anything else", () => {
    expect(["low", " Medium", "HIGH"].map(priorityRank)).toEqual([0, 1, 2]);
    expect(() => priorityRank("critical")).toThrow(/unknown ticket priority "critical"/);
  });
});

describe("pooledOutOfFold", () => {
  const folds = [
    { train: [1, 3], test: [0, 2] },
    { train: [0, 2], test: [3, 1] },
  ];
  it("puts every fold's predictions back at the rows it held out", () => {
    expect([...pooledOutOfFold(folds, [[10, 12], [13, 11]], 4)]).toEqual([10, 11, 12, 13]);
  });
  it("refuses folds that miss a row, repeat one, or disagree with their predictions' length", () => {
    expect(() => pooledOutOfFold(folds, [[10, 12], [13, 11]], 5)).toThrow(/row 4 is in no fold/);
    expect(() => pooledOutOfFold([folds[0]!, { train: [], test: [0, 1, 3] }], [[1, 2], [3, 4, 5]], 4)).toThrow(/row 0 is in the test part of two folds/);
    expect(() => pooledOutOfFold(folds, [[10], [13, 11]], 4)).toThrow(/fold 0: 1 predictions for 2 rows/);
  });
});

describe("crossFileSplit", () => {
  it("trains on one file and tests on the others' rows without a near-twin in it", () => {
    // rows 0-2 from file 0, rows 3-6 from file 1; row 4 shares group 1 with row 1.
    const fileOf = [0, 0, 0, 1, 1, 1, 1];
    const groupOf = Int32Array.from([0, 1, 2, 3, 1, 5, 5]);
    expect(crossFileSplit(fileOf, groupOf)).toEqual({ train: [0, 1, 2], test: [3, 5, 6], excluded: 1 });
    expect(crossFileSplit(fileOf, groupOf, 1)).toEqual({ train: [3, 4, 5, 6], test: [0, 2], excluded: 1 });
  });
});

describe("scoreRows / scoresByLanguage", () => {
  const truth = [0.1, 0.3, 0.45, 0.8, 1.0, 0.65];
  const rank = [0, 0, 1, 2, 2, 1];
  const predicted = [0.2, 0.25, 0.5, 0.7, 0.9, 0.4];
  const languages = ["en", "de", "en", "de", "en", "de"];

  it("scores the target and the priority on the rows given", () => {
    const s = scoreRows([0, 2, 4], truth, rank, predicted);
    expect(s.rmse).toBeCloseTo(rmse([0.1, 0.45, 1.0], [0.2, 0.5, 0.9]), 12);
    expect(s.spearman).toBe(1);
    expect(s.spearmanPriority).toBe(1);
    // de rows: truth 0.3, 0.8, 0.65 ranked 1,3,2; predictions 0.25, 0.7, 0.4 ranked 1,3,2.
    expect(scoreRows([1, 3, 5], truth, rank, predicted).spearman).toBe(1);
    expect(scoreRows([0, 1, 2, 3, 4, 5], truth, rank, predicted).spearman).toBeCloseTo(spearman(truth, predicted), 12);
  });

  it("gives a constant predictor no Spearman", () => {
    const s = scoreRows([0, 1, 2], truth, rank, [0.5, 0.5, 0.5], true);
    expect(s.spearman).toBeNull();
    expect(s.spearmanPriority).toBeNull();
    expect(s.rmse).toBeCloseTo(rmse([0.1, 0.3, 0.45], [0.5, 0.5, 0.5]), 12);
  });

  it("reports all rows first, then each language's rows, for every predictor", () => {
    const r = scoresByLanguage([0, 1, 2, 3, 4, 5], languages, truth, rank, {
      ridge: { predicted },
      mean: { predicted: truth.map(() => 0.55), constant: true },
    });
    expect(Object.keys(r)).toEqual(["all", "de", "en"]);
    expect(r.de!.rows).toBe(3);
    expect(r.en!.ridge).toEqual(scoreRows([0, 2, 4], truth, rank, predicted));
    expect(r.all!.mean).toEqual(scoreRows([0, 1, 2, 3, 4, 5], truth, rank, truth.map(() => 0.55), true));
  });
});
