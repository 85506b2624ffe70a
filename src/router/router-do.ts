import { DurableObject } from "cloudflare:workers";
import { isolateM1 } from "../m1/isolate.ts";
import { ticketUrgency } from "../ml/urgency.ts";
import { CATEGORIES, type Category } from "../ml/categories.ts";
import {
  assertDrainLimit,
  assertLeaseSeconds,
  DRAIN_LIMIT_DEFAULT,
  LEASE_SECONDS_DEFAULT,
  LIST_LIMIT_MAX,
  type Claim,
  type Drain,
  type LeaseOutcome,
  type ListEntry,
  type V1QueueStatus,
  type TicketInput,
  type TicketList,
  type TicketLookup,
  type V1Ticket,
} from "../schemas/ticket.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { DoneLog } from "./done-log.ts";
import { PriorityQueue, type QueueRow } from "./priority-queue.ts";
import type { Env } from "../env.ts";

export interface RouterStats {
  pending: number;
  processed: number;
  modelLoaded: boolean;
  modelLoadMs: number | null;
  modelError: string | null;
}

/**
 * The /v1 router: one Durable Object holds the M1 model and the priority queue.
 * All /v1 traffic goes to one instance (ROUTER_NAME), so ordering is global and each
 * pop is atomic: a DO runs one request at a time and the queue calls never await.
 */
