-- Twin of core/src/algorithms/slidingLog.ts. State: a sorted set with one member per admitted
-- unit, scored by its timestamp; members are "<timestamp>:<n>", numbered 1, 2, ... per timestamp.
-- Params: limit, windowMs.
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

-- The newest entry's time (NaN for an empty log), or Redis's error text first (a key holding
-- another type, a key another Cluster node serves), as readText.
local function slidingLogRead(key)
  local entry = redis.pcall('ZRANGE', key, -1, -1, 'WITHSCORES')
  if entry.err then return entry.err end
  if entry[2] == nil then return nil, 0 / 0 end
  return nil, tonumber(entry[2])
end

-- s1 is the newest entry's time (slidingLogRead). The next state is the plan of the write:
-- the threshold below which entries left the window, and t, where this request's entries go.
local function slidingLogStep(key, newest, s2, s3, now, cost, limit, windowMs)
  -- Judged at t = max(now, the newest entry): NaN (an empty log) is never greater.
  local t = now
  if newest > t then t = newest end
  -- An entry at ts counts while ts > t - window.
  local threshold = t - windowMs
  local used = redis.call('ZCOUNT', key, '(' .. formatNumber(threshold), '+inf')
  if used + cost > limit then
    -- The request fits once the oldest (used + cost - limit) live entries have left the window.
    -- Live entries hold the top `used` ranks of the set.
    local firstLive = redis.call('ZCARD', key) - used
    local unblocking = slidingLogScoreAt(key, firstLive + used + cost - limit - 1)
    -- The newest live entry is the newest of the set; with none live it is undefined, as in TS.
    local newestLive = 0 / 0
    if used > 0 then newestLive = newest end
    local resetAfterMs = newestLive + windowMs - t
    -- More than `limit` entries only after a charge (charge.lua): remaining never below 0.
    return false, jsMax(0, limit - used), resetAfterMs, unblocking + windowMs - t, t - now + resetAfterMs, threshold, t
  end
  local size = used + cost
  local resetAfterMs = 0
  if size ~= 0 then
    -- The newest entry: t itself when this request logs at t, else the newest live one.
    local last = t
    if cost == 0 then last = newest end
    resetAfterMs = last + windowMs - t
  end
  return true, limit - size, resetAfterMs, 0, t - now + resetAfterMs, threshold, t
end

-- Persists a plan of slidingLogStep for px ms: `cost` entries at t, the log pruned to what is
-- live. ZADD is the first write (see persist): out of memory Redis refuses it, and its error text
-- is returned with nothing written.
local function slidingLogWrite(key, cost, threshold, at, _, px)
  local atText = formatNumber(at)
  local n = redis.call('ZCOUNT', key, atText, atText)
  local args = {}
  local first = true
  for i = 1, cost do
    args[#args + 1] = atText
    args[#args + 1] = atText .. ':' .. (n + i)
    -- Lua's unpack has a stack limit: add in batches.
    if #args >= 1000 or i == cost then
      if first then
        local added = redis.pcall('ZADD', key, unpack(args))
        if type(added) == 'table' then return added.err end
        first = false
      else
        redis.call('ZADD', key, unpack(args))
      end
      args = {}
    end
  end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', formatNumber(threshold))
  redis.call('PEXPIRE', key, px)
  return nil
end
