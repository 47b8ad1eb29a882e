-- Twin of core/src/algorithms/fixedWindow.ts. State: windowStart count. Params: limit, windowMs.
-- Judged at t = max(now, windowStart). Returns allowed, remaining, resetAfterMs, the wait
-- (retryAfterMs when denied, delayMs when allowed), ttlMs and the next state's numbers.
local function fixedWindowStep(key, s1, s2, s3, now, cost, limit, windowMs)
  -- judgedAt(now, windowStart)
  local t = now
  if s1 ~= nil and s1 > now then t = s1 end
  local start = floor(t / windowMs) * windowMs
  local used = 0
  if s1 == start then used = s2 end
  local resetAfterMs = start + windowMs - t
  -- ttlAt(now, t, resetAfterMs)
  local ttlMs = t - now + resetAfterMs
  if used + cost > limit then
    return false, limit - used, resetAfterMs, resetAfterMs, ttlMs, start, used
  end
  local count = used + cost
  return true, limit - count, resetAfterMs, 0, ttlMs, start, count
end
