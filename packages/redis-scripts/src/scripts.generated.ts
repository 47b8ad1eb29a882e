// Generated from lua/*.lua by scripts/generate.ts: do not edit.
// Run `pnpm --filter @sluice/redis-scripts generate` after changing a .lua file.

type LuaFile =
  | 'shared'
  | 'virtualScheduling'
  | 'fixedWindow'
  | 'slidingLog'
  | 'slidingWindow'
  | 'tokenBucket'
  | 'gcra'
  | 'leakyBucket'
  | 'apply'

/** The text of every .lua file of this package, by file name. */
export const LUA_SOURCES: Readonly<Record<LuaFile, string>> = {
  shared: `-- Twin of core/src/algorithms/shared.ts, plus JavaScript's Math.max, whose Lua counterpart
-- differs: Math.max returns NaN for a NaN argument and +0 over -0, where Lua's math.max keeps
-- the first argument on a tie and may ignore a NaN.

local function jsMax(a, b)
  if a ~= a or b ~= b then return 0 / 0 end
  if a > b then return a end
  if b > a then return b end
  -- Equal: +0 wins over -0, as in JavaScript.
  if a == 0 and 1 / a < 0 then return b end
  return a
end

-- A decision for an allowed request.
local function allow(limit, remaining, resetAfterMs, delayMs)
  return { allowed = true, limit = limit, remaining = remaining, resetAfterMs = resetAfterMs, retryAfterMs = 0,
    delayMs = delayMs or 0 }
end

-- A decision for a denied request: nothing was consumed.
local function deny(limit, remaining, resetAfterMs, retryAfterMs)
  return { allowed = false, limit = limit, remaining = remaining, resetAfterMs = resetAfterMs,
    retryAfterMs = retryAfterMs, delayMs = 0 }
end

-- Twin of judgedAt: the time a step judges a request at, the caller's now or the time the state
-- already holds when that is later (stored is nil for a fresh key). A state's time never moves back.
local function judgedAt(now, stored)
  if stored ~= nil and stored > now then return stored end
  return now
end

-- Twin of ttlAt: the TTL of a state judged at t, until resetAfterMs after t, counted from now.
local function ttlAt(now, t, resetAfterMs)
  return t - now + resetAfterMs
end

-- Start of the epoch-aligned window that holds now.
local function windowStart(now, windowMs)
  return math.floor(now / windowMs) * windowMs
end

-- Whether x is a whole number that a double holds exactly (and not -0): Redis replies carry it as
-- an integer, and '%d' writes it as '%.17g' would, only much faster.
local function isExactInteger(x)
  return x == math.floor(x) and x > -9007199254740992 and x < 9007199254740992 and not (x == 0 and 1 / x < 0)
end

-- Every bit of a double, for stored state and replies: tostring keeps only 14 digits.
local function formatNumber(x)
  if isExactInteger(x) then return string.format('%d', x) end
  return string.format('%.17g', x)
end
`,
  virtualScheduling: `-- Twin of core/src/algorithms/virtualScheduling.ts: the generic cell rate algorithm shared by
-- gcra and leakyBucket, with emission interval T = num/den ms. State: { tatMs, tatRemainder, seenMs }
-- (the remainder in 1/den ms, so every operation is exact integer arithmetic on doubles; seenMs the
-- time of the latest admitted write). Judged at t = max(now, seenMs); a state without seenMs (written
-- before it was kept) has no floor.
local function schedule(state, num, den, burst, now, cost)
  local seen = nil
  if state ~= nil then seen = state[3] end
  local t = judgedAt(now, seen)
  local tatMs = t
  local tatRest = 0
  if state ~= nil then
    if state[1] ~= nil then tatMs = state[1] end
    if state[2] ~= nil then tatRest = state[2] end
  end
  -- A TAT in the past means an idle key: it starts from t.
  local pending = tatMs > t or (tatMs == t and tatRest > 0)
  local startMs = t
  local startRest = 0
  if pending then
    startMs = tatMs
    startRest = tatRest
  end
  local aheadBefore = (startMs - t) * den + startRest
  local units = startRest + cost * num
  local carry = math.floor(units / den)
  local nextMs = startMs + carry
  local nextRest = units - carry * den
  local ahead = (nextMs - t) * den + nextRest
  local tolerance = burst * num
  if ahead <= tolerance then
    local resetAfterMs = math.ceil(ahead / den)
    return {
      allowed = true,
      tat = { nextMs, nextRest, t },
      ttlMs = ttlAt(now, t, resetAfterMs),
      startAfterMs = math.ceil(aheadBefore / den),
      remaining = math.floor((tolerance - ahead) / num),
      resetAfterMs = resetAfterMs,
      retryAfterMs = 0,
    }
  end
  local resetAfterMs = math.ceil(aheadBefore / den)
  return {
    allowed = false,
    tat = { startMs, startRest, t },
    ttlMs = ttlAt(now, t, resetAfterMs),
    startAfterMs = 0,
    remaining = jsMax(0, math.floor((tolerance - aheadBefore) / num)),
    resetAfterMs = resetAfterMs,
    retryAfterMs = math.ceil((ahead - tolerance) / den),
  }
end
`,
  fixedWindow: `-- Twin of core/src/algorithms/fixedWindow.ts. State: { windowStart, count }.
-- Params: { limit, windowMs }. Judged at t = max(now, windowStart).
local function fixedWindowStep(state, params, now, cost)
  local limit, windowMs = params[1], params[2]
  local stored = nil
  if state ~= nil then stored = state[1] end
  local t = judgedAt(now, stored)
  local start = windowStart(t, windowMs)
  local used = 0
  if state ~= nil and state[1] == start then used = state[2] end
  local resetAfterMs = start + windowMs - t
  local ttlMs = ttlAt(now, t, resetAfterMs)
  if used + cost > limit then
    return { start, used }, ttlMs, deny(limit, limit - used, resetAfterMs, resetAfterMs)
  end
  local count = used + cost
  return { start, count }, ttlMs, allow(limit, limit - count, resetAfterMs)
end
`,
  slidingLog: `-- Twin of core/src/algorithms/slidingLog.ts. State: a sorted set with one member per admitted
-- unit, scored by its timestamp; members are "<timestamp>:<n>", numbered 1, 2, ... per timestamp.
-- Params: { limit, windowMs }.
--
-- The TypeScript step walks the whole log; here the sorted set answers the three numbers it uses
-- (how many entries are live, the newest one, the k-th oldest live one) in O(log n), and the step
-- returns a plan for the write: log \`cost\` entries at t, prune what left the window.

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
    -- Live entries hold the top \`used\` ranks of the set.
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

-- Persists a plan of slidingLogStep: \`cost\` entries at t, the log pruned to what is live, for px.
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
`,
  slidingWindow: `-- Twin of core/src/algorithms/slidingWindow.ts. State: { currentWindowStart, current, previous }.
-- Params: { limit, windowMs }. Judged at t = max(now, currentWindowStart).

-- Earliest wait after t after which the same request fits, as the previous window's weight decays.
local function slidingWindowRetryAfter(limit, w, start, t, current, previous, cost)
  local room = limit - current - cost
  if room >= 0 and previous > 0 then
    -- Smallest elapsed e with previous * (w - e) <= room * w.
    local elapsedNeeded = w - math.floor((room * w) / previous)
    if elapsedNeeded < w then return start + elapsedNeeded - t end
  end
  -- Next window: today's count becomes the previous one and decays from there.
  local elapsedNext = 0
  if current > 0 then elapsedNext = jsMax(0, w - math.floor(((limit - cost) * w) / current)) end
  return start + w + elapsedNext - t
end

local function slidingWindowStep(state, params, now, cost)
  local limit, w = params[1], params[2]
  local stored = nil
  if state ~= nil then stored = state[1] end
  local t = judgedAt(now, stored)
  local start = windowStart(t, w)
  local elapsed = t - start
  local current = 0
  local previous = 0
  if state ~= nil and state[1] == start then
    current = state[2]
    previous = state[3]
  elseif state ~= nil and state[1] == start - w then
    previous = state[2]
  end
  local weightedPrevious = previous * (w - elapsed)
  local admits = weightedPrevious + (current + cost) * w <= limit * w
  local counted = current
  if admits then counted = current + cost end
  local remaining = jsMax(0, math.floor((limit * w - weightedPrevious - counted * w) / w))
  -- Full reset once the current count has slid out too: the end of the next window.
  local resetAfterMs = 0
  if counted > 0 then
    resetAfterMs = start + 2 * w - t
  elseif previous > 0 then
    resetAfterMs = start + w - t
  end
  local ttlMs = ttlAt(now, t, resetAfterMs)
  local nextState = { start, counted, previous }
  if admits then return nextState, ttlMs, allow(limit, remaining, resetAfterMs) end
  return nextState, ttlMs,
    deny(limit, remaining, resetAfterMs, slidingWindowRetryAfter(limit, w, start, t, current, previous, cost))
end
`,
  tokenBucket: `-- Twin of core/src/algorithms/tokenBucket.ts. State: { units, lastRefill }, the tokens in scaled
-- units (tokenUnits per token), so refill of any rate stays exact integer arithmetic.
-- Params: { capacity, tokenUnits, refillUnitsPerMs }. Judged at t = max(now, lastRefill), stored as
-- the new lastRefill.
local function tokenBucketStep(state, params, now, cost)
  local capacity, tokenUnits, perMs = params[1], params[2], params[3]
  local full = capacity * tokenUnits
  local stored = nil
  if state ~= nil then stored = state[2] end
  local t = judgedAt(now, stored)
  local units = full
  if state ~= nil then
    local elapsed = t - state[2]
    -- Compare before multiplying so a long idle time cannot overflow exact integers.
    if elapsed >= math.ceil((full - state[1]) / perMs) then
      units = full
    else
      units = state[1] + elapsed * perMs
    end
  end
  local needed = cost * tokenUnits
  if units < needed then
    local resetAfterMs = math.ceil((full - units) / perMs)
    return { units, t }, ttlAt(now, t, resetAfterMs),
      deny(capacity, math.floor(units / tokenUnits), resetAfterMs, math.ceil((needed - units) / perMs))
  end
  local left = units - needed
  local resetAfterMs = math.ceil((full - left) / perMs)
  return { left, t }, ttlAt(now, t, resetAfterMs), allow(capacity, math.floor(left / tokenUnits), resetAfterMs)
end
`,
  gcra: `-- Twin of core/src/algorithms/gcra.ts. State: { tatMs, tatRemainder, seenMs }.
-- Params: { intervalNum, intervalDen, burst }: emission interval T = intervalNum / intervalDen ms.
local function gcraStep(state, params, now, cost)
  local intervalNum, intervalDen, burst = params[1], params[2], params[3]
  local s = schedule(state, intervalNum, intervalDen, burst, now, cost)
  local decision
  if s.allowed then
    decision = allow(burst, s.remaining, s.resetAfterMs)
  else
    decision = deny(burst, s.remaining, s.resetAfterMs, s.retryAfterMs)
  end
  return s.tat, s.ttlMs, decision
end
`,
  leakyBucket: `-- Twin of core/src/algorithms/leakyBucket.ts. State: { drainAtMs, remainder, seenMs }.
-- Params: { capacity, intervalNum, intervalDen }: one leak every intervalNum / intervalDen ms.
-- GCRA with burst = capacity + 1, which is also the limit it reports; delayMs is the wait for its turn.
local function leakyBucketStep(state, params, now, cost)
  local burst = params[1] + 1
  local s = schedule(state, params[2], params[3], burst, now, cost)
  local decision
  if s.allowed then
    decision = allow(burst, s.remaining, s.resetAfterMs, s.startAfterMs)
  else
    decision = deny(burst, s.remaining, s.resetAfterMs, s.retryAfterMs)
  end
  return s.tat, s.ttlMs, decision
end
`,
  apply: `-- The all-or-nothing driver: the twin of core/src/stepAll.ts.
--
-- KEYS[i]: the key of limit i; KEYS past the last limit are padding (a client may send a fixed
-- number of keys) and are never touched.
-- ARGV[1]: now in ms, or '' to read the server's clock (TIME).
-- ARGV[2]: cost (units, >= 0).   ARGV[3]: '1' to consume, '0' for a peek.
-- ARGV[4]: maxDelayMs, the shaping bound (twin of core's stepWithin), or '' for none.
-- ARGV[4 * i + 1 .. 4 * i + 4]: limit i's kind and its three params ('' where a kind has two).
--
-- Steps every limit on its current state; if all admit and it consumes a positive cost, writes
-- every new state with its TTL (one SET or one sorted-set update per key), else writes nothing.
-- In a denied composite the limits that would have admitted report their cost-0 (peek) decision.
-- Replies 6 values per limit: allowed (1/0), limit, remaining, resetAfterMs, retryAfterMs, delayMs.
--
-- Redis runs the whole script on every call, so it defines only what the call needs: stepOf(kind)
-- (composed around this file) creates the step function of one algorithm when it is first used.

-- States other than slidingLog's are stored as their numbers joined by single spaces.
local function readState(key)
  local raw = redis.call('GET', key)
  if not raw then return nil end
  local state = {}
  local from = 1
  while true do
    local space = string.find(raw, ' ', from, true)
    if space == nil then
      state[#state + 1] = tonumber(string.sub(raw, from))
      return state
    end
    state[#state + 1] = tonumber(string.sub(raw, from, space - 1))
    from = space + 1
  end
end

local nowArg = ARGV[1]
local now
-- With the caller's clock, keys live a little past their TTL: the TTL runs on the server's clock,
-- the state's lifetime on the caller's. A state past its TTL behaves as fresh, so this changes no
-- decision; it only keeps a drifting or simulated clock from seeing a state vanish early.
local graceMs = 0
if nowArg == '' then
  if redis.replicate_commands then redis.replicate_commands() end
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
else
  now = tonumber(nowArg)
  graceMs = 1000
end
local cost = tonumber(ARGV[2])
local writes = ARGV[3] == '1' and cost > 0
local maxDelay = tonumber(ARGV[4])
local n = (#ARGV - 4) / 4

-- Persists one limit's new state for ttlMs (plus the grace); a TTL of 0 or less deletes the key.
-- A state that is kept is written by a SET, or for slidingLog starting with its ZADD (see below).
local function persist(key, writeLog, state, ttlMs)
  local px = nil
  if ttlMs > 0 then
    local ms = math.ceil(ttlMs + graceMs)
    if ms < 9007199254740992 then px = string.format('%d', ms) else px = string.format('%.0f', ms) end
  end
  if writeLog ~= nil then
    writeLog(key, state, px)
  elseif px == nil then
    redis.call('DEL', key)
  elseif #state == 2 then
    redis.call('SET', key, formatNumber(state[1]) .. ' ' .. formatNumber(state[2]), 'PX', px)
  else
    local parts = {}
    for i = 1, #state do parts[i] = formatNumber(state[i]) end
    redis.call('SET', key, table.concat(parts, ' '), 'PX', px)
  end
end

-- Limit i's step: its decision, and what a write needs. slidingLog steps on the key itself.
local steps, params, states, nextStates, ttls, decisions, logWriters = {}, {}, {}, {}, {}, {}, {}
local admitted = true
for i = 1, n do
  local base = 4 * i + 1
  local kind = ARGV[base]
  local step, writeLog = stepOf(kind)
  if step == nil then return redis.error_reply('ERR sluice: unknown algorithm kind ' .. tostring(kind)) end
  local param = { tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3]) }
  local decision
  if writeLog ~= nil then
    nextStates[i], ttls[i], decision = step(KEYS[i], param, now, cost)
  else
    local state = readState(KEYS[i])
    states[i] = state
    nextStates[i], ttls[i], decision = step(state, param, now, cost)
    -- Twin of core's stepWithin: an admission that would wait longer than maxDelay is a denial
    -- with the untouched numbers of a peek (only shaping steps carry a delay).
    if maxDelay ~= nil and decision.allowed and decision.delayMs > maxDelay then
      local _, _, untouched = step(state, param, now, 0)
      decision = deny(untouched.limit, untouched.remaining, untouched.resetAfterMs, decision.delayMs - maxDelay)
    end
  end
  steps[i], params[i], decisions[i], logWriters[i] = step, param, decision, writeLog
  if not decision.allowed then admitted = false end
end

-- Out of memory (maxmemory reached under noeviction), Redis refuses a command that may grow memory
-- (SET, ZADD) only while the script has written nothing: any write before it, even a DEL or a
-- ZREMRANGEBYSCORE that removes nothing, lets it and every later write through ("we can't stop in
-- the middle": scriptVerifyOOM in Redis 7's script.c, luaRedisGenericCommand in 5 and 6's
-- scripting.c). So the states that are kept are written first, each starting with its SET or ZADD,
-- and deletions last: out of memory, the very first write fails, the script ends with Redis's OOM
-- error, and nothing at all has been written.
if admitted then
  if writes then
    for i = 1, n do
      if ttls[i] > 0 then persist(KEYS[i], logWriters[i], nextStates[i], ttls[i]) end
    end
    for i = 1, n do
      if not (ttls[i] > 0) then persist(KEYS[i], logWriters[i], nextStates[i], ttls[i]) end
    end
  end
elseif n > 1 then
  for i = 1, n do
    if decisions[i].allowed then
      local step = steps[i]
      local _, _, peek
      if logWriters[i] ~= nil then
        _, _, peek = step(KEYS[i], params[i], now, 0)
      else
        _, _, peek = step(states[i], params[i], now, 0)
      end
      decisions[i] = peek
    end
  end
end

-- Whole numbers travel as integer replies (exact up to 2^53); anything else (a fraction, -0,
-- NaN, infinities) as its '%.17g' text, since Redis would truncate it.
local function replyNumber(x)
  if isExactInteger(x) then return x end
  return string.format('%.17g', x)
end

local reply = {}
for i = 1, n do
  local d = decisions[i]
  local at = 6 * (i - 1)
  if d.allowed then reply[at + 1] = 1 else reply[at + 1] = 0 end
  reply[at + 2] = replyNumber(d.limit)
  reply[at + 3] = replyNumber(d.remaining)
  reply[at + 4] = replyNumber(d.resetAfterMs)
  reply[at + 5] = replyNumber(d.retryAfterMs)
  reply[at + 6] = replyNumber(d.delayMs)
end
return reply
`,
}
