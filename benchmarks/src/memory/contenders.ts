/**
 * The in-process contenders: sluice's memory store under each algorithm, the two peers' memory
 * stores, and a floor. Each one makes the same decision for a call: may `key` do one more request
 * under `limit` per `windowMs`?
 *
 * Every contender has its own loop rather than one shared loop calling `decide(key)`: the loop is
 * what an application's middleware does (await the library, read the answer), and it keeps an
 * extra async wrapper out of the numbers.
 */
// Type-only imports: each worker loads only the library of the contender it runs (see `load`).
import type { Algorithm } from '@sluice/core'
import type { MemoryStoreOptions } from '@sluice/memory'
import type { Options as ExpressRateLimitOptions } from 'express-rate-limit'
import { OBSERVERS, type Observer, observerLabel, observerOf } from '../observers.ts'

export interface LimitConfig {
  /** Requests admitted per window (a burst / capacity of the same size for the bucket algorithms). */
  readonly limit: number
  readonly windowMs: number
}

interface MemoryInstance {
  /** Makes `count` decisions, one per call, on `keys[from]`, `keys[from + 1]`, …; returns how many admitted. */
  run(keys: readonly string[], from: number, count: number): Promise<number>
  /** Keys the instance holds now. */
  readonly size: number
  /** Stops its timers and drops its state. */
  close(): void
}

export type MemoryFactory = (config: LimitConfig) => MemoryInstance

export interface MemoryContender {
  readonly name: string
  readonly group: 'sluice' | 'peer' | 'floor'
  /** Imports the contender's library (only that one) and returns a maker of fresh instances. */
  load(): Promise<MemoryFactory>
}

type SluiceAlgorithm = 'fixedWindow' | 'gcra' | 'tokenBucket' | 'slidingWindow' | 'slidingLog' | 'leakyBucket'
type Core = typeof import('@sluice/core')

const ALGORITHMS: Record<SluiceAlgorithm, (core: Core, c: LimitConfig) => Algorithm> = {
  fixedWindow: (core, { limit, windowMs }) => core.fixedWindow({ limit, window: windowMs }),
  gcra: (core, { limit, windowMs }) => core.gcra({ rate: limit, period: windowMs }),
  tokenBucket: (core, { limit, windowMs }) =>
    core.tokenBucket({ capacity: limit, refillRate: limit, refillInterval: windowMs }),
  slidingWindow: (core, { limit, windowMs }) => core.slidingWindow({ limit, window: windowMs }),
  slidingLog: (core, { limit, windowMs }) => core.slidingLog({ limit, window: windowMs }),
  leakyBucket: (core, { limit, windowMs }) =>
    core.leakyBucket({ capacity: limit, leakRate: limit, leakInterval: windowMs }),
}

/** The options every sluice contender uses unless it says otherwise. */
const SLUICE_STORE_OPTIONS: MemoryStoreOptions = { maxKeys: 100_000 }

function sluice(
  algorithm: SluiceAlgorithm,
  storeOptions: MemoryStoreOptions | 'defaults' = SLUICE_STORE_OPTIONS,
  label = `sluice ${algorithm}`,
  observer: Observer = 'none',
): MemoryContender {
  return {
    name: label,
    group: 'sluice',
    async load() {
      const core = await import('@sluice/core')
      const { memoryStore } = await import('@sluice/memory')
      // Loaded once per worker; observing a limiter is then synchronous.
      const observe = await observerOf(observer)
      return (config) => {
        const store = storeOptions === 'defaults' ? memoryStore() : memoryStore(storeOptions)
        const limiter = core.createRateLimiter({ store, algorithm: ALGORITHMS[algorithm](core, config) })
        observe?.(limiter)
        return {
          async run(keys, from, count) {
            let admitted = 0
            const end = from + count
            for (let i = from; i < end; i++) {
              if ((await limiter.limit(keys[i] as string)).allowed) admitted++
            }
            return admitted
          },
          get size() {
            return store.size
          },
          close() {},
        }
      }
    },
  }
}

const expressRateLimit: MemoryContender = {
  name: 'express-rate-limit MemoryStore',
  group: 'peer',
  async load() {
    const { MemoryStore } = await import('express-rate-limit')
    return ({ limit, windowMs }) => {
      const store = new MemoryStore()
      // The middleware passes its whole options object; the memory store reads only windowMs.
      store.init({ windowMs } as ExpressRateLimitOptions)
      return {
        async run(keys, from, count) {
          let admitted = 0
          const end = from + count
          for (let i = from; i < end; i++) {
            // The middleware's own decision: hits so far against the limit.
            if ((await store.increment(keys[i] as string)).totalHits <= limit) admitted++
          }
          return admitted
        },
        get size() {
          return store.current.size + store.previous.size
        },
        close() {
          store.shutdown()
        },
      }
    }
  },
}

/** rate-limiter-flexible keeps a Map of records, each with its own expiry timer. */
interface FlexibleInternals {
  readonly _memoryStorage: { readonly _storage: Map<string, { readonly timeoutId: NodeJS.Timeout | null }> }
}

