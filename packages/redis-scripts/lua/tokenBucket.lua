-- Twin of core/src/algorithms/tokenBucket.ts. State: { units, lastRefill }, the tokens in scaled
-- units (tokenUnits per token), so refill of any rate stays exact integer arithmetic.
-- Params: { capacity, tokenUnits, refillUnitsPerMs }. Judged at t = max(now, lastRefill), stored as
-- the new lastRefill.
local function tokenBucketStep(state, params, now, cost)
  local capacity, tokenUnits, perMs = params[1], params[2], params[3]
  local full = capacity * tokenUnits
  local stored = nil
  if state ~= nil then stored = state[2] end
  local t = judgedAt(now, stored)
  local units = full
  if state ~= nil then
    local elapsed = t - state[2]
    -- Compare before multiplying so a long idle time cannot overflow exact integers.
    if elapsed >= math.ceil((full - state[1]) / perMs) then
      units = full
    else
      units = state[1] + elapsed * perMs
    end
  end
  local needed = cost * tokenUnits
  if units < needed then
    local resetAfterMs = math.ceil((full - units) / perMs)
    return { units, t }, ttlAt(now, t, resetAfterMs),
      deny(capacity, math.floor(units / tokenUnits), resetAfterMs, math.ceil((needed - units) / perMs))
  end
  local left = units - needed
  local resetAfterMs = math.ceil((full - left) / perMs)
  return { left, t }, ttlAt(now, t, resetAfterMs), allow(capacity, math.floor(left / tokenUnits), resetAfterMs)
end
