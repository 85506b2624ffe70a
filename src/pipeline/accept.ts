import type { TicketMessage } from "../queue/message.ts";
import { settleWithin } from "../util/deadline.ts";
import type { TicketInput } from "../schemas/ticket.ts";
import type { V2Drain, V2Ticket } from "../schemas/v2.ts";
import { QueueUnavailableError } from "../errors.ts";
import { IDEMPOTENCY_TTL_MS, requestFingerprint } from "../http/idempotency-key.ts";
import { DEFAULT_TENANT } from "../http/tenant-name.ts";
import type { DrainPage, TicketRecord, TicketStore } from "../store/types.ts";

/** Keeps POST /v2/tickets inside its 2 s budget even when the queue hangs. */
export const QUEUE_SEND_TIMEOUT_MS = 1_500;

/**
 * A replayed key whose ticket is still pending and was accepted this long ago gets its
 * queue message sent again: its first send failed (a 503 that told the client to retry
 * after Retry-After: 5 s) or is long since consumed and the ticket waits its turn. Younger
 * ones are concurrent first uses whose first send is still under way; resending those
 * would only add duplicates. A duplicate message is harmless either way (lock, idempotent
 * save, one-time webhook marker).
 */
export const REPLAY_RESEND_AFTER_MS = 5_000;

export interface Accepted {
  ticket_id: string;
  status: "accepted";
  message: string;
  accepted_at: string;
}

export type AcceptOutcome =
  | { kind: "accepted"; body: Accepted; replayed: boolean }
  | { kind: "mismatch" };

export interface AcceptOptions {
  /** The request's tenant: the message carries it (absent = default) so the consumer scores into its store. */
  tenant?: string;
  /** The validated Idempotency-Key header, when sent. */
  idempotencyKey?: string;
  /** Wall clock for accepted_at and the replay age (tests move it). */
  now?: () => number;
}

const MESSAGE = "Ticket accepted for scoring; poll GET /v2/tickets/{id}.";

/** The queue message for a ticket; `tenant` only when not default, so default messages stay as they were. */
export function ticketMessage(ticket_id: string, accepted_at: string, tenant: string = DEFAULT_TENANT): TicketMessage {
  return tenant === DEFAULT_TENANT ? { ticket_id, accepted_at } : { ticket_id, accepted_at, tenant };
}

/**
 * POST /v2/tickets: pending record first, then the queue message. Every 503 leaves
 * either no record or a pending one the sweeper finishes (src/queue/sweeper.ts):
 * - the send fails, no Idempotency-Key: the record is removed again; if that undo fails
 *   too, the record stays pending without a message and the sweeper re-sends it;
 * - the send fails under an Idempotency-Key: the record and the key are both kept, never
 *   undone. The key was remembered in the same atomic step that wrote the record, and a
 *   concurrent request with that key may already have been answered 202 with this ticket id;
 *   undoing would turn that answer into a lie. So the client's retry with the same key
 *   gets the same ticket (202, Idempotent-Replayed), whose message the retry sends again
 *   (REPLAY_RESEND_AFTER_MS), and without a retry the sweeper delivers it. Never a second
 *   ticket, never a key that names nothing;
 * - createPending fails (StoreUnavailableError): its write may still land after our
 *   deadline (a stalled store answers late); no undo is tried, because it would blow
 *   the 2 s budget against the same stalled store and could land before the write it
 *   undoes. Such a record is pending with no message, and the sweeper re-sends it (and
 *   under a key, the retry finds it and replays it).
 */
export async function acceptTicket(input: TicketInput, store: TicketStore, queue: Queue<TicketMessage>, options: AcceptOptions = {}): Promise<AcceptOutcome> {
  const now = options.now ?? Date.now;
  const ticket = { ticket_id: crypto.randomUUID(), subject: input.subject, body: input.body, accepted_at: new Date(now()).toISOString() };
  const send = (id: string, at: string) =>
    settleWithin(queue.send(ticketMessage(id, at, options.tenant), { contentType: "json" }), QUEUE_SEND_TIMEOUT_MS);

  if (options.idempotencyKey !== undefined) {
    const fingerprint = await requestFingerprint(input);
    const outcome = await store.createPendingOnce(ticket, { key: options.idempotencyKey, fingerprint, ttlMs: IDEMPOTENCY_TTL_MS });
    if (!outcome.created) {
      if (outcome.entry.fingerprint !== fingerprint) return { kind: "mismatch" };
      const { ticket_id, accepted_at } = outcome.entry;
      if (outcome.status === "pending" && now() - Date.parse(accepted_at) >= REPLAY_RESEND_AFTER_MS) {
        await send(ticket_id, accepted_at).catch((error: unknown) => {
          throw queueDown(error, "the ticket is kept; retry with the same Idempotency-Key");
        });
      }
      return { kind: "accepted", body: accepted(ticket_id, accepted_at), replayed: true };
    }
    try {
      await send(ticket.ticket_id, ticket.accepted_at);
    } catch (error) {
      throw queueDown(error, "the ticket is kept; retry with the same Idempotency-Key");
    }
    return { kind: "accepted", body: accepted(ticket.ticket_id, ticket.accepted_at), replayed: false };
  }

  if (!(await store.createPending(ticket))) {
    throw new Error(`ticket id collision: ${ticket.ticket_id}`);
  }
  try {
    await send(ticket.ticket_id, ticket.accepted_at);
  } catch (error) {
    await store.deleteTicket(ticket.ticket_id).catch((undo: unknown) => {
      // Not stranded: the sweeper re-sends it once its delivery clock is stale.
      console.error(JSON.stringify({ level: "error", msg: "undo of pending record failed; the sweeper will re-send it", ticket_id: ticket.ticket_id, error: String(undo) }));
    });
    throw queueDown(error);
  }
  return { kind: "accepted", body: accepted(ticket.ticket_id, ticket.accepted_at), replayed: false };
}

function accepted(ticket_id: string, accepted_at: string): Accepted {
  return { ticket_id, status: "accepted", message: MESSAGE, accepted_at };
}

function queueDown(error: unknown, note?: string): QueueUnavailableError {
  const reason = error instanceof Error ? error.message : String(error);
  return new QueueUnavailableError(`ticket queue unavailable: ${reason}${note ? ` (${note})` : ""}`, { cause: error });
}

export function toV2Ticket(id: string, record: TicketRecord | null): V2Ticket {
  if (!record) {
    return { ticket_id: id, subject: null, body: null, status: "not_found", category: null, urgency_score: null, confidence: null, model_used: null, urgency_model: null, accepted_at: null, processed_at: null, error: null, routing: null, reason: null, lease: null };
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
    routing: record.routing ?? null,
    reason: record.reason ?? null,
    lease: record.lease ? { expires_at: new Date(record.lease.expires_ms).toISOString(), agent: record.lease.agent } : null,
  };
}

export function toV2Drain(page: DrainPage): V2Drain {
  return { drained: page.tickets.length, tickets: page.tickets.map((t) => toV2Ticket(t.ticket_id, t)), remaining: page.remaining };
}
