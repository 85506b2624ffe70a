import { describe, expect, it } from "vitest";
import { median, medianOfPasses, modeOrder, parseCounts, percentile, positiveInt, summarizePass, tenantTokens, tokenFor } from "./v1-stats.ts";

describe("percentile (nearest rank)", () => {
  it("returns observed values: p50 of 1..10 is 5, p99 is 10, p0 the minimum", () => {
    const values = [7, 3, 10, 1, 9, 2, 8, 4, 6, 5];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 99)).toBe(10);
    expect(percentile(values, 100)).toBe(10);
    expect(percentile(values, 0)).toBe(1);
  });
  it("p99 of 1,000 values is the 990th smallest, not an interpolation", () => {
    const values = Array.from({ length: 1000 }, (_, i) => 1000 - i);
    expect(percentile(values, 99)).toBe(990);
  });
  it("is NaN for no values and refuses a percentile outside 0..100", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
  it("does not reorder its input", () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe("median and summaries", () => {
  it("takes the middle value, or the mean of the middle two", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
  it("turns a pass into requests per second and latency percentiles", () => {
    const s = summarizePass({ requests: 4, wallMs: 2000, latenciesMs: [10, 40, 20, 30] });
    expect(s).toEqual({ perSecond: 2, p50Ms: 20, p99Ms: 40 });
  });
  it("refuses a pass whose latencies do not match its request count", () => {
    expect(() => summarizePass({ requests: 3, wallMs: 1000, latenciesMs: [1, 2] })).toThrow(/3 requests but 2 latencies/);
  });
  it("takes each figure's median over repeats independently", () => {
    const m = medianOfPasses([
      { perSecond: 100, p50Ms: 9, p99Ms: 30 },
      { perSecond: 300, p50Ms: 5, p99Ms: 10 },
      { perSecond: 200, p50Ms: 7, p99Ms: 50 },
    ]);
    expect(m).toEqual({ perSecond: 200, p50Ms: 7, p99Ms: 30 });
  });
});

describe("tenants", () => {
  // src/http/tenant.ts imports the Router (cloudflare:workers), so its parser runs only in
  // workerd; the bench's servers check these tokens on every request (a 401 fails the bench).
  it("writes API_TOKENS in src/http/tenant.ts's format, one tenant per token, tokens in tenant order", () => {
    let n = 0;
    const { apiTokens, tokens } = tenantTokens(4, () => `0000-${n++}-aaaaaaaaaaaa`);
    const grants = JSON.parse(apiTokens) as Record<string, { tenant: string; agent: string }>;
    expect(Object.entries(grants).map(([token, g]) => [token, g.tenant])).toEqual(tokens.map((t, i) => [t, `bench-t${i}`]));
    for (const [token, g] of Object.entries(grants)) {
      expect(token.length).toBeGreaterThanOrEqual(16);
      expect(g.tenant).toMatch(/^[a-z0-9][a-z0-9_-]{0,62}$/);
    }
    expect(new Set(tokens).size).toBe(4);
    expect(() => tenantTokens(0)).toThrow(RangeError);
  });
  it("spreads requests round-robin over the first N tokens and never past them", () => {
    const tokens = ["a", "b", "c", "d"];
    expect(Array.from({ length: 6 }, (_, i) => tokenFor(i, 4, tokens))).toEqual(["a", "b", "c", "d", "a", "b"]);
    expect(Array.from({ length: 3 }, (_, i) => tokenFor(i, 1, tokens))).toEqual(["a", "a", "a"]);
    expect(() => tokenFor(0, 5, tokens)).toThrow(RangeError);
  });
});

describe("pass order and flags", () => {
  it("rotates the modes each repeat so every mode runs first once", () => {
    const modes = ["workerd", "dev", "dev-notrace"];
    expect([0, 1, 2, 3].map((r) => modeOrder(modes, r)[0])).toEqual(["workerd", "dev", "dev-notrace", "workerd"]);
    expect(modeOrder(modes, 1)).toEqual(["dev", "dev-notrace", "workerd"]);
  });
  it("parses tenant counts and rejects bad ones", () => {
    expect(parseCounts("1,4", "--tenants")).toEqual([1, 4]);
    expect(() => parseCounts("1,0", "--tenants")).toThrow(/positive integers/);
    expect(() => parseCounts("4,4", "--tenants")).toThrow(/twice/);
  });
});

describe("positiveInt", () => {
  it("takes positive integers and names the flag on anything else", () => {
    expect(positiveInt("8", "--concurrency")).toBe(8);
    for (const bad of ["0", "-1", "2.5", "eight", "", undefined]) {
      expect(() => positiveInt(bad, "--concurrency")).toThrow(`--concurrency must be a positive integer, got ${bad}`);
    }
  });
});
