import { describe, expect, it } from "vitest";
import {
  chooseCategoryThresholds,
  chooseThreshold,
  coverageCurve,
  outOfFoldPredictions,
  summarize,
  thresholdGrid,
  type OofPrediction,
} from "./bands.ts";
import { Mt19937 } from "./linear-svm.ts";

const CLASSES = ["A", "B"];
const p = (truth: string, predicted: string, confidence: number, fold = 0): OofPrediction => ({ truth, predicted, confidence, fold });

/** Six tickets, worked by hand below. */
const SMALL: OofPrediction[] = [
  p("A", "A", 0.95, 0),
  p("A", "A", 0.9, 1),
  p("B", "A", 0.8, 0), // confident mistake
  p("B", "B", 0.7, 1),
  p("A", "B", 0.6, 0),
  p("B", "B", 0.55, 1),
];

describe("coverageCurve", () => {
  it("gives the exact share, accuracy, per-class recall and per-category precision of a small example", () => {
    const [t0, t65, t85] = coverageCurve(SMALL, CLASSES, [0, 0.65, 0.85]);
    expect(t0).toMatchObject({ threshold: 0, auto: 6, share: 1, accuracy: 4 / 6 });
    // A: P=2/3 R=2/3 F1=2/3; B: P=2/3 R=2/3 F1=2/3.
    expect(t0!.macroF1).toBeCloseTo(2 / 3, 12);
    expect(t65).toMatchObject({ auto: 4, share: 4 / 6, accuracy: 3 / 4, recall: { A: 1, B: 0.5 } });
    expect(t65!.perCategory).toEqual({
      A: { predicted: 3, auto: 3, share: 1, precision: 2 / 3 },
      B: { predicted: 3, auto: 1, share: 1 / 3, precision: 1 },
    });
    // Only the two A tickets at 0.9+: B is absent from the auto share and counts F1 0.
    expect(t85).toMatchObject({ auto: 2, share: 2 / 6, accuracy: 1, recall: { A: 1, B: null } });
    expect(t85!.macroF1).toBeCloseTo(0.5, 12);
    expect(t85!.perCategory.B).toEqual({ predicted: 3, auto: 0, share: 0, precision: null });
  });

  it("reports each fold's share and accuracy, and their spread", () => {
    const [row] = coverageCurve(SMALL, CLASSES, [0.65]);
    // fold 0: 0.95 ✓, 0.8 ✗ auto (0.6 review) → share 2/3, accuracy 1/2; fold 1: 0.9 ✓, 0.7 ✓ → 2/3, 1.
    expect(row!.folds.perFold).toEqual([
      { share: 2 / 3, accuracy: 0.5 },
      { share: 2 / 3, accuracy: 1 },
    ]);
    expect(row!.folds.accuracy.mean).toBeCloseTo(0.75, 12);
    expect(row!.folds.accuracy.std).toBeCloseTo(0.25, 12);
  });

  it("counts a confidence equal to the threshold as auto, and none at threshold 1", () => {
    expect(summarize([p("A", "A", 0.7)], CLASSES, () => 0.7).auto).toBe(1);
    expect(summarize([p("A", "A", 1)], CLASSES, () => 1).auto).toBe(0);
  });

  it("has a coverage that never grows with the threshold, on random predictions", () => {
    const rng = new Mt19937(3);
    const preds = Array.from({ length: 400 }, (_, i) =>
      p(rng.boundedInt(2) ? "A" : "B", rng.boundedInt(2) ? "A" : "B", 0.5 + rng.boundedInt(500) / 1000, i % 5),
    );
    const curve = coverageCurve(preds, CLASSES, thresholdGrid(2));
    for (let i = 1; i < curve.length; i++) {
      expect(curve[i]!.auto).toBeLessThanOrEqual(curve[i - 1]!.auto);
      expect(curve[i]!.threshold).toBeGreaterThan(curve[i - 1]!.threshold);
    }
    expect(curve[0]!.share).toBe(1);
  });
});

