import {
  type Algorithm,
  fixedWindow,
  gcra,
  leakyBucket,
  slidingLog,
  slidingWindow,
  tokenBucket,
} from '@sluice/core'

/** The nominal rate every algorithm is configured to: `limit` requests per `windowMs`. */
export interface NominalRate {
  readonly limit: number
  readonly windowMs: number
}

export const NOMINAL_RATE: NominalRate = { limit: 10, windowMs: 1000 }

/** One algorithm in the line-up, with the factory call that made it (printed so readers can copy it). */
export interface Contender {
  readonly label: string
  readonly factoryCall: string
  readonly algorithm: Algorithm
}

/**
 * The six algorithms, each configured to the same nominal rate, so that every difference in the
 * demo comes from the algorithm and not from its settings. Burst allowances are left at their
 * natural values (capacity / burst = limit), as a user would first configure them.
 */
export function sameRateContenders({ limit, windowMs }: NominalRate = NOMINAL_RATE): Contender[] {
  const window = windowMs
  return [
    contender('fixedWindow', { limit, window }, fixedWindow),
    contender('slidingLog', { limit, window }, slidingLog),
    contender('slidingWindow', { limit, window }, slidingWindow),
    contender('tokenBucket', { capacity: limit, refillRate: limit, refillInterval: window }, tokenBucket),
    // burst defaults to rate: `limit` requests may arrive at once on a fresh key.
    contender('gcra', { rate: limit, period: window }, gcra),
    // `capacity` requests may wait behind the one leaving now, so a burst gets capacity + 1 through.
    contender('leakyBucket', { capacity: limit, leakRate: limit, leakInterval: window }, leakyBucket),
  ]
}

function contender<O extends object>(
  label: string,
  options: O,
  factory: (options: O) => Algorithm,
): Contender {
  const args = Object.entries(options)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join(', ')
  return { label, factoryCall: `${label}({ ${args} })`, algorithm: factory(options) }
}
