import { ConfigError, createRateLimiter, fixedWindow } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import express from 'express'
import { describe, expect, it } from 'vitest'
import { rateLimit } from '../src/index.ts'
import { describeRateLimit } from './support/suite.ts'

describeRateLimit('Express 5, memory store', { express, store: () => memoryStore(), full: true })

describe('rateLimit() construction', () => {
  const limiter = createRateLimiter({
    store: memoryStore(),
    algorithm: fixedWindow({ limit: 1, window: '1s' }),
  })

  it('throws a ConfigError that says what to do', () => {
    expect(() => rateLimit(undefined as never)).toThrow(ConfigError)
    expect(() => rateLimit({} as never)).toThrow(/limiter is missing; create one with createRateLimiter/)
    expect(() => rateLimit({ limiter, key: 'ip' as never })).toThrow(/key must be \(req\) => string/)
    expect(() => rateLimit({ limiter, headers: 'draft-6' as never })).toThrow(/headers must be 'draft-10'/)
    expect(() => rateLimit({ limiter, windowMs: 1000 } as never)).toThrow(/unknown option "windowMs"/)
  })

  it('returns a named Express middleware', () => {
    expect(rateLimit({ limiter }).name).toBe('rateLimit')
    expect(rateLimit({ limiter }).length).toBe(3)
  })
})
