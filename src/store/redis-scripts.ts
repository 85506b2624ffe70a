/**
 * Lua scripts for the Redis store. Each read-decide-write step runs as one script
 * because Redis executes a script atomically and Upstash's REST API has no WATCH:
 * without them, two consumers (or two GET /next callers, or two sweeps) could
 * interleave between a read and the write that depends on it.
 *
 * Lifetime: hashes of queued tickets (pending, or processed and not popped) carry no
 * TTL. When a record leaves the queues (popped, drained, failed) it gets `expires_at`
 * (ms on the store's injected clock, which every read checks) and a PEXPIRE of the same
 * length, so Redis frees the memory on its own clock.
 *
 * Scripts that reach ticket hashes other than KEYS[*] build their names from the key
 * prefix passed in ARGV, as POP_NEXT always has: the set of hashes is not known before
 * the script runs. Upstash runs a database on one shard, so this is safe there.
 */

/** KEYS: ticket, pending. ARGV: id, now, field, value, … → 1 created / 0 exists. */
export const CREATE_PENDING = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  local expires = redis.call('HGET', KEYS[1], 'expires_at')
  if not expires or tonumber(expires) > tonumber(ARGV[2]) then return 0 end
  redis.call('DEL', KEYS[1])
end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
`;

/** KEYS: ticket, pending. ARGV: id, now → the hash, flat (restarting a pending ticket's delivery clock). */
export const START_DELIVERY = `
if redis.call('HGET', KEYS[1], 'status') == 'pending' then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
end
return redis.call('HGETALL', KEYS[1])
`;

/**
 * KEYS: ticket, pending, processed.
 * ARGV: id, now, score, field, value, … → saved | already_processed | not_found.
 * A failed ticket may still be saved: a late success supersedes the failure, and the
 * ticket waits in the queue again, so its retention is cleared.
 */
export const SAVE_RESULT = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'not_found' end
local expires = redis.call('HGET', KEYS[1], 'expires_at')
if expires and tonumber(expires) <= tonumber(ARGV[2]) then return 'not_found' end
if status == 'processed' then return 'already_processed' end
redis.call('HDEL', KEYS[1], 'error', 'expires_at')
redis.call('HSET', KEYS[1], 'status', 'processed', unpack(ARGV, 4))
redis.call('PERSIST', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return 'saved'
`;

/** KEYS: ticket, pending. ARGV: id, reason, retentionMs, expiresAt → 1 marked / 0 not pending. */
export const MARK_FAILED = `
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'failed', 'error', ARGV[2], 'expires_at', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

/**
 * KEYS[1] processed. ARGV: ticket key prefix, retentionMs, expiresAt, … Pops until it
 * finds a member whose hash still exists, starts its retention and returns the hash
 * flat, all inside one script so a popped id can never be lost between pop and read.
 */
const POP_ONE = `
local function pop_one()
  while true do
    local popped = redis.call('ZPOPMAX', KEYS[1])
    if #popped == 0 then return nil end
    local key = ARGV[1] .. popped[1]
    if redis.call('EXISTS', key) == 1 then
      redis.call('HSET', key, 'expires_at', ARGV[3])
      redis.call('PEXPIRE', key, ARGV[2])
      return redis.call('HGETALL', key)
    end
  end
end
`;

/** KEYS: processed. ARGV: ticket key prefix, retentionMs, expiresAt → hash flat, or nil. */
export const POP_NEXT = `${POP_ONE}
local fields = pop_one()
if fields then return fields end
return false
`;

/**
 * KEYS: processed. ARGV: ticket key prefix, retentionMs, expiresAt, limit →
 * {remaining, {hash flat, …}} in pop order: one page of DELETE /v2/tickets.
 */
export const DRAIN = `${POP_ONE}
local out = {}
for _ = 1, tonumber(ARGV[4]) do
  local fields = pop_one()
  if not fields then break end
  out[#out + 1] = fields
end
return {redis.call('ZCARD', KEYS[1]), out}
`;

/**
 * KEYS: processed. ARGV: ticket key prefix → the hash ZPOPMAX would pop, flat, or nil.
 * Drops members whose hash is gone on the way: they are not tickets anyone could see.
 */
export const PEEK_NEXT = `
while true do
  local top = redis.call('ZREVRANGE', KEYS[1], 0, 0)
  if #top == 0 then return false end
  local fields = redis.call('HGETALL', ARGV[1] .. top[1])
  if #fields > 0 then return fields end
  redis.call('ZREM', KEYS[1], top[1])
end
`;

/**
 * The sweeper's claim. KEYS: pending.
 * ARGV: now, cutoff, limit, maxResends, failReason, retentionMs, expiresAt, ticket key prefix
 * → {{{id, accepted_at, resends}, …}, {failed id, …}}.
 * Members whose hash is gone or no longer pending are index leftovers and are dropped.
 */
export const CLAIM_STALE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local resend, failed = {}, {}
for _, id in ipairs(ids) do
  local key = ARGV[8] .. id
  local f = redis.call('HMGET', key, 'status', 'accepted_at', 'resends')
  if f[1] ~= 'pending' then
    redis.call('ZREM', KEYS[1], id)
  elseif tonumber(f[3] or '0') >= tonumber(ARGV[4]) then
    redis.call('HSET', key, 'status', 'failed', 'error', ARGV[5], 'expires_at', ARGV[7])
    redis.call('PEXPIRE', key, ARGV[6])
    redis.call('ZREM', KEYS[1], id)
    failed[#failed + 1] = id
  else
    local n = redis.call('HINCRBY', key, 'resends', 1)
    redis.call('ZADD', KEYS[1], ARGV[1], id)
    resend[#resend + 1] = {id, f[2], n}
  end
end
return {resend, failed}
`;

/** KEYS: lock. ARGV: owner → 1 released / 0 not ours (or already gone). */
export const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
