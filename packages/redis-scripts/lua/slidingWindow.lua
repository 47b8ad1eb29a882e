-- Twin of core/src/algorithms/slidingWindow.ts. State: { currentWindowStart, current, previous }.
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
