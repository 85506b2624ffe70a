/**
 * Multinomial (softmax) logistic regression with an L2 penalty, the model of
 * scikit-learn's LogisticRegression(multi_class="multinomial", solver="lbfgs"):
 *
 *   minimise  Σᵢ sᵢ · CEᵢ(W, b) + ‖W‖² / (2C)
 *
 * where CEᵢ is the cross-entropy of row i, sᵢ its weight (1, or the class weight),
 * W holds one coefficient row per class and the intercepts b are not penalised.
 * One row per class (not K − 1) as sklearn does: the penalty makes W identifiable,
 * and the intercepts, which the penalty leaves free up to a common shift, are
 * returned centred (Σ b = 0), which is where sklearn's L-BFGS, started at zero,
 * ends as well.
 *
 * The objective is smooth and strictly convex in W, so L-BFGS with a strong-Wolfe
 * line search converges to the unique optimum; a Newton step would need the
 * (K·(d+1))² Hessian, millions of entries for 768-wide embeddings.
 *
 * The Worker scores the fitted heads with the same sums (src/ml/linear.ts).
 */
import { choleskyInPlace } from "./cholesky.ts";
import { minimizeLbfgs, type Minimised } from "./lbfgs.ts";
import { denseDot, denseMargins, softmaxInPlace } from "../src/ml/linear.ts";

export type LogRegWeights = {
  /** Class labels in coefficient-row order. */
  classes: readonly string[];
  /** classes × dim, row-major. */
  coef: ArrayLike<number>;
  intercept: ArrayLike<number>;
};

export type ClassWeight = "balanced" | null | Readonly<Record<string, number>>;

export type LogRegOptions = {
  /** Inverse penalty strength, as sklearn's C. */
  C: number;
  /** "balanced": n / (K · count of the class), as sklearn; null: every row weighs 1. */
  classWeight?: ClassWeight;
  /** Class order; default the sorted distinct labels (sklearn's np.unique). */
  classes?: readonly string[];
  /** Stop when max |gradient| of the objective divided by Σ sᵢ falls to this. */
  tol?: number;
  maxIter?: number;
  /** L-BFGS history length. */
  memory?: number;
  /**
   * Minimise in preconditioned variables (see preconditioner below); the same optimum,
   * reached in far fewer iterations on correlated features. Default: when d ≤ 2047.
   */
  precondition?: boolean;
};

export type LogRegFit = {
  classes: string[];
  dim: number;
  coef: Float64Array;
  intercept: Float64Array;
  C: number;
  /** Weight per class, in `classes` order. */
  classWeights: number[];
  /** Σ sᵢ CEᵢ + ‖W‖²/(2C) at the solution. */
  objective: number;
  /** Σ sᵢ CEᵢ / Σ sᵢ: the (weighted) mean training cross-entropy. */
  trainLoss: number;
  /** max |gradient| of objective / Σ sᵢ at the solution. */
  gradientMax: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
};

// ---------------------------------------------------------------------------
// Scoring

/** W x + b, one value per class. */
export function logits(model: LogRegWeights, x: ArrayLike<number>): Float64Array {
  const k = model.classes.length;
  if (model.coef.length !== k * x.length) {
    throw new Error(`logreg: vector has ${x.length} values, model expects ${model.coef.length / k}`);
  }
  return denseMargins(model.coef, x, model.intercept);
}

/** Class probabilities in `classes` order; they sum to 1. */
export function predictProba(model: LogRegWeights, x: ArrayLike<number>): Float64Array {
  const z = logits(model, x);
  softmaxInPlace(z);
  return z;
}

// ---------------------------------------------------------------------------
// Objective

/** The training problem in the packed form the objective reads. */
export type LogRegProblem = {
  /** n × d row-major. */
  x: Float64Array;
  n: number;
  d: number;
  k: number;
  /** Class index per row. */
  y: Int32Array;
  /** Weight per row. */
  s: Float64Array;
  C: number;
};

/**
 * Objective Σ sᵢ CEᵢ + ‖W‖²/(2C) and its gradient for θ = [W (k × d, row-major), b (k)].
 * Returns the value and the data term separately; writes the gradient into `grad`.
 */
