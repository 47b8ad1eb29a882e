// The scripts a Redis-protocol store runs, composed from the .lua sources: one per algorithm kind
// for a lone decision on one limit, and the engine for batches and composites.
import type { AlgorithmKind } from '@sluice/core'
import { LUA_SOURCES } from './scripts.generated.ts'

type LuaFile = keyof typeof LUA_SOURCES

/** A Lua script a store runs: a name that changes with its text, and the text itself. */
export interface LuaScript {
  /** `sluice_<what>_<fingerprint of the text>`: a client command may be named by it. */
  readonly name: string
  readonly lua: string
}

/** Each kind's .lua files and the three functions a driver calls: read its state, step, write. */
const KINDS: Readonly<
  Record<
    AlgorithmKind,
    { files: readonly LuaFile[]; read: string; step: string; write: string; decide?: string }
  >
> = {
  // The fixed window decides in one BITFIELD (fixedWindowDecide): READ and WRITE go unused.
  fixedWindow: {
    files: ['fixedWindow'],
    read: 'readText',
    step: 'fixedWindowStep',
    write: 'writeText',
    decide: 'fixedWindowDecide',
  },
  slidingLog: {
    files: ['slidingLog'],
    read: 'slidingLogRead',
    step: 'slidingLogStep',
    write: 'slidingLogWrite',
  },
  slidingWindow: {
    files: ['slidingWindow'],
    read: 'readText',
    step: 'slidingWindowStep',
    write: 'writeText',
  },
  tokenBucket: { files: ['tokenBucket'], read: 'readText', step: 'tokenBucketStep', write: 'writeText' },
  gcra: { files: ['virtualScheduling', 'gcra'], read: 'readText', step: 'gcraStep', write: 'writeText' },
  leakyBucket: {
    files: ['virtualScheduling', 'leakyBucket'],
    read: 'readText',
    step: 'leakyBucketStep',
    write: 'writeText',
  },
  concurrency: {
    files: ['slidingLog', 'concurrency'],
    read: 'concurrencyRead',
    step: 'concurrencyStep',
    write: 'concurrencyWrite',
  },
}

function script(what: string, parts: readonly string[]): LuaScript {
  const lua = parts.join('\n')
  return { name: `sluice_${what}_${scriptFingerprint(lua)}`, lua }
}

/**
 * One script per algorithm kind, for a decision on one limit: the helpers, that kind's functions
 * and the one-decision driver (`single.lua`), which hands the whole decision to the kind's DECIDE
 * where it has one (the fixed window's one-command path). Redis runs a script's whole text on every call, and
 * each function it defines costs time: a kind's script defines only what that kind uses.
 */
export const KIND_SCRIPTS: Readonly<Record<AlgorithmKind, LuaScript>> = Object.fromEntries(
  Object.entries(KINDS).map(([kind, { files, read, step, write, decide }]) => [
    kind,
    script(kind, [
      LUA_SOURCES.shared,
      ...files.map((file) => LUA_SOURCES[file]),
      `local READ, STEP, WRITE, DECIDE = ${read}, ${step}, ${write}, ${decide ?? 'nil'}`,
      LUA_SOURCES.single,
    ]),
  ]),
) as Record<AlgorithmKind, LuaScript>

/** Every kind's .lua files, each once, in the order of the kinds. */
const ALL_FILES = [...new Set(Object.values(KINDS).flatMap((k) => k.files))]

/**
 * The engine: many decisions in one call, each of one limit or a composite (`engine.lua`), every
 * kind's functions included. KEYS and ARGV come from `engineCall`.
 */
export const ENGINE_SCRIPT: LuaScript = script('engine', [
  LUA_SOURCES.shared,
  ...ALL_FILES.map((file) => LUA_SOURCES[file]),
  LUA_SOURCES.engine,
])

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

/**
 * The refund script (`refund.lua`): gives units back to every limit of one limiter key, every
 * kind's functions included (their steps give the refunded state's TTL). KEYS and ARGV come from
 * `refundArgs`.
 */
export const REFUND_SCRIPT: LuaScript = script('refund', [
  LUA_SOURCES.shared,
  ...ALL_FILES.map((file) => LUA_SOURCES[file]),
  LUA_SOURCES.refund,
])

/**
 * The charge script (`charge.lua`): takes units past the limit under every limit of one limiter
 * key, every kind's functions included (their peeks bring each state to t and answer after it).
 * KEYS and ARGV come from `chargeArgs`.
 */
export const CHARGE_SCRIPT: LuaScript = script('charge', [
  LUA_SOURCES.shared,
  ...ALL_FILES.map((file) => LUA_SOURCES[file]),
  LUA_SOURCES.charge,
])

/**
 * The ban script (`ban.lua`): `limiter.ban(key, ms)` on the limiter key's block key, core's
 * `banState` in one atomic call. KEYS: the block key; ARGV: now (`''` for the server's clock), ms.
 */
export const BAN_SCRIPT: LuaScript = script('ban', [LUA_SOURCES.shared, LUA_SOURCES.ban])
