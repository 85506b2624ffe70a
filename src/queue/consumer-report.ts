/**
 * What the consumer Worker tells the API Worker's /health: M2's availability in the
 * consumer and the webhook settings it runs with. Both live in the consumer only (M2 and
 * the WEBHOOK_* settings are not in the API Worker), so the consumer writes them to the
 * ticket store as one note when they change and /health reads the last one, with its time.
 *
 * Why a note in the store and not a service binding from the API to the consumer: a team
 * that serves only /v1 deploys the API Worker alone, and a binding to a Worker that does
 * not exist fails the deploy; the store is already shared by both. And a call would reach
 * one consumer isolate, not necessarily one that has scored a ticket, while the note says
 * what the last isolate that consumed a batch found.
 */
import { z } from "zod";
import { ServeSchema } from "../m2/heads.ts";

export const CONSUMER_REPORT_NOTE = "consumer_report";

const M2_STATES = ["idle", "loading", "ready", "absent", "failed", "refused"] as const;

export const ConsumerReportSchema = z.object({
  /** When this state was first reported (ISO 8601): the report is written only when it changes. */
  at: z.string(),
  m2: z.object({
    state: z.enum(M2_STATES),
    reason: z.string().nullable(),
    heads_encoder_sha256: z.string().nullable(),
    /** The decision in effect: the heads' serve block, or what M2_SERVE made of it. */
    serve: ServeSchema.optional(),
  }),
  webhook: z.object({
    mode: z.string(),
    threshold: z.number().nullable(),
    error: z.string().nullable(),
  }),
  /**
   * The review thresholds in effect: `error` names a malformed REVIEW_THRESHOLDS (the bundled
   * thresholds serve meanwhile). Optional: reports written before it existed still parse.
   */
  routing: z.object({ error: z.string().nullable() }).optional(),
});

export type ConsumerReport = z.infer<typeof ConsumerReportSchema>;
export type ConsumerState = Omit<ConsumerReport, "at">;

/** The note as written, or null when absent or unreadable (then /health says "not reported"). */
export function parseConsumerReport(note: string | null): ConsumerReport | null {
  if (note === null) return null;
  try {
    const parsed = ConsumerReportSchema.safeParse(JSON.parse(note));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export interface ReportStore {
  putNote(name: string, value: string): Promise<void>;
}

/**
 * Writes the state when it differs from what this isolate last wrote, so a steady consumer
 * costs one store write per isolate, not one per batch. A write that fails is retried on the
 * next batch, and never fails the batch: the tickets were handled.
 */
export function createConsumerReporter(now: () => Date = () => new Date()): (store: ReportStore, state: ConsumerState) => Promise<void> {
  let written: string | null = null;
  return async (store, state) => {
    const key = JSON.stringify(state);
    if (key === written) return;
    const report: ConsumerReport = { at: now().toISOString(), ...state };
    try {
      await store.putNote(CONSUMER_REPORT_NOTE, JSON.stringify(report));
      written = key;
    } catch (error) {
      console.warn(JSON.stringify({ level: "warn", msg: "consumer report not written", error: String(error) }));
    }
  };
}
