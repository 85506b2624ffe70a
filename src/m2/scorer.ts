/**
 * M2 at inference: WordPiece → quantized DistilBERT (ONNX, onnxruntime-web) → pooled
 * embedding → logistic category head + ridge urgency head (models/m2/heads.json).
 *
 * Every way M2 can be unavailable — no heads, no model in R2, a model that will not
 * load, heads trained for another encoder, an inference error — makes score() return
 * null with the reason kept in status(), and the caller scores with M1 instead. Nothing
 * here throws to the consumer.
 */
import { createEncoderCache, type EncoderStatus } from "./encoder-cache.ts";
import { type ModelLoad, modelSha256 } from "./model-source.ts";
import { loadM2Heads, type M2Heads, type M2HeadsArtifact, type M2Prediction } from "./heads.ts";
import { ticketText } from "../ml/text.ts";
import { bundledVocab } from "./vocab.ts";
import { WordPieceTokenizer } from "./wordpiece.ts";

export type M2Status =
  | EncoderStatus
  /** The encoder loaded but the heads belong to another one (or are invalid). */
  | { state: "refused"; reason: string; at: number };

export interface M2ScorerOptions {
  heads: M2HeadsArtifact | null;
  loadModel: () => Promise<ModelLoad>;
  wasmModule?: WebAssembly.Module;
  now?: () => number;
}

export interface M2Scorer {
  /** The prediction, or null when M2 cannot serve this ticket (status() says why). */
  score(subject: string, body: string, keywordMatched: boolean): Promise<M2Prediction | null>;
  status(): M2Status;
  /** sha256 of the encoder the bundled heads were trained on. */
  readonly headsEncoder: string | null;
}

export function createM2Scorer(options: M2ScorerOptions): M2Scorer {
  const now = options.now ?? Date.now;
  const artifact = options.heads;
  const cache = createEncoderCache({ wasmModule: options.wasmModule, pooling: artifact?.encoder.pooling, now });
  let loadedSha256: string | null = null;
  let heads: M2Heads | null = null;
  let refused: { state: "refused"; reason: string; at: number } | null = null;
  let lastError: { state: "failed"; reason: string; at: number } | null = null;
  let tokenizer: WordPieceTokenizer | null = null;

  // Hash the bytes as they arrive, so the heads can be checked against what actually loaded
  // (graph and weights for a split model: see modelSha256).
  const loadAndHash = async (): Promise<ModelLoad> => {
    const loaded = await options.loadModel();
    if (loaded.bytes) loadedSha256 = await modelSha256(loaded);
    return loaded;
  };

  function bindHeads(): M2Heads | null {
    if (heads || refused || !artifact || !loadedSha256) return heads;
    try {
      heads = loadM2Heads(artifact, loadedSha256);
    } catch (error) {
      refused = { state: "refused", reason: (error as Error).message, at: now() };
    }
    return heads;
  }

  return {
    headsEncoder: artifact?.encoder.sha256 ?? null,
    status(): M2Status {
      if (!artifact) return { state: "absent", reason: "no M2 heads bundled (models/m2/heads.json)", at: 0 };
      return refused ?? lastError ?? cache.status();
    },
    async score(subject, body, keywordMatched) {
      if (!artifact || refused) return null;
      const encoder = await cache.get(loadAndHash);
      const bound = encoder ? bindHeads() : null;
      if (!encoder || !bound) return null;
      try {
        tokenizer ??= new WordPieceTokenizer(bundledVocab());
        const batch = tokenizer.encodeBatch([ticketText(subject, body)], bound.encoder.maxLength);
        const [embedding] = await encoder.embed(batch);
        if (!embedding) throw new Error("encoder returned no embedding");
        const prediction = bound.predict(embedding, keywordMatched);
        lastError = null;
        return prediction;
      } catch (error) {
        lastError = { state: "failed", reason: `M2 inference failed: ${(error as Error).message}`, at: now() };
        return null;
      }
    },
  };
}
