/**
 * One app process of the real run (./real.ts): it connects to the Redis target and, per job, issues
 * paced decisions on one key from a start time the parent gives every process, through
 * `hybridStore` over `ioredisStore` (or `ioredisStore` alone for the central baseline), then closes
 * the store (merging what is pending) and answers what it admitted per window.
 */
import { fixedWindow } from '@sluice/core'
import type { Store } from '@sluice/core/store'
import { hybridStore } from '@sluice/hybrid'
import { ioredisStore } from '@sluice/ioredis'
import { Cluster, Redis } from 'ioredis'
import type { RedisTarget } from '../redis/target.ts'

export interface RealJob {
  readonly key: string
  /** 0: every decision goes to Redis (the central baseline). */
  readonly syncIntervalMs: number
  readonly instances: number
  readonly limit: number
  readonly windowMs: number
  readonly ratePerSecond: number
  readonly startAt: number
  readonly durationMs: number
}

export interface RealResult {
  readonly decisions: number
  /** Store API calls made to the shared store (`ioredisStore`). */
  readonly storeCalls: number
  readonly demand: Readonly<Record<string, number>>
  readonly admitted: Readonly<Record<string, number>>
  readonly latenciesMs: readonly number[]
}

const TICK_MS = 5

async function run(shared: Store, job: RealJob): Promise<RealResult> {
  const store =
    job.syncIntervalMs === 0
      ? shared
      : hybridStore({ store: shared, instances: job.instances, syncIntervalMs: job.syncIntervalMs })
  const limit = fixedWindow({ limit: job.limit, window: job.windowMs })
  const demand: Record<string, number> = {}
  const admitted: Record<string, number> = {}
  const latenciesMs: number[] = []
  const pending: Promise<void>[] = []
  let issued = 0
  while (Date.now() < job.startAt) await new Promise((r) => setTimeout(r, 1))
  const end = job.startAt + job.durationMs
  for (let now = Date.now(); now < end; now = Date.now()) {
    const due = Math.floor(((now - job.startAt) * job.ratePerSecond) / 1000)
    for (; issued < due; issued++) {
      const at = Date.now()
      const started = performance.now()
      const w = String(Math.floor(at / job.windowMs))
      demand[w] = (demand[w] ?? 0) + 1
      pending.push(
        store.apply({ key: job.key, limits: [limit], cost: 1, consume: true, now: at }).then(([d]) => {
          latenciesMs.push(performance.now() - started)
          if (d?.allowed) admitted[w] = (admitted[w] ?? 0) + 1
        }),
      )
    }
    await new Promise((r) => setTimeout(r, TICK_MS))
  }
  await Promise.all(pending)
  let storeCalls = issued
  if (store !== shared) {
    await store.close?.()
    storeCalls = (store as ReturnType<typeof hybridStore>).stats().storeCalls
  }
  return { decisions: issued, storeCalls, demand, admitted, latenciesMs }
}

const target = JSON.parse(process.argv[2] as string) as RedisTarget
const client =
  target.topology === 'cluster'
    ? new Cluster(target.nodes.map((n) => ({ ...n })))
    : new Redis({ host: target.nodes[0]?.host, port: target.nodes[0]?.port })
const shared = ioredisStore({ client, timeoutMs: 5000 })
process.on('message', (job: RealJob | 'exit') => {
  if (job === 'exit') {
    void shared.close?.().then(() => client.quit().then(() => process.exit(0)))
    return
  }
  void run(shared, job).then((result) => process.send?.(result))
})
process.send?.('ready')
