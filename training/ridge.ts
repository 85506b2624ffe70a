/**
 * Ridge regression with an unpenalised intercept (scikit-learn's Ridge with
 * fit_intercept=True): minimise ‖y − Xw − b‖² + α‖w‖². Centring X and y removes b
 * from the problem, so only w is shrunk; b = ȳ − x̄·w afterwards.
 *
 * Two solvers for the two kinds of features the project has:
 *  - sparse TF-IDF rows, tens of thousands of columns: conjugate gradient on
 *    (XcᵀXc + αI) w = Xcᵀ(y − ȳ), centring done implicitly so X stays sparse;
 *  - dense embeddings (~768 columns): Cholesky on the normal equations, or on the
 *    dual (XcXcᵀ + αI) when there are fewer rows than columns.
 *
 * The Worker scores the fitted models with the same sums (src/ml/linear.ts).
 */
import { choleskySolve } from "./cholesky.ts";
import { clamp01, denseDot, sparseDot, type SparseRow } from "../src/ml/linear.ts";

export type RidgeWeights = { coef: ArrayLike<number>; intercept: number };

export type RidgeFit = {
  coef: Float64Array;
  intercept: number;
  alpha: number;
  /** CG iterations (0 for the closed form). */
  iterations: number;
  /** Whether CG reached its tolerance; always true for the closed form. */
  converged: boolean;
};

// ---------------------------------------------------------------------------
// Scoring

/** Unclamped w·x + b for a sparse row. */
export function scoreSparse(model: RidgeWeights, row: SparseRow): number {
  return sparseDot(model.coef, row, 0, model.intercept);
}

/** Unclamped w·x + b for a dense vector. */
export function scoreDense(model: RidgeWeights, x: ArrayLike<number>): number {
  const { coef } = model;
  if (x.length !== coef.length) throw new Error(`ridge: vector has ${x.length} values, model expects ${coef.length}`);
  return denseDot(coef, x, 0, model.intercept);
}

export function predictSparse(model: RidgeWeights, row: SparseRow): number {
  return clamp01(scoreSparse(model, row));
}

export function predictDense(model: RidgeWeights, x: ArrayLike<number>): number {
  return clamp01(scoreDense(model, x));
}

// ---------------------------------------------------------------------------
// Sparse: conjugate gradient

export type SparseRidgeOptions = {
  /** Stop when ‖residual‖ ≤ tol · ‖Xcᵀ(y − ȳ)‖. */
  tol?: number;
  maxIter?: number;
  /** Starting coefficients, e.g. the solution for a neighbouring α (warm start over a grid). */
  initial?: ArrayLike<number>;
};

function checkInputs(n: number, y: ArrayLike<number>, alpha: number): void {
  if (n === 0) throw new Error("ridge: no training rows");
  if (y.length !== n) throw new Error(`ridge: ${n} rows but ${y.length} targets`);
  if (!(alpha >= 0)) throw new Error(`ridge: alpha must be ≥ 0, got ${alpha}`);
}

function meanOf(y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i]!;
  return s / y.length;
}

