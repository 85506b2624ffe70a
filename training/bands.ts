/**
 * The coverage/accuracy curve behind the confidence bands, and the thresholds chosen from
 * it. Input is one out-of-fold prediction per ticket (grouped CV: the model that scored a
 * ticket never saw it or its near-duplicates), with the calibrated confidence the Worker
 * would report. Pure functions; train-bands.ts produces the predictions and writes the files.
 */
import type { Split } from "./split.ts";
import { classificationReport, meanStd, type MeanStd } from "./metrics.ts";

export type OofPrediction = { truth: string; predicted: string; confidence: number; fold: number };

/** What a routed ticket gets from the deployed decision (model alone, or model + rules). */
export type Decision = { category: string; confidence: number };
export type Predictor = (subject: string, body: string) => Decision;
/** Fits whatever needs fitting on the training rows of one fold, returns the predictor. */
export type FoldPredictorFactory = (train: readonly number[]) => Predictor;

/** Every ticket's decision from a predictor fitted on the folds that exclude it. */
export function outOfFoldPredictions(
  tickets: readonly { subject: string; body: string }[],
  labels: readonly string[],
  folds: readonly Split[],
  factory: FoldPredictorFactory,
  progress: (m: string) => void = () => {},
): OofPrediction[] {
  const out: OofPrediction[] = new Array(tickets.length);
  folds.forEach((fold, f) => {
    progress(` fold ${f + 1}/${folds.length}: fitting on ${fold.train.length} tickets`);
    const predict = factory(fold.train);
    for (const i of fold.test) {
      const d = predict(tickets[i]!.subject, tickets[i]!.body);
      out[i] = { truth: labels[i]!, predicted: d.category, confidence: d.confidence, fold: f };
    }
  });
  for (let i = 0; i < out.length; i++) if (out[i] === undefined) throw new Error("folds do not cover every ticket");
  return out;
}

/**
 * 0, then from ⌊100/k⌋/100 up to 0.99 in steps of 0.01: the top of k class probabilities is
 * at least 1/k, so every lower threshold routes exactly as 0 does. 1 is not a point of
 * the curve: it means "review everything" (src/routing/bands.ts).
 */
export function thresholdGrid(classCount: number): number[] {
  const start = Math.floor(100 / Math.max(1, classCount));
  const grid = [0];
  for (let p = Math.max(1, start); p <= 99; p++) grid.push(p / 100);
  return grid;
}

export type CategoryBand = {
  /** Tickets routed to this category (predicted), and how many of them go auto. */
  predicted: number;
  auto: number;
  /** auto / predicted. */
  share: number;
  /** Of the auto-routed tickets with this category, the share whose true category it is; null when none. */
  precision: number | null;
};

export type BandSummary = {
  rows: number;
  auto: number;
  /** Share of all tickets routed auto (coverage). */
  share: number;
  /** Accuracy and macro-F1 of the auto-routed tickets alone; null when none. */
  accuracy: number | null;
  /** Over every class, a class absent from the auto share counting F1 0 (as zero_division=0 does). */
  macroF1: number | null;
  /** Per true class, within the auto share: its auto-routed tickets predicted right (null: none auto-routed). */
  recall: Record<string, number | null>;
  perCategory: Record<string, CategoryBand>;
  /** Per fold, the share and the auto share's accuracy (folds with no auto ticket left out of the accuracy). */
  folds: { share: MeanStd; accuracy: MeanStd; perFold: { share: number; accuracy: number | null }[] };
};

export type CurveRow = BandSummary & { threshold: number };

/** A ticket goes auto iff its confidence reaches the threshold of its (predicted) category; 1 = never. */
export type Policy = (category: string) => number;

const goesAuto = (p: OofPrediction, t: number) => t < 1 && p.confidence >= t;

