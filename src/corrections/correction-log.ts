import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { CORRECTIONS_LIMIT_MAX, type Correction, type CorrectionList } from "../schemas/corrections.ts";

/** What a route hands the log: everything but the id and time, which the log assigns. */
export type NewCorrection = Omit<Correction, "correction_id" | "corrected_at" | "moved">;

/**
 * Every category correction of one tenant, for good: agents' corrections are the training data
 * the next model learns from, so they live in their own Durable Object's SQLite storage (they
 * survive restarts and deploys) and are never trimmed, unlike the queues' bounded done logs.
 * Append-only except `moved`, which the route sets once the ticket has changed queues: the
 * correction is written first, so a failure while moving the ticket never loses it.
 */
export class CorrectionLog extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  /** Epoch ms of `corrected_at`; tests swap it, like Router.clock. */
  clock: () => number = () => Date.now();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS corrections (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      correction_id TEXT NOT NULL UNIQUE,
      ticket_id TEXT NOT NULL,
      api TEXT NOT NULL,
      previous_category TEXT,
      category TEXT NOT NULL,
      agent TEXT,
      corrected_at TEXT NOT NULL,
      state TEXT NOT NULL,
      moved INTEGER NOT NULL DEFAULT 0,
      subject TEXT NOT NULL,
      body TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS corrections_ticket ON corrections (ticket_id, seq);`);
  }

  record(entry: NewCorrection): Correction {
    const correction: Correction = { ...entry, correction_id: crypto.randomUUID(), corrected_at: new Date(this.clock()).toISOString(), moved: false };
    this.#sql.exec(
      `INSERT INTO corrections (correction_id, ticket_id, api, previous_category, category, agent, corrected_at, state, moved, subject, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
      correction.correction_id,
      correction.ticket_id,
      correction.api,
      correction.previous_category,
      correction.category,
      correction.agent,
      correction.corrected_at,
      correction.state,
      correction.subject,
      correction.body,
    );
    return correction;
  }

  /** The ticket changed queues because of this correction. */
  markMoved(correctionId: string): boolean {
    return this.#sql.exec("UPDATE corrections SET moved = 1 WHERE correction_id = ?", correctionId).rowsWritten > 0;
  }

  /** One page, oldest first, after `afterSeq` (the cursor's number; 0 = from the start). */
  list(limit: number, afterSeq = 0): CorrectionList {
    if (!Number.isInteger(limit) || limit < 1 || limit > CORRECTIONS_LIMIT_MAX) {
      throw new TypeError(`corrections limit must be an integer from 1 to ${CORRECTIONS_LIMIT_MAX}, got ${limit}`);
    }
    const rows = this.#sql
      .exec<Row>(`SELECT ${COLUMNS} FROM corrections WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, limit + 1)
      .toArray();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { corrections: page.map(toCorrection), next_cursor: rows.length > limit && last ? `c${last.seq}` : null };
  }

  /** The newest correction of a ticket, or null. */
  latestFor(ticketId: string): Correction | null {
    const row = this.#sql.exec<Row>(`SELECT ${COLUMNS} FROM corrections WHERE ticket_id = ? ORDER BY seq DESC LIMIT 1`, ticketId).toArray()[0];
    return row ? toCorrection(row) : null;
  }

  count(): number {
    return this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM corrections").one().n;
  }
}

type Row = Omit<Correction, "moved"> & { seq: number; moved: number };
const COLUMNS = "seq, correction_id, ticket_id, api, previous_category, category, agent, corrected_at, state, moved, subject, body";

function toCorrection({ seq: _seq, moved, ...rest }: Row): Correction {
  return { ...rest, moved: moved === 1 };
}

/** The cursor's position, or null when it is not one GET /v1/corrections issued. */
export function correctionCursor(cursor: string | undefined): number | null {
  if (cursor === undefined) return 0;
  const m = /^c([0-9]{1,15})$/.exec(cursor);
  return m ? Number(m[1]) : null;
}

/** One log per tenant; the default tenant's is "default". */
export function correctionLogFor(env: Pick<Env, "CORRECTIONS">, tenant: string) {
  return env.CORRECTIONS.getByName(`corrections:${tenant}`);
}
