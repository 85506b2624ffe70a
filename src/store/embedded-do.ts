import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import {
  parseRecord,
  type DrainPage,
  type NewTicket,
  type SaveOutcome,
  type StaleClaim,
  type StaleSweep,
  type StoreCounts,
  type TicketRecord,
  type TicketResult,
} from "./types.ts";
import { assertDrainLimit } from "../schemas/ticket.ts";
import { assertFiniteScore } from "./validate.ts";

/**
 * The embedded ticket store: one SQLite Durable Object standing in for Redis when
 * Upstash is not configured. A DO instance runs one event at a time and every method
 * here is synchronous SQL with no await, so each method is atomic, exactly like a
 * Redis script. Times come from the caller (`now`, epoch ms) so expiry is testable and
 * both stores share one clock model.
 *
 * Rows still in a queue (pending, or processed and not popped) have expires_at = NEVER;
 * leaving the queues (pop, drain, failure) sets it to now + retention. Expired rows are
 * invisible to every query (filtered by expires_at) and purged lazily by the next
 * write, so correctness never depends on the purge having run.
 */

/**
 * "Does not expire", kept in the NOT NULL column the first schema shipped with, so
 * existing objects need no table rebuild and every `expires_at > now` filter stays as is.
 */
const NEVER = Number.MAX_SAFE_INTEGER;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tickets (
  ticket_id     TEXT PRIMARY KEY,
  subject       TEXT NOT NULL,
  body          TEXT NOT NULL,
  status        TEXT NOT NULL,
  accepted_at   TEXT NOT NULL,
  category      TEXT,
  urgency_score REAL,
  confidence    REAL,
  model_used    TEXT,
  processed_at  TEXT,
  error         TEXT,
  expires_at    INTEGER NOT NULL,
  -- Non-null exactly while the ticket waits in the processed queue.
  queue_score   REAL
);
CREATE INDEX IF NOT EXISTS tickets_queue ON tickets (queue_score DESC, ticket_id DESC)
  WHERE queue_score IS NOT NULL;
