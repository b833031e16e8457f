// The lease protocol, as Redis Lua scripts. Every change to a campaign's
// books happens inside one script, so it is atomic and costs one round trip.
//
// Amounts are integers in micro-units (1e-6 of the budget currency) and are
// stored with %.0f: Lua's tostring keeps only 14 digits.
//
// Keys of one campaign (all share the `{campaign}` hash tag):
//   budget  hash: total pool spent late generation epoch restored warm periodStart periodEnd tick typical
//   leases  hash: lease id -> "granted reported foreign seq expiresAt"
//   expiry  zset: lease id -> expiresAt (ms, Redis TIME)
//   reaped  hash: lease id -> reported at reaping (late reports count from there)
//   foreign hash: decision id -> "amount lease" (a win reported by another
//                instance, once: the lease it was counted into, none when
//                late), "o" once its owner reported it too
//   written zset: decision id -> when its owner wrote it (Redis TIME), kept
//                for a lease's life: a notice the exchange delivers again
//                to another instance after that is not counted twice
//   owners  hash: instance id -> its current lease id
//
// Accounting, at every instant: total = pool + sum(granted - reported - foreign) + spent + late.

const prelude = `
local function f(x) return string.format('%.0f', x) end
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function parse(v)
  local g, r, fo, s, e = string.match(v, '^(%S+) (%S+) (%S+) (%S+) (%S+)$')
  return tonumber(g), tonumber(r), tonumber(fo), tonumber(s), tonumber(e)
end
local function pack(g, r, fo, s, e) return f(g) .. ' ' .. f(r) .. ' ' .. f(fo) .. ' ' .. f(s) .. ' ' .. f(e) end
-- The owner's report of its own wins, against the wins other instances
-- report for it: one notice processed by its owner and by another instance
-- (delivered again while the owner was frozen, or after it wrote the win
-- but before the exchange saw its acknowledgement) must count once. Each
-- token is a decision id the owner is writing now. One counted already by
-- another instance is marked as the owner's ("o": a repeated request
-- corrects nothing twice) and its amount returned, split by where it was
-- counted: into this lease, or elsewhere (another lease, or late). The
-- others are remembered for memory ms, so a foreign report of them later is
-- a duplicate.
local function ownReported(kForeign, kWritten, tokens, lease, now, memory)
  local here, elsewhere = 0, 0
  if tokens == '' then return 0, 0 end
  for id in string.gmatch(tokens, '%S+') do
    local v = redis.call('HGET', kForeign, id)
    if not v then
      redis.call('ZADD', kWritten, now, id)
    elseif v ~= 'o' then
      local a, where = string.match(v, '^(%S+) ?(%S*)$')
      if where == lease then here = here + tonumber(a) else elsewhere = elsewhere + tonumber(a) end
      redis.call('HSET', kForeign, id, 'o')
    end
  end
  redis.call('ZREMRANGEBYSCORE', kWritten, '-inf', now - memory)
  redis.call('PEXPIRE', kWritten, memory)
  return here, elsewhere
end
-- Returns the unspent part of expired leases to the pool; remembers what
-- each had reported, so a report that arrives later is counted apart.
-- Lease lives run on the campaign's own clock: a gap since the last renewal
-- longer than maxGap (Redis down, restarted, paused, or every instance
-- idle) is added to every lease first, so an outage never expires the
-- leases of instances that could not reach Redis to report their wins.
local function reap(kBudget, kLeases, kExpiry, kReaped, now, pool, maxGap)
  local tick = tonumber(redis.call('HGET', kBudget, 'tick') or now)
  local gap = now - tick
  if gap > maxGap then
    local all = redis.call('ZRANGE', kExpiry, 0, -1, 'WITHSCORES')
    for i = 1, #all, 2 do redis.call('ZADD', kExpiry, tonumber(all[i + 1]) + gap, all[i]) end
  end
  redis.call('HSET', kBudget, 'tick', f(now))
  local ids = redis.call('ZRANGEBYSCORE', kExpiry, '-inf', now, 'LIMIT', 0, 100)
  for _, id in ipairs(ids) do
    local v = redis.call('HGET', kLeases, id)
    if v then
      local g, r, fo = parse(v)
      local out = g - r - fo
      if out > 0 then pool = pool + out end
      redis.call('HDEL', kLeases, id)
      redis.call('HSET', kReaped, id, f(r))
    end
    redis.call('ZREM', kExpiry, id)
  end
  return pool
end
`;

