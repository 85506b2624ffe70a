import { z } from "zod";
import type { Category } from "../ml/categories.ts";
import { CategorySchema } from "../schemas/ticket.ts";
import { ModelUsedSchema } from "../schemas/v2.ts";
import { RoutingReasonSchema, RoutingSchema, type Lane } from "../schemas/routing.ts";

/**
 * The /v2 ticket store contract. Two implementations keep identical semantics:
 * UpstashTicketStore (Redis over REST) and EmbeddedTicketStore (a SQLite Durable Object),
 * so the routes, the queue consumer and the sweeper never know which one they run on.
 *
 * Every method either resolves or rejects with StoreUnavailableError within the
 * store's timeout; no method leaves a half-applied write behind (atomicity per method
 * is documented below). A record read back that does not match TicketRecordSchema is
 * "cannot trust the backend": StoreUnavailableError too, never a half-typed record.
 *
 * Lifetime: a ticket that still waits in a queue (pending, or processed and not yet
 * popped) never expires, so nobody's ticket vanishes for being slow. Retention (the
 * store's `retentionMs`) starts when a record leaves the queues: popped, drained or
 * failed. All times come from the store's one injected clock (`now`).
 *
 * The processed queue: one global order (urgency_score descending, ties by the greatest
 * ticket_id, as Redis ZPOPMAX) that `popNext()`, `drain` and a claim without a category take
 * from, and the same order restricted to one category for `popNext(category)` and friends.
 * Taking a ticket out of one takes it out of both, in the same atomic step.
 *
 * Lanes: a processed ticket waits in one of two lanes, by its `routing`: "auto" (absent =
 * auto, as for records saved before routing existed) or "review" (its confidence fell below
 * its category's band). Each lane has its own global and per-category orders, and every
 * queue method takes the lane it works on (default auto); a ticket is in exactly one lane's
 * orders while it waits. A correction (correctCategory) relabels a waiting ticket and moves
 * it to the new category's auto order at the same score, in one atomic step.
 *
 * Leases: `claimNext` takes a processed ticket out of the waiting order under a lease (id,
 * expiry on the store's clock, agent). `ackLease` finishes it (its retention starts, as a
 * pop's would); `releaseLease` puts it back at its old place (its score is its urgency_score,
 * which never changes, so it sorts exactly where it was). A lease that has run out is put back
 * lazily: every method that reads the waiting order or the leases (pop, peek, drain, claim,
 * ack, release, list, counts, queueStatus) first returns every lease whose expiry is <= now,
 * inside the same atomic step, so no caller ever sees a lease past its expiry, and a read
 * through getTicket shows such a lease as gone (no lease) even before a write applied it.
 */

// Re-exported so callers import the whole store contract from one module.
export { StoreUnavailableError } from "../errors.ts";

export const TicketStatusSchema = z.enum(["pending", "processed", "failed"]);
export type TicketStatus = z.infer<typeof TicketStatusSchema>;

/** What POST /v2/tickets knows when it accepts a ticket. Times are ISO 8601 strings. */
export const NewTicketSchema = z.object({
  ticket_id: z.string().min(1),
  subject: z.string(),
  body: z.string(),
  accepted_at: z.string(),
});
export type NewTicket = z.infer<typeof NewTicketSchema>;

/** What the consumer produces for a ticket: the enums are the API's own (one source). */
export const TicketResultSchema = z.object({
  category: CategorySchema,
  urgency_score: z.number(),
  confidence: z.number(),
  /** Which model decided the category (and confidence). */
  model_used: ModelUsedSchema,
  /** Which model decided urgency_score; records saved before it existed lack it. */
  urgency_model: ModelUsedSchema,
  processed_at: z.string(),
  /** Why the category is what it is; records saved before routing existed lack it. */
  reason: RoutingReasonSchema.optional(),
  /** The lane it waits in; absent = auto (records saved before routing existed). */
  routing: RoutingSchema.optional(),
});
export type TicketResult = z.infer<typeof TicketResultSchema>;

/** A record as read back from either store; both parse through this schema. */
export const StoredLeaseSchema = z.object({
  id: z.string().min(1),
  /** Epoch ms on the store's clock; the lease is live while this is > now. */
  expires_ms: z.number(),
  agent: z.string().nullable(),
});
export type StoredLease = z.infer<typeof StoredLeaseSchema>;

export const TicketRecordSchema = NewTicketSchema.extend({
  ...TicketResultSchema.partial().shape,
  status: TicketStatusSchema,
  /** Set only when status is "failed". */
  error: z.string().optional(),
  /** Present only while a live lease holds the (processed) ticket out of the waiting order. */
  lease: StoredLeaseSchema.optional(),
});
export type TicketRecord = z.infer<typeof TicketRecordSchema>;

