/**
 * The M2 heads as the runtime uses them (issue 9's shared contract): which encoder they
 * are bound to (`encoder.id` names its R2 keys, `vocabSha256` its vocabulary), which
 * model serves each field (`serve`), and predict() with M1's margins as an input.
 *
 * heads.ts (the TRAINING engineer's) moves to format "smart-support-m2-heads/2" with
 * exactly this shape; until that lands, this module reads /2 artefacts through heads.ts's
 * /1 loader, and reads /1 artefacts (the committed tiny stand-in heads) as they were
 * always served: M2 decides both fields whenever it loads. Once heads.ts speaks /2, the
 * /1 projection below is dead code and loadM2Heads is used as it is.
 */
import { loadM2Heads, M2_HEADS_FORMAT, type M2HeadsArtifact, type M2Prediction, type Pooling } from "./heads.ts";
import { BUNDLED_VOCAB_SHA256 } from "./vocab.ts";
import type { ModelUsed } from "../schemas/v2.ts";

export const HEADS_FORMAT_V1 = "smart-support-m2-heads/1";
export const HEADS_FORMAT_V2 = "smart-support-m2-heads/2";

export type CategoryInput = "embedding" | "embedding+m1-margins";

export interface HeadsEncoderRef {
  /** models/encoders/<id>.json; also the R2 folder (model-source.ts encoderR2Keys). */
  id: string;
  name: string;
  sha256: string;
  pooling: Pooling;
  maxLength: number;
  dim: number;
  /** sha256 of the vocab.txt the tokenizer must use. */
  vocabSha256: string;
  /** Casing of that vocabulary; absent means lower-cased, as every uncased BERT. */
  lowercase?: boolean;
}

export interface ServeChoice {
  model: ModelUsed;
  /** The figures behind the choice, e.g. "M2 macro-F1 0.61 vs M1 0.55 on 5 grouped folds …". */
  reason: string;
}

export interface ServeBlock {
  category: ServeChoice;
  urgency: ServeChoice;
}

export interface M2Inputs {
  keywordMatched: boolean;
  /** M1's per-class margins in M1's class order; required by heads whose category input includes them. */
  m1Margins?: ArrayLike<number>;
}

export interface ServingHeads {
  encoder: Readonly<HeadsEncoderRef>;
  serve: ServeBlock;
  predict(embedding: ArrayLike<number>, inputs: M2Inputs): M2Prediction;
}

/** What the runtime knows from the bundled artefact before any model is loaded. */
export interface HeadsBinding {
  encoder: HeadsEncoderRef;
  serve: ServeBlock;
}

/** /1 heads predate `serve`: the consumer used M2 for both fields whenever it could. */
export const V1_SERVE: ServeBlock = {
  category: { model: "m2", reason: "heads format /1 has no serve block: M2 serves whenever it loads" },
  urgency: { model: "m2", reason: "heads format /1 has no serve block: M2 serves whenever it loads" },
};

/** /1 heads name no encoder id; the stand-in's file was called tiny-encoder.onnx. */
function v1EncoderId(name: string): string {
  return name === "tiny-encoder" ? "tiny-stand-in" : name;
}

function invalid(what: string): never {
  throw new Error(`M2 heads artefact: ${what}`);
}

type AnyArtifact = { format?: unknown; encoder?: Record<string, unknown>; serve?: unknown; category?: { input?: unknown }; urgency?: Record<string, unknown> };

function checkServe(serve: unknown): ServeBlock {
  const s = serve as Partial<ServeBlock> | undefined;
  for (const field of ["category", "urgency"] as const) {
    const choice = s?.[field];
    if (!choice || (choice.model !== "m1" && choice.model !== "m2") || typeof choice.reason !== "string" || !choice.reason) {
      invalid(`serve.${field} must be {model: "m1" | "m2", reason: non-empty string}`);
    }
  }
  return { category: { ...s!.category! }, urgency: { ...s!.urgency! } };
}

/** Reads encoder and serve without binding to a model: the R2 keys, the vocabulary and whether M2 runs at all. */
export function headsBinding(artifact: unknown): HeadsBinding {
  const a = artifact as AnyArtifact;
  const e = a?.encoder;
  if (!e || typeof e.sha256 !== "string" || typeof e.name !== "string") invalid("encoder must name sha256 and name");
  if (a.format === HEADS_FORMAT_V1) {
    return {
      encoder: { ...(e as unknown as HeadsEncoderRef), id: v1EncoderId(e.name as string), vocabSha256: BUNDLED_VOCAB_SHA256 },
      serve: V1_SERVE,
    };
  }
  if (a.format !== HEADS_FORMAT_V2) invalid(`unsupported format ${String(a.format)}`);
  if (typeof e.id !== "string" || !/^[a-z0-9][a-z0-9.-]*$/.test(e.id)) invalid("encoder.id must be an encoder manifest id");
  if (typeof e.vocabSha256 !== "string" || !/^[0-9a-f]{64}$/.test(e.vocabSha256)) invalid("encoder.vocabSha256 must be 64 lower-case hex digits");
  if (e.lowercase !== undefined && typeof e.lowercase !== "boolean") invalid("encoder.lowercase must be a boolean");
  return { encoder: { ...(e as unknown as HeadsEncoderRef) }, serve: checkServe(a.serve) };
}

/** The heads bound to the loaded encoder (sha256 of what was read); throws as loadM2Heads does on a mismatch. */
export function bindServingHeads(artifact: unknown, encoderSha256: string): ServingHeads {
  const binding = headsBinding(artifact);
  const a = artifact as AnyArtifact;
  if ((M2_HEADS_FORMAT as string) === HEADS_FORMAT_V2 && a.format === HEADS_FORMAT_V2) {
    // heads.ts speaks the contract itself.
    const heads = (loadM2Heads as unknown as (x: unknown, sha: string) => ServingHeads)(artifact, encoderSha256);
    return { encoder: binding.encoder, serve: binding.serve, predict: (embedding, inputs) => heads.predict(embedding, inputs) };
  }
  if (a.format === HEADS_FORMAT_V2) {
    const input = a.category?.input;
    if (input !== undefined && input !== "embedding") {
      invalid(`category.input "${String(input)}" needs src/m2/heads.ts format /2 (this build's heads.ts reads ${M2_HEADS_FORMAT})`);
    }
  }
  const v1 = { ...(artifact as M2HeadsArtifact), format: M2_HEADS_FORMAT } as M2HeadsArtifact;
  const legacy = loadM2Heads(v1, encoderSha256) as unknown as {
    predict(embedding: ArrayLike<number>, keywordMatched?: boolean): M2Prediction;
  };
  return {
    encoder: binding.encoder,
    serve: binding.serve,
    predict: (embedding, inputs) => legacy.predict(embedding, inputs.keywordMatched),
  };
}