/**
 * Settle-and-renew: one call reports a lease's cumulative spend, tops it up
 * to (or shrinks it to) a wanted cumulative grant, and extends its life.
 *
 * KEYS: budget, leases, expiry, reaped, owners, foreign, written.
 * ARGV: epoch ("" on first contact), lease id, request seq, reported
 * (cumulative, micros), want (cumulative grant, micros), known granted (what
 * the client last saw confirmed), life ms, min chunk (micros), warm state in
 * ("" for none), "1" to receive the warm state, "1" to release the lease,
 * owner id (instance), longest gap between renewals that is not an outage
 * (ms; leaseTtl / 2 + outcomeGrace: an owner renews at least every half
 * TTL, so only a longer silence can expire a lease whose wins were waiting
 * on Redis); this instance's lease target when it knows its spend rate (""
 * when not: kept as the fleet's typical lease, a moving average); "1" when
 * it does not know its size yet (a first lease: it asks for the fleet's
 * typical lease, so a new instance does not renew again and again while it
 * learns its rate); the decision ids of the wins in `reported` not yet
 * confirmed written, space-separated (see ownReported: a win counted
 * already by another instance is taken out of this report, once); how long
 * they are remembered (ms: the lease's life).
 *
 * Reply: { status, epoch, generation, granted, reported, foreign, expiresAt,
 * pool, now, warm, nextExpiry } (nextExpiry, with ok and restored: the
 * earliest expiry of any lease, when the next unspent lease may return to
 * the pool; 0 for none). Status: ok, restored (the lease was behind what the
 * client held: re-asserted), stale (an older request; nothing changed),
 * released, lease_lost (reaped; the report was counted as late),
 * no_campaign, epoch_mismatch.
 */
