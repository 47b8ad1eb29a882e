// When a Node response ends (Express, Koa, Fastify, Nest): its status, or that the client left first.
import type { ResponseEnd } from './bindingEvents.ts'

/** The part of a `node:http` ServerResponse that tells how it ended. */
export interface NodeResponseLike {
  readonly statusCode: number
  readonly writableFinished: boolean
  once(event: 'close', listener: () => void): unknown
}

/**
 * Calls `listener` once, when `res` closes: with its status when it was sent in full, `'aborted'`
 * when the connection closed first. One `close` listener, since Node emits `close` after `finish`
 * too: it cannot fire twice.
 *
 * @example
 * onResponseEnd(res, (end) => settle(decision, req, res, end))
 */
export function onResponseEnd(res: NodeResponseLike, listener: (end: ResponseEnd) => void): void {
  if ((res as { closed?: boolean }).closed === true) {
    listener(res.writableFinished ? res.statusCode : 'aborted')
    return
  }
  res.once('close', () => listener(res.writableFinished ? res.statusCode : 'aborted'))
}
