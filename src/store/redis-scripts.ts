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
 * KEYS: ticket, pending, the lane's global zset, the lane's zset of the category (the lane
 * is the result's routing: processed_tickets[:<category>] or review_tickets[:<category>]).
 * ARGV: id, now, score, field, value, … → saved | already_processed | not_found.
 * A failed ticket may still be saved: a late success supersedes the failure, and the
 * ticket waits in the queue again, so its retention is cleared. The ticket enters the
 * global order and its category's in the same step.
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
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
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
 * The processed queue's scripts share this prelude. ARGV[1] is the store's key prefix and
 * ARGV[2] now (ms, the store's clock); every key is built from the prefix as in
 * redis-keys.ts, because which category zsets and ticket hashes a call reaches is only known
 * inside the script. Upstash runs a database on one shard, so this is safe there.
 *
 * Invariants: a waiting ticket is a member of its lane's global zset (`processed_tickets` for
 * routing auto or absent, `review_tickets` for review) and of that lane's zset of its
 * category, with its urgency_score; a claimed one of none of them, but of `claimed_tickets`
 * (scored by lease expiry) with lease_id / lease_expires / lease_agent in its hash. A lane's
 * global zset is the truth about "waiting": a category member missing from it (left by a
 * writer that predates the index, during a deploy) is dropped, never handed out.
 *
 * ensure_index: a store written before the per-category index has waiting tickets in the
 * global zset only. The first queue script to run on it indexes every one of them by the
 * category in its hash, then sets processed_index_version, all in that one atomic script, so
 * no ticket is ever unreachable by a category pull. (The review lane is newer than the
 * index: it never needs this.)
 *
 * expire_leases: every lease whose expiry is <= now goes back to its lane's orders with its
 * old score, before the script reads anything: nobody sees a lease past its expiry.
 */
const QUEUE_PRELUDE = `
local P = ARGV[1]
local NOW = tonumber(ARGV[2])
local TICKET = P .. 'ticket:'
local PENDING = P .. 'pending_tickets'
local PROCESSED = P .. 'processed_tickets'
local REVIEW = P .. 'review_tickets'
local CLAIMED = P .. 'claimed_tickets'
local VERSION = P .. 'processed_index_version'
local LEASE_FIELDS = {'lease_id', 'lease_expires', 'lease_agent'}

local function lane_key(lane) if lane == 'review' then return REVIEW end return PROCESSED end
local function cat_key(cat, lane) return lane_key(lane) .. ':' .. cat end
local function lane_of(routing) if routing == 'review' then return 'review' end return 'auto' end
local function lane_arg(value) if value == 'review' then return 'review' end return 'auto' end

-- Byte order, as Redis orders members of equal score (Lua's < on strings follows the locale).
local function id_less(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = a:byte(i), b:byte(i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

local function ensure_index()
  if redis.call('EXISTS', VERSION) == 1 then return end
  local members = redis.call('ZRANGE', PROCESSED, 0, -1, 'WITHSCORES')
  for i = 1, #members, 2 do
    local cat = redis.call('HGET', TICKET .. members[i], 'category')
    if cat then redis.call('ZADD', cat_key(cat, 'auto'), members[i + 1], members[i]) end
  end
  redis.call('SET', VERSION, '1')
end

-- Into its lane's orders (by the hash's routing) at its urgency score.
local function enqueue(id, key)
  local f = redis.call('HMGET', key, 'urgency_score', 'category', 'routing')
  if not f[1] then return end
  local lane = lane_of(f[3])
  redis.call('ZADD', lane_key(lane), f[1], id)
  if f[2] then redis.call('ZADD', cat_key(f[2], lane), f[1], id) end
end

local function expire_leases()
  local ids = redis.call('ZRANGEBYSCORE', CLAIMED, '-inf', NOW)
  for _, id in ipairs(ids) do
    local key = TICKET .. id
    redis.call('ZREM', CLAIMED, id)
    if redis.call('EXISTS', key) == 1 then
      redis.call('HDEL', key, unpack(LEASE_FIELDS))
      enqueue(id, key)
    end
  end
end

-- Out of every waiting order, whichever lane it is in.
local function unqueue(id, cat)
  redis.call('ZREM', PROCESSED, id)
  redis.call('ZREM', REVIEW, id)
  if cat then
    redis.call('ZREM', cat_key(cat, 'auto'), id)
    redis.call('ZREM', cat_key(cat, 'review'), id)
  end
end

-- The first waiting ticket of lane (of cat, or of all), dropping leftovers on the way: its
-- id, hash key and score, or nil. With take, it also leaves every order.
local function top(cat, take, lane)
  local global = lane_key(lane)
  local queue = cat and cat_key(cat, lane) or global
  while true do
    local head = redis.call('ZREVRANGE', queue, 0, 0, 'WITHSCORES')
    if #head == 0 then return nil end
    local id = head[1]
    local key = TICKET .. id
    if cat and not redis.call('ZSCORE', global, id) then
      redis.call('ZREM', queue, id)
    elseif redis.call('EXISTS', key) == 0 then
      unqueue(id, cat)
    else
      if take then unqueue(id, redis.call('HGET', key, 'category')) end
      return id, key, tonumber(head[2])
    end
  end
end

-- Of both lanes, the one whose head comes first in pop order (score, then greatest id).
local function top_any(take)
  local a_id, _, a_score = top(nil, false, 'auto')
  local r_id, _, r_score = top(nil, false, 'review')
  if not a_id and not r_id then return nil end
  local lane = 'auto'
  if not a_id or (r_id and (r_score > a_score or (r_score == a_score and id_less(a_id, r_id)))) then lane = 'review' end
  return top(nil, take, lane)
end

local function start_retention(key, retention_ms, expires_at)
  redis.call('HSET', key, 'expires_at', expires_at)
  redis.call('PEXPIRE', key, retention_ms)
end

local function category_arg(value)
  if value == nil or value == '' then return nil end
  return value
end
`;

/** ARGV: prefix, now, retentionMs, expiresAt, category ('' = all), lane → the popped hash flat, or false. */
export const POP_NEXT = `${QUEUE_PRELUDE}
ensure_index()
expire_leases()
local id, key = top(category_arg(ARGV[5]), true, lane_arg(ARGV[6]))
if not id then return false end
start_retention(key, ARGV[3], ARGV[4])
return redis.call('HGETALL', key)
`;

/**
 * ARGV: prefix, now, retentionMs, expiresAt, limit, lane ('' = both, merged in pop order) →
 * {remaining, {hash flat, …}} in pop order: one page of DELETE /v2/tickets (every category;
 * claimed tickets stay).
 */
export const DRAIN = `${QUEUE_PRELUDE}
ensure_index()
expire_leases()
local both = ARGV[6] == ''
local lane = lane_arg(ARGV[6])
local out = {}
for _ = 1, tonumber(ARGV[5]) do
  local id, key
  if both then id, key = top_any(true) else id, key = top(nil, true, lane) end
  if not id then break end
  start_retention(key, ARGV[3], ARGV[4])
  out[#out + 1] = redis.call('HGETALL', key)
end
local remaining = both and (redis.call('ZCARD', PROCESSED) + redis.call('ZCARD', REVIEW)) or redis.call('ZCARD', lane_key(lane))
return {remaining, out}
`;

/** ARGV: prefix, now, category ('' = all), lane → the hash POP_NEXT would pop, flat, or false. */
export const PEEK_NEXT = `${QUEUE_PRELUDE}
ensure_index()
expire_leases()
local id, key = top(category_arg(ARGV[3]), false, lane_arg(ARGV[4]))
if not id then return false end
return redis.call('HGETALL', key)
`;

/**
 * ARGV: prefix, now, category ('' = all), leaseId, leaseExpires, agent, hasAgent ('1'/'0'), lane
 * → the claimed hash flat (lease fields set), or false when nothing waits.
 */
export const CLAIM_NEXT = `${QUEUE_PRELUDE}
ensure_index()
expire_leases()
local id, key = top(category_arg(ARGV[3]), true, lane_arg(ARGV[8]))
if not id then return false end
redis.call('HSET', key, 'lease_id', ARGV[4], 'lease_expires', ARGV[5])
if ARGV[7] == '1' then redis.call('HSET', key, 'lease_agent', ARGV[6]) else redis.call('HDEL', key, 'lease_agent') end
redis.call('ZADD', CLAIMED, ARGV[5], id)
return redis.call('HGETALL', key)
`;

/** The checks ack and release share; sets id, key, or returns the refusal. */
const LEASE_CHECK = `
local id = ARGV[3]
local key = TICKET .. id
local f = redis.call('HMGET', key, 'status', 'expires_at', 'lease_id')
if not f[1] or (f[2] and tonumber(f[2]) <= NOW) then return {'unknown'} end
if f[3] ~= ARGV[4] then return {'stale'} end
redis.call('ZREM', CLAIMED, id)
redis.call('HDEL', key, unpack(LEASE_FIELDS))
`;

/** ARGV: prefix, now, id, leaseId, retentionMs, expiresAt → {'ok', hash flat} | {'unknown'} | {'stale'}. */
export const ACK_LEASE = `${QUEUE_PRELUDE}
expire_leases()
${LEASE_CHECK}
start_retention(key, ARGV[5], ARGV[6])
return {'ok', redis.call('HGETALL', key)}
`;

/** ARGV: prefix, now, id, leaseId → {'ok', hash flat} | {'unknown'} | {'stale'}; back at its old score, in its lane. */
export const RELEASE_LEASE = `${QUEUE_PRELUDE}
ensure_index()
expire_leases()
${LEASE_CHECK}
enqueue(id, key)
return {'ok', redis.call('HGETALL', key)}
`;

/**
 * An agent's category correction. ARGV: prefix, now, id, category, leaseId ('' = none),
 * reason (JSON) → {state, previous category or '', hash flat} with state processed | claimed |
 * done | failed, or {'unknown'} | {'pending'} | {'stale'}. A waiting ticket (either lane) leaves
 * every order and enters the new category's auto orders at its score; a claimed one under
 * leaseId is relabelled and keeps its lease (its lane is now auto, where release and expiry
 * return it); done and failed ones are left as they are.
 */
export const CORRECT_CATEGORY = `${QUEUE_PRELUDE}
ensure_index()
expire_leases()
local id = ARGV[3]
local key = TICKET .. id
local f = redis.call('HMGET', key, 'status', 'expires_at', 'lease_id', 'category', 'urgency_score')
if not f[1] or (f[2] and tonumber(f[2]) <= NOW) then return {'unknown'} end
if f[1] == 'pending' then return {'pending'} end
local previous = f[4] or ''
if f[1] ~= 'processed' then return {'failed', previous, redis.call('HGETALL', key)} end
if f[2] then return {'done', previous, redis.call('HGETALL', key)} end
local state = 'processed'
if f[3] then
  if f[3] ~= ARGV[5] then return {'stale'} end
  state = 'claimed'
else
  unqueue(id, f[4])
end
redis.call('HSET', key, 'category', ARGV[4], 'routing', 'auto', 'reason', ARGV[6])
if state == 'processed' then enqueue(id, key) end
return {state, previous, redis.call('HGETALL', key)}
`;

/**
 * One page of the listing. ARGV: prefix, now, category ('' = all), state ('processed' |
 * 'claimed' | '' = both), limit, afterScore ('' = from the head), afterId, lane → up to limit + 1
 * hashes flat, in queue order (score descending, then id descending in byte order).
 * Waiting tickets come from the lane's zset by range (ties at the cursor's score read in full);
 * claimed ones (those returning to this lane) are few (the work in agents' hands) and are read
 * and merged at their place.
 */
export const LIST = `${QUEUE_PRELUDE}
ensure_index()
expire_leases()
local cat = category_arg(ARGV[3])
local state = ARGV[4]
local need = tonumber(ARGV[5]) + 1
local has_after = ARGV[6] ~= ''
local after_score, after_id = tonumber(ARGV[6]), ARGV[7]
local lane = lane_arg(ARGV[8])
local global = lane_key(lane)
local function after_ok(score, id)
  if not has_after then return true end
  return score < after_score or (score == after_score and id_less(id, after_id))
end
local cands = {}
local function add(id, score)
  if cat and not redis.call('ZSCORE', global, id) and not redis.call('ZSCORE', CLAIMED, id) then
    redis.call('ZREM', cat_key(cat, lane), id)
  elseif after_ok(score, id) then
    cands[#cands + 1] = {id, score}
  end
end
if state ~= 'claimed' then
  local queue = cat and cat_key(cat, lane) or global
  local rows
  if has_after then
    local ties = redis.call('ZREVRANGEBYSCORE', queue, ARGV[6], ARGV[6], 'WITHSCORES')
    for i = 1, #ties, 2 do add(ties[i], tonumber(ties[i + 1])) end
    rows = redis.call('ZREVRANGEBYSCORE', queue, '(' .. ARGV[6], '-inf', 'WITHSCORES', 'LIMIT', 0, need)
  else
    rows = redis.call('ZREVRANGE', queue, 0, need - 1, 'WITHSCORES')
  end
  for i = 1, #rows, 2 do add(rows[i], tonumber(rows[i + 1])) end
end
if state ~= 'processed' then
  for _, id in ipairs(redis.call('ZRANGE', CLAIMED, 0, -1)) do
    local f = redis.call('HMGET', TICKET .. id, 'urgency_score', 'category', 'routing')
    if f[1] and (not cat or f[2] == cat) and lane_of(f[3]) == lane then add(id, tonumber(f[1])) end
  end
end
table.sort(cands, function(a, b)
  if a[2] ~= b[2] then return a[2] > b[2] end
  return id_less(b[1], a[1])
end)
local out = {}
for i = 1, math.min(#cands, need) do
  local h = redis.call('HGETALL', TICKET .. cands[i][1])
  if #h > 0 then out[#out + 1] = h end
end
return out
`;

/** ARGV: prefix, now → {pending, processed} (waiting processed tickets of the auto lane, after expiring leases). */
export const COUNTS = `${QUEUE_PRELUDE}
expire_leases()
return {redis.call('ZCARD', PENDING), redis.call('ZCARD', PROCESSED)}
`;

/**
 * ARGV: prefix, now, highFrom, mediumFrom, category, … → {pending, processed, claimed,
 * {waiting, high, medium}, … one per category in ARGV order (auto lane), review waiting,
 * {…} per category (review lane)}.
 */
export const QUEUE_STATUS = `${QUEUE_PRELUDE}
ensure_index()
expire_leases()
local function depths(lane)
  local per = {}
  for i = 5, #ARGV do
    local q = cat_key(ARGV[i], lane)
    per[#per + 1] = {redis.call('ZCARD', q), redis.call('ZCOUNT', q, ARGV[3], '+inf'), redis.call('ZCOUNT', q, ARGV[4], '(' .. ARGV[3])}
  end
  return per
end
return {redis.call('ZCARD', PENDING), redis.call('ZCARD', PROCESSED), redis.call('ZCARD', CLAIMED), depths('auto'), redis.call('ZCARD', REVIEW), depths('review')}
`;

/** ARGV: prefix, now, id → 1 deleted / 0 absent; every index entry goes with the hash. */
export const DELETE_TICKET = `${QUEUE_PRELUDE}
local id = ARGV[3]
local key = TICKET .. id
local cat = redis.call('HGET', key, 'category')
local existed = redis.call('DEL', key)
redis.call('ZREM', PENDING, id)
redis.call('ZREM', CLAIMED, id)
unqueue(id, cat)
return existed
`;

/**
 * createPending under an Idempotency-Key. ARGV: prefix, now, key, ttlMs, keyExpiresAt,
 * fingerprint, id, accepted_at, field, value, … (the pending hash) →
 * {'created'} | {'taken', fingerprint, ticket_id, accepted_at, status or ''} | {'collision'}.
 * The key's hash carries expires_at (store clock, checked) and a PEXPIRE of the same length.
 */
export const CREATE_PENDING_ONCE = `${QUEUE_PRELUDE}
local ikey = P .. 'idempotency:' .. ARGV[3]
local f = redis.call('HMGET', ikey, 'fingerprint', 'ticket_id', 'accepted_at', 'expires_at')
if f[2] and f[4] and tonumber(f[4]) > NOW then
  local t = redis.call('HMGET', TICKET .. f[2], 'status', 'expires_at')
  local status = t[1]
  if t[2] and tonumber(t[2]) <= NOW then status = false end
  return {'taken', f[1], f[2], f[3], status or ''}
end
local tkey = TICKET .. ARGV[7]
if redis.call('EXISTS', tkey) == 1 then
  local expires = redis.call('HGET', tkey, 'expires_at')
  if not expires or tonumber(expires) > NOW then return {'collision'} end
  redis.call('DEL', tkey)
end
redis.call('HSET', tkey, unpack(ARGV, 9))
redis.call('ZADD', PENDING, NOW, ARGV[7])
redis.call('DEL', ikey)
redis.call('HSET', ikey, 'fingerprint', ARGV[6], 'ticket_id', ARGV[7], 'accepted_at', ARGV[8], 'expires_at', ARGV[5])
redis.call('PEXPIRE', ikey, ARGV[4])
return {'created'}
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
