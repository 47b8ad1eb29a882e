-- The charge script: twin of core/src/algorithms/charge.ts (chargeAll). Takes units after the fact
-- under every limit of one limiter key, atomically, whatever the limits hold: never denied, a
-- balance may go past the limit. Each state is first brought to t as a peek (cost 0) of its kind's
-- step sees it, then charged and saturated at its cap (core's chargeCap, sent by the caller); a
-- concurrency limit is left alone. Then replies what a peek of cost 1 says of every limit.
-- scripts.ts composes it after the helpers and every kind.
--
-- KEYS[i]: the i-th limit's key (one Cluster slot: one limiter key).
-- ARGV[1]: now in ms, or '' for the server's clock.   ARGV[2]: N, the limits.
-- Then N limits of 6: kind, its three params ('' where a kind has two), its cost (0: left alone)
-- and its cap. Reads every state first (an error, such as a key of another type, writes nothing),
-- then writes. Replies 4 numbers per limit, as single.lua's: allowed (1/0), remaining,
-- resetAfterMs, and retryAfterMs when denied, delayMs when allowed.

local STEP_OF = {
  fixedWindow = fixedWindowStep,
  slidingWindow = slidingWindowStep,
  slidingLog = slidingLogStep,
  concurrency = slidingLogStep,
  tokenBucket = tokenBucketStep,
  gcra = gcraStep,
  leakyBucket = leakyBucketStep,
}

-- How a kind's state is read: a fixed window's bitfield (by its limit), a sliding log's sorted
-- set, else the text state.
local function readerOf(kind, p1)
  if kind == 'fixedWindow' then return fixedWindowReader(p1) end
  if kind == 'slidingLog' or kind == 'concurrency' then return slidingLogRead end
  return readText
end

-- The charged state of one limit (not a sliding log), from its peek's state n1 n2 n3.
local function chargedText(kind, n1, n2, n3, cost, cap, p1, p2, p3)
  if kind == 'fixedWindow' then
    local count = n2 + cost
    if count > cap then count = cap end
    return n1, count, nil
  elseif kind == 'slidingWindow' then
    local count = n2 + cost
    if count > cap then count = cap end
    return n1, count, n3
  elseif kind == 'tokenBucket' then
    return jsMax(-cap, n1 - cost * p2), n2, nil
  end
  -- GCRA (T = p1/p2) and leaky bucket (T = p2/p3): n3 is t, the TAT no earlier than it.
  local num, den = p1, p2
  if kind == 'leakyBucket' then num, den = p2, p3 end
  local ahead = (n1 - n3) * den + (n2 or 0) + cost * num
  if ahead > cap then ahead = cap end
  local carry = floor(ahead / den)
  return n3 + carry, ahead - carry * den, n3
end

-- The sliding log in place: `cost` entries at t, keeping the newest `cap` live ones. Entries at t
-- are renumbered 1..n (as slidingLogWrite numbers them), so later writes at t number on.
local function slidingLogCharge(key, newest, now, cost, cap, limit, windowMs, graceMs)
  local t = now
  if newest > t then t = newest end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', formatNumber(t - windowMs))
  local atText = formatNumber(t)
  local atT = redis.call('ZCOUNT', key, atText, atText)
  if atT > 0 then redis.call('ZREMRANGEBYSCORE', key, atText, atText) end
  local others = redis.call('ZCARD', key)
  local added = cost
  if added > cap then added = cap end
  local atCount = atT + added
  if atCount > cap then atCount = cap end
  local keptOthers = others
  if keptOthers > cap - atCount then keptOthers = cap - atCount end
  -- The oldest go (lowest ranks): entries before t all score below it.
  if others > keptOthers then
    redis.call('ZREMRANGEBYRANK', key, 0, others - keptOthers - 1)
    -- Equal scores rank by member text ('5:10' before '5:2'), so the oldest timestamp kept may have
    -- lost members out of order: renumber it 1..n, as slidingLogWrite and refund.lua expect.
    if keptOthers > 0 then
      local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
      local oldestText = formatNumber(tonumber(oldest[2]))
      local left = redis.call('ZCOUNT', key, oldestText, oldestText)
      redis.call('ZREMRANGEBYSCORE', key, oldestText, oldestText)
      local renamed = {}
      for i = 1, left do
        renamed[#renamed + 1] = oldestText
        renamed[#renamed + 1] = oldestText .. ':' .. i
        if #renamed >= 1000 or i == left then
          redis.call('ZADD', key, unpack(renamed))
          renamed = {}
        end
      end
    end
  end
  local args = {}
  for i = 1, atCount do
    args[#args + 1] = atText
    args[#args + 1] = atText .. ':' .. i
    -- Lua's unpack has a stack limit: add in batches.
    if #args >= 1000 or i == atCount then
      redis.call('ZADD', key, unpack(args))
      args = {}
    end
  end
  local _, _, _, _, ttlMs = slidingLogStep(key, t, nil, nil, now, 0, limit, windowMs)
  redis.call('PEXPIRE', key, string.format('%d', ceil(ttlMs + graceMs)))
end

local now, graceMs
if ARGV[1] == '' then
  now, graceMs = serverNow(), 0
else
  -- The caller's clock: keys live a little past their TTL (see single.lua).
  now, graceMs = tonumber(ARGV[1]), 1000
end
local n = tonumber(ARGV[2])

local KIND, P1, P2, P3, COST, CAP, S1, S2, S3 = {}, {}, {}, {}, {}, {}, {}, {}, {}
local at = 3
for i = 1, n do
  local kind = ARGV[at]
  KIND[i], P1[i], P2[i], P3[i] = kind, tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3])
  COST[i], CAP[i] = tonumber(ARGV[at + 4]), tonumber(ARGV[at + 5])
  at = at + 6
  if STEP_OF[kind] == nil then
    return redis.error_reply('ERR sluice: unknown algorithm kind ' .. tostring(kind))
  end
  local err
  err, S1[i], S2[i], S3[i] = readerOf(kind, P1[i])(KEYS[i])
  if err then return redis.error_reply(err) end
end

for i = 1, n do
  local kind, key, p1, p2, p3, cost = KIND[i], KEYS[i], P1[i], P2[i], P3[i], COST[i]
  if cost > 0 and kind ~= 'concurrency' then
    if kind == 'slidingLog' then
      slidingLogCharge(key, S1[i], now, cost, CAP[i], p1, p2, graceMs)
    else
      local step = STEP_OF[kind]
      local _, _, _, _, _, s1, s2, s3 = step(key, S1[i], S2[i], S3[i], now, 0, p1, p2, p3)
      local n1, n2, n3 = chargedText(kind, s1, s2, s3, cost, CAP[i], p1, p2, p3)
      local _, _, _, _, ttlMs = step(key, n1, n2, n3, now, 0, p1, p2, p3)
      -- Only a first write can be refused (out of memory, see persist): nothing is written then.
      local write = writeText
      if kind == 'fixedWindow' then write = fixedWindowWriter(p1) end
      local err = persist(write, key, cost, ttlMs, graceMs, n1, n2, n3)
      if err then return redis.error_reply(err) end
    end
  end
end

-- What a peek of cost 1 says of every limit now.
local reply = {}
for i = 1, n do
  local kind, key = KIND[i], KEYS[i]
  local _, s1, s2, s3 = readerOf(kind, P1[i])(key)
  local allowed, remaining, resetAfterMs, wait = STEP_OF[kind](key, s1, s2, s3, now, 1, P1[i], P2[i], P3[i])
  local verdict = 0
  if allowed then verdict = 1 end
  reply[#reply + 1] = verdict
  reply[#reply + 1] = replyNumber(remaining)
  reply[#reply + 1] = replyNumber(resetAfterMs)
  reply[#reply + 1] = replyNumber(wait)
end
return reply
