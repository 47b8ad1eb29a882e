-- Twin of core/src/algorithms/slidingWindow.ts. State: { currentWindowStart, current, previous }.
-- Params: { limit, windowMs }.

-- Earliest wait after which the same request fits, as the previous window's weight decays.
local function slidingWindowRetryAfter(limit, w, start, now, current, previous, cost)
  local room = limit - current - cost
  if room >= 0 and previous > 0 then
    -- Smallest elapsed e with previous * (w - e) <= room * w.
    local elapsedNeeded = w - math.floor((room * w) / previous)
    if elapsedNeeded < w then return start + elapsedNeeded - now end
  end
  -- Next window: today's count becomes the previous one and decays from there.
  local elapsedNext = 0
  if current > 0 then elapsedNext = jsMax(0, w - math.floor(((limit - cost) * w) / current)) end
  return start + w + elapsedNext - now
end

local function slidingWindowStep(state, params, now, cost)
  local limit, w = params[1], params[2]
  -- A state from a later window (a caller whose clock runs behind) keeps counting in that window.
  local start = windowStart(now, w)
  if state ~= nil and state[1] > start then start = state[1] end
  local elapsed = 0
  if now > start then elapsed = now - start end
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
    resetAfterMs = start + 2 * w - now
  elseif previous > 0 then
    resetAfterMs = start + w - now
  end
  local nextState = { start, counted, previous }
  if admits then return nextState, resetAfterMs, allow(limit, remaining, resetAfterMs) end
  return nextState, resetAfterMs,
    deny(limit, remaining, resetAfterMs, slidingWindowRetryAfter(limit, w, start, now, current, previous, cost))
end
