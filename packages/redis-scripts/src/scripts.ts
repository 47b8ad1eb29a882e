import { LUA_SOURCES } from './scripts.generated.ts'

/**
 * The one script a Redis-protocol store runs per decision: every algorithm's step function and
 * the all-or-nothing driver (`apply.lua`), concatenated. Run it through the client's own script
 * support (ioredis `defineCommand`, @upstash/redis `createScript`), which hashes it and falls
 * back from EVALSHA to EVAL; KEYS and ARGV come from {@link applyCall}.
 */
export const APPLY_SCRIPT: string = [
  LUA_SOURCES.shared,
  LUA_SOURCES.virtualScheduling,
  LUA_SOURCES.fixedWindow,
  LUA_SOURCES.slidingLog,
  LUA_SOURCES.slidingWindow,
  LUA_SOURCES.tokenBucket,
  LUA_SOURCES.gcra,
  LUA_SOURCES.leakyBucket,
  LUA_SOURCES.apply,
].join('\n')

/**
 * A short fingerprint of a script's text (32-bit FNV-1a, hex), for naming a client-side command
 * so that two versions of a store sharing one client never overwrite each other's script.
 * Not a SHA: clients compute the SHA for EVALSHA themselves.
 */
export function scriptFingerprint(text: string): string {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0).toString(16).padStart(8, '0')
}
