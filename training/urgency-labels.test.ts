import { describe, expect, it } from "vitest";
import { urgencyBand, urgencyLabels, urgencyTarget } from "./urgency-labels.ts";

describe("urgency targets: priority × keyword bands", () => {
  it.each([
    ["low", false, 0.1],
    ["low", true, 0.3],
    ["medium", false, 0.45],
    ["medium", true, 0.65],
    ["high", false, 0.8],
    ["high", true, 1.0],
  ] as const)("%s priority, keyword %s → %f", (priority, keyword, target) => {
    expect(urgencyTarget(priority, keyword)).toBe(target);
  });

  it("is strictly ordered: every band above the one below it", () => {
    const order = ["low", "medium", "high"].flatMap((p) => [false, true].map((k) => urgencyTarget(p, k)));
    for (let i = 1; i < order.length; i++) expect(order[i]!).toBeGreaterThan(order[i - 1]!);
  });

  it("reads priorities as the CSV writes them, whatever the case or padding", () => {
    expect(urgencyTarget(" High ", false)).toBe(0.8);
    expect(urgencyBand("MEDIUM", true)).toBe("medium+kw");
    expect(urgencyBand("low", false)).toBe("low");
  });

  it("refuses an unknown priority rather than guessing a band", () => {
    expect(() => urgencyTarget("critical", true)).toThrow(/unknown ticket priority "critical"/);
    expect(() => urgencyTarget("", false)).toThrow(/unknown ticket priority/);
  });

  it("takes the keyword flag from the urgency heuristic over subject and body", () => {
    const labels = urgencyLabels([
      { subject: "Server down", body: "Nothing loads.", priority: "high" },
      { subject: "Question", body: "Could you add dark mode?", priority: "low" },
      { subject: "", body: "Dringend: der Drucker druckt nicht.", priority: "medium" },
    ]);
    expect(labels.keywordMatched).toEqual([true, false, true]);
    expect(Array.from(labels.targets)).toEqual([1.0, 0.1, 0.65]);
    expect(labels.bands).toEqual(["high+kw", "low", "medium+kw"]);
  });
});
