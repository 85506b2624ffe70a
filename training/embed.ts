/**
 * Embeds the training tickets with an ONNX encoder for the M2 trainer, with a
 * disk cache: a DistilBERT pass over the sample takes minutes on two cores, and
 * every rerun of the trainer (other heads, other protocols) needs the same vectors.
 *
 * The cache lives under .tmp/m2-embeddings/ (gitignored) and is keyed by what
 * determines an embedding: the encoder file's sha256, the pooling, the token
 * limit and the exact texts (their sha256), so a changed model or dataset can
 * never be served stale vectors.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { REPO_ROOT } from "../dataset/load.ts";
import { createEncoder } from "../src/m2/encoder.ts";
import type { Pooling } from "../src/m2/heads.ts";
import { bundledVocab } from "../src/m2/vocab.ts";
import { WordPieceTokenizer } from "../src/m2/wordpiece.ts";
import type { EncoderFile } from "./encoder-file.ts";

export const EMBEDDING_CACHE_DIR = resolve(REPO_ROOT, ".tmp/m2-embeddings");

/** Embeds a batch of ticket texts, one vector per text, in order. */
export type EmbedBatch = (texts: readonly string[]) => Promise<Float32Array[]>;

export type EmbeddingKey = {
  encoderSha256: string;
  pooling: Pooling;
  maxLength: number;
  textsSha256: string;
  /**
   * Which ONNX Runtime computed the vectors when it is not the Worker's (onnxruntime-web
   * through src/m2/encoder.ts): part of the key, so native vectors never pass for the Worker's.
   */
  runtime?: string;
};

export type Embedded = {
  rows: Float32Array[];
  dim: number;
  /** Seconds spent embedding now; 0 when read from the cache. */
  seconds: number;
  /** Seconds the original pass took, as recorded with the cache entry. */
  embedSeconds: number;
  cached: boolean;
  cachePath: string;
};

/** Hash of the texts in order; a NUL separator so ["ab","c"] and ["a","bc"] differ. */
export function textsSha256(texts: readonly string[]): string {
  const hash = createHash("sha256");
  for (const t of texts) hash.update(t).update("\0");
  return hash.digest("hex");
}

function cacheBase(key: EmbeddingKey, dir: string): string {
  const runtime = key.runtime ? `-${key.runtime}` : "";
  return resolve(dir, `${key.encoderSha256}-${key.pooling}-${key.maxLength}${runtime}-${key.textsSha256.slice(0, 16)}`);
}

type CacheMeta = EmbeddingKey & { rows: number; dim: number; embedSeconds: number };

export async function readCache(key: EmbeddingKey, rows: number, dir: string): Promise<{ rows: Float32Array[]; meta: CacheMeta } | null> {
  const base = cacheBase(key, dir);
  let meta: CacheMeta;
  let bytes: Buffer;
  try {
    meta = JSON.parse(await readFile(`${base}.json`, "utf8")) as CacheMeta;
    bytes = await readFile(`${base}.f32`);
  } catch {
    return null;
  }
  // The file name holds a prefix of the texts' hash; the sidecar holds all of it.
  const same =
    meta.encoderSha256 === key.encoderSha256 &&
    meta.pooling === key.pooling &&
    meta.maxLength === key.maxLength &&
    meta.textsSha256 === key.textsSha256 &&
    (meta.runtime ?? null) === (key.runtime ?? null) &&
    meta.rows === rows &&
    bytes.length === rows * meta.dim * 4;
  if (!same) return null;
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { rows: Array.from({ length: rows }, (_, i) => all.subarray(i * meta.dim, (i + 1) * meta.dim)), meta };
}