export function objectiveAndGradient(
  p: LogRegProblem,
  theta: Float64Array,
  grad: Float64Array,
): { value: number; dataLoss: number } {
  const { x, n, d, k, y, s, C } = p;
  const bOffset = k * d;
  grad.fill(0);
  const z = new Float64Array(k);
  let dataLoss = 0;
  for (let i = 0; i < n; i++) {
    const row = i * d;
    const xi = x.subarray(row, row + d);
    for (let c = 0; c < k; c++) z[c] = denseDot(theta, xi, c * d, theta[bOffset + c]!);
    const yi = y[i]!;
    const zy = z[yi]!;
    const lse = softmaxInPlace(z);
    const si = s[i]!;
    dataLoss += si * (lse - zy);
    for (let c = 0; c < k; c++) {
      const r = si * (z[c]! - (c === yi ? 1 : 0));
      if (r === 0) continue;
      const base = c * d;
      for (let j = 0; j < d; j++) grad[base + j]! += r * x[row + j]!;
      grad[bOffset + c]! += r;
    }
  }
  let penalty = 0;
  for (let j = 0; j < bOffset; j++) {
    penalty += theta[j]! * theta[j]!;
    grad[j]! += theta[j]! / C;
  }
  return { value: dataLoss + penalty / (2 * C), dataLoss };
}

// ---------------------------------------------------------------------------
// Fitting

/** sklearn's compute_class_weight: "balanced" is n / (K · count). */
export function classWeights(labels: readonly string[], classes: readonly string[], weight: ClassWeight = null): number[] {
  if (weight === null) return classes.map(() => 1);
  if (weight === "balanced") {
    const counts = classes.map((c) => labels.filter((l) => l === c).length);
    return counts.map((count, c) => {
      if (count === 0) throw new Error(`logreg: class "${classes[c]}" has no rows, cannot balance`);
      return labels.length / (classes.length * count);
    });
  }
  return classes.map((c) => weight[c] ?? 1);
}

export function fitLogReg(rows: readonly ArrayLike<number>[], labels: readonly string[], options: LogRegOptions): LogRegFit {
  const n = rows.length;
  if (n === 0) throw new Error("logreg: no training rows");
  if (labels.length !== n) throw new Error(`logreg: ${n} rows but ${labels.length} labels`);
  if (!(options.C > 0)) throw new Error(`logreg: C must be > 0, got ${options.C}`);
  const classes = options.classes ? [...options.classes] : [...new Set(labels)].sort();
  if (classes.length < 2) throw new Error("logreg: needs at least two classes");
  const index = new Map(classes.map((c, i) => [c, i]));
  const d = rows[0]!.length;
  const k = classes.length;

  const x = new Float64Array(n * d);
  rows.forEach((row, i) => {
    if (row.length !== d) throw new Error("logreg: rows differ in length");
    for (let j = 0; j < d; j++) x[i * d + j] = row[j]!;
  });
  const y = Int32Array.from(labels, (l) => {
    const c = index.get(l);
    if (c === undefined) throw new Error(`logreg: label "${l}" is not among the classes`);
    return c;
  });
  const weights = classWeights(labels, classes, options.classWeight ?? null);
  const s = Float64Array.from(y, (c) => weights[c]!);
  const sSum = s.reduce((a, v) => a + v, 0);
  const problem: LogRegProblem = { x, n, d, k, y, s, C: options.C };

  // Minimised divided by Σ sᵢ: the same optimum, with a tolerance that means the same
  // thing for 100 rows or 100,000.
  const scaled = (theta: Float64Array, grad: Float64Array) => {
    const { value } = objectiveAndGradient(problem, theta, grad);
    for (let j = 0; j < grad.length; j++) grad[j]! /= sSum;
    return value / sSum;
  };
  const lbfgs = { tol: options.tol ?? 1e-7, maxIter: options.maxIter ?? 2000, memory: options.memory ?? 20 };
  const size = k * d + k;
  const factor = (options.precondition ?? d + 1 <= 2048) ? preconditioner(problem, sSum) : null;
  let theta: Float64Array;
  let result: Minimised;
  if (factor) {
    const map = preconditionedMaps(factor, d, k);
    const thetaU = new Float64Array(size);
    const gradTheta = new Float64Array(size);
    result = minimizeLbfgs(
      (u, gradU) => {
        map.theta(u, thetaU);
        const value = scaled(thetaU, gradTheta);
        map.gradient(gradTheta, gradU);
        return value;
      },
      new Float64Array(size),
      { ...lbfgs, measure: (_, gradU) => map.originalGradientMax(gradU) },
    );
    theta = new Float64Array(size);
    map.theta(result.x, theta);
  } else {
    result = minimizeLbfgs(scaled, new Float64Array(size), lbfgs);
    theta = result.x;
  }
  // Re-evaluated at the returned point: the last call may have been a rejected trial step.
  const final = objectiveAndGradient(problem, theta, new Float64Array(theta.length));
  const lastDataLoss = final.dataLoss;

  const coef = theta.slice(0, k * d);
  const intercept = theta.slice(k * d);
  const shift = intercept.reduce((a, v) => a + v, 0) / k;
  for (let c = 0; c < k; c++) intercept[c]! -= shift;
  return {
    classes,
    dim: d,
    coef,
    intercept,
    C: options.C,
    classWeights: weights,
    objective: final.value,
    trainLoss: lastDataLoss / sSum,
    gradientMax: result.gradientMax,
    iterations: result.iterations,
    evaluations: result.evaluations,
    converged: result.converged,
  };
}

