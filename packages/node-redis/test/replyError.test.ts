// Which errors the store takes for the server's reply (NOSCRIPT to answer with EVAL, an ACL refusing
// INFO to trust): node-redis's ErrorReply of every major, and the same by its message where a
// bundler renamed the class; never a lost connection.
import * as redis6 from 'redis'
import * as redis4 from 'redis4'
import * as redis5 from 'redis5'
import { describe, expect, it } from 'vitest'
import { isReplyError } from '../src/errors.ts'

describe('isReplyError', () => {
  it.each([
    ['v4', redis4.ErrorReply],
    ['v5', redis5.ErrorReply],
    ['v6', redis6.ErrorReply],
  ])("is true for node-redis %s's ErrorReply", (_, ErrorReply) => {
    expect(isReplyError(new ErrorReply('NOSCRIPT No matching script. Please use EVAL.'))).toBe(true)
    // Whatever its text: the class says it came from the server.
    expect(isReplyError(new ErrorReply('weird reply'))).toBe(true)
  })

  it('is true for a renamed class whose message opens with a Redis error code', () => {
    class E extends Error {}
    expect(isReplyError(new E('NOSCRIPT No matching script. Please use EVAL.'))).toBe(true)
    expect(isReplyError(new E("NOPERM User u has no permissions to run the 'info' command"))).toBe(true)
  })

  it.each([
    ['v4', redis4],
    ['v5', redis5],
    ['v6', redis6],
  ])("is false for node-redis %s's connection errors and anything not an Error", (_, lib) => {
    const errors = lib as unknown as Record<string, new () => Error>
    for (const name of ['ClientClosedError', 'ClientOfflineError', 'SocketClosedUnexpectedlyError']) {
      const ErrorClass = errors[name]
      expect(ErrorClass, name).toBeTypeOf('function')
      expect(isReplyError(new (ErrorClass as new () => Error)()), name).toBe(false)
    }
    expect(isReplyError(new Error('connect ECONNREFUSED 127.0.0.1:6379'))).toBe(false)
    expect(isReplyError('NOSCRIPT')).toBe(false)
  })
})
