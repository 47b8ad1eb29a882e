// Bundled by edge.test.ts into one script for the Edge Runtime VM: core, this store and
// @upstash/redis, with the export conditions edge bundlers use. It puts one function on the
// VM's global object that runs real decisions over the VM's fetch and returns them as JSON.

import { createRateLimiter, fixedWindow, slidingWindow, tokenBucket } from '@sluice/core'
import { Redis } from '@upstash/redis'
import { upstashStore } from '../../src/index.ts'

interface Settings {
  readonly url: string
  readonly token: string
  readonly prefix: string
}

async function runLimiter({ url, token, prefix }: Settings): Promise<string> {
  const client = new Redis({ url, token })
  const store = upstashStore({ client, prefix, timeoutMs: 10_000 })
  const limiter = createRateLimiter({ store, algorithm: fixedWindow({ limit: 3, window: '1h' }) })
  const sequential: boolean[] = []
  for (let i = 0; i < 5; i++) sequential.push((await limiter.limit('edge-user')).allowed)
  const remainingAfterReset = await limiter.reset('edge-user').then(() => limiter.peek('edge-user'))

  const composite = createRateLimiter({
    store,
    algorithm: [
      tokenBucket({ capacity: 10, refillRate: 1, refillInterval: '1h' }),
      slidingWindow({ limit: 7, window: '1h' }),
    ],
  })
  const concurrent = await Promise.all(Array.from({ length: 20 }, () => composite.limit('edge-hot')))

  const wrong = upstashStore({ client: new Redis({ url, token: 'not-the-token', retry: false }), prefix })
  const refused = await wrong
    .apply({
      key: 'k',
      limits: [fixedWindow({ limit: 1, window: 1000 })],
      cost: 1,
      consume: true,
      now: undefined,
    })
    .then(
      () => 'allowed?!',
      (error: Error) => `${error.name}: ${error.message}`,
    )
  await store.close?.()

  const g = globalThis as Record<string, unknown>
  return JSON.stringify({
    runtime: typeof g.EdgeRuntime === 'string' ? g.EdgeRuntime : undefined,
    hasProcess: typeof g.process !== 'undefined',
    hasRequire: typeof g.require !== 'undefined',
    hasBuffer: typeof g.Buffer !== 'undefined',
    sequential,
    remainingAfterReset: remainingAfterReset.remaining,
    concurrentAllowed: concurrent.filter((d) => d.allowed).length,
    refused,
  })
}

;(globalThis as Record<string, unknown>).runLimiter = runLimiter