export function fitRidgeSparse(
  rows: readonly SparseRow[],
  y: ArrayLike<number>,
  width: number,
  alpha: number,
  options: SparseRidgeOptions = {},
): RidgeFit {
  const n = rows.length;
  checkInputs(n, y, alpha);
  const tol = options.tol ?? 1e-8;
  const maxIter = options.maxIter ?? 2000;

  const xMean = new Float64Array(width);
  for (const row of rows) {
    for (let k = 0; k < row.indices.length; k++) {
      const j = row.indices[k]!;
      if (j < 0 || j >= width) throw new Error(`ridge: feature index ${j} outside width ${width}`);
      xMean[j]! += row.values[k]!;
    }
  }
  for (let j = 0; j < width; j++) xMean[j]! /= n;
  const yMean = meanOf(y);

  const u = new Float64Array(n);
  // out = Xcᵀ u for an n-vector u, where Xc = X − 1·x̄ᵀ.
  const xcT = (vec: Float64Array, out: Float64Array) => {
    out.fill(0);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      const ui = vec[i]!;
      sum += ui;
      for (let k = 0; k < row.indices.length; k++) out[row.indices[k]!]! += row.values[k]! * ui;
    }
    for (let j = 0; j < width; j++) out[j]! -= xMean[j]! * sum;
  };
  // out = (XcᵀXc + αI) p
  const apply = (p: Float64Array, out: Float64Array) => {
    const meanDot = denseDot(xMean, p);
    for (let i = 0; i < n; i++) u[i] = sparseDot(p, rows[i]!) - meanDot;
    xcT(u, out);
    for (let j = 0; j < width; j++) out[j]! += alpha * p[j]!;
  };

  const b = new Float64Array(width);
  for (let i = 0; i < n; i++) u[i] = y[i]! - yMean;
  xcT(u, b);
  const bNorm = Math.sqrt(denseDot(b, b));

  const w = new Float64Array(width);
  if (options.initial) {
    if (options.initial.length !== width) throw new Error("ridge: initial coefficients differ in width");
    w.set(options.initial);
  }
  const r = new Float64Array(width);
  const q = new Float64Array(width);
  apply(w, q);
  for (let j = 0; j < width; j++) r[j] = b[j]! - q[j]!;
  const p = Float64Array.from(r);
  let rr = denseDot(r, r);
  const target = tol * (bNorm > 0 ? bNorm : 1);
  let iterations = 0;
  while (Math.sqrt(rr) > target && iterations < maxIter) {
    apply(p, q);
    const pq = denseDot(p, q);
    // pq ≤ 0 only when α = 0 and p lies in the null space: w is already a minimiser along it.
    if (!(pq > 0)) break;
    const step = rr / pq;
    for (let j = 0; j < width; j++) {
      w[j]! += step * p[j]!;
      r[j]! -= step * q[j]!;
    }
    const rrNext = denseDot(r, r);
    const beta = rrNext / rr;
    for (let j = 0; j < width; j++) p[j] = r[j]! + beta * p[j]!;
    rr = rrNext;
    iterations++;
  }
  return {
    coef: w,
    intercept: yMean - denseDot(xMean, w),
    alpha,
    iterations,
    converged: Math.sqrt(rr) <= target,
  };
}

// ---------------------------------------------------------------------------
// Dense: closed form

/**
 * Rows are equal-length vectors (e.g. [CLS] embeddings). Solves in the primal
 * (d × d) when n ≥ d, else in the dual (n × n), whichever system is smaller.
 */
export function fitRidgeDense(rows: readonly ArrayLike<number>[], y: ArrayLike<number>, alpha: number): RidgeFit {
  const n = rows.length;
  checkInputs(n, y, alpha);
  const d = rows[0]!.length;
  for (const row of rows) if (row.length !== d) throw new Error("ridge: rows differ in length");

  const xMean = new Float64Array(d);
  for (const row of rows) for (let j = 0; j < d; j++) xMean[j]! += row[j]!;
  for (let j = 0; j < d; j++) xMean[j]! /= n;
  const yMean = meanOf(y);
  const centred = rows.map((row) => Float64Array.from(row, (v, j) => v - xMean[j]!));
  const yc = Float64Array.from(y, (v) => v - yMean);

  const coef = new Float64Array(d);
  if (n >= d) {
    // (XcᵀXc + αI) w = Xcᵀ yc
    const a = new Float64Array(d * d);
    const rhs = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const x = centred[i]!;
      for (let r = 0; r < d; r++) {
        const xr = x[r]!;
        if (xr === 0) continue;
        rhs[r]! += xr * yc[i]!;
        const base = r * d;
        for (let c = 0; c <= r; c++) a[base + c]! += xr * x[c]!;
      }
    }
    for (let r = 0; r < d; r++) a[r * d + r]! += alpha;
    coef.set(solvePositiveDefinite(a, d, rhs));
  } else {
    // w = Xcᵀ (XcXcᵀ + αI)⁻¹ yc; centred rows span at most n − 1 dimensions, so α must be > 0.
    if (!(alpha > 0)) throw new Error("ridge: fewer rows than columns needs alpha > 0");
    const k = new Float64Array(n * n);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c <= r; c++) k[r * n + c] = denseDot(centred[r]!, centred[c]!);
      k[r * n + r]! += alpha;
    }
    const dual = solvePositiveDefinite(k, n, yc);
    for (let i = 0; i < n; i++) {
      const x = centred[i]!;
      for (let j = 0; j < d; j++) coef[j]! += dual[i]! * x[j]!;
    }
  }
  return { coef, intercept: yMean - denseDot(xMean, coef), alpha, iterations: 0, converged: true };
}

function solvePositiveDefinite(a: Float64Array, m: number, b: ArrayLike<number>): Float64Array {
  const x = choleskySolve(a, m, b);
  if (!x) throw new Error("ridge: system is not positive definite (collinear features with alpha = 0?)");
  return x;
}
