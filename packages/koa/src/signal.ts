import type { ServerResponse } from 'node:http'
import type { AbortSignalLike } from '@sluice/core/http'

/**
 * Aborts when the client goes away before its response is sent (the response closes early; already
 * aborted if it has). Made only for a request that must wait its turn. Its listener is a plain
 * `close` listener on the response, which the wait removes when it runs out: nothing is left behind.
 */
export function closeSignal(res: ServerResponse): AbortSignalLike {
  return {
    get aborted() {
      return res.destroyed || res.writableEnded || res.socket?.destroyed === true
    },
    addEventListener(_type, listener) {
      res.once('close', listener)
    },
    removeEventListener(_type, listener) {
      res.off('close', listener)
    },
  }
}
