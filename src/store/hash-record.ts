import type { NewTicket, TicketRecord, TicketResult, TicketStatus } from "./types.ts";

/**
 * Redis hashes hold strings only; this is the one place that turns a ticket hash back
 * into a typed record, so numbers and optional fields are parsed the same everywhere.
 */

const STATUSES: readonly TicketStatus[] = ["pending", "processed", "failed"];

/** HGETALL's flat [field, value, field, value, …] reply as a Map. */
export function flatHashFields(flat: readonly unknown[] | null | undefined): Map<string, string> {
  const fields = new Map<string, string>();
  for (let i = 0; flat && i + 1 < flat.length; i += 2) fields.set(String(flat[i]), String(flat[i + 1]));
  return fields;
}

/** HGETALL's flat reply → record; null for an empty hash. */
export function recordFromFlatHash(flat: readonly unknown[] | null | undefined): TicketRecord | null {
  if (!flat || flat.length === 0) return null;
  const fields = flatHashFields(flat);

  const status = fields.get("status") as TicketStatus | undefined;
  const ticket_id = fields.get("ticket_id");
  if (ticket_id === undefined || status === undefined || !STATUSES.includes(status)) {
    throw new Error(`malformed ticket hash: ${JSON.stringify(flat)}`);
  }
  const record: TicketRecord = {
    ticket_id,
    subject: fields.get("subject") ?? "",
    body: fields.get("body") ?? "",
    status,
    accepted_at: fields.get("accepted_at") ?? "",
  };
  const category = fields.get("category");
  if (category !== undefined) record.category = category;
  const urgency = fields.get("urgency_score");
  if (urgency !== undefined) record.urgency_score = Number(urgency);
  const confidence = fields.get("confidence");
  if (confidence !== undefined) record.confidence = Number(confidence);
  const model = fields.get("model_used");
  if (model !== undefined) record.model_used = model;
  const processedAt = fields.get("processed_at");
  if (processedAt !== undefined) record.processed_at = processedAt;
  const error = fields.get("error");
  if (error !== undefined) record.error = error;
  return record;
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
    "processed_at", result.processed_at,
  ];
}
