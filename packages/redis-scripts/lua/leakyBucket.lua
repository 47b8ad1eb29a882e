-- Twin of core/src/algorithms/leakyBucket.ts. State: { drainAtMs, remainder, seenMs }.
-- Params: { capacity, intervalNum, intervalDen }: one leak every intervalNum / intervalDen ms.
-- GCRA with burst = capacity + 1, which is also the limit it reports; delayMs is the wait for its turn.
local function leakyBucketStep(state, params, now, cost)
  local burst = params[1] + 1
  local s = schedule(state, params[2], params[3], burst, now, cost)
  local decision
  if s.allowed then
    decision = allow(burst, s.remaining, s.resetAfterMs, s.startAfterMs)
  else
    decision = deny(burst, s.remaining, s.resetAfterMs, s.retryAfterMs)
  end
  return s.tat, s.ttlMs, decision
end
