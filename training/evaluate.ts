/**
 * The two evaluation protocols for an M1 configuration. Every model here is fitted
 * (features included) on the training part only.
 */
import { classificationReport, meanStd, type ClassificationReport, type MeanStd } from "./metrics.ts";
import { predictTexts, trainM1, type M1TrainConfig, type Progress } from "./m1-pipeline.ts";
import type { Split } from "./split.ts";

export type HoldoutResult = {
  trainRows: number;
  testRows: number;
  trainSeconds: number;
  report: ClassificationReport;
};

export type CvResult = {
  folds: number;
  accuracy: MeanStd;
  macroF1: MeanStd;
  perClassF1: Record<string, MeanStd>;
  trainSeconds: MeanStd;
  /** All out-of-fold predictions pooled into one report. */
  pooled: ClassificationReport;
  perFold: { trainRows: number; testRows: number; accuracy: number; macroF1: number }[];
};

function fitAndScore(
  texts: readonly string[],
  labels: readonly string[],
  groups: ArrayLike<number>,
  split: Split,
  config: M1TrainConfig,
  progress: Progress,
) {
  const pick = <T>(xs: ArrayLike<T>, idx: number[]) => idx.map((i) => xs[i]!);
  const model = trainM1(
    pick(texts, split.train),
    pick(labels, split.train),
    Int32Array.from(pick(groups, split.train)),
    config,
    progress,
  );
  const predicted = predictTexts(model, pick(texts, split.test));
  return { model, predicted, truth: pick(labels, split.test) };
}

export function evaluateHoldout(
  texts: readonly string[],
  labels: readonly string[],
  groups: ArrayLike<number>,
  split: Split,
  config: M1TrainConfig,
  progress: Progress,
): HoldoutResult {
  const { model, predicted, truth } = fitAndScore(texts, labels, groups, split, config, progress);
  return {
    trainRows: split.train.length,
    testRows: split.test.length,
    trainSeconds: model.seconds,
    report: classificationReport(truth, predicted.labels, model.svm.classes),
  };
}

export function evaluateCv(
  texts: readonly string[],
  labels: readonly string[],
  groups: ArrayLike<number>,
  folds: readonly Split[],
  config: M1TrainConfig,
  progress: Progress,
): CvResult & { oofMargins: Float64Array[]; classes: string[] } {
  const reports: ClassificationReport[] = [];
  const seconds: number[] = [];
  const oofMargins: Float64Array[] = new Array(texts.length);
  const oofLabels: string[] = new Array(texts.length);
  let classes: string[] = [];
  const perFold: CvResult["perFold"] = [];
  folds.forEach((split, f) => {
    progress(` fold ${f + 1}/${folds.length}`);
    const { model, predicted, truth } = fitAndScore(texts, labels, groups, split, config, progress);
    classes = model.svm.classes;
    const report = classificationReport(truth, predicted.labels, classes);
    reports.push(report);
    seconds.push(model.seconds);
    split.test.forEach((i, r) => {
      oofMargins[i] = predicted.margins[r]!;
      oofLabels[i] = predicted.labels[r]!;
    });
    perFold.push({ trainRows: split.train.length, testRows: split.test.length, accuracy: report.accuracy, macroF1: report.macroF1 });
    progress(`  fold ${f + 1}: accuracy ${report.accuracy.toFixed(4)}, macro-F1 ${report.macroF1.toFixed(4)}`);
  });
  const perClassF1 = Object.fromEntries(classes.map((c) => [c, meanStd(reports.map((r) => r.perClass[c]!.f1))]));
  return {
    folds: folds.length,
    accuracy: meanStd(reports.map((r) => r.accuracy)),
    macroF1: meanStd(reports.map((r) => r.macroF1)),
    perClassF1,
    trainSeconds: meanStd(seconds),
    pooled: classificationReport(labels, oofLabels, classes),
    perFold,
    oofMargins,
    classes,
  };
}
