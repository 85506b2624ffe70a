import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import {
  parseRecord,
  TicketStatusSchema,
  URGENCY_BAND_HIGH,
  URGENCY_BAND_MEDIUM,
  type CategoryCorrection,
  type ClaimedTicket,
  type CorrectionOutcome,
  type Lane,
  type TicketState,
  type ClaimRequest,
  type CreateOnceOutcome,
  type DrainPage,
  type IdempotentCreate,
  type LeaseResult,
  type ListPage,
  type ListRequest,
  type NewTicket,
  type QueueStatus,
  type SaveOutcome,
  type StaleClaim,
  type StaleSweep,
  type StoreCounts,
  type TicketRecord,
  type TicketResult,
} from "./types.ts";
import { CATEGORIES, type Category } from "../ml/categories.ts";
import { assertDrainLimit } from "../schemas/ticket.ts";
import { assertClaim, assertCorrection, assertLane, assertList, listPage } from "./queue-args.ts";
import { correctionState } from "./correction-state.ts";
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
 *
 * The processed queue is the rows with queue_score (= urgency_score) set, in
 * QUEUE_ORDER; a category's queue is the same rows WHERE category = ? (one index each),
 * so tickets saved before per-category pulls existed are reachable by them as they are.
 * A claim clears queue_score and sets the lease columns; release and expiry set it back
 * from urgency_score, which puts the ticket at exactly its old place. Every method that
 * reads the queue or the leases first returns run-out leases (#expireLeases), in the same
 * synchronous step.
 *
 * Lanes: a waiting row is in the review lane when its routing is 'review', else (routing
 * 'auto' or NULL, as rows saved before routing existed) in the auto lane; every queue query
 * filters by lane (#laneFilter), and a correction sets routing 'auto'.
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
-- Idempotency-Key → the ticket its first use created (SET NX with expiry, like a Redis key).
CREATE TABLE IF NOT EXISTS idempotency_keys (
  key         TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  ticket_id   TEXT NOT NULL,
  accepted_at TEXT NOT NULL,
  expires_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS idempotency_expiry ON idempotency_keys (expires_at);
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
  // A claim: set together, cleared together; queue_score is NULL meanwhile.
  lease_id: "TEXT",
  lease_expires: "INTEGER",
  lease_agent: "TEXT",
  // The lane (auto | review; NULL = auto: rows saved before routing) and why the category is
  // what it is (RoutingReason as JSON; NULL for rows saved before).
  routing: "TEXT",
  reason: "TEXT",
};
/** The columns whose arrival changed the expiry rule (see #migrate). */
const LIFETIME_COLUMNS = new Set(["delivery_at", "resends"]);

const INDEXES_ON_ADDED_COLUMNS = `
CREATE INDEX IF NOT EXISTS tickets_delivery ON tickets (delivery_at, ticket_id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS tickets_category_queue ON tickets (category, queue_score DESC, ticket_id DESC)
  WHERE queue_score IS NOT NULL;
CREATE INDEX IF NOT EXISTS tickets_leases ON tickets (lease_expires) WHERE lease_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS tickets_lane_queue ON tickets (routing, category, queue_score DESC, ticket_id DESC)
  WHERE queue_score IS NOT NULL;
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
  lease_id: string | null;
  lease_expires: number | null;
  lease_agent: string | null;
  routing: string | null;
  reason: string | null;
};

const RECORD_COLUMNS =
  "ticket_id, subject, body, status, accepted_at, category, urgency_score, confidence, model_used, urgency_model, processed_at, error, lease_id, lease_expires, lease_agent, routing, reason";

/** The rows of a lane: NULL routing (saved before routing existed) is auto. */
function laneFilter(lane: Lane): string {
  return lane === "review" ? "routing = 'review'" : "(routing IS NULL OR routing <> 'review')";
}

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

  createPendingOnce(ticket: NewTicket, idempotency: IdempotentCreate, now: number): CreateOnceOutcome {
    this.#purge(now);
    const taken = this.#sql
      .exec<{ fingerprint: string; ticket_id: string; accepted_at: string }>(
        "SELECT fingerprint, ticket_id, accepted_at FROM idempotency_keys WHERE key = ? AND expires_at > ?",
        idempotency.key,
        now,
      )
      .toArray()[0];
    if (taken) {
      const status = this.#sql
        .exec<{ status: string }>("SELECT status FROM tickets WHERE ticket_id = ? AND expires_at > ?", taken.ticket_id, now)
        .toArray()[0]?.status;
      return { created: false, entry: { ...taken }, status: status === undefined ? null : TicketStatusSchema.parse(status) };
    }
    // Checked before the key is written: a throw after it would leave the key naming nothing
    // (a DO method is atomic against other calls, not a transaction that rolls back).
    if (this.#sql.exec("SELECT 1 FROM tickets WHERE ticket_id = ?", ticket.ticket_id).toArray().length > 0) {
      throw new Error(`ticket id collision: ${ticket.ticket_id}`);
    }
    this.createPending(ticket, now);
    this.#sql.exec(
      `INSERT INTO idempotency_keys (key, fingerprint, ticket_id, accepted_at, expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, ticket_id = excluded.ticket_id,
         accepted_at = excluded.accepted_at, expires_at = excluded.expires_at`,
      idempotency.key,
      idempotency.fingerprint,
      ticket.ticket_id,
      ticket.accepted_at,
      now + idempotency.ttlMs,
    );
    return { created: true };
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
    return rows[0] ? toRecord(rows[0], now) : null;
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
         model_used = ?, urgency_model = ?, processed_at = ?, error = NULL, expires_at = ?, queue_score = ?,
         routing = ?, reason = ?
       WHERE ticket_id = ?`,
      result.category,
      result.urgency_score,
      result.confidence,
      result.model_used,
      result.urgency_model,
      result.processed_at,
      NEVER,
      result.urgency_score,
      result.routing ?? null,
      result.reason === undefined ? null : JSON.stringify(result.reason),
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

  popNext(now: number, retentionMs: number, category: Category | null = null, lane: Lane = "auto"): TicketRecord | null {
    assertLane(lane);
    this.#expireLeases(now);
    const row = this.#waiting(now, category, 1, lane)[0];
    if (!row) return null;
    this.#leaveQueue(row.ticket_id, now, retentionMs);
    return toRecord(row, now);
  }

  peekNext(now: number, category: Category | null = null, lane: Lane = "auto"): TicketRecord | null {
    assertLane(lane);
    this.#expireLeases(now);
    const row = this.#waiting(now, category, 1, lane)[0];
    return row ? toRecord(row, now) : null;
  }

  drain(limit: number, now: number, retentionMs: number, lane: Lane | null = null): DrainPage {
    assertDrainLimit(limit);
    if (lane !== null) assertLane(lane);
    this.#expireLeases(now);
    // Read the page in pop order, then take exactly those rows out of the queue: no
    // await in between, so nothing else runs and the page is one atomic step.
    const rows = this.#waiting(now, null, limit, lane);
    const tickets = rows.map((row) => toRecord(row, now));
    for (const row of rows) this.#leaveQueue(row.ticket_id, now, retentionMs);
    return { tickets, remaining: this.#waitingCount(now, lane) };
  }

  claimNext(request: ClaimRequest, now: number): ClaimedTicket | null {
    assertClaim(request);
    this.#expireLeases(now);
    const row = this.#waiting(now, request.category, 1, request.lane ?? "auto")[0];
    if (!row) return null;
    const lease = { id: request.leaseId, expires_ms: now + request.leaseMs, agent: request.agent };
    this.#sql.exec(
      "UPDATE tickets SET queue_score = NULL, lease_id = ?, lease_expires = ?, lease_agent = ? WHERE ticket_id = ?",
      lease.id,
      lease.expires_ms,
      lease.agent,
      row.ticket_id,
    );
    const record = toRecord({ ...row, lease_id: lease.id, lease_expires: lease.expires_ms, lease_agent: lease.agent }, now);
    return { record, lease };
  }

  ackLease(id: string, leaseId: string, now: number, retentionMs: number): LeaseResult {
    const row = this.#leased(id, leaseId, now);
    if (!("ticket_id" in row)) return row;
    this.#sql.exec(
      "UPDATE tickets SET lease_id = NULL, lease_expires = NULL, lease_agent = NULL, expires_at = ? WHERE ticket_id = ?",
      now + retentionMs,
      id,
    );
    return { ok: true, record: toRecord(unleased(row), now) };
  }

  releaseLease(id: string, leaseId: string, now: number): LeaseResult {
    const row = this.#leased(id, leaseId, now);
    if (!("ticket_id" in row)) return row;
    this.#sql.exec(
      "UPDATE tickets SET lease_id = NULL, lease_expires = NULL, lease_agent = NULL, queue_score = urgency_score WHERE ticket_id = ?",
      id,
    );
    return { ok: true, record: toRecord(unleased(row), now) };
  }

  list(request: ListRequest, now: number): ListPage {
    assertList(request);
    this.#expireLeases(now);
    const where = ["expires_at > ?", "(queue_score IS NOT NULL OR lease_id IS NOT NULL)", laneFilter(request.lane ?? "auto")];
    const args: unknown[] = [now];
    if (request.state === "processed") where.push("queue_score IS NOT NULL");
    if (request.state === "claimed") where.push("lease_id IS NOT NULL");
    if (request.category !== null) {
      where.push("category = ?");
      args.push(request.category);
    }
    if (request.after) {
      where.push("(urgency_score < ? OR (urgency_score = ? AND ticket_id < ?))");
      args.push(request.after.score, request.after.score, request.after.id);
    }
    const rows = this.#sql
      .exec<TicketRow>(
        `SELECT ${RECORD_COLUMNS} FROM tickets WHERE ${where.join(" AND ")} ORDER BY urgency_score DESC, ticket_id DESC LIMIT ?`,
        ...args,
        request.limit + 1,
      )
      .toArray();
    return listPage(rows.map((row) => toRecord(row, now)), request.limit);
  }

  queueStatus(now: number): QueueStatus {
    this.#expireLeases(now);
    const depths = (lane: Lane) => {
      const by_category = Object.fromEntries(
        CATEGORIES.map((c) => [c, { processed: 0, by_urgency: { high: 0, medium: 0, low: 0 } }]),
      ) as QueueStatus["by_category"];
      const rows = this.#sql
        .exec<{ category: string; n: number; high: number; medium: number }>(
          `SELECT category, COUNT(*) AS n,
             SUM(CASE WHEN queue_score >= ? THEN 1 ELSE 0 END) AS high,
             SUM(CASE WHEN queue_score >= ? AND queue_score < ? THEN 1 ELSE 0 END) AS medium
           FROM tickets WHERE queue_score IS NOT NULL AND expires_at > ? AND ${laneFilter(lane)} GROUP BY category`,
          URGENCY_BAND_HIGH,
          URGENCY_BAND_MEDIUM,
          URGENCY_BAND_HIGH,
          now,
        )
        .toArray();
      for (const row of rows) {
        const depth = by_category[row.category as Category];
        if (!depth) continue;
        depth.processed = row.n;
        depth.by_urgency = { high: row.high, medium: row.medium, low: row.n - row.high - row.medium };
      }
      return by_category;
    };
    const claimed = this.#sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM tickets WHERE lease_id IS NOT NULL AND expires_at > ?", now)
      .one().n;
    return {
      ...this.#countsNow(now),
      claimed,
      by_category: depths("auto"),
      review: { processed: this.#waitingCount(now, "review"), by_category: depths("review") },
    };
  }

  ticketState(id: string, now: number): TicketState | null {
    const row = this.#sql
      .exec<TicketRow & { expires_at: number }>(`SELECT ${RECORD_COLUMNS}, expires_at FROM tickets WHERE ticket_id = ? AND expires_at > ?`, id, now)
      .toArray()[0];
    if (!row) return null;
    const { expires_at, ...ticket } = row;
    const record = toRecord(ticket, now);
    return { record, state: correctionState(record, expires_at !== NEVER) };
  }

  correctCategory(id: string, correction: CategoryCorrection, now: number): CorrectionOutcome {
    assertCorrection(correction);
    this.#expireLeases(now);
    const current = this.ticketState(id, now);
    if (!current) return { ok: false, reason: "unknown" };
    const { record, state } = current;
    if (state === "pending") return { ok: false, reason: "pending" };
    const previous = record.category ?? null;
    if (state === "done" || state === "failed") return { ok: true, state, previous, relabelled: false, record };
    if (state === "claimed" && record.lease?.id !== correction.leaseId) return { ok: false, reason: "stale" };
    // Waiting: same queue_score, so the same place among the new category's auto tickets;
    // claimed: queue_score stays NULL and release or expiry brings it back there.
    this.#sql.exec(
      "UPDATE tickets SET category = ?, routing = 'auto', reason = ? WHERE ticket_id = ?",
      correction.category,
      JSON.stringify(correction.reason),
      id,
    );
    const updated = this.getTicket(id, now);
    if (!updated) throw new Error(`corrected ticket ${id} vanished`);
    return { ok: true, state, previous, relabelled: true, record: updated };
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
    this.#expireLeases(now);
    return this.#countsNow(now);
  }

  #countsNow(now: number): StoreCounts {
    const row = this.#sql
      .exec<{ pending: number; processed: number }>(
        `SELECT
           (SELECT COUNT(*) FROM tickets WHERE status = 'pending' AND expires_at > ?) AS pending,
           (SELECT COUNT(*) FROM tickets WHERE queue_score IS NOT NULL AND expires_at > ? AND ${laneFilter("auto")}) AS processed`,
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

  /** Waiting processed rows (of `category`, of `lane`; null = both lanes merged) in pop order. */
  #waiting(now: number, category: Category | null, limit: number, lane: Lane | null): TicketRow[] {
    const [filter, args] = category === null ? ["", []] : [" AND category = ?", [category]];
    const laneSql = lane === null ? "" : ` AND ${laneFilter(lane)}`;
    return this.#sql
      .exec<TicketRow>(
        `SELECT ${RECORD_COLUMNS} FROM tickets WHERE queue_score IS NOT NULL AND expires_at > ?${filter}${laneSql} ${QUEUE_ORDER} LIMIT ?`,
        now,
        ...args,
        limit,
      )
      .toArray();
  }

  #waitingCount(now: number, lane: Lane | null): number {
    const laneSql = lane === null ? "" : ` AND ${laneFilter(lane)}`;
    return this.#sql
      .exec<{ n: number }>(`SELECT COUNT(*) AS n FROM tickets WHERE queue_score IS NOT NULL AND expires_at > ?${laneSql}`, now)
      .one().n;
  }

  /** Out of the queue (popped, drained): its retention starts. */
  #leaveQueue(id: string, now: number, retentionMs: number): void {
    this.#sql.exec("UPDATE tickets SET queue_score = NULL, expires_at = ? WHERE ticket_id = ?", now + retentionMs, id);
  }

  /** Every lease run out by `now` goes back to the queue at its old place. */
  #expireLeases(now: number): void {
    this.#sql.exec(
      `UPDATE tickets SET queue_score = urgency_score, lease_id = NULL, lease_expires = NULL, lease_agent = NULL
       WHERE lease_id IS NOT NULL AND lease_expires <= ?`,
      now,
    );
  }

  /** The row `leaseId` holds live, or why not (ack and release share this). */
  #leased(id: string, leaseId: string, now: number): TicketRow | Extract<LeaseResult, { ok: false }> {
    this.#expireLeases(now);
    const row = this.#sql
      .exec<TicketRow>(`SELECT ${RECORD_COLUMNS} FROM tickets WHERE ticket_id = ? AND expires_at > ?`, id, now)
      .toArray()[0];
    if (!row) return { ok: false, reason: "unknown" };
    if (row.lease_id !== leaseId) return { ok: false, reason: "stale" };
    return row;
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
    this.#sql.exec("DELETE FROM idempotency_keys WHERE expires_at <= ?", now);
  }
}

const LEASE_COLUMNS = new Set(["lease_id", "lease_expires", "lease_agent"]);

/** `reason` is stored as JSON; text that is not JSON reaches the schema as is and fails there. */
function jsonOrText(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function unleased(row: TicketRow): TicketRow {
  return { ...row, lease_id: null, lease_expires: null, lease_agent: null };
}

/**
 * A row → record through the store's schema, so both stores type-check what they read back.
 * The lease shows only while it is live by `now`, as in the Redis store's hashes.
 */
function toRecord(row: TicketRow, now: number): TicketRecord {
  const raw: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) if (value !== null && !LEASE_COLUMNS.has(column)) raw[column] = value;
  if (typeof raw.reason === "string") raw.reason = jsonOrText(raw.reason);
  if (row.lease_id !== null && row.lease_expires !== null && row.lease_expires > now) {
    raw.lease = { id: row.lease_id, expires_ms: row.lease_expires, agent: row.lease_agent };
  }
  return parseRecord(raw);
}
