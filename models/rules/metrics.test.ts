// metrics.json describes the committed rules file: same constants, same rules, so a rule
// edited or added without rerunning `npm run train:rules` fails here instead of shipping unmeasured.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import file from "./default.json" with { type: "json" };
import metrics from "./metrics.json" with { type: "json" };
import { parseRulesFile } from "../../src/rules/schema.ts";

describe("models/rules/metrics.json", () => {
  const rules = parseRulesFile(file);

  it("records the constants the rules file ships", () => {
    expect(metrics.shipped.combine).toEqual(rules.combine);
  });

  it("measured exactly the rules in the file", () => {
    expect(metrics.perRule.map((r) => r.id)).toEqual(rules.rules.map((r) => r.id));
    expect(metrics.perRule.map((r) => r.category)).toEqual(rules.rules.map((r) => r.category));
    expect(metrics.rules.count).toBe(rules.rules.length);
    // Terms too: the digest train:rules recorded is of these very rules.
    expect(metrics.rules.sha256).toBe(createHash("sha256").update(JSON.stringify(rules.rules)).digest("hex"));
  });

  it("holds no clock fields, so rerunning on the same data leaves git clean", () => {
    expect(JSON.stringify(metrics)).not.toMatch(/"(date|seconds|\w+Seconds)":/);
  });
});
