/**
 * The v1_queue table and its migration. `arrival` (added with sharding) is the cross-shard order
 * key: rows from before it get one from their queued_at, made strictly increasing in seq order, so
 * within an object (urgency_level, seq) and (urgency_level, arrival) stay the same order. Objects created before leases existed have only
 * (seq, urgency_level, ticket); the new columns are added in place and filled from the
 * stored ticket JSON, so a deployed queue keeps its tickets and their order (seq).
 * Idempotent: runs in every constructor, and each step checks before it changes anything.
 */
export function migrateQueueTable(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS v1_queue (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    urgency_level INTEGER NOT NULL,
    ticket TEXT NOT NULL
  )`);
  sql.exec("CREATE TABLE IF NOT EXISTS v1_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
  const have = new Set(sql.exec<{ name: string }>("PRAGMA table_info(v1_queue)").toArray().map((c) => c.name));
  // lease_* are null while the ticket waits; lease_expires is epoch milliseconds.
  for (const [name, type] of [
    ["ticket_id", "TEXT"],
    ["category", "TEXT"],
    ["lease_id", "TEXT"],
    ["lease_expires", "INTEGER"],
    ["lease_agent", "TEXT"],
    ["arrival", "INTEGER"],
    // Review lane (routing "review"); rows from before it are auto-routed.
    ["lane", "TEXT NOT NULL DEFAULT 'auto'"],
    // A correction moving the row to another shard (move.ts): while set, the row is in no take, list or count.
    ["move_id", "TEXT"],
    ["move_to", "TEXT"],
    ["move_ticket", "TEXT"],
  ] as const) {
    if (!have.has(name)) sql.exec(`ALTER TABLE v1_queue ADD COLUMN ${name} ${type}`);
  }
  if (!have.has("ticket_id") || !have.has("category")) {
    sql.exec(
      "UPDATE v1_queue SET ticket_id = json_extract(ticket, '$.ticket_id'), category = json_extract(ticket, '$.category') WHERE ticket_id IS NULL",
    );
  }
  if (!have.has("arrival")) backfillArrival(sql);
  // Waiting order is (urgency_level, arrival, ticket_id): a ticket moved in by a correction keeps its
  // old arrival, so it lands at its old place, which seq (insertion order) could not say.
  sql.exec("DROP INDEX IF EXISTS v1_waiting");
  sql.exec("DROP INDEX IF EXISTS v1_waiting_category");
  sql.exec(`CREATE INDEX IF NOT EXISTS v1_waiting_auto ON v1_queue (urgency_level, arrival, ticket_id)
    WHERE lease_id IS NULL AND move_id IS NULL AND lane = 'auto'`);
  sql.exec(`CREATE INDEX IF NOT EXISTS v1_waiting_review ON v1_queue (urgency_level, arrival, ticket_id)
    WHERE lease_id IS NULL AND move_id IS NULL AND lane = 'review'`);
  sql.exec(`CREATE INDEX IF NOT EXISTS v1_waiting_auto_category ON v1_queue (category, urgency_level, arrival, ticket_id)
    WHERE lease_id IS NULL AND move_id IS NULL AND lane = 'auto'`);
  sql.exec(`CREATE INDEX IF NOT EXISTS v1_waiting_review_category ON v1_queue (category, urgency_level, arrival, ticket_id)
    WHERE lease_id IS NULL AND move_id IS NULL AND lane = 'review'`);
  sql.exec("CREATE INDEX IF NOT EXISTS v1_moving ON v1_queue (move_id) WHERE move_id IS NOT NULL");
  // Listing walks every row (waiting and claimed) in queue order; waiting queries use the partial ones.
  sql.exec("CREATE INDEX IF NOT EXISTS v1_queue_order ON v1_queue (urgency_level, seq)");
  sql.exec("CREATE INDEX IF NOT EXISTS v1_queue_arrival ON v1_queue (urgency_level, arrival)");
  sql.exec("CREATE INDEX IF NOT EXISTS v1_leases ON v1_queue (lease_expires) WHERE lease_id IS NOT NULL");
}

/** Arrival for rows that predate it: queued_at in µs-scale, bumped so it never goes backwards in seq order. */
function backfillArrival(sql: SqlStorage): void {
  let last = 0;
  const rows = sql.exec<{ seq: number; queued_at: string | null }>("SELECT seq, json_extract(ticket, '$.queued_at') AS queued_at FROM v1_queue ORDER BY seq").toArray();
  for (const r of rows) {
    const ms = r.queued_at ? Date.parse(r.queued_at) : Number.NaN;
    last = Math.max(last + 1, Number.isFinite(ms) ? ms * 1000 : 0);
    sql.exec("UPDATE v1_queue SET arrival = ? WHERE seq = ?", last, r.seq);
  }
  sql.exec("INSERT INTO v1_counters (name, value) VALUES ('arrival', ?) ON CONFLICT(name) DO UPDATE SET value = MAX(value, excluded.value)", last);
}
