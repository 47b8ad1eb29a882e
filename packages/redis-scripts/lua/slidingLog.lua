-- Twin of core/src/algorithms/slidingLog.ts. State: a sorted set with one member per admitted
-- unit, scored by its timestamp; members are "<timestamp>:<n>", numbered 1, 2, ... per timestamp.
-- Params: { limit, windowMs }.
--
-- The TypeScript step walks the whole log; here the sorted set answers the three numbers it uses
-- (how many entries are live, the newest one, the k-th oldest live one) in O(log n), and the step
-- returns a plan for the write: log `cost` entries at t, prune what left the window.

-- The score at one rank of the sorted set (0 = oldest, -1 = newest); NaN where there is none,
-- as reading past the end of the TypeScript array gives undefined and so NaN.
local function slidingLogScoreAt(key, rank)
  local entry = redis.call('ZRANGE', key, rank, rank, 'WITHSCORES')
  if entry[2] == nil then return 0 / 0 end
  return tonumber(entry[2])
end

local function slidingLogStep(key, params, now, cost)
  local limit, windowMs = params[1], params[2]
  -- Judged at t = max(now, the newest entry): NaN (an empty log) is never greater.
  local t = now
  local newest = slidingLogScoreAt(key, -1)
  if newest > t then t = newest end
  -- An entry at ts counts while ts > t - window.
  local threshold = t - windowMs
  local used = redis.call('ZCOUNT', key, '(' .. formatNumber(threshold), '+inf')
  local plan = { threshold = threshold, at = t, cost = cost }
  if used + cost > limit then
    -- The request fits once the oldest (used + cost - limit) live entries have left the window.
    -- Live entries hold the top `used` ranks of the set.
    local firstLive = redis.call('ZCARD', key) - used
    local unblocking = slidingLogScoreAt(key, firstLive + used + cost - limit - 1)
    -- The newest live entry is the newest of the set; with none live it is undefined, as in TS.
    local newestLive = 0 / 0
    if used > 0 then newestLive = newest end
    local resetAfterMs = newestLive + windowMs - t
    return plan, ttlAt(now, t, resetAfterMs), deny(limit, limit - used, resetAfterMs, unblocking + windowMs - t)
  end
  local size = used + cost
  local resetAfterMs = 0
  if size ~= 0 then
    -- The newest entry: t itself when this request logs at t, else the newest live one.
    local last = t
    if cost == 0 then last = newest end
    resetAfterMs = last + windowMs - t
  end
  return plan, ttlAt(now, t, resetAfterMs), allow(limit, limit - size, resetAfterMs)
end

-- Persists a plan of slidingLogStep: `cost` entries at t, the log pruned to what is live, for px.
-- ZADD comes first: Redis refuses it when out of memory (maxmemory reached, noeviction) only while
-- the script has written nothing; a write before it (even a ZREMRANGEBYSCORE that removes nothing)
-- would let it and every later write through (see apply.lua).
local function slidingLogWrite(key, plan, px)
  if px == nil then
    redis.call('DEL', key)
    return
  end
  local at = formatNumber(plan.at)
  local n = redis.call('ZCOUNT', key, at, at)
  local args = {}
  for i = 1, plan.cost do
    args[#args + 1] = at
    args[#args + 1] = at .. ':' .. (n + i)
    -- Lua's unpack has a stack limit: add in batches.
    if #args >= 1000 or i == plan.cost then
      redis.call('ZADD', key, unpack(args))
      args = {}
    end
  end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', formatNumber(plan.threshold))
  redis.call('PEXPIRE', key, px)
end
