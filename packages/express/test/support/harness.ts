import { type Algorithm, createRateLimiter, fixedWindow, type RateLimiter, type Store } from '@sluice/core'
import type express from 'express'
import type { ErrorRequestHandler, RequestHandler } from 'express'
import { serve } from './server.ts'

/** A limiter clock 42 s before a minute boundary: every 1-minute window shows t=42. */
export const NOW = 1_699_999_998_000

export interface SuiteOptions {
  /** The Express under test (5, or 4 through its alias). */
  readonly express: typeof express
  /** A fresh, empty store per test. */
  readonly store: () => Store
  /** Also the cases that do not depend on the store (custom responses, disconnects, faults). */
  readonly full: boolean
}

export interface Harness {
  readonly store: () => Store
  /** A limiter on a fresh store whose clock stands still at `NOW`. */
  limiterOf(algorithm: Algorithm | Algorithm[]): RateLimiter
  /** `fixedWindow({ limit, window: '1m', name })` on a fresh store at `NOW`. */
  perMinute(limit: number, name?: string): RateLimiter
  /** Serves `middlewares` before a handler that echoes `req.ip` and `req.rateLimit`, plus an error handler. */
  app(
    middlewares: RequestHandler[],
    setup?: (app: ReturnType<typeof express>) => void,
  ): Promise<{ url: string; errors: unknown[]; handled: () => number }>
}

export function harness({ express, store }: SuiteOptions): Harness {
  const limiterOf = (algorithm: Algorithm | Algorithm[]): RateLimiter =>
    createRateLimiter({ store: store(), algorithm, clock: () => NOW })
  const perMinute = (limit: number, name = 'api') => limiterOf(fixedWindow({ limit, window: '1m', name }))

  /** An app with `middlewares` before a handler that echoes `req.rateLimit`, and an error handler. */
  async function app(
    middlewares: RequestHandler[],
    setup?: (app: ReturnType<typeof express>) => void,
  ): Promise<{ url: string; errors: unknown[]; handled: () => number }> {
    const a = express()
    setup?.(a)
    let handled = 0
    const errors: unknown[] = []
    a.use(...middlewares, (req, res) => {
      handled++
      res.json({ ip: req.ip, rateLimit: req.rateLimit ?? null })
    })
    const onError: ErrorRequestHandler = (err, _req, res, _next) => {
      errors.push(err)
      res.status(500).json({ error: (err as Error).name, message: (err as Error).message })
    }
    a.use(onError)
    return { url: await serve(a), errors, handled: () => handled }
  }

  return { store, limiterOf, perMinute, app }
}
