-- Helpers every script shares: twins of core/src/algorithms/shared.ts (inlined where a step uses
-- them: a Lua call costs more than the arithmetic), JavaScript's Math.max (Lua's math.max keeps the
-- first argument on a tie and may ignore a NaN), exact number text, the clock and the state text.
-- Every function takes and returns plain numbers and strings: a decision builds no table.

local floor, ceil = math.floor, math.ceil

local function jsMax(a, b)
  if a ~= a or b ~= b then return 0 / 0 end
  if a > b then return a end
  if b > a then return b end
  -- Equal: +0 wins over -0, as in JavaScript.
  if a == 0 and 1 / a < 0 then return b end
  return a
end

-- Whether x is a whole number that a double holds exactly (and not -0): '%d' writes it as '%.17g'
-- would, only much faster.
local function isExactInteger(x)
  return x == floor(x) and x > -9007199254740992 and x < 9007199254740992 and not (x == 0 and 1 / x < 0)
end

-- Every bit of a double, for stored state: tostring keeps only 14 digits.
local function formatNumber(x)
  if isExactInteger(x) then return string.format('%d', x) end
  return string.format('%.17g', x)
end

-- A number for a reply: whole numbers under 10^14 as Lua numbers, which a Redis integer reply and
-- table.concat (the engine's text reply, '%.14g') both write exactly; anything else (larger whole
-- numbers, a fraction, -0, NaN, infinities) as its '%.17g' text, which reads back as the same
-- double (whole numbers up to 2^53 in plain digits), since Redis truncates a Lua number to an integer.
local function replyNumber(x)
  if x == floor(x) and x > -1e14 and x < 1e14 and not (x == 0 and 1 / x < 0) then return x end
  return string.format('%.17g', x)
end

-- The server's clock in ms (TIME). Writes after TIME need effects replication: the default since
-- Redis 5, switched on explicitly where the call still exists.
local function serverNow()
  if redis.replicate_commands then redis.replicate_commands() end
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + floor(tonumber(time[2]) / 1000)
end

-- A decision's mode: '1' consume, '0' peek, either followed by ':' and maxDelayMs (the shaping
-- bound, core's stepWithin). Returns consume, maxDelay (nil for none).
local function modeOf(mode)
  if mode == '1' then return true, nil end
  if mode == '0' then return false, nil end
  return string.sub(mode, 1, 1) == '1', tonumber(string.sub(mode, 3))
end

-- States other than slidingLog's are text: their numbers joined by single spaces. Returns an error
-- text (a key holding another type, a key another Cluster node serves) or nil, then the numbers
-- (none for a fresh key). Redis's own error is kept, so nothing has been written when it is given.
local function readText(key)
  local raw = redis.pcall('GET', key)
  if not raw then return nil end
  if type(raw) == 'table' then return raw.err end
  local a = string.find(raw, ' ', 1, true)
  if a == nil then return nil, tonumber(raw) end
  local b = string.find(raw, ' ', a + 1, true)
  if b == nil then return nil, tonumber(string.sub(raw, 1, a - 1)), tonumber(string.sub(raw, a + 1)) end
  return nil, tonumber(string.sub(raw, 1, a - 1)), tonumber(string.sub(raw, a + 1, b - 1)),
    tonumber(string.sub(raw, b + 1))
end

-- Writes a text state for px ms: one SET, which Redis refuses out of memory while the script has
-- written nothing (see persist). Returns Redis's error text, or nil.
local function writeText(key, cost, n1, n2, n3, px)
  local text
  -- Whole numbers (the usual state) in one format: each string Lua makes costs Redis time.
  if n3 == nil then
    if isExactInteger(n1) and isExactInteger(n2) then
      text = string.format('%d %d', n1, n2)
    else
      text = formatNumber(n1) .. ' ' .. formatNumber(n2)
    end
  elseif isExactInteger(n1) and isExactInteger(n2) and isExactInteger(n3) then
    text = string.format('%d %d %d', n1, n2, n3)
  else
    text = formatNumber(n1) .. ' ' .. formatNumber(n2) .. ' ' .. formatNumber(n3)
  end
  return redis.pcall('SET', key, text, 'PX', px).err
end

-- Persists one limit's new state for ttlMs (plus graceMs) with its kind's writer; a TTL of 0 or
-- less deletes the key. Returns Redis's error text, or nil.
--
-- Out of memory (maxmemory reached under noeviction), Redis refuses a command that may grow memory
-- (SET, ZADD) only while the script has written nothing; after any write, even a DEL, it lets every
-- command through ("we can't stop in the middle": scriptVerifyOOM in Redis 7's script.c,
-- luaRedisGenericCommand in 5 and 6's scripting.c). So a decision writes its kept states first,
-- each starting with its SET or ZADD, and deletions last: out of memory, its first write is refused
-- and nothing of it is written.
local function persist(write, key, cost, ttlMs, graceMs, n1, n2, n3)
  if ttlMs > 0 then
    local ms = ceil(ttlMs + graceMs)
    local px
    if ms < 9007199254740992 then px = string.format('%d', ms) else px = string.format('%.0f', ms) end
    return write(key, cost, n1, n2, n3, px)
  end
  redis.call('DEL', key)
  return nil
end
