/**
 * Turns an encoder's last_hidden_state [batch, seq, hidden] into one vector
 * per text.
 *
 * `cls` takes the [CLS] position, as the seed (the scikit-learn service this
 * project reproduces) did. `mean` averages the positions the attention mask marks
 * as real tokens, so padding added to fit a batch never changes a text's vector.
 */
export const POOLINGS = ["cls", "mean"] as const;
export type Pooling = (typeof POOLINGS)[number];

export type HiddenDims = readonly [batch: number, sequence: number, hidden: number];

function checkSize(hidden: Float32Array, [batch, sequence, width]: HiddenDims): void {
  if (hidden.length !== batch * sequence * width) {
    throw new Error(`hidden state has ${hidden.length} values, expected ${batch}×${sequence}×${width}`);
  }
}

/** The first position's vector of each text (copied, not a view of `hidden`). */
export function clsPool(hidden: Float32Array, dims: HiddenDims): Float32Array[] {
  checkSize(hidden, dims);
  const [batch, sequence, width] = dims;
  return Array.from({ length: batch }, (_, b) => hidden.slice(b * sequence * width, b * sequence * width + width));
}

/**
 * Mean over masked-in positions. A text whose mask is all zeros gets a zero
 * vector rather than NaN. Sums run in float64 so the result does not depend
 * on how much padding follows.
 */
export function meanPool(hidden: Float32Array, mask: BigInt64Array, dims: HiddenDims): Float32Array[] {
  checkSize(hidden, dims);
  const [batch, sequence, width] = dims;
  if (mask.length !== batch * sequence) {
    throw new Error(`attention mask has ${mask.length} values, expected ${batch}×${sequence}`);
  }
  const vectors: Float32Array[] = [];
  const sum = new Float64Array(width);
  for (let b = 0; b < batch; b++) {
    sum.fill(0);
    let count = 0;
    for (let s = 0; s < sequence; s++) {
      if (mask[b * sequence + s] === 0n) continue;
      count += 1;
      const offset = (b * sequence + s) * width;
      for (let h = 0; h < width; h++) sum[h]! += hidden[offset + h]!;
    }
    const vector = new Float32Array(width);
    if (count > 0) for (let h = 0; h < width; h++) vector[h] = sum[h]! / count;
    vectors.push(vector);
  }
  return vectors;
}

export function pool(pooling: Pooling, hidden: Float32Array, mask: BigInt64Array, dims: HiddenDims): Float32Array[] {
  return pooling === "cls" ? clsPool(hidden, dims) : meanPool(hidden, mask, dims);
}