/** Parses a record read back from a store; throws (→ StoreUnavailableError) when malformed. */
export function parseRecord(raw: unknown): TicketRecord {
  const parsed = TicketRecordSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "record"}: ${i.message}`).join("; ");
  throw new Error(`malformed ticket record ${JSON.stringify(raw)}: ${problems}`);
}

/** The two waiting lanes of processed tickets: a ticket's lane is its routing. */
export { LANES, type Lane } from "../schemas/routing.ts";

/** The lane a record waits in (or returns to, when claimed). */
export function laneOf(record: Pick<TicketRecord, "routing">): Lane {
  return record.routing === "review" ? "review" : "auto";
}

/** Outcome of saveResult, so the consumer can ack duplicates and vanished tickets alike. */
export type SaveOutcome = "saved" | "already_processed" | "not_found";

export interface StoreCounts {
  /** Accepted, not yet processed or failed. */
  pending: number;
  /** Processed and still waiting in the queue for GET /v2/tickets/next. */
  processed: number;
}

/** One page of a drain: removed tickets in pop order, and what is still queued after it. */
export interface DrainPage {
  tickets: TicketRecord[];
  remaining: number;
}

/** What the sweeper asks for: see TicketStore.claimStalePending. */
export interface StaleSweep {
  /** A pending ticket is stale when nothing happened to its delivery for this long. */
  olderThanMs: number;
  /** At most this many tickets per call (oldest first). */
  limit: number;
  /** A stale ticket already re-sent this many times is failed instead of re-sent again. */
  maxResends: number;
  /** The `error` those failed tickets get. */
  failReason: string;
}

/** A stale pending ticket the caller must now put on the queue again. */
export interface StaleTicket {
  ticket_id: string;
  accepted_at: string;
  /** Re-sends so far, this one included. */
  resends: number;
}

export interface StaleClaim {
  resend: StaleTicket[];
  /** Ids marked failed because they had used up maxResends. */
  failed: string[];
}

/** Waiting processed tickets of one category, and how many of them fall in each urgency band. */
export interface CategoryDepth {
  processed: number;
  by_urgency: { high: number; medium: number; low: number };
}

/** counts() plus the lease and per-category figures of GET /v2/tickets/status. */
export interface QueueStatus extends StoreCounts {
  /** Processed tickets under a live lease, of either lane (not counted in `processed`). */
  claimed: number;
  /** The auto lane's waiting tickets; every category of CATEGORIES, zero when none waits. */
  by_category: Record<Category, CategoryDepth>;
  /** The review lane's waiting tickets, in total and per category. */
  review: { processed: number; by_category: Record<Category, CategoryDepth> };
}

/** Where a ticket is, as a correction sees it: what the correction will do depends on it. */
export type CorrectionState = "pending" | "processed" | "claimed" | "done" | "failed";

export interface TicketState {
  record: TicketRecord;
  /** processed = waiting in a lane; done = processed and out of the queues (popped, acked, drained). */
  state: CorrectionState;
}

export interface CategoryCorrection {
  category: Category;
  /** Must be the live lease when the ticket is claimed; ignored otherwise. */
  leaseId: string | null;
  /** The record's new reason (the agent's correction). */
  reason: z.infer<typeof RoutingReasonSchema>;
}

/**
 * correctCategory: what it did. processed (waiting, either lane): relabelled, moved to the new
 * category's auto order at its score, routing auto; claimed (leaseId live): relabelled,
 * routing auto, lease kept (release or expiry returns it to the new category's auto order);
 * done, failed: nothing changed (the correction is for training only). Refused: unknown (no
 * live record), pending (not scored yet), stale (claimed under another lease).
 */
export type CorrectionOutcome =
  | { ok: true; state: Exclude<CorrectionState, "pending">; previous: Category | null; relabelled: boolean; record: TicketRecord }
  | { ok: false; reason: "unknown" | "pending" | "stale" };

/**
 * Urgency bands of queueStatus: high = urgency_score >= HIGH (the webhook's default alert
 * threshold), medium = [MEDIUM, HIGH), low = below MEDIUM.
 */
export const URGENCY_BAND_HIGH = 0.8;
export const URGENCY_BAND_MEDIUM = 0.5;

/** What claimNext asks for. */
export interface ClaimRequest {
  /** Only a ticket of this category; null = the global order. */
  category: Category | null;
  /** The lane to claim from; default auto. */
  lane?: Lane;
  /** The lease's id (the caller makes a random UUID: proof of the claim). */
  leaseId: string;
  /** How long the lease lives, from now on the store's clock. */
  leaseMs: number;
  agent: string | null;
}

/** A claimed ticket: its record (with `lease` set) and the lease it is held under. */
export interface ClaimedTicket {
  record: TicketRecord;
  lease: StoredLease;
}

/**
 * ack/release: ok with the record (its lease gone), or why not: "unknown" = no live record
 * (never existed, undone, or past its retention); "stale" = the record exists but `leaseId`
 * is not its live lease (expired, released, acked, another claim's, or never claimed).
 */
export type LeaseResult = { ok: true; record: TicketRecord } | { ok: false; reason: "unknown" | "stale" };

/** Where a listing page ends: the last entry's sort key (urgency_score, ticket_id). */
export interface ListPosition {
  score: number;
  id: string;
}

export interface ListRequest {
  category: Category | null;
  /** The lane listed (claimed tickets by the lane they return to); default auto. */
  lane?: Lane;
  /** "processed" = waiting only, "claimed" = under a lease only, null = both. */
  state: "processed" | "claimed" | null;
  /** 1..LIST_LIMIT_MAX */
  limit: number;
  /** Entries strictly after this position in queue order; null = from the head. */
  after: ListPosition | null;
}

export interface ListPage {
  /** In queue order (urgency_score descending, ticket_id descending), claimed ones at their place. */
  tickets: TicketRecord[];
  /** Position of the page's last entry when more follow; null on the last page. */
  next: ListPosition | null;
}

/** What an Idempotency-Key is remembered as (in the tenant's store, for IDEMPOTENCY_TTL_MS). */
export interface IdempotencyEntry {
  fingerprint: string;
  ticket_id: string;
  accepted_at: string;
}

export interface IdempotentCreate {
  key: string;
  fingerprint: string;
  /** How long the key is remembered from now on the store's clock. */
  ttlMs: number;
}

/**
 * createPendingOnce: created (the key now names this ticket), or the key was already taken
 * (within its lifetime) by `entry`, whose ticket has `status` now (null when that record is
 * gone, e.g. past its retention).
 */
export type CreateOnceOutcome =
  | { created: true }
  | { created: false; entry: IdempotencyEntry; status: TicketStatus | null };

export type StoreKind = "upstash" | "embedded";

export interface TicketStore {
  readonly kind: StoreKind;

  /**
   * Writes a pending record (no expiry) and indexes it as pending with its delivery
   * clock started now, atomically. Returns false, writing nothing, when a live record
   * with that id already exists.
   */
  createPending(ticket: NewTicket): Promise<boolean>;

  /**
   * createPending under an Idempotency-Key, atomically with remembering the key (SET NX
   * semantics, expiring `ttlMs` from now): when the key is free (or past its lifetime) the
   * pending record is written and the key remembered as {fingerprint, ticket_id,
   * accepted_at}; when it is taken nothing is written and the remembered entry is returned.
   * One step, so no key ever names a ticket that was not written, and of concurrent first
   * uses of one key exactly one creates a ticket. Throws when the ticket id is taken (a
   * UUID collision), writing nothing.
   */
  createPendingOnce(ticket: NewTicket, idempotency: IdempotentCreate): Promise<CreateOnceOutcome>;

  /**
   * Removes the record and every index entry for it (pending, processed, its category's
   * order, leases), atomically: the undo when the enqueue fails. Returns whether a record
   * existed. Lock and webhook markers expire alone.
   */
  deleteTicket(id: string): Promise<boolean>;

  /** The live record, or null when absent or past its retention. */
  getTicket(id: string): Promise<TicketRecord | null>;

  /**
   * getTicket for the consumer: when the ticket is pending it also restarts its delivery
   * clock (atomically with the read), because a delivery is being attempted now; that
   * clock is what claimStalePending measures staleness by, so a message that waits in
   * the queue's retries is never mistaken for a lost one while attempts keep coming.
   */
  startDelivery(id: string): Promise<TicketRecord | null>;

  /** SET NX with expiry: true only for the one caller that got the lock. */
  acquireLock(id: string, owner: string, ttlMs: number): Promise<boolean>;

  /** Compare-and-delete: removes the lock only while `owner` still holds it. */
  releaseLock(id: string, owner: string): Promise<boolean>;

  /**
   * Atomically: pending (or failed) → processed, writes the result fields, moves the id
   * from the pending index to the processed queue with score = urgency_score, clears
   * any expiry (it waits in a queue now). Idempotent: a ticket that is already
   * processed (even if since popped) is left alone, so a redelivered message can never
   * put a popped ticket back in the queue.
   */
  saveResult(id: string, result: TicketResult): Promise<SaveOutcome>;

  /**
   * Atomically marks a pending ticket failed with `reason`, drops it from the pending
   * index and starts its retention. Returns false (no change) when the ticket is
   * missing or no longer pending.
   */
  markFailed(id: string, reason: string): Promise<boolean>;

  /**
   * Atomically removes the highest-scored waiting ticket (of `category`, when given) from
   * the processed queue, starts its retention and returns its record (ties: greatest
   * ticket_id first, as Redis ZPOPMAX). Under concurrent calls each ticket goes to exactly
   * one caller. Null when nothing (of that category) waits. Claimed tickets do not wait.
   */
  popNext(category?: Category | null, lane?: Lane): Promise<TicketRecord | null>;

  /** The record popNext(category, lane) would return now, left in the queue. */
  peekNext(category?: Category | null, lane?: Lane): Promise<TicketRecord | null>;

  /**
   * popNext up to `limit` times as one atomic step (every category) of `lane`, or of both
   * lanes merged in one order when `lane` is null (default): every removed ticket is returned
   * exactly once, in pop order, and `remaining` is the number of waiting processed tickets
   * (of that lane, or both) after the page. Claimed tickets are not drained.
   */
  drain(limit: number, lane?: Lane | null): Promise<DrainPage>;

  /**
   * Atomically takes the ticket popNext(category) would return out of the waiting order
   * and puts it under the lease `request` describes (expiring leaseMs from now). Under
   * concurrent calls each ticket goes to exactly one claimer. Null when nothing waits.
   */
  claimNext(request: ClaimRequest): Promise<ClaimedTicket | null>;

  /**
   * Finishes a claimed ticket when `leaseId` is its live lease: the lease ends and the
   * record's retention starts (as a pop's). Otherwise nothing changes.
   */
  ackLease(id: string, leaseId: string): Promise<LeaseResult>;

  /**
   * Gives a claimed ticket back when `leaseId` is its live lease: it waits again at its old
   * place (same score, so the same position among the others). Otherwise nothing changes.
   */
  releaseLease(id: string, leaseId: string): Promise<LeaseResult>;

  /**
   * One page of the processed queue in queue order: waiting and/or claimed tickets (of
   * `category`), after `after`. Pages by position, so tickets popped or claimed between
   * pages do not shift the next one.
   */
  list(request: ListRequest): Promise<ListPage>;

  /** counts() plus live leases and waiting tickets per lane, category and urgency band. */
  queueStatus(): Promise<QueueStatus>;

  /** The live record and where it is (waiting, claimed, done, …), or null; read-only. */
  ticketState(id: string): Promise<TicketState | null>;

  /** Applies an agent's category correction atomically (see CorrectionOutcome). */
  correctCategory(id: string, correction: CategoryCorrection): Promise<CorrectionOutcome>;

  /**
   * The sweeper's step, atomic so overlapping sweeps never claim the same ticket twice:
   * takes up to `limit` pending tickets whose delivery clock is at least `olderThanMs`
   * old (oldest first). Each one re-sent fewer than `maxResends` times gets its clock
   * restarted and its re-send count raised, and is returned in `resend`; each other one
   * is marked failed with `failReason` (retention starts) and returned in `failed`.
   */
  claimStalePending(sweep: StaleSweep): Promise<StaleClaim>;

  /** How many pending tickets claimStalePending would see as stale now (no limit). */
  countStalePending(olderThanMs: number): Promise<number>;

  /** NX marker (lives for the retention period): true for exactly one caller per ticket. */
  claimWebhook(id: string): Promise<boolean>;

  /** Exact counts of the two queues (`processed`: waiting in the auto lane, claimed ones not counted). */
  counts(): Promise<StoreCounts>;

  /** Adds `by` (default 1) to a named counter (atomic; counters never expire). */
  incrementCounter(name: string, by?: number): Promise<void>;

  /** Every counter, e.g. webhook outcomes for /health. */
  counters(): Promise<Record<string, number>>;

  /**
   * Sets a named note (a short string, never expires, last write wins): what one Worker
   * reports for another to read, e.g. the consumer's M2 state for the API's /health.
   */
  putNote(name: string, value: string): Promise<void>;

  /** The note's value, or null when none was written. */
  note(name: string): Promise<string | null>;

  /** Resolves when the store answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;
}

/**
 * How long a record stays readable after it leaves the queues (popped, drained,
 * failed), unless V2_RETENTION_SECONDS says otherwise: a day, so a client that popped
 * a ticket can still look it up during the working day that follows.
 */
export const DEFAULT_RETENTION_MS = 86_400_000;

/** Leaves room under the routes' 2 s budget for a 503 response. */
export const DEFAULT_TIMEOUT_MS = 1_500;
