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
-- every new state with its TTL, else writes nothing. In a denied composite the limits that would
-- have admitted report their cost-0 (peek) decision. Replies 6 values per limit: allowed (1/0),
-- limit, remaining, resetAfterMs, retryAfterMs, delayMs.

local STEPS = {
  fixedWindow = fixedWindowStep,
  slidingWindow = slidingWindowStep,
  tokenBucket = tokenBucketStep,
  gcra = gcraStep,
  leakyBucket = leakyBucketStep,
}

-- States other than slidingLog's are stored as their numbers joined by spaces.
local function readState(key)
  local raw = redis.call('GET', key)
  if not raw then return nil end
  local state = {}
  for part in string.gmatch(raw, '[^ ]+') do state[#state + 1] = tonumber(part) end
  return state
end

local function writeState(key, state, px)
  if px == nil then
    redis.call('DEL', key)
    return
  end
  local parts = {}
  for i = 1, #state do parts[i] = formatNumber(state[i]) end
  redis.call('SET', key, table.concat(parts, ' '), 'PX', px)
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
local consume = ARGV[3] == '1'

-- The PX argument for a TTL, or nil when the state no longer matters and the key should go.
local function pxOf(ttlMs)
  if not (ttlMs > 0) then return nil end
  return string.format('%.0f', math.ceil(ttlMs + graceMs))
end

local maxDelay = tonumber(ARGV[4])

-- Twin of core's stepWithin: an admission that would wait longer than maxDelay is a denial with
-- the untouched numbers of a peek (only shaping steps carry a delay; slidingLog never does).
local function withinWait(kind, state, param, decision)
  if maxDelay == nil or not decision.allowed or not (decision.delayMs > maxDelay) then return decision end
  local _, _, untouched = STEPS[kind](state, param, now, 0)
  return deny(untouched.limit, untouched.remaining, untouched.resetAfterMs, decision.delayMs - maxDelay)
end

local n = (#ARGV - 4) / 4
local kinds, params, states, steps = {}, {}, {}, {}
local admitted = true
for i = 1, n do
  local base = 4 * i + 1
  local kind = ARGV[base]
  kinds[i] = kind
  params[i] = { tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3]) }
  local nextState, ttlMs, decision
  if kind == 'slidingLog' then
    nextState, ttlMs, decision = slidingLogStep(KEYS[i], params[i], now, cost)
  else
    local step = STEPS[kind]
    if step == nil then return redis.error_reply('ERR sluice: unknown algorithm kind ' .. tostring(kind)) end
    states[i] = readState(KEYS[i])
    nextState, ttlMs, decision = step(states[i], params[i], now, cost)
    decision = withinWait(kind, states[i], params[i], decision)
  end
  steps[i] = { state = nextState, ttlMs = ttlMs, decision = decision }
  if not decision.allowed then admitted = false end
end

local decisions = {}
if admitted then
  for i = 1, n do decisions[i] = steps[i].decision end
  if consume and cost > 0 then
    for i = 1, n do
      local px = pxOf(steps[i].ttlMs)
      if kinds[i] == 'slidingLog' then
        slidingLogWrite(KEYS[i], steps[i].state, px)
      else
        writeState(KEYS[i], steps[i].state, px)
      end
    end
  end
elseif n == 1 then
  decisions[1] = steps[1].decision
else
  for i = 1, n do
    local decision = steps[i].decision
    if decision.allowed then
      local _, _, peek
      if kinds[i] == 'slidingLog' then
        _, _, peek = slidingLogStep(KEYS[i], params[i], now, 0)
      else
        _, _, peek = STEPS[kinds[i]](states[i], params[i], now, 0)
      end
      decision = peek
    end
    decisions[i] = decision
  end
end

-- Whole numbers travel as integer replies (exact up to 2^53); anything else (a fraction, -0,
-- NaN, infinities) as its '%.17g' text, since Redis would truncate it.
local function replyNumber(x)
  if x == math.floor(x) and x > -9007199254740992 and x < 9007199254740992 and not (x == 0 and 1 / x < 0) then
    return x
  end
  return formatNumber(x)
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
