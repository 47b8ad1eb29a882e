-- The driver of many decisions in one call (a batch: the decisions one event-loop turn sent to one
-- Redis node), each of one limit or of several all-or-nothing (a composite): the twin of core's
-- stepAll, once per decision, in order. Each decision is atomic and all-or-nothing on its own; one
-- that fails (a key of another type, a key another Cluster node serves, Redis out of memory) writes
-- nothing and does not stop the others. scripts.ts composes it after the helpers and every kind.
--
-- ARGV[1]: K, the keys declared in KEYS (KEYS past K are padding: a client may send a fixed count).
-- ARGV[2]: D, the decisions.   ARGV[3]: S, the limits (specs) they use.
-- Then S specs of 5: id, kind, and its three params ('' where a kind has two).
-- Then ONE argument for the D decisions, each 'plan now cost mode' and a newline: plan (spec ids
-- joined by ','), now ('' for the server's clock), cost (one number for every limit, or per limit of
-- a composite joined by ',' when they differ: '1,1200'), mode ('1' consume, '0' peek, either
-- followed by ':' and maxDelayMs; then, for a limiter with a penalty, '|' and
-- blockMs:factor:maxBlockMs:forgetAfterMs). No field holds a space or a newline. One argument, not
-- four per decision: each argument costs the client to encode and Redis to parse (measured: about
-- 0.6 µs of Node CPU per decision on ioredis, batches of 16).
-- Then the keys past the K declared ones, if any (on a Cluster, decisions of other slots served by
-- the same node: a script without flags may touch a node's keys of any slot).
-- Each decision takes the next keys in order, one per limit of its plan, then with a penalty its
-- block key (`{limiterKey}:!block`, text 'blockedUntil lastBlockMs forgetUntil').
--
-- Replies one text of numbers joined by spaces (replyNumber's, so each reads back exactly); per
-- decision: 1 and, per limit, allowed (1/0), remaining, resetAfterMs and the wait (retryAfterMs when
-- denied, delayMs when allowed); 2, blockedUntil, then the same per limit, for a blocked key; or 0
-- and the number n of its error: then the reply is an array of the text and the error texts, the
-- n-th of them Redis's error for that decision. One text, not an array of integers: a client
-- decodes one string far faster (about 0.8 µs of Node CPU per decision on ioredis, batches of 16);
-- the usual numbers go in as constant words ('1 1', '0'), since Lua's number-to-text is slow
-- (sprintf): measured on redis-server, the text costs within 0.35 µs per decision of the array.

local declared = tonumber(ARGV[1])
local decisionCount = tonumber(ARGV[2])
local specCount = tonumber(ARGV[3])

-- Each spec's functions and params, by id.
local READS, STEPS, WRITES, P1, P2, P3, UNKNOWN = {}, {}, {}, {}, {}, {}, {}
-- Fixed windows: their state is a bitfield (fixedWindow.lua), and a lone decision takes one BITFIELD.
local FIXED = {}
local at = 4
for _ = 1, specCount do
  local id, kind = ARGV[at], ARGV[at + 1]
  if kind == 'fixedWindow' then
    local limit = tonumber(ARGV[at + 2])
    READS[id], STEPS[id], WRITES[id] = fixedWindowReader(limit), fixedWindowStep, fixedWindowWriter(limit)
    FIXED[id] = true
  elseif kind == 'gcra' then
    READS[id], STEPS[id], WRITES[id] = readText, gcraStep, writeText
  elseif kind == 'tokenBucket' then
    READS[id], STEPS[id], WRITES[id] = readText, tokenBucketStep, writeText
  elseif kind == 'slidingWindow' then
    READS[id], STEPS[id], WRITES[id] = readText, slidingWindowStep, writeText
  elseif kind == 'leakyBucket' then
    READS[id], STEPS[id], WRITES[id] = readText, leakyBucketStep, writeText
  elseif kind == 'slidingLog' then
    READS[id], STEPS[id], WRITES[id] = slidingLogRead, slidingLogStep, slidingLogWrite
  elseif kind == 'concurrency' then
    READS[id], STEPS[id], WRITES[id] = concurrencyRead, concurrencyStep, concurrencyWrite
  else
    UNKNOWN[id] = 'ERR sluice: unknown algorithm kind ' .. tostring(kind)
  end
  P1[id], P2[id], P3[id] = tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3]), tonumber(ARGV[at + 4])
  at = at + 5
