import { LUA_SOURCES } from './scripts.generated.ts'

/**
 * Each algorithm kind's branch of `stepOf(kind)`: the .lua files it needs, and what it returns
 * (its step function, plus a writer for a kind whose state is not one string).
 */
const KINDS: readonly { kind: string; files: readonly (keyof typeof LUA_SOURCES)[]; returns: string }[] = [
  { kind: 'fixedWindow', files: ['fixedWindow'], returns: 'fixedWindowStep' },
  { kind: 'gcra', files: ['virtualScheduling', 'gcra'], returns: 'gcraStep' },
  { kind: 'tokenBucket', files: ['tokenBucket'], returns: 'tokenBucketStep' },
  { kind: 'slidingWindow', files: ['slidingWindow'], returns: 'slidingWindowStep' },
  { kind: 'leakyBucket', files: ['virtualScheduling', 'leakyBucket'], returns: 'leakyBucketStep' },
  { kind: 'slidingLog', files: ['slidingLog'], returns: 'slidingLogStep, slidingLogWrite' },
]

/**
 * `local function stepOf(kind)`: Redis runs a script's whole text on every call, and each function
 * definition it passes costs time, so every algorithm's functions are defined inside its own
 * branch: a call defines only the algorithms it uses.
 */
const STEP_OF = [
  'local function stepOf(kind)',
  ...KINDS.flatMap(({ kind, files, returns }, i) => [
    `${i === 0 ? 'if' : 'elseif'} kind == '${kind}' then`,
    ...files.map((file) => LUA_SOURCES[file]),
    `return ${returns}`,
  ]),
  'end',
  'return nil',
  'end',
].join('\n')

/**
 * The one script a Redis-protocol store runs per decision: every algorithm's step function and
 * the all-or-nothing driver (`apply.lua`). Run it through the client's own script support
 * (ioredis `defineCommand`, @upstash/redis `createScript`), which hashes it and falls back from
 * EVALSHA to EVAL; KEYS and ARGV come from {@link applyCall}.
 */
export const APPLY_SCRIPT: string = [LUA_SOURCES.shared, STEP_OF, LUA_SOURCES.apply].join('\n')

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
