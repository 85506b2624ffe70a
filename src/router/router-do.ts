import { DurableObject } from "cloudflare:workers";
import { CATEGORIES, type Category } from "../ml/categories.ts";
import {
  assertDrainLimit,
  assertLeaseSeconds,
  LEASE_SECONDS_DEFAULT,
  LIST_LIMIT_MAX,
  type Claim,
  type LeaseOutcome,
  type ListEntry,
  type V1QueueStatus,
  type Lane,
  type TicketLookup,
  type V1Ticket,
} from "../schemas/ticket.ts";
import { ActivityLog, type ActivityPart } from "./activity-log.ts";
import { DoneLog } from "./done-log.ts";
import { IdempotencyStore, PushedIds, type KeyOutcome, type KeyRecord } from "./idempotency-store.ts";
import { ForwardLog, MovesIn, type BeginMove, type BeginMoveOutcome, type PendingMove, type Redirect } from "./move.ts";
import { PriorityQueue, type QueueRow } from "./priority-queue.ts";
import type { QueueKey } from "./shard-key.ts";
import type { Env } from "../env.ts";

export { ROUTER_NAME } from "./shard-key.ts";

/** One object's counts for /health. */
export interface RouterStats {
  pending: number;
  processed: number;
}

/** A take's outcome: the ticket (and lease), or why not: nothing waits, or the head is past the bound. */
export type TakeOutcome =
  | { kind: "taken"; key: QueueKey; ticket: V1Ticket; lease: Claim["lease"] | null }
  | { kind: "empty" }
  | { kind: "behind" };

export interface TakeRequest {
  action: "next" | "claim";
  category: Category | null;
  /** Take the head only if it is at or before this place (the best head of the other shards); null: take it anyway. */
  bound: QueueKey | null;
  leaseSeconds?: number;
  agent?: string | null;
  /** Which lane; default auto. */
  lane?: Lane;
}

/** What a correction needs to know before it is recorded (read only). */
export type CorrectionTarget =
  | { kind: "unknown" }
  | { kind: "stale" }
  | { kind: "queued" | "claimed"; ticket: V1Ticket }
  | { kind: "done"; category: Category; text: { subject: string; body: string } | null };

/** How long a move may stay half-done before the old shard's alarm finishes it itself. */
export const MOVE_GRACE_MS = 30_000;

/**
 * One /v1 shard: the queue, leases, done log and activity of one (tenant, category)
 * (src/router/shard-key.ts names them; src/router/tenant-queue.ts is the only caller). A shard is
 * the single writer of its tickets: every method runs its SQL with no await in between, and a
 * Durable Object runs one call at a time, so each call is atomic. The same class serves a
 * tenant's pre-shard Router (all categories, read and emptied, never filled) and its
 * idempotency-key objects; each instance only uses the tables its role needs.
 */
