// limiter.wait(): take when admitted; otherwise sleep the store's own retryAfterMs and ask again, within maxWaitMs.
import type { Algorithm } from './algorithm.ts'
import type { Cost } from './costs.ts'
import type { Decision } from './decision.ts'
import { type Duration, MAX_TIMER_MS, parseDuration } from './duration.ts'
import { type ErrorClass, InputError, SluiceError } from './errors.ts'
import { type AbortSignalLike, monotonicNow, waitForTurn } from './resilience/runtime.ts'
import { optionsObject, show } from './validate.ts'

/** The options of `limiter.wait(key, options)`. */
export interface WaitOptions {
  /**
   * Required: the longest this call may take from its start until it resolves, as a duration
   * (`5000`, `'5s'`; 0 means admitted at once or not at all), at most `MAX_TIMER_MS`. When the
   * store's answer says admission would come later, `wait` rejects with a `WaitTimeoutError` at
   * once, without sleeping first.
   */
  readonly maxWaitMs: Duration
  /**
   * Aborts the wait: `wait` rejects with `signal.reason` (an `AbortError` by default) and clears
   * its timer. An abort that comes after the store admitted (during a store call, or while a
   * leaky bucket holds the request for its `delayMs`) still rejects, and the units stay taken.
   */
  readonly signal?: AbortSignalLike
  /** Units the request takes, as for `limit` (default 1): a number, or units per limit by name. */
  readonly cost?: Cost
  /** For per-caller limits: what picks the limits, as for `limit(key, { context })`. */
  readonly context?: unknown
}

/**
 * `limiter.wait` or a throttled function gave up: admission would come later than `maxWaitMs`
 * from the call. Nothing was taken. `decision` is the store's last answer (a denial) and `waitMs`
 * how long from the moment it was thrown the request would still have to wait at least.
 */
export class WaitTimeoutError extends SluiceError {
  /** The last decision: a denial, whose `retryAfterMs` (or a shaping queue's delay) was too long. */
  readonly decision: Decision
  /** The least time, from when this was thrown, until the request could be admitted and run. */
  readonly waitMs: number
  /** The call's bound, in milliseconds. */
  readonly maxWaitMs: number
  constructor(decision: Decision, waitMs: number, maxWaitMs: number, leftMs: number) {
    super(
      decision.listed === 'deny'
        ? "wait: the key is on the limiter's deny list, so no wait admits it; take it off the list (deny.remove({ keys: [key] })) to let it through"
        : `wait: admission would come in ${waitMs} ms (policy ${JSON.stringify(decision.policy)}), later than maxWaitMs ${maxWaitMs} allows (${leftMs} ms were left); raise maxWaitMs or try again later`,
    )
    this.decision = decision
    this.waitMs = waitMs
    this.maxWaitMs = maxWaitMs
  }
}

const WAIT_OPTIONS = ['maxWaitMs', 'signal', 'cost', 'context']

/** Names other libraries, or sluice's own `limit`, give what `wait` calls `maxWaitMs`. */
export const FOREIGN_WAIT_OPTIONS: Readonly<Record<string, string>> = {
  timeout: 'the longest wait is maxWaitMs',
  timeoutMs: 'the longest wait is maxWaitMs',
  maxDelayMs: "wait's bound covers a shaping delay too: use maxWaitMs",
  weight: 'the units a request takes are its cost: { cost: n }',
}

/**
 * A wait bound: required, a duration from 0 to `MAX_TIMER_MS` (a longer timer would fire at once).
 * @example checkMaxWait('5s', 'wait', InputError) // 5000
 */
export function checkMaxWait(value: unknown, method: string, error: ErrorClass): number {
  if (value === undefined) {
    throw new error(
      `${method}: maxWaitMs is required: the longest to wait for admission, e.g. { maxWaitMs: '5s' } (0 takes only an immediate admission)`,
    )
  }
  return parseDuration(value, `${method}: maxWaitMs`, { zero: true, max: MAX_TIMER_MS, error })
}

/** An optional abort signal: `undefined`, or an object shaped like `AbortSignal`. */
export function checkSignal(value: unknown, method: string, error: ErrorClass): AbortSignalLike | undefined {
  if (value === undefined) return undefined
  const s = value as Partial<Record<'aborted' | 'addEventListener' | 'removeEventListener', unknown>> | null
  if (
    typeof value !== 'object' ||
    s === null ||
    typeof s.aborted !== 'boolean' ||
    typeof s.addEventListener !== 'function' ||
    typeof s.removeEventListener !== 'function'
  ) {
    throw new error(
      `${method}: signal must be an AbortSignal (an AbortController's signal, or AbortSignal.timeout(ms)), got ${show(value)}`,
    )
  }
  return value as AbortSignalLike
}

