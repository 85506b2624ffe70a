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
  /** zset: ticket id → urgency score; the queue GET /v2/tickets/next pops from. */
  processed: string;
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
    counters: `${prefix}stats`,
    notes: `${prefix}notes`,
  };
}
