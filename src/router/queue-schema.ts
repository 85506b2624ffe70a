/**
 * The v1_queue table and its migration. Objects created before leases existed have only
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
  const have = new Set(sql.exec<{ name: string }>("PRAGMA table_info(v1_queue)").toArray().map((c) => c.name));
  // lease_* are null while the ticket waits; lease_expires is epoch milliseconds.
  for (const [name, type] of [
    ["ticket_id", "TEXT"],
    ["category", "TEXT"],
    ["lease_id", "TEXT"],
    ["lease_expires", "INTEGER"],
    ["lease_agent", "TEXT"],
  ] as const) {
    if (!have.has(name)) sql.exec(`ALTER TABLE v1_queue ADD COLUMN ${name} ${type}`);
  }
  if (!have.has("ticket_id") || !have.has("category")) {
    sql.exec(
      "UPDATE v1_queue SET ticket_id = json_extract(ticket, '$.ticket_id'), category = json_extract(ticket, '$.category') WHERE ticket_id IS NULL",
    );
  }
  sql.exec("CREATE INDEX IF NOT EXISTS v1_waiting ON v1_queue (urgency_level, seq) WHERE lease_id IS NULL");
  sql.exec("CREATE INDEX IF NOT EXISTS v1_waiting_category ON v1_queue (category, urgency_level, seq) WHERE lease_id IS NULL");
  // Listing walks every row (waiting and claimed) in queue order; waiting queries use the partial ones.
  sql.exec("CREATE INDEX IF NOT EXISTS v1_queue_order ON v1_queue (urgency_level, seq)");
  sql.exec("CREATE INDEX IF NOT EXISTS v1_leases ON v1_queue (lease_expires) WHERE lease_id IS NOT NULL");
  sql.exec("CREATE UNIQUE INDEX IF NOT EXISTS v1_ticket_id ON v1_queue (ticket_id)");
  sql.exec("CREATE TABLE IF NOT EXISTS v1_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
}
