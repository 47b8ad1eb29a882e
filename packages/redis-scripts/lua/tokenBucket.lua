-- Twin of core/src/algorithms/tokenBucket.ts. State: units lastRefill, the tokens in scaled units
-- (tokenUnits per token), so refill of any rate stays exact integer arithmetic.
-- Params: capacity, tokenUnits, refillUnitsPerMs. Judged at t = max(now, lastRefill), stored as
-- the new lastRefill.
local function tokenBucketStep(key, s1, s2, s3, now, cost, capacity, tokenUnits, perMs)
  local full = capacity * tokenUnits
  local t = now
  if s2 ~= nil and s2 > now then t = s2 end
  local units = full
  if s1 ~= nil then
    local elapsed = t - s2
    -- Compare before multiplying so a long idle time cannot overflow exact integers.
    if elapsed >= ceil((full - s1) / perMs) then
      units = full
    else
      units = s1 + elapsed * perMs
    end
  end
  local needed = cost * tokenUnits
  if units < needed then
    local resetAfterMs = ceil((full - units) / perMs)
    -- Below zero only after a charge (charge.lua): a decision never shows a debt.
    return false, jsMax(0, floor(units / tokenUnits)), resetAfterMs, ceil((needed - units) / perMs),
      t - now + resetAfterMs, units, t
  end
  local left = units - needed
  local resetAfterMs = ceil((full - left) / perMs)
  return true, floor(left / tokenUnits), resetAfterMs, 0, t - now + resetAfterMs, left, t
end
