import { describe, expect, it } from "vitest";
import { classWeights, fitLogReg, objectiveAndGradient, predictProba, type LogRegProblem } from "./logreg.ts";
import { argmax } from "../src/ml/linear.ts";
import { rng } from "./test-rng.ts";


/** Three noisy linear classes in d dimensions, imbalanced 3 : 2 : 1. */
function randomProblem(n: number, d: number, seed: number) {
  const next = rng(seed);
  const rows = Array.from({ length: n }, () => Float64Array.from({ length: d }, () => next() * 2 - 1));
  const labels = rows.map((x, i) => {
    const u = next();
    const score = x[0]! - 0.5 * x[1]! + 0.6 * (u - 0.5);
    return i % 6 === 5 ? "c" : score > 0 ? "a" : "b";
  });
  return { rows, labels };
}

/**
 * scikit-learn 1.2.1 reference (tol=1e-12, max_iter=100000):
 *   rng = np.random.RandomState(7); X = np.round(rng.normal(size=(30, 3)), 2)
 *   y = ["A","B","C"][argmax(X @ [[1,-.5,.2],[.3,1,-.8],[-.6,.4,1]] + rng.normal(size=(30,3)))]
 *   LogisticRegression(C=5, multi_class="multinomial", solver="lbfgs", class_weight=cw).fit(X, y)
 * scipy's L-BFGS stops on its ftol near 1e-5 of the optimum, hence the 1e-4 comparison.
 */
const SKLEARN = {
  X: [
    [1.69, -0.47, 0.03], [0.41, -0.79, 0.0], [-0.0, -1.75, 1.02], [0.6, -0.63, -0.17], [0.51, -0.26, -0.24],
    [-1.45, 0.55, 0.12], [0.27, -1.53, 1.65], [0.15, -0.39, 2.03], [-0.05, -1.45, -0.41], [-2.29, 1.05, -0.42],
    [-0.74, 1.07, -1.65], [0.54, -2.06, -0.66], [-1.2, 1.46, 1.77], [-0.33, 0.84, -0.18], [0.57, -0.75, -1.71],
    [-1.8, 0.38, 2.25], [0.27, -0.52, 1.91], [0.24, 0.1, 0.25], [-0.13, -0.31, -1.43], [0.5, -0.09, 1.19],
    [-0.37, -1.91, -0.1], [1.7, -0.38, -0.89], [-1.19, -1.05, -0.3], [-1.18, 1.5, -0.28], [0.11, 1.44, 1.5],
    [-0.21, 0.33, 0.74], [-0.19, -1.78, 0.65], [0.89, 0.42, -0.92], [-0.2, -0.59, -0.3], [1.3, 1.53, 0.67],
  ],
  y: "ACCCABCCCBACBBABCAABCACBACCACA".split(""),
  none: {
    coef: [
      [2.09864104, 1.61378416, -1.17093367],
      [-1.48340075, 0.6639528, 0.49145614],
      [-0.61524028, -2.27773695, 0.67947753],
    ],
    intercept: [0.2830888, -0.37859668, 0.09550788],
    proba: [
      [0.94554205, 0.00188271, 0.05257524],
      [0.13993555, 0.03520634, 0.82485811],
      [0.0002008, 0.00297644, 0.99682275],
    ],
  },
  balanced: {
    coef: [
      [2.09374675, 1.63180735, -1.15663839],
      [-1.40655208, 0.69945324, 0.52144818],
      [-0.68719467, -2.33126059, 0.63519021],
    ],
    intercept: [0.22810912, -0.06535525, -0.16275387],
    proba: [
      [0.95684304, 0.00313685, 0.04002011],
      [0.15815926, 0.05864928, 0.78319146],
      [0.00023004, 0.00485636, 0.99491361],
    ],
  },
};

describe("logreg objective", () => {
  it("gradient matches central finite differences, with class weights", () => {
    const { rows, labels } = randomProblem(40, 4, 1);
    const classes = ["a", "b", "c"];
    const weights = classWeights(labels, classes, "balanced");
    const n = rows.length;
    const d = 4;
    const p: LogRegProblem = {
      x: Float64Array.from(rows.flatMap((r) => [...r])),
      n,
      d,
      k: 3,
      y: Int32Array.from(labels, (l) => classes.indexOf(l)),
      s: Float64Array.from(labels, (l) => weights[classes.indexOf(l)]!),
      C: 0.7,
    };
    const next = rng(2);
    const theta = Float64Array.from({ length: 3 * d + 3 }, () => next() * 2 - 1);
    const grad = new Float64Array(theta.length);
    objectiveAndGradient(p, theta, grad);
    const h = 1e-6;
    const scratch = new Float64Array(theta.length);
    for (let j = 0; j < theta.length; j++) {
      const plus = Float64Array.from(theta);
      const minus = Float64Array.from(theta);
      plus[j]! += h;
      minus[j]! -= h;
      const numeric = (objectiveAndGradient(p, plus, scratch).value - objectiveAndGradient(p, minus, scratch).value) / (2 * h);
      expect(grad[j]!).toBeCloseTo(numeric, 6);
    }
  });

  it("balanced weights are n / (K · count), as sklearn's compute_class_weight", () => {
    expect(classWeights(["a", "a", "a", "b"], ["a", "b"], "balanced")).toEqual([4 / 6, 4 / 2]);
    expect(classWeights(["a", "b"], ["a", "b"], null)).toEqual([1, 1]);
    expect(() => classWeights(["a"], ["a", "b"], "balanced")).toThrow(/no rows/);
  });
});

