// What a guard writes on the platform response before it throws: headers, and when the client leaves.

import * as nest from '@nestjs/common'
import type { AbortSignalLike, HeaderTarget } from '@sluice/core/http'

/** Express's response (a Node `ServerResponse`) or Fastify's reply (which wraps one as `raw`). */
interface NodeResponse {
  getHeader(name: string): unknown
  setHeader(name: string, value: string): unknown
  once(event: 'close', listener: () => void): unknown
  readonly writableEnded: boolean
  readonly req?: { readonly socket?: { readonly destroyed: boolean } | null }
}
interface FastifyReply {
  readonly raw: NodeResponse
  getHeader(name: string): unknown
  header(name: string, value: string): unknown
}
export type PlatformResponse = NodeResponse | FastifyReply

const isFastify = (res: PlatformResponse): res is FastifyReply =>
  typeof (res as NodeResponse).setHeader !== 'function'

/** The platform response as a header target: Fastify keeps its own headers until it sends. */
export class ResponseHeaders implements HeaderTarget {
  readonly #res: PlatformResponse
  constructor(res: PlatformResponse) {
    this.#res = res
  }
  get(name: string): unknown {
    return this.#res.getHeader(name)
  }
  set(name: string, value: string): void {
    if (isFastify(this.#res)) this.#res.header(name, value)
    else this.#res.setHeader(name, value)
  }
}

/**
 * Nest 12's Express adapter sends any `+json` type as set. Nest 11's replaces every type but
 * `application/json` on an error body, logging a warning per response, so there the type is left
 * to Nest (`application/json`). Nest 12 is told apart by an export it added.
 */
const expressKeepsProblemType = 'Cookies' in nest

/**
 * Marks the response as a problem+json one before the exception is thrown: Nest's filter then sends
 * the exception's body object under this type (Express and Fastify add `; charset=utf-8`, as to any
 * JSON body they serialise).
 */
export function problemResponse(res: PlatformResponse, contentType: string): void {
  if (isFastify(res)) res.header('Content-Type', contentType)
  else if (expressKeepsProblemType) res.setHeader('Content-Type', contentType)
}

/** Aborts when the client goes away (already aborted if it has): ends a shaping wait early. */
export function closeSignal(res: PlatformResponse): AbortSignalLike {
  const raw = isFastify(res) ? res.raw : res
  const controller = new AbortController()
  if (raw.req?.socket?.destroyed !== false || raw.writableEnded) controller.abort()
  else raw.once('close', () => controller.abort())
  return controller.signal
}
