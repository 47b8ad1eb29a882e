-- Twin of core/src/algorithms/gcra.ts. State: tatMs tatRemainder seenMs.
-- Params: intervalNum, intervalDen, burst: emission interval T = intervalNum / intervalDen ms.
local function gcraStep(key, s1, s2, s3, now, cost, intervalNum, intervalDen, burst)
  local allowed, remaining, resetAfterMs, retryAfterMs, _, ttlMs, n1, n2, n3 =
    schedule(s1, s2, s3, intervalNum, intervalDen, burst, now, cost)
  return allowed, remaining, resetAfterMs, retryAfterMs, ttlMs, n1, n2, n3
end
