-- Twin of core/src/algorithms/slidingWindow.ts. State: currentWindowStart current previous.
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
