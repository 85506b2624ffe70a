import { describe, expect, it } from "vitest";
import { DEFAULT_STALE_AFTER_MS, v2Settings } from "./settings.ts";
import { DEFAULT_RETENTION_MS } from "./types.ts";

describe("v2Settings", () => {
  it("defaults to 24 h retention and a 10 min sweep threshold", () => {
    expect(v2Settings({})).toEqual({ retentionMs: DEFAULT_RETENTION_MS, staleAfterMs: DEFAULT_STALE_AFTER_MS, errors: [] });
    expect(DEFAULT_RETENTION_MS).toBe(86_400_000);
    expect(DEFAULT_STALE_AFTER_MS).toBe(600_000);
    expect(v2Settings({ V2_RETENTION_SECONDS: " ", V2_SWEEP_AFTER_SECONDS: "" }).errors).toEqual([]);
  });

  it("reads whole seconds from 60 up to a year", () => {
    expect(v2Settings({ V2_RETENTION_SECONDS: "60", V2_SWEEP_AFTER_SECONDS: " 31536000 " })).toEqual({
      retentionMs: 60_000,
      staleAfterMs: 31_536_000_000,
      errors: [],
    });
  });

  it.each(["59", "31536001", "1.5", "-60", "1e3", "ten", "0x40"])("falls back to the default for %j and names the setting", (raw) => {
    const settings = v2Settings({ V2_RETENTION_SECONDS: raw, V2_SWEEP_AFTER_SECONDS: raw });
    expect(settings.retentionMs).toBe(DEFAULT_RETENTION_MS);
    expect(settings.staleAfterMs).toBe(DEFAULT_STALE_AFTER_MS);
    expect(settings.errors).toEqual([
      `V2_RETENTION_SECONDS must be a whole number of seconds from 60 to 31536000, got ${JSON.stringify(raw)}; using 86400`,
      `V2_SWEEP_AFTER_SECONDS must be a whole number of seconds from 60 to 31536000, got ${JSON.stringify(raw)}; using 600`,
    ]);
  });
});