end

-- Keys are taken in order: the declared ones, then those after the decisions' argument.
local decisionsText = ARGV[at]
local keyBase = at - declared
local taken = 0
local function nextKey()
  taken = taken + 1
  if taken <= declared then return KEYS[taken] end
  return ARGV[keyBase + taken]
end

local serverMs = nil
local reply, r = {}, 0
local function emit(x)
  r = r + 1
  reply[r] = x
end
local errors = {}
local function fail(err)
  errors[#errors + 1] = err
  emit('0')
  emit(#errors)
end
-- A decision of one limit: 1, then its verdict and numbers (one call: the usual reply), the usual
-- words as constants (a wait of -0 is replyNumber's '-0').
local function emitOne(allowed, remaining, resetAfterMs, wait)
  if allowed then reply[r + 1] = '1 1' else reply[r + 1] = '1 0' end
  if wait == 0 and 1 / wait > 0 then wait = '0' else wait = replyNumber(wait) end
  reply[r + 2], reply[r + 3], reply[r + 4] = replyNumber(remaining), replyNumber(resetAfterMs), wait
  r = r + 4
end

-- A composite's per-limit values, reused by every composite of the call.
local IDS, KEYS_OF, S1, S2, S3, OK, REM, RESET, WAIT, TTL, N1, N2, N3 = {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}
-- A composite's cost per limit (core's StoreRequest.costs): from '1,1200', or its one cost for
-- each. A limit whose cost is 0 is read and never written (core's stepAll).
local C = {}

-- Fills C for the n limits of a composite from its cost text.
local function costsOf(costText, n)
  local cost = tonumber(costText)
  if cost ~= nil then
    for i = 1, n do C[i] = cost end
    return
  end
  local i = 0
  for c in string.gmatch(costText, '[^,]+') do
    i = i + 1
    C[i] = tonumber(c)
  end
end

-- The largest of a cost text: its number, or the largest of its per-limit costs.
local function largestOf(costText)
  local cost = tonumber(costText)
  if cost ~= nil then return cost end
  local most = 0
  for c in string.gmatch(costText, '[^,]+') do
    local x = tonumber(c)
    if x > most then most = x end
  end
  return most
end

-- A decision's mode text and its penalty text ('blockMs:factor:maxBlockMs:forgetAfterMs'), or nil.
local function penaltyOf(mode)
  if mode == '1' or mode == '0' then return mode, nil end
  local bar = string.find(mode, '|', 1, true)
  if bar == nil then return mode, nil end
  return string.sub(mode, 1, bar - 1), string.sub(mode, bar + 1)
end

-- The twin of core's penaltyStep: a decision of a limiter with a penalty (one limit or several).
-- While the key is blocked, every limit denies unstepped; else stepAll, and a denied consuming call
-- with a cost starts a block (escalated within forgetAfterMs of the last one's end, capped).
local function penalized(plan, now, graceMs, cost, costText, consume, maxDelay, penalty)
  local n = 0
  for id in string.gmatch(plan, '[^,]+') do
    n = n + 1
    IDS[n] = id
    KEYS_OF[n] = nextKey()
  end
  costsOf(costText, n)
  local blockKey = nextKey()
  local err, b1, b2, b3 = readText(blockKey)
  if err then return fail(err) end
  local live = b3 ~= nil and b3 > now
  if live and b1 > now then
    local wait = b1 - now
    for i = 1, n do
      if UNKNOWN[IDS[i]] or STEPS[IDS[i]] == nil then return fail(UNKNOWN[IDS[i]] or 'ERR sluice: no limit spec ' .. IDS[i]) end
    end
    emit(2)
    emit(replyNumber(b1))
    for _ = 1, n do
      emit(0)
      emit(0)
      emit(replyNumber(wait))
      emit(replyNumber(wait))
    end
    return
  end
  for i = 1, n do
    local id = IDS[i]
    err = UNKNOWN[id]
    if err == nil and STEPS[id] == nil then err = 'ERR sluice: no limit spec ' .. id end
    if err == nil then err, S1[i], S2[i], S3[i] = READS[id](KEYS_OF[i]) end
    if err then return fail(err) end
  end
  local admitted = true
  for i = 1, n do
    local id = IDS[i]
    OK[i], REM[i], RESET[i], WAIT[i], TTL[i], N1[i], N2[i], N3[i] =
      STEPS[id](KEYS_OF[i], S1[i], S2[i], S3[i], now, C[i], P1[id], P2[id], P3[id])
    if OK[i] and maxDelay ~= nil and WAIT[i] > maxDelay then
      local _, untouchedRemaining, untouchedReset =
        STEPS[id](KEYS_OF[i], S1[i], S2[i], S3[i], now, 0, P1[id], P2[id], P3[id])
      OK[i], REM[i], RESET[i], WAIT[i] = false, untouchedRemaining, untouchedReset, WAIT[i] - maxDelay
    end
    if not OK[i] then admitted = false end
  end
  local blockedUntil = nil
  if admitted then
    if consume and cost > 0 then
      local wrote = false
      for i = 1, n do
        if TTL[i] > 0 and C[i] > 0 then
          err = persist(WRITES[IDS[i]], KEYS_OF[i], C[i], TTL[i], graceMs, N1[i], N2[i], N3[i])
          if err then
            if wrote then return redis.error_reply(err) end
            return fail(err)
          end
          wrote = true
        end
      end
      for i = 1, n do
        if not (TTL[i] > 0) and C[i] > 0 then redis.call('DEL', KEYS_OF[i]) end
      end
    end
  else
    for i = 1, n do
      if OK[i] then
        local id = IDS[i]
        OK[i], REM[i], RESET[i], WAIT[i] =
          STEPS[id](KEYS_OF[i], S1[i], S2[i], S3[i], now, 0, P1[id], P2[id], P3[id])
      end
    end
    local c1, c2, c3, c4 = string.match(penalty, '^([^:]*):([^:]*):([^:]*):([^:]*)$')
    local blockMs = tonumber(c1)
    if consume and cost > 0 and blockMs > 0 then
      local factor, maxBlockMs, forgetAfterMs = tonumber(c2), tonumber(c3), tonumber(c4)
      local ms = blockMs
      if live and b2 > 0 then
        ms = ceil(b2 * factor)
        if maxBlockMs < ms then ms = maxBlockMs end
      end
      blockedUntil = now + ms
      local forgetUntil = blockedUntil + forgetAfterMs
      err = persist(writeText, blockKey, cost, forgetUntil - now, graceMs, blockedUntil, ms, forgetUntil)
      if err then return fail(err) end
      for i = 1, n do
        if not OK[i] and WAIT[i] < ms then WAIT[i] = ms end
      end
    end
  end
  if blockedUntil == nil then
    emit(1)
  else
    emit(2)
    emit(replyNumber(blockedUntil))
  end
  for i = 1, n do
    if OK[i] then emit(1) else emit(0) end
    emit(replyNumber(REM[i]))
    emit(replyNumber(RESET[i]))
    emit(replyNumber(WAIT[i]))
  end
end

-- A text that is not D decisions of four fields (a client's bug) is refused before anything is
-- written. (gsub with a plain replacement makes no strings of the captures: a cheap check.)
local DECISION = '([^ \n]*) ([^ \n]*) ([^ \n]*) ([^ \n]*)\n'
local rest, lines = string.gsub(decisionsText, DECISION, '')
if lines ~= decisionCount or rest ~= '' then
  return redis.error_reply('ERR sluice: the decisions text holds ' .. lines .. ' decisions of ' .. decisionCount)
end
for plan, nowArg, costText, modeText in string.gmatch(decisionsText, DECISION) do
  local mode, penalty = penaltyOf(modeText)
  local cost, consume, maxDelay = largestOf(costText), modeOf(mode)
  local now, graceMs
  if nowArg == '' then
    if serverMs == nil then serverMs = serverNow() end
    now, graceMs = serverMs, 0
  else
    -- The caller's clock: keys live a little past their TTL (see single.lua).
    now, graceMs = tonumber(nowArg), 1000
  end
  local step = STEPS[plan]
  if penalty ~= nil then
    penalized(plan, now, graceMs, cost, costText, consume, maxDelay, penalty)
  elseif FIXED[plan] then
    -- One fixed window: its own one-command path (fixedWindowDecide).
    local err, allowed, remaining, resetAfterMs, wait =
      fixedWindowDecide(nextKey(), now, graceMs, cost, consume, maxDelay, P1[plan], P2[plan], P3[plan])
    if err then
      fail(err)
    else
      emitOne(allowed, remaining, resetAfterMs, wait)
    end
  elseif step ~= nil then
    -- One limit: the plan is its spec id.
    local key = nextKey()
    local p1, p2, p3 = P1[plan], P2[plan], P3[plan]
    local err, s1, s2, s3 = READS[plan](key)
    if err then
      fail(err)
    else
      local allowed, remaining, resetAfterMs, wait, ttlMs, n1, n2, n3 = step(key, s1, s2, s3, now, cost, p1, p2, p3)
      if allowed and maxDelay ~= nil and wait > maxDelay then
        local _, untouchedRemaining, untouchedReset = step(key, s1, s2, s3, now, 0, p1, p2, p3)
        allowed, remaining, resetAfterMs, wait = false, untouchedRemaining, untouchedReset, wait - maxDelay
      elseif allowed and consume and cost > 0 then
        err = persist(WRITES[plan], key, cost, ttlMs, graceMs, n1, n2, n3)
      end
      if err then
        fail(err)
      else
        emitOne(allowed, remaining, resetAfterMs, wait)
      end
    end
  else
    -- Several limits (or an unknown spec): read every state first, then step each.
    local n = 0
    for id in string.gmatch(plan, '[^,]+') do
      n = n + 1
      IDS[n] = id
      KEYS_OF[n] = nextKey()
    end
    costsOf(costText, n)
    local err = nil
    for i = 1, n do
      local id = IDS[i]
      err = UNKNOWN[id]
      if err == nil and STEPS[id] == nil then err = 'ERR sluice: no limit spec ' .. id end
      if err == nil then err, S1[i], S2[i], S3[i] = READS[id](KEYS_OF[i]) end
      if err then break end
    end
    if err then
      fail(err)
    else
      local admitted = true
      for i = 1, n do
        local id = IDS[i]
        OK[i], REM[i], RESET[i], WAIT[i], TTL[i], N1[i], N2[i], N3[i] =
          STEPS[id](KEYS_OF[i], S1[i], S2[i], S3[i], now, C[i], P1[id], P2[id], P3[id])
        if OK[i] and maxDelay ~= nil and WAIT[i] > maxDelay then
          local _, untouchedRemaining, untouchedReset =
            STEPS[id](KEYS_OF[i], S1[i], S2[i], S3[i], now, 0, P1[id], P2[id], P3[id])
          OK[i], REM[i], RESET[i], WAIT[i] = false, untouchedRemaining, untouchedReset, WAIT[i] - maxDelay
        end
        if not OK[i] then admitted = false end
      end
      if admitted then
        if consume and cost > 0 then
          -- Kept states first, the first of them refused out of memory (see persist); deletions last.
          local wrote = false
          for i = 1, n do
            if TTL[i] > 0 and C[i] > 0 then
              local id = IDS[i]
              err = persist(WRITES[id], KEYS_OF[i], C[i], TTL[i], graceMs, N1[i], N2[i], N3[i])
              if err then
                -- Only a first write can be refused: after one, Redis lets every write through.
                if wrote then return redis.error_reply(err) end
                break
              end
              wrote = true
            end
          end
          if err == nil then
            for i = 1, n do
              if not (TTL[i] > 0) and C[i] > 0 then redis.call('DEL', KEYS_OF[i]) end
            end
          end
        end
      else
        -- A denied composite: the limits that would have admitted report their peek (cost 0).
        for i = 1, n do
          if OK[i] then
            local id = IDS[i]
            OK[i], REM[i], RESET[i], WAIT[i] =
              STEPS[id](KEYS_OF[i], S1[i], S2[i], S3[i], now, 0, P1[id], P2[id], P3[id])
          end
        end
      end
      if err then
        fail(err)
      else
        emit(1)
        for i = 1, n do
          if OK[i] then emit(1) else emit(0) end
          emit(replyNumber(REM[i]))
          emit(replyNumber(RESET[i]))
          emit(replyNumber(WAIT[i]))
        end
      end
    end
  end
end
local text = table.concat(reply, ' ')
if #errors == 0 then return text end
local withErrors = { text }
for i = 1, #errors do withErrors[i + 1] = errors[i] end
return withErrors
