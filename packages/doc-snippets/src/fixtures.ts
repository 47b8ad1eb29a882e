// The code a docs block leaves out and the checker adds: preludes (what an excerpt assumes: an
// app, a client, a limiter), epilogues (checks of what a block built) and files written beside it.
// A block names them in its comment: <!-- snippet: prelude=sluice,ioredis-client then=express-login -->.

import { fileURLToPath } from 'node:url'

const checks = JSON.stringify(fileURLToPath(new URL('./checks.ts', import.meta.url)))

/** Code put before a block. Each is real code, so a block with a prelude can run as well. */
export const PRELUDES: Readonly<Record<string, string>> = {
  // The names a short excerpt uses without importing them.
  sluice: `
import { createRateLimiter, fixedWindow, gcra, leakyBucket, slidingLog, slidingWindow, tokenBucket } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
void [createRateLimiter, fixedWindow, gcra, leakyBucket, slidingLog, slidingWindow, tokenBucket, memoryStore]`,

  // An ioredis client on the test Redis, and the store factory.
  'ioredis-client': `
import { ioredisStore } from '@sluice/ioredis'
import { Redis } from 'ioredis'
const client = new Redis(process.env.REDIS_URL ?? 'redis://localhost:6379')
void ioredisStore`,

  // An Express app with a limiter for every route and one for logins, and a login handler that
  // always refuses the password.
  'express-app': `
import { createRateLimiter as __limiter, fixedWindow as __fixedWindow, gcra as __gcra } from '@sluice/core'
import { memoryStore as __memoryStore } from '@sluice/memory'
import express from 'express'
const app = express()
const limiter = __limiter({ store: __memoryStore(), prefix: 'api', algorithm: __gcra({ rate: 100, period: '1m' }) })
const loginLimiter = __limiter({ store: __memoryStore(), prefix: 'login', algorithm: __fixedWindow({ limit: 3, window: '15m' }) })
const handler: express.RequestHandler = (_req, res) => {
  res.status(401).json({ error: 'wrong password' })
}`,

  // What ioredis's constructors take: a URL, and the nodes of a Cluster.
  'client-options': `
import { Cluster, Redis } from 'ioredis'
const url = process.env.REDIS_URL ?? 'redis://localhost:6379'
const nodes = [{ host: '127.0.0.1', port: 7000 }]`,

  // A limiter whose limits come from rules.
  'rules-limiter': `
import { createRateLimiter as __limiter, parseRules as __parseRules } from '@sluice/core'
import { memoryStore as __memoryStore } from '@sluice/memory'
const limiter = __limiter({
  store: __memoryStore(),
  rules: __parseRules({
    domain: 'api',
    descriptors: [{ key: 'route', value: '/login', rate_limit: { unit: 'minute', requests_per_unit: 5 } }],
  }),
})`,

  // Somewhere to count store faults.
  metrics: `
const metrics = { increment: (name: string): void => void name }`,

  // A limiter on the test Redis, for the shutdown order.
  'ioredis-limiter': `
import { createRateLimiter as __limiter, gcra as __gcra } from '@sluice/core'
import { ioredisStore as __ioredisStore } from '@sluice/ioredis'
import { Redis as __Redis } from 'ioredis'
const redis = new __Redis(process.env.REDIS_URL ?? 'redis://localhost:6379')
const store = __ioredisStore({ client: redis })
const limiter = __limiter({ store, algorithm: __gcra({ rate: 10, period: '1s' }) })
await limiter.limit('user:42')`,

  // The address and token of the local Upstash-compatible server (\`pnpm services\` prints them).
  'upstash-local': `
const url = process.env.UPSTASH_REDIS_REST_URL ?? 'http://127.0.0.1:40020'
const token = process.env.UPSTASH_REDIS_REST_TOKEN ?? ''`,

  // The demo's HTTP server: one route per algorithm.
  'demo-route': `
import { gcra as __gcra } from '@sluice/core'
import { rateLimit } from '@sluice/express'
import express from 'express'
const app = express()
const algorithm = __gcra({ rate: 10, period: 1000 })
const label = 'gcra'
const handler: express.RequestHandler = (_req, res) => {
  res.json({ ok: true })
}`,
}

/** Code put after a `run` block: it checks over HTTP what the block built. */
export const EPILOGUES: Readonly<Record<string, string>> = {
  // An Express app (\`app\`) whose POST /login is limited per e-mail by the "login" policy.
  'express-login': `
import { loginIsLimitedPerEmail as __login, overHttp as __overHttp } from ${checks}
await __overHttp(app, __login)`,

  // The same, plus GET /me showing the decision.
  'express-login-me': `
import { loginIsLimitedPerEmail as __login, meShowsWhatIsLeft as __me, overHttp as __overHttp } from ${checks}
await __overHttp(app, async (base) => {
  await __login(base)
  await __me(base)
})`,

  // A Koa app (\`app\`) with the same routes.
  'koa-login-me': `
import { loginIsLimitedPerEmail as __login, meShowsWhatIsLeft as __me, overHttp as __overHttp } from ${checks}
await __overHttp(app, async (base) => {
  await __login(base)
  await __me(base)
})`,

  // A Fastify app (\`app\`, plugins loaded) with the same routes as the Express one.
  'fastify-login-me': `
import { loginIsLimitedPerEmail as __login, meShowsWhatIsLeft as __me } from ${checks}
const __base = await app.listen({ port: 0, host: '127.0.0.1' })
try {
  await __login(__base)
  await __me(__base)
} finally {
  await app.close()
}`,

  // A listening Nest app (\`app\`) with the same routes.
  'nest-login-me': `
import { loginIsLimitedPerEmail as __login, meShowsWhatIsLeft as __me } from ${checks}
const __base = (await app.getUrl()).replace('[::1]', '127.0.0.1')
await __login(__base)
await __me(__base)
await app.close()`,

  // A Hono app (\`app\`) whose GET / shows what is left.
  'hono-root': `
import { honoRootShowsWhatIsLeft as __root } from ${checks}
await __root(app)`,
}

/** Files written beside a block (\`with=my-store\`), at a path relative to the block's folder. */
export const FIXTURE_FILES: Readonly<Record<string, { readonly path: string; readonly code: string }>> = {
  // A store factory for a conformance test file to import: the memory store under another name.
  'my-store': {
    path: 'src/index.ts',
    code: `export { memoryStore as myStore } from '@sluice/memory'\n`,
  },
}
