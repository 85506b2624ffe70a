// The model cards' figures are rendered from the trainers' metrics (models/cards.ts). These
// tests fail when a committed card differs from what `npm run models:cards` renders, so a
// retrain that changes a figure cannot land without the regenerated card.
import { relative } from "node:path";
import { describe, expect, it } from "vitest";
import { applyBlocks, fixed, loadMetrics, renderBlocks, renderCards, REPO_ROOT, signedGain, type Metrics } from "./cards.ts";

describe("model cards", () => {
  for (const card of renderCards()) {
    it(`${relative(REPO_ROOT, card.path)} shows the figures of its metrics (else: npm run models:cards)`, () => {
      expect(card.current).toBe(card.rendered);
    });
  }

  it("renders a different card when a metric changes, as after a retrain", () => {
    const metrics = loadMetrics();
    const retrained = structuredClone(metrics) as Metrics;
    retrained.m1.shipped.groupedCv.macroF1.mean += 0.01;
    retrained.urgency.groupedCv.ridge.rmse.mean += 0.01;
    retrained.m2.comparison.category.majorityBaseline.accuracy.mean += 0.01;
    retrained.m2.comparison.category.m1.macroF1.mean += 0.01;
    retrained.m2.comparison.perLanguage.de!.m2.macroF1 += 0.01;
    retrained.m2.comparison.category.m2.perClass.Legal!.recall.mean += 0.01;
    retrained.m1.shipped.groupedCv.pooled.confusion[1]![0]! += 1;
    const before = renderBlocks(metrics);
    const after = renderBlocks(retrained);
    expect(after.m1["m1-category"]).not.toBe(before.m1["m1-category"]);
    expect(after.m1["m1-urgency"]).not.toBe(before.m1["m1-urgency"]);
    expect(after.m2["m2-figures"]).not.toBe(before.m2["m2-figures"]);
    expect(after.m1["m1-per-class"]).not.toBe(before.m1["m1-per-class"]);
    // The M2 card's M1 rows are M1 refitted on M2's folds (metrics.json comparison), not M1's own card.
    expect(after.m2["m2-figures"]).toContain(fixed(retrained.m2.comparison.category.m1.macroF1.mean));
    expect(after.m2["m2-per-language"]).not.toBe(before.m2["m2-per-language"]);
    expect(after.m2["m2-per-class"]).not.toBe(before.m2["m2-per-class"]);
  });

  it("names the model serving each field, and marks a stand-in encoder", () => {
    const m = structuredClone(loadMetrics()) as Metrics;
    const blocks = renderBlocks(m).m2;
    expect(blocks["m2-encoder"]).toContain(`category → **${m.m2.serve.category.model.toUpperCase()}** (${m.m2.serve.category.reason})`);
    expect(blocks["m2-encoder"]).not.toMatch(/STAND-IN/);
    m.m2.encoder.standIn = true;
    expect(renderBlocks(m).m2["m2-encoder"]).toMatch(/STAND-IN encoder/);
  });
});

describe("applyBlocks", () => {
  const card = ["# Card", "<!-- metrics:begin a -->", "stale", "<!-- metrics:end -->", "prose", "<!-- metrics:begin b -->", "<!-- metrics:end -->", ""].join("\n");

  it("replaces only the text between the markers", () => {
    expect(applyBlocks(card, { a: "A", b: "B\n" })).toBe(
      ["# Card", "<!-- metrics:begin a -->", "A", "<!-- metrics:end -->", "prose", "<!-- metrics:begin b -->", "B", "<!-- metrics:end -->", ""].join("\n"),
    );
  });

  it("is idempotent", () => {
    const once = applyBlocks(card, { a: "A", b: "B" });
    expect(applyBlocks(once, { a: "A", b: "B" })).toBe(once);
  });

  it("refuses a card that lacks a block, has an unknown or repeated one, or unbalanced markers", () => {
    expect(() => applyBlocks(card, { a: "A", b: "B", c: "C" })).toThrow(/missing metrics block\(s\): c/);
    expect(() => applyBlocks(card, { a: "A" })).toThrow(/unknown metrics block "b"/);
    const twice = card + "<!-- metrics:begin a -->\n<!-- metrics:end -->\n";
    expect(() => applyBlocks(twice, { a: "A", b: "B" })).toThrow(/appears twice/);
    expect(() => applyBlocks("<!-- metrics:begin a -->\n", { a: "A" })).toThrow(/no metrics:end/);
    expect(() => applyBlocks("<!-- metrics:end -->\n", {})).toThrow(/without a metrics:begin/);
    expect(() => applyBlocks("<!-- metrics:begin a -->\n<!-- metrics:begin b -->\n", { a: "A", b: "B" })).toThrow(/not closed/);
  });
});

describe("number formatting", () => {
  it("rounds the JSON's values with toFixed and writes a typographic minus", () => {
    expect(fixed(0.9395017793594306)).toBe("0.940");
    expect(fixed(0.0185)).toBe("0.018"); // the double just below 0.0185, as toFixed sees it
    expect(fixed(-0.25, 2)).toBe("\u22120.25");
  });

  it("signs gains and keeps a fourth digit only where three would show a non-zero gain as 0", () => {
    expect(signedGain(-0.0057)).toBe("\u22120.006");
    expect(signedGain(0.0005)).toBe("+0.0005");
    expect(signedGain(0.0123)).toBe("+0.012");
    expect(signedGain(0)).toBe("0.000");
  });
});
