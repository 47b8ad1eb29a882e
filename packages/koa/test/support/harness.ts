// A Koa app per test around the middlewares under test, and limiters on a still clock.
import { type Algorithm, createRateLimiter, fixedWindow, type RateLimiter, type Store } from '@sluice/core'
import type Koa from 'koa'
import type { Middleware } from 'koa'
import { serve } from './servers.ts'

/** A limiter clock 42 s before a minute boundary: every 1-minute window shows t=42. */
export const NOW = 1_699_999_998_000

export interface SuiteOptions {
  /** The Koa under test (3, or 2 through its alias). */
  readonly Koa: typeof Koa
  /** A fresh, empty store per test. */
  readonly store: () => Store
  /** Also the cases that do not depend on the store (custom responses, disconnects, faults). */
  readonly full: boolean
}

export interface Harness {
  readonly store: () => Store
  /** A limiter on a fresh store whose clock stands still at `NOW` unless given one. */
  limiterOf(algorithm: Algorithm | Algorithm[], clock?: () => number): RateLimiter
  /** `fixedWindow({ limit, window: '1m', name })` on a fresh store at `NOW`. */
  perMinute(limit: number, name?: string): RateLimiter
  /**
   * An app with `middlewares` before a handler that echoes `ctx.ip` and `ctx.state.rateLimit`;
   * errors go to Koa's own error handling (a 500) and are collected from `app.on('error')`.
   */
  app(
    middlewares: Middleware[],
    setup?: (app: Koa) => void,
  ): Promise<{ url: string; errors: unknown[]; handled: () => number }>
}

export function harness({ Koa, store }: SuiteOptions): Harness {
  const limiterOf = (algorithm: Algorithm | Algorithm[], clock: () => number = () => NOW) =>
    createRateLimiter({ store: store(), algorithm, clock })
  const perMinute = (limit: number, name = 'api') => limiterOf(fixedWindow({ limit, window: '1m', name }))

  async function app(
    middlewares: Middleware[],
    setup?: (app: Koa) => void,
  ): Promise<{ url: string; errors: unknown[]; handled: () => number }> {
    const a = new Koa()
    setup?.(a)
    let handled = 0
    const errors: unknown[] = []
    a.on('error', (error) => errors.push(error))
    for (const middleware of middlewares) a.use(middleware)
    a.use((ctx) => {
      handled++
      ctx.body = { ip: ctx.ip, rateLimit: ctx.state.rateLimit ?? null }
    })
    return { url: await serve(a), errors, handled: () => handled }
  }

  return { store, limiterOf, perMinute, app }
}
