import { describe, expect, it } from "vitest";
import {
  BACKOFF_BASE_MS,
  BACKOFF_MAX_MS,
  backoffDelay,
  isRetryableStatus,
  nextDelay,
  parseRetryAfter,
  RETRY_AFTER_CAP_MS,
} from "./retry.ts";

const NOW = Date.parse("2026-01-01T00:00:00Z");

describe("isRetryableStatus", () => {
  it.each([
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [599, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [410, false],
    [413, false],
  ])("%i → %s", (status, expected) => {
    expect(isRetryableStatus(status)).toBe(expected);
  });
});

describe("backoffDelay", () => {
  it("doubles per retry with jitter in [step/2, step)", () => {
    for (const [retry, step] of [[1, BACKOFF_BASE_MS], [2, BACKOFF_BASE_MS * 2], [3, BACKOFF_BASE_MS * 4]] as const) {
      expect(backoffDelay(retry, () => 0)).toBe(step / 2);
      expect(backoffDelay(retry, () => 0.999999)).toBe(step - 1);
    }
  });

  it("stops growing at the cap", () => {
    expect(backoffDelay(20, () => 0.999999)).toBeLessThan(BACKOFF_MAX_MS);
    expect(backoffDelay(20, () => 0)).toBe(BACKOFF_MAX_MS / 2);
  });
});

describe("parseRetryAfter", () => {
  it.each<[string | null, number | null]>([
    [null, null],
    ["", null],
    ["soon", null],
    ["2", 2000],
    ["0.5", 500],
    ["0", 0],
    ["3600", RETRY_AFTER_CAP_MS],
    ["Thu, 01 Jan 2026 00:00:03 GMT", 3000],
    ["Wed, 31 Dec 2025 23:00:00 GMT", 0],
  ])("%j → %j", (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
});

describe("nextDelay", () => {
  it("takes the longer of the server's ask and our backoff", () => {
    expect(nextDelay(1, 2000, () => 0)).toBe(2000);
    expect(nextDelay(3, 100, () => 0)).toBe(BACKOFF_BASE_MS * 2);
    expect(nextDelay(1, null, () => 0)).toBe(BACKOFF_BASE_MS / 2);
  });
});
