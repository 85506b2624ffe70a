/** The Redis key layout, in one place so scripts, the store and ops tooling agree. */
export interface RedisKeys {
  ticket(id: string): string;
  lock(id: string): string;
  webhook(id: string): string;
  /** zset: ticket id → expiry time (ms) of a pending ticket. */
  pending: string;
  /** zset: ticket id → urgency score; the queue GET /v2/tickets/next pops from. */
  processed: string;
  /** zset: ticket id → expiry time (ms) of a queued ticket, to prune the queue. */
  processedDeadlines: string;
  /** hash: counter name → count (webhook outcomes). */
  counters: string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    ticket: (id) => `${prefix}ticket:${id}`,
    lock: (id) => `${prefix}lock:ticket:${id}`,
    webhook: (id) => `${prefix}webhook:ticket:${id}`,
    pending: `${prefix}pending_tickets`,
    processed: `${prefix}processed_tickets`,
    processedDeadlines: `${prefix}processed_deadlines`,
    counters: `${prefix}stats`,
  };
}
