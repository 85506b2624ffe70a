import { describe, expect, it } from "vitest";
import { readWranglerConfig } from "../../dev/wrangler-config.ts";
import { RATE_LIMIT_PERIOD_SECONDS, rateLimitOn } from "./rate-limit-settings.ts";

describe("RATE_LIMITER binding", () => {
  it("is declared in wrangler.jsonc with the period Retry-After announces", () => {
    const limits = (readWranglerConfig() as { ratelimits?: { name: string; simple: { limit: number; period: number } }[] }).ratelimits ?? [];
    const binding = limits.find((r) => r.name === "RATE_LIMITER");
    expect(binding?.simple.period).toBe(RATE_LIMIT_PERIOD_SECONDS);
    expect([10, 60]).toContain(RATE_LIMIT_PERIOD_SECONDS);
  });
});

describe("rateLimitOn", () => {
  const binding = { limit: async () => ({ success: true }) } as unknown as RateLimit;
  it.each([
    [{ RATE_LIMIT: "on", RATE_LIMITER: binding }, true],
    [{ RATE_LIMIT: " ON ", RATE_LIMITER: binding }, true],
    [{ RATE_LIMIT: "off", RATE_LIMITER: binding }, false],
    [{ RATE_LIMIT: "yes", RATE_LIMITER: binding }, false],
    [{ RATE_LIMITER: binding }, false],
    [{ RATE_LIMIT: "on" }, false],
  ])("%j → %s", (env, on) => {
    expect(rateLimitOn(env)).toBe(on);
  });
});
