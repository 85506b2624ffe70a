import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import type { NewTicket, SaveOutcome, StoreCounts, TicketRecord, TicketResult } from "./types.ts";
import { assertFiniteScore } from "./validate.ts";

/**
 * The embedded ticket store: one SQLite Durable Object standing in for Redis when
 * Upstash is not configured. A DO instance runs one event at a time and every method
 * here is synchronous SQL with no await, so each method is atomic, exactly like a
 * Redis script. Times come from the caller (`now`, epoch ms) so expiry is testable and
 * both stores share one clock model.
 *
 * Expired rows are invisible to every query (filtered by expires_at) and purged lazily
 * by the next write, so correctness never depends on the purge having run.
 */

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
`;

type TicketRow = {
  ticket_id: string;
  subject: string;
  body: string;
  status: TicketRecord["status"];
  accepted_at: string;
  category: string | null;
  urgency_score: number | null;
  confidence: number | null;
  model_used: string | null;
  processed_at: string | null;
  error: string | null;
};

const RECORD_COLUMNS =
  "ticket_id, subject, body, status, accepted_at, category, urgency_score, confidence, model_used, processed_at, error";

export class EmbeddedStore extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(SCHEMA);
  }

  createPending(ticket: NewTicket, now: number, ttlMs: number): boolean {
    this.#purge(now);
    const inserted = this.#sql
      .exec(
        `INSERT INTO tickets (ticket_id, subject, body, status, accepted_at, expires_at)
         VALUES (?, ?, ?, 'pending', ?, ?)
         ON CONFLICT (ticket_id) DO NOTHING RETURNING ticket_id`,
        ticket.ticket_id,
        ticket.subject,
        ticket.body,
        ticket.accepted_at,
        now + ttlMs,
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

  saveResult(id: string, result: TicketResult, now: number, ttlMs: number): SaveOutcome {
    assertFiniteScore(result);
    this.#purge(now);
    const current = this.#sql
      .exec<{ status: string }>("SELECT status FROM tickets WHERE ticket_id = ?", id)
      .toArray()[0];
    if (!current) return "not_found";
    if (current.status === "processed") return "already_processed";
    this.#sql.exec(
      `UPDATE tickets SET status = 'processed', category = ?, urgency_score = ?, confidence = ?,
         model_used = ?, processed_at = ?, error = NULL, expires_at = ?, queue_score = ?
       WHERE ticket_id = ?`,
      result.category,
      result.urgency_score,
      result.confidence,
      result.model_used,
      result.processed_at,
      now + ttlMs,
      result.urgency_score,
      id,
    );
    return "saved";
  }

  markFailed(id: string, reason: string, now: number, ttlMs: number): boolean {
    this.#purge(now);
    return this.#sql
      .exec(
        `UPDATE tickets SET status = 'failed', error = ?, expires_at = ?
         WHERE ticket_id = ? AND status = 'pending' RETURNING ticket_id`,
        reason,
        now + ttlMs,
        id,
      )
      .toArray().length === 1;
  }

  popNext(now: number): TicketRecord | null {
    // Same tie-break as ZPOPMAX: equal scores pop the lexicographically greatest id.
    const rows = this.#sql
      .exec<TicketRow>(
        `UPDATE tickets SET queue_score = NULL
         WHERE ticket_id = (
           SELECT ticket_id FROM tickets
           WHERE queue_score IS NOT NULL AND expires_at > ?
           ORDER BY queue_score DESC, ticket_id DESC LIMIT 1)
         RETURNING ${RECORD_COLUMNS}`,
        now,
      )
      .toArray();
    return rows[0] ? toRecord(rows[0]) : null;
  }

  claimWebhook(id: string, now: number, ttlMs: number): boolean {
    return this.#claimMarker(`webhook:${id}`, "1", now, ttlMs);
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

  incrementCounter(name: string): void {
    this.#sql.exec(
      "INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
      name,
    );
  }

  counters(): Record<string, number> {
    const rows = this.#sql.exec<{ name: string; value: number }>("SELECT name, value FROM counters").toArray();
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
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

  #purge(now: number): void {
    this.#sql.exec("DELETE FROM tickets WHERE expires_at <= ?", now);
    this.#sql.exec("DELETE FROM markers WHERE expires_at <= ?", now);
  }
}

function toRecord(row: TicketRow): TicketRecord {
  const record: TicketRecord = {
    ticket_id: row.ticket_id,
    subject: row.subject,
    body: row.body,
    status: row.status,
    accepted_at: row.accepted_at,
  };
  if (row.category !== null) record.category = row.category;
  if (row.urgency_score !== null) record.urgency_score = row.urgency_score;
  if (row.confidence !== null) record.confidence = row.confidence;
  if (row.model_used !== null) record.model_used = row.model_used;
  if (row.processed_at !== null) record.processed_at = row.processed_at;
  if (row.error !== null) record.error = row.error;
  return record;
}
