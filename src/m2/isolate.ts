/**
 * The Worker's M2, one per isolate and created on first use: the committed heads
 * (models/m2/heads.json), the encoder they name (`encoder.id`) from the MODELS R2
 * bucket at encoderR2Keys(id), its vocabulary (bundled, or vocab.txt from R2 when the
 * heads' vocabSha256 is another), ORT's wasm compiled ahead of time by wrangler.
 *
 * Nothing heavy happens at module scope or for a Worker that has no model: the R2
 * object is checked with a HEAD first, and onnxruntime-web (plus its 14 MB wasm) is
 * imported only when there is a model to run. When the heads' serve block names M1 for
 * both fields, not even the HEAD is sent.
 */
import headsJson from "../../models/m2/heads.json" with { type: "json" };
import type { Env } from "../env.ts";
import type { LoadOutcome } from "./availability.ts";
import { encoderR2Keys, loadModelBytes, loadVocabText } from "./model-source.ts";
import { headsBinding, type M2HeadsBinding } from "./heads.ts";
import { effectiveServe } from "./serve-setting.ts";
import { createM2Scorer, type LoadedM2, type M2Scorer } from "./scorer.ts";

let scorer: M2Scorer | undefined;

/** This isolate's M2. Its bindings are the same for every request, so the first env serves all. */
export function isolateM2(env: Pick<Env, "MODELS" | "M2_SERVE">): M2Scorer {
  scorer ??= createWorkerM2(env, headsJson, env.M2_SERVE);
  return scorer;
}

/** For tests: forget this isolate's M2. */
export function resetIsolateM2(): void {
  scorer = undefined;
}

/**
 * M2 for these heads, read from R2 as the Worker does. Heads the runtime cannot read at
 * all are refused on first use, like heads bound to another encoder.
 */
export function createWorkerM2(env: Pick<Env, "MODELS">, heads: unknown, serveSetting?: string): M2Scorer {
  let binding: M2HeadsBinding;
  try {
    binding = headsBinding(heads);
  } catch (error) {
    const reason = (error as Error).message;
    return createM2Scorer(async () => ({ state: "refused", reason }), { headsEncoder: "" });
  }
  const serve = effectiveServe(binding.serve, serveSetting);
  return createM2Scorer(() => loadInWorker(env, heads, binding), { headsEncoder: binding.encoder.sha256, serve });
}

async function loadInWorker(env: Pick<Env, "MODELS">, heads: unknown, binding: M2HeadsBinding): Promise<LoadOutcome<LoadedM2>> {
  const keys = encoderR2Keys(binding.encoder.id);
  const missing = await modelMissing(env, keys.model, binding.encoder.id);
  if (missing) return { state: "absent", reason: missing };
  let runtime;
  try {
    runtime = await Promise.all([import("./load.ts"), import("./ort-workerd.ts")]);
  } catch (error) {
    return { state: "failed", reason: `M2 runtime failed to load: ${(error as Error).message}` };
  }
  const [{ loadM2 }, { ORT_WASM_MODULE }] = runtime;
  return loadM2({
    heads,
    loadModel: () => loadModelBytes(env, keys.model),
    loadVocab: () => loadVocabText(env, keys.vocab),
    wasmModule: ORT_WASM_MODULE,
  });
}

async function modelMissing(env: Pick<Env, "MODELS">, key: string, id: string): Promise<string | null> {
  if (!env.MODELS) return "no MODELS R2 binding";
  try {
    return (await env.MODELS.head(key)) ? null : `R2 object ${key} not found (npm run models:setup -- --encoder ${id})`;
  } catch (error) {
    return `R2 HEAD ${key} failed: ${(error as Error).message}`;
  }
}
