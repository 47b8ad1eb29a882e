// The reference store: core's stepAll over a Map. The one model every store is held to, and the
// simplest correct store for tests that need one without a backend.
import type { Algorithm, AlgorithmKind, AlgorithmState } from '@sluice/core'
import {
  ALGORITHM_KINDS,
  type BlockState,
  banState,
  chargeAll,
  penaltyStep,
  refundAll,
  type StateWrite,
  type StepAllResult,
  type Store,
  type StoreRequest,
  stepAll,
} from '@sluice/core/store'

interface Entry {
  readonly state: AlgorithmState
  /** The first instant at which the state no longer matters (written at + ttlMs). */
  readonly expiresAt: number
}

export interface ReferenceStoreOptions {
  /** The algorithm kinds it declares it runs. Default: all of them (`ALGORITHM_KINDS`). */
  readonly algorithms?: readonly AlgorithmKind[]
  /** Whether it declares composites (several limits at once). Default true. */
  readonly composite?: boolean
  /**
   * Its own clock, for a request that carries no `now` (a limiter without a `clock`). Default
   * `Date.now`. The conformance suite passes one that throws: every request it makes is timed.
   */
  readonly clock?: () => number
  /**
   * Also answer synchronously (`applySync`), as an in-process store does: a limiter then gives it
   * no deadline, breaker or deny cache by default. Default false: it behaves as a network store.
   */
  readonly sync?: boolean
  /** Whether it keeps blocks (`capabilities.penalties`, `ban`, `unban`). Default true. */
  readonly penalties?: boolean
  /** Whether it declares per-limit costs (`capabilities.costs`). Default true. */
  readonly costs?: boolean
}

/**
 * The reference model of a store: a Map of states stepped by core's `stepAll` (`maxDelayMs`
 * included), writing only what `stepAll` says to write, and dropping a state as soon as its TTL
 * has passed (`now >= writtenAt + ttlMs`), the earliest a store may drop it, so that a store
 * keeping it longer must still agree. States are keyed by limiter key and limit id, as the
 * `Store` contract says.
 *
 * @example
 * const limiter = createRateLimiter({ store: referenceStore(), algorithm: fixedWindow({ limit: 5, window: '1m' }) })
 */
export function referenceStore(options: ReferenceStoreOptions = {}): Store {
  const { algorithms = ALGORITHM_KINDS, composite = true, clock = Date.now } = options
  const counters = new Map<string, Map<string, Entry>>()
  // Block states by limiter key (core's penaltyStep), dropped like counters once their TTL passed.
  const blocks = new Map<string, Entry>()
  const heldBlock = (key: string, now: number): BlockState | undefined => {
    const entry = blocks.get(key)
    return entry !== undefined && now < entry.expiresAt ? (entry.state as unknown as BlockState) : undefined
  }
  function applySync({
    key,
    limits,
    cost,
    costs,
    consume,
    now = clock(),
    maxDelayMs,
    penalty,
  }: StoreRequest) {
    const entries = counters.get(key) ?? new Map<string, Entry>()
    const states = limits.map((limit) => {
      const entry = entries.get(limit.id)
      return entry !== undefined && now < entry.expiresAt ? entry.state : undefined
    })
    const stepped: StepAllResult & { block?: StateWrite | undefined } =
      penalty === undefined
        ? stepAll(limits, states, now, cost, consume, maxDelayMs, costs)
        : penaltyStep(limits, states, heldBlock(key, now), now, cost, consume, maxDelayMs, penalty, costs)
    const { decisions, writes, block } = stepped
    if (block !== undefined) blocks.set(key, { state: block.state, expiresAt: now + block.ttlMs })
    writes.forEach((write, i) => {
      // A limit that took 0 of per-limit costs is left alone.
      if (write === undefined) return
      entries.set((limits[i] as Algorithm).id, { state: write.state, expiresAt: now + write.ttlMs })
    })
    if (entries.size > 0) counters.set(key, entries)
    return decisions
  }
  return {
    name: 'reference',
    capabilities: {
      algorithms,
      composite,
      penalties: options.penalties !== false,
      costs: options.costs !== false,
      charge: true,
    },
    apply: async (request) => applySync(request),
    // core's refundAll on the live states, written like a step's writes.
    async refund({ key, limits, cost, costs, now = clock(), takenResetMs }) {
      const entries = counters.get(key)
      if (entries === undefined) return
      const states = limits.map((limit) => {
        const entry = entries.get(limit.id)
        return entry !== undefined && now < entry.expiresAt ? entry.state : undefined
      })
      refundAll(limits, states, now, cost, takenResetMs, costs).forEach((write, i) => {
        if (write === undefined) return
        const id = (limits[i] as Algorithm).id
        if (write.ttlMs > 0) entries.set(id, { state: write.state, expiresAt: now + write.ttlMs })
        else entries.delete(id)
      })
    },
    // core's chargeAll on the live states, written like a step's writes.
    async charge({ key, limits, cost, costs, now = clock() }) {
      const entries = counters.get(key) ?? new Map<string, Entry>()
      const states = limits.map((limit) => {
        const entry = entries.get(limit.id)
        return entry !== undefined && now < entry.expiresAt ? entry.state : undefined
      })
      const { writes, decisions } = chargeAll(limits, states, now, cost, costs)
      writes.forEach((write, i) => {
        if (write === undefined) return
        entries.set((limits[i] as Algorithm).id, { state: write.state, expiresAt: now + write.ttlMs })
      })
      if (entries.size > 0) counters.set(key, entries)
      return decisions
    },
    ...(options.sync === true ? { applySync } : {}),
    ...(options.penalties === false
      ? {}
      : {
          async ban({ key, durationMs, now = clock() }) {
            const { state, ttlMs } = banState(heldBlock(key, now), now, durationMs)
            blocks.set(key, { state, expiresAt: now + ttlMs })
          },
          async unban(key: string) {
            blocks.delete(key)
          },
        }),
    async reset(key, limits) {
      const entries = counters.get(key)
      for (const limit of limits) entries?.delete(limit.id)
    },
  }
}
