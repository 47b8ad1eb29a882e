import { referenceStore } from '../../../store-conformance/src/reference.ts'
import type { Store, StoreRequest } from '../../src/entries/store.ts'
import type { LimitDecision } from '../../src/index.ts'

/** What the test store does with the next calls. */
export type Fault = 'none' | 'fail' | 'raw-error' | 'hang' | 'throw'

/**
 * The reference store (a Map and core's stepAll) behind an async boundary, like a network store,
 * with faults injected on demand: a store that a real server stands in for in the chaos tests;
 * here it lets core's own tests pick a fault exactly, and count the calls that reach the store.
 */
export function testStore(options: { sync?: boolean; timeoutMs?: number } = {}) {
  const reference = referenceStore({ sync: true })
  const decide = reference.applySync as (request: StoreRequest) => readonly LimitDecision[]
  let fault: Fault = 'none'
  const hanging: (() => void)[] = []
  const counts = { apply: 0, reset: 0, refund: 0 }

  function countedDecide(request: StoreRequest): readonly LimitDecision[] {
    counts.apply++
    return decide(request)
  }

  function apply(request: StoreRequest): Promise<readonly LimitDecision[]> {
    counts.apply++
    switch (fault) {
      case 'fail':
        return Promise.reject(new (class extends Error {})('connection refused'))
      case 'raw-error':
        return Promise.reject(new TypeError('socket hang up'))
      case 'throw':
        throw new Error('thrown synchronously')
      case 'hang':
        return new Promise((_, reject) => hanging.push(() => reject(new Error('released after the test'))))
      default:
        return Promise.resolve(decide(request))
    }
  }

  const store: Store = {
    name: 'test',
    capabilities: reference.capabilities,
    apply,
    refund(request) {
      counts.refund++
      if (fault === 'fail') return Promise.reject(new (class extends Error {})('connection refused'))
      return (reference.refund as NonNullable<Store['refund']>)(request)
    },
    reset(key, limits) {
      counts.reset++
      return reference.reset(key, limits)
    },
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.sync ? { applySync: countedDecide } : {}),
  }
  return {
    store,
    counts,
    setFault(next: Fault) {
      fault = next
    },
    /** Ends every hanging call (with an error nobody should see any more). */
    release() {
      for (const r of hanging.splice(0)) r()
    },
  }
}

// Core's tsconfig has no Node or DOM types (its source must stay edge-safe); the tests type the
// two timer globals they use here, module-locally.
const timers = globalThis as unknown as {
  setTimeout(callback: (value: unknown) => void, ms: number, value?: unknown): unknown
  performance: { now(): number }
}

/** Monotonic milliseconds. */
export const now = (): number => timers.performance.now()

/**
 * The latest a call whose deadline is `timeoutMs` may settle, as these tests assert it: the
 * deadline, plus as much again and 2 s for event-loop lag on a loaded 2-core machine. What the
 * tests tell apart is a call that settles by its deadline from one that hangs, so the bound is
 * derived from the timeout and wide enough that load never trips it.
 */
export const settledWithin = (timeoutMs: number): number => 2 * timeoutMs + 2000

/** The largest of `values` (a loop: the list may be long). */
export function largest(values: Iterable<number>): number {
  let most = Number.NEGATIVE_INFINITY
  for (const v of values) if (v > most) most = v
  return most
}

/** The smallest of `values` (a loop: the list may be long). */
export function smallest(values: Iterable<number>): number {
  let least = Number.POSITIVE_INFINITY
  for (const v of values) if (v < least) least = v
  return least
}

/** Resolves with `value` after `ms` ms. */
export const sleep = <T = undefined>(ms: number, value?: T) =>
  new Promise<T>((resolve) => timers.setTimeout(resolve as (value: unknown) => void, ms, value))

/** The global object as `vi.spyOn` sees it: its `setTimeout`. */
export const timerGlobals = globalThis as unknown as { setTimeout: (...args: unknown[]) => unknown }

/** Every number of a decision is finite and ≥ 0. */
export function wellFormed(d: {
  limit: number
  remaining: number
  resetAfterMs: number
  retryAfterMs: number
  delayMs: number
}): boolean {
  return [d.limit, d.remaining, d.resetAfterMs, d.retryAfterMs, d.delayMs].every(
    (n) => typeof n === 'number' && Number.isFinite(n) && n >= 0,
  )
}
