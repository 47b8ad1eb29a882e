import { combine } from './combine.ts'
import type { Decision } from './decision.ts'
import type { Store, StoreRequest } from './store.ts'

/** Runs one store request and folds its per-limit decisions into one `Decision`. */
export type StoreCall = (request: StoreRequest) => Promise<Decision>

/**
 * The one place a limiter talks to its store: every limiter (a plain one, or one built from rules)
 * sends its requests through here, so store-level behaviour is the same for all of them.
 */
export function storeCall(store: Store): StoreCall {
  const applySync = store.applySync?.bind(store)
  // An in-process store answers at once: one promise per call instead of two.
  if (applySync !== undefined) {
    return (request) => Promise.resolve(combine(request.limits, applySync(request)))
  }
  return (request) => store.apply(request).then((decisions) => combine(request.limits, decisions))
}