export const renewScript = `${prelude}
local kBudget, kLeases, kExpiry, kReaped, kOwners, kForeign, kWritten = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local now = clock()
local b = redis.call('HMGET', kBudget, 'epoch', 'generation', 'pool', 'spent', 'late', 'restored')
local epoch = b[1]
if not epoch then return {'no_campaign', '', 0, 0, 0, 0, 0, 0, now, ''} end
local generation = tonumber(b[2])
local pool, spent, late, restored = tonumber(b[3]), tonumber(b[4]), tonumber(b[5]), tonumber(b[6])
if ARGV[1] ~= '' and ARGV[1] ~= epoch then return {'epoch_mismatch', epoch, generation, 0, 0, 0, 0, pool, now, ''} end
local id, seq = ARGV[2], tonumber(ARGV[3])
local reported, want, known = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
pool = reap(kBudget, kLeases, kExpiry, kReaped, now, pool, tonumber(ARGV[13]))
local status = 'ok'
local v = redis.call('HGET', kLeases, id)
local g, r, fo, s, e = 0, 0, 0, 0, 0
if v then
  g, r, fo, s, e = parse(v)
  if seq <= s then
    redis.call('HSET', kBudget, 'pool', f(pool))
    local st = 'ok'
    if seq < s then st = 'stale' end
    return {st, epoch, generation, g, r, fo, e, pool, now, ''}
  end
else
  local r0 = redis.call('HGET', kReaped, id)
  if r0 then
    r0 = tonumber(r0)
    if reported > r0 then
      local here, elsewhere = ownReported(kForeign, kWritten, ARGV[16] or '', id, now, tonumber(ARGV[17]))
      -- Counted already (into this lease before it was reaped, or late): not again.
      local extra = math.max(0, reported - r0 - here - elsewhere)
      late = late + extra
      pool = pool - extra
      redis.call('HSET', kReaped, id, f(reported))
    end
    redis.call('HSET', kBudget, 'pool', f(pool), 'late', f(late))
    return {'lease_lost', epoch, generation, 0, reported, 0, 0, pool, now, ''}
  end
  redis.call('HSET', kOwners, ARGV[12], id)
end
if known > g then
  -- Redis lost part of this lease (restored from an older copy): the client's
  -- confirmed grant is the truth; take the difference from the pool again.
  pool = pool - (known - g)
  g = known
  restored = restored + 1
  status = 'restored'
end
if reported > r then
  spent = spent + (reported - r)
  r = reported
  local here, elsewhere = ownReported(kForeign, kWritten, ARGV[16] or '', id, now, tonumber(ARGV[17]))
  -- A win counted into this lease by another instance moves from foreign to
  -- reported; one counted elsewhere returns its second count to the pool.
  fo = fo - here
  spent = spent - here - elsewhere
  pool = pool + elsewhere
end
if r + fo > g then
  pool = pool - (r + fo - g)
  g = r + fo
end
if ARGV[11] == '1' then
  pool = pool + (g - r - fo)
  redis.call('HDEL', kLeases, id)
  redis.call('ZREM', kExpiry, id)
  redis.call('HSET', kReaped, id, f(r))
  if redis.call('HGET', kOwners, ARGV[12]) == id then redis.call('HDEL', kOwners, ARGV[12]) end
  redis.call('HSET', kBudget, 'pool', f(pool), 'spent', f(spent), 'restored', f(restored))
  return {'released', epoch, generation, r + fo, r, fo, 0, pool, now, ''}
end
local typical = tonumber(redis.call('HGET', kBudget, 'typical') or '0')
if ARGV[14] and ARGV[14] ~= '' then
  local t = tonumber(ARGV[14])
  if typical > 0 then t = math.floor(0.8 * typical + 0.2 * t) end
  redis.call('HSET', kBudget, 'typical', f(t))
end
if ARGV[15] == '1' and r + fo + typical > want then want = r + fo + typical end
if want > g then
  local active = redis.call('HLEN', kLeases)
  if not v then active = active + 1 end
  -- Cap each grant so the end of the budget is not stranded in one instance.
  local cap = math.max(tonumber(ARGV[8]), math.floor(pool / active))
  local top = math.min(want - g, cap, pool)
  if top > 0 then
    g = g + top
    pool = pool - top
  end
elseif want < g then
  local ng = math.max(want, r + fo)
  pool = pool + (g - ng)
  g = ng
end
e = now + tonumber(ARGV[7])
redis.call('HSET', kLeases, id, pack(g, r, fo, seq, e))
redis.call('ZADD', kExpiry, e, id)
if ARGV[9] ~= '' then redis.call('HSET', kBudget, 'warm', ARGV[9]) end
local warm = ''
if ARGV[10] == '1' then warm = redis.call('HGET', kBudget, 'warm') or '' end
redis.call('HSET', kBudget, 'pool', f(pool), 'spent', f(spent), 'restored', f(restored))
local first = redis.call('ZRANGE', kExpiry, 0, 0, 'WITHSCORES')
local nextExpiry = 0
if first[2] then nextExpiry = tonumber(first[2]) end
return {status, epoch, generation, g, r, fo, e, pool, now, warm, nextExpiry}
`;

/**
 * A win reported by an instance other than the one whose lease made the bid
 * (its owner was killed or frozen and the win notice was delivered
 * elsewhere). Counted once per decision id, and not at all when its owner
 * wrote it within a lease's life (see ownReported).
 *
 * KEYS: budget, leases, foreign, owners, written. ARGV: epoch, lease id (or "" to
 * use the owner instance's current lease), decision id, amount (micros), how
 * long decision ids are remembered (ms), owner instance id.
 *
 * Reply: { status, pool }. Status: counted (into the owner's live lease),
 * late (the lease is gone: counted apart), duplicate, no_campaign,
 * epoch_mismatch.
 */
