/**
 * One attempt at loading M2: the encoder's bytes, an ORT session over them, and
 * the heads bound to exactly those bytes. Each way it can fall short is an outcome
 * with a reason (availability.ts decides when to try again), never a throw.
 *
 * Imports onnxruntime-web: the Worker reaches this module through a dynamic import
 * only once it knows there is a model (isolate.ts).
 */
import type { LoadOutcome } from "./availability.ts";
import { createEncoder } from "./encoder.ts";
import { loadM2Heads, type M2HeadsArtifact } from "./heads.ts";
import { type ModelLoad, modelSha256 } from "./model-source.ts";
import type { LoadedM2 } from "./scorer.ts";
import { bundledVocab } from "./vocab.ts";
import { WordPieceTokenizer } from "./wordpiece.ts";
import { ticketText } from "../ml/text.ts";

export interface M2LoadOptions {
  heads: M2HeadsArtifact;
  loadModel: () => Promise<ModelLoad>;
  /** ORT's precompiled wasm; required in workerd (see encoder.ts). */
  wasmModule?: WebAssembly.Module;
}

export async function loadM2(options: M2LoadOptions): Promise<LoadOutcome<LoadedM2>> {
  let loaded: ModelLoad;
  try {
    loaded = await options.loadModel();
  } catch (error) {
    return { state: "absent", reason: `model load threw: ${messageOf(error)}` };
  }
  if (loaded.bytes === null) return { state: "absent", reason: loaded.reason };
  // The heads are checked against what actually loaded (graph and weights for a split model).
  const sha256 = await modelSha256(loaded);

  let encoder;
  try {
    encoder = await createEncoder(loaded.bytes, {
      wasmModule: options.wasmModule,
      pooling: options.heads.encoder.pooling,
      externalData: loaded.externalData,
    });
  } catch (error) {
    return { state: "failed", reason: messageOf(error) };
  }
  let heads;
  try {
    heads = loadM2Heads(options.heads, sha256);
  } catch (error) {
    // Refused for good in this isolate: the session would only hold wasm memory.
    await encoder.release().catch(() => {});
    return { state: "refused", reason: messageOf(error) };
  }

  const tokenizer = new WordPieceTokenizer(bundledVocab());
  return {
    state: "ready",
    source: loaded.source,
    value: {
      async score(subject, body, keywordMatched) {
        const batch = tokenizer.encodeBatch([ticketText(subject, body)], heads.encoder.maxLength);
        const [embedding] = await encoder.embed(batch);
        if (!embedding) throw new Error("encoder returned no embedding");
        return heads.predict(embedding, keywordMatched);
      },
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
