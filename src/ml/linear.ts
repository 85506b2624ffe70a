/**
 * The arithmetic every linear model here scores with, M1 and M2 in the Worker and
 * the trainers alike: weighted sums over sparse or dense features, per-class
 * margins, softmax, argmax and the clamp of a regression score.
 *
 * Sums run left to right over the features from a given starting value. Where an
 * intercept enters (as the start, or added after the sum) changes the last bits,
 * so each caller keeps the order its artefacts were trained and evaluated with.
 */

/** A row of a CSR matrix: ascending feature indices and their values. */
export type SparseRow = { indices: Int32Array; values: Float64Array };

/** start + Σₖ weights[offset + row.indices[k]] · row.values[k]. */
export function sparseDot(weights: ArrayLike<number>, row: SparseRow, offset = 0, start = 0): number {
  const { indices, values } = row;
  let s = start;
  for (let k = 0; k < indices.length; k++) s += weights[offset + indices[k]!]! * values[k]!;
  return s;
}

/** start + Σⱼ weights[offset + j] · x[j], over every value of x. */
export function denseDot(weights: ArrayLike<number>, x: ArrayLike<number>, offset = 0, start = 0): number {
  let s = start;
  for (let j = 0; j < x.length; j++) s += weights[offset + j]! * x[j]!;
  return s;
}

/**
 * One margin per class for weights of classes × width (row-major):
 * (row · weights[c]) + bias[c], the bias added after the sum.
 */
export function sparseMargins(weights: ArrayLike<number>, width: number, row: SparseRow, bias: ArrayLike<number>): Float64Array {
  const out = new Float64Array(bias.length);
  for (let c = 0; c < out.length; c++) out[c] = sparseDot(weights, row, c * width, 0) + bias[c]!;
  return out;
}

/**
 * One logit per class for weights of classes × x.length (row-major):
 * intercept[c] + x · weights[c], the sum started at the intercept.
 */
export function denseMargins(weights: ArrayLike<number>, x: ArrayLike<number>, intercept: ArrayLike<number>): Float64Array {
  const out = new Float64Array(intercept.length);
  for (let c = 0; c < out.length; c++) out[c] = denseDot(weights, x, c * x.length, intercept[c]!);
  return out;
}

/**
 * Softmax of z / temperature in place, shifted by the maximum so exp never
 * overflows; returns log Σ exp(z / temperature), which a cross-entropy needs.
 */
export function softmaxInPlace(z: Float64Array, temperature = 1): number {
  let max = -Infinity;
  for (let c = 0; c < z.length; c++) {
    z[c] = z[c]! / temperature;
    if (z[c]! > max) max = z[c]!;
  }
  let sum = 0;
  for (let c = 0; c < z.length; c++) sum += z[c] = Math.exp(z[c]! - max);
  for (let c = 0; c < z.length; c++) z[c]! /= sum;
  return max + Math.log(sum);
}

/** Probabilities from margins: softmax(margins / temperature), summing to 1. */
export function softmax(margins: ArrayLike<number>, temperature = 1): Float64Array {
  const z = Float64Array.from(margins);
  softmaxInPlace(z, temperature);
  return z;
}

/** Index of the largest value; ties go to the first, as numpy's argmax and sklearn's predict. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** An urgency is in [0, 1]; a linear regression overshoots at the extremes. */
export function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
