-- The all-or-nothing driver: the twin of core/src/stepAll.ts.
--
-- KEYS[i]: the key of limit i; KEYS past the last limit are padding (a client may send a fixed
-- number of keys) and are never touched.
-- ARGV[1]: now in ms, or '' to read the server's clock (TIME).
-- ARGV[2]: cost (units, >= 0).   ARGV[3]: '1' to consume, '0' for a peek.
-- ARGV[4]: maxDelayMs, the shaping bound (twin of core's stepWithin), or '' for none.
-- ARGV[4 * i + 1 .. 4 * i + 4]: limit i's kind and its three params ('' where a kind has two).
--
-- Steps every limit on its current state; if all admit and it consumes a positive cost, writes
-- every new state with its TTL (one SET or one sorted-set update per key), else writes nothing.
-- In a denied composite the limits that would have admitted report their cost-0 (peek) decision.
-- Replies 6 values per limit: allowed (1/0), limit, remaining, resetAfterMs, retryAfterMs, delayMs.
--
-- Redis runs the whole script on every call, so it defines only what the call needs: stepOf(kind)
-- (composed around this file) creates the step function of one algorithm when it is first used.

-- States other than slidingLog's are stored as their numbers joined by single spaces.
local function readState(key)
  local raw = redis.call('GET', key)
  if not raw then return nil end
  local state = {}
  local from = 1
  while true do
    local space = string.find(raw, ' ', from, true)
    if space == nil then
      state[#state + 1] = tonumber(string.sub(raw, from))
      return state
    end
    state[#state + 1] = tonumber(string.sub(raw, from, space - 1))
    from = space + 1
  end
end

local nowArg = ARGV[1]
local now
-- With the caller's clock, keys live a little past their TTL: the TTL runs on the server's clock,
-- the state's lifetime on the caller's. A state past its TTL behaves as fresh, so this changes no
-- decision; it only keeps a drifting or simulated clock from seeing a state vanish early.
local graceMs = 0
if nowArg == '' then
  if redis.replicate_commands then redis.replicate_commands() end
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
else
  now = tonumber(nowArg)
  graceMs = 1000
end
local cost = tonumber(ARGV[2])
local writes = ARGV[3] == '1' and cost > 0
local maxDelay = tonumber(ARGV[4])
local n = (#ARGV - 4) / 4

-- Persists one limit's new state for ttlMs (plus the grace); a TTL of 0 or less deletes the key.
-- A state that is kept is written by a SET, or for slidingLog starting with its ZADD (see below).
local function persist(key, writeLog, state, ttlMs)
  local px = nil
  if ttlMs > 0 then
    local ms = math.ceil(ttlMs + graceMs)
    if ms < 9007199254740992 then px = string.format('%d', ms) else px = string.format('%.0f', ms) end
  end
  if writeLog ~= nil then
    writeLog(key, state, px)
  elseif px == nil then
    redis.call('DEL', key)
  elseif #state == 2 then
    redis.call('SET', key, formatNumber(state[1]) .. ' ' .. formatNumber(state[2]), 'PX', px)
  else
    local parts = {}
    for i = 1, #state do parts[i] = formatNumber(state[i]) end
    redis.call('SET', key, table.concat(parts, ' '), 'PX', px)
  end
end

-- Limit i's step: its decision, and what a write needs. slidingLog steps on the key itself.
local steps, params, states, nextStates, ttls, decisions, logWriters = {}, {}, {}, {}, {}, {}, {}
local admitted = true
for i = 1, n do
  local base = 4 * i + 1
  local kind = ARGV[base]
  local step, writeLog = stepOf(kind)
  if step == nil then return redis.error_reply('ERR sluice: unknown algorithm kind ' .. tostring(kind)) end
  local param = { tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3]) }
  local decision
  if writeLog ~= nil then
    nextStates[i], ttls[i], decision = step(KEYS[i], param, now, cost)
  else
    local state = readState(KEYS[i])
    states[i] = state
    nextStates[i], ttls[i], decision = step(state, param, now, cost)
    -- Twin of core's stepWithin: an admission that would wait longer than maxDelay is a denial
    -- with the untouched numbers of a peek (only shaping steps carry a delay).
    if maxDelay ~= nil and decision.allowed and decision.delayMs > maxDelay then
      local _, _, untouched = step(state, param, now, 0)
      decision = deny(untouched.limit, untouched.remaining, untouched.resetAfterMs, decision.delayMs - maxDelay)
    end
  end
  steps[i], params[i], decisions[i], logWriters[i] = step, param, decision, writeLog
  if not decision.allowed then admitted = false end
end

-- Out of memory (maxmemory reached under noeviction), Redis refuses a command that may grow memory
-- (SET, ZADD) only while the script has written nothing: any write before it, even a DEL or a
-- ZREMRANGEBYSCORE that removes nothing, lets it and every later write through ("we can't stop in
-- the middle": scriptVerifyOOM in Redis 7's script.c, luaRedisGenericCommand in 5 and 6's
-- scripting.c). So the states that are kept are written first, each starting with its SET or ZADD,
-- and deletions last: out of memory, the very first write fails, the script ends with Redis's OOM
-- error, and nothing at all has been written.
if admitted then
  if writes then
    for i = 1, n do
      if ttls[i] > 0 then persist(KEYS[i], logWriters[i], nextStates[i], ttls[i]) end
    end
    for i = 1, n do
      if not (ttls[i] > 0) then persist(KEYS[i], logWriters[i], nextStates[i], ttls[i]) end
    end
  end
elseif n > 1 then
  for i = 1, n do
    if decisions[i].allowed then
      local step = steps[i]
      local _, _, peek
      if logWriters[i] ~= nil then
        _, _, peek = step(KEYS[i], params[i], now, 0)
      else
        _, _, peek = step(states[i], params[i], now, 0)
      end
      decisions[i] = peek
    end
  end
end

-- Whole numbers travel as integer replies (exact up to 2^53); anything else (a fraction, -0,
-- NaN, infinities) as its '%.17g' text, since Redis would truncate it.
local function replyNumber(x)
  if isExactInteger(x) then return x end
  return string.format('%.17g', x)
end

local reply = {}
for i = 1, n do
  local d = decisions[i]
  local at = 6 * (i - 1)
  if d.allowed then reply[at + 1] = 1 else reply[at + 1] = 0 end
  reply[at + 2] = replyNumber(d.limit)
  reply[at + 3] = replyNumber(d.remaining)
  reply[at + 4] = replyNumber(d.resetAfterMs)
  reply[at + 5] = replyNumber(d.retryAfterMs)
  reply[at + 6] = replyNumber(d.delayMs)
end
return reply
