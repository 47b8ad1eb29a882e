// What a call answers when its store failed: the store-error mode (`onStoreError`) decides.
import { combine } from '../combine.ts'
import type { Decision, DegradedReason } from '../decision.ts'
import { StoreError } from '../errors.ts'
import { checkReply } from '../reply.ts'
import type { Store, StoreRequest } from '../store.ts'
import { fromFallback, placeholderDecision } from './degraded.ts'
import type { Resilience } from './options.ts'

/** How long a fail-closed denial tells the client to wait when no circuit cool-down applies. */
const DENY_RETRY_MS = 1000

/**
 * Answers a call whose store failed, by the limiter's store-error mode: reject with the fault (the
 * default), deny or allow with a placeholder decision, or ask the fallback store. Every answer made
 * without the store carries `degraded`.
 */
export function answerWithoutStore(
  mode: Resilience['storeErrorMode'],
  request: StoreRequest,
  error: StoreError,
  reason: DegradedReason,
  retryAfterMs: number,
): Promise<Decision> {
  if (mode === 'reject') return Promise.reject(error)
  if (mode === 'deny' || mode === 'allow') {
    const allowed = mode === 'allow'
    const wait = retryAfterMs > 0 ? retryAfterMs : DENY_RETRY_MS
    return Promise.resolve(placeholderDecision(request.limits, allowed, wait, { reason, mode, error }))
  }
  return askFallback(mode, request).then(
    (decision) => fromFallback(decision, { reason, mode: 'fallback', error }),
    (fallbackError: unknown) =>
      Promise.reject(
        new StoreError(
          `${error.message}; the fallback ${mode.name} store failed too: ${fallbackError instanceof Error ? fallbackError.message : String(fallbackError)}`,
          { cause: fallbackError },
        ),
      ),
  )
}

/** The fallback's decision; its reply is checked like the store's (`checkReply`). */
function askFallback(fallback: Store, given: StoreRequest): Promise<Decision> {
  // A fallback that cannot take per-limit costs takes the largest under every limit: it may
  // refuse more than the store would, never admit more.
  const request =
    given.costs !== undefined && fallback.capabilities.costs !== true ? { ...given, costs: undefined } : given
  const decide = (reply: unknown): Decision =>
    combine(request.limits, checkReply(fallback.name, request.limits.length, reply))
  try {
    if (fallback.applySync !== undefined) return Promise.resolve(decide(fallback.applySync(request)))
    return fallback.apply(request).then(decide)
  } catch (error) {
    return Promise.reject(error)
  }
}
