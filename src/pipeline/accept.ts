import type { TicketMessage } from "../queue/message.ts";
import { settleWithin } from "../util/deadline.ts";
import type { TicketInput } from "../schemas/ticket.ts";
import type { V2Drain, V2Ticket } from "../schemas/v2.ts";
import { QueueUnavailableError } from "../errors.ts";
import type { DrainPage, TicketRecord, TicketStore } from "../store/types.ts";

/** Keeps POST /v2/tickets inside its 2 s budget even when the queue hangs. */
export const QUEUE_SEND_TIMEOUT_MS = 1_500;

/**
 * POST /v2/tickets: pending record first, then the queue message. Every 503 leaves
 * either no record or a pending one the sweeper finishes (src/queue/sweeper.ts):
 * - the send fails: the record is removed again; if that undo fails too, the record
 *   stays pending without a message and the sweeper re-sends it;
 * - createPending fails (StoreUnavailableError): its write may still land after our
 *   deadline (a stalled store answers late); no undo is tried, because it would blow
 *   the 2 s budget against the same stalled store and could land before the write it
 *   undoes. Such a record is pending with no message, and the sweeper re-sends it.
 */
export async function acceptTicket(input: TicketInput, store: TicketStore, queue: Queue<TicketMessage>) {
  const ticket_id = crypto.randomUUID();
  const accepted_at = new Date().toISOString();
  if (!(await store.createPending({ ticket_id, subject: input.subject, body: input.body, accepted_at }))) {
    throw new Error(`ticket id collision: ${ticket_id}`);
  }
  try {
    await settleWithin(queue.send({ ticket_id, accepted_at }, { contentType: "json" }), QUEUE_SEND_TIMEOUT_MS);
  } catch (error) {
    await store.deleteTicket(ticket_id).catch((undo: unknown) => {
      // Not stranded: the sweeper re-sends it once its delivery clock is stale.
      console.error(JSON.stringify({ level: "error", msg: "undo of pending record failed; the sweeper will re-send it", ticket_id, error: String(undo) }));
    });
    throw new QueueUnavailableError(`ticket queue unavailable: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return { ticket_id, status: "accepted" as const, message: "Ticket accepted for scoring; poll GET /v2/tickets/{id}.", accepted_at };
}

export function toV2Ticket(id: string, record: TicketRecord | null): V2Ticket {
  if (!record) {
    return { ticket_id: id, subject: null, body: null, status: "not_found", category: null, urgency_score: null, confidence: null, model_used: null, urgency_model: null, accepted_at: null, processed_at: null, error: null };
  }
  return {
    ticket_id: record.ticket_id,
    subject: record.subject,
    body: record.body,
    status: record.status,
    category: record.category ?? null,
    urgency_score: record.urgency_score ?? null,
    confidence: record.confidence ?? null,
    model_used: record.model_used ?? null,
    urgency_model: record.urgency_model ?? null,
    accepted_at: record.accepted_at,
    processed_at: record.processed_at ?? null,
    error: record.error ?? null,
  };
}


export function toV2Drain(page: DrainPage): V2Drain {
  return { drained: page.tickets.length, tickets: page.tickets.map((t) => toV2Ticket(t.ticket_id, t)), remaining: page.remaining };
}
