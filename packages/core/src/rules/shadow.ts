// Shadow mode's reporting: what onShadowDeny and onShadowError are told.
import type { PolicyDecision } from '../decision.ts'
import type { Descriptor } from './types.ts'

/** What `onShadowDeny` receives: a shadow policy that would have denied this request. */
export interface ShadowDeny {
  readonly domain: string
  /** The shadow policy's own result (`allowed: false`). */
  readonly policy: PolicyDecision
  /** The request descriptor that matched it. */
  readonly descriptor: Descriptor
}

/** Shadow reporting, from `createRateLimiter({ store, rules, onShadowDeny, onShadowError })`. */
export interface ShadowHooks {
  /** Called for each shadow policy that would have denied a `limit()` call. */
  readonly onShadowDeny?: ((event: ShadowDeny) => void) | undefined
  /** A shadow request failed (the store, a timeout). The enforced decision is not affected. */
  readonly onShadowError?: ((error: unknown) => void) | undefined
}

/**
 * Reports each shadow policy of a consuming call that would have denied it (`onShadowDeny`, with
 * the descriptor that matched it). A throwing hook goes to `onShadowError`.
 */
export function reportShadowDenials(
  hooks: ShadowHooks,
  domain: string,
  policies: readonly PolicyDecision[],
  descriptors: readonly Descriptor[],
): void {
  if (hooks.onShadowDeny === undefined) return
  policies.forEach((policy, i) => {
    if (!policy.allowed) report(hooks, { domain, policy, descriptor: descriptors[i] as Descriptor })
  })
}

function report(hooks: ShadowHooks, event: ShadowDeny): void {
  try {
    hooks.onShadowDeny?.(event)
  } catch (error) {
    // A throwing hook must not turn a shadow result into a failed request.
    hooks.onShadowError?.(error)
  }
}
