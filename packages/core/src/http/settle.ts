// Counting by outcome: take first, give back once the response ends (skipFailedRequests and co.).
import type { Decision } from '../decision.ts'
import { ConfigError } from '../errors.ts'
import { show } from '../validate.ts'
import type { BindingEventHub, ResponseEnd } from './bindingEvents.ts'
import { reportError } from './bindingEvents.ts'

/** A value or a promise of it (as options.ts's; not imported from there: options.ts imports this file). */
type MaybePromise<T> = T | Promise<T>

/**
 * What a binding calls once an admitted request's response has ended: `end` is its status, or
 * `'aborted'` (the client left first) or `'threw'` (the handler failed without a response). Call it
 * at most once per request, for the `allow` outcome only; it never throws and returns nothing (the
 * refund, if any, runs on its own). This is the one "response ended" hook: what a request holds
 * until then (its units under `skipFailedRequests`, later a concurrency lease) is given back here.
 *
 * @example
 * if (outcome.action === 'allow' && settle !== undefined) {
 *   res.once('close', () => settle(outcome.decision, req, res, res.writableFinished ? res.statusCode : 'aborted'))
 * }
 */
export type Settle<Req, Res> = (decision: Decision, req: Req, res: Res, end: ResponseEnd) => void

/** The outcome options, validated. */
export interface OutcomeOptions<Req, Res> {
  readonly skipFailedRequests: boolean
  readonly skipSuccessfulRequests: boolean
  readonly requestWasSuccessful: ((req: Req, res: Res) => MaybePromise<boolean>) | undefined
}

/**
 * Checks `skipFailedRequests`, `skipSuccessfulRequests` and `requestWasSuccessful` at construction.
 *
 * @example
 * const outcomes = checkOutcomeOptions(o, 'rateLimit')
 */
export function checkOutcomeOptions<Req, Res>(
  o: Record<string, unknown>,
  f: string,
): OutcomeOptions<Req, Res> {
  const skipFailedRequests = flag(o.skipFailedRequests, `${f}: skipFailedRequests`)
  const skipSuccessfulRequests = flag(o.skipSuccessfulRequests, `${f}: skipSuccessfulRequests`)
  const predicate = o.requestWasSuccessful
  if (predicate !== undefined && typeof predicate !== 'function') {
    throw new ConfigError(
      `${f}: requestWasSuccessful must be a function (req, res) => boolean (or a promise of one), got ${show(predicate)}`,
    )
  }
  if (predicate !== undefined && !skipFailedRequests && !skipSuccessfulRequests) {
    throw new ConfigError(
      `${f}: requestWasSuccessful only decides which requests skipFailedRequests or skipSuccessfulRequests give back; set one of them, or remove it`,
    )
  }
  if (skipFailedRequests && skipSuccessfulRequests) {
    throw new ConfigError(
      `${f}: skipFailedRequests and skipSuccessfulRequests together would count no request at all; set one, or limit nothing (skip: () => true)`,
    )
  }
  return {
    skipFailedRequests,
    skipSuccessfulRequests,
    requestWasSuccessful: predicate as OutcomeOptions<Req, Res>['requestWasSuccessful'],
  }
}

function flag(value: unknown, name: string): boolean {
  if (value === undefined) return false
  if (typeof value === 'boolean') return value
  throw new ConfigError(`${name} must be true or false, got ${show(value)}`)
}

/** What `createSettle` needs to say who gave the units back. */
interface SettleSource {
  readonly binding: string
  readonly limiter: string | undefined
}

/**
 * The "response ended" hook of one binding, or `undefined` when nothing waits for a response's end
 * (no outcome option, no concurrency lease to release): then the binding watches no response at
 * all, and a request pays nothing. With `leases` (the limiter may take concurrency leases), every
 * admitted request's lease is released when its response ends, unless its units are given back
 * (a refund releases it too).
 *
 * @example
 * const settle = createSettle(outcomes, hub, { binding: 'express', limiter: 'sluice' }, false)
 */
export function createSettle<Req, Res>(
  outcomes: OutcomeOptions<Req, Res>,
  hub: BindingEventHub,
  source: SettleSource,
  leases: boolean,
): Settle<Req, Res> | undefined {
  const { skipFailedRequests, requestWasSuccessful } = outcomes
  const counting = skipFailedRequests || outcomes.skipSuccessfulRequests
  if (!counting && !leases) return undefined

  /** The request's concurrency leases back (none: resolves false, no store call). */
  function release(decision: Decision): void {
    if (!leases) return
    decision
      .release?.()
      .then(undefined, (error: unknown) =>
        reportError(
          `sluice ${source.binding}: a request's concurrency lease could not be released; it expires after its leaseMs`,
          error,
        ),
      )
  }

  /** Gives the units back; the refund's own guard makes a second call a no-op. */
  function giveBack(decision: Decision, end: ResponseEnd, succeeded: boolean): void {
    const reason = succeeded ? 'successful' : 'failed'
    ;(decision.refund as () => Promise<boolean>)().then(
      (refunded) => {
        if (hub.wants('refund')) hub.emit('refund', event(decision, end, reason, refunded, undefined))
      },
      (error: unknown) => failed(decision, end, reason, error),
    )
  }

  function failed(decision: Decision, end: ResponseEnd, reason: 'failed' | 'successful', error: unknown) {
    // Nothing was given back: the request stays counted, the safe side for a limiter.
    if (hub.wants('refund')) hub.emit('refund', event(decision, end, reason, false, error))
    else
      reportError(
        `sluice ${source.binding}: a request's units could not be given back; it stays counted`,
        error,
      )
  }

  function event(
    decision: Decision,
    end: ResponseEnd,
    reason: 'failed' | 'successful',
    refunded: boolean,
    error: unknown,
  ) {
    return {
      binding: source.binding,
      limiter: source.limiter,
      reason,
      end,
      policy: decision.policy,
      refunded,
      error,
      decision,
    } as const
  }

  return function settle(decision, req, res, end) {
    // Only what this request took: never a refusal, a listed pass, a degraded pass or a peek's.
    if (
      !decision.allowed ||
      decision.listed !== undefined ||
      decision.degraded !== undefined ||
      typeof decision.refund !== 'function'
    ) {
      return
    }
    if (!counting) return release(decision)
    // A client that left or a handler that threw is a failed request: no response to judge.
    if (typeof end !== 'number') {
      if (skipFailedRequests) giveBack(decision, end, false)
      else release(decision)
      return
    }
    if (requestWasSuccessful === undefined) {
      // Exactly one flag is set: give back what succeeded under one, what failed under the other.
      if (end < 400 !== skipFailedRequests) giveBack(decision, end, end < 400)
      else release(decision)
      return
    }
    let verdict: MaybePromise<boolean>
    try {
      verdict = requestWasSuccessful(req, res)
    } catch (error) {
      failed(decision, end, skipFailedRequests ? 'failed' : 'successful', error)
      release(decision)
      return
    }
    Promise.resolve(verdict).then(
      (succeeded) => {
        // Truthy is success, as express-rate-limit reads it.
        const ok = Boolean(succeeded)
        if (ok !== skipFailedRequests) giveBack(decision, end, ok)
        else release(decision)
      },
      (error: unknown) => {
        failed(decision, end, skipFailedRequests ? 'failed' : 'successful', error)
        release(decision)
      },
    )
  }
}
