import { DRAIN_LIMIT_MAX } from "../schemas/ticket.ts";
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

/** A drain page outside 1..DRAIN_LIMIT_MAX is a caller bug (the route validates first): TypeError, before any I/O. */
export function assertPageLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > DRAIN_LIMIT_MAX) {
    throw new TypeError(`drain limit must be an integer from 1 to ${DRAIN_LIMIT_MAX}, got ${limit}`);
  }
}