const rateLimiterFlexible: MemoryContender = {
  name: 'rate-limiter-flexible RateLimiterMemory',
  group: 'peer',
  async load() {
    const { RateLimiterMemory, RateLimiterRes } = await import('rate-limiter-flexible')
    return ({ limit, windowMs }) => {
      const limiter = new RateLimiterMemory({ points: limit, duration: windowMs / 1000 })
      const storage = (limiter as unknown as FlexibleInternals)._memoryStorage._storage
      return {
        async run(keys, from, count) {
          let admitted = 0
          const end = from + count
          for (let i = from; i < end; i++) {
            // A denial is a rejected promise: catching it is part of what its users pay.
            try {
              await limiter.consume(keys[i] as string)
              admitted++
            } catch (error) {
              if (!(error instanceof RateLimiterRes)) throw error
            }
          }
          return admitted
        },
        get size() {
          return storage.size
        },
        close() {
          for (const record of storage.values()) if (record.timeoutId !== null) clearTimeout(record.timeoutId)
          storage.clear()
        },
      }
    }
  },
}

/** The least any in-process limiter can cost: one Map update inside an async function. */
const floor: MemoryContender = {
  name: 'floor: Map counter in an async function',
  group: 'floor',
  async load() {
    return ({ limit }) => {
      const counts = new Map<string, number>()
      async function decide(key: string): Promise<boolean> {
        const n = (counts.get(key) ?? 0) + 1
        counts.set(key, n)
        return n <= limit
      }
      return {
        async run(keys, from, count) {
          let admitted = 0
          const end = from + count
          for (let i = from; i < end; i++) {
            if (await decide(keys[i] as string)) admitted++
          }
          return admitted
        },
        get size() {
          return counts.size
        },
        close() {
          counts.clear()
        },
      }
    }
  },
}

export const EXPRESS_RATE_LIMIT = expressRateLimit.name
export const RATE_LIMITER_FLEXIBLE = rateLimiterFlexible.name
export const FLOOR = floor.name
export const PEERS = [EXPRESS_RATE_LIMIT, RATE_LIMITER_FLEXIBLE] as const

/** The algorithms the goals are about, and the ones reported for information. */
export const THROUGHPUT_GOAL_ALGORITHMS = ['sluice fixedWindow', 'sluice gcra', 'sluice tokenBucket'] as const
export const HEAP_GOAL_ALGORITHMS = ['sluice fixedWindow', 'sluice gcra', 'sluice tokenBucket'] as const

const SLUICE_ALL: readonly MemoryContender[] = [
  sluice('fixedWindow'),
  sluice('gcra'),
  sluice('tokenBucket'),
  sluice('slidingWindow'),
  sluice('slidingLog'),
  sluice('leakyBucket'),
]

/**
 * The cost of observability, next to `sluice gcra` (no listener: every call still checks for one):
 * the same limiter with one no-op `decision` listener, and with @sluice/otel recording every decision.
 */
const SLUICE_OBSERVED = OBSERVERS.filter((o) => o !== 'none').map((o) =>
  sluice('gcra', SLUICE_STORE_OPTIONS, observerLabel('sluice gcra', o), o),
)

export const THROUGHPUT_CONTENDERS: readonly MemoryContender[] = [
  ...SLUICE_ALL,
  ...SLUICE_OBSERVED,
  expressRateLimit,
  rateLimiterFlexible,
  floor,
]

export const HEAP_CONTENDERS: readonly MemoryContender[] = [
  ...SLUICE_ALL,
  sluice('fixedWindow', 'defaults', 'sluice fixedWindow, memoryStore() defaults'),
  sluice('fixedWindow', { maxKeys: 1_000_000 }, 'sluice fixedWindow, maxKeys 1,000,000'),
  expressRateLimit,
  rateLimiterFlexible,
  floor,
]

/** The contenders of `memory-scaling`: sluice's goal algorithms in a store sized for the keys, the peers, the floor. */
export const SCALING_CONTENDERS = [
  'sluice fixedWindow',
  'sluice gcra',
  'sluice tokenBucket',
  EXPRESS_RATE_LIMIT,
  RATE_LIMITER_FLEXIBLE,
  FLOOR,
] as const

/**
 * A `SCALING_CONTENDERS` contender for `keys` distinct keys: sluice's store gets `maxKeys: keys`
 * (a store sized for its keyspace: lru-cache allocates its typed arrays by maxKeys, so a
 * default-sized store would either drop keys or count arrays it does not use).
 */
export function scalingContender(name: string, keys: number): MemoryContender {
  const algorithm = /^sluice (\w+)$/.exec(name)?.[1] as SluiceAlgorithm | undefined
  if (algorithm !== undefined) return sluice(algorithm, { maxKeys: keys }, name)
  return contenderNamed(name)
}

export function contenderNamed(name: string): MemoryContender {
  const found = [...THROUGHPUT_CONTENDERS, ...HEAP_CONTENDERS].find((c) => c.name === name)
  if (found === undefined) throw new Error(`no memory contender named ${JSON.stringify(name)}`)
  return found
}
