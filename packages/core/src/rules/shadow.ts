import type { PolicyDecision } from '../decision.ts'
import type { StoreRequest } from '../store.ts'
import type { StoreCall } from '../storeCall.ts'
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
 * Evaluates the shadow limits in a store request of their own, so they never hold up or decide
 * the enforced ones: a shadow failure is reported, never thrown. Resolves to their results.
 */
export async function runShadow(
  call: StoreCall,
  request: StoreRequest,
  descriptors: readonly Descriptor[],
  domain: string,
  hooks: ShadowHooks,
): Promise<readonly PolicyDecision[] | undefined> {
  try {
    const decision = await call(request)
    if (request.consume && hooks.onShadowDeny !== undefined) {
      decision.policies.forEach((policy, i) => {
        if (!policy.allowed) report(hooks, { domain, policy, descriptor: descriptors[i] as Descriptor })
      })
    }
    return decision.policies
  } catch (error) {
    hooks.onShadowError?.(error)
    return undefined
  }
}

function report(hooks: ShadowHooks, event: ShadowDeny): void {
  try {
    hooks.onShadowDeny?.(event)
  } catch (error) {
    // A throwing hook must not turn a shadow result into a failed request.
    hooks.onShadowError?.(error)
  }
}
