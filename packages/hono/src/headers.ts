// Where a Hono request's rate-limit headers go: the Node response under @hono/node-server, else Hono's.
import { applyHeaders, type HeaderEntry, type HeaderTarget } from '@sluice/core/http'
import type { Context } from 'hono'

/** The part of a Node `ServerResponse` (what @hono/node-server passes as `c.env.outgoing`) used here. */
interface NodeResponse {
  readonly headersSent: boolean
  getHeader(name: string): unknown
  setHeader(name: string, value: string): unknown
}

/**
 * The Node response of a request served by @hono/node-server, read by shape (no Node import), or
 * `undefined` elsewhere (`app.request()`, Bun.serve, Deno.serve, Workers) or once its head is sent.
 */
function nodeResponse(c: Context): NodeResponse | undefined {
  const outgoing = (c.env as { readonly outgoing?: Partial<NodeResponse> } | undefined)?.outgoing
  return typeof outgoing?.setHeader === 'function' &&
    typeof outgoing.getHeader === 'function' &&
    outgoing.headersSent === false
    ? (outgoing as NodeResponse)
    : undefined
}

/** A Node response as a header target: made per request, as a class so that it costs no closures. */
class NodeHeaders implements HeaderTarget {
  readonly #res: NodeResponse
  constructor(res: NodeResponse) {
    this.#res = res
  }
  get(name: string): unknown {
    return this.#res.getHeader(name)
  }
  set(name: string, value: string): void {
    this.#res.setHeader(name, value)
  }
}

/**
 * Sets a request's rate-limit headers, admitted or refused, and returns what must run after the
 * handler (`keepHeaders`), if anything.
 *
 * Under @hono/node-server they go on the Node response itself: @hono/node-server writes the
 * head with `writeHead(status, headers)`, which keeps headers set before it, so they reach every
 * response (`c.text()`, a bare `new Response()`, a `fetch()` passed through, `onLimited`'s, an
 * `app.onError` one) while Hono builds no `Headers` object and `c.text()` keeps its fast path (a
 * plain string body written at once). A header the app's own response sets wins over ours.
 *
 * Elsewhere they go through Hono: before the handler with `c.header()` for an admitted request,
 * on `c.res` for a refusal (so Hono keeps them on whatever `onLimited` returns).
 */
export function setHeaders(
  c: Context,
  headers: readonly HeaderEntry[],
  refused: boolean,
): Map<string, string> | undefined {
  const res = nodeResponse(c)
  if (res !== undefined) {
    applyHeaders(headers, new NodeHeaders(res))
    return undefined
  }
  if (refused) {
    applyHeaders(headers, new ResponseHeaders(c.res.headers))
    return undefined
  }
  return prepareHeaders(c, headers)
}

/** A refusal off Node: `c.res` holds what outer middlewares prepared. */
class ResponseHeaders implements HeaderTarget {
  readonly #headers: Headers
  constructor(headers: Headers) {
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
 * The headers every sluice middleware of a request has prepared so far, name → combined value.
 * Hono offers no way to read `c.header()`'s prepared headers without creating `c.res`, and touching
 * `c.res` before the handler runs makes Hono copy the handler's response into a new one: so the
 * values are kept here.
 */
const prepared = new WeakMap<Context, Map<string, string>>()

/** Prepared headers as a target: written through `c.header()` and remembered. */
class PreparedHeaders implements HeaderTarget {
  readonly #c: Context
  readonly #written: Map<string, string>
  constructor(c: Context, written: Map<string, string>) {
    this.#c = c
    this.#written = written
  }
  get(name: string): unknown {
    return this.#written.get(name)
  }
  set(name: string, value: string): void {
    this.#written.set(name, value)
    this.#c.header(name, value)
  }
}

/**
 * An admitted request off Node: headers go through `c.header()` before the handler runs, so
 * `c.text()`, `c.json()` and the like send them without Hono building a second response; list
 * members of several middlewares combine as `applyHeaders` says, in the order the middlewares run.
 */
function prepareHeaders(c: Context, headers: readonly HeaderEntry[]): Map<string, string> {
  let written = prepared.get(c)
  if (written === undefined) {
    written = new Map()
    prepared.set(c, written)
  }
  applyHeaders(headers, new PreparedHeaders(c, written))
  return written
}

/**
 * After the handler, off Node: a response it built itself (`new Response()`, a `fetch()` passed
 * through) carries none of the prepared headers, so they are set on it, as Hono does for `c.res`
 * headers.
 */
export function keepHeaders(c: Context, written: Map<string, string>): void {
  const first = written.keys().next()
  if (first.done === true) return
  let res = c.res
  if (res.headers.has(first.value)) return
  try {
    for (const [name, value] of written) res.headers.set(name, value)
  } catch {
    // Immutable headers (a fetch() response): a copy of the response takes them.
    c.res = new Response(res.body, res)
    res = c.res
    for (const [name, value] of written) res.headers.set(name, value)
  }
}
