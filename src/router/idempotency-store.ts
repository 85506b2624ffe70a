import type { V1Ticket } from "../schemas/ticket.ts";

/** What a key remembers: the body's fingerprint and the ticket its first request queued. */
export interface KeyRecord {
  fingerprint: string;
  ticket: V1Ticket;
  arrival: number;
}

export type KeyOutcome = { kind: "first"; record: KeyRecord } | { kind: "replay"; record: KeyRecord } | { kind: "mismatch" };

/**
 * Idempotency keys of POST /v1/tickets in a key shard's SQLite (shard-key.ts keyShardName).
 * `remember` is synchronous, so inside the object it is atomic: of any number of concurrent first
 * uses of a key, exactly one stores its candidate ticket and every other gets that same record.
 * The record holds the whole ticket (category included), so a retry after a model redeploy, which
 * might classify the body differently, still answers the first ticket and goes to its shard.
 */
export class IdempotencyStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS v1_idempotency (
      key_hash TEXT PRIMARY KEY,
      fingerprint TEXT NOT NULL,
      ticket TEXT NOT NULL,
      arrival INTEGER NOT NULL,
      expires_ms INTEGER NOT NULL
    )`);
    sql.exec("CREATE INDEX IF NOT EXISTS v1_idempotency_expiry ON v1_idempotency (expires_ms)");
  }

  remember(keyHash: string, candidate: KeyRecord, nowMs: number, ttlMs: number): KeyOutcome {
    this.#sql.exec("DELETE FROM v1_idempotency WHERE expires_ms <= ?", nowMs);
    const row = this.#sql
      .exec<{ fingerprint: string; ticket: string; arrival: number }>("SELECT fingerprint, ticket, arrival FROM v1_idempotency WHERE key_hash = ?", keyHash)
      .toArray()[0];
    if (row) {
      if (row.fingerprint !== candidate.fingerprint) return { kind: "mismatch" };
      return { kind: "replay", record: { fingerprint: row.fingerprint, ticket: JSON.parse(row.ticket) as V1Ticket, arrival: row.arrival } };
    }
    this.#sql.exec(
      "INSERT INTO v1_idempotency (key_hash, fingerprint, ticket, arrival, expires_ms) VALUES (?, ?, ?, ?, ?)",
      keyHash,
      candidate.fingerprint,
      JSON.stringify(candidate.ticket),
      candidate.arrival,
      nowMs + ttlMs,
    );
    return { kind: "first", record: candidate };
  }
}

/**
 * Ticket ids a category shard has queued on behalf of a key, kept twice a key's lifetime: a
 * replay pushes the remembered ticket again, and this is what makes that push happen once even
 * after the ticket was acked and left the queue (and with the key shard's clock a little ahead).
 */
export class PushedIds {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS v1_pushed (ticket_id TEXT PRIMARY KEY, expires_ms INTEGER NOT NULL)");
    sql.exec("CREATE INDEX IF NOT EXISTS v1_pushed_expiry ON v1_pushed (expires_ms)");
  }

  /** True when `ticketId` is new here (and now recorded), false when it was pushed before. */
  claimOnce(ticketId: string, nowMs: number, keepMs: number): boolean {
    this.#sql.exec("DELETE FROM v1_pushed WHERE expires_ms <= ?", nowMs);
    return this.#sql.exec("INSERT OR IGNORE INTO v1_pushed (ticket_id, expires_ms) VALUES (?, ?)", ticketId, nowMs + keepMs).rowsWritten > 0;
  }
}