export async function writeCache(key: EmbeddingKey, rows: Float32Array[], embedSeconds: number, dir: string): Promise<void> {
  const base = cacheBase(key, dir);
  const dim = rows[0]!.length;
  const all = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => all.set(r, i * dim));
  await mkdir(dir, { recursive: true });
  // Written under temporary names and renamed, so an interrupted run leaves no half entry.
  await writeFile(`${base}.f32.part`, new Uint8Array(all.buffer));
  await rename(`${base}.f32.part`, `${base}.f32`);
  const meta: CacheMeta = { ...key, rows: rows.length, dim, embedSeconds };
  if (meta.runtime === undefined) delete meta.runtime;
  await writeFile(`${base}.json.part`, JSON.stringify(meta, null, 2) + "\n");
  await rename(`${base}.json.part`, `${base}.json`);
}

export type EmbedTextsOptions = {
  batchSize?: number;
  progress?: (message: string) => void;
  cacheDir?: string;
  /** Skip the cache (read and write). */
  noCache?: boolean;
};

/**
 * Every text's embedding, from the cache when the key matches, else by `embed`.
 * Texts go to the encoder shortest first, so each batch pads to a similar length
 * (the padded positions are masked, so the order does not change any vector).
 */
export async function embedTexts(
  texts: readonly string[],
  embed: EmbedBatch,
  key: Omit<EmbeddingKey, "textsSha256">,
  options: EmbedTextsOptions = {},
): Promise<Embedded> {
  const dir = options.cacheDir ?? EMBEDDING_CACHE_DIR;
  const fullKey: EmbeddingKey = { ...key, textsSha256: textsSha256(texts) };
  const cachePath = `${cacheBase(fullKey, dir)}.f32`;
  if (!options.noCache) {
    const hit = await readCache(fullKey, texts.length, dir);
    if (hit) {
      return { rows: hit.rows, dim: hit.meta.dim, seconds: 0, embedSeconds: hit.meta.embedSeconds, cached: true, cachePath };
    }
  }
  const batchSize = options.batchSize ?? 16;
  const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length || a - b);
  const rows: Float32Array[] = new Array(texts.length);
  const started = performance.now();
  let lastReport = started;
  for (let start = 0; start < order.length; start += batchSize) {
    const idx = order.slice(start, start + batchSize);
    const vectors = await embed(idx.map((i) => texts[i]!));
    if (vectors.length !== idx.length) throw new Error(`encoder returned ${vectors.length} vectors for ${idx.length} texts`);
    idx.forEach((i, r) => (rows[i] = Float32Array.from(vectors[r]!)));
    const now = performance.now();
    if (options.progress && (now - lastReport > 5000 || start + batchSize >= order.length)) {
      lastReport = now;
      const done = Math.min(start + batchSize, order.length);
      options.progress(`  embedded ${done}/${order.length} (${((now - started) / 1000).toFixed(1)} s)`);
    }
  }
  const dim = rows[0]?.length ?? 0;
  rows.forEach((r, i) => {
    if (r.length !== dim) throw new Error(`embedding ${i} has ${r.length} values, expected ${dim}`);
    for (let j = 0; j < dim; j++) if (!Number.isFinite(r[j]!)) throw new Error(`embedding ${i} has a non-finite value`);
  });
  const seconds = (performance.now() - started) / 1000;
  if (!options.noCache && rows.length > 0) await writeCache(fullKey, rows, seconds, dir);
  return { rows, dim, seconds, embedSeconds: seconds, cached: false, cachePath };
}

/**
 * An EmbedBatch over src/m2/encoder.ts with the Worker's tokenizer (the bundled
 * vocabulary, `maxLength` tokens), so the heads see the vectors the Worker will
 * compute. Call release() when done.
 */
export async function encoderEmbedder(
  file: EncoderFile,
  pooling: Pooling,
  maxLength: number,
): Promise<{ embed: EmbedBatch; hiddenSize: number | null; release: () => Promise<void> }> {
  const encoder = await createEncoder(file.bytes, { pooling, externalData: file.externalData });
  const tokenizer = new WordPieceTokenizer(bundledVocab());
  return {
    embed: (texts) => encoder.embed(tokenizer.encodeBatch(texts, maxLength)),
    hiddenSize: encoder.hiddenSize,
    release: () => encoder.release(),
  };
}
