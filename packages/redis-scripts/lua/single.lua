-- The driver of one decision on one limit. scripts.ts composes one such script per algorithm kind:
-- the helpers, that kind's functions, then `local READ, STEP, WRITE, DECIDE = …` naming them, then
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
