// What createRateLimiter checks once, at construction: the store, the limits, shareCounters.
import type { Algorithm } from './algorithm.ts'
import { ConfigError, UnsupportedAlgorithmError } from './errors.ts'
import { MAX_LIMITS_PER_REQUEST, type Store } from './store.ts'
import { show } from './validate.ts'

/** `options.store`: anything with `apply`, `reset` and `capabilities`, else a `ConfigError`. */
export function checkStore(store: unknown): Store {
  const s = store as Partial<Store> | undefined
  if (
    typeof s?.apply !== 'function' ||
    typeof s.reset !== 'function' ||
    !Array.isArray(s.capabilities?.algorithms)
  ) {
    throw new ConfigError(
      `createRateLimiter: store must be a sluice Store such as memoryStore(), got ${show(store)}`,
    )
  }
  return s as Store
}

/**
 * `options.algorithm`: one limit or a list of 1 to `MAX_LIMITS_PER_REQUEST` distinct ones, each
 * from a factory and runnable by `store` (all together, for several).
 */
export function checkAlgorithms(algorithm: unknown, store: Store): readonly Algorithm[] {
  const list = Array.isArray(algorithm) ? [...algorithm] : [algorithm]
  if (list.length === 0) {
    throw new ConfigError('createRateLimiter: algorithm is an empty list; give at least one limit')
  }
  if (list.length > MAX_LIMITS_PER_REQUEST) {
    throw new ConfigError(
      `createRateLimiter: algorithm has ${list.length} limits; the most one limiter checks together is ${MAX_LIMITS_PER_REQUEST} (MAX_LIMITS_PER_REQUEST); split them over several limiters`,
    )
  }
  for (const a of list) {
    if (typeof (a as Partial<Algorithm>)?.step !== 'function' || typeof (a as Algorithm).kind !== 'string') {
      throw new ConfigError(
        `createRateLimiter: algorithm must come from a factory such as fixedWindow({ limit, window }), got ${show(a)}`,
      )
    }
    const kind = (a as Algorithm).kind
    if (!store.capabilities.algorithms.includes(kind)) {
      throw new UnsupportedAlgorithmError(
        `createRateLimiter: the ${store.name} store cannot run ${kind}; it supports ${store.capabilities.algorithms.join(', ')}`,
      )
    }
  }
  const algorithms = list as Algorithm[]
  if (algorithms.length > 1 && !store.capabilities.composite) {
    throw new UnsupportedAlgorithmError(
      `createRateLimiter: the ${store.name} store cannot apply several limits atomically; give one algorithm`,
    )
  }
  const ids = new Set(algorithms.map((a) => a.id))
  if (ids.size !== algorithms.length) {
    throw new ConfigError(
      'createRateLimiter: the same limit appears twice in algorithm; remove the duplicate',
    )
  }
  return Object.freeze(algorithms)
}

/** `options.shareCounters`: a boolean, default false. */
export function checkShare(value: unknown): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean') {
    throw new ConfigError(`createRateLimiter: shareCounters must be true or false, got ${show(value)}`)
  }
  return value
}
