/**
 * Where the M2 encoder's bytes come from in the Worker: the MODELS R2 bucket
 * (filled by `npm run models:upload`). Anything short of a readable object is
 * an absent model with a reason, which the caller maps to the M1 fallback.
 *
 * Two layouts are read:
 *  - single file: `<key>` holds the whole ONNX model;
 *  - split (`npm run models:externalize`): `<key>` holds the graph with its
 *    initializers as ONNX external data, and `weightsKey(key)` — the key with
 *    `.onnx` replaced by `.weights.bin` — holds those bytes. Every external
 *    tensor records EXTERNAL_DATA_LOCATION as its location, whatever the
 *    object is called. ORT-web then needs ~100 MiB less wasm memory.
 * The split layout is chosen by the weights object existing.
 */
import type { Env } from "../env.ts";
import { sha256, toHex } from "../util/sha256.ts";

/** R2 key of Xenova's quantized DistilBERT; same as models/m2/manifest.json's "model" entry. */
export const MODEL_KEY = "distilbert-base-uncased/onnx/model_quantized.onnx";

/** The `location` an externalized graph records for its weights (and the path given to ORT). */
export const EXTERNAL_DATA_LOCATION = "weights.bin";

/** R2 key of the weights of a split model: `a/b/model.onnx` → `a/b/model.weights.bin`. */
export function weightsKey(modelKey: string): string {
  return `${modelKey.replace(/\.onnx$/, "")}.weights.bin`;
}

export interface ExternalData {
  path: string;
  data: Uint8Array;
}

export type ModelLoad =
  | { bytes: Uint8Array; externalData?: ExternalData[]; source: string }
  | { bytes: null; reason: string };

export async function loadModelBytes(env: Pick<Env, "MODELS">, key: string = MODEL_KEY): Promise<ModelLoad> {
  if (!env.MODELS) return { bytes: null, reason: "no MODELS R2 binding" };
  const models = env.MODELS;
  const read = async (name: string): Promise<Uint8Array | null> => {
    const object = await models.get(name);
    return object ? new Uint8Array(await object.arrayBuffer()) : null;
  };
  let name = key;
  try {
    const bytes = await read(key);
    if (!bytes) return { bytes: null, reason: `R2 object ${key} not found` };
    if (bytes.byteLength === 0) return { bytes: null, reason: `R2 object ${key} is empty` };
    name = weightsKey(key);
    const weights = await read(name);
    if (!weights) return { bytes, source: `r2://${key} (${bytes.byteLength} bytes)` };
    if (weights.byteLength === 0) return { bytes: null, reason: `R2 object ${name} is empty` };
    return {
      bytes,
      externalData: [{ path: EXTERNAL_DATA_LOCATION, data: weights }],
      source: `r2://${key} (${bytes.byteLength} bytes) + r2://${name} (${weights.byteLength} bytes)`,
    };
  } catch (error) {
    return { bytes: null, reason: `R2 read of ${name} failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * The identity the M2 heads are bound to (heads.json `encoder.sha256`), as hex.
 * Single file: sha256 of the model bytes. Split: sha256 over the
 * 32-byte sha256 of the graph followed by the 32-byte sha256 of each external
 * data blob in order — fixed-width parts, so no two layouts or byte splits
 * collide. A split model therefore has a different identity from its
 * single-file original, although it computes the same embeddings.
 */
export async function modelSha256(load: { bytes: Uint8Array; externalData?: ExternalData[] }): Promise<string> {
  let result = await sha256(load.bytes);
  if (load.externalData && load.externalData.length > 0) {
    const parts = [result, ...(await Promise.all(load.externalData.map((e) => sha256(e.data))))];
    const joined = new Uint8Array(parts.length * 32);
    parts.forEach((part, i) => joined.set(part, i * 32));
    result = await sha256(joined);
  }
  return toHex(result);
}
