// Test helpers for clocks that disagree: the time each algorithm's state holds, and one limit per kind.
import { ALGORITHM_KINDS } from '../src/entries/store.ts'
import {
  type Algorithm,
  type AlgorithmKind,
  type AlgorithmState,
  concurrency,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '../src/index.ts'

export const KINDS: readonly AlgorithmKind[] = ALGORITHM_KINDS

/**
 * The time a state holds, the floor of every later step (undefined when it holds none): the last
 * refill, the window start, the newest log entry, or the latest admitted write of a TAT.
 */
export function storedTime(kind: AlgorithmKind, state: AlgorithmState): number | undefined {
  switch (kind) {
    case 'tokenBucket':
      return state[1]
    case 'fixedWindow':
    case 'slidingWindow':
      return state[0]
    case 'slidingLog':
    case 'concurrency':
      return state[state.length - 1]
    case 'gcra':
    case 'leakyBucket':
      return state[2]
  }
}

/** A limit of `kind` that admits 10 at once and earns one back per second: 10 per 10 s for the windows (10 leases of 10 s). */
export function tenPerTenSeconds(kind: AlgorithmKind): Algorithm {
  switch (kind) {
    case 'fixedWindow':
      return fixedWindow({ limit: 10, window: '10s' })
    case 'slidingLog':
      return slidingLog({ limit: 10, window: '10s' })
    case 'concurrency':
      return concurrency({ limit: 10, leaseMs: '10s' })
    case 'slidingWindow':
      return slidingWindow({ limit: 10, window: '10s' })
    case 'tokenBucket':
      return tokenBucket({ capacity: 10, refillRate: 1 })
    case 'gcra':
      return gcra({ rate: 1, period: '1s', burst: 10 })
    case 'leakyBucket':
      return leakyBucket({ capacity: 9, leakRate: 1 })
  }
}

/** A key's state as a store keeps it: written only when a consuming call is admitted. */
export class Key {
  state: AlgorithmState | undefined
  constructor(private readonly algorithm: Algorithm) {}

  /** One `limit()` call of `cost` at `now`; true when admitted. */
  take(now: number, cost = 1): boolean {
    const r = this.algorithm.step(this.state, now, cost)
    if (r.decision.allowed && cost > 0) this.state = r.state
    return r.decision.allowed
  }

  /** How many of `count` unit calls at `now` are admitted. */
  takeAll(now: number, count: number): number {
    let admitted = 0
    for (let i = 0; i < count; i++) if (this.take(now)) admitted++
    return admitted
  }
}
