// Events counted in-process per attribute set, for observable counters to report at each collection.
import type { Attributes, ObservableResult } from '@opentelemetry/api'
import type { DecisionEvent, DegradedReason } from '@sluice/core'

/** One series: its attributes (built once, then shared with the SDK) and its running total. */
interface Series {
  readonly attributes: Attributes
  count: number
}

/** Slots per (limiter, policy, algorithm): 3 outcomes × 2 operations × 4 degraded states × 2 cache. */
const SLOTS = 3 * 2 * 4 * 2

/**
 * Counts decisions by attribute set. Why not `counter.add(1, attributes)` per decision: the SDK
 * hashes the attributes of every measurement (sorting their names and serialising them), which cost
 * more than the decision itself on an in-process store. Here a decision is three `Map` lookups and
 * an increment; the SDK sees each series once per collection, through an observable counter, and
 * exports the same cumulative sums.
 */
export class DecisionCounts {
  /** limiter → policy → algorithm → slots. Keys are configuration (never request keys), so bounded. */
  readonly #groups = new Map<string, Map<string, Map<string | undefined, (Series | undefined)[]>>>()
  readonly #other = new Map<string, Series>()
  readonly #series: Series[] = []

  /** Counts one decision. */
  count(e: DecisionEvent): void {
    const degraded = degradedIndex(e.degraded)
    if (degraded < 0) {
      this.#countOther(e)
      return
    }
    const slots = this.#slots(e.limiter, e.policy, e.algorithm)
    const outcome = !e.allowed ? 2 : e.delayMs > 0 ? 1 : 0
    const index = ((outcome * 2 + (e.operation === 'peek' ? 1 : 0)) * 4 + degraded) * 2 + (e.cached ? 1 : 0)
    let series = slots[index]
    if (series === undefined) {
      series = { attributes: decisionAttributes(e), count: 0 }
      slots[index] = series
      this.#series.push(series)
    }
    series.count++
  }

  /** The rare path: a degraded reason this version does not list, keyed by its attributes' text. */
  #countOther(e: DecisionEvent): void {
    const attributes = decisionAttributes(e)
    const key = JSON.stringify(attributes)
    let series = this.#other.get(key)
    if (series === undefined) {
      series = { attributes, count: 0 }
      this.#other.set(key, series)
      this.#series.push(series)
    }
    series.count++
  }

  /** Reports every series seen so far (an observable counter's callback). */
  observe(result: ObservableResult): void {
    for (const s of this.#series) result.observe(s.count, s.attributes)
  }

  #slots(limiter: string, policy: string, algorithm: string | undefined): (Series | undefined)[] {
    let policies = this.#groups.get(limiter)
    if (policies === undefined) {
      policies = new Map()
      this.#groups.set(limiter, policies)
    }
    let algorithms = policies.get(policy)
    if (algorithms === undefined) {
      algorithms = new Map()
      policies.set(policy, algorithms)
    }
    let slots = algorithms.get(algorithm)
    if (slots === undefined) {
      slots = new Array<Series | undefined>(SLOTS).fill(undefined)
      algorithms.set(algorithm, slots)
    }
    return slots
  }
}

/** Counts by two configuration values (a limiter and a policy, say), the attributes built once per pair. */
export class PairCounts {
  readonly #pairs = new Map<string, Map<string, Series>>()
  readonly #series: Series[] = []

  constructor(readonly attributes: (a: string, b: string) => Attributes) {}

  count(a: string, b: string): void {
    let inner = this.#pairs.get(a)
    if (inner === undefined) {
      inner = new Map()
      this.#pairs.set(a, inner)
    }
    let series = inner.get(b)
    if (series === undefined) {
      series = { attributes: this.attributes(a, b), count: 0 }
      inner.set(b, series)
      this.#series.push(series)
    }
    series.count++
  }

  observe(result: ObservableResult): void {
    for (const s of this.#series) result.observe(s.count, s.attributes)
  }
}

function degradedIndex(reason: DegradedReason | undefined): number {
  switch (reason) {
    case undefined:
      return 0
    case 'timeout':
      return 1
    case 'store-error':
      return 2
    case 'circuit-open':
      return 3
    default:
      return unknownReason(reason)
  }
}

/** A reason a newer core added: -1, counted apart by its text (a type error here until it is listed). */
function unknownReason(_reason: never): number {
  return -1
}

/** `allowed`, `delayed` (admitted after a shaping wait) or `denied`. */
function outcome(e: DecisionEvent): string {
  if (!e.allowed) return 'denied'
  return e.delayMs > 0 ? 'delayed' : 'allowed'
}

function decisionAttributes(e: DecisionEvent): Attributes {
  const attributes: Attributes = {
    'sluice.limiter': e.limiter,
    'sluice.policy': e.policy,
    'sluice.outcome': outcome(e),
    'sluice.operation': e.operation,
  }
  if (e.algorithm !== undefined) attributes['sluice.algorithm'] = e.algorithm
  if (e.degraded !== undefined) attributes['sluice.degraded'] = e.degraded
  if (e.cached) attributes['sluice.deny_cache'] = true
  return attributes
}
