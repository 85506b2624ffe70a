/**
 * Post-hoc calibration fitted on out-of-fold margins (never on the rows being scored):
 *  - per-class margin offsets that maximise macro-F1 (the rare Legal class gains most);
 *  - a softmax temperature that minimises the negative log-likelihood, turning
 *    one-vs-rest margins into probabilities (temperature scaling, Guo et al. 2017).
 */
import { argmax, softmax } from "../src/ml/linear.ts";
import { classificationReport } from "./metrics.ts";

function predictWithBias(margins: readonly Float64Array[], bias: readonly number[], classes: readonly string[]): string[] {
  return margins.map((m) => {
    let best = 0;
    for (let c = 1; c < m.length; c++) if (m[c]! + bias[c]! > m[best]! + bias[best]!) best = c;
    return classes[best]!;
  });
}

/**
 * Coordinate search over offsets in [-1, 1] (step 0.05), the last class fixed at 0
 * since only differences matter; two sweeps. Ties keep the smaller total |offset|.
 */
export function fitClassBias(margins: readonly Float64Array[], labels: readonly string[], classes: readonly string[]): number[] {
  const bias = classes.map(() => 0);
  const score = (b: number[]) => classificationReport(labels, predictWithBias(margins, b, classes), classes).macroF1;
  let best = score(bias);
  for (let sweep = 0; sweep < 2; sweep++) {
    for (let c = 0; c < classes.length - 1; c++) {
      for (let step = -20; step <= 20; step++) {
        const candidate = [...bias];
        candidate[c] = step * 0.05;
        const s = score(candidate);
        const l1 = (b: number[]) => b.reduce((t, v) => t + Math.abs(v), 0);
        if (s > best + 1e-12 || (Math.abs(s - best) <= 1e-12 && l1(candidate) < l1(bias))) {
          best = s;
          bias[c] = candidate[c]!;
        }
      }
    }
  }
  return bias;
}

export function negativeLogLikelihood(
  margins: readonly Float64Array[],
  labels: readonly string[],
  classes: readonly string[],
  temperature: number,
): number {
  const index = new Map(classes.map((c, i) => [c, i]));
  let nll = 0;
  margins.forEach((m, r) => {
    const p = softmax(m, temperature)[index.get(labels[r]!)!]!;
    nll -= Math.log(Math.max(p, 1e-300));
  });
  return nll / margins.length;
}

/** Golden-section search of log T in [ln 0.01, ln 10]; the NLL is unimodal in T here. */
export function fitTemperature(margins: readonly Float64Array[], labels: readonly string[], classes: readonly string[]): number {
  const f = (logT: number) => negativeLogLikelihood(margins, labels, classes, Math.exp(logT));
  let a = Math.log(0.01);
  let b = Math.log(10);
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = b - g * (b - a);
  let x2 = a + g * (b - a);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let i = 0; i < 60; i++) {
    if (f1 <= f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - g * (b - a);
      f1 = f(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + g * (b - a);
      f2 = f(x2);
    }
  }
  return Math.exp((a + b) / 2);
}

/** Expected calibration error over equal-width confidence bins (of the top class). */
export function expectedCalibrationError(
  margins: readonly Float64Array[],
  labels: readonly string[],
  classes: readonly string[],
  temperature: number,
  bins = 10,
): number {
  const count = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const hits = new Array<number>(bins).fill(0);
  margins.forEach((m, r) => {
    const p = softmax(m, temperature);
    const best = argmax(p);
    const bin = Math.min(bins - 1, Math.floor(p[best]! * bins));
    count[bin]!++;
    conf[bin]! += p[best]!;
    if (classes[best] === labels[r]) hits[bin]!++;
  });
  let ece = 0;
  for (let i = 0; i < bins; i++) if (count[i]! > 0) ece += Math.abs(hits[i]! - conf[i]!) / margins.length;
  return ece;
}
