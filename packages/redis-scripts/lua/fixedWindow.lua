-- Twin of core/src/algorithms/fixedWindow.ts. State: { windowStart, count }.
-- Params: { limit, windowMs }. Judged at t = max(now, windowStart).
local function fixedWindowStep(state, params, now, cost)
  local limit, windowMs = params[1], params[2]
  local stored = nil
  if state ~= nil then stored = state[1] end
  local t = judgedAt(now, stored)
  local start = windowStart(t, windowMs)
  local used = 0
  if state ~= nil and state[1] == start then used = state[2] end
  local resetAfterMs = start + windowMs - t
  local ttlMs = ttlAt(now, t, resetAfterMs)
  if used + cost > limit then
    return { start, used }, ttlMs, deny(limit, limit - used, resetAfterMs, resetAfterMs)
  end
  local count = used + cost
  return { start, count }, ttlMs, allow(limit, limit - count, resetAfterMs)
end
