import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Algorithm, createRateLimiter, type LeakyBucketParams } from '@sluice/core'
import { rateLimit } from '@sluice/express'
import { memoryStore } from '@sluice/memory'
import express, { type Express } from 'express'
import type { Contender } from '../algorithms.ts'
import { largest } from '../metrics.ts'

/** A running demo server: where it listens, and how to stop it leaving no handle behind. */
export interface DemoServer {
  /** e.g. `http://127.0.0.1:41235` */
  readonly url: string
  /** The leaky bucket's `maxDelayMs`: the wait of a full queue. */
  readonly maxDelayMs: number
  close(): Promise<void>
}

/** The body of an admitted request: how long the middleware held it (leaky bucket shaping). */
export interface AdmittedBody {
  readonly delayMs: number
}

/** The path of one algorithm's route for one traffic pattern. */
export const routeOf = (label: string, patternId: string): string =>
  `/${label}/${encodeURIComponent(patternId)}`

/**
 * The wait of a full leaky-bucket queue: `capacity` requests behind the one leaving now, one
 * leaving every leakInterval / leakRate. As `maxDelayMs`, no request the bucket admits is refused.
 */
function fullQueueWaitMs(algorithm: Algorithm): number {
  if (algorithm.kind !== 'leakyBucket') return 0
  const { capacity, leakRate, leakIntervalMs } = algorithm.params as LeakyBucketParams
  return Math.ceil((capacity * leakIntervalMs) / leakRate)
}

/**
 * One route per algorithm, `GET /<algorithm>/<pattern>`, each with its own limiter on its own
 * `memoryStore()`. The key is the pattern, so each pattern starts on a fresh budget, like the
 * simulation's fresh store per run, even while the previous pattern's shaped requests still wait.
 */
function createDemoApp(contenders: readonly Contender[], clock: (() => number) | undefined): Express {
  const app = express()
  for (const { label, algorithm } of contenders) {
    // A handful of keys per route: a small maxKeys keeps each store cheap to create (lru-cache
    // allocates its arrays for maxKeys up front; the default 100,000 costs ~3 MB and ~40 ms).
    const limiter = createRateLimiter({
      store: memoryStore({ maxKeys: 100 }),
      algorithm,
      ...(clock === undefined ? {} : { clock }),
    })
    const shaping = algorithm.kind === 'leakyBucket' ? { maxDelayMs: fullQueueWaitMs(algorithm) } : {}
    app.get(
      `/${label}/:pattern`,
      rateLimit({ limiter, key: (req) => req.params.pattern as string, ...shaping }),
      (req, res) => {
        const body: AdmittedBody = { delayMs: req.rateLimit?.delayMs ?? 0 }
        res.json(body)
      },
    )
  }
  return app
}

/** Starts the demo app on 127.0.0.1 on a free port; the limiters read `clock` if given (tests). */
export async function startDemoServer(
  contenders: readonly Contender[],
  clock?: () => number,
): Promise<DemoServer> {
  const server = createServer(createDemoApp(contenders, clock))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    maxDelayMs: largest(
      contenders.map((c) => fullQueueWaitMs(c.algorithm)),
      0,
    ),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)))
        // Keep-alive sockets from fetch would otherwise hold the server (and the process) open.
        server.closeAllConnections()
      }),
  }
}
