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
 *
 * An encoder whose vocabulary is not the bundled one also has its vocab.txt here
 * (encoderR2Keys(id).vocab), read by loadVocabText and checked by the caller.
 */
import type { Env } from "../env.ts";
import { sha256, toHex } from "../util/sha256.ts";

/**
 * The R2 keys of an encoder, by the id its heads name (heads.json `encoder.id`): one
 * layout for every encoder, so the Worker needs no table of them. models/encoders/<id>.json
 * lists the same keys (models/encoder-manifest.test.ts checks).
 */
export function encoderR2Keys(id: string): { model: string; vocab: string } {
  return { model: `encoders/${id}/model.onnx`, vocab: `encoders/${id}/vocab.txt` };
}

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

export async function loadModelBytes(env: Pick<Env, "MODELS">, key: string): Promise<ModelLoad> {
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

export type VocabLoad = { text: string; sha256: string; source: string } | { text: null; reason: string };

/** vocab.txt from R2, with the sha256 of its bytes (the caller compares it to the heads' vocabSha256). */
export async function loadVocabText(env: Pick<Env, "MODELS">, key: string): Promise<VocabLoad> {
  if (!env.MODELS) return { text: null, reason: "no MODELS R2 binding" };
  try {
    const object = await env.MODELS.get(key);
    if (!object) return { text: null, reason: `R2 object ${key} not found (the encoder's vocab.txt; npm run models:setup uploads it)` };
    const bytes = new Uint8Array(await object.arrayBuffer());
    return { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes), sha256: toHex(await sha256(bytes)), source: `r2://${key} (${bytes.byteLength} bytes)` };
  } catch (error) {
    return { text: null, reason: `R2 read of ${key} failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}
