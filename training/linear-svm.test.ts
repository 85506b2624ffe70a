import { describe, expect, it } from "vitest";
import { decisionFunction, Mt19937, predictClass, trainLinearSvc } from "./linear-svm.ts";
import { SEED_SVC_CONFIG } from "./seed.ts";
import type { SparseRow } from "../src/ml/linear.ts";

const row = (pairs: [number, number][]): SparseRow => ({
  indices: Int32Array.from(pairs.map((p) => p[0])),
  values: Float64Array.from(pairs.map((p) => p[1])),
});

describe("Mt19937", () => {
  it("reproduces std::mt19937 (C++ [rand.predef]: the 10000th output for seed 5489 is 4123659995)", () => {
    const rng = new Mt19937(5489);
    expect(rng.nextUint32()).toBe(3499211612);
    for (let i = 1; i < 9999; i++) rng.nextUint32();
    expect(rng.nextUint32()).toBe(4123659995);
  });

  it("boundedInt stays in range and covers it", () => {
    const rng = new Mt19937(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = rng.boundedInt(7);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(7);
      seen.add(v);
    }
    expect(seen.size).toBe(7);
    expect(() => rng.boundedInt(0)).toThrow(RangeError);
  });
});

describe("trainLinearSvc", () => {
  // Three classes, each marked by its own feature plus shared noise features.
  const rows: SparseRow[] = [];
  const labels: string[] = [];
  const classes = ["Billing", "Legal", "Technical"];
  for (let i = 0; i < 60; i++) {
    const c = i % 3;
    rows.push(row([[c, 1], [3 + (i % 5), 0.3]]));
    labels.push(classes[c]!);
  }

  it("separates linearly separable classes and reports them sorted", () => {
    const model = trainLinearSvc(rows, labels, 8, SEED_SVC_CONFIG);
    expect(model.classes).toEqual(classes);
    rows.forEach((r, i) => expect(predictClass(model, r)).toBe(labels[i]));
    expect(model.nIter.every((n) => n < SEED_SVC_CONFIG.maxIter)).toBe(true);
  });

  it("puts each training point on the right side of its one-vs-rest margin", () => {
    const model = trainLinearSvc(rows, labels, 8, { ...SEED_SVC_CONFIG, C: 10 });
    rows.forEach((r, i) => {
      const d = decisionFunction(model, r);
      classes.forEach((c, k) => expect(Math.sign(d[k]!)).toBe(c === labels[i] ? 1 : -1));
    });
  });

  it("is reproducible for a seed", () => {
    const a = trainLinearSvc(rows, labels, 8, SEED_SVC_CONFIG);
    const b = trainLinearSvc(rows, labels, 8, SEED_SVC_CONFIG);
    expect(Array.from(a.coef)).toEqual(Array.from(b.coef));
  });

  it("shrinks weights as C falls (stronger L2 regularisation)", () => {
    const norm = (C: number) => {
      const m = trainLinearSvc(rows, labels, 8, { ...SEED_SVC_CONFIG, C });
      return Math.hypot(...Array.from(m.coef));
    };
    expect(norm(0.01)).toBeLessThan(norm(1));
  });

  it("weights a rare class up under class_weight=balanced", () => {
    // One "Legal" point among many "Technical" ones that share its only feature half-way.
    const r = [row([[0, 1]]), ...Array.from({ length: 30 }, () => row([[0, 0.5], [1, 1]]))];
    const y = ["Legal", ...Array.from({ length: 30 }, () => "Technical")];
    const plain = trainLinearSvc(r, y, 2, { ...SEED_SVC_CONFIG, classWeight: null });
    const balanced = trainLinearSvc(r, y, 2, SEED_SVC_CONFIG);
    // Binary: one decision function, positive = "Technical" (classes[1]).
    expect(decisionFunction(balanced, r[0]!)[0]!).toBeLessThan(decisionFunction(plain, r[0]!)[0]!);
    expect(predictClass(balanced, r[0]!)).toBe("Legal");
  });

  it("rejects mismatched inputs and single-class data", () => {
    expect(() => trainLinearSvc(rows, labels.slice(1), 8, SEED_SVC_CONFIG)).toThrow(/differ/);
    expect(() => trainLinearSvc(rows, rows.map(() => "Billing"), 8, SEED_SVC_CONFIG)).toThrow(/two classes/);
  });
});