export function summarize(preds: readonly OofPrediction[], classes: readonly string[], policy: Policy): BandSummary {
  const auto = preds.filter((p) => goesAuto(p, policy(p.predicted)));
  const report = auto.length ? classificationReport(auto.map((p) => p.truth), auto.map((p) => p.predicted), classes) : null;
  const recall = Object.fromEntries(
    classes.map((c) => {
      const ofClass = auto.filter((p) => p.truth === c);
      return [c, ofClass.length ? ofClass.filter((p) => p.predicted === c).length / ofClass.length : null];
    }),
  );
  const perCategory = Object.fromEntries(
    classes.map((c) => {
      const predicted = preds.filter((p) => p.predicted === c).length;
      const mine = auto.filter((p) => p.predicted === c);
      const band: CategoryBand = {
        predicted,
        auto: mine.length,
        share: predicted ? mine.length / predicted : 0,
        precision: mine.length ? mine.filter((p) => p.truth === c).length / mine.length : null,
      };
      return [c, band];
    }),
  );
  const foldIds = [...new Set(preds.map((p) => p.fold))].sort((a, b) => a - b);
  const perFold = foldIds.map((f) => {
    const inFold = preds.filter((p) => p.fold === f);
    const autoInFold = inFold.filter((p) => goesAuto(p, policy(p.predicted)));
    return {
      share: autoInFold.length / inFold.length,
      accuracy: autoInFold.length ? autoInFold.filter((p) => p.truth === p.predicted).length / autoInFold.length : null,
    };
  });
  const foldAccuracies = perFold.flatMap((f) => (f.accuracy === null ? [] : [f.accuracy]));
  return {
    rows: preds.length,
    auto: auto.length,
    share: preds.length ? auto.length / preds.length : 0,
    accuracy: report ? report.accuracy : null,
    macroF1: report ? report.macroF1 : null,
    recall,
    perCategory,
    folds: {
      share: meanStd(perFold.map((f) => f.share)),
      accuracy: foldAccuracies.length ? meanStd(foldAccuracies) : { mean: NaN, std: NaN },
      perFold,
    },
  };
}

/** One summary per threshold, the same threshold for every category. */
export function coverageCurve(preds: readonly OofPrediction[], classes: readonly string[], grid: readonly number[]): CurveRow[] {
  return grid.map((threshold) => ({ threshold, ...summarize(preds, classes, () => threshold) }));
}

export type ThresholdChoice = {
  threshold: number;
  /** False: no grid threshold met the target with enough tickets, and `threshold` is the fallback 1 (review all). */
  reached: boolean;
};

/**
 * The lowest threshold whose auto share has accuracy ≥ target over at least `minAuto`
 * tickets (an accuracy measured on a handful of tickets says little). Lowest, because it
 * auto-routes the most. None → 1: everything goes to review rather than a promise the
 * curve does not back.
 */
export function chooseThreshold(curve: readonly CurveRow[], target: number, minAuto: number): ThresholdChoice {
  const hit = [...curve].sort((a, b) => a.threshold - b.threshold).find((r) => r.auto >= minAuto && r.accuracy !== null && r.accuracy >= target);
  return hit ? { threshold: hit.threshold, reached: true } : { threshold: 1, reached: false };
}

/**
 * Per routed category c, the lowest threshold at which the tickets routed auto to c have
 * precision ≥ target (their true category is c) over at least `minAuto` tickets; 1 (all
 * of c to review) where none does. Since the auto share's accuracy is the auto-weighted mean
 * of these precisions, thresholds that each reach the target reach it together.
 */
export function chooseCategoryThresholds(
  curve: readonly CurveRow[],
  classes: readonly string[],
  target: number,
  minAuto: number,
): Record<string, ThresholdChoice> {
  const rows = [...curve].sort((a, b) => a.threshold - b.threshold);
  return Object.fromEntries(
    classes.map((c) => {
      const hit = rows.find((r) => {
        const band = r.perCategory[c]!;
        return band.auto >= minAuto && band.precision !== null && band.precision >= target;
      });
      return [c, hit ? { threshold: hit.threshold, reached: true } : { threshold: 1, reached: false }];
    }),
  );
}