describe("fitLogReg", () => {
  for (const cw of ["none", "balanced"] as const) {
    it(`matches scikit-learn's multinomial lbfgs optimum (C=5, class_weight=${cw}) to 1e-4`, () => {
      const fit = fitLogReg(SKLEARN.X, SKLEARN.y, { C: 5, classWeight: cw === "none" ? null : "balanced", tol: 1e-10 });
      const ref = SKLEARN[cw];
      expect(fit.converged).toBe(true);
      expect(fit.classes).toEqual(["A", "B", "C"]);
      ref.coef.flat().forEach((v, i) => expect(Math.abs(fit.coef[i]! - v)).toBeLessThan(1e-4));
      ref.intercept.forEach((v, i) => expect(Math.abs(fit.intercept[i]! - v)).toBeLessThan(1e-4));
      ref.proba.forEach((row, r) => {
        const p = predictProba(fit, SKLEARN.X[r]!);
        row.forEach((v, c) => expect(Math.abs(p[c]! - v)).toBeLessThan(1e-4));
      });
    });
  }

  it("binary, nearly unpenalised, one 0/1 feature: the MLE is the per-cell class frequency", () => {
    // x = 0: 3 × "n", 1 × "p"; x = 1: 2 × "n", 6 × "p". The saturated model fits each cell exactly.
    const cells = [
      [0, "n", 3],
      [0, "p", 1],
      [1, "n", 2],
      [1, "p", 6],
    ] as const;
    const rows: number[][] = [];
    const labels: string[] = [];
    for (const [x, l, count] of cells) for (let i = 0; i < count; i++) (rows.push([x]), labels.push(l));
    const fit = fitLogReg(rows, labels, { C: 1e9, tol: 1e-12 });
    expect(predictProba(fit, [0])[1]).toBeCloseTo(1 / 4, 6);
    expect(predictProba(fit, [1])[1]).toBeCloseTo(6 / 8, 6);
  });

  it("binary, penalised, symmetric data: the margin v solves v = 4Cm / (1 + eᵛ)", () => {
    // m rows x = +1 labelled "p" and m rows x = −1 labelled "n": b = 0 by symmetry, the two
    // coefficient rows are ±v/2, so the objective is 2m·log(1 + e⁻ᵛ) + v²/(4C).
    const m = 5;
    const C = 0.3;
    const rows = [...Array(m).fill([1]), ...Array(m).fill([-1])] as number[][];
    const labels = [...Array(m).fill("p"), ...Array(m).fill("n")] as string[];
    let lo = 0;
    let hi = 4 * C * m;
    for (let i = 0; i < 200; i++) {
      const v = (lo + hi) / 2;
      if (v - (4 * C * m) / (1 + Math.exp(v)) > 0) hi = v;
      else lo = v;
    }
    const v = (lo + hi) / 2;
    const fit = fitLogReg(rows, labels, { C, tol: 1e-12 });
    // classes ["n", "p"]: coef rows are [−v/2] and [+v/2].
    expect(fit.coef[1]! - fit.coef[0]!).toBeCloseTo(v, 8);
    expect(fit.coef[0]! + fit.coef[1]!).toBeCloseTo(0, 8);
    expect(fit.intercept[0]!).toBeCloseTo(0, 8);
    expect(predictProba(fit, [1])[1]).toBeCloseTo(1 / (1 + Math.exp(-v)), 8);
  });

  it("leaves the intercept unpenalised: with an all-zero feature it predicts the class frequencies", () => {
    const labels = [...Array(6).fill("a"), ...Array(3).fill("b"), "c"] as string[];
    const rows = labels.map(() => [0, 0]);
    const fit = fitLogReg(rows, labels, { C: 1e-3, tol: 1e-12 });
    const p = predictProba(fit, [0, 0]);
    expect([...p].map((v) => Number(v.toFixed(8)))).toEqual([0.6, 0.3, 0.1]);
    // Balanced weights give every class the same total weight: the optimum is uniform.
    const balanced = fitLogReg(rows, labels, { C: 1e-3, classWeight: "balanced", tol: 1e-12 });
    for (const q of predictProba(balanced, [0, 0])) expect(q).toBeCloseTo(1 / 3, 8);
    // Intercepts are reported centred, as sklearn's L-BFGS from zero leaves them.
    expect(fit.intercept.reduce((s, b) => s + b, 0)).toBeCloseTo(0, 12);
  });

  it("increasing C lowers the training loss and grows the coefficients", () => {
    const { rows, labels } = randomProblem(120, 5, 3);
    let previousLoss = Infinity;
    let previousNorm = 0;
    for (const C of [0.01, 0.1, 1, 10, 100]) {
      const fit = fitLogReg(rows, labels, { C, tol: 1e-9 });
      expect(fit.converged).toBe(true);
      const norm = fit.coef.reduce((s, w) => s + w * w, 0);
      expect(fit.trainLoss).toBeLessThan(previousLoss);
      expect(norm).toBeGreaterThan(previousNorm);
      previousLoss = fit.trainLoss;
      previousNorm = norm;
    }
  });

  it("reaches the same optimum with and without preconditioning, in fewer iterations on correlated features", () => {
    // Columns that are noisy copies of two latent factors on very different scales: the
    // covariance spread that makes plain L-BFGS crawl on embeddings.
    const next = rng(11);
    const { rows: base, labels } = randomProblem(150, 2, 5);
    const rows = base.map((b) =>
      Float64Array.from({ length: 12 }, (_, j) => (j % 2 ? 30 * b[0]! : 0.3 * b[1]!) + 0.01 * (next() - 0.5) + 2),
    );
    const plain = fitLogReg(rows, labels, { C: 5, precondition: false, tol: 1e-9, maxIter: 20000 });
    const pre = fitLogReg(rows, labels, { C: 5, precondition: true, tol: 1e-9 });
    expect(plain.converged && pre.converged).toBe(true);
    expect(pre.objective).toBeCloseTo(plain.objective, 8);
    pre.coef.forEach((w, i) => expect(w).toBeCloseTo(plain.coef[i]!, 5));
    pre.intercept.forEach((b, i) => expect(b).toBeCloseTo(plain.intercept[i]!, 5));
    expect(pre.iterations * 3).toBeLessThan(plain.iterations);
  });

  it("stays finite on separable data (the penalty bounds W) and converges", () => {
    const rows = [[-2], [-1], [1], [2]];
    const fit = fitLogReg(rows, ["a", "a", "b", "b"], { C: 100, tol: 1e-10 });
    expect(fit.converged).toBe(true);
    expect(Number.isFinite(fit.coef[0]!)).toBe(true);
    expect(fit.classes[argmax(predictProba(fit, [3]))]).toBe("b");
    expect(fit.classes[argmax(predictProba(fit, [-3]))]).toBe("a");
  });

  it("keeps a given class order, including a class absent from the rows", () => {
    const fit = fitLogReg([[1], [-1]], ["y", "x"], { C: 1, classes: ["z", "y", "x"] });
    expect(fit.classes).toEqual(["z", "y", "x"]);
    const p = predictProba(fit, [1]);
    expect(p[0]!).toBeLessThan(p[1]!);
  });

  it("rejects bad input", () => {
    expect(() => fitLogReg([], [], { C: 1 })).toThrow(/no training rows/);
    expect(() => fitLogReg([[1]], ["a"], { C: 1 })).toThrow(/two classes/);
    expect(() => fitLogReg([[1], [2]], ["a", "b"], { C: 0 })).toThrow(/C must be > 0/);
    expect(() => fitLogReg([[1], [2]], ["a", "q"], { C: 1, classes: ["a", "b"] })).toThrow(/"q"/);
    expect(() => fitLogReg([[1], [2, 3]], ["a", "b"], { C: 1 })).toThrow(/differ in length/);
  });
});

describe("predictProba", () => {
  it("sums to 1 and survives logits far beyond exp's range", () => {
    const model = { classes: ["a", "b", "c"], coef: [800, 0, -800, 0, 0, 1], intercept: [0, 0, 0] };
    for (const x of [[1, 0], [-1, 0], [0, 1], [0.5, -0.5]]) {
      const p = predictProba(model, x);
      expect(p.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
      expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    }
    expect(argmax(predictProba(model, [1, 0]))).toBe(0);
    expect(argmax(predictProba(model, [-1, 0]))).toBe(1);
  });

  it("refuses a vector of the wrong width", () => {
    expect(() => predictProba({ classes: ["a", "b"], coef: [1, 2], intercept: [0, 0] }, [1, 2])).toThrow(/expects 1/);
  });
});
