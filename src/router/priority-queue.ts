import type { Category } from "../ml/categories.ts";
import type { Lane, V1Ticket } from "../schemas/ticket.ts";
import { migrateQueueTable } from "./queue-schema.ts";
import { compareKeys as compareKey, type QueueKey } from "./shard-key.ts";

/** A row of v1_queue as the lease and listing code reads it. */
export interface QueueRow {
  seq: number;
  urgency_level: number;
  arrival: number;
  ticket: V1Ticket;
  lease: { id: string; expires_ms: number; agent: string | null } | null;
  lane: Lane;
  /** Set while a correction moves the row to another shard (src/router/move.ts). */
  move: PendingMoveFields | null;
}

/** What a row being moved carries: the move's id, the shard it goes to, the relabelled ticket. */
export interface PendingMoveFields {
  move_id: string;
  to: string;
  ticket: V1Ticket;
}

type RawRow = {
  seq: number;
  urgency_level: number;
  arrival: number;
  ticket_id: string;
  ticket: string;
  lease_id: string | null;
  lease_expires: number | null;
  lease_agent: string | null;
  lane: string;
  move_id: string | null;
  move_to: string | null;
  move_ticket: string | null;
};

const COLUMNS = "seq, urgency_level, arrival, ticket_id, ticket, lease_id, lease_expires, lease_agent, lane, move_id, move_to, move_ticket";
/** A row in the waiting order: not leased, not being moved. */
const WAITING = "lease_id IS NULL AND move_id IS NULL";
const ORDER = "ORDER BY urgency_level, arrival, ticket_id";

export function laneOf(ticket: Pick<V1Ticket, "routing">): Lane {
  return ticket.routing === "review" ? "review" : "auto";
}

function toRow(r: RawRow): QueueRow {
  return {
    seq: r.seq,
    urgency_level: r.urgency_level,
    arrival: r.arrival,
    ticket: JSON.parse(r.ticket) as V1Ticket,
    lease: r.lease_id === null ? null : { id: r.lease_id, expires_ms: r.lease_expires ?? 0, agent: r.lease_agent },
    lane: r.lane === "review" ? "review" : "auto",
    move: r.move_id !== null && r.move_to !== null && r.move_ticket !== null ? { move_id: r.move_id, to: r.move_to, ticket: JSON.parse(r.move_ticket) as V1Ticket } : null,
  };
}

/** `AND category = ?` only when a category is asked for; the bindings go with it. */
function categoryFilter(category: Category | null): [string, unknown[]] {
  return category === null ? ["", []] : [" AND category = ?", [category]];
}

/**
 * The /v1 priority queue, kept in a Durable Object's SQLite storage so a restarted or
 * evicted object loses nothing. Order: urgency_level ascending, then arrival (FIFO).
 *
 * A claimed ticket stays in its row with a lease (lease_id not null): it is out of the
 * waiting order (every waiting query says `lease_id IS NULL`) but keeps its seq, so a
 * release or an expiry puts it back exactly where it was, with no renumbering.
 * The partial indexes make peek and the head of a take an index seek, per category or globally.
 * Every function runs synchronously against SqlStorage, so inside one Durable Object
 * each call is atomic (no await between read and write).
 */
