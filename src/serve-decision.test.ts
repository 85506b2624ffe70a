import { describe, expect, it } from "vitest";
import headsJson from "../models/m2/heads.json" with { type: "json" };
import { bundledHeadsEncoder, bundledServe } from "./serve-decision.ts";

const DECIDED = {
  category: { model: "m2", reason: "M2 macro-F1 0.61 vs M1 0.55 on 5 grouped folds, paired diff +0.06 ± 0.02 SE: M2 serves" },
  urgency: { model: "m1", reason: "M2 RMSE 0.21 vs M1 0.20: M1 serves" },
};

describe("the bundled heads' serving decision", () => {
  it("is the serve block as train:m2 wrote it", () => {
    expect(bundledServe({ serve: DECIDED })).toEqual(DECIDED);
  });

  it("gives both fields to M1 when the heads predate the decision, and says so", () => {
    const serve = bundledServe({});
    expect(serve.category.model).toBe("m1");
    expect(serve.urgency.model).toBe("m1");
    expect(serve.category.reason).toMatch(/predate the serving decision.*M1 serves/);
  });

  it("gives both fields to M1 for a block it cannot read, naming what is wrong", () => {
    const serve = bundledServe({ serve: { category: { model: "m3", reason: "?" }, urgency: DECIDED.urgency } });
    expect(serve).toEqual({ category: serve.urgency, urgency: serve.urgency });
    expect(serve.category.model).toBe("m1");
    expect(serve.category.reason).toMatch(/invalid \(category\.model: .*\): M1 serves/);
  });

  it("reads the committed heads.json as it is (with or without serve)", () => {
    const committed = headsJson as { serve?: unknown; encoder: { sha256: string } };
    const serve = bundledServe();
    if (committed.serve === undefined) expect(serve.category.reason).toMatch(/predate/);
    else expect(serve).toEqual(committed.serve);
    expect(bundledHeadsEncoder()).toBe(committed.encoder.sha256);
    expect(bundledHeadsEncoder({})).toBeNull();
  });
});
