import { createRateLimiter, fixedWindow } from '@sluice/core'
import { expect, it } from 'vitest'
import { memoryStore } from '../src/index.ts'

it('resolves @sluice/core from source', async () => {
  const limiter = createRateLimiter({ store: memoryStore(), algorithm: fixedWindow({ limit: 1, window: '1s' }) })
  expect((await limiter.limit('a')).allowed).toBe(true)
  expect((await limiter.limit('a')).allowed).toBe(false)
})
