/**
 * M2 as the /v2 consumer sees it: score() gives a prediction, or null whenever M2
 * cannot serve this ticket — no model, a model that will not load, heads trained
 * for another encoder, an inference error — and status() says why; the caller then
 * scores with M1. Nothing here throws to the consumer.
 *
 * How a model is loaded (load.ts, or the Worker's isolate.ts around it) is passed
 * in, so this module does not pull in onnxruntime.
 */
import { createAvailability, type AvailabilityOptions, type AvailabilityStatus, type LoadOutcome } from "./availability.ts";
import type { M2Prediction } from "./heads.ts";

/** A loaded encoder bound to its heads. */
export interface LoadedM2 {
  /** Rejects when this ticket cannot be scored (the encoder or the heads threw). */
  score(subject: string, body: string, keywordMatched: boolean): Promise<M2Prediction>;
}

export interface M2Scorer {
  /** The prediction, or null when M2 cannot serve this ticket (status() says why). */
  score(subject: string, body: string, keywordMatched: boolean): Promise<M2Prediction | null>;
  status(): AvailabilityStatus;
  /** sha256 of the encoder the bundled heads were trained on. */
  readonly headsEncoder: string;
}

export interface M2ScorerOptions extends AvailabilityOptions {
  headsEncoder: string;
}

export function createM2Scorer(load: () => Promise<LoadOutcome<LoadedM2>>, options: M2ScorerOptions): M2Scorer {
  const availability = createAvailability(load, options);
  const inferenceFailed = (error: unknown) => `M2 inference failed: ${error instanceof Error ? error.message : String(error)}`;
  return {
    headsEncoder: options.headsEncoder,
    status: () => availability.status(),
    score: (subject, body, keywordMatched) => availability.use((m2) => m2.score(subject, body, keywordMatched), inferenceFailed),
  };
}
