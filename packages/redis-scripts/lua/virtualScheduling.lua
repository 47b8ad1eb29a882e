-- Twin of core/src/algorithms/virtualScheduling.ts: the generic cell rate algorithm shared by
-- gcra and leakyBucket, with emission interval T = num/den ms. State: { tatMs, tatRemainder, seenMs }
-- (the remainder in 1/den ms, so every operation is exact integer arithmetic on doubles; seenMs the
-- time of the latest admitted write). Judged at t = max(now, seenMs); a state without seenMs (written
-- before it was kept) has no floor.
local function schedule(state, num, den, burst, now, cost)
  local seen = nil
  if state ~= nil then seen = state[3] end
  local t = judgedAt(now, seen)
  local tatMs = t
  local tatRest = 0
  if state ~= nil then
    if state[1] ~= nil then tatMs = state[1] end
    if state[2] ~= nil then tatRest = state[2] end
  end
  -- A TAT in the past means an idle key: it starts from t.
  local pending = tatMs > t or (tatMs == t and tatRest > 0)
  local startMs = t
  local startRest = 0
  if pending then
    startMs = tatMs
    startRest = tatRest
  end
  local aheadBefore = (startMs - t) * den + startRest
  local units = startRest + cost * num
  local carry = math.floor(units / den)
  local nextMs = startMs + carry
  local nextRest = units - carry * den
  local ahead = (nextMs - t) * den + nextRest
  local tolerance = burst * num
  if ahead <= tolerance then
    local resetAfterMs = math.ceil(ahead / den)
    return {
      allowed = true,
      tat = { nextMs, nextRest, t },
      ttlMs = ttlAt(now, t, resetAfterMs),
      startAfterMs = math.ceil(aheadBefore / den),
      remaining = math.floor((tolerance - ahead) / num),
      resetAfterMs = resetAfterMs,
      retryAfterMs = 0,
    }
  end
  local resetAfterMs = math.ceil(aheadBefore / den)
  return {
    allowed = false,
    tat = { startMs, startRest, t },
    ttlMs = ttlAt(now, t, resetAfterMs),
    startAfterMs = 0,
    remaining = jsMax(0, math.floor((tolerance - aheadBefore) / num)),
    resetAfterMs = resetAfterMs,
    retryAfterMs = math.ceil((ahead - tolerance) / den),
  }
end
