import type { Category } from "../ml/categories.ts";
import type { V1Ticket } from "../schemas/ticket.ts";
import { migrateQueueTable } from "./queue-schema.ts";

/** A row of v1_queue as the lease and listing code reads it. */
export interface QueueRow {
  seq: number;
  urgency_level: number;
  ticket: V1Ticket;
  lease: { id: string; expires_ms: number; agent: string | null } | null;
}

type RawRow = {
  seq: number;
  urgency_level: number;
  ticket: string;
  lease_id: string | null;
  lease_expires: number | null;
  lease_agent: string | null;
};

const COLUMNS = "seq, urgency_level, ticket, lease_id, lease_expires, lease_agent";

function toRow(r: RawRow): QueueRow {
  return {
    seq: r.seq,
    urgency_level: r.urgency_level,
    ticket: JSON.parse(r.ticket) as V1Ticket,
    lease: r.lease_id === null ? null : { id: r.lease_id, expires_ms: r.lease_expires ?? 0, agent: r.lease_agent },
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
 * The partial indexes make peek/pop/claim an index seek, per category or globally.
 * Every function runs synchronously against SqlStorage, so inside one Durable Object
 * each call is atomic (no await between read and write).
 */
export class PriorityQueue {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    migrateQueueTable(sql);
  }

  push(ticket: V1Ticket): void {
    this.#sql.exec(
      "INSERT INTO v1_queue (urgency_level, ticket, ticket_id, category) VALUES (?, ?, ?, ?)",
      ticket.urgency_level,
      JSON.stringify(ticket),
      ticket.ticket_id,
      ticket.category,
    );
  }

  #first(category: Category | null): RawRow | undefined {
    const [filter, args] = categoryFilter(category);
    return this.#sql
      .exec<RawRow>(`SELECT ${COLUMNS} FROM v1_queue WHERE lease_id IS NULL${filter} ORDER BY urgency_level, seq LIMIT 1`, ...args)
      .toArray()[0];
  }

  peek(category: Category | null = null): V1Ticket | null {
    const row = this.#first(category);
    return row ? (JSON.parse(row.ticket) as V1Ticket) : null;
  }

  /** Removes the first waiting ticket (of `category`, if given). The caller records it as done. */
  pop(category: Category | null = null): V1Ticket | null {
    const row = this.#first(category);
    if (!row) return null;
    this.#sql.exec("DELETE FROM v1_queue WHERE seq = ?", row.seq);
    this.countProcessed();
    return JSON.parse(row.ticket) as V1Ticket;
  }

  countProcessed(): void {
    this.#sql.exec(
      "INSERT INTO v1_counters (name, value) VALUES ('processed', 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
    );
  }

  /** Puts a lease on the first waiting ticket (of `category`); null when none waits. */
  claim(category: Category | null, lease: { id: string; expires_ms: number; agent: string | null }): QueueRow | null {
    const row = this.#first(category);
    if (!row) return null;
    this.#sql.exec(
      "UPDATE v1_queue SET lease_id = ?, lease_expires = ?, lease_agent = ? WHERE seq = ?",
      lease.id,
      lease.expires_ms,
      lease.agent,
      row.seq,
    );
    return { ...toRow(row), lease };
  }

  byTicketId(ticketId: string): QueueRow | null {
    const row = this.#sql.exec<RawRow>(`SELECT ${COLUMNS} FROM v1_queue WHERE ticket_id = ?`, ticketId).toArray()[0];
    return row ? toRow(row) : null;
  }

  /** Deletes a claimed row (ack). Matching on lease_id too makes a stale lease delete nothing. */
  removeLeased(ticketId: string, leaseId: string): boolean {
    return this.#sql.exec("DELETE FROM v1_queue WHERE ticket_id = ? AND lease_id = ?", ticketId, leaseId).rowsWritten > 0;
  }

  /** Clears a lease (release): the row is waiting again at its old seq. */
  unlease(ticketId: string, leaseId: string): boolean {
    return (
      this.#sql.exec(
        "UPDATE v1_queue SET lease_id = NULL, lease_expires = NULL, lease_agent = NULL WHERE ticket_id = ? AND lease_id = ?",
        ticketId,
        leaseId,
      ).rowsWritten > 0
    );
  }

  /** Every lease that ran out by `nowMs` goes back to waiting (its seq unchanged). Returns how many. */
  expire(nowMs: number): number {
    return this.#sql.exec(
      "UPDATE v1_queue SET lease_id = NULL, lease_expires = NULL, lease_agent = NULL WHERE lease_id IS NOT NULL AND lease_expires <= ?",
      nowMs,
    ).rowsWritten;
  }

  /** When the next lease runs out, or null when nothing is claimed. */
  nextExpiry(): number | null {
    return this.#sql.exec<{ t: number | null }>("SELECT MIN(lease_expires) AS t FROM v1_queue WHERE lease_id IS NOT NULL").one().t;
  }

  /**
   * Removes the first `limit` waiting tickets in pop order and returns exactly those. One
   * statement selects and deletes, so a row is never deleted without being returned. Claimed
   * tickets are not drained: an agent is working on them and will ack or release.
   * The caller bounds `limit`: everything returned must fit one RPC reply, or the rows are gone
   * and the reply lost.
   */
  drain(limit: number): V1Ticket[] {
    const rows = this.#sql
      .exec<{ seq: number; urgency_level: number; ticket: string }>(
        `DELETE FROM v1_queue WHERE seq IN
           (SELECT seq FROM v1_queue WHERE lease_id IS NULL ORDER BY urgency_level, seq LIMIT ?)
         RETURNING seq, urgency_level, ticket`,
        limit,
      )
      .toArray();
    // SQLite does not promise RETURNING rows in any order.
    rows.sort((a, b) => a.urgency_level - b.urgency_level || a.seq - b.seq);
    return rows.map((r) => JSON.parse(r.ticket) as V1Ticket);
  }

  /**
   * One page of tickets in queue order after `after` (exclusive), waiting and/or claimed.
   * Reads `limit + 1` rows so the caller knows whether another page exists.
   */
  list(opts: {
    category: Category | null;
    state: "queued" | "claimed" | null;
    after: { urgency_level: number; seq: number } | null;
    limit: number;
  }): QueueRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (opts.state === "queued") where.push("lease_id IS NULL");
    if (opts.state === "claimed") where.push("lease_id IS NOT NULL");
    if (opts.category !== null) {
      where.push("category = ?");
      args.push(opts.category);
    }
    if (opts.after) {
      where.push("(urgency_level > ? OR (urgency_level = ? AND seq > ?))");
      args.push(opts.after.urgency_level, opts.after.urgency_level, opts.after.seq);
    }
    const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
    return this.#sql
      .exec<RawRow>(`SELECT ${COLUMNS} FROM v1_queue ${clause} ORDER BY urgency_level, seq LIMIT ?`, ...args, opts.limit + 1)
      .toArray()
      .map(toRow);
  }

  /** Waiting tickets (claimed ones are not pending: nobody else can get them). */
  pending(): number {
    return this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM v1_queue WHERE lease_id IS NULL").one().n;
  }

  claimed(): number {
    return this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM v1_queue WHERE lease_id IS NOT NULL").one().n;
  }

  /** Waiting tickets per category and urgency level. */
  pendingByCategory(): { category: string; urgency_level: number; n: number }[] {
    return this.#sql
      .exec<{ category: string; urgency_level: number; n: number }>(
        "SELECT category, urgency_level, COUNT(*) AS n FROM v1_queue WHERE lease_id IS NULL GROUP BY category, urgency_level",
      )
      .toArray();
  }

  processed(): number {
    return this.#sql.exec<{ value: number }>("SELECT value FROM v1_counters WHERE name = 'processed'").toArray()[0]?.value ?? 0;
  }
}
