import type { Decision, LimitDecision } from '@sluice/core'
import { expect } from 'vitest'

/** The six numbers of a decision, in a fixed shape (−0 read as 0: both mean the same wait). */
function numbers(d: LimitDecision): LimitDecision {
  return {
    allowed: d.allowed,
    limit: d.limit + 0,
    remaining: d.remaining + 0,
    resetAfterMs: d.resetAfterMs + 0,
    retryAfterMs: d.retryAfterMs + 0,
    delayMs: d.delayMs + 0,
  }
}

/** A copy with −0 read as 0 (both mean the same wait); every other field kept, unknown ones included. */
function zeroed<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === 0 ? 0 : v])) as T
}

/**
 * A whole decision, for deep comparison: every top-level field and every policy's, so a store that
 * adds, drops or changes any field of a decision shows up.
 */
export function comparable(d: Decision): unknown {
  return { ...zeroed(d), policies: d.policies.map(zeroed) }
}

/** Hand-computed numbers of a decision; `retryAfterMs` and `delayMs` default to 0. */
export type Expected = Omit<LimitDecision, 'retryAfterMs' | 'delayMs'> & Partial<LimitDecision>

/** Checks a single-limit decision exactly, top level and its one policy, against hand-computed numbers. */
export function expectDecision(d: Decision, want: Expected, context?: string): void {
  const full: LimitDecision = { retryAfterMs: 0, delayMs: 0, ...want }
  expect(numbers(d), context).toStrictEqual(numbers(full))
  expect(d.policies, context).toHaveLength(1)
  expect(numbers(d.policies[0] as LimitDecision), context).toStrictEqual(numbers(full))
}

/** Expects `call` to throw or reject with an `ErrorClass` whose message contains `mention`. */
export async function expectRefused(
  call: () => Promise<unknown>,
  ErrorClass: abstract new (...args: never[]) => Error,
  mention: string,
): Promise<void> {
  let error: unknown
  try {
    await call()
  } catch (e) {
    error = e
  }
  expect(error, `expected ${ErrorClass.name} naming ${mention}`).toBeInstanceOf(ErrorClass)
  expect((error as Error).message).toContain(mention)
}
