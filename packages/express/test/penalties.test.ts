// Penalties through the binding: a blocked key is answered 429 with Retry-After to the block's end.
import type { AddressInfo } from 'node:net'
import { createRateLimiter, fixedWindow } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import express from 'express'
import { afterAll, expect, it } from 'vitest'
import { rateLimit } from '../src/index.ts'

const T0 = 1_700_000_000_000
const now = { t: T0 }
const limiter = createRateLimiter({
  store: memoryStore(),
  algorithm: fixedWindow({ limit: 1, window: '1s' }),
  clock: () => now.t,
  blockDuration: '1m',
})
const app = express()
app.use(rateLimit({ limiter, key: (req) => String(req.headers['x-user'] ?? 'anonymous') }))
app.get('/', (_req, res) => {
  res.send('ok')
})
const server = app.listen(0, '127.0.0.1')
afterAll(() => new Promise<void>((done) => server.close(() => done())))

const get = async (user: string) => {
  if (!server.listening) await new Promise((ready) => server.once('listening', ready))
  const { port } = server.address() as AddressInfo
  return fetch(`http://127.0.0.1:${port}/`, { headers: { 'x-user': user } })
}

it('a denial blocks the key: 429 with Retry-After to the end of the block, then ok once it ends', async () => {
  expect((await get('a')).status).toBe(200)
  const denied = await get('a')
  expect(denied.status).toBe(429)
  expect(denied.headers.get('retry-after')).toBe('60')
  now.t = T0 + 45_000 // the window rolled long ago; the block has 15 s to go
  const blocked = await get('a')
  expect(blocked.status).toBe(429)
  expect(blocked.headers.get('retry-after')).toBe('15')
  expect((await get('b')).status).toBe(200)
  now.t = T0 + 60_000
  expect((await get('a')).status).toBe(200)
})

it('limiter.ban and unban act on the binding at once', async () => {
  await limiter.ban('c', '2h')
  const banned = await get('c')
  expect(banned.status).toBe(429)
  expect(banned.headers.get('retry-after')).toBe('7200')
  await limiter.unban('c')
  expect((await get('c')).status).toBe(200)
})
