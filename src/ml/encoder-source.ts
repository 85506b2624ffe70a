/**
 * Where the M2 encoder's bytes come from in the Worker: the MODELS R2 bucket
 * (filled by `npm run models:upload`). Anything short of a readable object is
 * an absent model with a reason, which the caller maps to the M1 fallback.
 */
import type { Env } from "../env.ts";

/** R2 key of Xenova's quantized DistilBERT; same as models/m2/manifest.json's "model" entry. */
export const MODEL_KEY = "distilbert-base-uncased/onnx/model_quantized.onnx";

export type ModelLoad =
  | { bytes: Uint8Array; source: string }
  | { bytes: null; reason: string };

export async function loadModelBytes(env: Pick<Env, "MODELS">, key: string = MODEL_KEY): Promise<ModelLoad> {
  if (!env.MODELS) return { bytes: null, reason: "no MODELS R2 binding" };
  try {
    const object = await env.MODELS.get(key);
    if (!object) return { bytes: null, reason: `R2 object ${key} not found` };
    const bytes = new Uint8Array(await object.arrayBuffer());
    if (bytes.byteLength === 0) return { bytes: null, reason: `R2 object ${key} is empty` };
    return { bytes, source: `r2://${key} (${bytes.byteLength} bytes)` };
  } catch (error) {
    return { bytes: null, reason: `R2 read of ${key} failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}
