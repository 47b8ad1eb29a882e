-- limiter.ban: the twin of core's banState, after the helpers (shared.lua). Atomic on one key.
--
-- KEYS[1]: the limiter key's block key (`{limiterKey}:!block`, text 'blockedUntil lastBlockMs
-- forgetUntil'). ARGV[1]: now in ms, or '' for the server's clock (TIME). ARGV[2]: the ban in ms.
--
-- The key is blocked until now + the ban, whatever it held (a ban may shorten a block); a live
-- escalation level (lastBlockMs, until forgetUntil) is kept. Replies 1.

local now, graceMs
if ARGV[1] == '' then
  now, graceMs = serverNow(), 0
else
  -- The caller's clock: the key lives a little past its TTL (see single.lua).
  now, graceMs = tonumber(ARGV[1]), 1000
end
local err, _, lastBlockMs, heldForget = readText(KEYS[1])
if err then return redis.error_reply(err) end
local blockedUntil = now + tonumber(ARGV[2])
local last, forgetUntil = 0, blockedUntil
if heldForget ~= nil and heldForget > now then
  last = lastBlockMs
  if heldForget > blockedUntil then forgetUntil = heldForget end
end
err = persist(writeText, KEYS[1], 0, forgetUntil - now, graceMs, blockedUntil, last, forgetUntil)
if err then return redis.error_reply(err) end
return 1
