import { describe, expect, it } from "vitest";
import { effectiveServe } from "./serve-setting.ts";

const HEADS = {
  category: { model: "m1" as const, reason: "M2 macro-F1 0.642 vs M1 0.638: M1 serves" },
  urgency: { model: "m1" as const, reason: "M2 RMSE 0.267 vs M1 0.247: M1 serves" },
};

describe("M2_SERVE", () => {
  it("leaves the heads' decision alone when unset, empty or auto", () => {
    for (const setting of [undefined, "", " auto ", "AUTO"]) expect(effectiveServe(HEADS, setting)).toBe(HEADS);
  });

  it("m2 gives M2 both fields and keeps the heads' figures in the reason", () => {
    expect(effectiveServe(HEADS, "m2")).toEqual({
      category: { model: "m2", reason: `M2_SERVE=m2 overrides the heads (which chose m1: ${HEADS.category.reason})` },
      urgency: { model: "m2", reason: `M2_SERVE=m2 overrides the heads (which chose m1: ${HEADS.urgency.reason})` },
    });
  });

  it("m1 takes both fields from M2 whatever the heads chose", () => {
    const m2Heads = { category: { model: "m2" as const, reason: "wins" }, urgency: { model: "m1" as const, reason: "loses" } };
    const serve = effectiveServe(m2Heads, "M1");
    expect([serve.category.model, serve.urgency.model]).toEqual(["m1", "m1"]);
    expect(serve.category.reason).toBe("M2_SERVE=m1 overrides the heads (which chose m2: wins)");
  });

  it("ignores an unknown value, keeps the heads' models and says so in each reason", () => {
    const serve = effectiveServe(HEADS, "always");
    expect([serve.category.model, serve.urgency.model]).toEqual(["m1", "m1"]);
    expect(serve.category.reason).toBe(`${HEADS.category.reason} (M2_SERVE="always" ignored: use auto, m1, m2)`);
  });
});
