// The options of hybridStore: which shared store, how many instances share it, and when to sync.
import { ConfigError, type Duration } from '@sluice/core'
import { MAX_TIMER_MS, optionsObject, parseDuration, type Store } from '@sluice/core/store'

/** Options of {@link hybridStore}. */
export interface HybridStoreOptions {
  /**
   * The shared store every instance merges its counts into: any sluice store (`@sluice/ioredis`,
   * `@sluice/node-redis`, `@sluice/upstash`, `memoryStore()` in tests). The hybrid store never
   * closes it.
   */
  readonly store: Store
  /**
   * How many instances (processes, regions) share the budget at most. Each instance admits at most
   * `ceil(remaining / instances)` units between two syncs, `remaining` being what the shared store
   * answered at its last sync. The over-admission bound holds for up to this many instances.
   */
  readonly instances: number
  /** Merge counts into the shared store at most this long after a counter's last sync (ms or `'1s'`). */
  readonly syncIntervalMs: Duration
  /** Also merge as soon as this many units are waiting for a counter. Default: no count trigger. */
  readonly syncEvery?: number
  /** This instance's clock, for decisions and merges when the limiter passes no `now`. Default `Date.now`. */
  readonly clock?: () => number
  /**
   * Run a timer (unref'd, started by the first call) that merges the counts of counters nobody
   * asks about any more and forgets idle ones. Default `true`. `false`: merging happens only on
   * calls, `flush()` and `close()` (tests with a controlled clock).
   */
  readonly timer?: boolean
}

/** The options, checked and normalised. */
export interface ResolvedOptions {
  readonly store: Store
  readonly instances: number
  readonly syncIntervalMs: number
  readonly syncEvery: number
  readonly clock: () => number
  readonly timer: boolean
}

const KNOWN = ['store', 'instances', 'syncIntervalMs', 'syncEvery', 'clock', 'timer']

/** Checks the options at construction; every mistake is a `ConfigError` saying what to pass instead. */
export function resolveOptions(options: HybridStoreOptions): ResolvedOptions {
  optionsObject(options, 'hybridStore', KNOWN, {
    interval: 'syncIntervalMs',
    syncInterval: 'syncIntervalMs',
    nodes: 'instances',
  })
  const store = options.store as Partial<Store> | undefined
  if (typeof store?.apply !== 'function' || typeof store.reset !== 'function' || !store.capabilities) {
    throw new ConfigError(
      'hybridStore: store must be a sluice store such as ioredisStore({ client }) or memoryStore(), the shared store every instance merges into',
    )
  }
  const instances = options.instances as unknown
  if (typeof instances !== 'number' || !Number.isInteger(instances) || instances < 1) {
    throw new ConfigError(
      `hybridStore: instances must be a positive integer (how many instances share the budget at most), got ${String(instances)}`,
    )
  }
  const syncIntervalMs = parseDuration(options.syncIntervalMs, 'hybridStore: syncIntervalMs', {
    max: MAX_TIMER_MS,
  })
  const every = options.syncEvery as unknown
  if (every !== undefined && (typeof every !== 'number' || !Number.isInteger(every) || every < 1)) {
    throw new ConfigError(
      `hybridStore: syncEvery must be a positive integer (units waiting before a merge) or left out, got ${String(every)}`,
    )
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new ConfigError('hybridStore: clock must be a function returning milliseconds since the epoch')
  }
  if (options.timer !== undefined && typeof options.timer !== 'boolean') {
    throw new ConfigError(`hybridStore: timer must be true or false, got ${String(options.timer)}`)
  }
  return {
    store: store as Store,
    instances,
    syncIntervalMs,
    syncEvery: (every as number | undefined) ?? Number.POSITIVE_INFINITY,
    clock: options.clock ?? Date.now,
    timer: options.timer ?? true,
  }
}
