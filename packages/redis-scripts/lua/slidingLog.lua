-- Twin of core/src/algorithms/slidingLog.ts. State: a sorted set with one member per admitted
-- unit, scored by its timestamp; members are "<timestamp>:<n>", numbered 1, 2, ... per timestamp.
-- Params: { limit, windowMs }.
--
-- The TypeScript step walks the whole log; here the sorted set answers the three numbers it uses
-- (how many entries are live, the newest live one, the k-th oldest live one) in O(log n), and
-- the step returns a plan for the write: prune what left the window, log `cost` entries at now.

-- The score at one rank of the sorted set (0 = oldest, -1 = newest); NaN where there is none,
-- as reading past the end of the TypeScript array gives undefined and so NaN.
local function slidingLogScoreAt(key, rank)
  local entry = redis.call('ZRANGE', key, rank, rank, 'WITHSCORES')
  if entry[2] == nil then return 0 / 0 end
  return tonumber(entry[2])
end

local function slidingLogStep(key, params, now, cost)
  local limit, windowMs = params[1], params[2]
  -- An entry at ts counts while ts > now - window.
  local threshold = now - windowMs
  local used = redis.call('ZCOUNT', key, '(' .. formatNumber(threshold), '+inf')
  local plan = { threshold = threshold, now = now, cost = cost }
  if used + cost > limit then
    -- The request fits once the oldest (used + cost - limit) live entries have left the window.
    -- Live entries hold the top `used` ranks of the set.
    local firstLive = redis.call('ZCARD', key) - used
    local unblocking = slidingLogScoreAt(key, firstLive + used + cost - limit - 1)
    -- The newest live entry is the newest of the set; with none live it is undefined, as in TS.
    local newest = 0 / 0
    if used > 0 then newest = slidingLogScoreAt(key, -1) end
    local resetAfterMs = newest + windowMs - now
    return plan, resetAfterMs, deny(limit, limit - used, resetAfterMs, unblocking + windowMs - now)
  end
  local size = used + cost
  local resetAfterMs = 0
  if size ~= 0 then
    -- The newest entry: now, unless the log already holds a later one (a clock that stepped back).
    local last = now
    if cost == 0 then
      last = slidingLogScoreAt(key, -1)
    elseif used > 0 then
      last = jsMax(now, slidingLogScoreAt(key, -1))
    end
    resetAfterMs = last + windowMs - now
  end
  return plan, resetAfterMs, allow(limit, limit - size, resetAfterMs)
end

-- Persists a plan of slidingLogStep: the live log plus `cost` entries at now, for ttl.
local function slidingLogWrite(key, plan, px)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', formatNumber(plan.threshold))
  if px == nil then
    redis.call('DEL', key)
    return
  end
  local at = formatNumber(plan.now)
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
  redis.call('PEXPIRE', key, px)
end
