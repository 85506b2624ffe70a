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
 * Fitting runs in the trainer; the scoring half is runtime-neutral (Worker too).
 */

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
  const d = x.length;
  if (model.coef.length !== k * d) {
    throw new Error(`logreg: vector has ${d} values, model expects ${model.coef.length / k}`);
  }
  const out = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const base = c * d;
    let s = model.intercept[c]!;
    for (let j = 0; j < d; j++) s += model.coef[base + j]! * x[j]!;
    out[c] = s;
  }
  return out;
}

/** Softmax in place, shifted by the maximum so exp never overflows; returns log Σ exp. */
function softmaxInPlace(z: Float64Array): number {
  let max = -Infinity;
  for (let c = 0; c < z.length; c++) if (z[c]! > max) max = z[c]!;
  let sum = 0;
  for (let c = 0; c < z.length; c++) sum += z[c] = Math.exp(z[c]! - max);
  for (let c = 0; c < z.length; c++) z[c]! /= sum;
  return max + Math.log(sum);
}

/** Class probabilities in `classes` order; they sum to 1. */
export function predictProba(model: LogRegWeights, x: ArrayLike<number>): Float64Array {
  const z = logits(model, x);
  softmaxInPlace(z);
  return z;
}

/** The most probable class and its probability (ties to the first class). */
export function predictTop(model: LogRegWeights, x: ArrayLike<number>): { index: number; label: string; probability: number } {
  const p = predictProba(model, x);
  let best = 0;
  for (let c = 1; c < p.length; c++) if (p[c]! > p[best]!) best = c;
  return { index: best, label: model.classes[best]!, probability: p[best]! };
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
    for (let c = 0; c < k; c++) {
      const base = c * d;
      let v = theta[bOffset + c]!;
      for (let j = 0; j < d; j++) v += theta[base + j]! * x[row + j]!;
      z[c] = v;
    }
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
// L-BFGS

export type Minimised = {
  x: Float64Array;
  value: number;
  gradientMax: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
};

export type LbfgsOptions = {
  tol: number;
  maxIter: number;
  memory: number;
  maxLineSearch?: number;
  /**
   * What is compared with tol, from the point and its gradient; default max |g|.
   * A caller minimising over transformed variables measures the original gradient.
   */
  measure?: (x: Float64Array, g: Float64Array) => number;
};

/**
 * Minimises f (which writes its gradient into the second argument) from x0 by
 * L-BFGS; stops when max |∇f| ≤ tol. Strong Wolfe line search (c1 = 1e-4,
 * c2 = 0.9, Nocedal & Wright alg. 3.5/3.6) keeps every curvature pair sᵀy > 0,
 * so the inverse-Hessian estimate stays positive definite.
 */
export function minimizeLbfgs(
  f: (x: Float64Array, grad: Float64Array) => number,
  x0: ArrayLike<number>,
  options: LbfgsOptions,
): Minimised {
  const m = options.memory;
  const maxLs = options.maxLineSearch ?? 40;
  const c1 = 1e-4;
  const c2 = 0.9;
  const dim = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(dim);
  let fx = f(x, g);
  let evaluations = 1;
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rhoHist: number[] = [];
  const dir = new Float64Array(dim);
  const alphaTmp = new Float64Array(m);
  let xTrial = new Float64Array(dim);
  let gTrial = new Float64Array(dim);

  const maxAbs = (v: Float64Array) => {
    let a = 0;
    for (let j = 0; j < v.length; j++) a = Math.max(a, Math.abs(v[j]!));
    return a;
  };
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let j = 0; j < a.length; j++) s += a[j]! * b[j]!;
    return s;
  };

  let iterations = 0;
  let stalled = 0;
  const measure = options.measure ?? ((_: Float64Array, grad: Float64Array) => maxAbs(grad));
  let gMax = measure(x, g);
  while (gMax > options.tol && iterations < options.maxIter) {
    // Two-loop recursion: dir = −H g.
    dir.set(g);
    for (let h = sHist.length - 1; h >= 0; h--) {
      const a = rhoHist[h]! * dot(sHist[h]!, dir);
      alphaTmp[h] = a;
      const yh = yHist[h]!;
      for (let j = 0; j < dim; j++) dir[j]! -= a * yh[j]!;
    }
    const last = sHist.length - 1;
    const gamma = last >= 0 ? dot(sHist[last]!, yHist[last]!) / dot(yHist[last]!, yHist[last]!) : 1;
    for (let j = 0; j < dim; j++) dir[j]! *= gamma;
    for (let h = 0; h < sHist.length; h++) {
      const b = rhoHist[h]! * dot(yHist[h]!, dir);
      const sh = sHist[h]!;
      const coefH = alphaTmp[h]! - b;
      for (let j = 0; j < dim; j++) dir[j]! += coefH * sh[j]!;
    }
    for (let j = 0; j < dim; j++) dir[j] = -dir[j]!;
    let slope = dot(g, dir);
    if (!(slope < 0)) {
      // Rounding can spoil the estimate near the optimum: restart from steepest descent.
      sHist.length = yHist.length = rhoHist.length = 0;
      for (let j = 0; j < dim; j++) dir[j] = -g[j]!;
      slope = dot(g, dir);
    }

    // Without curvature information the first step is scaled to unit length.
    const firstStep = sHist.length === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    const phi = (a: number) => {
      for (let j = 0; j < dim; j++) xTrial[j] = x[j]! + a * dir[j]!;
      evaluations++;
      const v = f(xTrial, gTrial);
      return { v, dv: dot(gTrial, dir) };
    };
    const found = strongWolfe(phi, fx, slope, firstStep, c1, c2, maxLs, FLAT * Math.abs(fx));
    if (found === null) break;
    // xTrial / gTrial hold the point of the accepted step (strongWolfe evaluates it last).
    const sNew = new Float64Array(dim);
    const yNew = new Float64Array(dim);
    for (let j = 0; j < dim; j++) {
      sNew[j] = xTrial[j]! - x[j]!;
      yNew[j] = gTrial[j]! - g[j]!;
    }
    const sy = dot(sNew, yNew);
    [x, xTrial] = [xTrial, x];
    [g, gTrial] = [gTrial, g];
    const decrease = fx - found.v;
    fx = found.v;
    iterations++;
    const gPrev = gMax;
    gMax = measure(x, g);
    // Past the value's resolution only the gradient shows progress; give up when neither moves.
    stalled = decrease <= FLAT * Math.abs(fx) && gMax >= gPrev ? stalled + 1 : 0;
    if (stalled >= 10) break;
    if (sy > 0) {
      if (sHist.length === m) {
        sHist.shift();
        yHist.shift();
        rhoHist.shift();
      }
      sHist.push(sNew);
      yHist.push(yNew);
      rhoHist.push(1 / sy);
    }
  }
  return { x, value: fx, gradientMax: gMax, iterations, evaluations, converged: gMax <= options.tol };
}

