/**
 * The Worker's one M2 scorer per isolate: the committed heads (models/m2/heads.json),
 * the encoder from the MODELS R2 bucket, ORT's wasm compiled ahead of time by wrangler.
 *
 * Nothing heavy happens at module scope or for a Worker that has no model: the R2
 * object is checked with a HEAD first, and onnxruntime-web (plus its 14 MB wasm) is
 * imported only when there is a model to run.
 */
import heads from "../../models/m2/heads.json" with { type: "json" };
import type { Env } from "../env.ts";
import { loadModelBytes, MODEL_KEY } from "./model-source.ts";
import type { M2Scorer, M2Status } from "./scorer.ts";
import type { M2HeadsArtifact } from "./heads.ts";

/** How long "no model in R2" (or a runtime that failed to load) is believed before the next try. */
const ABSENT_RECHECK_MS = 5 * 60_000;

let scorer: M2Scorer | undefined;
let loading: Promise<M2Scorer> | undefined;
let absent: { state: "absent" | "failed"; reason: string; at: number } | undefined;

async function loadScorer(env: Pick<Env, "MODELS">): Promise<M2Scorer> {
  const [{ createM2Scorer }, { ORT_WASM_MODULE }] = await Promise.all([import("./scorer.ts"), import("./ort-workerd.ts")]);
  return createM2Scorer({ heads: heads as M2HeadsArtifact, loadModel: () => loadModelBytes(env), wasmModule: ORT_WASM_MODULE });
}

async function modelMissing(env: Pick<Env, "MODELS">): Promise<string | null> {
  if (!env.MODELS) return "no MODELS R2 binding";
  try {
    return (await env.MODELS.head(MODEL_KEY)) ? null : `R2 object ${MODEL_KEY} not found (npm run models:fetch && npm run models:upload)`;
  } catch (error) {
    return `R2 HEAD ${MODEL_KEY} failed: ${(error as Error).message}`;
  }
}

export function bundledM2(env: Pick<Env, "MODELS">): M2Scorer {
  return {
    headsEncoder: (heads as M2HeadsArtifact).encoder.sha256,
    status(): M2Status {
      return scorer?.status() ?? absent ?? { state: loading ? "loading" : "idle" };
    },
    async score(subject, body, keywordMatched) {
      if (!scorer) {
        if (absent && Date.now() - absent.at < ABSENT_RECHECK_MS) return null;
        const reason = await modelMissing(env);
        if (reason) {
          absent = { state: "absent", reason, at: Date.now() };
          return null;
        }
        absent = undefined;
        loading ??= loadScorer(env);
        try {
          scorer = await loading;
        } catch (error) {
          loading = undefined;
          absent = { state: "failed", reason: `M2 runtime failed to load: ${(error as Error).message}`, at: Date.now() };
          return null;
        }
      }
      return scorer.score(subject, body, keywordMatched);
    },
  };
}

/** For tests: forget this isolate's M2 state. */
export function resetBundledM2(): void {
  scorer = undefined;
  loading = undefined;
  absent = undefined;
}
