import { describe, expect, it } from "vitest";
import { fitRidgeDense, fitRidgeSparse, predictDense, predictSparse, scoreDense, scoreSparse } from "./ridge.ts";
import type { SparseRow } from "../src/ml/linear.ts";
import { rng } from "./test-rng.ts";


/** n × d matrix with about `density` of its entries non-zero, as dense rows and CSR rows. */
function randomProblem(n: number, d: number, density: number, seed: number) {
  const next = rng(seed);
  const dense = Array.from({ length: n }, () => Float64Array.from({ length: d }, () => (next() < density ? next() * 2 - 1 : 0)));
  const y = Float64Array.from({ length: n }, () => next());
  return { dense, sparse: dense.map(toSparse), y };
}

function toSparse(x: ArrayLike<number>): SparseRow {
  const indices: number[] = [];
  const values: number[] = [];
  for (let j = 0; j < x.length; j++) {
    if (x[j] !== 0) {
      indices.push(j);
      values.push(x[j]!);
    }
  }
  return { indices: Int32Array.from(indices), values: Float64Array.from(values) };
}

/**
 * Independent reference: augment X with a column of ones and solve
 * (AᵀA + diag(α, …, α, 0)) [w; b] = Aᵀy by Gaussian elimination, i.e. the intercept
 * is an unpenalised coefficient instead of being removed by centring.
 */
