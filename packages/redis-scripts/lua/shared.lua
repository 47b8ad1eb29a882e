-- Twin of core/src/algorithms/shared.ts, plus JavaScript's Math.max, whose Lua counterpart
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
