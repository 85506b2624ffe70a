import { describe, expect, it } from "vitest";
import bundled from "../../models/m1/routing.json" with { type: "json" };
import { CATEGORIES } from "../ml/categories.ts";
import { loadRoutingArtifact, parseThresholds, routingFor, RoutingSchema, thresholdsFromEnv, type RoutingThresholds } from "./bands.ts";

const CATS = ["Billing", "Legal", "Technical"];
const T: RoutingThresholds = { default: 0.6, per_category: { Legal: 0.9, Billing: 0 } };
const base = { ok: true as const, thresholds: T };

describe("routingFor", () => {
  it("routes auto at or above the category's threshold, review below", () => {
    expect(routingFor("Technical", 0.6, T)).toBe("auto");
    expect(routingFor("Technical", 0.59, T)).toBe("review");
    expect(routingFor("Legal", 0.85, T)).toBe("review");
    expect(routingFor("Legal", 0.9, T)).toBe("auto");
    expect(routingFor("Billing", 0.34, T)).toBe("auto");
  });

  it("sends everything to review at threshold 1, and a NaN confidence always", () => {
    const all = { default: 1, per_category: {} };
    expect(routingFor("Technical", 1, all)).toBe("review");
    expect(routingFor("Technical", Number.NaN, { default: 0, per_category: {} })).toBe("review");
  });

  it("does not read inherited keys as a category's threshold", () => {
    expect(routingFor("constructor", 0.7, T)).toBe("auto");
  });

  it("answers with a value RoutingSchema accepts", () => {
    expect(RoutingSchema.parse(routingFor("Technical", 0.99, T))).toBe("auto");
    expect(RoutingSchema.safeParse("maybe").success).toBe(false);
  });
});

describe("parseThresholds and the bundled artefact", () => {
  it("accepts thresholds in [0, 1] and defaults per_category to none", () => {
    expect(parseThresholds({ default: 0.7 }, CATS)).toEqual({ ok: true, thresholds: { default: 0.7, per_category: {} } });
  });

  it.each([
    [{ default: 1.2 }, /default/],
    [{ default: -0.1 }, /default/],
    [{ per_category: { Legal: 0.9 } }, /default/],
    [{ default: 0.5, per_category: { Legal: "high" } }, /per_category\.Legal/],
    [{ default: 0.5, extra: 1 }, /extra/],
    [{ default: 0.5, per_category: { legal: 0.9 } }, /unknown category "legal".*known: Billing, Legal, Technical/],
  ])("refuses %j, naming the problem", (value, message) => {
    const r = parseThresholds(value, CATS);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it("loads the committed models/m1/routing.json for the categories the model knows", () => {
    const r = loadRoutingArtifact(bundled, CATEGORIES);
    expect(r.ok).toBe(true);
  });

  it("refuses an artefact of another format", () => {
    expect(loadRoutingArtifact({ format: "x/1", thresholds: T }, CATS)).toEqual({ ok: false, error: expect.stringMatching(/format must be "smart-support-routing\/1"/) });
  });
});

describe("thresholdsFromEnv", () => {
  it("is the bundled thresholds when REVIEW_THRESHOLDS is unset or blank", () => {
    expect(thresholdsFromEnv({}, base, CATS)).toEqual(base);
    expect(thresholdsFromEnv({ REVIEW_THRESHOLDS: "  " }, base, CATS)).toEqual(base);
    expect(thresholdsFromEnv({})).toEqual(loadRoutingArtifact(bundled));
  });

  it("overrides the default and merges per-category entries over the bundled ones", () => {
    expect(thresholdsFromEnv({ REVIEW_THRESHOLDS: '{"default":0.8,"per_category":{"Legal":1}}' }, base, CATS)).toEqual({
      ok: true,
      thresholds: { default: 0.8, per_category: { Legal: 1, Billing: 0 } },
    });
    expect(thresholdsFromEnv({ REVIEW_THRESHOLDS: '{"per_category":{"Technical":0.7}}' }, base, CATS)).toEqual({
      ok: true,
      thresholds: { default: 0.6, per_category: { Legal: 0.9, Billing: 0, Technical: 0.7 } },
    });
  });

  it.each([
    ["{default: 0.8}", /REVIEW_THRESHOLDS is not valid JSON/],
    ["0.8", /REVIEW_THRESHOLDS: .*expected \{"default"/],
    ['{"default":"0.8"}', /REVIEW_THRESHOLDS: default/],
    ['{"default":2}', /REVIEW_THRESHOLDS: default/],
    ['{"per_category":{"Sales":0.5}}', /REVIEW_THRESHOLDS: unknown category "Sales"/],
    ['{"defualt":0.5}', /REVIEW_THRESHOLDS: .*defualt/],
  ])("reports %s as a configuration error instead of throwing", (raw, message) => {
    const r = thresholdsFromEnv({ REVIEW_THRESHOLDS: raw }, base, CATS);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it("passes a bad base through unchanged", () => {
    const bad = { ok: false as const, error: "routing artefact: broken" };
    expect(thresholdsFromEnv({ REVIEW_THRESHOLDS: '{"default":0.5}' }, bad, CATS)).toBe(bad);
  });
});
