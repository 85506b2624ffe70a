/**
 * The Worker's M2, one per isolate and created on first use: the committed heads
 * (models/m2/heads.json), the encoder from the MODELS R2 bucket, ORT's wasm
 * compiled ahead of time by wrangler.
 *
 * Nothing heavy happens at module scope or for a Worker that has no model: the R2
 * object is checked with a HEAD first, and onnxruntime-web (plus its 14 MB wasm) is
 * imported only when there is a model to run.
 */
import headsJson from "../../models/m2/heads.json" with { type: "json" };
import type { Env } from "../env.ts";
import type { LoadOutcome } from "./availability.ts";
import type { M2HeadsArtifact } from "./heads.ts";
import { loadModelBytes, MODEL_KEY } from "./model-source.ts";
import { createM2Scorer, type LoadedM2, type M2Scorer } from "./scorer.ts";

const heads = headsJson as M2HeadsArtifact;

let scorer: M2Scorer | undefined;

/** This isolate's M2. Its bindings are the same for every request, so the first env serves all. */
export function isolateM2(env: Pick<Env, "MODELS">): M2Scorer {
  scorer ??= createM2Scorer(() => loadInWorker(env), { headsEncoder: heads.encoder.sha256 });
  return scorer;
}

/** For tests: forget this isolate's M2. */
export function resetIsolateM2(): void {
  scorer = undefined;
}

async function loadInWorker(env: Pick<Env, "MODELS">): Promise<LoadOutcome<LoadedM2>> {
  const missing = await modelMissing(env);
  if (missing) return { state: "absent", reason: missing };
  let runtime;
  try {
    runtime = await Promise.all([import("./load.ts"), import("./ort-workerd.ts")]);
  } catch (error) {
    return { state: "failed", reason: `M2 runtime failed to load: ${(error as Error).message}` };
  }
  const [{ loadM2 }, { ORT_WASM_MODULE }] = runtime;
  return loadM2({ heads, loadModel: () => loadModelBytes(env), wasmModule: ORT_WASM_MODULE });
}

async function modelMissing(env: Pick<Env, "MODELS">): Promise<string | null> {
  if (!env.MODELS) return "no MODELS R2 binding";
  try {
    return (await env.MODELS.head(MODEL_KEY)) ? null : `R2 object ${MODEL_KEY} not found (npm run models:fetch && npm run models:upload)`;
  } catch (error) {
    return `R2 HEAD ${MODEL_KEY} failed: ${(error as Error).message}`;
  }
}
