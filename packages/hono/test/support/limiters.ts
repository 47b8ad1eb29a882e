import { createRateLimiter, fixedWindow, type RateLimiter } from '@sluice/core'
import { memoryStore } from '@sluice/memory'

/** A fresh in-memory limiter: `limit` requests per minute. */
export function perMinute(limit: number): RateLimiter {
  return createRateLimiter({ store: memoryStore(), algorithm: fixedWindow({ limit, window: '1m' }) })
}

/** What an `app.onError` saw: the error of the last request that failed. */
export function errorRecorder(): {
  errors: Error[]
  onError: (err: Error, c: { text(s: string, status: 500): Response }) => Response
} {
  const errors: Error[] = []
  return {
    errors,
    onError: (err, c) => {
      errors.push(err)
      return c.text(`${err.name}: ${err.message}`, 500)
    },
  }
}
