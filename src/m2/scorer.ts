/**
 * M2 as the /v2 consumer sees it: scoreBatch() gives a prediction per ticket, or null
 * wherever M2 cannot serve that ticket — no model, a model that will not load, heads
 * trained for another encoder, an inference error — and status() says why; the caller
 * then scores with M1. Nothing here throws to the consumer.
 *
 * The heads' `serve` block decides whether M2 is wanted at all: when it names M1 for
 * both fields, nothing is loaded (no R2 read, no ORT), every call answers null, and
 * status() stays idle; `serving.summary` says why M1 serves (what /health can show beside the state).
 *
 * How a model is loaded (load.ts, or the Worker's isolate.ts around it) is passed
 * in, so this module does not pull in onnxruntime.
 */
import { createAvailability, type AvailabilityOptions, type AvailabilityStatus, type LoadOutcome } from "./availability.ts";
import type { M2Prediction, M2Serve } from "./heads.ts";

/** One ticket as M2 takes it: M1 has already run, so its outputs come along. */
export interface M2Ticket {
  subject: string;
  body: string;
  keywordMatched: boolean;
  /** M1's per-class margins, M1's class order (heads with category.input "embedding+m1-margins" need them). */
  m1Margins?: ArrayLike<number>;
  /** M1's urgency score (heads with urgency.input "embedding+m1-urgency" need it). */
  m1Urgency?: number;
}

/** A loaded encoder bound to its heads. */
export interface LoadedM2 {
  /** One entry per ticket, in order: its prediction, or the error that ticket alone hit. */
  scoreBatch(tickets: readonly M2Ticket[]): Promise<(M2Prediction | Error)[]>;
}

/** Which model decides each field, and the one line /health can show. */
export interface M2Serving extends M2Serve {
  /** False when serve names M1 for both fields: M2 is never loaded. */
  usesM2: boolean;
  /** e.g. "M1 serves category and urgency: <reason>" or "M2 serves category (<reason>); M1 serves urgency (<reason>)". */
  summary: string;
}

export interface M2Scorer {
  /** The prediction, or null when M2 cannot serve this ticket (status() says why). */
  score(ticket: M2Ticket): Promise<M2Prediction | null>;
  /** One entry per ticket, in order; the encoder runs once per group of similar length. */
  scoreBatch(tickets: readonly M2Ticket[]): Promise<(M2Prediction | null)[]>;
  status(): AvailabilityStatus;
  /** Which model serves each field and why (the heads' serve block), whatever the state. */
  readonly serving: M2Serving;
  /** sha256 of the encoder the bundled heads were trained on. */
  readonly headsEncoder: string;
}

export interface M2ScorerOptions extends AvailabilityOptions {
  headsEncoder: string;
  /** The heads' serve block; without one (tests of the scorer alone), M2 serves both fields. */
  serve?: M2Serve;
}

const M2_BOTH: M2Serve = {
  category: { model: "m2", reason: "no serve block given: M2 serves whenever it loads" },
  urgency: { model: "m2", reason: "no serve block given: M2 serves whenever it loads" },
};

export function describeServing(serve: M2Serve): M2Serving {
  const usesM2 = serve.category.model === "m2" || serve.urgency.model === "m2";
  const summary =
    serve.category.model === serve.urgency.model && serve.category.reason === serve.urgency.reason
      ? `${serve.category.model.toUpperCase()} serves category and urgency: ${serve.category.reason}`
      : `${serve.category.model.toUpperCase()} serves category (${serve.category.reason}); ` +
        `${serve.urgency.model.toUpperCase()} serves urgency (${serve.urgency.reason})`;
  return { category: serve.category, urgency: serve.urgency, usesM2, summary };
}

export function createM2Scorer(load: () => Promise<LoadOutcome<LoadedM2>>, options: M2ScorerOptions): M2Scorer {
  const serving = describeServing(options.serve ?? M2_BOTH);
  const availability = createAvailability(load, options);
  const inferenceFailed = (error: unknown) => `M2 inference failed: ${error instanceof Error ? error.message : String(error)}`;

  async function scoreBatch(tickets: readonly M2Ticket[]): Promise<(M2Prediction | null)[]> {
    if (!serving.usesM2 || tickets.length === 0) return tickets.map(() => null);
    const results = await availability.use(async (m2) => {
      const out = await m2.scoreBatch(tickets);
      // Every ticket failing is the encoder failing, which status() must show; one bad ticket is not.
      const firstError = out.find((r): r is Error => r instanceof Error);
      if (firstError && out.every((r) => r instanceof Error)) throw firstError;
      return out;
    }, inferenceFailed);
    return results === null ? tickets.map(() => null) : results.map((r) => (r instanceof Error ? null : r));
  }

  return {
    headsEncoder: options.headsEncoder,
    serving,
    status: () => availability.status(),
    scoreBatch,
    score: async (ticket) => (await scoreBatch([ticket]))[0]!,
  };
}
