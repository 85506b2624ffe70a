import { describe, expect, it } from "vitest";
import { minimizeLbfgs } from "./lbfgs.ts";

describe("minimizeLbfgs", () => {
  it("finds the Rosenbrock minimum (1, 1)", () => {
    const f = (x: Float64Array, g: Float64Array) => {
      const [a, b] = [x[0]!, x[1]!];
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    };
    const r = minimizeLbfgs(f, [-1.2, 1], { tol: 1e-10, maxIter: 500, memory: 5 });
    expect(r.converged).toBe(true);
    expect(r.x[0]!).toBeCloseTo(1, 8);
    expect(r.x[1]!).toBeCloseTo(1, 8);
  });
});
