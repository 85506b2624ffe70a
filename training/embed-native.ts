/**
 * Embeds the training tickets with onnxruntime-node instead of the Worker's
 * onnxruntime-web: 2,861 tickets through all-MiniLM-L6-v2 take most of an hour in
 * wasm on two shared cores, a few minutes natively, and one native pass yields every
 * pooling (the hidden states are pooled here by src/m2/pooling.ts, the Worker's code).
 *
 * Native vectors are only trusted after `checkParity` has embedded a sample of the
 * same tickets through src/m2/encoder.ts (what the Worker runs) and found them within
 * a tight tolerance; the trainer refuses to fit heads otherwise. The cache keeps
 * them apart from the Worker's (EmbeddingKey.runtime).
 */
import * as ortNode from "onnxruntime-node";
import { pool, type Pooling } from "../src/m2/pooling.ts";
import { bundledVocab } from "../src/m2/vocab.ts";
import { WordPieceTokenizer } from "../src/m2/wordpiece.ts";
import { readCache, textsSha256, writeCache, EMBEDDING_CACHE_DIR, encoderEmbedder, type Embedded, type EmbeddingKey } from "./embed.ts";
import type { EncoderFile } from "./encoder-file.ts";

export const NATIVE_RUNTIME = "ort-node";

/** Largest |native − Worker| coordinate accepted (the int8 kernels round alike, float sums differ). */
export const PARITY_TOLERANCE = 1e-3;

type NativeEncoder = { embed(texts: readonly string[]): Promise<Record<Pooling, Float32Array[]>>; release(): Promise<void> };

async function nativeEncoder(file: EncoderFile, maxLength: number, threads: number): Promise<NativeEncoder> {
  if (file.externalData) throw new Error("the native embedder reads single-file models only; pass the .onnx without .weights.bin");
  const session = await ortNode.InferenceSession.create(file.bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
  });
  const tokenizer = new WordPieceTokenizer(bundledVocab());
  const wantsTokenTypes = session.inputNames.includes("token_type_ids");
  return {
    async embed(texts) {
      const batch = tokenizer.encodeBatch(texts, maxLength);
      const [size, sequence] = batch.dims;
      const feeds: Record<string, ortNode.Tensor> = {
        input_ids: new ortNode.Tensor("int64", batch.inputIds, [size, sequence]),
        attention_mask: new ortNode.Tensor("int64", batch.attentionMask, [size, sequence]),
      };
      if (wantsTokenTypes) feeds.token_type_ids = new ortNode.Tensor("int64", new BigInt64Array(size * sequence), [size, sequence]);
      const out = (await session.run(feeds))["last_hidden_state"];
      if (!out || out.type !== "float32" || out.dims.length !== 3) throw new Error("model has no float32 [batch, seq, hidden] last_hidden_state");
      const dims = [size, sequence, Number(out.dims[2])] as const;
      const hidden = out.data as Float32Array;
      return { cls: pool("cls", hidden, batch.attentionMask, dims), mean: pool("mean", hidden, batch.attentionMask, dims) };
    },
    release: () => session.release(),
  };
}

export type NativeEmbedOptions = { batchSize?: number; threads?: number; progress?: (m: string) => void; cacheDir?: string; noCache?: boolean };