export const reportWinScript = `${prelude}
local kBudget, kLeases, kForeign, kOwners, kWritten = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local b = redis.call('HMGET', kBudget, 'epoch', 'pool', 'spent', 'late')
local epoch = b[1]
if not epoch then return {'no_campaign', 0} end
if ARGV[1] ~= '' and ARGV[1] ~= epoch then return {'epoch_mismatch', 0} end
local pool, spent, late = tonumber(b[2]), tonumber(b[3]), tonumber(b[4])
local amount = tonumber(ARGV[4])
if redis.call('HEXISTS', kForeign, ARGV[3]) == 1 or redis.call('ZSCORE', kWritten, ARGV[3]) then return {'duplicate', pool} end
local id = ARGV[2]
if id == '' then id = redis.call('HGET', kOwners, ARGV[6]) or '' end
local v = false
if id ~= '' then v = redis.call('HGET', kLeases, id) end
-- Where it is counted, so the owner's own report of it later takes it out of the right place.
if v then redis.call('HSET', kForeign, ARGV[3], f(amount) .. ' ' .. id) else redis.call('HSET', kForeign, ARGV[3], f(amount)) end
redis.call('PEXPIRE', kForeign, ARGV[5])
local status = 'late'
if v then
  local g, r, fo, s, e = parse(v)
  fo = fo + amount
  spent = spent + amount
  if r + fo > g then
    pool = pool - (r + fo - g)
    g = r + fo
  end
  redis.call('HSET', kLeases, id, pack(g, r, fo, s, e))
  status = 'counted'
else
  late = late + amount
  pool = pool - amount
end
redis.call('HSET', kBudget, 'pool', f(pool), 'spent', f(spent), 'late', f(late))
return {status, pool}
`;

/**
 * Seeds or changes a campaign's budget. Absolute, so repeating it changes
 * nothing: the first call creates the books (epoch from ARGV, generation 1),
 * a call with a new total moves the difference into the pool and bumps the
 * generation, a call with the same values is a no-op.
 *
 * KEYS: budget. ARGV: total (micros), period start, period end, new epoch.
 * Reply: { status (created | updated | unchanged), epoch, generation }.
 */
export const setBudgetScript = `${prelude}
local kBudget = KEYS[1]
local total = tonumber(ARGV[1])
local cur = redis.call('HMGET', kBudget, 'epoch', 'total', 'generation', 'pool', 'periodStart', 'periodEnd')
if not cur[1] then
  redis.call('HSET', kBudget, 'epoch', ARGV[4], 'total', f(total), 'pool', f(total), 'spent', '0', 'late', '0',
    'generation', '1', 'restored', '0', 'periodStart', ARGV[2], 'periodEnd', ARGV[3])
  return {'created', ARGV[4], 1}
end
local old, generation = tonumber(cur[2]), tonumber(cur[3])
if old == total and cur[5] == ARGV[2] and cur[6] == ARGV[3] then return {'unchanged', cur[1], generation} end
generation = generation + 1
redis.call('HSET', kBudget, 'total', f(total), 'pool', f(tonumber(cur[4]) + total - old), 'generation', f(generation),
  'periodStart', ARGV[2], 'periodEnd', ARGV[3])
return {'updated', cur[1], generation}
`;

/**
 * The books of a campaign. Read-only: expired leases not yet reaped (by the
 * next renewal) still count as outstanding.
 *
 * KEYS: budget, leases. Reply: { status (ok | no_campaign), epoch,
 * generation, total, pool, spent, late, outstanding, leases, restored,
 * periodStart, periodEnd, now }.
 */
export const statusScript = `${prelude}
local kBudget, kLeases = KEYS[1], KEYS[2]
local now = clock()
local b = redis.call('HMGET', kBudget, 'epoch', 'generation', 'total', 'pool', 'spent', 'late', 'restored', 'periodStart', 'periodEnd')
if not b[1] then return {'no_campaign', '', 0, 0, 0, 0, 0, 0, 0, 0, '', '', now} end
local outstanding, n = 0, 0
local all = redis.call('HGETALL', kLeases)
for i = 2, #all, 2 do
  local g, r, fo = parse(all[i])
  outstanding = outstanding + (g - r - fo)
  n = n + 1
end
return {'ok', b[1], tonumber(b[2]), tonumber(b[3]), tonumber(b[4]), tonumber(b[5]), tonumber(b[6]), outstanding, n, tonumber(b[7]), b[8], b[9], now}
`;