// ---------------------------------------------------------------------------
// Preconditioning

/**
 * Lower Cholesky factor L (row-major, m = d + 1) of
 *   B = ¼ Σᵢ sᵢ x̃ᵢ x̃ᵢᵀ / Σ s + diag(1/(C Σ s) for the d weights, 0 for the intercept),
 * x̃ = [x, 1]. Softmax curvature p(1 − p) is at most ¼, so B bounds each class block of
 * the scaled Hessian (Böhning's bound). Minimising over u with (w_c, b_c) = L⁻ᵀ u_c
 * leaves the optimum unchanged but removes the spread of the feature covariance,
 * which for correlated 768-wide embeddings makes plain L-BFGS take thousands of
 * iterations. null when B is numerically not positive definite.
 */
function preconditioner(p: LogRegProblem, sSum: number): Float64Array | null {
  const { x, n, d, s, C } = p;
  const m = d + 1;
  const b = new Float64Array(m * m);
  const xt = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) xt[j] = x[i * d + j]!;
    xt[d] = 1;
    const w = (0.25 * s[i]!) / sSum;
    for (let r = 0; r < m; r++) {
      const v = w * xt[r]!;
      if (v === 0) continue;
      const base = r * m;
      for (let c = 0; c <= r; c++) b[base + c]! += v * xt[c]!;
    }
  }
  let trace = 0;
  for (let r = 0; r < m; r++) trace += b[r * m + r]!;
  // A touch of ridge keeps the factor finite when C is huge and features collinear;
  // the preconditioner only needs to be close, not exact.
  const jitter = 1e-12 * (trace / m);
  for (let r = 0; r < d; r++) b[r * m + r]! += 1 / (C * sSum);
  for (let r = 0; r < m; r++) b[r * m + r]! += jitter;
  if (!choleskyInPlace(b, m)) return null;
  for (let r = 0; r < m; r++) b.fill(0, r * m + r + 1, (r + 1) * m);
  return b;
}

/** θ ↔ u for each class block (w_c, b_c) = L⁻ᵀ u_c, and the gradient's map ∇ᵤ = L⁻¹ ∇θ. */
function preconditionedMaps(l: Float64Array, d: number, k: number) {
  const m = d + 1;
  const lt = new Float64Array(m * m);
  for (let r = 0; r < m; r++) for (let c = 0; c <= r; c++) lt[c * m + r] = l[r * m + c]!;
  const t = new Float64Array(m);
  return {
    theta(u: Float64Array, theta: Float64Array): void {
      for (let c = 0; c < k; c++) {
        const off = c * m;
        // Lᵀ t = u_c, back substitution over the rows of Lᵀ.
        for (let i = m - 1; i >= 0; i--) {
          const row = i * m;
          let v = u[off + i]!;
          for (let q = i + 1; q < m; q++) v -= lt[row + q]! * t[q]!;
          t[i] = v / lt[row + i]!;
        }
        for (let j = 0; j < d; j++) theta[c * d + j] = t[j]!;
        theta[k * d + c] = t[d]!;
      }
    },
    gradient(gradTheta: Float64Array, gradU: Float64Array): void {
      for (let c = 0; c < k; c++) {
        const off = c * m;
        // L z = (∇w_c, ∇b_c), forward substitution.
        for (let i = 0; i < m; i++) {
          const row = i * m;
          let v = i < d ? gradTheta[c * d + i]! : gradTheta[k * d + c]!;
          for (let q = 0; q < i; q++) v -= l[row + q]! * gradU[off + q]!;
          gradU[off + i] = v / l[row + i]!;
        }
      }
    },
    /** max |∇θ| recovered as L ∇ᵤ, so the tolerance keeps its meaning. */
    originalGradientMax(gradU: Float64Array): number {
      let max = 0;
      for (let c = 0; c < k; c++) {
        const off = c * m;
        for (let i = 0; i < m; i++) {
          const row = i * m;
          let v = 0;
          for (let q = 0; q <= i; q++) v += l[row + q]! * gradU[off + q]!;
          max = Math.max(max, Math.abs(v));
        }
      }
      return max;
    },
  };
}