/** Every pooling asked for, from the cache where present, else from one native pass over all texts. */
export async function embedNative(
  texts: readonly string[],
  file: EncoderFile,
  maxLength: number,
  poolings: readonly Pooling[],
  options: NativeEmbedOptions = {},
): Promise<Map<Pooling, Embedded>> {
  const dir = options.cacheDir ?? EMBEDDING_CACHE_DIR;
  const keyOf = (pooling: Pooling): EmbeddingKey => ({
    encoderSha256: file.sha256,
    pooling,
    maxLength,
    textsSha256: textsSha256(texts),
    runtime: NATIVE_RUNTIME,
  });
  const result = new Map<Pooling, Embedded>();
  const missing: Pooling[] = [];
  for (const pooling of poolings) {
    const hit = options.noCache ? null : await readCache(keyOf(pooling), texts.length, dir);
    if (hit) result.set(pooling, { rows: hit.rows, dim: hit.meta.dim, seconds: 0, embedSeconds: hit.meta.embedSeconds, cached: true, cachePath: `${dir}` });
    else missing.push(pooling);
  }
  if (missing.length === 0) return result;

  const encoder = await nativeEncoder(file, maxLength, options.threads ?? 2);
  const batchSize = options.batchSize ?? 16;
  // Shortest first, so each batch pads to a similar length (masked positions change no vector).
  const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length || a - b);
  const rows = Object.fromEntries(missing.map((p) => [p, new Array<Float32Array>(texts.length)])) as Record<Pooling, Float32Array[]>;
  const started = performance.now();
  let lastReport = started;
  try {
    for (let start = 0; start < order.length; start += batchSize) {
      const idx = order.slice(start, start + batchSize);
      const vectors = await encoder.embed(idx.map((i) => texts[i]!));
      for (const p of missing) idx.forEach((i, r) => (rows[p][i] = vectors[p][r]!));
      const now = performance.now();
      if (options.progress && (now - lastReport > 10_000 || start + batchSize >= order.length)) {
        lastReport = now;
        options.progress(`  embedded ${Math.min(start + batchSize, order.length)}/${order.length} natively (${((now - started) / 1000).toFixed(1)} s)`);
      }
    }
  } finally {
    await encoder.release();
  }
  const seconds = (performance.now() - started) / 1000;
  for (const p of missing) {
    const dim = rows[p][0]!.length;
    rows[p].forEach((r, i) => {
      if (r.length !== dim || !r.every(Number.isFinite)) throw new Error(`native embedding ${i} (${p}) is malformed`);
    });
    if (!options.noCache) await writeCache(keyOf(p), rows[p], seconds, dir);
    result.set(p, { rows: rows[p], dim, seconds, embedSeconds: seconds, cached: false, cachePath: dir });
  }
  return result;
}

export type ParityCheck = {
  pooling: Pooling;
  tickets: number;
  /** Dataset rows compared. */
  rows: number[];
  maxAbsDiff: number;
  minCosine: number;
  tolerance: number;
  passed: boolean;
  /** The Worker-path vectors of the sample, by row, for callers that score them. */
  workerVectors: Map<number, Float32Array>;
};

/**
 * Embeds `rows` one ticket at a time through src/m2/encoder.ts + the Worker's tokenizer,
 * exactly as the Worker scores a ticket, and compares with the native vectors.
 */
export async function checkParity(
  texts: readonly string[],
  native: readonly Float32Array[],
  rows: readonly number[],
  file: EncoderFile,
  pooling: Pooling,
  maxLength: number,
): Promise<ParityCheck> {
  const web = await encoderEmbedder(file, pooling, maxLength);
  let maxAbsDiff = 0;
  let minCosine = 1;
  const workerVectors = new Map<number, Float32Array>();
  try {
    for (const row of rows) {
      const [w] = await web.embed([texts[row]!]);
      const n = native[row]!;
      workerVectors.set(row, w!);
      let dot = 0;
      let ww = 0;
      let nn = 0;
      for (let j = 0; j < n.length; j++) {
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs(w![j]! - n[j]!));
        dot += w![j]! * n[j]!;
        ww += w![j]! ** 2;
        nn += n[j]! ** 2;
      }
      minCosine = Math.min(minCosine, dot / Math.sqrt(ww * nn));
    }
  } finally {
    await web.release();
  }
  return {
    pooling,
    tickets: rows.length,
    rows: [...rows],
    maxAbsDiff,
    minCosine,
    tolerance: PARITY_TOLERANCE,
    passed: maxAbsDiff <= PARITY_TOLERANCE,
    workerVectors,
  };
}