export class Router extends DurableObject<Env> {
  readonly #queue: PriorityQueue;
  readonly #done: DoneLog;
  readonly #activity: ActivityLog;
  readonly #keys: IdempotencyStore;
  readonly #pushed: PushedIds;
  readonly #forward: ForwardLog;
  readonly #movesIn: MovesIn;
  /**
   * Epoch milliseconds for leases, activity and key expiry. A field, not an RPC method, so only
   * code in this isolate (tests, through runInDurableObject) can swap it: expiry is tested by
   * moving this clock, never by sleeping.
   */
  clock: () => number = () => Date.now();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    this.#queue = new PriorityQueue(sql);
    this.#done = new DoneLog(sql);
    this.#activity = new ActivityLog(sql);
    this.#keys = new IdempotencyStore(sql);
    this.#pushed = new PushedIds(sql);
    this.#forward = new ForwardLog(sql);
    this.#movesIn = new MovesIn(sql);
  }

  /**
   * Returns every run-out lease to its place. Called first in every queue method (nothing can
   * observe a lease past its expiry), and by the alarm, so expiry also happens with no traffic.
   */
  #expire(): number {
    return this.#queue.expire(this.clock());
  }

  /**
   * Sets the alarm for the next expiry, translated from `clock` time into real time, or sooner
   * when a move is half-done (MOVE_GRACE_MS), so a move whose caller died is finished anyway.
   */
  async #scheduleExpiry(): Promise<void> {
    const next = this.#queue.nextExpiry();
    const times: number[] = [];
    if (next !== null) times.push(Date.now() + Math.max(0, next - this.clock()));
    if (this.#queue.moving().length > 0) times.push(Date.now() + MOVE_GRACE_MS);
    if (times.length === 0) return;
    await this.ctx.storage.setAlarm(Math.min(...times));
  }

  override async alarm(): Promise<void> {
    this.#expire();
    await this.finishPendingMoves();
    await this.#scheduleExpiry();
  }

  /**
   * Completes every half-done move of this shard: the new shard takes the ticket in (once, by
   * move id), then this row goes and leaves its forwarding row. A failure leaves the row moving
   * for the next alarm. Returns how many were finished.
   */
  async finishPendingMoves(): Promise<number> {
    let done = 0;
    for (const row of this.#queue.moving()) {
      try {
        await this.env.ROUTER.getByName(row.move!.to).acceptMove(pendingOf(row));
        this.finishMove(row.move!.move_id);
        done++;
      } catch (error) {
        console.warn(`move ${row.move!.move_id} of ticket ${row.ticket.ticket_id} not finished yet: ${(error as Error).message}`);
      }
    }
    return done;
  }

  /** Where a ticket went, if it left this shard by a correction (or is leaving now). */
  #redirect(ticketId: string, row: QueueRow | null): Redirect | null {
    if (row?.move) return { redirect: { shard: row.move.to, move: pendingOf(row) } };
    if (row) return null;
    const shard = this.#forward.get(ticketId);
    return shard ? { redirect: { shard, move: null } } : null;
  }

  #finished(tickets: V1Ticket[], via: "next" | "ack" | "drain"): void {
    const now = this.clock();
    this.#done.record(tickets, via, now);
    this.#activity.record("completions", tickets.length, now);
  }

  /**
   * Queues a ticket classified by the Worker. `once`: the ticket came through an idempotency key
   * and may be pushed again by a replay; it is queued only the first time its id comes here.
   */
  push(ticket: V1Ticket, arrival: number, once: { keepMs: number } | null = null): { pushed: boolean } {
    const now = this.clock();
    if (once && !this.#pushed.claimOnce(ticket.ticket_id, now, once.keepMs)) return { pushed: false };
    this.#queue.push(ticket, arrival);
    this.#activity.record("arrivals", 1, now);
    return { pushed: true };
  }

  /** The first waiting ticket's place (and the ticket, for peek); `hasRows`: any row left, claimed ones too. */
  head(category: Category | null = null, withTicket = false, lane: Lane = "auto"): { key: QueueKey | null; ticket: V1Ticket | null; hasRows: boolean } {
    assertCategory(category);
    this.#expire();
    const key = this.#queue.headKey(category, lane);
    return { key, ticket: key && withTicket ? this.#queue.peek(category, lane) : null, hasRows: this.#queue.hasRows() };
  }

  /**
   * next (pop, done at once) or claim (lease) of the first waiting ticket, if it is still at or
   * before `bound`. Refuses bad input before any change (TypeError: the routes validate first).
   */
  async take(req: TakeRequest): Promise<TakeOutcome> {
    assertCategory(req.category);
    const leaseSeconds = req.leaseSeconds ?? LEASE_SECONDS_DEFAULT;
    if (req.action === "claim") assertLeaseSeconds(leaseSeconds);
    this.#expire();
    const row = this.#queue.firstWithin(req.category, req.bound, req.lane ?? "auto");
    if (typeof row === "string") return { kind: row };
    const key = { urgency_level: row.urgency_level, arrival: row.arrival, ticket_id: row.ticket.ticket_id };
    if (req.action === "next") {
      this.#queue.popRow(row.seq);
      this.#finished([row.ticket], "next");
      return { kind: "taken", key, ticket: row.ticket, lease: null };
    }
    const lease = { id: crypto.randomUUID(), expires_ms: this.clock() + leaseSeconds * 1000, agent: req.agent ?? null };
    this.#queue.leaseRow(row.seq, lease);
    // The lease is already stored; the alarm only makes expiry happen without traffic.
    await this.#scheduleExpiry();
    return { kind: "taken", key, ticket: row.ticket, lease: { id: lease.id, expires_at: new Date(lease.expires_ms).toISOString(), agent: lease.agent } };
  }

  /** Finishes a claimed ticket. A lease that expired, was released or is not this ticket's changes nothing. */
  ack(ticketId: string, leaseId: string): LeaseOutcome | Redirect {
    this.#expire();
    const row = this.#queue.byTicketId(ticketId);
    const away = this.#redirect(ticketId, row);
    if (away) return away;
    if (!row) return { ok: false, reason: this.#done.get(ticketId) ? "stale" : "unknown" };
    if (!this.#queue.removeLeased(ticketId, leaseId)) return { ok: false, reason: "stale" };
    this.#queue.countProcessed();
    this.#finished([row.ticket], "ack");
    return { ok: true, ticket: row.ticket };
  }

  /** Gives a claimed ticket back: it waits again at its old place (same seq). */
  release(ticketId: string, leaseId: string): LeaseOutcome | Redirect {
    this.#expire();
    const row = this.#queue.byTicketId(ticketId);
    const away = this.#redirect(ticketId, row);
    if (away) return away;
    if (!row) return { ok: false, reason: this.#done.get(ticketId) ? "stale" : "unknown" };
    if (!this.#queue.unlease(ticketId, leaseId)) return { ok: false, reason: "stale" };
    return { ok: true, ticket: row.ticket };
  }

  lookup(ticketId: string): TicketLookup | Redirect | null {
    this.#expire();
    const row = this.#queue.byTicketId(ticketId);
    const away = this.#redirect(ticketId, row);
    if (away) return away;
    if (row) return toEntry(row);
    const done = this.#done.get(ticketId);
    return done ? { state: "done", ticket: done } : null;
  }

  /**
   * Up to `limit + 1` entries in the tenant's order after `after` (exclusive), each with its
   * place, so the caller can merge shards and knows whether more exist. `limit` is bounded for
   * the RPC reply's size.
   */
  list(opts: { category?: Category | null; state?: "queued" | "claimed" | null; limit: number; after?: QueueKey | null; lane?: Lane | null }): {
    key: QueueKey;
    entry: ListEntry;
  }[] {
    const category = opts.category ?? null;
    assertCategory(category);
    if (!Number.isInteger(opts.limit) || opts.limit < 1 || opts.limit > LIST_LIMIT_MAX) {
      throw new TypeError(`list limit must be an integer from 1 to ${LIST_LIMIT_MAX}, got ${opts.limit}`);
    }
    this.#expire();
    return this.#queue
      .list({ category, state: opts.state ?? null, after: opts.after ?? null, limit: opts.limit, lane: opts.lane ?? null })
      .map((row) => ({ key: { urgency_level: row.urgency_level, arrival: row.arrival, ticket_id: row.ticket.ticket_id }, entry: toEntry(row) }));
  }

  status(): V1QueueStatus {
    this.#expire();
    const pending = this.#queue.pending();
    const processed = this.#queue.processed();
    const claimed = this.#queue.claimed();
    const by_category = emptyByCategory();
    const review = { pending: 0, by_category: emptyByCategory() };
    for (const { lane, category, urgency_level, n } of this.#queue.pendingByCategory()) {
      if (lane === "review") review.pending += n;
      const depth = (lane === "review" ? review.by_category : by_category)[category as Category];
      if (!depth) continue;
      depth.pending += n;
      depth.by_urgency[String(urgency_level) as "1" | "5"] = n;
    }
    return { pending, processed, message: statusMessage(pending, claimed, processed), claimed, by_category, review };
  }

  /** A correction's first, read-only step: the ticket's state and text, or why it cannot be corrected. */
  correctionTarget(ticketId: string, leaseId: string | null): CorrectionTarget | Redirect {
    this.#expire();
    const row = this.#queue.byTicketId(ticketId);
    const away = this.#redirect(ticketId, row);
    if (away) return away;
    if (row) {
      if (row.lease && row.lease.id !== leaseId) return { kind: "stale" };
      return { kind: row.lease ? "claimed" : "queued", ticket: row.ticket };
    }
    const done = this.#done.get(ticketId);
    return done ? { kind: "done", category: done.category, text: this.#done.text(ticketId) } : { kind: "unknown" };
  }

  /**
   * Applies a correction to a waiting or claimed row, atomically: a claimed one needs its live
   * lease. Same category: relabelled in place (a confirmed review joins the auto lane
   * at its place). Another shard: the row is marked moving (out of every take) and the move is
   * returned for the caller to complete (src/router/move.ts); the alarm completes it otherwise.
   */
  async beginMove(req: BeginMove): Promise<BeginMoveOutcome | Redirect> {
    this.#expire();
    const row = this.#queue.byTicketId(req.ticket_id);
    const away = this.#redirect(req.ticket_id, row);
    if (away) return away;
    if (!row) return { kind: this.#done.get(req.ticket_id) ? "done" : "unknown" };
    if (row.lease && row.lease.id !== req.lease_id) return { kind: "stale" };
    const ticket: V1Ticket = { ...row.ticket, category: req.category, routing: "auto", reason: req.reason };
    if (row.ticket.category === req.category) {
      const changed = row.lane !== "auto" || row.ticket.category !== req.category;
      this.#queue.rewrite(req.ticket_id, ticket);
      return { kind: "in-place", changed };
    }
    const move = { move_id: crypto.randomUUID(), to: req.to, ticket };
    this.#queue.markMoving(req.ticket_id, move);
    await this.#scheduleExpiry();
    return { kind: "moving", move: { ...move, arrival: row.arrival, lease: row.lease } };
  }

  /** The new shard's half of a move: inserts the ticket at its old place, once per move id. */
  async acceptMove(move: PendingMove): Promise<{ accepted: boolean }> {
    if (!this.#movesIn.claimOnce(move.move_id, this.clock())) return { accepted: false };
    // The ticket may have lived here before (corrected away and back): it is here again now.
    this.#forward.remove(move.ticket.ticket_id);
    const accepted = this.#queue.insertMoved(move.ticket, move.arrival, move.lease);
    if (move.lease) await this.#scheduleExpiry();
    return { accepted };
  }

  /** The old shard's last half of a move: the row goes, a forwarding row stays. Idempotent. */
  finishMove(moveId: string): boolean {
    const gone = this.#queue.removeMoved(moveId);
    if (gone) this.#forward.set(gone.ticket_id, gone.to, this.clock());
    return gone !== null;
  }

  /** A drain's first step: the places of the first `limit` waiting tickets, and how many wait. */
  drainPlan(limit: number): { keys: QueueKey[]; pending: number } {
    assertDrainLimit(limit);
    this.#expire();
    return { keys: this.#queue.headKeys(limit), pending: this.#queue.pending() };
  }

  /**
   * Removes and returns the first `limit` waiting tickets; no await inside, so the page and
   * `remaining` describe one instant of this shard. Claimed tickets are not drained: they belong
   * to their agent until ack, release or expiry.
   */
  drain(limit: number): { entries: { key: QueueKey; ticket: V1Ticket }[]; remaining: number } {
    assertDrainLimit(limit);
    this.#expire();
    const entries = this.#queue.drainKeyed(limit);
    this.#finished(
      entries.map((e) => e.ticket),
      "drain",
    );
    return { entries, remaining: this.#queue.pending() };
  }

  activity(): ActivityPart {
    return this.#activity.part(this.clock());
  }

  /** For /health: counts run-out leases as waiting, like status. */
  stats(): RouterStats {
    this.#expire();
    return { pending: this.#queue.pending(), processed: this.#queue.processed() };
  }

  /** Idempotency (key shards only): see IdempotencyStore.remember. */
  rememberKey(keyHash: string, candidate: KeyRecord, ttlMs: number): KeyOutcome {
    return this.#keys.remember(keyHash, candidate, this.clock(), ttlMs);
  }
}

export function emptyByCategory(): V1QueueStatus["by_category"] {
  return Object.fromEntries(CATEGORIES.map((c) => [c, { pending: 0, by_urgency: { "1": 0, "5": 0 } }])) as V1QueueStatus["by_category"];
}

export function statusMessage(pending: number, claimed: number, processed: number): string {
  return `${pending} ticket(s) waiting, ${claimed} claimed, ${processed} processed so far.`;
}

function pendingOf(row: QueueRow): PendingMove {
  return { move_id: row.move!.move_id, to: row.move!.to, ticket: row.move!.ticket, arrival: row.arrival, lease: row.lease };
}

function toEntry(row: QueueRow): ListEntry {
  if (!row.lease) return { state: "queued", ticket: row.ticket };
  return { state: "claimed", ticket: row.ticket, lease: { expires_at: new Date(row.lease.expires_ms).toISOString(), agent: row.lease.agent } };
}

/** The routes validate categories; an unknown one over RPC is a caller bug, refused before any change. */
function assertCategory(category: Category | null): void {
  if (category !== null && !(CATEGORIES as readonly string[]).includes(category)) {
    throw new TypeError(`category must be one of ${CATEGORIES.join(", ")}, got ${String(category)}`);
  }
}
