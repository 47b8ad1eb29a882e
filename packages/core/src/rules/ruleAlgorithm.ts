// A rule's `algorithm:` name (snake_case or core's spelling) and numbers, as one of core's limits.
import { ALGORITHM_KINDS, type Algorithm, type AlgorithmKind } from '../algorithm.ts'
import { concurrency } from '../algorithms/concurrency.ts'
import { fixedWindow } from '../algorithms/fixedWindow.ts'
import { gcra } from '../algorithms/gcra.ts'
import { leakyBucket } from '../algorithms/leakyBucket.ts'
import { slidingLog } from '../algorithms/slidingLog.ts'
import { slidingWindow } from '../algorithms/slidingWindow.ts'
import { tokenBucket } from '../algorithms/tokenBucket.ts'
import { ConfigError } from '../errors.ts'
import { closest } from '../suggest.ts'
import { show } from '../validate.ts'

/** `fixedWindow` → `fixed_window`: the spelling the rules file format uses. */
const snakeCase = (kind: string): string => kind.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/** The names `algorithm:` accepts: the snake_case spelling the file format uses first, then core's own. */
const KINDS: Readonly<Record<string, AlgorithmKind>> = Object.fromEntries([
  ...ALGORITHM_KINDS.map((kind) => [snakeCase(kind), kind]),
  ...ALGORITHM_KINDS.map((kind) => [kind, kind]),
])

/** Each algorithm's own parameters under `rate_limit`, besides `unit` and `requests_per_unit`. */
export const ALGORITHM_PARAMS: Readonly<Record<AlgorithmKind, readonly string[]>> = {
  fixedWindow: [],
  slidingLog: [],
  slidingWindow: [],
  tokenBucket: ['capacity'],
  gcra: ['burst'],
  leakyBucket: ['capacity'],
  concurrency: [],
}

/** Every algorithm parameter any algorithm takes: the extension keys `rate_limit` accepts. */
export const ALL_PARAMS: readonly string[] = ['burst', 'capacity']

/** The algorithm kind named by `algorithm:`, or a message saying what to write instead. */
export function algorithmKind(name: unknown): AlgorithmKind | string {
  if (typeof name === 'string' && Object.hasOwn(KINDS, name)) return KINDS[name] as AlgorithmKind
  const names = ALGORITHM_KINDS.map(snakeCase)
  const guess = typeof name === 'string' ? closest(name, Object.keys(KINDS)) : undefined
  const hint = guess === undefined ? '' : `; did you mean ${JSON.stringify(guess)}?`
  return `unknown algorithm ${show(name)}${hint} (one of ${names.join(', ')}; default fixed_window, as in the Envoy service)`
}

/**
 * The limit `requests_per_unit` per `unitMs`, run by `kind`:
 * - fixed_window, sliding_log, sliding_window: `requests_per_unit` per window of one unit;
 * - gcra: rate `requests_per_unit` per unit, `burst` (default `requests_per_unit`);
 * - token_bucket: refills `requests_per_unit` per unit, holds `capacity` (default `requests_per_unit`);
 * - leaky_bucket: leaks `requests_per_unit` per unit, queues `capacity` (default `requests_per_unit`);
 * - concurrency: `requests_per_unit` leases held at once, each expiring one unit after it was taken.
 * A factory's own `ConfigError` (numbers too large to be exact) comes back as a message.
 */
export function ruleAlgorithm(
  kind: AlgorithmKind,
  requests: number,
  unitMs: number,
  params: Readonly<Record<string, number>>,
  name: string | undefined,
): Algorithm | string {
  try {
    switch (kind) {
      case 'fixedWindow':
        return fixedWindow({ limit: requests, window: unitMs, name })
      case 'slidingLog':
        return slidingLog({ limit: requests, window: unitMs, name })
      case 'slidingWindow':
        return slidingWindow({ limit: requests, window: unitMs, name })
      case 'gcra':
        return gcra({ rate: requests, period: unitMs, burst: params.burst ?? requests, name })
      case 'tokenBucket':
        return tokenBucket({
          capacity: params.capacity ?? requests,
          refillRate: requests,
          refillInterval: unitMs,
          name,
        })
      case 'concurrency':
        return concurrency({ limit: requests, leaseMs: unitMs, name })
      case 'leakyBucket':
        return leakyBucket({
          capacity: params.capacity ?? requests,
          leakRate: requests,
          leakInterval: unitMs,
          name,
        })
    }
  } catch (error) {
    if (error instanceof ConfigError) return error.message
    throw error
  }
}
