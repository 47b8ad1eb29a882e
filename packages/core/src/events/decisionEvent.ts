// Builds and emits the `decision` event of one call: run only when someone listens.
import type { Algorithm } from '../algorithm.ts'
import type { Decision } from '../decision.ts'
import type { StoreRequest } from '../store.ts'
import type { EventHub } from './hub.ts'

/** How one call was answered, filled in by the store call for the `decision` event. */
export interface CallTrace {
  /** The store's round trip in ms; stays `undefined` when the store was not asked or failed. */
  storeLatencyMs: number | undefined
  /** The deny cache answered. */
  cached: boolean
}

/**
 * Emits the `decision` event for `decision`, the answer to `request` (whose caller passed `input`:
 * a key, or a descriptor request). Never throws: whatever goes wrong is the hub's listener error.
 */
export function emitDecision(
  events: EventHub,
  input: unknown,
  limits: readonly Algorithm[],
  request: StoreRequest,
  decision: Decision,
  trace: CallTrace,
  timeMs: number,
): void {
  try {
    const deciding = decidingLimit(limits, decision)
    events.emit('decision', {
      limiter: events.limiter,
      key: events.exposesKeys ? events.showKey(keyText(input)) : undefined,
      operation: request.consume ? 'limit' : 'peek',
      cost: request.cost,
      policy: decision.policy,
      algorithm: deciding?.kind,
      allowed: decision.allowed,
      limit: decision.limit,
      remaining: decision.remaining,
      resetAfterMs: decision.resetAfterMs,
      retryAfterMs: decision.retryAfterMs,
      delayMs: decision.delayMs,
      degraded: decision.degraded?.reason,
      shadow: decision.shadow,
      cached: trace.cached,
      storeLatencyMs: decision.degraded === undefined ? trace.storeLatencyMs : undefined,
      timeMs,
      limits,
      decision,
    })
  } catch (error) {
    events.reportListenerError(error, 'decision')
  }
}

/** The limit behind `decision.policy`: the one whose numbers the decision shows. */
export function decidingLimit(limits: readonly Algorithm[], decision: Decision): Algorithm | undefined {
  const policies = decision.policies
  for (let i = 0; i < policies.length; i++) {
    if (policies[i]?.policy === decision.policy) return limits[i]
  }
  return limits[0]
}

/** A key as text: a plain limiter's key, or a rules request's descriptors as `k=v,k=v; k=v`. */
function keyText(input: unknown): string {
  if (typeof input === 'string') return input
  const descriptors = (input as { descriptors?: readonly (readonly { key: string; value?: string }[])[] })
    .descriptors
  if (!Array.isArray(descriptors)) return ''
  return descriptors
    .map((d) =>
      d
        .map((e: { key: string; value?: string }) => (e.value === undefined ? e.key : `${e.key}=${e.value}`))
        .join(','),
    )
    .join('; ')
}