CREATE INDEX IF NOT EXISTS tickets_expiry ON tickets (expires_at);
CREATE INDEX IF NOT EXISTS tickets_status ON tickets (status, expires_at);
-- Locks and webhook markers: Redis string keys with SET NX PX semantics.
CREATE TABLE IF NOT EXISTS markers (
  key        TEXT PRIMARY KEY,
  owner      TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS markers_expiry ON markers (expires_at);
-- Operational counters (webhook outcomes); never expire, like a Redis hash.
CREATE TABLE IF NOT EXISTS counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
-- Named notes (the consumer's last report); never expire, like a Redis hash field.
CREATE TABLE IF NOT EXISTS notes (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

/**
 * Columns added after the first schema, as ALTERs so objects created before them keep
 * their rows. delivery_at: when the pending ticket's delivery clock last started (ms);
 * resends: how often the sweeper re-sent it. A row from before has delivery_at 0, so
 * the sweeper sees it as stale at once: nobody knows whether its message still exists.
 */
const ADDED_COLUMNS: Record<string, string> = {
  delivery_at: "INTEGER NOT NULL DEFAULT 0",
  resends: "INTEGER NOT NULL DEFAULT 0",
  // Which model decided urgency_score; rows scored before it was recorded keep NULL (read as absent).
  urgency_model: "TEXT",
};
/** The columns whose arrival changed the expiry rule (see #migrate). */
const LIFETIME_COLUMNS = new Set(["delivery_at", "resends"]);

const INDEXES_ON_ADDED_COLUMNS = `
CREATE INDEX IF NOT EXISTS tickets_delivery ON tickets (delivery_at, ticket_id) WHERE status = 'pending';
`;

type TicketRow = {
  ticket_id: string;
  subject: string;
  body: string;
  status: string;
  accepted_at: string;
  category: string | null;
  urgency_score: number | null;
  confidence: number | null;
  model_used: string | null;
  urgency_model: string | null;
  processed_at: string | null;
  error: string | null;
};

const RECORD_COLUMNS =
  "ticket_id, subject, body, status, accepted_at, category, urgency_score, confidence, model_used, urgency_model, processed_at, error";

/** Pop order, as ZPOPMAX: highest score first, equal scores by the greatest id. */
const QUEUE_ORDER = "ORDER BY queue_score DESC, ticket_id DESC";

export class EmbeddedStore extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(SCHEMA);
    this.#migrate();
  }

  createPending(ticket: NewTicket, now: number): boolean {
    this.#purge(now);
    const inserted = this.#sql
      .exec(
        `INSERT INTO tickets (ticket_id, subject, body, status, accepted_at, expires_at, delivery_at)
         VALUES (?, ?, ?, 'pending', ?, ?, ?)
         ON CONFLICT (ticket_id) DO NOTHING RETURNING ticket_id`,
        ticket.ticket_id,
        ticket.subject,
        ticket.body,
        ticket.accepted_at,
        NEVER,
        now,
      )
      .toArray();
    return inserted.length === 1;
  }

  deleteTicket(id: string, now: number): boolean {
    this.#purge(now);
    return this.#sql.exec("DELETE FROM tickets WHERE ticket_id = ? RETURNING ticket_id", id).toArray()
      .length === 1;
  }

  getTicket(id: string, now: number): TicketRecord | null {
    const rows = this.#sql
      .exec<TicketRow>(
        `SELECT ${RECORD_COLUMNS} FROM tickets WHERE ticket_id = ? AND expires_at > ?`,
        id,
        now,
      )
      .toArray();
    return rows[0] ? toRecord(rows[0]) : null;
  }

  startDelivery(id: string, now: number): TicketRecord | null {
    this.#sql.exec("UPDATE tickets SET delivery_at = ? WHERE ticket_id = ? AND status = 'pending'", now, id);
    return this.getTicket(id, now);
  }

  acquireLock(id: string, owner: string, now: number, ttlMs: number): boolean {
    return this.#claimMarker(`lock:${id}`, owner, now, ttlMs);
  }

  releaseLock(id: string, owner: string, now: number): boolean {
    return this.#sql
      .exec(
        "DELETE FROM markers WHERE key = ? AND owner = ? AND expires_at > ? RETURNING key",
        `lock:${id}`,
        owner,
        now,
      )
      .toArray().length === 1;
  }

  saveResult(id: string, result: TicketResult, now: number): SaveOutcome {
    assertFiniteScore(result);
    this.#purge(now);
    const current = this.#sql
      .exec<{ status: string }>("SELECT status FROM tickets WHERE ticket_id = ?", id)
      .toArray()[0];
    if (!current) return "not_found";
    if (current.status === "processed") return "already_processed";
    this.#sql.exec(
      `UPDATE tickets SET status = 'processed', category = ?, urgency_score = ?, confidence = ?,
         model_used = ?, urgency_model = ?, processed_at = ?, error = NULL, expires_at = ?, queue_score = ?
       WHERE ticket_id = ?`,
      result.category,
      result.urgency_score,
      result.confidence,
      result.model_used,
      result.urgency_model,
      result.processed_at,
      NEVER,
      result.urgency_score,
      id,
    );
    return "saved";
  }

  markFailed(id: string, reason: string, now: number, retentionMs: number): boolean {
    this.#purge(now);
    return this.#sql
      .exec(
        `UPDATE tickets SET status = 'failed', error = ?, expires_at = ?
         WHERE ticket_id = ? AND status = 'pending' RETURNING ticket_id`,
        reason,
        now + retentionMs,
        id,
      )
      .toArray().length === 1;
  }

  popNext(now: number, retentionMs: number): TicketRecord | null {
    return this.drain(1, now, retentionMs).tickets[0] ?? null;
  }

  peekNext(now: number): TicketRecord | null {
    const rows = this.#sql
      .exec<TicketRow>(
        `SELECT ${RECORD_COLUMNS} FROM tickets WHERE queue_score IS NOT NULL AND expires_at > ? ${QUEUE_ORDER} LIMIT 1`,
        now,
      )
      .toArray();
    return rows[0] ? toRecord(rows[0]) : null;
  }

  drain(limit: number, now: number, retentionMs: number): DrainPage {
    assertDrainLimit(limit);
    // Read the page in pop order, then take exactly those rows out of the queue: no
    // await in between, so nothing else runs and the page is one atomic step.
    const rows = this.#sql
      .exec<TicketRow>(
        `SELECT ${RECORD_COLUMNS} FROM tickets WHERE queue_score IS NOT NULL AND expires_at > ? ${QUEUE_ORDER} LIMIT ?`,
        now,
        limit,
      )
      .toArray();
    const tickets = rows.map(toRecord);
    for (const row of rows) {
      this.#sql.exec(
        "UPDATE tickets SET queue_score = NULL, expires_at = ? WHERE ticket_id = ?",
        now + retentionMs,
        row.ticket_id,
      );
    }
    return { tickets, remaining: this.counts(now).processed };
  }

  claimStalePending(sweep: StaleSweep, now: number, retentionMs: number): StaleClaim {
    const stale = this.#sql
      .exec<{ ticket_id: string; accepted_at: string; resends: number }>(
        `SELECT ticket_id, accepted_at, resends FROM tickets
         WHERE status = 'pending' AND delivery_at <= ?
         ORDER BY delivery_at, ticket_id LIMIT ?`,
        now - sweep.olderThanMs,
        sweep.limit,
      )
      .toArray();
    const claim: StaleClaim = { resend: [], failed: [] };
    for (const row of stale) {
      if (row.resends >= sweep.maxResends) {
        this.#sql.exec(
          "UPDATE tickets SET status = 'failed', error = ?, expires_at = ? WHERE ticket_id = ?",
          sweep.failReason,
          now + retentionMs,
          row.ticket_id,
        );
        claim.failed.push(row.ticket_id);
      } else {
        this.#sql.exec(
          "UPDATE tickets SET delivery_at = ?, resends = resends + 1 WHERE ticket_id = ?",
          now,
          row.ticket_id,
        );
        claim.resend.push({ ticket_id: row.ticket_id, accepted_at: row.accepted_at, resends: row.resends + 1 });
      }
    }
    return claim;
  }

  countStalePending(olderThanMs: number, now: number): number {
    return this.#sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM tickets WHERE status = 'pending' AND delivery_at <= ?",
        now - olderThanMs,
      )
      .one().n;
  }

  claimWebhook(id: string, now: number, retentionMs: number): boolean {
    return this.#claimMarker(`webhook:${id}`, "1", now, retentionMs);
  }

  counts(now: number): StoreCounts {
    const row = this.#sql
      .exec<{ pending: number; processed: number }>(
        `SELECT
           (SELECT COUNT(*) FROM tickets WHERE status = 'pending' AND expires_at > ?) AS pending,
           (SELECT COUNT(*) FROM tickets WHERE queue_score IS NOT NULL AND expires_at > ?) AS processed`,
        now,
        now,
      )
      .one();
    return { pending: row.pending, processed: row.processed };
  }

  incrementCounter(name: string, by: number): void {
    this.#sql.exec(
      "INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
      name,
      by,
    );
  }

  counters(): Record<string, number> {
    const rows = this.#sql.exec<{ name: string; value: number }>("SELECT name, value FROM counters").toArray();
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  }

  putNote(name: string, value: string): void {
    this.#sql.exec("INSERT INTO notes (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value", name, value);
  }

  note(name: string): string | null {
    return this.#sql.exec<{ value: string }>("SELECT value FROM notes WHERE name = ?", name).toArray()[0]?.value ?? null;
  }

  ping(): "pong" {
    return "pong";
  }

  /** SET key owner NX PX ttl: an expired marker counts as absent. */
  #claimMarker(key: string, owner: string, now: number, ttlMs: number): boolean {
    this.#sql.exec("DELETE FROM markers WHERE key = ? AND expires_at <= ?", key, now);
    return this.#sql
      .exec(
        `INSERT INTO markers (key, owner, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO NOTHING RETURNING key`,
        key,
        owner,
        now + ttlMs,
      )
      .toArray().length === 1;
  }

  /**
   * Adds the columns later versions need to an object created before them. The first
   * time it runs on such an object the rows still queued get NEVER, because under the
   * old rule they would have expired an hour after acceptance; rows already past that
   * are left to the purge.
   */
  #migrate(): void {
    const present = new Set(this.#sql.exec("SELECT * FROM tickets LIMIT 0").columnNames);
    const missing = Object.entries(ADDED_COLUMNS).filter(([name]) => !present.has(name));
    for (const [name, definition] of missing) this.#sql.exec(`ALTER TABLE tickets ADD COLUMN ${name} ${definition}`);
    if (missing.some(([name]) => LIFETIME_COLUMNS.has(name))) {
      this.#sql.exec(
        "UPDATE tickets SET expires_at = ? WHERE (status = 'pending' OR queue_score IS NOT NULL) AND expires_at > ?",
        NEVER,
        Date.now(),
      );
    }
    this.#sql.exec(INDEXES_ON_ADDED_COLUMNS);
  }

  #purge(now: number): void {
    this.#sql.exec("DELETE FROM tickets WHERE expires_at <= ?", now);
    this.#sql.exec("DELETE FROM markers WHERE expires_at <= ?", now);
  }
}

/** A row → record through the store's schema, so both stores type-check what they read back. */
function toRecord(row: TicketRow): TicketRecord {
  const raw: Record<string, string | number> = {};
  for (const [column, value] of Object.entries(row)) if (value !== null) raw[column] = value;
  return parseRecord(raw);
}