export class Router extends DurableObject<Env> {
  readonly #queue: PriorityQueue;
  readonly #done: DoneLog;
  /**
   * Epoch milliseconds for leases. A field, not an RPC method, so only code in this isolate
   * (tests, through runInDurableObject) can swap it: expiry is tested by moving this clock,
   * never by sleeping.
   */
  clock: () => number = () => Date.now();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#queue = new PriorityQueue(ctx.storage.sql);
    this.#done = new DoneLog(ctx.storage.sql);
  }

  /**
   * Returns every run-out lease to its place. Called first in every method (the object runs
   * one call at a time, so nothing can observe a lease past its expiry), and by the alarm, so
   * expiry also happens with no traffic at all.
   */
  #expire(): number {
    return this.#queue.expire(this.clock());
  }

  /** Sets the alarm for the next expiry, translated from `clock` time into real time. */
  async #scheduleExpiry(): Promise<void> {
    const next = this.#queue.nextExpiry();
    if (next === null) return;
    await this.ctx.storage.setAlarm(Date.now() + Math.max(0, next - this.clock()));
  }

  override async alarm(): Promise<void> {
    this.#expire();
    await this.#scheduleExpiry();
  }

  enqueue(input: TicketInput): V1Ticket {
    const { category, confidence } = isolateM1().model.predict(input.subject, input.body);
    const ticket: V1Ticket = {
      ticket_id: crypto.randomUUID(),
      subject: input.subject,
      body: input.body,
      category,
      confidence,
      urgency_level: ticketUrgency(input.subject, input.body).urgency_level,
      queued_at: new Date().toISOString(),
    };
    this.#queue.push(ticket);
    return ticket;
  }

  /** Claim and ack in one step: the ticket is done as it is returned. */
  next(category: Category | null = null): V1Ticket | null {
    assertCategory(category);
    this.#expire();
    const ticket = this.#queue.pop(category);
    if (ticket) this.#done.record([ticket], "next", this.clock());
    return ticket;
  }

  peek(category: Category | null = null): V1Ticket | null {
    assertCategory(category);
    this.#expire();
    return this.#queue.peek(category);
  }

  /**
   * Leases the first waiting ticket (of `category`) to `agent` for `leaseSeconds`. The ticket
   * leaves the waiting order but stays stored until acked; without an ack it comes back.
   * `agent` is a plain parameter so the caller (today the claim body, later a token) decides it.
   */
  async claim(category: Category | null = null, leaseSeconds: number = LEASE_SECONDS_DEFAULT, agent: string | null = null): Promise<Claim | null> {
    assertCategory(category);
    assertLeaseSeconds(leaseSeconds);
    this.#expire();
    const expiresMs = this.clock() + leaseSeconds * 1000;
    const row = this.#queue.claim(category, { id: crypto.randomUUID(), expires_ms: expiresMs, agent });
    if (!row?.lease) return null;
    // The lease is already stored; the alarm only makes expiry happen without traffic.
    await this.#scheduleExpiry();
    return { ticket: row.ticket, lease: { id: row.lease.id, expires_at: new Date(row.lease.expires_ms).toISOString(), agent: row.lease.agent } };
  }

  /** Finishes a claimed ticket. A lease that expired, was released or is not this ticket's changes nothing. */
  ack(ticketId: string, leaseId: string): LeaseOutcome {
    this.#expire();
    const row = this.#queue.byTicketId(ticketId);
    if (!row) return { ok: false, reason: this.#done.get(ticketId) ? "stale" : "unknown" };
    if (!this.#queue.removeLeased(ticketId, leaseId)) return { ok: false, reason: "stale" };
    this.#queue.countProcessed();
    this.#done.record([row.ticket], "ack", this.clock());
    return { ok: true, ticket: row.ticket };
  }

  /** Gives a claimed ticket back: it waits again at its old place (same seq). */
  release(ticketId: string, leaseId: string): LeaseOutcome {
    this.#expire();
    const row = this.#queue.byTicketId(ticketId);
    if (!row) return { ok: false, reason: this.#done.get(ticketId) ? "stale" : "unknown" };
    if (!this.#queue.unlease(ticketId, leaseId)) return { ok: false, reason: "stale" };
    return { ok: true, ticket: row.ticket };
  }

  lookup(ticketId: string): TicketLookup | null {
    this.#expire();
    const row = this.#queue.byTicketId(ticketId);
    if (row) return toEntry(row);
    const done = this.#done.get(ticketId);
    return done ? { state: "done", ticket: done } : null;
  }

  /**
   * One page of the queue in order. The cursor is checked by the route too; a bad one here is
   * a caller bug (TypeError). `limit` is bounded like drain's, for the same RPC-size reason.
   */
  list(opts: { category?: Category | null; state?: "queued" | "claimed" | null; limit: number; cursor?: string | null }): TicketList {
    const category = opts.category ?? null;
    assertCategory(category);
    if (!Number.isInteger(opts.limit) || opts.limit < 1 || opts.limit > LIST_LIMIT_MAX) {
      throw new TypeError(`list limit must be an integer from 1 to ${LIST_LIMIT_MAX}, got ${opts.limit}`);
    }
    const after = opts.cursor ? decodeCursor(opts.cursor) : null;
    if (opts.cursor && !after) throw new TypeError("invalid cursor");
    this.#expire();
    const rows = this.#queue.list({ category, state: opts.state ?? null, after, limit: opts.limit });
    const page = rows.slice(0, opts.limit);
    const last = page.at(-1);
    return {
      tickets: page.map(toEntry),
      next_cursor: rows.length > opts.limit && last ? encodeCursor({ urgency_level: last.urgency_level, seq: last.seq }) : null,
    };
  }

  status(): V1QueueStatus {
    this.#expire();
    const pending = this.#queue.pending();
    const processed = this.#queue.processed();
    const claimed = this.#queue.claimed();
    const by_category = Object.fromEntries(
      CATEGORIES.map((c) => [c, { pending: 0, by_urgency: { "1": 0, "5": 0 } }]),
    ) as V1QueueStatus["by_category"];
    for (const { category, urgency_level, n } of this.#queue.pendingByCategory()) {
      const depth = by_category[category as Category];
      if (!depth) continue;
      depth.pending += n;
      depth.by_urgency[String(urgency_level) as "1" | "5"] = n;
    }
    return {
      pending,
      processed,
      message: `${pending} ticket(s) waiting, ${claimed} claimed, ${processed} processed so far.`,
      claimed,
      by_category,
    };
  }

  /**
   * One page of a drain; no await inside, so the page and `remaining` describe one instant.
   * Drains waiting tickets only: a claimed one belongs to its agent until ack, release or expiry.
   */
  drain(limit: number = DRAIN_LIMIT_DEFAULT): Drain {
    assertDrainLimit(limit);
    this.#expire();
    const tickets = this.#queue.drain(limit);
    this.#done.record(tickets, "drain", this.clock());
    return { drained: tickets.length, remaining: this.#queue.pending(), tickets };
  }

  /** For /health: loading the model here proves it loads, and a failure is reported, not thrown. */
  stats(): RouterStats {
    let model: Pick<RouterStats, "modelLoaded" | "modelLoadMs" | "modelError">;
    try {
      model = { modelLoaded: true, modelLoadMs: isolateM1().loadMs, modelError: null };
    } catch (error) {
      model = { modelLoaded: false, modelLoadMs: null, modelError: error instanceof Error ? error.message : String(error) };
    }
    this.#expire(); // so /health's pending counts run-out leases as waiting, like status
    return { pending: this.#queue.pending(), processed: this.#queue.processed(), ...model };
  }
}

export const ROUTER_NAME = "global";

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
