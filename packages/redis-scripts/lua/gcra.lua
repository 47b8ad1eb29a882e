-- Twin of core/src/algorithms/gcra.ts. State: { tatMs, tatRemainder, seenMs }.
-- Params: { intervalNum, intervalDen, burst }: emission interval T = intervalNum / intervalDen ms.
local function gcraStep(state, params, now, cost)
  local intervalNum, intervalDen, burst = params[1], params[2], params[3]
  local s = schedule(state, intervalNum, intervalDen, burst, now, cost)
  local decision
  if s.allowed then
    decision = allow(burst, s.remaining, s.resetAfterMs)
  else
    decision = deny(burst, s.remaining, s.resetAfterMs, s.retryAfterMs)
  end
  return s.tat, s.ttlMs, decision
end
