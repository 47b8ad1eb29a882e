// Explanations that remember: how long a token bucket refilled since the last request for the same
// key that this explainer saw, which the decision alone cannot say.
import type { Algorithm } from '../algorithm.ts'
import { decidingLimit } from './decisionEvent.ts'
import { type Earlier, type Explained, explainDecision } from './explain.ts'

/** Keys remembered at most; past it the oldest is forgotten (its next line has no refill part). */
const MAX_REMEMBERED = 1024

/**
 * An `explainDecision` that remembers, per limiter, key and limit, when the last decision it
 * explained was made and what it left, so a token bucket's line says how long it refilled:
 * `token bucket user:42: 3.4 tokens after 1.2 s of refill (2.2 at the last request), …`. Only for
 * events that carry a key (the limiter's `exposeKey`): without one, requests cannot be told apart.
 * It sees only the decisions it is given: with several processes, another process's requests in
 * between are in the token count but not in the time. Bounded to 1,024 keys.
 *
 * @example
 * const explain = createExplainer()
 * limiter.events.on('decision', (event) => console.log(explain(event)))
 */
export function createExplainer(): (event: Explained & { readonly limiter: string }) => string {
  const seen = new Map<string, Earlier>()
  return (event) => {
    const limit = decidingLimit(event.limits, event.decision)
    if (event.key === undefined || limit === undefined || event.degraded !== undefined || event.cached) {
      return explainDecision(event)
    }
    const id = `${event.limiter}\u0000${event.key}\u0000${limit.id}`
    const earlier = seen.get(id)
    const line = explainDecision(event, earlier)
    // Only what a later line can use: the time and the tokens left after this decision.
    if (limit.kind === 'tokenBucket')
      remember(seen, id, { timeMs: event.timeMs, tokens: tokensLeft(limit, event) })
    return line
  }
}

function remember(seen: Map<string, Earlier>, id: string, earlier: Earlier): void {
  seen.delete(id)
  if (seen.size >= MAX_REMEMBERED) seen.delete(seen.keys().next().value as string)
  seen.set(id, earlier)
}

/** The tokens a token bucket held after the decision (its time to full, in tokens). */
function tokensLeft(limit: Algorithm, e: Explained): number {
  const { capacity, refillRate, refillIntervalMs } = limit.params as {
    capacity: number
    refillRate: number
    refillIntervalMs: number
  }
  return Math.max(0, capacity - (e.resetAfterMs * refillRate) / refillIntervalMs)
}
