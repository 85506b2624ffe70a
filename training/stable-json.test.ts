import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../dataset/load.ts";
import { isClockKey, stableMetricsJson, withoutClockFields } from "./stable-json.ts";

describe("withoutClockFields", () => {
  it("drops date, seconds and …Seconds at any depth and keeps everything else", () => {
    const input = {
      date: "2026-11-24T02:54:54.443Z",
      totalSeconds: 51.2,
      rows: 3,
      nested: { seconds: 0.3, pairs: 204, perFold: [{ trainSeconds: 1, accuracy: 0.9 }] },
      list: [1, "two", null],
    };
    const copy = structuredClone(input);
    expect(withoutClockFields(input)).toEqual({ rows: 3, nested: { pairs: 204, perFold: [{ accuracy: 0.9 }] }, list: [1, "two", null] });
    expect(input).toEqual(copy);
    expect(stableMetricsJson({ date: "x", a: 1 })).toBe('{\n  "a": 1\n}\n');
  });

  it("leaves keys that only look alike", () => {
    for (const key of ["dataset", "updated", "secondsPerTicket", "validate"]) expect(isClockKey(key)).toBe(false);
  });
});

// Retraining on the same data must leave git clean: no committed M1 artefact may carry
// a timestamp or a timing. (models/m2/manifest.json is the download pin list, not a trainer's output.)
describe("committed model artefacts", () => {
  const files = ["models/m1", "models/m2"].flatMap((folder) =>
    readdirSync(resolve(REPO_ROOT, folder))
      .filter((f) => (f.endsWith(".json") || f.endsWith(".svg")) && f !== "manifest.json")
      .map((f) => `${folder}/${f}`),
  );
  const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d/;

  it.each(files)("%s holds no date or timing", (file) => {
    const text = readFileSync(resolve(REPO_ROOT, file), "utf8");
    expect(text.match(ISO_TIME)?.[0] ?? null).toBeNull();
    if (!file.endsWith(".json")) return;
    const clockKeys: string[] = [];
    const walk = (v: unknown, path: string) => {
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
      else if (v !== null && typeof v === "object")
        for (const [k, x] of Object.entries(v)) {
          if (isClockKey(k) || /(^|[a-z])(Ms|Millis|At|Time)$|^(ms|time|elapsed)/.test(k)) clockKeys.push(`${path}.${k}`);
          walk(x, `${path}.${k}`);
        }
    };
    walk(JSON.parse(text), "");
    expect(clockKeys).toEqual([]);
  });
});
