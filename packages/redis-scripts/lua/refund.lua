-- The refund script: twin of core/src/algorithms/refund.ts (refundAll). Gives `cost` units back to
-- every limit of one limiter key, atomically, never past full: a fixed or sliding window only to the
-- take's window, a sliding log by removing the take's entries (a concurrency limit: its lease), a
-- token bucket up to its capacity, a GCRA or leaky bucket TAT back to no earlier than t. scripts.ts
-- composes it after the helpers and every kind (their steps give the refunded state's TTL, as core's
-- refundStep asks a peek for it).
--
-- KEYS[i]: the i-th limit's key (one Cluster slot: one limiter key).
-- ARGV[1]: now in ms, or '' for the server's clock.   ARGV[2]: cost (one number for every limit,
-- or per limit joined by ',' when they differ: '1,1200'; a limit with 0 is left alone).
-- ARGV[3]: N, the limits.
-- Then N limits of 5: kind, its three params ('' where a kind has two), and takenResetMs: when the
-- take's units stopped counting, in ms from now ('' for a refund by key: no take, +infinity).
-- Reads every state first (an error, such as a key of another type, writes nothing), then writes.
-- Replies 1.

-- Each returns nil for nothing to give back, or true and the new state's numbers.
local function fixedWindowRefund(s1, s2, now, cost, takenEnd, windowMs, align)
  if s1 == nil then return nil end
  local t = now
  if s1 > now then t = s1 end
  local current
  if align == 1 then
    current = t < s1 + windowMs
  else
    current = floor(t / windowMs) * windowMs == s1
  end
  if not current or s2 == 0 or s1 + windowMs > takenEnd then return nil end
  return true, s1, jsMax(0, s2 - cost)
end

local function slidingWindowRefund(s1, s2, s3, now, cost, takenEnd, w)
  if s1 == nil then return nil end
  local t = now
  if s1 > now then t = s1 end
  local start = floor(t / w) * w
  -- The take's window: the latest that still weighs whose units stop counting by takenEnd.
  local taken = nil
  if start + 2 * w <= takenEnd then
    taken = start
  elseif start + w <= takenEnd then
    taken = start - w
  end
  if taken == s1 and s2 > 0 then return true, s1, jsMax(0, s2 - cost), s3 end
  if taken == s1 - w and s1 == start and s3 > 0 then return true, s1, s2, jsMax(0, s3 - cost) end
  return nil
end

local function tokenBucketRefund(s1, s2, now, cost, capacity, tokenUnits, perMs)
  if s1 == nil then return nil end
  local full = capacity * tokenUnits
  local t = now
  if s2 > now then t = s2 end
  local elapsed = t - s2
  if elapsed >= ceil((full - s1) / perMs) then return nil end
  local units = s1 + elapsed * perMs
  local back = cost * tokenUnits
  if back >= full - units then return true, full, t end
  return true, units + back, t
end

-- GCRA and leaky bucket: "ahead" of t in 1/den ms, so no epoch time is multiplied by den.
local function scheduleRefund(s1, s2, s3, now, cost, num, den)
  if s1 == nil then return nil end
  local t = now
  if s3 ~= nil and s3 > now then t = s3 end
  local ahead = (s1 - t) * den + (s2 or 0)
  if ahead <= 0 then return nil end
  local left = jsMax(0, ahead - cost * num)
  local carry = floor(left / den)
  return true, t + carry, left - carry * den, t
end

