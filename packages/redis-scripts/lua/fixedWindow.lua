-- Twin of core/src/algorithms/fixedWindow.ts. State: windowStart count. Params: limit, windowMs,
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

-- The u53 field of 7 bytes from `at`: every partial sum is below 2^48 or the exact final multiple of 8.
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
