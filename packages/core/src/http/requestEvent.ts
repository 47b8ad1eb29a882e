// The `request` event of one outcome: what the binding did, in the terms operators count by.
import type { BindingRequestAction, BindingRequestEvent } from './bindingEvents.ts'
import type { RateLimitOutcome } from './outcome.ts'

/** The binding's allow list passed the request: a `skip` to the binding, `listed` to its events. */
export const ALLOW_LISTED: RateLimitOutcome = Object.freeze({ action: 'skip' })

/** What a request event says besides the outcome: who emits it. */
interface RequestEventSource {
  readonly binding: string
  readonly limiter: string | undefined
}

/**
 * The `request` event of `outcome`; `key` is the caller's key as the limiter's `exposeKey` shows it.
 *
 * @example
 * hub.emit('request', requestEvent(source, outcome, undefined))
 */
export function requestEvent(
  source: RequestEventSource,
  outcome: RateLimitOutcome,
  key: string | undefined,
): BindingRequestEvent {
  const decision = outcome.action === 'skip' || outcome.action === 'invalid' ? undefined : outcome.decision
  let action: BindingRequestAction = outcome === ALLOW_LISTED ? 'listed' : outcome.action
  if (decision?.listed !== undefined) action = 'listed'
  else if (decision?.degraded !== undefined && outcome.action !== 'drop') action = 'degraded'
  let status: number | undefined
  if (outcome.action === 'limit') status = outcome.limited.status
  else if (outcome.action === 'invalid') status = outcome.invalid.status
  return {
    binding: source.binding,
    limiter: source.limiter,
    action,
    status,
    // A listed decision has no policy behind it (its policy is '').
    policy: decision === undefined || decision.listed !== undefined ? undefined : decision.policy,
    key: decision === undefined || decision.listed !== undefined ? undefined : key,
    decision,
  }
}