/**
 * Relative change in f below which values are treated as equal. Near the optimum
 * the decrease a step can make (~‖g‖²) drops under double precision of f long
 * before ‖g‖ reaches a tight tolerance; comparing values only up to this slack
 * (Hager & Zhang's approximate Wolfe conditions) lets the gradient, which is still
 * accurate there, steer the last iterations.
 */
const FLAT = 1e-13;

/**
 * Step length a satisfying φ(a) ≤ φ(0) + c1·a·φ'(0) (up to `slack`) and
 * |φ'(a)| ≤ c2·|φ'(0)|, with φ evaluated last at the returned step; null when none was found.
 */
function strongWolfe(
  phi: (a: number) => { v: number; dv: number },
  phi0: number,
  dphi0: number,
  a1: number,
  c1: number,
  c2: number,
  maxEvals: number,
  slack: number,
): { a: number; v: number } | null {
  let evals = 0;
  let aPrev = 0;
  let vPrev = phi0;
  let dPrev = dphi0;
  let a = a1;
  // The last evaluated point must be the accepted one; re-evaluate when it is not.
  let lastA = NaN;
  const at = (step: number) => {
    evals++;
    lastA = step;
    return phi(step);
  };
  const accept = (step: number, v: number) => {
    if (lastA !== step) at(step);
    return { a: step, v };
  };

  const zoom = (lo: number, vLo: number, dLo: number, hi: number, vHi: number, dHi: number) => {
    while (evals < maxEvals) {
      const t = interpolate(lo, vLo, dLo, hi, vHi, dHi);
      const r = at(t);
      if (r.v > phi0 + c1 * t * dphi0 + slack || r.v > vLo + slack) {
        hi = t;
        vHi = r.v;
        dHi = r.dv;
      } else {
        if (Math.abs(r.dv) <= -c2 * dphi0) return { a: t, v: r.v };
        if (r.dv * (hi - lo) >= 0) {
          hi = lo;
          vHi = vLo;
          dHi = dLo;
        }
        lo = t;
        vLo = r.v;
        dLo = r.dv;
      }
      if (Math.abs(hi - lo) <= 1e-16 * Math.max(1, Math.abs(lo))) break;
    }
    // Out of evaluations: a step with sufficient decrease still makes progress.
    return lo > 0 && vLo <= phi0 + slack ? accept(lo, vLo) : null;
  };

  for (let i = 0; evals < maxEvals; i++) {
    const r = at(a);
    if (!Number.isFinite(r.v)) {
      a = (aPrev + a) / 2;
      continue;
    }
    if (r.v > phi0 + c1 * a * dphi0 + slack || (i > 0 && r.v > vPrev + slack)) return zoom(aPrev, vPrev, dPrev, a, r.v, r.dv);
    if (Math.abs(r.dv) <= -c2 * dphi0) return { a, v: r.v };
    if (r.dv >= 0) return zoom(a, r.v, r.dv, aPrev, vPrev, dPrev);
    aPrev = a;
    vPrev = r.v;
    dPrev = r.dv;
    a *= 2;
  }
  return null;
}

/** Minimiser of the cubic through both ends (values and slopes), kept inside the middle 80 %. */
function interpolate(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const margin = 0.1 * (hi - lo);
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - da * db;
  let t = NaN;
  if (disc >= 0) {
    const d2 = Math.sign(b - a) * Math.sqrt(disc);
    t = b - ((b - a) * (db + d2 - d1)) / (db - da + 2 * d2);
  }
  if (!Number.isFinite(t) || t < lo + margin || t > hi - margin) t = (lo + hi) / 2;
  return t;
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
  for (let j = 0; j < m; j++) {
    const rowJ = j * m;
    let diag = b[rowJ + j]!;
    for (let q = 0; q < j; q++) diag -= b[rowJ + q]! * b[rowJ + q]!;
    if (!(diag > 0)) return null;
    const ljj = Math.sqrt(diag);
    b[rowJ + j] = ljj;
    for (let i = j + 1; i < m; i++) {
      const rowI = i * m;
      let v = b[rowI + j]!;
      for (let q = 0; q < j; q++) v -= b[rowI + q]! * b[rowJ + q]!;
      b[rowI + j] = v / ljj;
    }
  }
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
