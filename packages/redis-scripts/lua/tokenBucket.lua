-- Twin of core/src/algorithms/tokenBucket.ts. State: { units, lastRefill }, the tokens in scaled
-- units (tokenUnits per token), so refill of any rate stays exact integer arithmetic.
-- Params: { capacity, tokenUnits, refillUnitsPerMs }.
local function tokenBucketStep(state, params, now, cost)
  local capacity, tokenUnits, perMs = params[1], params[2], params[3]
  local full = capacity * tokenUnits
  local units = full
  if state ~= nil then
    local stored = state[1]
    local elapsed = jsMax(0, now - state[2])
    -- Compare before multiplying so a long idle time cannot overflow exact integers.
    if elapsed >= math.ceil((full - stored) / perMs) then
      units = full
    else
      units = stored + elapsed * perMs
    end
  end
  local needed = cost * tokenUnits
  if units < needed then
    local resetAfterMs = math.ceil((full - units) / perMs)
    return { units, now }, resetAfterMs,
      deny(capacity, math.floor(units / tokenUnits), resetAfterMs, math.ceil((needed - units) / perMs))
  end
  local left = units - needed
  local resetAfterMs = math.ceil((full - left) / perMs)
  return { left, now }, resetAfterMs, allow(capacity, math.floor(left / tokenUnits), resetAfterMs)
end
