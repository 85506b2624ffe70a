/** Classification metrics as sklearn reports them (zero_division = 0). */

export type ClassMetrics = { precision: number; recall: number; f1: number; support: number };

export type ClassificationReport = {
  rows: number;
  accuracy: number;
  macroF1: number;
  perClass: Record<string, ClassMetrics>;
  /** confusion[i][j]: true classes[i] predicted as classes[j]. */
  confusion: number[][];
  classes: string[];
};

export function classificationReport(
  yTrue: readonly string[],
  yPred: readonly string[],
  classes: readonly string[],
): ClassificationReport {
  if (yTrue.length !== yPred.length) throw new Error("yTrue and yPred differ in length");
  const index = new Map(classes.map((c, i) => [c, i]));
  const confusion = classes.map(() => new Array<number>(classes.length).fill(0));
  yTrue.forEach((t, r) => {
    const i = index.get(t);
    const j = index.get(yPred[r]!);
    if (i === undefined || j === undefined) throw new Error(`unknown class in row ${r}: ${t} / ${yPred[r]}`);
    confusion[i]![j]!++;
  });
  const perClass: Record<string, ClassMetrics> = {};
  let correct = 0;
  classes.forEach((c, i) => {
    const tp = confusion[i]![i]!;
    correct += tp;
    const support = confusion[i]!.reduce((s, v) => s + v, 0);
    const predicted = confusion.reduce((s, row) => s + row[i]!, 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[c] = { precision, recall, f1, support };
  });
  const macroF1 = classes.reduce((s, c) => s + perClass[c]!.f1, 0) / classes.length;
  return {
    rows: yTrue.length,
    accuracy: yTrue.length === 0 ? 0 : correct / yTrue.length,
    macroF1,
    perClass,
    confusion,
    classes: [...classes],
  };
}

export type MeanStd = { mean: number; std: number };

/** Population std over folds (numpy's default ddof=0). */
export function meanStd(values: readonly number[]): MeanStd {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
  return { mean, std };
}

/** Precision/recall of a binary prediction against a binary truth. */
export function binaryPrecisionRecall(truth: readonly boolean[], predicted: readonly boolean[]) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  truth.forEach((t, i) => {
    if (predicted[i] && t) tp++;
    else if (predicted[i]) fp++;
    else if (t) fn++;
  });
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { rows: truth.length, positives: tp + fn, flagged: tp + fp, precision, recall, f1 };
}
