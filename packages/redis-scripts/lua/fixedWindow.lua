-- Twin of core/src/algorithms/fixedWindow.ts. State: { windowStart, count }.
-- Params: { limit, windowMs }.
local function fixedWindowStep(state, params, now, cost)
  local limit, windowMs = params[1], params[2]
  -- A state from a later window (a caller whose clock runs behind) keeps counting in that window.
  local start = windowStart(now, windowMs)
  if state ~= nil and state[1] > start then start = state[1] end
  local used = 0
  if state ~= nil and state[1] == start then used = state[2] end
  local resetAfterMs = start + windowMs - now
  if used + cost > limit then
    return { start, used }, resetAfterMs, deny(limit, limit - used, resetAfterMs, resetAfterMs)
  end
  local count = used + cost
  return { start, count }, resetAfterMs, allow(limit, limit - count, resetAfterMs)
end
