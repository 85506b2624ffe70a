/** The Redis key layout, in one place so scripts, the store and ops tooling agree. */
export interface RedisKeys {
  ticket(id: string): string;
  lock(id: string): string;
  webhook(id: string): string;
  /**
   * zset: ticket id → when its delivery clock last started (ms): accepted, attempted by
   * the consumer, or re-sent by the sweeper. Only pending tickets are members, so the
   * sweeper finds stale ones by score range.
   */
  pending: string;
  /** zset: ticket id → urgency score; the queue GET /v2/tickets/next pops from (waiting tickets only). */
  processed: string;
  /**
   * zset per category, the same members and scores as `processed` restricted to that
   * category: `processed` + ":" + category. The scripts build these names from `processed`
   * (the category is read from the ticket's hash), so this is the one place that says so.
   */
  categoryQueue(category: string): string;
  /**
   * The review lane: zset ticket id → urgency score of waiting processed tickets routed
   * "review" (in neither `processed` nor its category zsets), and per category
   * `review` + ":" + category, kept by the same scripts.
   */
  review: string;
  reviewCategoryQueue(category: string): string;
  /** zset: ticket id → lease expiry (ms, store clock); claimed tickets, out of `processed`. */
  claimed: string;
  /** hash per Idempotency-Key: fingerprint, ticket_id, accepted_at, expires_at (ms); PEXPIRE'd. */
  idempotency(key: string): string;
  /**
   * string: the version of the per-category index. Absent on a store written before the
   * index existed; the first script that reads the queue then indexes every waiting
   * ticket by its category and sets it (redis-scripts.ts ENSURE_INDEX).
   */
  indexVersion: string;
  /** hash: counter name → count (webhook outcomes, scores per model, sweeper). */
  counters: string;
  /** hash: note name → string (the consumer's last report, read by /health). */
  notes: string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    ticket: (id) => `${prefix}ticket:${id}`,
    lock: (id) => `${prefix}lock:ticket:${id}`,
    webhook: (id) => `${prefix}webhook:ticket:${id}`,
    pending: `${prefix}pending_tickets`,
    processed: `${prefix}processed_tickets`,
    categoryQueue: (category) => `${prefix}processed_tickets:${category}`,
    review: `${prefix}review_tickets`,
    reviewCategoryQueue: (category) => `${prefix}review_tickets:${category}`,
    claimed: `${prefix}claimed_tickets`,
    idempotency: (key) => `${prefix}idempotency:${key}`,
    indexVersion: `${prefix}processed_index_version`,
    counters: `${prefix}stats`,
    notes: `${prefix}notes`,
  };
}
