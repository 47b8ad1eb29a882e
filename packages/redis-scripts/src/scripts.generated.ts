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
  | 'concurrency'
  | 'single'
  | 'engine'
  | 'refund'
  | 'ban'
  | 'charge'

/** The text of every .lua file of this package, by file name. */
export const LUA_SOURCES: Readonly<Record<LuaFile, string>> = {
  shared: `-- Helpers every script shares: twins of core/src/algorithms/shared.ts (inlined where a step uses
-- them: a Lua call costs more than the arithmetic), JavaScript's Math.max (Lua's math.max keeps the
-- first argument on a tie and may ignore a NaN), exact number text, the clock and the state text.
-- Every function takes and returns plain numbers and strings: a decision builds no table.

local floor, ceil = math.floor, math.ceil

local function jsMax(a, b)
  if a ~= a or b ~= b then return 0 / 0 end
  if a > b then return a end
  if b > a then return b end
  -- Equal: +0 wins over -0, as in JavaScript.
  if a == 0 and 1 / a < 0 then return b end
  return a
end

-- Whether x is a whole number that a double holds exactly (and not -0): '%d' writes it as '%.17g'
-- would, only much faster.
local function isExactInteger(x)
  return x == floor(x) and x > -9007199254740992 and x < 9007199254740992 and not (x == 0 and 1 / x < 0)
end

-- Every bit of a double, for stored state: tostring keeps only 14 digits.
local function formatNumber(x)
  if isExactInteger(x) then return string.format('%d', x) end
  return string.format('%.17g', x)
end

-- A number for a reply: whole numbers under 10^14 as Lua numbers, which a Redis integer reply and
-- table.concat (the engine's text reply, '%.14g') both write exactly; anything else (larger whole
-- numbers, a fraction, -0, NaN, infinities) as its '%.17g' text, which reads back as the same
-- double (whole numbers up to 2^53 in plain digits), since Redis truncates a Lua number to an integer.
local function replyNumber(x)
  if x == floor(x) and x > -1e14 and x < 1e14 and not (x == 0 and 1 / x < 0) then return x end
  return string.format('%.17g', x)
end

-- The server's clock in ms (TIME). Writes after TIME need effects replication: the default since
-- Redis 5, switched on explicitly where the call still exists.
local function serverNow()
  if redis.replicate_commands then redis.replicate_commands() end
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + floor(tonumber(time[2]) / 1000)
end

-- A decision's mode: '1' consume, '0' peek, either followed by ':' and maxDelayMs (the shaping
-- bound, core's stepWithin). Returns consume, maxDelay (nil for none).
local function modeOf(mode)
  if mode == '1' then return true, nil end
  if mode == '0' then return false, nil end
  return string.sub(mode, 1, 1) == '1', tonumber(string.sub(mode, 3))
end

-- States other than slidingLog's are text: their numbers joined by single spaces. Returns an error
-- text (a key holding another type, a key another Cluster node serves) or nil, then the numbers
-- (none for a fresh key). Redis's own error is kept, so nothing has been written when it is given.
local function readText(key)
  local raw = redis.pcall('GET', key)
  if not raw then return nil end
  if type(raw) == 'table' then return raw.err end
  local a = string.find(raw, ' ', 1, true)
  if a == nil then return nil, tonumber(raw) end
  local b = string.find(raw, ' ', a + 1, true)
  if b == nil then return nil, tonumber(string.sub(raw, 1, a - 1)), tonumber(string.sub(raw, a + 1)) end
  return nil, tonumber(string.sub(raw, 1, a - 1)), tonumber(string.sub(raw, a + 1, b - 1)),
    tonumber(string.sub(raw, b + 1))
end

-- Writes a text state for px ms: one SET, which Redis refuses out of memory while the script has
-- written nothing (see persist). Returns Redis's error text, or nil.
local function writeText(key, cost, n1, n2, n3, px)
  local text
  -- Whole numbers (the usual state) in one format: each string Lua makes costs Redis time.
  if n3 == nil then
    if isExactInteger(n1) and isExactInteger(n2) then
      text = string.format('%d %d', n1, n2)
    else
      text = formatNumber(n1) .. ' ' .. formatNumber(n2)
    end
  elseif isExactInteger(n1) and isExactInteger(n2) and isExactInteger(n3) then
    text = string.format('%d %d %d', n1, n2, n3)
  else
    text = formatNumber(n1) .. ' ' .. formatNumber(n2) .. ' ' .. formatNumber(n3)
  end
  return redis.pcall('SET', key, text, 'PX', px).err
end

-- Persists one limit's new state for ttlMs (plus graceMs) with its kind's writer; a TTL of 0 or
-- less deletes the key. Returns Redis's error text, or nil.
--
-- Out of memory (maxmemory reached under noeviction), Redis refuses a command that may grow memory
-- (SET, ZADD) only while the script has written nothing; after any write, even a DEL, it lets every
-- command through ("we can't stop in the middle": scriptVerifyOOM in Redis 7's script.c,
-- luaRedisGenericCommand in 5 and 6's scripting.c). So a decision writes its kept states first,
-- each starting with its SET or ZADD, and deletions last: out of memory, its first write is refused
-- and nothing of it is written.
local function persist(write, key, cost, ttlMs, graceMs, n1, n2, n3)
  if ttlMs > 0 then
    local ms = ceil(ttlMs + graceMs)
    local px
    if ms < 9007199254740992 then px = string.format('%d', ms) else px = string.format('%.0f', ms) end
    return write(key, cost, n1, n2, n3, px)
  end
  redis.call('DEL', key)
  return nil
end
`,
  virtualScheduling: `-- Twin of core/src/algorithms/virtualScheduling.ts: the generic cell rate algorithm shared by
-- gcra and leakyBucket, with emission interval T = num/den ms. State: tatMs tatRemainder seenMs
-- (the remainder in 1/den ms, so every operation is exact integer arithmetic on doubles; seenMs the
-- time of the latest admitted write). Judged at t = max(now, seenMs); a state without seenMs
-- (written before it was kept) has no floor.
-- Returns allowed, remaining, resetAfterMs, retryAfterMs, startAfterMs, ttlMs and the next state.
local function schedule(s1, s2, s3, num, den, burst, now, cost)
  local t = now
  if s3 ~= nil and s3 > now then t = s3 end
  local tatMs, tatRest = t, 0
  if s1 ~= nil then tatMs = s1 end
  if s2 ~= nil then tatRest = s2 end
  -- A TAT in the past means an idle key: it starts from t.
  local pending = tatMs > t or (tatMs == t and tatRest > 0)
  local startMs, startRest = t, 0
  if pending then startMs, startRest = tatMs, tatRest end
  local aheadBefore = (startMs - t) * den + startRest
  local units = startRest + cost * num
  local carry = floor(units / den)
  local nextMs = startMs + carry
  local nextRest = units - carry * den
  local ahead = (nextMs - t) * den + nextRest
  local tolerance = burst * num
  if ahead <= tolerance then
    local resetAfterMs = ceil(ahead / den)
    return true, floor((tolerance - ahead) / num), resetAfterMs, 0, ceil(aheadBefore / den),
      t - now + resetAfterMs, nextMs, nextRest, t
  end
  local resetAfterMs = ceil(aheadBefore / den)
  return false, jsMax(0, floor((tolerance - aheadBefore) / num)), resetAfterMs,
    ceil((ahead - tolerance) / den), 0, t - now + resetAfterMs, startMs, startRest, t
end
`,
  fixedWindow: `-- Twin of core/src/algorithms/fixedWindow.ts. State: windowStart count. Params: limit, windowMs,
-- align (1 for 'first-request'; 0, or nil from a caller that sends two params, for 'epoch').
-- Judged at t = max(now, windowStart). Returns allowed, remaining, resetAfterMs, the wait
-- (retryAfterMs when denied, delayMs when allowed), ttlMs and the next state's numbers.
local function fixedWindowStep(key, s1, s2, s3, now, cost, limit, windowMs, align)
  -- judgedAt(now, windowStart)
  local t = now
  if s1 ~= nil and s1 > now then t = s1 end
  local start, used
  if align == 1 then
    -- 'first-request': the stored window while it lasts, else a new one starting at t.
    if s1 ~= nil and t < s1 + windowMs then
      start, used = s1, s2
    else
      start, used = t, 0
    end
  else
    start = floor(t / windowMs) * windowMs
    used = 0
    if s1 == start then used = s2 end
  end
  local resetAfterMs = start + windowMs - t
  -- ttlAt(now, t, resetAfterMs)
  local ttlMs = t - now + resetAfterMs
  if used + cost > limit then
    return false, limit - used, resetAfterMs, resetAfterMs, ttlMs, start, used
  end
  local count = used + cost
  return true, limit - count, resetAfterMs, 0, ttlMs, start, count
end

-- The fixed window's Redis state: 14 bytes that BITFIELD reads and updates in place, so that a
-- decision in a running window is ONE command (Upstash bills each command a script runs; Redis
-- spends less CPU than on GET + SET). u53 at bit 0 holds FW_TOP - limit + count: INCRBY with
-- OVERFLOW FAIL refuses (and writes nothing) exactly when count + cost > limit, and OVERFLOW SAT
-- stops exactly at count = limit. u53 at bit 56 holds windowStart + 1, 0 for no state (a key the
-- INCRBY itself just created). Every number stays below 2^53, so Lua's doubles hold it exactly.
-- A limit above FW_TOP cannot be biased so: its key keeps the text state ('windowStart count').
local FW_TOP = 9007199254740991

-- x (an integer, 0 <= x <= FW_TOP) as a u53 field and 3 zero bits: 7 bytes, most significant first.
-- x * 8 < 2^56 is a multiple of 8, exact as a double, and so is each power-of-two division below.
local function fwBytes(x)
  x = x * 8
  return string.char(floor(x / 281474976710656) % 256, floor(x / 1099511627776) % 256,
    floor(x / 4294967296) % 256, floor(x / 16777216) % 256, floor(x / 65536) % 256,
    floor(x / 256) % 256, x % 256)
end

-- The u53 field of 7 bytes from \`at\`: every partial sum is below 2^48 or the exact final multiple of 8.
local function fwNumber(raw, at)
  local b1, b2, b3, b4, b5, b6, b7 = string.byte(raw, at, at + 6)
  return ((((((b1 * 256 + b2) * 256 + b3) * 256 + b4) * 256 + b5) * 256 + b6) * 256 + b7) / 8
end

-- Reads a fixed window's state like readText: an error text, or nil then windowStart and count
-- (nothing for no state). One GET, read-only (answers when Redis is out of memory), any Redis >= 5.
local function fixedWindowRead(key, limit)
  if limit > FW_TOP then return readText(key) end
  local raw = redis.pcall('GET', key)
  if not raw then return nil end
  if type(raw) == 'table' then return raw.err end
  if #raw ~= 14 then return 'ERR sluice: ' .. key .. ' holds no fixed-window state' end
  local start = fwNumber(raw, 8)
  if start == 0 then return nil end
  return nil, start - 1, fwNumber(raw, 1) - (FW_TOP - limit)
end

-- Writes a fixed window's state for px ms: one SET of the 14 bytes (writeText's contract).
local function fixedWindowWrite(key, limit, start, count, px)
  if limit > FW_TOP then return writeText(key, 0, start, count, nil, px) end
  if not (start >= 0 and start < FW_TOP and start == floor(start)) then
    return 'ERR sluice: fixed window start ' .. formatNumber(start) .. ' is outside 0..2^53-2 ms'
  end
  return redis.pcall('SET', key, fwBytes(FW_TOP - limit + count) .. fwBytes(start + 1), 'PX', px).err
end

-- A limit's reader and writer with the shape every driver calls (READ(key); WRITE(key, cost, n1, n2, n3, px)).
local function fixedWindowReader(limit)
  return function(key) return fixedWindowRead(key, limit) end
end
local function fixedWindowWriter(limit)
  return function(key, _, n1, n2, _, px) return fixedWindowWrite(key, limit, n1, n2, px) end
end

-- One decision on one fixed-window limit (single.lua's DECIDE, engine.lua's lone fixed window):
-- an error text or nil, then allowed, remaining, resetAfterMs and the wait.
--
-- A consuming decision of 0 < cost <= limit is one BITFIELD: INCRBY (refused past the limit) and
-- the two fields. In the stored window that is the whole decision, admitted or denied; a fresh key
-- or an ended window (the step decides which, exactly as in core) also SETs the new window's state
-- with its TTL, as the peer's INCRBY + PEXPIRE. Within a window the TTL stays the one set at its
-- start: it already runs to the window's end. Anything else (a peek, cost 0 or > limit, a limit
-- above FW_TOP, a BITFIELD error such as out of memory or a key of another type) reads with one GET,
-- steps, and writes as the other drivers do. The bitfield holds what the limiter's clock gives
-- (whole ms from 0; core's readClock) and counts up to the limit: a start outside 0..2^53-2 ms
-- (a store called directly with a negative or fractional now) is an error, and writes nothing.
local function fixedWindowDecide(key, now, graceMs, cost, consume, maxDelay, limit, windowMs, align)
  -- now as the limiter's clock gives it (whole ms from 0): every window start then fits the field.
  if consume and cost > 0 and cost <= limit and limit <= FW_TOP and (maxDelay == nil or maxDelay >= 0)
    and now >= 0 and now < FW_TOP and now == floor(now) then
    local r = redis.pcall('BITFIELD', key, 'OVERFLOW', 'FAIL', 'INCRBY', 'u53', '0', string.format('%d', cost),
      'GET', 'u53', '0', 'GET', 'u53', '56')
    if r.err == nil then
      local s1, used = nil, nil
      if r[3] ~= 0 then
        s1, used = r[3] - 1, r[2] - (FW_TOP - limit)
        if r[1] then used = used - cost end
      end
      local allowed, remaining, resetAfterMs, wait, ttlMs, n1, n2 =
        fixedWindowStep(key, s1, used, nil, now, cost, limit, windowMs, align)
      -- The stored window: the INCRBY already did what the step decided (both compare used + cost with limit).
      if s1 ~= nil and n1 == s1 then return nil, allowed, remaining, resetAfterMs, wait end
      -- A new window: cost <= limit always fits it, and its state replaces whatever the INCRBY touched.
      local err = persist(fixedWindowWriter(limit), key, cost, ttlMs, graceMs, n1, n2, nil)
      if err then return err end
      return nil, allowed, remaining, resetAfterMs, wait
    end
  end
  local err, s1, s2 = fixedWindowRead(key, limit)
  if err then return err end
  local allowed, remaining, resetAfterMs, wait, ttlMs, n1, n2 =
    fixedWindowStep(key, s1, s2, nil, now, cost, limit, windowMs, align)
  if allowed and maxDelay ~= nil and wait > maxDelay then
    local _, untouchedRemaining, untouchedReset = fixedWindowStep(key, s1, s2, nil, now, 0, limit, windowMs, align)
    return nil, false, untouchedRemaining, untouchedReset, wait - maxDelay
  end
  if allowed and consume and cost > 0 then
    err = persist(fixedWindowWriter(limit), key, cost, ttlMs, graceMs, n1, n2, nil)
    if err then return err end
  end
  return nil, allowed, remaining, resetAfterMs, wait
end
`,
  slidingLog: `-- Twin of core/src/algorithms/slidingLog.ts. State: a sorted set with one member per admitted
-- unit, scored by its timestamp; members are "<timestamp>:<n>", numbered 1, 2, ... per timestamp.
-- Params: limit, windowMs.
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
    -- Live entries hold the top \`used\` ranks of the set.
    local firstLive = redis.call('ZCARD', key) - used
    local unblocking = slidingLogScoreAt(key, firstLive + used + cost - limit - 1)
    -- The newest live entry is the newest of the set; with none live it is undefined, as in TS.
    local newestLive = 0 / 0
    if used > 0 then newestLive = newest end
    local resetAfterMs = newestLive + windowMs - t
    -- More than \`limit\` entries only after a charge (charge.lua): remaining never below 0.
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

-- Persists a plan of slidingLogStep for px ms: \`cost\` entries at t, the log pruned to what is
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
`,
  slidingWindow: `-- Twin of core/src/algorithms/slidingWindow.ts. State: currentWindowStart current previous.
-- Params: limit, windowMs. Judged at t = max(now, currentWindowStart).

-- Earliest wait after t after which the same request fits, as the previous window's weight decays.
local function slidingWindowRetryAfter(limit, w, start, t, current, previous, cost)
  local room = limit - current - cost
  if room >= 0 and previous > 0 then
    -- Smallest elapsed e with previous * (w - e) <= room * w.
    local elapsedNeeded = w - floor((room * w) / previous)
    if elapsedNeeded < w then return start + elapsedNeeded - t end
  end
  -- Next window: today's count becomes the previous one and decays from there.
  local elapsedNext = 0
  if current > 0 then elapsedNext = jsMax(0, w - floor(((limit - cost) * w) / current)) end
  return start + w + elapsedNext - t
end

local function slidingWindowStep(key, s1, s2, s3, now, cost, limit, w)
  local t = now
  if s1 ~= nil and s1 > now then t = s1 end
  local start = floor(t / w) * w
  local elapsed = t - start
  local current, previous = 0, 0
  if s1 == start then
    current, previous = s2, s3
  elseif s1 ~= nil and s1 == start - w then
    previous = s2
  end
  local weightedPrevious = previous * (w - elapsed)
  local admits = weightedPrevious + (current + cost) * w <= limit * w
  local counted = current
  if admits then counted = current + cost end
  local remaining = jsMax(0, floor((limit * w - weightedPrevious - counted * w) / w))
  -- Full reset once the current count has slid out too: the end of the next window.
  local resetAfterMs = 0
  if counted > 0 then
    resetAfterMs = start + 2 * w - t
  elseif previous > 0 then
    resetAfterMs = start + w - t
  end
  local ttlMs = t - now + resetAfterMs
  if admits then return true, remaining, resetAfterMs, 0, ttlMs, start, counted, previous end
  return false, remaining, resetAfterMs,
    slidingWindowRetryAfter(limit, w, start, t, current, previous, cost), ttlMs, start, counted, previous
end
`,
  tokenBucket: `-- Twin of core/src/algorithms/tokenBucket.ts. State: units lastRefill, the tokens in scaled units
-- (tokenUnits per token), so refill of any rate stays exact integer arithmetic.
-- Params: capacity, tokenUnits, refillUnitsPerMs. Judged at t = max(now, lastRefill), stored as
-- the new lastRefill.
local function tokenBucketStep(key, s1, s2, s3, now, cost, capacity, tokenUnits, perMs)
  local full = capacity * tokenUnits
  local t = now
  if s2 ~= nil and s2 > now then t = s2 end
  local units = full
  if s1 ~= nil then
    local elapsed = t - s2
    -- Compare before multiplying so a long idle time cannot overflow exact integers.
    if elapsed >= ceil((full - s1) / perMs) then
      units = full
    else
      units = s1 + elapsed * perMs
    end
  end
  local needed = cost * tokenUnits
  if units < needed then
    local resetAfterMs = ceil((full - units) / perMs)
    -- Below zero only after a charge (charge.lua): a decision never shows a debt.
    return false, jsMax(0, floor(units / tokenUnits)), resetAfterMs, ceil((needed - units) / perMs),
      t - now + resetAfterMs, units, t
  end
  local left = units - needed
  local resetAfterMs = ceil((full - left) / perMs)
  return true, floor(left / tokenUnits), resetAfterMs, 0, t - now + resetAfterMs, left, t
end
`,
  gcra: `-- Twin of core/src/algorithms/gcra.ts. State: tatMs tatRemainder seenMs.
-- Params: intervalNum, intervalDen, burst: emission interval T = intervalNum / intervalDen ms.
local function gcraStep(key, s1, s2, s3, now, cost, intervalNum, intervalDen, burst)
  local allowed, remaining, resetAfterMs, retryAfterMs, _, ttlMs, n1, n2, n3 =
    schedule(s1, s2, s3, intervalNum, intervalDen, burst, now, cost)
  return allowed, remaining, resetAfterMs, retryAfterMs, ttlMs, n1, n2, n3
end
`,
  leakyBucket: `-- Twin of core/src/algorithms/leakyBucket.ts. State: drainAtMs remainder seenMs.
-- Params: capacity, intervalNum, intervalDen: one leak every intervalNum / intervalDen ms.
-- GCRA with burst = capacity + 1, which is also the limit it reports; delayMs is the wait for its turn.
local function leakyBucketStep(key, s1, s2, s3, now, cost, capacity, intervalNum, intervalDen)
  local allowed, remaining, resetAfterMs, retryAfterMs, startAfterMs, ttlMs, n1, n2, n3 =
    schedule(s1, s2, s3, intervalNum, intervalDen, capacity + 1, now, cost)
  if allowed then return true, remaining, resetAfterMs, startAfterMs, ttlMs, n1, n2, n3 end
  return false, remaining, resetAfterMs, retryAfterMs, ttlMs, n1, n2, n3
end
`,
  concurrency: `-- Twin of core/src/algorithms/concurrency.ts. State: the sliding log's sorted set, one member per
-- unit of a live lease, scored by the time the lease was taken; a lease counts until its time +
-- leaseMs (the sorted set of lease expiries, shifted by leaseMs). Params: limit, leaseMs.
--
-- core's concurrencyStep is the sliding log's step with the lease duration as its window, so its
-- twin is the sliding log's read, step and write (slidingLog.lua precedes this file). A release is
-- refund.lua's sliding-log removal of exactly the take's own entries; a refund by key releases
-- nothing (it would have to pick another holder's lease).
local concurrencyRead, concurrencyStep, concurrencyWrite = slidingLogRead, slidingLogStep, slidingLogWrite
`,
  single: `-- The driver of one decision on one limit. scripts.ts composes one such script per algorithm kind:
-- the helpers, that kind's functions, then \`local READ, STEP, WRITE, DECIDE = …\` naming them, then
-- this. DECIDE, where a kind has one, takes the whole decision (see fixedWindowDecide).
--
-- KEYS[1]: the limit's key.
-- ARGV[1]: now in ms, or '' to read the server's clock (TIME).   ARGV[2]: cost (units, >= 0).
-- ARGV[3]: mode: '1' consume, '0' peek, either followed by ':' and maxDelayMs.
-- ARGV[4..6]: the limit's params ('' where a kind has two).
--
-- Steps the limit on its state; if it admits and consumes a positive cost, writes the new state with
-- its TTL (one SET, or the sorted-set update of a sliding log), else writes nothing. Replies
-- allowed (1/0), remaining, resetAfterMs, and the wait: retryAfterMs when denied, delayMs when allowed.

local key = KEYS[1]
local now, graceMs
if ARGV[1] == '' then
  now, graceMs = serverNow(), 0
else
  -- With the caller's clock, keys live a little past their TTL: the TTL runs on the server's clock,
  -- the state's lifetime on the caller's. A state past its TTL behaves as fresh, so this changes no
  -- decision; it only keeps a drifting or simulated clock from seeing a state vanish early.
  now, graceMs = tonumber(ARGV[1]), 1000
end
local cost = tonumber(ARGV[2])
local consume, maxDelay = modeOf(ARGV[3])
local p1, p2, p3 = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])

if DECIDE ~= nil then
  -- A kind with its own one-decision path (the fixed window's single BITFIELD).
  local err, allowed, remaining, resetAfterMs, wait = DECIDE(key, now, graceMs, cost, consume, maxDelay, p1, p2, p3)
  if err then return redis.error_reply(err) end
  local verdict = 0
  if allowed then verdict = 1 end
  return { verdict, replyNumber(remaining), replyNumber(resetAfterMs), replyNumber(wait) }
end

local err, s1, s2, s3 = READ(key)
if err then return redis.error_reply(err) end
local allowed, remaining, resetAfterMs, wait, ttlMs, n1, n2, n3 = STEP(key, s1, s2, s3, now, cost, p1, p2, p3)
if allowed and maxDelay ~= nil and wait > maxDelay then
  -- Twin of core's stepWithin: an admission that would wait longer than maxDelay is a denial with
  -- the untouched numbers of a peek (only shaping steps carry a delay).
  local _, untouchedRemaining, untouchedReset = STEP(key, s1, s2, s3, now, 0, p1, p2, p3)
  allowed, remaining, resetAfterMs, wait = false, untouchedRemaining, untouchedReset, wait - maxDelay
elseif allowed and consume and cost > 0 then
  err = persist(WRITE, key, cost, ttlMs, graceMs, n1, n2, n3)
  if err then return redis.error_reply(err) end
end
local verdict = 0
if allowed then verdict = 1 end
return { verdict, replyNumber(remaining), replyNumber(resetAfterMs), replyNumber(wait) }
`,
  engine: `-- The driver of many decisions in one call (a batch: the decisions one event-loop turn sent to one
-- Redis node), each of one limit or of several all-or-nothing (a composite): the twin of core's
-- stepAll, once per decision, in order. Each decision is atomic and all-or-nothing on its own; one
-- that fails (a key of another type, a key another Cluster node serves, Redis out of memory) writes
-- nothing and does not stop the others. scripts.ts composes it after the helpers and every kind.
--
-- ARGV[1]: K, the keys declared in KEYS (KEYS past K are padding: a client may send a fixed count).
-- ARGV[2]: D, the decisions.   ARGV[3]: S, the limits (specs) they use.
-- Then S specs of 5: id, kind, and its three params ('' where a kind has two).
-- Then ONE argument for the D decisions, each 'plan now cost mode' and a newline: plan (spec ids
-- joined by ','), now ('' for the server's clock), cost (one number for every limit, or per limit of
-- a composite joined by ',' when they differ: '1,1200'), mode ('1' consume, '0' peek, either
-- followed by ':' and maxDelayMs; then, for a limiter with a penalty, '|' and
-- blockMs:factor:maxBlockMs:forgetAfterMs). No field holds a space or a newline. One argument, not
-- four per decision: each argument costs the client to encode and Redis to parse (measured: about
-- 0.6 µs of Node CPU per decision on ioredis, batches of 16).
-- Then the keys past the K declared ones, if any (on a Cluster, decisions of other slots served by
-- the same node: a script without flags may touch a node's keys of any slot).
-- Each decision takes the next keys in order, one per limit of its plan, then with a penalty its
-- block key (\`{limiterKey}:!block\`, text 'blockedUntil lastBlockMs forgetUntil').
--
-- Replies one text of numbers joined by spaces (replyNumber's, so each reads back exactly); per
-- decision: 1 and, per limit, allowed (1/0), remaining, resetAfterMs and the wait (retryAfterMs when
-- denied, delayMs when allowed); 2, blockedUntil, then the same per limit, for a blocked key; or 0
-- and the number n of its error: then the reply is an array of the text and the error texts, the
-- n-th of them Redis's error for that decision. One text, not an array of integers: a client
-- decodes one string far faster (about 0.8 µs of Node CPU per decision on ioredis, batches of 16);
-- the usual numbers go in as constant words ('1 1', '0'), since Lua's number-to-text is slow
-- (sprintf): measured on redis-server, the text costs within 0.35 µs per decision of the array.

local declared = tonumber(ARGV[1])
local decisionCount = tonumber(ARGV[2])
local specCount = tonumber(ARGV[3])

-- Each spec's functions and params, by id.
local READS, STEPS, WRITES, P1, P2, P3, UNKNOWN = {}, {}, {}, {}, {}, {}, {}
-- Fixed windows: their state is a bitfield (fixedWindow.lua), and a lone decision takes one BITFIELD.
local FIXED = {}
local at = 4
for _ = 1, specCount do
  local id, kind = ARGV[at], ARGV[at + 1]
  if kind == 'fixedWindow' then
    local limit = tonumber(ARGV[at + 2])
    READS[id], STEPS[id], WRITES[id] = fixedWindowReader(limit), fixedWindowStep, fixedWindowWriter(limit)
    FIXED[id] = true
  elseif kind == 'gcra' then
    READS[id], STEPS[id], WRITES[id] = readText, gcraStep, writeText
  elseif kind == 'tokenBucket' then
    READS[id], STEPS[id], WRITES[id] = readText, tokenBucketStep, writeText
  elseif kind == 'slidingWindow' then
    READS[id], STEPS[id], WRITES[id] = readText, slidingWindowStep, writeText
  elseif kind == 'leakyBucket' then
    READS[id], STEPS[id], WRITES[id] = readText, leakyBucketStep, writeText
  elseif kind == 'slidingLog' then
    READS[id], STEPS[id], WRITES[id] = slidingLogRead, slidingLogStep, slidingLogWrite
  elseif kind == 'concurrency' then
    READS[id], STEPS[id], WRITES[id] = concurrencyRead, concurrencyStep, concurrencyWrite
  else
    UNKNOWN[id] = 'ERR sluice: unknown algorithm kind ' .. tostring(kind)
  end
  P1[id], P2[id], P3[id] = tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3]), tonumber(ARGV[at + 4])
  at = at + 5
end

-- Keys are taken in order: the declared ones, then those after the decisions' argument.
local decisionsText = ARGV[at]
local keyBase = at - declared
local taken = 0
local function nextKey()
  taken = taken + 1
  if taken <= declared then return KEYS[taken] end
  return ARGV[keyBase + taken]
end

local serverMs = nil
local reply, r = {}, 0
local function emit(x)
  r = r + 1
  reply[r] = x
end
local errors = {}
local function fail(err)
  errors[#errors + 1] = err
  emit('0')
  emit(#errors)
end
-- A decision of one limit: 1, then its verdict and numbers (one call: the usual reply), the usual
-- words as constants (a wait of -0 is replyNumber's '-0').
local function emitOne(allowed, remaining, resetAfterMs, wait)
  if allowed then reply[r + 1] = '1 1' else reply[r + 1] = '1 0' end
  if wait == 0 and 1 / wait > 0 then wait = '0' else wait = replyNumber(wait) end
  reply[r + 2], reply[r + 3], reply[r + 4] = replyNumber(remaining), replyNumber(resetAfterMs), wait
  r = r + 4
end

-- A composite's per-limit values, reused by every composite of the call.
local IDS, KEYS_OF, S1, S2, S3, OK, REM, RESET, WAIT, TTL, N1, N2, N3 = {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}
-- A composite's cost per limit (core's StoreRequest.costs): from '1,1200', or its one cost for
-- each. A limit whose cost is 0 is read and never written (core's stepAll).
local C = {}

-- Fills C for the n limits of a composite from its cost text.
local function costsOf(costText, n)
  local cost = tonumber(costText)
  if cost ~= nil then
    for i = 1, n do C[i] = cost end
    return
  end
  local i = 0
  for c in string.gmatch(costText, '[^,]+') do
    i = i + 1
    C[i] = tonumber(c)
  end
end

-- The largest of a cost text: its number, or the largest of its per-limit costs.
local function largestOf(costText)
  local cost = tonumber(costText)
  if cost ~= nil then return cost end
  local most = 0
  for c in string.gmatch(costText, '[^,]+') do
    local x = tonumber(c)
    if x > most then most = x end
  end
  return most
end

-- A decision's mode text and its penalty text ('blockMs:factor:maxBlockMs:forgetAfterMs'), or nil.
local function penaltyOf(mode)
  if mode == '1' or mode == '0' then return mode, nil end
  local bar = string.find(mode, '|', 1, true)
  if bar == nil then return mode, nil end
  return string.sub(mode, 1, bar - 1), string.sub(mode, bar + 1)
end

-- The twin of core's penaltyStep: a decision of a limiter with a penalty (one limit or several).
-- While the key is blocked, every limit denies unstepped; else stepAll, and a denied consuming call
-- with a cost starts a block (escalated within forgetAfterMs of the last one's end, capped).
local function penalized(plan, now, graceMs, cost, costText, consume, maxDelay, penalty)
  local n = 0
  for id in string.gmatch(plan, '[^,]+') do
    n = n + 1
    IDS[n] = id
    KEYS_OF[n] = nextKey()
  end
  costsOf(costText, n)
  local blockKey = nextKey()
  local err, b1, b2, b3 = readText(blockKey)
  if err then return fail(err) end
  local live = b3 ~= nil and b3 > now
  if live and b1 > now then
    local wait = b1 - now
    for i = 1, n do
      if UNKNOWN[IDS[i]] or STEPS[IDS[i]] == nil then return fail(UNKNOWN[IDS[i]] or 'ERR sluice: no limit spec ' .. IDS[i]) end
    end
    emit(2)
    emit(replyNumber(b1))
    for _ = 1, n do
      emit(0)
      emit(0)
      emit(replyNumber(wait))
      emit(replyNumber(wait))
    end
    return
  end
  for i = 1, n do
    local id = IDS[i]
    err = UNKNOWN[id]
    if err == nil and STEPS[id] == nil then err = 'ERR sluice: no limit spec ' .. id end
    if err == nil then err, S1[i], S2[i], S3[i] = READS[id](KEYS_OF[i]) end
    if err then return fail(err) end
  end
  local admitted = true
  for i = 1, n do
    local id = IDS[i]
    OK[i], REM[i], RESET[i], WAIT[i], TTL[i], N1[i], N2[i], N3[i] =
      STEPS[id](KEYS_OF[i], S1[i], S2[i], S3[i], now, C[i], P1[id], P2[id], P3[id])
    if OK[i] and maxDelay ~= nil and WAIT[i] > maxDelay then
      local _, untouchedRemaining, untouchedReset =
        STEPS[id](KEYS_OF[i], S1[i], S2[i], S3[i], now, 0, P1[id], P2[id], P3[id])
      OK[i], REM[i], RESET[i], WAIT[i] = false, untouchedRemaining, untouchedReset, WAIT[i] - maxDelay
    end
    if not OK[i] then admitted = false end
  end
  local blockedUntil = nil
  if admitted then
    if consume and cost > 0 then
      local wrote = false
      for i = 1, n do
        if TTL[i] > 0 and C[i] > 0 then
          err = persist(WRITES[IDS[i]], KEYS_OF[i], C[i], TTL[i], graceMs, N1[i], N2[i], N3[i])
          if err then
            if wrote then return redis.error_reply(err) end
            return fail(err)
          end
          wrote = true
        end
      end
      for i = 1, n do
        if not (TTL[i] > 0) and C[i] > 0 then redis.call('DEL', KEYS_OF[i]) end
      end
    end
  else
    for i = 1, n do
      if OK[i] then
        local id = IDS[i]
        OK[i], REM[i], RESET[i], WAIT[i] =
          STEPS[id](KEYS_OF[i], S1[i], S2[i], S3[i], now, 0, P1[id], P2[id], P3[id])
      end
    end
    local c1, c2, c3, c4 = string.match(penalty, '^([^:]*):([^:]*):([^:]*):([^:]*)$')
    local blockMs = tonumber(c1)
    if consume and cost > 0 and blockMs > 0 then
      local factor, maxBlockMs, forgetAfterMs = tonumber(c2), tonumber(c3), tonumber(c4)
      local ms = blockMs
      if live and b2 > 0 then
        ms = ceil(b2 * factor)
        if maxBlockMs < ms then ms = maxBlockMs end
      end
      blockedUntil = now + ms
      local forgetUntil = blockedUntil + forgetAfterMs
      err = persist(writeText, blockKey, cost, forgetUntil - now, graceMs, blockedUntil, ms, forgetUntil)
      if err then return fail(err) end
      for i = 1, n do
        if not OK[i] and WAIT[i] < ms then WAIT[i] = ms end
      end
    end
  end
  if blockedUntil == nil then
    emit(1)
  else
    emit(2)
    emit(replyNumber(blockedUntil))
  end
  for i = 1, n do
    if OK[i] then emit(1) else emit(0) end
    emit(replyNumber(REM[i]))
    emit(replyNumber(RESET[i]))
    emit(replyNumber(WAIT[i]))
  end
end

-- A text that is not D decisions of four fields (a client's bug) is refused before anything is
-- written. (gsub with a plain replacement makes no strings of the captures: a cheap check.)
local DECISION = '([^ \\n]*) ([^ \\n]*) ([^ \\n]*) ([^ \\n]*)\\n'
local rest, lines = string.gsub(decisionsText, DECISION, '')
if lines ~= decisionCount or rest ~= '' then
  return redis.error_reply('ERR sluice: the decisions text holds ' .. lines .. ' decisions of ' .. decisionCount)
end
for plan, nowArg, costText, modeText in string.gmatch(decisionsText, DECISION) do
  local mode, penalty = penaltyOf(modeText)
  local cost, consume, maxDelay = largestOf(costText), modeOf(mode)
  local now, graceMs
  if nowArg == '' then
    if serverMs == nil then serverMs = serverNow() end
    now, graceMs = serverMs, 0
  else
    -- The caller's clock: keys live a little past their TTL (see single.lua).
    now, graceMs = tonumber(nowArg), 1000
  end
  local step = STEPS[plan]
  if penalty ~= nil then
    penalized(plan, now, graceMs, cost, costText, consume, maxDelay, penalty)
  elseif FIXED[plan] then
    -- One fixed window: its own one-command path (fixedWindowDecide).
    local err, allowed, remaining, resetAfterMs, wait =
      fixedWindowDecide(nextKey(), now, graceMs, cost, consume, maxDelay, P1[plan], P2[plan], P3[plan])
    if err then
      fail(err)
    else
      emitOne(allowed, remaining, resetAfterMs, wait)
    end
  elseif step ~= nil then
    -- One limit: the plan is its spec id.
    local key = nextKey()
    local p1, p2, p3 = P1[plan], P2[plan], P3[plan]
    local err, s1, s2, s3 = READS[plan](key)
    if err then
      fail(err)
    else
      local allowed, remaining, resetAfterMs, wait, ttlMs, n1, n2, n3 = step(key, s1, s2, s3, now, cost, p1, p2, p3)
      if allowed and maxDelay ~= nil and wait > maxDelay then
        local _, untouchedRemaining, untouchedReset = step(key, s1, s2, s3, now, 0, p1, p2, p3)
        allowed, remaining, resetAfterMs, wait = false, untouchedRemaining, untouchedReset, wait - maxDelay
      elseif allowed and consume and cost > 0 then
        err = persist(WRITES[plan], key, cost, ttlMs, graceMs, n1, n2, n3)
      end
      if err then
        fail(err)
      else
        emitOne(allowed, remaining, resetAfterMs, wait)
      end
    end
  else
    -- Several limits (or an unknown spec): read every state first, then step each.
    local n = 0
    for id in string.gmatch(plan, '[^,]+') do
      n = n + 1
      IDS[n] = id
      KEYS_OF[n] = nextKey()
    end
    costsOf(costText, n)
    local err = nil
    for i = 1, n do
      local id = IDS[i]
      err = UNKNOWN[id]
      if err == nil and STEPS[id] == nil then err = 'ERR sluice: no limit spec ' .. id end
      if err == nil then err, S1[i], S2[i], S3[i] = READS[id](KEYS_OF[i]) end
      if err then break end
    end
    if err then
      fail(err)
    else
      local admitted = true
      for i = 1, n do
        local id = IDS[i]
        OK[i], REM[i], RESET[i], WAIT[i], TTL[i], N1[i], N2[i], N3[i] =
          STEPS[id](KEYS_OF[i], S1[i], S2[i], S3[i], now, C[i], P1[id], P2[id], P3[id])
        if OK[i] and maxDelay ~= nil and WAIT[i] > maxDelay then
          local _, untouchedRemaining, untouchedReset =
            STEPS[id](KEYS_OF[i], S1[i], S2[i], S3[i], now, 0, P1[id], P2[id], P3[id])
          OK[i], REM[i], RESET[i], WAIT[i] = false, untouchedRemaining, untouchedReset, WAIT[i] - maxDelay
        end
        if not OK[i] then admitted = false end
      end
      if admitted then
        if consume and cost > 0 then
          -- Kept states first, the first of them refused out of memory (see persist); deletions last.
          local wrote = false
          for i = 1, n do
            if TTL[i] > 0 and C[i] > 0 then
              local id = IDS[i]
              err = persist(WRITES[id], KEYS_OF[i], C[i], TTL[i], graceMs, N1[i], N2[i], N3[i])
              if err then
                -- Only a first write can be refused: after one, Redis lets every write through.
                if wrote then return redis.error_reply(err) end
                break
              end
              wrote = true
            end
          end
          if err == nil then
            for i = 1, n do
              if not (TTL[i] > 0) and C[i] > 0 then redis.call('DEL', KEYS_OF[i]) end
            end
          end
        end
      else
        -- A denied composite: the limits that would have admitted report their peek (cost 0).
        for i = 1, n do
          if OK[i] then
            local id = IDS[i]
            OK[i], REM[i], RESET[i], WAIT[i] =
              STEPS[id](KEYS_OF[i], S1[i], S2[i], S3[i], now, 0, P1[id], P2[id], P3[id])
          end
        end
      end
      if err then
        fail(err)
      else
        emit(1)
        for i = 1, n do
          if OK[i] then emit(1) else emit(0) end
          emit(replyNumber(REM[i]))
          emit(replyNumber(RESET[i]))
          emit(replyNumber(WAIT[i]))
        end
      end
    end
  end
end
local text = table.concat(reply, ' ')
if #errors == 0 then return text end
local withErrors = { text }
for i = 1, #errors do withErrors[i + 1] = errors[i] end
return withErrors
`,
  refund: `-- The refund script: twin of core/src/algorithms/refund.ts (refundAll). Gives \`cost\` units back to
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

-- The sliding log in place: removes up to \`cost\` live entries logged at or before takenEnd - window,
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
`,
  ban: `-- limiter.ban: the twin of core's banState, after the helpers (shared.lua). Atomic on one key.
--
-- KEYS[1]: the limiter key's block key (\`{limiterKey}:!block\`, text 'blockedUntil lastBlockMs
-- forgetUntil'). ARGV[1]: now in ms, or '' for the server's clock (TIME). ARGV[2]: the ban in ms.
--
-- The key is blocked until now + the ban, whatever it held (a ban may shorten a block); a live
-- escalation level (lastBlockMs, until forgetUntil) is kept. Replies 1.

local now, graceMs
if ARGV[1] == '' then
  now, graceMs = serverNow(), 0
else
  -- The caller's clock: the key lives a little past its TTL (see single.lua).
  now, graceMs = tonumber(ARGV[1]), 1000
end
local err, _, lastBlockMs, heldForget = readText(KEYS[1])
if err then return redis.error_reply(err) end
local blockedUntil = now + tonumber(ARGV[2])
local last, forgetUntil = 0, blockedUntil
if heldForget ~= nil and heldForget > now then
  last = lastBlockMs
  if heldForget > blockedUntil then forgetUntil = heldForget end
end
err = persist(writeText, KEYS[1], 0, forgetUntil - now, graceMs, blockedUntil, last, forgetUntil)
if err then return redis.error_reply(err) end
return 1
`,
  charge: `-- The charge script: twin of core/src/algorithms/charge.ts (chargeAll). Takes units after the fact
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

-- The sliding log in place: \`cost\` entries at t, keeping the newest \`cap\` live ones. Entries at t
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
`,
}
