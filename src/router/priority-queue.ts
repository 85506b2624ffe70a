import type { V1Ticket } from "../schemas/ticket.ts";

/**
 * The /v1 priority queue, kept in a Durable Object's SQLite storage so a restarted or
 * evicted object loses nothing. Order: urgency_level ascending, then arrival (FIFO).
 * The (urgency_level, seq) index makes peek/pop an index seek: O(log n).
 * Every function runs synchronously against SqlStorage, so inside one Durable Object
 * each call is atomic (no await between read and delete).
 */
export class PriorityQueue {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS v1_queue (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      urgency_level INTEGER NOT NULL,
      ticket TEXT NOT NULL
    )`);
    sql.exec("CREATE INDEX IF NOT EXISTS v1_queue_order ON v1_queue (urgency_level, seq)");
    sql.exec("CREATE TABLE IF NOT EXISTS v1_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
  }

  push(ticket: V1Ticket): void {
    this.#sql.exec("INSERT INTO v1_queue (urgency_level, ticket) VALUES (?, ?)", ticket.urgency_level, JSON.stringify(ticket));
  }

  peek(): V1Ticket | null {
    const row = this.#sql.exec<{ ticket: string }>("SELECT ticket FROM v1_queue ORDER BY urgency_level, seq LIMIT 1").toArray()[0];
    return row ? (JSON.parse(row.ticket) as V1Ticket) : null;
  }

  pop(): V1Ticket | null {
    const row = this.#sql
      .exec<{ ticket: string }>(
        `DELETE FROM v1_queue WHERE seq = (SELECT seq FROM v1_queue ORDER BY urgency_level, seq LIMIT 1) RETURNING ticket`,
      )
      .toArray()[0];
    if (!row) return null;
    this.#sql.exec(
      "INSERT INTO v1_counters (name, value) VALUES ('processed', 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
    );
    return JSON.parse(row.ticket) as V1Ticket;
  }

  /**
   * Removes the first `limit` tickets in pop order and returns exactly those. One statement
   * selects and deletes, so a row is never deleted without being returned. The caller bounds
   * `limit`: everything returned must fit one RPC reply, or the rows are gone and the reply lost.
   */
  drain(limit: number): V1Ticket[] {
    const rows = this.#sql
      .exec<{ seq: number; urgency_level: number; ticket: string }>(
        `DELETE FROM v1_queue WHERE seq IN (SELECT seq FROM v1_queue ORDER BY urgency_level, seq LIMIT ?)
         RETURNING seq, urgency_level, ticket`,
        limit,
      )
      .toArray();
    // SQLite does not promise RETURNING rows in any order.
    rows.sort((a, b) => a.urgency_level - b.urgency_level || a.seq - b.seq);
    return rows.map((r) => JSON.parse(r.ticket) as V1Ticket);
  }

  pending(): number {
    return this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM v1_queue").one().n;
  }

  processed(): number {
    return this.#sql.exec<{ value: number }>("SELECT value FROM v1_counters WHERE name = 'processed'").toArray()[0]?.value ?? 0;
  }
}
