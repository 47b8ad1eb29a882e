-- Twin of core/src/algorithms/virtualScheduling.ts: the generic cell rate algorithm shared by
-- gcra and leakyBucket, with emission interval T = num/den ms. State: { tatMs, tatRemainder }
-- (the remainder in 1/den ms), so every operation is exact integer arithmetic on doubles.
local function schedule(state, num, den, burst, now, cost)
  local tatMs = now
  local tatRest = 0
  if state ~= nil then
    if state[1] ~= nil then tatMs = state[1] end
    if state[2] ~= nil then tatRest = state[2] end
  end
  -- A TAT in the past means an idle key: it starts from now.
  local pending = tatMs > now or (tatMs == now and tatRest > 0)
  local startMs = now
  local startRest = 0
  if pending then
    startMs = tatMs
    startRest = tatRest
  end
  local aheadBefore = (startMs - now) * den + startRest
  local units = startRest + cost * num
  local carry = math.floor(units / den)
  local nextMs = startMs + carry
  local nextRest = units - carry * den
  local ahead = (nextMs - now) * den + nextRest
  local tolerance = burst * num
  if ahead <= tolerance then
    return {
      allowed = true,
      tat = { nextMs, nextRest },
      startAfterMs = math.ceil(aheadBefore / den),
      remaining = math.floor((tolerance - ahead) / num),
      resetAfterMs = math.ceil(ahead / den),
      retryAfterMs = 0,
    }
  end
  return {
    allowed = false,
    tat = { startMs, startRest },
    startAfterMs = 0,
    remaining = jsMax(0, math.floor((tolerance - aheadBefore) / num)),
    resetAfterMs = math.ceil(aheadBefore / den),
    retryAfterMs = math.ceil((ahead - tolerance) / den),
  }
end