-- The sliding log in place: removes up to `cost` live entries logged at or before takenEnd - window,
-- newest first. Members at one timestamp are numbered 1..n (slidingLogWrite): the highest go, so
-- the next write there numbers on without a clash. Then prunes and sets the TTL a peek reports.
local function slidingLogRefund(key, newest, now, cost, takenEnd, limit, windowMs, graceMs)
  if newest ~= newest then return end
  local t = now
  if newest > t then t = newest end
  local upper = '+inf'
  if takenEnd ~= math.huge then upper = formatNumber(takenEnd - windowMs) end
  local found = redis.call('ZREVRANGEBYSCORE', key, upper, '(' .. formatNumber(t - windowMs), 'WITHSCORES', 'LIMIT', 0, cost)
  if #found == 0 then return end
  -- How many go at each timestamp, in the order met.
  local times, counts = {}, {}
  for i = 2, #found, 2 do
    local at = formatNumber(tonumber(found[i]))
    if counts[at] == nil then
      times[#times + 1] = at
      counts[at] = 0
    end
    counts[at] = counts[at] + 1
  end
  for _, at in ipairs(times) do
    local n = redis.call('ZCOUNT', key, at, at)
    for k = 0, counts[at] - 1 do redis.call('ZREM', key, at .. ':' .. (n - k)) end
  end
  local _, left = slidingLogRead(key)
  local _, _, _, _, ttlMs = slidingLogStep(key, left, nil, nil, now, 0, limit, windowMs)
  if ttlMs > 0 then
    -- Pruned as judged before the refund (at t): a lagging caller must not see expired entries again.
    redis.call('ZREMRANGEBYSCORE', key, '-inf', formatNumber(t - windowMs))
    redis.call('PEXPIRE', key, string.format('%d', ceil(ttlMs + graceMs)))
  else
    redis.call('DEL', key)
  end
end

local now, graceMs
if ARGV[1] == '' then
  now, graceMs = serverNow(), 0
else
  -- The caller's clock: keys live a little past their TTL (see single.lua).
  now, graceMs = tonumber(ARGV[1]), 1000
end
local n = tonumber(ARGV[3])
-- Each limit's units to give back (core's RefundRequest.costs, or the one cost for each).
local COST = {}
do
  local one = tonumber(ARGV[2])
  local i = 0
  if one ~= nil then
    for j = 1, n do COST[j] = one end
  else
    for c in string.gmatch(ARGV[2], '[^,]+') do
      i = i + 1
      COST[i] = tonumber(c)
    end
  end
end

local STEP_OF = {
  fixedWindow = fixedWindowStep,
  slidingWindow = slidingWindowStep,
  tokenBucket = tokenBucketStep,
  gcra = gcraStep,
  leakyBucket = leakyBucketStep,
}
local KIND, P1, P2, P3, ENDS, S1, S2, S3 = {}, {}, {}, {}, {}, {}, {}, {}
local at = 4
for i = 1, n do
  local kind = ARGV[at]
  KIND[i], P1[i], P2[i], P3[i] = kind, tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3])
  if ARGV[at + 4] == '' then ENDS[i] = math.huge else ENDS[i] = now + tonumber(ARGV[at + 4]) end
  at = at + 5
  local read = readText
  if kind == 'fixedWindow' then
    read = fixedWindowReader(P1[i])
  elseif kind == 'slidingLog' or kind == 'concurrency' then
    read = slidingLogRead
  elseif STEP_OF[kind] == nil then
    return redis.error_reply('ERR sluice: unknown algorithm kind ' .. tostring(kind))
  end
  local err
  err, S1[i], S2[i], S3[i] = read(KEYS[i])
  if err then return redis.error_reply(err) end
end

for i = 1, n do
  local kind, key, p1, p2, p3, cost = KIND[i], KEYS[i], P1[i], P2[i], P3[i], COST[i]
  if cost == 0 then
    -- A limit that took nothing of per-limit costs: left alone.
  elseif kind == 'slidingLog' then
    slidingLogRefund(key, S1[i], now, cost, ENDS[i], p1, p2, graceMs)
  elseif kind == 'concurrency' then
    -- A release: the take's own lease (the sliding log's removal, leaseMs as its window); by key, nothing.
    if ENDS[i] ~= math.huge then slidingLogRefund(key, S1[i], now, cost, ENDS[i], p1, p2, graceMs) end
  else
    local changed, n1, n2, n3
    if kind == 'fixedWindow' then
      changed, n1, n2 = fixedWindowRefund(S1[i], S2[i], now, cost, ENDS[i], p2, p3)
    elseif kind == 'slidingWindow' then
      changed, n1, n2, n3 = slidingWindowRefund(S1[i], S2[i], S3[i], now, cost, ENDS[i], p2)
    elseif kind == 'tokenBucket' then
      changed, n1, n2 = tokenBucketRefund(S1[i], S2[i], now, cost, p1, p2, p3)
    elseif kind == 'gcra' then
      changed, n1, n2, n3 = scheduleRefund(S1[i], S2[i], S3[i], now, cost, p1, p2)
    elseif kind == 'leakyBucket' then
      changed, n1, n2, n3 = scheduleRefund(S1[i], S2[i], S3[i], now, cost, p2, p3)
    end
    if changed then
      local _, _, _, _, ttlMs = STEP_OF[kind](key, n1, n2, n3, now, 0, p1, p2, p3)
      -- Only a first write can be refused (out of memory, see persist): nothing is written then.
      local write = writeText
      if kind == 'fixedWindow' then write = fixedWindowWriter(p1) end
      local err = persist(write, key, cost, ttlMs, graceMs, n1, n2, n3)
      if err then return redis.error_reply(err) end
    end
  end
end
return 1
