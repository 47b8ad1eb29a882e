// What the checks of one request leave for its response: the decision and the combined headers.
import type { Decision } from '@sluice/core'
import { applyHeaders, type HeaderEntry, type HeaderTarget } from '@sluice/core/http'

/** The rate-limit state of one request, shared by every check it passes through. */
interface RequestState {
  decision: Decision | undefined
  /** Header name → combined value, in the order the checks ran (outer first). */
  readonly headers: Map<string, string>
}

const states = new WeakMap<Request, RequestState>()
/** Responses that already carry their request's headers (an inner wrapper's, passed out). */
const finished = new WeakSet<Response>()

/** A request's combined headers as a target of `applyHeaders`. */
class StateHeaders implements HeaderTarget {
  readonly #headers: Map<string, string>
  constructor(headers: Map<string, string>) {
    this.#headers = headers
  }
  get(name: string): unknown {
    return this.#headers.get(name)
  }
  set(name: string, value: string): void {
    this.#headers.set(name, value)
  }
}

/**
 * Records one check's decision and headers on its request: list members of several checks combine
 * (`RateLimit: "global";…, "login";…`), the legacy trio describes the tightest, as `applyHeaders` says.
 */
export function record(request: Request, decision: Decision, headers: readonly HeaderEntry[]): void {
  let state = states.get(request)
  if (state === undefined) {
    state = { decision, headers: new Map() }
    states.set(request, state)
  }
  state.decision = decision
  if (headers.length > 0) applyHeaders(headers, new StateHeaders(state.headers))
}

/**
 * Adds the request's rate-limit headers to `response` and returns it, or a copy when its headers
 * are immutable (a `fetch()` response, `Response.redirect()`). A header the response already has
 * wins: the app's own, or an inner `withRateLimit`'s whole set.
 */
export function finish(request: Request, response: Response): Response {
  if (finished.has(response)) return response
  const state = states.get(request)
  if (state === undefined || state.headers.size === 0) return response
  let out = response
  try {
    setMissing(out.headers, state.headers)
  } catch (error) {
    // Immutable headers throw on the first set, so nothing was written: a copy takes them all.
    if (!(error instanceof TypeError)) throw error
    out = new Response(response.body, response)
    setMissing(out.headers, state.headers)
  }
  finished.add(out)
  return out
}

function setMissing(target: Headers, headers: Map<string, string>): void {
  for (const [name, value] of headers) if (!target.has(name)) target.set(name, value)
}

/**
 * The rate-limit decision of a request that passed `check` or `withRateLimit` (the innermost when
 * several ran), or `undefined` if none did or `skip` let it through: `remaining`, `resetAfterMs`,
 * per limit `policies`. Keyed by the `Request` object itself: pass the one the handler received.
 *
 * @example
 * export default { fetch: withRateLimit((request) => Response.json({ left: getRateLimit(request)?.remaining }), { limiter, ipHeader: 'cf-connecting-ip' }) }
 */
export function getRateLimit(request: Request): Decision | undefined {
  return states.get(request)?.decision
}

/**
 * The rate-limit headers `check` prepared for an admitted request (empty when none did), for
 * code that builds its own response after `check`, such as Next.js middleware.
 *
 * @example
 * const refused = await limit(request)
 * return refused ?? NextResponse.next({ headers: rateLimitHeaders(request) })
 */
export function rateLimitHeaders(request: Request): Headers {
  const headers = new Headers()
  const state = states.get(request)
  if (state !== undefined) for (const [name, value] of state.headers) headers.set(name, value)
  return headers
}
