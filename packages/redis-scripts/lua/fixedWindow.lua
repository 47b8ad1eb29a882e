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