export class PriorityQueue {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    migrateQueueTable(sql);
  }

  /**
   * Appends a ticket. `arrival` (see shard-key.ts nextArrival) defaults to its queued_at; it is
   * raised past every earlier arrival of this object, so seq order and arrival order agree and
   * the shards' heads can be compared by arrival.
   */
  push(ticket: V1Ticket, arrival: number = Date.parse(ticket.queued_at) * 1000): number {
    const stored = this.#sql
      .exec<{ value: number }>(
        "INSERT INTO v1_counters (name, value) VALUES ('arrival', ?) ON CONFLICT(name) DO UPDATE SET value = MAX(value + 1, ?) RETURNING value",
        Number.isFinite(arrival) ? arrival : 0,
        Number.isFinite(arrival) ? arrival : 0,
      )
      .one().value;
    this.#sql.exec(
      "INSERT INTO v1_queue (urgency_level, ticket, ticket_id, category, arrival, lane) VALUES (?, ?, ?, ?, ?, ?)",
      ticket.urgency_level,
      JSON.stringify(ticket),
      ticket.ticket_id,
      ticket.category,
      stored,
      laneOf(ticket),
    );
    return stored;
  }

  /**
   * Inserts a ticket moved here by a correction at its old place: its own arrival, its lease if it
   * was claimed. False when a row of that id is already here (then nothing changes).
   */
  insertMoved(ticket: V1Ticket, arrival: number, lease: QueueRow["lease"]): boolean {
    // Synchronous, so nothing can come between the check and the insert.
    if (this.#sql.exec<{ any: number }>("SELECT EXISTS (SELECT 1 FROM v1_queue WHERE ticket_id = ?) AS any", ticket.ticket_id).one().any === 1) return false;
    const written = this.#sql.exec(
      `INSERT INTO v1_queue (urgency_level, ticket, ticket_id, category, arrival, lane, lease_id, lease_expires, lease_agent)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ticket.urgency_level,
      JSON.stringify(ticket),
      ticket.ticket_id,
      ticket.category,
      arrival,
      laneOf(ticket),
      lease?.id ?? null,
      lease?.expires_ms ?? null,
      lease?.agent ?? null,
    ).rowsWritten;
    // Later pushes still arrive after it: the counter never goes back.
    this.#sql.exec("INSERT INTO v1_counters (name, value) VALUES ('arrival', ?) ON CONFLICT(name) DO UPDATE SET value = MAX(value, excluded.value)", arrival);
    return written > 0;
  }

  /** Rewrites a row's ticket in place (same place, same lease): a confirmed review, or a relabel within one object. */
  rewrite(ticketId: string, ticket: V1Ticket): boolean {
    return (
      this.#sql.exec(
        "UPDATE v1_queue SET ticket = ?, category = ?, lane = ? WHERE ticket_id = ? AND move_id IS NULL",
        JSON.stringify(ticket),
        ticket.category,
        laneOf(ticket),
        ticketId,
      ).rowsWritten > 0
    );
  }

  /** Marks a row as being moved (out of every take, list and count) unless it already is. */
  markMoving(ticketId: string, move: PendingMoveFields): boolean {
    return (
      this.#sql.exec(
        "UPDATE v1_queue SET move_id = ?, move_to = ?, move_ticket = ? WHERE ticket_id = ? AND move_id IS NULL",
        move.move_id,
        move.to,
        JSON.stringify(move.ticket),
        ticketId,
      ).rowsWritten > 0
    );
  }

  /** Every row being moved (the alarm finishes them). */
  moving(): QueueRow[] {
    return this.#sql.exec<RawRow>(`SELECT ${COLUMNS} FROM v1_queue WHERE move_id IS NOT NULL`).toArray().map(toRow);
  }

  /** Deletes the row of a finished move; returns its ticket id and where it went, or null (already gone). */
  removeMoved(moveId: string): { ticket_id: string; to: string } | null {
    const row = this.#sql
      .exec<{ ticket_id: string; move_to: string }>("DELETE FROM v1_queue WHERE move_id = ? RETURNING ticket_id, move_to", moveId)
      .toArray()[0];
    return row ? { ticket_id: row.ticket_id, to: row.move_to } : null;
  }

  /** The first waiting ticket's place in the tenant's order, or null. */
  headKey(category: Category | null = null, lane: Lane = "auto"): QueueKey | null {
    const row = this.#first(category, lane);
    return row ? keyOf(row) : null;
  }

  /** The places of the first `limit` waiting tickets (a drain's plan). */
  headKeys(limit: number): QueueKey[] {
    return this.#sql
      .exec<{ urgency_level: number; arrival: number; ticket_id: string }>(
        `SELECT urgency_level, arrival, ticket_id FROM v1_queue WHERE ${WAITING} ${ORDER} LIMIT ?`,
        limit,
      )
      .toArray()
      .map(keyOf);
  }

  /** Whether any row is left, waiting or claimed (a pre-shard object is retired once none is). O(1), unlike COUNT. */
  hasRows(): boolean {
    return this.#sql.exec<{ any: number }>("SELECT EXISTS (SELECT 1 FROM v1_queue) AS any").one().any === 1;
  }

  #first(category: Category | null, lane: Lane): RawRow | undefined {
    const [filter, args] = categoryFilter(category);
    return this.#sql
      .exec<RawRow>(`SELECT ${COLUMNS} FROM v1_queue WHERE ${WAITING} AND lane = ?${filter} ${ORDER} LIMIT 1`, lane, ...args)
      .toArray()[0];
  }

  peek(category: Category | null = null, lane: Lane = "auto"): V1Ticket | null {
    const row = this.#first(category, lane);
    return row ? (JSON.parse(row.ticket) as V1Ticket) : null;
  }

  countProcessed(): void {
    this.#sql.exec(
      "INSERT INTO v1_counters (name, value) VALUES ('processed', 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
    );
  }

  /**
   * The first waiting row (of `category`), if it is at or before `bound` in the tenant's order:
   * "take your head if it still comes first". "empty" when none waits, "behind" when the head is
   * now later than `bound` (another caller took the one that was compared).
   */
  firstWithin(category: Category | null, bound: QueueKey | null, lane: Lane = "auto"): QueueRow | "empty" | "behind" {
    const row = this.#first(category, lane);
    if (!row) return "empty";
    if (bound && compareKey(keyOf(row), bound) > 0) return "behind";
    return toRow(row);
  }

  /** Removes the waiting row `seq` (next). The caller records it as done. */
  popRow(seq: number): void {
    this.#sql.exec(`DELETE FROM v1_queue WHERE seq = ? AND ${WAITING}`, seq);
    this.countProcessed();
  }

  /** Leases the waiting row `seq`. */
  leaseRow(seq: number, lease: { id: string; expires_ms: number; agent: string | null }): void {
    this.#sql.exec("UPDATE v1_queue SET lease_id = ?, lease_expires = ?, lease_agent = ? WHERE seq = ?", lease.id, lease.expires_ms, lease.agent, seq);
  }

  byTicketId(ticketId: string): QueueRow | null {
    const row = this.#sql.exec<RawRow>(`SELECT ${COLUMNS} FROM v1_queue WHERE ticket_id = ?`, ticketId).toArray()[0];
    return row ? toRow(row) : null;
  }

  /** Deletes a claimed row (ack). Matching on lease_id too makes a stale lease delete nothing. */
  removeLeased(ticketId: string, leaseId: string): boolean {
    return this.#sql.exec("DELETE FROM v1_queue WHERE ticket_id = ? AND lease_id = ? AND move_id IS NULL", ticketId, leaseId).rowsWritten > 0;
  }

  /** Clears a lease (release): the row is waiting again at its old seq. */
  unlease(ticketId: string, leaseId: string): boolean {
    return (
      this.#sql.exec(
        "UPDATE v1_queue SET lease_id = NULL, lease_expires = NULL, lease_agent = NULL WHERE ticket_id = ? AND lease_id = ? AND move_id IS NULL",
        ticketId,
        leaseId,
      ).rowsWritten > 0
    );
  }

  /** Every lease that ran out by `nowMs` goes back to waiting (its seq unchanged). Returns how many. */
  expire(nowMs: number): number {
    return this.#sql.exec(
      // A row being moved carries its lease to the new shard, which expires it there.
      "UPDATE v1_queue SET lease_id = NULL, lease_expires = NULL, lease_agent = NULL WHERE lease_id IS NOT NULL AND move_id IS NULL AND lease_expires <= ?",
      nowMs,
    ).rowsWritten;
  }

  /** When the next lease runs out, or null when nothing is claimed. */
  nextExpiry(): number | null {
    return this.#sql.exec<{ t: number | null }>("SELECT MIN(lease_expires) AS t FROM v1_queue WHERE lease_id IS NOT NULL AND move_id IS NULL").one().t;
  }

  /**
   * Removes the first `limit` waiting tickets in pop order and returns exactly those. One
   * statement selects and deletes, so a row is never deleted without being returned. Claimed
   * tickets are not drained: an agent is working on them and will ack or release.
   * The caller bounds `limit`: everything returned must fit one RPC reply, or the rows are gone
   * and the reply lost.
   */
  drain(limit: number): V1Ticket[] {
    return this.drainKeyed(limit).map((r) => r.ticket);
  }

  /** drain, with each ticket's place in the tenant's order (to merge shards' pages). */
  drainKeyed(limit: number): { key: QueueKey; ticket: V1Ticket }[] {
    const rows = this.#sql
      .exec<{ seq: number; urgency_level: number; arrival: number; ticket_id: string; ticket: string }>(
        `DELETE FROM v1_queue WHERE seq IN
           (SELECT seq FROM v1_queue WHERE ${WAITING} ${ORDER} LIMIT ?)
         RETURNING seq, urgency_level, arrival, ticket_id, ticket`,
        limit,
      )
      .toArray();
    // SQLite does not promise RETURNING rows in any order.
    rows.sort((a, b) => compareKey(keyOf(a), keyOf(b)));
    return rows.map((r) => ({ key: keyOf(r), ticket: JSON.parse(r.ticket) as V1Ticket }));
  }

  /**
   * One page of tickets in queue order after `after` (exclusive), waiting and/or claimed.
   * Reads `limit + 1` rows so the caller knows whether another page exists.
   */
  list(opts: {
    category: Category | null;
    state: "queued" | "claimed" | null;
    after: QueueKey | null;
    limit: number;
    /** null: both lanes. */
    lane?: Lane | null;
  }): QueueRow[] {
    const where: string[] = ["move_id IS NULL"];
    const args: unknown[] = [];
    if (opts.lane) {
      where.push("lane = ?");
      args.push(opts.lane);
    }
    if (opts.state === "queued") where.push("lease_id IS NULL");
    if (opts.state === "claimed") where.push("lease_id IS NOT NULL");
    if (opts.category !== null) {
      where.push("category = ?");
      args.push(opts.category);
    }
    if (opts.after) {
      // The tenant's order (compareKeys), which within one object is also seq order.
      const { urgency_level: u, arrival: a, ticket_id: id } = opts.after;
      where.push("(urgency_level > ? OR (urgency_level = ? AND (arrival > ? OR (arrival = ? AND ticket_id > ?))))");
      args.push(u, u, a, a, id);
    }
    const clause = `WHERE ${where.join(" AND ")}`;
    return this.#sql
      .exec<RawRow>(`SELECT ${COLUMNS} FROM v1_queue ${clause} ORDER BY urgency_level, arrival, ticket_id LIMIT ?`, ...args, opts.limit + 1)
      .toArray()
      .map(toRow);
  }

  /**
   * Waiting tickets, both lanes (claimed ones are not pending: nobody else can get them). A row
   * being moved counts nowhere here; the shard it goes to counts it once it is there.
   */
  pending(): number {
    return this.#sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM v1_queue WHERE ${WAITING}`).one().n;
  }

  claimed(): number {
    return this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM v1_queue WHERE lease_id IS NOT NULL AND move_id IS NULL").one().n;
  }

  /** Waiting tickets per lane, category and urgency level. */
  pendingByCategory(): { lane: string; category: string; urgency_level: number; n: number }[] {
    return this.#sql
      .exec<{ lane: string; category: string; urgency_level: number; n: number }>(
        `SELECT lane, category, urgency_level, COUNT(*) AS n FROM v1_queue WHERE ${WAITING} GROUP BY lane, category, urgency_level`,
      )
      .toArray();
  }

  processed(): number {
    return this.#sql.exec<{ value: number }>("SELECT value FROM v1_counters WHERE name = 'processed'").toArray()[0]?.value ?? 0;
  }
}

function keyOf(r: { urgency_level: number; arrival: number; ticket_id: string }): QueueKey {
  return { urgency_level: r.urgency_level, arrival: r.arrival, ticket_id: r.ticket_id };
}
export { keyOf as queueKeyOf };
