import { describe, expect, it } from "vitest";
import {
  argmax,
  clamp01,
  denseDot,
  denseMargins,
  softmax,
  softmaxInPlace,
  sparseDot,
  sparseMargins,
  type SparseRow,
} from "./linear.ts";

const row = (indices: number[], values: number[]): SparseRow => ({ indices: Int32Array.from(indices), values: Float64Array.from(values) });

describe("sparseDot and denseDot", () => {
  it("sum the weighted features from the start value, reading weights at an offset", () => {
    const w = [10, 20, 30, 1, 2, 3];
    expect(sparseDot(w, row([0, 2], [1, 0.5]))).toBe(25);
    expect(sparseDot(w, row([0, 2], [1, 0.5]), 3, 100)).toBe(102.5);
    expect(sparseDot(w, row([], []), 0, 7)).toBe(7);
    expect(denseDot(w, [1, 0, 0.5])).toBe(25);
    expect(denseDot(w, [1, 0, 0.5], 3, 100)).toBe(102.5);
  });

  it("add from the start value left to right, so where a bias enters shows in the last bits", () => {
    // 1e16 + 1 rounds back to 1e16 (its spacing is 2); 1 + 1 first survives.
    expect(sparseDot([1, 1], row([0, 1], [1, 1]), 0, 1e16)).toBe(1e16);
    expect(sparseDot([1, 1], row([0, 1], [1, 1])) + 1e16).toBe(1e16 + 2);
    expect(denseDot([1, 1], [1, 1], 0, 1e16)).toBe(1e16);
  });
});

describe("per-class margins", () => {
  // Two classes over three features, row-major.
  const w = [1, 2, 3, -1, -2, -3];

  it("sparseMargins adds each class's bias after its sum", () => {
    expect(Array.from(sparseMargins(w, 3, row([1, 2], [1, 2]), [0.5, -0.5]))).toEqual([8.5, -8.5]);
    expect(Array.from(sparseMargins([1, 1, 1, 1], 2, row([0, 1], [1, 1]), [1e16, 0]))).toEqual([1e16 + 2, 2]);
  });

  it("denseMargins starts each class's sum at its intercept", () => {
    expect(Array.from(denseMargins(w, [0, 1, 2], [0.5, -0.5]))).toEqual([8.5, -8.5]);
    expect(Array.from(denseMargins([1, 1, 1, 1], [1, 1], [1e16, 0]))).toEqual([1e16, 2]);
  });
});

describe("softmax", () => {
  it("sums to 1, keeps the order and sharpens as the temperature falls", () => {
    const p = softmax([2, 0, -1], 1);
    expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(p[0]).toBeGreaterThan(p[1]!);
    expect(softmax([2, 0, -1], 0.5)[0]).toBeGreaterThan(p[0]!);
    expect(Array.from(softmax([1000, 0], 1))).toEqual([1, 0]); // no overflow
  });

  it("divides by the temperature: T = 2 on margins m is T = 1 on m / 2", () => {
    expect(Array.from(softmax([3, 1, -2], 2))).toEqual(Array.from(softmax([1.5, 0.5, -1])));
    expect(softmax([1, 0]).at(0)).toBeCloseTo(Math.E / (Math.E + 1), 15);
  });

  it("in place, returns log Σ exp of the scaled values, also far beyond exp's range", () => {
    const z = Float64Array.from([1000, 1000]);
    expect(softmaxInPlace(z)).toBeCloseTo(1000 + Math.log(2), 10);
    expect(Array.from(z)).toEqual([0.5, 0.5]);
    expect(softmaxInPlace(Float64Array.from([2, 0]), 2)).toBeCloseTo(Math.log(Math.E + 1), 12);
  });

  it("leaves its input alone when not in place", () => {
    const margins = [1, 2];
    softmax(margins, 3);
    expect(margins).toEqual([1, 2]);
  });
});

describe("argmax and clamp01", () => {
  it("argmax picks the first of tied maxima", () => {
    expect(argmax([1, 3, 3, 2])).toBe(1);
    expect(argmax([-1])).toBe(0);
  });

  it("clamp01 bounds a score to [0, 1] and keeps what lies inside", () => {
    expect([clamp01(-0.1), clamp01(0), clamp01(0.25), clamp01(1), clamp01(7)]).toEqual([0, 0, 0.25, 1, 1]);
  });
});
