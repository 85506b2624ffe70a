import { describe, expect, it } from "vitest";
import { choleskyInPlace, choleskySolve } from "./cholesky.ts";

describe("choleskyInPlace", () => {
  it("leaves L with L Lᵀ = A in the lower triangle, reading nothing above it", () => {
    // A = [[4, 2, 2], [2, 5, 3], [2, 3, 6]]; the upper triangle holds junk that must be ignored.
    const a = Float64Array.from([4, 99, 99, 2, 5, 99, 2, 3, 6]);
    expect(choleskyInPlace(a, 3)).toBe(true);
    const l = (r: number, c: number) => (c <= r ? a[r * 3 + c]! : 0);
    const full = [4, 2, 2, 2, 5, 3, 2, 3, 6];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += l(r, k) * l(c, k);
        expect(s).toBeCloseTo(full[r * 3 + c]!, 12);
      }
    }
  });

  it("says so when the matrix is not positive definite", () => {
    // [[1, 2], [2, 1]] has eigenvalues 3 and −1.
    expect(choleskyInPlace(Float64Array.from([1, 0, 2, 1]), 2)).toBe(false);
    expect(choleskyInPlace(Float64Array.from([0, 0, 0, 1]), 2)).toBe(false);
  });
});

describe("choleskySolve", () => {
  it("solves a known SPD system", () => {
    // A = [[4, 2], [2, 3]], b = [2, 1] → x = [0.5, 0]
    const x = choleskySolve(Float64Array.from([4, 0, 2, 3]), 2, [2, 1]);
    expect(x![0]).toBeCloseTo(0.5, 12);
    expect(x![1]).toBeCloseTo(0, 12);
  });

  it("returns null for a system that is not positive definite", () => {
    expect(choleskySolve(Float64Array.from([1, 0, 2, 1]), 2, [1, 1])).toBeNull();
  });
});
