import { describeBinding } from '@sluice/binding-conformance'
import { createRateLimiter, fixedWindow } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import express from 'express'
import { expect, it } from 'vitest'
import { rateLimit } from '../src/index.ts'
import { expressAdapter } from './support/adapter.ts'

describeBinding('Express 5', expressAdapter(express), { store: () => memoryStore() })

it('rateLimit() returns a named Express middleware of three parameters', () => {
  const limiter = createRateLimiter({
    store: memoryStore(),
    algorithm: fixedWindow({ limit: 1, window: '1s' }),
  })
  expect(rateLimit({ limiter }).name).toBe('rateLimit')
  expect(rateLimit({ limiter }).length).toBe(3)
})
