import { parseRecord, type NewTicket, type TicketRecord, type TicketResult } from "./types.ts";

/**
 * Redis hashes hold strings only; this is the one place that turns a ticket hash back
 * into a typed record, so numbers, enums and optional fields are parsed the same
 * everywhere (through the store's TicketRecordSchema, like the embedded store's rows).
 *
 * Besides the record's own fields a hash may carry bookkeeping the record does not
 * show: `expires_at` (ms on the store's clock, set when retention starts) and
 * `resends` (how often the sweeper re-sent it). `lease_id`, `lease_expires` (ms) and
 * `lease_agent` (absent = none) hold a claim; they become the record's `lease` only while
 * lease_expires > now, so a read never shows a lease past its expiry, applied or not.
 */

/** Hash fields that are record fields (bookkeeping fields are left out). */
const RECORD_FIELDS = [
  "ticket_id", "subject", "body", "status", "accepted_at",
  "category", "confidence", "model_used", "urgency_model", "processed_at", "error", "urgency_score", "routing", "reason",
] as const;
const NUMERIC_FIELDS = new Set(["urgency_score", "confidence"]);

/** HGETALL's flat [field, value, field, value, …] reply as a Map. */
export function flatHashFields(flat: readonly unknown[] | null | undefined): Map<string, string> {
  const fields = new Map<string, string>();
  for (let i = 0; flat && i + 1 < flat.length; i += 2) fields.set(String(flat[i]), String(flat[i + 1]));
  return fields;
}

/**
 * HGETALL's flat reply → record; null for an empty hash or one whose retention ended
 * by `now`. Redis deletes such hashes itself (PEXPIRE) on its own clock; checking the
 * stored deadline as well keeps both stores on the one injected clock.
 */
export function recordFromFlatHash(flat: readonly unknown[] | null | undefined, now: number): TicketRecord | null {
  if (!flat || flat.length === 0) return null;
  const fields = flatHashFields(flat);
  const expiresAt = fields.get("expires_at");
  if (expiresAt !== undefined && Number(expiresAt) <= now) return null;
  const raw: Record<string, unknown> = {};
  for (const name of RECORD_FIELDS) {
    const value = fields.get(name);
    if (value !== undefined) raw[name] = NUMERIC_FIELDS.has(name) ? Number(value) : name === "reason" ? jsonOrText(value) : value;
  }
  const leaseId = fields.get("lease_id");
  const leaseExpires = Number(fields.get("lease_expires"));
  if (leaseId !== undefined && leaseExpires > now) {
    raw.lease = { id: leaseId, expires_ms: leaseExpires, agent: fields.get("lease_agent") ?? null };
  }
  return parseRecord(raw);
}

/** `reason` is stored as JSON; text that is not JSON reaches the schema as is and fails there (→ cannot trust the backend). */
export function jsonOrText(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** Field/value pairs of a new pending ticket, flat for HSET inside a script. */
export function pendingFields(ticket: NewTicket): string[] {
  return [
    "ticket_id", ticket.ticket_id,
    "subject", ticket.subject,
    "body", ticket.body,
    "status", "pending",
    "accepted_at", ticket.accepted_at,
  ];
}

/** Field/value pairs of a result; numbers as round-trippable decimal strings. */
export function resultFields(result: TicketResult): string[] {
  return [
    "category", result.category,
    "urgency_score", String(result.urgency_score),
    "confidence", String(result.confidence),
    "model_used", result.model_used,
    "urgency_model", result.urgency_model,
    "processed_at", result.processed_at,
    ...(result.routing === undefined ? [] : ["routing", result.routing]),
    ...(result.reason === undefined ? [] : ["reason", JSON.stringify(result.reason)]),
  ];
}
