import type { CorrectionState, TicketRecord } from "./types.ts";

/**
 * Where a live record is, from the record and whether its retention has started (a processed
 * ticket's retention starts exactly when it leaves the queues: popped, acked, drained).
 * Both stores derive it the same way, so a correction records the same state on either.
 */
export function correctionState(record: TicketRecord, retentionStarted: boolean): CorrectionState {
  if (record.status !== "processed") return record.status;
  if (record.lease) return "claimed";
  return retentionStarted ? "done" : "processed";
}