describe("thresholdGrid", () => {
  it("starts at 0, then at the lowest top-class probability k classes allow, up to 0.99", () => {
    const g3 = thresholdGrid(3);
    expect(g3.slice(0, 3)).toEqual([0, 0.33, 0.34]);
    expect(g3.at(-1)).toBe(0.99);
    expect(thresholdGrid(2)[1]).toBe(0.5);
    // One class: its probability is always 1, so every threshold below 1 routes as 0 does.
    expect(thresholdGrid(1)).toEqual([0]);
  });
});

describe("chooseThreshold", () => {
  const curve = coverageCurve(SMALL, CLASSES, [0, 0.65, 0.75, 0.85]);

  it("takes the lowest threshold whose auto share reaches the target", () => {
    expect(chooseThreshold(curve, 0.75, 1)).toEqual({ threshold: 0.65, reached: true });
    expect(chooseThreshold(curve, 0.6, 1)).toEqual({ threshold: 0, reached: true });
    // 0.75 auto-routes 3 tickets, accuracy 2/3; only 0.85 reaches 0.9.
    expect(chooseThreshold(curve, 0.9, 1)).toEqual({ threshold: 0.85, reached: true });
  });

  it("ignores thresholds that leave fewer than minAuto tickets", () => {
    expect(chooseThreshold(curve, 0.9, 3)).toEqual({ threshold: 1, reached: false });
  });

  it("falls back to 1 (everything to review) when no threshold reaches the target", () => {
    const wrong = [p("A", "B", 0.9), p("B", "A", 0.8)];
    expect(chooseThreshold(coverageCurve(wrong, CLASSES, [0, 0.5]), 0.5, 1)).toEqual({ threshold: 1, reached: false });
  });
});

describe("chooseCategoryThresholds", () => {
  it("per routed category: the lowest threshold where that category's auto-routed precision reaches the target, else 1", () => {
    const curve = coverageCurve(SMALL, CLASSES, [0, 0.65, 0.85]);
    // A: precision 2/3 at 0 and 0.65, 1 at 0.85. B: 2/3 at 0, 1 at 0.65 (one ticket).
    expect(chooseCategoryThresholds(curve, CLASSES, 0.9, 1)).toEqual({
      A: { threshold: 0.85, reached: true },
      B: { threshold: 0.65, reached: true },
    });
    expect(chooseCategoryThresholds(curve, CLASSES, 0.9, 2)).toEqual({
      A: { threshold: 0.85, reached: true },
      B: { threshold: 1, reached: false },
    });
  });
});

describe("outOfFoldPredictions", () => {
  it("scores every ticket with the predictor fitted without its fold, and records the fold", () => {
    const tickets = ["a", "b", "c", "d"].map((s) => ({ subject: s, body: "" }));
    const labels = ["A", "B", "A", "B"];
    const folds = [
      { train: [2, 3], test: [0, 1] },
      { train: [0, 1], test: [2, 3] },
    ];
    const seen: number[][] = [];
    const preds = outOfFoldPredictions(tickets, labels, folds, (train) => {
      seen.push([...train]);
      // A predictor that can only name what it was fitted on: the first training ticket's subject.
      const fittedOn = tickets[train[0]!]!.subject;
      return (subject) => ({ category: subject === "a" ? "A" : "B", confidence: fittedOn === "a" ? 0.9 : 0.6 });
    });
    expect(seen).toEqual([[2, 3], [0, 1]]);
    expect(preds).toEqual([
      { truth: "A", predicted: "A", confidence: 0.6, fold: 0 },
      { truth: "B", predicted: "B", confidence: 0.6, fold: 0 },
      { truth: "A", predicted: "B", confidence: 0.9, fold: 1 },
      { truth: "B", predicted: "B", confidence: 0.9, fold: 1 },
    ]);
  });

  it("refuses folds that leave a ticket unscored", () => {
    const tickets = [{ subject: "a", body: "" }, { subject: "b", body: "" }];
    expect(() => outOfFoldPredictions(tickets, ["A", "B"], [{ train: [1], test: [0] }], () => () => ({ category: "A", confidence: 1 }))).toThrow(/cover/);
  });
});
