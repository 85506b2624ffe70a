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

  /** Removes every queued ticket and returns them in the order they would have popped. */
  drain(): V1Ticket[] {
    const rows = this.#sql.exec<{ ticket: string }>("SELECT ticket FROM v1_queue ORDER BY urgency_level, seq").toArray();
    this.#sql.exec("DELETE FROM v1_queue");
    return rows.map((r) => JSON.parse(r.ticket) as V1Ticket);
  }

  pending(): number {
    return this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM v1_queue").one().n;
  }

  processed(): number {
    return this.#sql.exec<{ value: number }>("SELECT value FROM v1_counters WHERE name = 'processed'").toArray()[0]?.value ?? 0;
  }
}
