import { CATEGORIES } from "../ml/categories.ts";
import { LIST_LIMIT_MAX } from "../schemas/ticket.ts";
import { LANES, type CategoryCorrection, type ClaimRequest, type ListPage, type ListRequest, type TicketRecord } from "./types.ts";

/**
 * Checks both stores make before any I/O on the processed queue's arguments. The routes
 * validate first, so a value refused here is a caller bug: TypeError, nothing written.
 */

function assertCategory(category: string | null): void {
  if (category !== null && !(CATEGORIES as readonly string[]).includes(category)) {
    throw new TypeError(`category must be one of ${CATEGORIES.join(", ")}, got ${String(category)}`);
  }
}

export function assertLane(lane: unknown): void {
  if (!(LANES as readonly unknown[]).includes(lane)) throw new TypeError(`lane must be one of ${LANES.join(", ")}, got ${String(lane)}`);
}

export function assertCorrection(correction: CategoryCorrection): void {
  if (correction.category === null) throw new TypeError("a correction needs a category");
  assertCategory(correction.category);
  if (correction.leaseId !== null && (typeof correction.leaseId !== "string" || correction.leaseId.length === 0)) {
    throw new TypeError("leaseId must be null or a non-empty string");
  }
}

export function assertClaim(request: ClaimRequest): void {
  assertCategory(request.category);
  if (request.lane !== undefined) assertLane(request.lane);
  if (!Number.isInteger(request.leaseMs) || request.leaseMs <= 0) {
    throw new TypeError(`leaseMs must be a positive integer, got ${request.leaseMs}`);
  }
  if (typeof request.leaseId !== "string" || request.leaseId.length === 0) throw new TypeError("leaseId must not be empty");
}

export function assertList(request: ListRequest): void {
  assertCategory(request.category);
  if (request.lane !== undefined) assertLane(request.lane);
  if (request.state !== null && request.state !== "processed" && request.state !== "claimed") {
    throw new TypeError(`state must be processed, claimed or null, got ${String(request.state)}`);
  }
  if (!Number.isInteger(request.limit) || request.limit < 1 || request.limit > LIST_LIMIT_MAX) {
    throw new TypeError(`list limit must be an integer from 1 to ${LIST_LIMIT_MAX}, got ${request.limit}`);
  }
  if (request.after && (!Number.isFinite(request.after.score) || request.after.id.length === 0)) {
    throw new TypeError("list position must have a finite score and an id");
  }
}

/** Up to limit + 1 records in queue order → the page and, when the extra one exists, where the page ends. */
export function listPage(records: TicketRecord[], limit: number): ListPage {
  const tickets = records.slice(0, limit);
  const last = tickets.at(-1);
  const next = records.length > limit && last && last.urgency_score !== undefined ? { score: last.urgency_score, id: last.ticket_id } : null;
  return { tickets, next };
}
