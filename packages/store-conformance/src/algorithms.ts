import {
  type Algorithm,
  type AlgorithmKind,
  concurrency,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'

export const SECOND = 1000
export const HOUR = 3_600_000
export const DAY = 86_400_000

/**
 * A limit of `kind` that admits exactly `units` at once on a fresh key and earns them all back within
 * `windowMs`: `limit` per window for the window kinds, a bucket of `units` refilled `units` per window,
 * GCRA with burst `units`, a leaky bucket with `units − 1` waiting places (plus the one leaving now),
 * or `units` leases that expire after `windowMs`.
 * The default, one day, is slow enough that real time passing during a test changes nothing.
 */
export function algorithmOf(kind: AlgorithmKind, units: number, windowMs: number = DAY): Algorithm {
  switch (kind) {
    case 'fixedWindow':
      return fixedWindow({ limit: units, window: windowMs })
    case 'slidingLog':
      return slidingLog({ limit: units, window: windowMs })
    case 'slidingWindow':
      return slidingWindow({ limit: units, window: windowMs })
    case 'tokenBucket':
      return tokenBucket({ capacity: units, refillRate: units, refillInterval: windowMs })
    case 'gcra':
      return gcra({ rate: units, period: windowMs, burst: units })
    case 'leakyBucket':
      if (units < 2)
        throw new Error('store-conformance: a leaky bucket admits at least 2 at once (capacity ≥ 1)')
      return leakyBucket({ capacity: units - 1, leakRate: units, leakInterval: windowMs })
    case 'concurrency':
      return concurrency({ limit: units, leaseMs: windowMs })
  }
}

/** The `i`-th supported kind, cycling, so composite tests mix kinds when the store runs several. */
export function kindAt(kinds: readonly AlgorithmKind[], i: number): AlgorithmKind {
  return kinds[i % kinds.length] as AlgorithmKind
}
