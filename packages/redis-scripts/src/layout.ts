import type { Algorithm, AlgorithmKind, LimitDecision } from '@sluice/core'
import { ALGORITHM_KINDS, type StoreRequest } from '@sluice/core/store'
import { storeKeys } from './keys.ts'

/** Every algorithm kind the script runs: all of them, each with its Lua twin. */
export const SCRIPT_ALGORITHMS: readonly AlgorithmKind[] = ALGORITHM_KINDS

/** Each kind's params, in the order the Lua step function reads them. */
const PARAM_NAMES: Readonly<Record<AlgorithmKind, readonly string[]>> = {
  fixedWindow: ['limit', 'windowMs'],
  slidingLog: ['limit', 'windowMs'],
  slidingWindow: ['limit', 'windowMs'],
  tokenBucket: ['capacity', 'tokenUnits', 'refillUnitsPerMs'],
  gcra: ['intervalNum', 'intervalDen', 'burst'],
  leakyBucket: ['capacity', 'intervalNum', 'intervalDen'],
}

/** Whose clock decides when a request carries no `now`. */
export type ScriptClock = 'server' | 'client'

/** What one script call sends. */
export interface ApplyCall {
  /** One key per limit, all in one Cluster slot. */
  readonly keys: string[]
  readonly argv: string[]
}

/**
 * The KEYS and ARGV of one call of {@link APPLY_SCRIPT} for a store request.
 *
 * - `KEYS[i]`: limit i's key, from {@link storeKeys}.
 * - `ARGV[1]`: now in ms: `request.now` when defined (it always wins); else `Date.now()` for the
 *   `'client'` clock, or `''` for `'server'` (the script reads `TIME`).
 * - `ARGV[2]`: cost. `ARGV[3]`: `'1'` to consume, `'0'` for a peek.
 * - `ARGV[4]`: `maxDelayMs` (shaping bound, see core's `stepWithin`), or `''` for none.
 * - `ARGV[4i+1 … 4i+4]`: limit i's kind and its params (`''` for a kind with two).
 *
 * Numbers are written with `String(n)`, the shortest text that reads back as the same double,
 * so Lua's `tonumber` sees exactly the numbers core's step functions see.
 */
export function applyCall(prefix: string, request: StoreRequest, clock: ScriptClock = 'server'): ApplyCall {
  const now = request.now !== undefined ? String(request.now) : clock === 'client' ? String(Date.now()) : ''
  const maxDelay = request.maxDelayMs === undefined ? '' : String(request.maxDelayMs)
  const argv = [now, String(request.cost), request.consume ? '1' : '0', maxDelay]
  for (const limit of request.limits) {
    const args = limitArgs(limit)
    argv.push(args[0], args[1], args[2], args[3])
  }
  return { keys: storeKeys(prefix, request.key, request.limits), argv }
}

/** Each algorithm's four ARGV strings, computed on its first call: algorithms never change. */
const argsOf = new WeakMap<Algorithm, readonly [string, string, string, string]>()

function limitArgs(limit: Algorithm): readonly [string, string, string, string] {
  let args = argsOf.get(limit)
  if (args === undefined) {
    args = buildLimitArgs(limit)
    argsOf.set(limit, args)
  }
  return args
}

function buildLimitArgs(limit: Algorithm): readonly [string, string, string, string] {
  const names = PARAM_NAMES[limit.kind]
  if (names === undefined)
    throw new TypeError(`redis-scripts: no Lua twin for algorithm kind ${String(limit.kind)}`)
  const params = limit.params as Readonly<Record<string, unknown>>
  const args = [limit.kind as string]
  for (const name of names) {
    const value = params[name]
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TypeError(
        `redis-scripts: ${limit.kind} param ${name} must be a finite number, got ${String(value)}`,
      )
    }
    args.push(String(value))
  }
  while (args.length < 4) args.push('')
  return args as unknown as readonly [string, string, string, string]
}

/** Strings per limit in the script's reply. */
const REPLY_WIDTH = 6

/**
 * Turns the script's reply (6 values per limit: allowed 1/0, limit, remaining, resetAfterMs,
 * retryAfterMs, delayMs) into one decision per limit. Whole numbers come as integers; any other
 * number as its '%.17g' text (Redis truncates Lua numbers in replies to integers), which reads
 * back as the same double. Throws a TypeError on any other shape.
 */
export function parseApplyReply(reply: unknown, limitCount: number): LimitDecision[] {
  if (!Array.isArray(reply) || reply.length !== REPLY_WIDTH * limitCount) {
    throw new TypeError(
      `redis-scripts: expected ${REPLY_WIDTH * limitCount} values from the script, got ${describe(reply)}`,
    )
  }
  const decisions: LimitDecision[] = []
  for (let at = 0; at < reply.length; at += REPLY_WIDTH) {
    decisions.push({
      allowed: number(reply[at]) === 1,
      limit: number(reply[at + 1]),
      remaining: number(reply[at + 2]),
      resetAfterMs: number(reply[at + 3]),
      retryAfterMs: number(reply[at + 4]),
      delayMs: number(reply[at + 5]),
    })
  }
  return decisions
}

function number(value: unknown): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string') return Number(value)
  throw new TypeError(`redis-scripts: expected a number in the script's reply, got ${describe(value)}`)
}

function describe(value: unknown): string {
  return Array.isArray(value) ? `an array of ${value.length}` : typeof value
}
