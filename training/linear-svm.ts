/**
 * Training of a linear SVM as scikit-learn's LinearSVC does it (dual=True,
 * loss="squared_hinge", penalty="l2", multi_class="ovr"): liblinear's dual
 * coordinate descent for L2-regularised L2-loss SVC (solve_l2r_l1l2_svc, with
 * shrinking), in the flavour bundled with sklearn: instances grouped by class,
 * the Mersenne-Twister permutation of sklearn's newrand.h and its stopping rule.
 * Given the same random seed it retraces sklearn's optimisation step for step.
 */
import { argmax, sparseMargins, type SparseRow } from "../src/ml/linear.ts";

export type LinearSvcConfig = {
  C: number;
  /** "balanced": class weight n_samples / (n_classes · count_c), as sklearn. */
  classWeight: "balanced" | null;
  tol: number;
  maxIter: number;
  fitIntercept: boolean;
  /** The bias is an extra constant feature of this value, regularised like any other weight. */
  interceptScaling: number;
  /** Seed of the Mersenne Twister (sklearn passes RandomState(random_state).randint(2**31 - 1)). */
  seed: number;
};

export type LinearSvcModel = {
  /** Sorted class labels; row k of `coef` scores classes[k] against the rest. */
  classes: string[];
  nFeatures: number;
  /** classes.length × nFeatures, row-major. */
  coef: Float64Array;
  intercept: Float64Array;
  /** Outer iterations per one-vs-rest problem (maxIter means it did not converge). */
  nIter: number[];
};

export type TrainProgress = (message: string) => void;

export function trainLinearSvc(
  rows: readonly SparseRow[],
  labels: readonly string[],
  nFeatures: number,
  config: LinearSvcConfig,
  progress?: TrainProgress,
): LinearSvcModel {
  if (rows.length !== labels.length) throw new Error("rows and labels differ in length");
  const classes = [...new Set(labels)].sort();
  if (classes.length < 2) throw new Error("LinearSVC needs at least two classes");
  const classIndex = new Map(classes.map((c, k) => [c, k]));
  const y = labels.map((l) => classIndex.get(l)!);
  const counts = classes.map((_, k) => y.filter((v) => v === k).length);
  const weights = classes.map((_, k) =>
    config.classWeight === "balanced" ? rows.length / (classes.length * counts[k]!) : 1,
  );

  // liblinear groups the instances by class (stable within a class) before solving.
  const perm = classes.flatMap((_, k) => y.flatMap((v, i) => (v === k ? [i] : [])));
  const bias = config.fitIntercept ? config.interceptScaling : -1;
  const problem = perm.map((i) => withBias(rows[i]!, nFeatures, bias));
  const wSize = nFeatures + (bias >= 0 ? 1 : 0);
  const yPerm = perm.map((i) => y[i]!);

  const rng = new Mt19937(config.seed);
  const nClassifiers = classes.length === 2 ? 1 : classes.length;
  const coef = new Float64Array(nClassifiers * nFeatures);
  const intercept = new Float64Array(nClassifiers);
  const nIter: number[] = [];
  for (let k = 0; k < nClassifiers; k++) {
    // Binary: liblinear trains class 1 as positive. OvR: class k against the rest, whose
    // C stays unweighted (liblinear passes weighted_C[k] for positives, plain C for negatives).
    const positive = classes.length === 2 ? 1 : k;
    const sign = yPerm.map((v) => (v === positive ? 1 : -1));
    const Cp = config.C * weights[positive]!;
    const Cn = classes.length === 2 ? config.C * weights[0]! : config.C;
    const started = Date.now();
    const { w, iter } = solveL2rL2SvcDual(problem, sign, wSize, Cp, Cn, config.tol, config.maxIter, rng);
    nIter.push(iter);
    progress?.(`  svm ${classes[positive]} vs rest: ${iter} iterations, ${Date.now() - started} ms`);
    coef.set(w.subarray(0, nFeatures), k * nFeatures);
    intercept[k] = bias >= 0 ? w[nFeatures]! * bias : 0;
  }
  return { classes, nFeatures, coef, intercept, nIter };
}

function withBias(row: SparseRow, nFeatures: number, bias: number): SparseRow {
  if (bias < 0) return row;
  const n = row.indices.length;
  const indices = new Int32Array(n + 1);
  const values = new Float64Array(n + 1);
  indices.set(row.indices);
  values.set(row.values);
  indices[n] = nFeatures;
  values[n] = bias;
  return { indices, values };
}

/**
 * Dual coordinate descent (Hsieh et al., ICML 2008, Algorithm 3) for
 *   min_α ½ αᵀ(Q + D)α − eᵀα, α ≥ 0, Q_ij = y_i y_j x_iᵀx_j, D_ii = 1 / (2 C_i).
 * Kept line for line with liblinear so floating-point results match.
 */
