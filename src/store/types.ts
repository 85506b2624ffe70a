/**
 * The /v2 ticket store contract. Two implementations keep identical semantics:
 * UpstashTicketStore (Redis over REST) and EmbeddedTicketStore (a SQLite Durable Object),
 * so the routes and the queue consumer never know which one they run on.
 *
 * Every method either resolves or rejects with StoreUnavailableError within the
 * store's timeout; no method leaves a half-applied write behind (atomicity per method
 * is documented below).
 */

// Re-exported so callers import the whole store contract from one module.
export { StoreUnavailableError } from "./errors.ts";

export type TicketStatus = "pending" | "processed" | "failed";

/** What POST /v2/tickets knows when it accepts a ticket. Times are ISO 8601 strings. */
export interface NewTicket {
  ticket_id: string;
  subject: string;
  body: string;
  accepted_at: string;
}

/** What the consumer produces for a ticket. */
export interface TicketResult {
  category: string;
  urgency_score: number;
  confidence: number;
  model_used: string;
  processed_at: string;
}

export interface TicketRecord extends NewTicket, Partial<TicketResult> {
  status: TicketStatus;
  /** Set only when status is "failed". */
  error?: string;
}

/** Outcome of saveResult, so the consumer can ack duplicates and vanished tickets alike. */
export type SaveOutcome = "saved" | "already_processed" | "not_found";

export interface StoreCounts {
  /** Accepted, not yet processed or failed, not expired. */
  pending: number;
  /** Processed and still waiting in the queue for GET /v2/tickets/next. */
  processed: number;
}

export type StoreKind = "upstash" | "embedded";

export interface TicketStore {
  readonly kind: StoreKind;

  /**
   * Writes a pending record (TTL applies) and indexes it as pending, atomically.
   * Returns false, writing nothing, when a live record with that id already exists.
   */
  createPending(ticket: NewTicket): Promise<boolean>;

  /**
   * Removes the record and every index entry for it, atomically: the undo when the
   * enqueue fails. Returns whether a record existed. Lock and webhook markers expire alone.
   */
  deleteTicket(id: string): Promise<boolean>;

  /** The live record, or null when absent or expired. */
  getTicket(id: string): Promise<TicketRecord | null>;

  /** SET NX with expiry: true only for the one caller that got the lock. */
  acquireLock(id: string, owner: string, ttlMs: number): Promise<boolean>;

  /** Compare-and-delete: removes the lock only while `owner` still holds it. */
  releaseLock(id: string, owner: string): Promise<boolean>;

  /**
   * Atomically: pending → processed, writes the result fields, moves the id from the
   * pending index to the processed queue with score = urgency_score, refreshes the TTL.
   * Idempotent: a ticket that is already processed (even if since popped) is left alone,
   * so a redelivered message can never put a popped ticket back in the queue.
   */
  saveResult(id: string, result: TicketResult): Promise<SaveOutcome>;

  /**
   * Atomically marks a pending ticket failed with `reason` and drops it from the pending
   * index. Returns false (no change) when the ticket is missing or no longer pending.
   */
  markFailed(id: string, reason: string): Promise<boolean>;

  /**
   * Atomically removes the highest-scored ticket from the processed queue and returns
   * its record (ties: greatest ticket_id first, as Redis ZPOPMAX). Under concurrent
   * calls each ticket goes to exactly one caller. The record itself stays readable
   * until its TTL. Null when the queue is empty.
   */
  popNext(): Promise<TicketRecord | null>;

  /** NX marker (lives as long as a record): true for exactly one caller per ticket. */
  claimWebhook(id: string): Promise<boolean>;

  /** Counts that cannot drift: expired entries are pruned before counting. */
  counts(): Promise<StoreCounts>;

  /** Adds 1 to a named counter (atomic; counters never expire). */
  incrementCounter(name: string): Promise<void>;

  /** Every counter, e.g. webhook outcomes for /health. */
  counters(): Promise<Record<string, number>>;

  /** Resolves when the store answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;
}

/** Records, their index entries and webhook markers live this long by default. */
export const DEFAULT_TTL_MS = 3_600_000;

/** Leaves room under the routes' 2 s budget for a 503 response. */
export const DEFAULT_TIMEOUT_MS = 1_500;
