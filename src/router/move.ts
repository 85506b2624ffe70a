import type { Category } from "../ml/categories.ts";
import type { RoutingReason } from "../schemas/routing.ts";
import type { V1Ticket } from "../schemas/ticket.ts";
import type { QueueRow } from "./priority-queue.ts";

/**
 * Moving a /v1 ticket between shards when an agent corrects its category. A ticket's id carries
 * the tag of the shard it was queued in (shard-key.ts ticketIdFor) and keeps it, so the move must
 * leave a way back, and it spans two Durable Objects, so it must survive a caller dying halfway:
 *
 * 1. old shard `beginMove`: the row is marked moving (move_id, target, relabelled ticket). From
 *    then on it is in no take, list or count there, so nobody can claim it twice.
 * 2. new shard `acceptMove`: inserts the ticket at its old place (same urgency, same arrival,
 *    same lease if it was claimed), at most once per move id (MovesIn).
 * 3. old shard `finishMove`: deletes the row and keeps a forwarding row (ForwardLog).
 *
 * Whoever finds a row moving (a lookup, ack, release or another correction, through
 * tenant-queue.ts `follow`) completes steps 2 and 3 before going on, and the old shard's alarm
 * does the same within Router.MOVE_GRACE_MS; steps 2 and 3 are idempotent, so two finishers never
 * duplicate the ticket. Between 2 and 3 both rows exist, but only the new one is in the waiting
 * order. A forwarding row is followed at most once per shard (each return of the ticket to a
 * shard deletes that shard's forwarding row), so a chain is never longer than the shard count.
 */

/** A move as the new shard needs it. */
export interface PendingMove {
  move_id: string;
  /** The new shard's name. */
  to: string;
  /** The ticket relabelled: new category, routing "auto", reason "agent". */
  ticket: V1Ticket;
  arrival: number;
  lease: QueueRow["lease"];
}

/** "Not here any more: ask `shard`" (and, while `move` is set, finish this move first). */
export type Redirect = { redirect: { shard: string; move: PendingMove | null } };

export function isRedirect(value: unknown): value is Redirect {
  return typeof value === "object" && value !== null && "redirect" in value;
}

export interface BeginMove {
  ticket_id: string;
  category: Category;
  /** The new category's shard. Unused when the row already has `category` (then it is relabelled in place). */
  to: string;
  lease_id: string | null;
  reason: RoutingReason;
}

export type BeginMoveOutcome =
  | { kind: "unknown" | "done" | "stale" }
  | { kind: "in-place"; changed: boolean }
  | { kind: "moving"; move: PendingMove };

/**
 * Forwarding rows: kept for the newest FORWARD_KEEP moves of a shard (about 100 bytes each). An
 * older one is trimmed, and its ticket is then reachable by listing, not by its id.
 */
export const FORWARD_KEEP = 50_000;

export class ForwardLog {
  readonly #sql: SqlStorage;
  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS v1_forward (ticket_id TEXT PRIMARY KEY, shard TEXT NOT NULL, at INTEGER NOT NULL)");
    sql.exec("CREATE INDEX IF NOT EXISTS v1_forward_at ON v1_forward (at)");
  }

  get(ticketId: string): string | null {
    return this.#sql.exec<{ shard: string }>("SELECT shard FROM v1_forward WHERE ticket_id = ?", ticketId).toArray()[0]?.shard ?? null;
  }

  set(ticketId: string, shard: string, nowMs: number): void {
    this.#sql.exec("INSERT OR REPLACE INTO v1_forward (ticket_id, shard, at) VALUES (?, ?, ?)", ticketId, shard, nowMs);
    this.#sql.exec(
      "DELETE FROM v1_forward WHERE ticket_id IN (SELECT ticket_id FROM v1_forward ORDER BY at DESC LIMIT -1 OFFSET ?)",
      FORWARD_KEEP,
    );
  }

  remove(ticketId: string): void {
    this.#sql.exec("DELETE FROM v1_forward WHERE ticket_id = ?", ticketId);
  }
}

/** Move ids a shard has taken in (never trimmed: one short row per correction). */
export class MovesIn {
  readonly #sql: SqlStorage;
  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS v1_moves_in (move_id TEXT PRIMARY KEY, at INTEGER NOT NULL)");
  }

  /** True when `moveId` is new here (and now recorded). */
  claimOnce(moveId: string, nowMs: number): boolean {
    return this.#sql.exec("INSERT OR IGNORE INTO v1_moves_in (move_id, at) VALUES (?, ?)", moveId, nowMs).rowsWritten > 0;
  }
}

/** Most forwarding hops a request follows: one per shard a ticket can have passed through, plus the pre-shard Router. */
export function maxHops(categories: number): number {
  return categories + 2;
}
