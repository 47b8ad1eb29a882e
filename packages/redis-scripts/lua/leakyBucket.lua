-- Twin of core/src/algorithms/leakyBucket.ts. State: drainAtMs remainder seenMs.
-- Params: capacity, intervalNum, intervalDen: one leak every intervalNum / intervalDen ms.
-- GCRA with burst = capacity + 1, which is also the limit it reports; delayMs is the wait for its turn.
local function leakyBucketStep(key, s1, s2, s3, now, cost, capacity, intervalNum, intervalDen)
  local allowed, remaining, resetAfterMs, retryAfterMs, startAfterMs, ttlMs, n1, n2, n3 =
    schedule(s1, s2, s3, intervalNum, intervalDen, capacity + 1, now, cost)
  if allowed then return true, remaining, resetAfterMs, startAfterMs, ttlMs, n1, n2, n3 end
  return false, remaining, resetAfterMs, retryAfterMs, ttlMs, n1, n2, n3
end
