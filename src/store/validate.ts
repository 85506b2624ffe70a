import type { TicketResult } from "./types.ts";

/**
 * A NaN or infinite score would be rejected by ZADD (Redis) or sort unpredictably
 * (SQLite); either way it is a caller bug, not an unavailable store, so it fails
 * before any I/O with a TypeError.
 */
export function assertFiniteScore(result: TicketResult): void {
  if (!Number.isFinite(result.urgency_score)) {
    throw new TypeError(`urgency_score must be a finite number, got ${result.urgency_score}`);
  }
}
