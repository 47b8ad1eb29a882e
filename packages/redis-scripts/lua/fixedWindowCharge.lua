-- A charge on a fixed window (for charge.lua, which composes it after shared.lua and fixedWindow.lua):
-- kept out of the kinds' scripts, which run their whole text on every call.

-- Takes `cost` units from a fixed window whatever its count,
-- SATURATING at the limit (count = min(limit, count + cost)) in the window that holds
-- t = max(now, windowStart), started anew as a step would start it. A running window is one
-- BITFIELD (OVERFLOW SAT INCRBY: the field's top is exactly count = limit); a fresh key or an ended
-- window also SETs the new window's state with its TTL (plus graceMs). cost 0 writes nothing.
-- Returns an error text or nil, then the window's start, its count after the charge and resetAfterMs.
local function fixedWindowCharge(key, now, cost, limit, windowMs, align, graceMs)
  local s1, used
  if limit <= FW_TOP and cost > 0 and now >= 0 and now < FW_TOP and now == floor(now) then
    local units = cost
    if units > limit then units = limit end
    local r = redis.pcall('BITFIELD', key, 'OVERFLOW', 'SAT', 'INCRBY', 'u53', '0', string.format('%d', units),
      'GET', 'u53', '56')
    if r.err then return r.err end
    if r[2] ~= 0 then
      s1 = r[2] - 1
      local _, _, resetAfterMs, _, _, start = fixedWindowStep(key, s1, 0, nil, now, 0, limit, windowMs, align)
      if start == s1 then return nil, s1, r[1] - (FW_TOP - limit), resetAfterMs end
    end
  else
    local err
    err, s1, used = fixedWindowRead(key, limit)
    if err then return err end
  end
  -- A fresh key or a new window (or a text state): the step's window with min(limit, used + cost).
  local _, _, resetAfterMs, _, ttlMs, start, count = fixedWindowStep(key, s1, used, nil, now, 0, limit, windowMs, align)
  if cost == 0 then return nil, start, count, resetAfterMs end
  count = count + cost
  if count > limit then count = limit end
  local err = persist(fixedWindowWriter(limit), key, cost, ttlMs, graceMs, start, count, nil)
  if err then return err end
  return nil, start, count, resetAfterMs
end
