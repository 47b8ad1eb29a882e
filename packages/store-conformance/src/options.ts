import { type AlgorithmKind, ConfigError } from '@sluice/core'
import { ALGORITHM_KINDS } from '@sluice/core/store'

export interface ConformanceOptions {
  /** Algorithm kinds to test; default all six (`ALGORITHM_KINDS` from @sluice/core). */
  readonly algorithms?: readonly AlgorithmKind[]
  /** Whether to test composite (several limits) all-or-nothing; default true. */
  readonly composite?: boolean
  /** Whether to test refunds (`Store.refund`); default true. `false` for a store without `refund`. */
  readonly refunds?: boolean
  /**
   * Whether the store takes different costs per limit in one call (`capabilities.costs`); default
   * true. `false`: the suite checks that such a call is a `ConfigError` instead.
   */
  readonly costs?: boolean
  /** Whether to test charges (`Store.charge`); default true. `false` for a store without `charge`. */
  readonly charges?: boolean
  /** 'controlled' (default): limiters get a `clock` option and the store must honour `request.now`.
   *  'store': limiters get no clock, so the store uses its own clock (e.g. Redis server TIME); only the areas that do not need controlled time are registered (concurrency, isolation, composite, bad input), using long windows (e.g. '1d') and slow refills so real time passing cannot change the outcome. */
  readonly time?: 'controlled' | 'store'
  /** fast-check runs per property; default 50. */
  readonly numRuns?: number
  /** Per-test timeout in ms for network stores; default vitest's. */
  readonly timeoutMs?: number
}

export interface ResolvedOptions {
  readonly algorithms: readonly AlgorithmKind[]
  readonly composite: boolean
  readonly refunds: boolean
  readonly costs: boolean
  readonly charges: boolean
  readonly time: 'controlled' | 'store'
  readonly numRuns: number
  readonly timeoutMs: number | undefined
}

/** Applies the defaults and fails early, at collection time, on options that would silently test nothing. */
export function resolveOptions(options: ConformanceOptions = {}): ResolvedOptions {
  const algorithms = options.algorithms ?? ALGORITHM_KINDS
  for (const kind of algorithms) {
    if (!ALGORITHM_KINDS.includes(kind)) {
      throw new ConfigError(
        `store-conformance: unknown algorithm ${String(kind)}; use one of ${ALGORITHM_KINDS.join(', ')}`,
      )
    }
  }
  if (algorithms.length === 0) {
    throw new ConfigError(
      'store-conformance: algorithms is an empty list; name at least one kind the store runs',
    )
  }
  const time = options.time ?? 'controlled'
  if (time !== 'controlled' && time !== 'store') {
    throw new ConfigError(`store-conformance: time must be 'controlled' or 'store', got ${String(time)}`)
  }
  const numRuns = options.numRuns ?? 50
  if (!Number.isInteger(numRuns) || numRuns < 1) {
    throw new ConfigError(`store-conformance: numRuns must be a positive integer, got ${String(numRuns)}`)
  }
  const timeoutMs = options.timeoutMs
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new ConfigError(`store-conformance: timeoutMs must be a positive number, got ${String(timeoutMs)}`)
  }
  // Keep the suite's own order, whatever order the caller listed the kinds in.
  const kinds = ALGORITHM_KINDS.filter((kind) => algorithms.includes(kind))
  return {
    algorithms: kinds,
    composite: options.composite ?? true,
    refunds: options.refunds ?? true,
    costs: options.costs ?? true,
    charges: options.charges ?? true,
    time,
    numRuns,
    timeoutMs,
  }
}