export function solveL2rL2SvcDual(
  x: readonly SparseRow[],
  y: readonly number[],
  wSize: number,
  Cp: number,
  Cn: number,
  eps: number,
  maxIter: number,
  rng: Mt19937,
): { w: Float64Array; iter: number } {
  const l = x.length;
  const w = new Float64Array(wSize);
  const alpha = new Float64Array(l);
  const diag = new Float64Array(l);
  const QD = new Float64Array(l);
  const index = new Int32Array(l);
  for (let i = 0; i < l; i++) {
    diag[i] = 0.5 / (y[i]! > 0 ? Cp : Cn);
    let q = diag[i]!;
    const v = x[i]!.values;
    for (let k = 0; k < v.length; k++) q += v[k]! * v[k]!;
    QD[i] = q;
    index[i] = i;
  }

  let activeSize = l;
  let PGmaxOld = Infinity;
  let PGminOld = -Infinity;
  let iter = 0;
  while (iter < maxIter) {
    let PGmaxNew = -Infinity;
    let PGminNew = Infinity;
    for (let i = 0; i < activeSize; i++) {
      const j = i + rng.boundedInt(activeSize - i);
      const t = index[i]!;
      index[i] = index[j]!;
      index[j] = t;
    }
    for (let s = 0; s < activeSize; s++) {
      const i = index[s]!;
      const yi = y[i]!;
      const { indices, values } = x[i]!;
      let G = 0;
      for (let k = 0; k < indices.length; k++) G += w[indices[k]!]! * values[k]!;
      G = G * yi - 1;
      G += alpha[i]! * diag[i]!;

      // L2 loss: the upper bound is infinite, so only α = 0 can be at a bound.
      let PG = 0;
      if (alpha[i] === 0) {
        if (G > PGmaxOld) {
          activeSize--;
          index[s] = index[activeSize]!;
          index[activeSize] = i;
          s--;
          continue;
        } else if (G < 0) PG = G;
      } else PG = G;

      if (PG > PGmaxNew) PGmaxNew = PG;
      if (PG < PGminNew) PGminNew = PG;

      if (Math.abs(PG) > 1e-12) {
        const alphaOld = alpha[i]!;
        alpha[i] = Math.max(alphaOld - G / QD[i]!, 0);
        const d = (alpha[i]! - alphaOld) * yi;
        for (let k = 0; k < indices.length; k++) w[indices[k]!]! += d * values[k]!;
      }
    }
    iter++;

    if (PGmaxNew - PGminNew <= eps) {
      if (activeSize === l) break;
      // Converged on the shrunk set: check once more on everything.
      activeSize = l;
      PGmaxOld = Infinity;
      PGminOld = -Infinity;
      continue;
    }
    PGmaxOld = PGmaxNew <= 0 ? Infinity : PGmaxNew;
    PGminOld = PGminNew >= 0 ? -Infinity : PGminNew;
  }
  void PGminOld; // liblinear shrinks on PGmin_old only for α at an upper bound, which L2 loss never has
  return { w, iter };
}

/** Decision values of every classifier for one row. */
export function decisionFunction(model: LinearSvcModel, row: SparseRow): Float64Array {
  return sparseMargins(model.coef, model.nFeatures, row, model.intercept);
}

/** sklearn's predict: argmax of the decision values (first wins ties); binary: positive iff > 0. */
export function predictClass(model: LinearSvcModel, row: SparseRow): string {
  const scores = decisionFunction(model, row);
  if (scores.length === 1) return model.classes[scores[0]! > 0 ? 1 : 0]!;
  return model.classes[argmax(scores)]!;
}

/**
 * 32-bit Mersenne Twister (std::mt19937) with sklearn's bounded_rand_int
 * (Lemire's multiply-shift with rejection) on top.
 */
export class Mt19937 {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = this.mt[i - 1]! ^ (this.mt[i - 1]! >>> 30);
      this.mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  nextUint32(): number {
    if (this.index >= 624) this.twist();
    let y = this.mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Uniform integer in [0, range). */
  boundedInt(range: number): number {
    // x · range stays below 2^53 for range < 2^21, so plain doubles hold the 64-bit product.
    if (!(range > 0 && range < 2 ** 21)) throw new RangeError(`boundedInt range ${range} out of [1, 2^21)`);
    let m = this.nextUint32() * range;
    let low = m % 4294967296;
    if (low < range) {
      let t = 4294967296 - range;
      if (t >= range) {
        t -= range;
        if (t >= range) t %= range;
      }
      while (low < t) {
        m = this.nextUint32() * range;
        low = m % 4294967296;
      }
    }
    return Math.floor(m / 4294967296);
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i]! & 0x80000000) | (mt[(i + 1) % 624]! & 0x7fffffff);
      let next = mt[(i + 397) % 624]! ^ (y >>> 1);
      if (y & 1) next ^= 0x9908b0df;
      mt[i] = next >>> 0;
    }
    this.index = 0;
  }
}