function referenceRidge(rows: ArrayLike<number>[], y: ArrayLike<number>, alpha: number) {
  const d = rows[0]!.length;
  const m = d + 1;
  const a = Array.from({ length: m }, () => new Array<number>(m + 1).fill(0));
  rows.forEach((x, i) => {
    const aug = [...Array.from(x), 1];
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < m; c++) a[r]![c]! += aug[r]! * aug[c]!;
      a[r]![m]! += aug[r]! * y[i]!;
    }
  });
  for (let r = 0; r < d; r++) a[r]![r]! += alpha;
  for (let col = 0; col < m; col++) {
    let pivot = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = 0; r < m; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / a[col]![col]!;
      for (let c = col; c <= m; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  const solution = a.map((row, r) => row[m]! / row[r]!);
  return { coef: solution.slice(0, d), intercept: solution[d]! };
}

describe("ridge: hand-computable 1-D case", () => {
  // x = 0, 1, 2; y = .1, .3, .5 → centred x = −1, 0, 1; centred y = −.2, 0, .2;
  // w = Σxy / (Σx² + α) = 0.4 / (2 + α); b = ȳ − x̄·w = 0.3 − w.
  const x = [[0], [1], [2]];
  const y = [0.1, 0.3, 0.5];

  for (const [alpha, w] of [
    [2, 0.1],
    [0, 0.2],
    [6, 0.05],
  ] as const) {
    it(`α = ${alpha}: w = ${w}, b = ${0.3 - w} (dense and sparse)`, () => {
      const dense = fitRidgeDense(x, y, alpha);
      expect(dense.coef[0]).toBeCloseTo(w, 12);
      expect(dense.intercept).toBeCloseTo(0.3 - w, 12);
      const sparse = fitRidgeSparse(x.map(toSparse), y, 1, alpha, { tol: 1e-14 });
      expect(sparse.coef[0]).toBeCloseTo(w, 12);
      expect(sparse.intercept).toBeCloseTo(0.3 - w, 12);
      expect(sparse.converged).toBe(true);
    });
  }
});

describe("ridge: solvers agree with each other and with an independent reference", () => {
  for (const [n, d, label] of [
    [40, 15, "primal (n ≥ d)"],
    [12, 30, "dual (n < d)"],
  ] as const) {
    it(`sparse CG = dense Cholesky = augmented normal equations, ${label}`, () => {
      const { dense, sparse, y } = randomProblem(n, d, 0.3, n * 100 + d);
      const alpha = 0.7;
      const chol = fitRidgeDense(dense, y, alpha);
      const cg = fitRidgeSparse(sparse, y, d, alpha, { tol: 1e-12 });
      const ref = referenceRidge(dense, y, alpha);
      expect(cg.converged).toBe(true);
      for (let j = 0; j < d; j++) {
        expect(Math.abs(cg.coef[j]! - chol.coef[j]!)).toBeLessThan(1e-6);
        expect(Math.abs(chol.coef[j]! - ref.coef[j]!)).toBeLessThan(1e-9);
      }
      expect(Math.abs(cg.intercept - chol.intercept)).toBeLessThan(1e-6);
      expect(Math.abs(chol.intercept - ref.intercept)).toBeLessThan(1e-9);
    });
  }

  it("α → 0 recovers the exact coefficients of a noiseless linear target", () => {
    const { dense, sparse } = randomProblem(60, 6, 0.8, 7);
    const wTrue = [0.3, -0.2, 0.05, 0.4, -0.1, 0.25];
    const y = dense.map((x) => 0.35 + x.reduce((s, v, j) => s + v * wTrue[j]!, 0));
    const chol = fitRidgeDense(dense, y, 1e-10);
    const cg = fitRidgeSparse(sparse, y, 6, 1e-10, { tol: 1e-13 });
    for (const fit of [chol, cg]) {
      wTrue.forEach((w, j) => expect(Math.abs(fit.coef[j]! - w)).toBeLessThan(1e-6));
      expect(Math.abs(fit.intercept - 0.35)).toBeLessThan(1e-6);
    }
  });
});

describe("ridge: the intercept is not penalised", () => {
  it("shifting every target by c moves only the intercept, by exactly c", () => {
    const { dense, sparse, y } = randomProblem(30, 8, 0.5, 3);
    const shifted = y.map((v) => v + 5);
    const alpha = 50; // large, so a penalised intercept could not follow the shift
    for (const fit of [
      (t: ArrayLike<number>) => fitRidgeDense(dense, t, alpha),
      (t: ArrayLike<number>) => fitRidgeSparse(sparse, t, 8, alpha, { tol: 1e-13 }),
    ]) {
      const a = fit(y);
      const b = fit(shifted);
      expect(b.intercept - a.intercept).toBeCloseTo(5, 9);
      for (let j = 0; j < 8; j++) expect(b.coef[j]!).toBeCloseTo(a.coef[j]!, 9);
    }
  });

  it("a huge α shrinks w to zero and leaves the intercept at the mean target", () => {
    const { sparse, y } = randomProblem(25, 10, 0.5, 11);
    const fit = fitRidgeSparse(sparse, y, 10, 1e9);
    const mean = y.reduce((s, v) => s + v, 0) / y.length;
    expect(Math.max(...Array.from(fit.coef, Math.abs))).toBeLessThan(1e-8);
    expect(fit.intercept).toBeCloseTo(mean, 8);
  });
});

describe("ridge: conjugate gradient details", () => {
  it("a warm start from a neighbouring α reaches the same solution in fewer iterations", () => {
    const { sparse, y } = randomProblem(80, 120, 0.1, 5);
    const near = fitRidgeSparse(sparse, y, 120, 1.2, { tol: 1e-12 });
    const cold = fitRidgeSparse(sparse, y, 120, 1, { tol: 1e-12 });
    const warm = fitRidgeSparse(sparse, y, 120, 1, { tol: 1e-12, initial: near.coef });
    expect(warm.iterations).toBeLessThan(cold.iterations);
    for (let j = 0; j < 120; j++) expect(Math.abs(warm.coef[j]! - cold.coef[j]!)).toBeLessThan(1e-8);
  });

  it("reports non-convergence instead of pretending", () => {
    const { sparse, y } = randomProblem(80, 120, 0.1, 5);
    const fit = fitRidgeSparse(sparse, y, 120, 0.01, { tol: 1e-14, maxIter: 2 });
    expect(fit.iterations).toBe(2);
    expect(fit.converged).toBe(false);
  });

  it("rejects a feature index outside the width and mismatched targets", () => {
    const row: SparseRow = { indices: Int32Array.from([0, 3]), values: Float64Array.from([1, 1]) };
    expect(() => fitRidgeSparse([row], [0.5], 3, 1)).toThrow(/outside width 3/);
    expect(() => fitRidgeSparse([row, row], [0.5], 4, 1)).toThrow(/2 rows but 1 targets/);
    expect(() => fitRidgeSparse([row], [0.5], 4, -1)).toThrow(/alpha/);
  });
});

describe("ridge: dense closed form edge cases", () => {
  it("fails clearly on collinear columns without regularisation, solves them with α > 0", () => {
    const x = [
      [1, 2],
      [2, 4],
      [3, 6],
      [5, 10],
    ];
    const y = [0.1, 0.2, 0.4, 0.6];
    expect(() => fitRidgeDense(x, y, 0)).toThrow(/positive definite/);
    const fit = fitRidgeDense(x, y, 0.1);
    // With duplicated information the penalty splits the weight 1 : 2 like the columns.
    expect(fit.coef[1]! / fit.coef[0]!).toBeCloseTo(2, 9);
  });

  it("needs α > 0 in the dual", () => {
    expect(() => fitRidgeDense([[1, 2, 3]], [0.5], 0)).toThrow(/alpha > 0/);
  });
});

describe("ridge: prediction", () => {
  const model = { coef: Float64Array.from([2, -3, 0.5]), intercept: 0.1 };

  it("scores are w·x + b; predictions clamp them into [0, 1]", () => {
    const high: SparseRow = { indices: Int32Array.from([0]), values: Float64Array.from([1]) };
    const low: SparseRow = { indices: Int32Array.from([1]), values: Float64Array.from([1]) };
    const mid: SparseRow = { indices: Int32Array.from([2]), values: Float64Array.from([0.8]) };
    expect(scoreSparse(model, high)).toBeCloseTo(2.1, 12);
    expect(predictSparse(model, high)).toBe(1);
    expect(scoreSparse(model, low)).toBeCloseTo(-2.9, 12);
    expect(predictSparse(model, low)).toBe(0);
    expect(predictSparse(model, mid)).toBeCloseTo(0.5, 12);
    expect(scoreDense(model, [0, 0, 0.8])).toBeCloseTo(0.5, 12);
    expect(predictDense(model, [1, 0, 0])).toBe(1);
  });

  it("rejects a dense vector of the wrong length", () => {
    expect(() => scoreDense(model, [1, 2])).toThrow(/expects 3/);
  });
});
