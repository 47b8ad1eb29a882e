import { type ServerType, serve as serveNode } from '@hono/node-server'
import { createRateLimiter, fixedWindow, type Store, StoreError, tokenBucket } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import fc from 'fast-check'
import { type Context, Hono } from 'hono'
import { afterAll, expect, it } from 'vitest'
import { rateLimit } from '../src/index.ts'

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const VALUE = /^[\x20-\x7e]*$/
const servers: ServerType[] = []
afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))))

/** A store whose every call fails, as a dead Redis's does (the chaos tests use a real one). */
const deadStore = (): Store => ({
  ...memoryStore(),
  applySync: undefined,
  apply: () => Promise.reject(new StoreError('connection refused')),
})

async function serve(options: object): Promise<string> {
  const app = new Hono()
  app.onError((_error, c) => c.text('error handler', 500))
  app.use(rateLimit(options as never))
  app.get('/', (c) => c.text('ok'))
  const port = await new Promise<number>((resolve) => {
    servers.push(
      serveNode({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port)),
    )
  })
  return `http://127.0.0.1:${port}`
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
          key: (c: Context) => `${c.req.header('x-user')}\r\n\u00e9<victim@example.com>`,
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
