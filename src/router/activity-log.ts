/** Minutes in GET /v1/tickets/activity's window. */
export const ACTIVITY_WINDOW_MINUTES = 60 as const;
const MINUTE_MS = 60_000;
/** Rows older than this many minutes are trimmed: twice the window, so a lagging clock still finds its hour. */
const KEEP_MINUTES = 2 * ACTIVITY_WINDOW_MINUTES;

export type ActivityRow = {
  minute: number; // epoch minutes
  arrivals: number;
  completions: number;
};

/** One object's part of the series: its rows of the last window and its clock's now. */
export interface ActivityPart {
  nowMs: number;
  rows: ActivityRow[];
}

/**
 * Arrivals (tickets queued) and completions (tickets that left as done: next, ack, drain) per
 * minute, in the object's SQLite. One row per minute with traffic, so the table stays at most
 * KEEP_MINUTES rows whatever the volume.
 */
export class ActivityLog {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS v1_activity (minute INTEGER PRIMARY KEY, arrivals INTEGER NOT NULL, completions INTEGER NOT NULL)");
  }

  record(kind: "arrivals" | "completions", n: number, nowMs: number): void {
    if (n <= 0) return;
    const minute = Math.floor(nowMs / MINUTE_MS);
    const [a, c] = kind === "arrivals" ? [n, 0] : [0, n];
    this.#sql.exec(
      "INSERT INTO v1_activity (minute, arrivals, completions) VALUES (?, ?, ?) ON CONFLICT(minute) DO UPDATE SET arrivals = arrivals + excluded.arrivals, completions = completions + excluded.completions",
      minute,
      a,
      c,
    );
    this.#sql.exec("DELETE FROM v1_activity WHERE minute < ?", minute - KEEP_MINUTES);
  }

  part(nowMs: number): ActivityPart {
    const since = Math.floor(nowMs / MINUTE_MS) - KEEP_MINUTES;
    return { nowMs, rows: this.#sql.exec<ActivityRow>("SELECT minute, arrivals, completions FROM v1_activity WHERE minute >= ?", since).toArray() };
  }
}

/**
 * The tenant's series from its objects' parts: ACTIVITY_WINDOW_MINUTES entries, oldest first,
 * ending at the minute of the latest clock among them (they agree to milliseconds in production;
 * tests move them together).
 */
export function activitySeries(parts: readonly ActivityPart[]): { window_minutes: typeof ACTIVITY_WINDOW_MINUTES; minutes: { start: string; arrivals: number; completions: number }[] } {
  const nowMs = Math.max(...parts.map((p) => p.nowMs));
  const last = Math.floor(nowMs / MINUTE_MS);
  const first = last - ACTIVITY_WINDOW_MINUTES + 1;
  const minutes = Array.from({ length: ACTIVITY_WINDOW_MINUTES }, (_, i) => ({ start: new Date((first + i) * MINUTE_MS).toISOString(), arrivals: 0, completions: 0 }));
  for (const part of parts) {
    for (const row of part.rows) {
      const entry = minutes[row.minute - first];
      if (!entry) continue;
      entry.arrivals += row.arrivals;
      entry.completions += row.completions;
    }
  }
  return { window_minutes: ACTIVITY_WINDOW_MINUTES, minutes };
}
