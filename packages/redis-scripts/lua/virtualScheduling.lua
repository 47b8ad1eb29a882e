-- Twin of core/src/algorithms/virtualScheduling.ts: the generic cell rate algorithm shared by
-- gcra and leakyBucket, with emission interval T = num/den ms. State: tatMs tatRemainder seenMs
-- (the remainder in 1/den ms, so every operation is exact integer arithmetic on doubles; seenMs the
-- time of the latest admitted write). Judged at t = max(now, seenMs); a state without seenMs
-- (written before it was kept) has no floor.
-- Returns allowed, remaining, resetAfterMs, retryAfterMs, startAfterMs, ttlMs and the next state.
local function schedule(s1, s2, s3, num, den, burst, now, cost)
  local t = now
  if s3 ~= nil and s3 > now then t = s3 end
  local tatMs, tatRest = t, 0
  if s1 ~= nil then tatMs = s1 end
  if s2 ~= nil then tatRest = s2 end
  -- A TAT in the past means an idle key: it starts from t.
  local pending = tatMs > t or (tatMs == t and tatRest > 0)
  local startMs, startRest = t, 0
  if pending then startMs, startRest = tatMs, tatRest end
  local aheadBefore = (startMs - t) * den + startRest
  local units = startRest + cost * num
  local carry = floor(units / den)
  local nextMs = startMs + carry
  local nextRest = units - carry * den
  local ahead = (nextMs - t) * den + nextRest
  local tolerance = burst * num
  if ahead <= tolerance then
    local resetAfterMs = ceil(ahead / den)
    return true, floor((tolerance - ahead) / num), resetAfterMs, 0, ceil(aheadBefore / den),
      t - now + resetAfterMs, nextMs, nextRest, t
  end
  local resetAfterMs = ceil(aheadBefore / den)
  return false, jsMax(0, floor((tolerance - aheadBefore) / num)), resetAfterMs,
    ceil((ahead - tolerance) / den), 0, t - now + resetAfterMs, startMs, startRest, t
end
