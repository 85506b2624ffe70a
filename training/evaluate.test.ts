import { describe, expect, it } from "vitest";
import { fitClassBias, fitTemperature, negativeLogLikelihood } from "./calibration.ts";
import { binaryPrecisionRecall, classificationReport, meanStd } from "./metrics.ts";
import { groupNearDuplicates, jaccard, shingleSet } from "./near-duplicates.ts";
import { stratifiedGroupKFold, stratifiedHoldout } from "./split.ts";

describe("classificationReport", () => {
  it("computes accuracy, per-class P/R/F1, macro-F1 and the confusion matrix", () => {
    const truth = ["A", "A", "A", "B", "B", "C"];
    const pred = ["A", "A", "B", "B", "A", "A"];
    const r = classificationReport(truth, pred, ["A", "B", "C"]);
    expect(r.accuracy).toBeCloseTo(3 / 6, 12);
    expect(r.confusion).toEqual([[2, 1, 0], [1, 1, 0], [1, 0, 0]]);
    expect(r.perClass.A).toEqual({ precision: 0.5, recall: 2 / 3, f1: (2 * 0.5 * (2 / 3)) / (0.5 + 2 / 3), support: 3 });
    expect(r.perClass.C!.f1).toBe(0); // never predicted: zero_division = 0
    expect(r.macroF1).toBeCloseTo((r.perClass.A!.f1 + r.perClass.B!.f1 + 0) / 3, 12);
  });

  it("rejects unknown classes", () => {
    expect(() => classificationReport(["A"], ["Z"], ["A"])).toThrow(/unknown class/);
  });

  it("meanStd uses the population std; binaryPrecisionRecall counts flags", () => {
    expect(meanStd([1, 3])).toEqual({ mean: 2, std: 1 });
    expect(binaryPrecisionRecall([true, true, false, false], [true, false, true, false])).toMatchObject({ precision: 0.5, recall: 0.5, positives: 2, flagged: 2 });
  });
});

describe("near-duplicate grouping", () => {
  const base = "my invoice for march shows a double charge of the monthly plan please refund the second payment";
  const texts = [
    base,
    base.replace("please refund", "kindly refund"), // paraphrase
    "the vpn client crashes on start after the latest update on windows eleven laptops",
    base.replace("march", "april").replace("monthly", "yearly"), // another paraphrase of 0
    "dear support team i hope this message finds you well", // boilerplate only
    "dear support team i hope this message finds you well",
  ];

  it("measures Jaccard over word-bigram sets", () => {
    const ids = new Map<string, number>();
    expect(jaccard(shingleSet("a b c", 2, ids), shingleSet("a b c", 2, ids))).toBe(1);
    expect(jaccard(shingleSet("a b c", 2, ids), shingleSet("b c d", 2, ids))).toBeCloseTo(1 / 3, 12);
  });

  it("puts paraphrases (transitively) and identical texts in one group, others alone", () => {
    const g = groupNearDuplicates(texts, { shingle: 2, threshold: 0.3 });
    expect(g.groupOf[1]).toBe(g.groupOf[0]);
    expect(g.groupOf[3]).toBe(g.groupOf[0]);
    expect(g.groupOf[2]).not.toBe(g.groupOf[0]);
    expect(g.groupOf[5]).toBe(g.groupOf[4]);
    expect(g.nGroups).toBe(3);
    expect(g.multiGroups).toBe(2);
    expect(g.ticketsInMultiGroups).toBe(5);
  });

  it("matches an all-pairs computation", () => {
    const ids = new Map<string, number>();
    const sets = texts.map((t) => shingleSet(t, 2, ids));
    const g = groupNearDuplicates(texts, { shingle: 2, threshold: 0.3 });
    for (let i = 0; i < texts.length; i++)
      for (let j = i + 1; j < texts.length; j++)
        if (jaccard(sets[i]!, sets[j]!) >= 0.3) expect(g.groupOf[i]).toBe(g.groupOf[j]);
  });
});

describe("splits", () => {
  const labels = [...Array(80).fill("T"), ...Array(15).fill("B"), ...Array(5).fill("L")] as string[];

  it("stratified hold-out keeps class shares and is deterministic per seed", () => {
    const s = stratifiedHoldout(labels, 0.2, 42);
    expect(s.test.filter((i) => labels[i] === "T")).toHaveLength(16);
    expect(s.test.filter((i) => labels[i] === "B")).toHaveLength(3);
    expect(s.test.filter((i) => labels[i] === "L")).toHaveLength(1);
    expect(new Set([...s.train, ...s.test]).size).toBe(labels.length);
    expect(stratifiedHoldout(labels, 0.2, 42)).toEqual(s);
    expect(stratifiedHoldout(labels, 0.2, 7)).not.toEqual(s);
  });

  it("group K-fold never splits a group, covers every row once, and spreads rare classes", () => {
    const groups = labels.map((_, i) => Math.floor(i / 2)); // pairs of rows are near-twins
    const folds = stratifiedGroupKFold(labels, groups, 5, 42);
    const seen = new Array(labels.length).fill(0);
    for (const f of folds) {
      f.test.forEach((i) => seen[i]++);
      const testGroups = new Set(f.test.map((i) => groups[i]));
      expect(f.train.some((i) => testGroups.has(groups[i]!))).toBe(false);
    }
    expect(seen.every((n) => n === 1)).toBe(true);
    // 5 "L" rows in 3 groups: no fold may hold more than one of those groups.
    for (const f of folds) expect(f.test.filter((i) => labels[i] === "L").length).toBeLessThanOrEqual(2);
  });
});

describe("calibration", () => {
  const classes = ["A", "B"];
  const margins = [
    [2, -2], [1, -1], [0.5, -0.5], [-0.2, 0.2], [-1, 1], [-2, 2], [0.1, -0.1], [-0.1, 0.1],
  ].map((m) => Float64Array.from(m));
  const labels = ["A", "A", "A", "A", "B", "B", "B", "A"];

  it("fits the temperature that minimises the NLL", () => {
    const T = fitTemperature(margins, labels, classes);
    const nll = negativeLogLikelihood(margins, labels, classes, T);
    expect(nll).toBeLessThanOrEqual(negativeLogLikelihood(margins, labels, classes, T * 1.2) + 1e-12);
    expect(nll).toBeLessThanOrEqual(negativeLogLikelihood(margins, labels, classes, T / 1.2) + 1e-12);
  });

  it("finds class offsets that raise macro-F1 on the margins given", () => {
    const bias = fitClassBias(margins, labels, classes);
    const predict = (b: number[]) => margins.map((m) => (m[0]! + b[0]! > m[1]! + b[1]! ? "A" : "B"));
    const before = classificationReport(labels, predict([0, 0]), classes).macroF1;
    const after = classificationReport(labels, predict(bias), classes).macroF1;
    expect(after).toBeGreaterThan(before);
    expect(bias[1]).toBe(0);
  });
});
