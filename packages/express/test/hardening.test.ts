import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRateLimiter, fixedWindow, type Store, StoreError, tokenBucket } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import express from 'express'
import fc from 'fast-check'
import { afterAll, expect, it } from 'vitest'
import { rateLimit } from '../src/index.ts'

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const VALUE = /^[\x20-\x7e]*$/
const servers: Server[] = []
afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))))

/** A store whose every call fails, as a dead Redis's does (the chaos tests use a real one). */
const deadStore = (): Store => ({
  ...memoryStore(),
  applySync: undefined,
  apply: () => Promise.reject(new StoreError('connection refused')),
})

async function serve(options: object): Promise<string> {
  const app = express()
  app.use(rateLimit(options as never))
  app.get('/', (_req, res) => {
    res.send('ok')
  })
  app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).send('error handler')
  })
  const server = createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const nameArb = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  fc.constantFrom('x\r\nSet-Cookie: a=1', 'say "hi"', 'ünï', '\ud83d', 'a;q=1, "b"'),
)
// What a client can put in a header, and what a key function may add to it.
const userArb = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 20,
})

it('hostile header values, keys and policy names: only 200, 429 or 503, well-formed headers, and no body echoing the key', async () => {
  await fc.assert(
    fc.asyncProperty(
      userArb,
      nameArb,
      fc.option(nameArb, { nil: undefined }),
      fc.constantFrom('healthy', 'deny', 'allow'),
      async (user, limitName, policyName, mode) => {
        const limiter = createRateLimiter({
          store: mode === 'healthy' ? memoryStore() : deadStore(),
          algorithm: [
            fixedWindow({ limit: 1, window: '1m', name: `x${limitName}` }),
            tokenBucket({ capacity: 2, refillRate: 1, name: `x${limitName}/tb` }),
          ],
          onStoreError: mode === 'allow' ? 'allow' : 'deny',
        })
        const url = await serve({
          limiter,
          key: (req: express.Request) => `${req.get('x-user')}\r\n\u00e9<victim@example.com>`,
          policyName,
          headers: 'both',
        })
        for (let i = 0; i < 3; i++) {
          const res = await fetch(url, { headers: { 'x-user': user } })
          const body = await res.text()
          expect([200, 429, 503]).toContain(res.status)
          expect(res.status === 503).toBe(mode === 'deny')
          expect(body).not.toContain('victim@example.com')
          res.headers.forEach((value, name) => {
            expect(name).toMatch(TOKEN)
            expect(value).toMatch(VALUE)
          })
          if (mode !== 'healthy') expect(res.headers.get('ratelimit')).toBeNull()
          if (res.status !== 200) expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
        }
      },
    ),
    { numRuns: 40 },
  )
}, 60_000)
