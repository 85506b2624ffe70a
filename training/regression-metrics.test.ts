import { describe, expect, it } from "vitest";
import { averageRanks, mae, pearson, rmse, spearman } from "./regression-metrics.ts";

describe("regression metrics for the urgency score", () => {
  it("RMSE and MAE of a hand-computed example", () => {
    // errors 0.1, −0.3, 0 → squares .01, .09, 0
    expect(rmse([0.5, 0.2, 1], [0.6, -0.1, 1])).toBeCloseTo(Math.sqrt(0.1 / 3), 12);
    expect(mae([0.5, 0.2, 1], [0.6, -0.1, 1])).toBeCloseTo(0.4 / 3, 12);
  });

  it("ties share their average rank (scipy rankdata 'average')", () => {
    expect(Array.from(averageRanks([0.3, 0.1, 0.3, 0.9, 0.1]))).toEqual([3.5, 1.5, 3.5, 5, 1.5]);
  });

  it("Spearman is 1 for any increasing transform and −1 for a decreasing one", () => {
    const x = [0.1, 0.45, 0.3, 1, 0.8];
    expect(spearman(x, x.map((v) => Math.exp(5 * v)))).toBeCloseTo(1, 12);
    expect(spearman(x, x.map((v) => -v * v))).toBeCloseTo(-1, 12);
  });

  it("Spearman with ties matches scipy.stats.spearmanr", () => {
    // scipy.stats.spearmanr([1, 2, 2, 3], [1, 3, 2, 4]).statistic = 0.9486832980505138
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(0.9486832980505138, 12);
  });

  it("a constant prediction has no correlation (NaN), not 0 or 1", () => {
    expect(pearson([1, 2, 3], [0.5, 0.5, 0.5])).toBeNaN();
    expect(spearman([1, 2, 3], [0.5, 0.5, 0.5])).toBeNaN();
  });

  it("rejects inputs of different or zero length", () => {
    expect(() => rmse([1, 2], [1])).toThrow(/differ in length/);
    expect(() => mae([], [])).toThrow(/empty/);
  });
});
