import type { V1DoneRecord } from "../schemas/ticket.ts";

/**
 * How many finished tickets lookup can still call "done". Each record is one small row
 * (id, category, urgency, two timestamps, how it finished: about 150 bytes, no subject or
 * body), so 10,000 cost about 1.5 MB of the object's storage; older ones are trimmed and
 * read as unknown (404).
 */
export const DONE_KEEP = 10_000;

/**
 * Of those, the newest this many also keep their subject and body (up to 5.5 KB each, so at most
 * about 5.5 MB), so a correction of a recently finished ticket can still be recorded with the text
 * the next model trains on (POST /v1/tickets/{id}/category). Older ones keep only the record.
 */
export const DONE_TEXT_KEEP = 1_000;

export type DoneVia = V1DoneRecord["via"];

/**
 * A compact record of tickets that left the queue (popped by next, acked, drained), so
 * GET /v1/tickets/{id} can say "done" instead of 404 for a ticket that was finished.
 * Bounded by count, oldest first: the newest DONE_KEEP finishes are kept.
 */
export class DoneLog {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS v1_done (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      ticket_id TEXT NOT NULL UNIQUE,
      category TEXT NOT NULL,
      urgency_level INTEGER NOT NULL,
      queued_at TEXT NOT NULL,
      done_at TEXT NOT NULL,
      via TEXT NOT NULL
    )`);
    const have = new Set(sql.exec<{ name: string }>("PRAGMA table_info(v1_done)").toArray().map((c) => c.name));
    if (!have.has("subject")) sql.exec("ALTER TABLE v1_done ADD COLUMN subject TEXT");
    if (!have.has("body")) sql.exec("ALTER TABLE v1_done ADD COLUMN body TEXT");
  }

  record(
    tickets: readonly { ticket_id: string; category: string; urgency_level: number; queued_at: string; subject?: string; body?: string }[],
    via: DoneVia,
    nowMs: number,
  ): void {
    if (!tickets.length) return;
    const doneAt = new Date(nowMs).toISOString();
    for (const t of tickets) {
      const id = this.#sql
        .exec<{ id: number }>(
          "INSERT OR REPLACE INTO v1_done (ticket_id, category, urgency_level, queued_at, done_at, via, subject, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
          t.ticket_id,
          t.category,
          t.urgency_level,
          t.queued_at,
          doneAt,
          via,
          t.subject ?? null,
          t.body ?? null,
        )
        .one().id;
      // ids grow by one per insert, so each insert passes exactly one row over the text bound.
      this.#sql.exec("UPDATE v1_done SET subject = NULL, body = NULL WHERE id = ?", id - DONE_TEXT_KEEP);
    }
    // ids only grow, so everything more than DONE_KEEP below the newest is the oldest.
    this.#sql.exec("DELETE FROM v1_done WHERE id <= (SELECT MAX(id) FROM v1_done) - ?", DONE_KEEP);
  }

  /** The text of a recently finished ticket (DONE_TEXT_KEEP), or null. */
  text(ticketId: string): { subject: string; body: string } | null {
    const row = this.#sql.exec<{ subject: string | null; body: string | null }>("SELECT subject, body FROM v1_done WHERE ticket_id = ?", ticketId).toArray()[0];
    return row && row.subject !== null && row.body !== null ? { subject: row.subject, body: row.body } : null;
  }

  get(ticketId: string): V1DoneRecord | null {
    return (
      this.#sql
        .exec<V1DoneRecord>("SELECT ticket_id, category, urgency_level, queued_at, done_at, via FROM v1_done WHERE ticket_id = ?", ticketId)
        .toArray()[0] ?? null
    );
  }
}
