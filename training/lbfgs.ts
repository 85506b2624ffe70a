/**
 * Limited-memory BFGS with a strong-Wolfe line search: the optimiser of the
 * logistic regression (logreg.ts), whose objective is smooth but far too wide for
 * a Newton step.
 */
import { denseDot } from "../src/ml/linear.ts";


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

  let iterations = 0;
  let stalled = 0;
  const measure = options.measure ?? ((_: Float64Array, grad: Float64Array) => maxAbs(grad));
  let gMax = measure(x, g);
  while (gMax > options.tol && iterations < options.maxIter) {
    // Two-loop recursion: dir = −H g.
    dir.set(g);
    for (let h = sHist.length - 1; h >= 0; h--) {
      const a = rhoHist[h]! * denseDot(sHist[h]!, dir);
      alphaTmp[h] = a;
      const yh = yHist[h]!;
      for (let j = 0; j < dim; j++) dir[j]! -= a * yh[j]!;
    }
    const last = sHist.length - 1;
    const gamma = last >= 0 ? denseDot(sHist[last]!, yHist[last]!) / denseDot(yHist[last]!, yHist[last]!) : 1;
    for (let j = 0; j < dim; j++) dir[j]! *= gamma;
    for (let h = 0; h < sHist.length; h++) {
      const b = rhoHist[h]! * denseDot(yHist[h]!, dir);
      const sh = sHist[h]!;
      const coefH = alphaTmp[h]! - b;
      for (let j = 0; j < dim; j++) dir[j]! += coefH * sh[j]!;
    }
    for (let j = 0; j < dim; j++) dir[j] = -dir[j]!;
    let slope = denseDot(g, dir);
    if (!(slope < 0)) {
      // Rounding can spoil the estimate near the optimum: restart from steepest descent.
      sHist.length = yHist.length = rhoHist.length = 0;
      for (let j = 0; j < dim; j++) dir[j] = -g[j]!;
      slope = denseDot(g, dir);
    }

    // Without curvature information the first step is scaled to unit length.
    const firstStep = sHist.length === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    const phi = (a: number) => {
      for (let j = 0; j < dim; j++) xTrial[j] = x[j]! + a * dir[j]!;
      evaluations++;
      const v = f(xTrial, gTrial);
      return { v, dv: denseDot(gTrial, dir) };
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
    const sy = denseDot(sNew, yNew);
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
