/**
 * Lua scripts for the Redis store. Each read-decide-write step runs as one script
 * because Redis executes a script atomically and Upstash's REST API has no WATCH:
 * without them, two consumers (or two GET /next callers) could interleave between a
 * read and the write that depends on it.
 *
 * Index zsets: `pending_tickets` and `processed_deadlines` are scored by the entry's
 * expiry time (ms), so expired members are found by score range and pruned before
 * counting or popping; `processed_tickets` is scored by urgency for ZPOPMAX.
 */

/**
 * Drops processed-queue members whose deadline (KEYS[2]) is at or before ARGV[1].
 * Bounded per call so a huge backlog cannot stall Redis; the rest goes next time.
 */
const PRUNE_PROCESSED = `
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 500)
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
end
`;

/** KEYS: ticket, pending. ARGV: id, ttlMs, deadline, field, value, … → 1 created / 0 exists. */
export const CREATE_PENDING = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
`;

/**
 * KEYS: ticket, pending, processed, processed_deadlines.
 * ARGV: id, ttlMs, deadline, score, field, value, … → saved | already_processed | not_found.
 * A failed ticket may still be saved: a late success supersedes the failure.
 */
export const SAVE_RESULT = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'not_found' end
if status == 'processed' then return 'already_processed' end
redis.call('HDEL', KEYS[1], 'error')
redis.call('HSET', KEYS[1], 'status', 'processed', unpack(ARGV, 5))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
return 'saved'
`;

/** KEYS: ticket, pending. ARGV: id, reason, ttlMs → 1 marked / 0 not pending. */
export const MARK_FAILED = `
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'failed', 'error', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

/**
 * KEYS: processed, processed_deadlines. ARGV: now, ticket key prefix.
 * Pops until it finds a member whose hash still exists, and returns that hash flat,
 * all inside one script so a popped id can never be lost between pop and read.
 */
export const POP_NEXT = `${PRUNE_PROCESSED}
while true do
  local popped = redis.call('ZPOPMAX', KEYS[1])
  if #popped == 0 then return false end
  redis.call('ZREM', KEYS[2], popped[1])
  local fields = redis.call('HGETALL', ARGV[2] .. popped[1])
  if #fields > 0 then return fields end
end
`;

/** KEYS: processed, processed_deadlines, pending. ARGV: now → {pending, processed}. */
export const COUNTS = `${PRUNE_PROCESSED}
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
return {redis.call('ZCARD', KEYS[3]), redis.call('ZCARD', KEYS[1])}
`;

/** KEYS: lock. ARGV: owner → 1 released / 0 not ours (or already gone). */
export const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