/** What `wait` asks of its limiter: one `limit` call with a shaping bound. */
export type LimitCall = (
  input: unknown,
  options: { cost?: Cost | undefined; maxDelayMs: number; context?: unknown },
) => Promise<Decision>

/**
 * `limiter.wait(input, options)` over the limiter's `limit`: asks the store; when denied, sleeps
 * exactly the answer's `retryAfterMs` and asks again, until admitted or until admission would come
 * later than `maxWaitMs` from the start (then a `WaitTimeoutError`, decided from the answer, not
 * after sleeping). Each try passes the time left as `maxDelayMs`, so a leaky bucket never admits a
 * delay the caller cannot wait; an admitted `delayMs` is waited before resolving. `limits` are a
 * plain limiter's (a rules decision names its own). Bad options reject with an `InputError`.
 *
 * @example
 * const decision = await waitForAdmission(limiter.limit, limiter.algorithms, 'user:42', { maxWaitMs: '2s' })
 */
export async function waitForAdmission(
  limit: LimitCall,
  limits: readonly Algorithm[],
  input: unknown,
  given: unknown,
): Promise<Decision> {
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new InputError(
      `wait(key, options): options must be an object such as { maxWaitMs: '5s' }, got ${show(given)}`,
    )
  }
  const options = optionsObject(given as WaitOptions, 'wait', WAIT_OPTIONS, FOREIGN_WAIT_OPTIONS, InputError)
  const maxWaitMs = checkMaxWait(options.maxWaitMs, 'wait', InputError)
  const signal = checkSignal(options.signal, 'wait', InputError)
  const { cost, context } = options
  const start = monotonicNow()
  for (;;) {
    if (signal?.aborted) throw abortReason(signal)
    const leftMs = Math.max(0, Math.floor(maxWaitMs - (monotonicNow() - start)))
    const decision = await limit(input, { cost, maxDelayMs: leftMs, context })
    if (signal?.aborted) throw abortReason(signal)
    if (decision.allowed) {
      // A shaping limit admitted with a turn later on: the caller may go only then.
      if (!(await waitForTurn(decision.delayMs, signal))) throw abortReason(signal)
      return decision
    }
    const waitMs = admissionIn(decision, decision.limits ?? limits, cost ?? 1, leftMs)
    if (waitMs > leftMs) throw new WaitTimeoutError(decision, waitMs, maxWaitMs, leftMs)
    // At least 1 ms, so a store that denies with no wait cannot spin this loop.
    if (!(await waitForTurn(Math.max(1, decision.retryAfterMs), signal))) throw abortReason(signal)
  }
}

/**
 * The least time from now until a denied request could be admitted and run: its `retryAfterMs`,
 * except where a leaky bucket had room but refused the delay (over `maxDelayMs`, the time that was
 * left). Its queue drains exactly as fast as time passes, so that request would start only after
 * `retryAfterMs + maxDelayMs`, its whole delay: waiting would never bring it within the bound.
 */
function admissionIn(
  decision: Decision,
  limits: readonly Algorithm[],
  cost: Cost,
  maxDelayMs: number,
): number {
  let ms = decision.retryAfterMs
  // Placeholders of the store-error mode carry no counts; a cost of 0 is never refused for room.
  if (decision.degraded !== undefined || cost === 0) return ms
  const policies = decision.policies
  for (let i = 0; i < policies.length; i++) {
    const p = policies[i] as Decision['policies'][number]
    const limit = limits[i]
    if (p.allowed || limit?.kind !== 'leakyBucket') continue
    // Per-limit costs: this limit's own units, by name as `perLimitCosts` reads them (else by id).
    const units = typeof cost === 'number' ? cost : (cost[limit.name] ?? cost[limit.id] ?? 0)
    if (units === 0 || p.remaining < units) continue
    const run = p.retryAfterMs + maxDelayMs
    if (run > ms) ms = run
  }
  return ms
}

/** The signal's reason, or an `AbortError` where the runtime set none (or, never here, no signal). */
function abortReason(signal: AbortSignalLike | undefined): unknown {
  if (signal?.reason !== undefined) return signal.reason
  const DOMExceptionClass = (globalThis as { DOMException?: new (message: string, name: string) => unknown })
    .DOMException
  if (DOMExceptionClass !== undefined)
    return new DOMExceptionClass('This operation was aborted', 'AbortError')
  const error = new Error('This operation was aborted')
  error.name = 'AbortError'
  return error
}
