/**
 * Billed commands per decision on Upstash: Upstash bills a script call as the EVAL/EVALSHA plus
 * every command the script runs. Counted from redis-server's `INFO commandstats` (which counts the
 * commands scripts run too) around one decision at a time, through the local Upstash server, for
 * sluice's upstash store and @upstash/ratelimit, admitted and denied. Deterministic: one decision
 * in flight, a fixed clock for sluice, the script already loaded (a warm-up decision first), and
 * both libraries' in-memory denial caches off (with them on, a repeated denial costs nothing).
 */
import { redisCommand } from '@sluice/test-services'
import { Redis as UpstashRedis } from '@upstash/redis'

export type BilledAlgorithm = 'fixedWindow' | 'slidingWindow' | 'tokenBucket' | 'gcra' | 'slidingLog'

export interface BilledCost {
  /** Commands per admitted decision, on average over the admitted decisions of a fresh key. */
  readonly admitted: number
  /** Commands per denied decision, on average. */
  readonly denied: number
}

export interface BilledTarget {
  /** The local Upstash server. */
  readonly url: string
  readonly token: string
  /** The redis-server behind it, for INFO commandstats. */
  readonly redis: { readonly host: string; readonly port: number }
}

type Decide = (key: string) => Promise<boolean>

const LIMIT = 5
const DENIED = 5
const WINDOW_MS = 3_600_000

/** Every command's calls, INFO's own excluded. */
async function commandCalls(redis: BilledTarget['redis']): Promise<number> {
  const info = String(await redisCommand(redis, ['INFO', 'commandstats']))
  let total = 0
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (match[1] !== 'info') total += Number(match[2])
  }
  return total
}

async function sluiceDecide(
  client: UpstashRedis,
  algorithm: BilledAlgorithm,
  prefix: string,
): Promise<Decide> {
  const core = await import('@sluice/core')
  const { upstashStore } = await import('@sluice/upstash')
  const algorithms = {
    fixedWindow: () => core.fixedWindow({ limit: LIMIT, window: WINDOW_MS }),
    slidingWindow: () => core.slidingWindow({ limit: LIMIT, window: WINDOW_MS }),
    tokenBucket: () => core.tokenBucket({ capacity: LIMIT, refillRate: LIMIT, refillInterval: WINDOW_MS }),
    gcra: () => core.gcra({ rate: LIMIT, period: WINDOW_MS }),
    slidingLog: () => core.slidingLog({ limit: LIMIT, window: WINDOW_MS }),
  }
  const limiter = core.createRateLimiter({
    store: upstashStore({ client }),
    algorithm: algorithms[algorithm](),
    prefix,
    denyCache: false,
    // Mid-window, so no window or refill boundary falls among the decisions.
    clock: () => 1_700_000_000_000 + WINDOW_MS / 2,
  })
  return async (key) => (await limiter.limit(key)).allowed
}

async function peerDecide(client: UpstashRedis, algorithm: BilledAlgorithm, prefix: string): Promise<Decide> {
  if (algorithm === 'gcra' || algorithm === 'slidingLog')
    throw new Error(`@upstash/ratelimit has no ${algorithm}`)
  const { Ratelimit } = await import('@upstash/ratelimit')
  const window = `${WINDOW_MS} ms` as const
  const limiter =
    algorithm === 'fixedWindow'
      ? Ratelimit.fixedWindow(LIMIT, window)
      : algorithm === 'slidingWindow'
        ? Ratelimit.slidingWindow(LIMIT, window)
        : Ratelimit.tokenBucket(LIMIT, window, LIMIT)
  const ratelimit = new Ratelimit({ redis: client, limiter, prefix, ephemeralCache: false })
  return async (key) => (await ratelimit.limit(key)).success
}

/**
 * The billed commands of `LIMIT` admitted then `DENIED` denied decisions on one fresh key, after a
 * warm-up decision on another key (which loads the script).
 *
 * @example
 * const cost = await billedCommands(target, 'sluice', 'fixedWindow') // { admitted: 2.2, denied: 2 }
 */
export async function billedCommands(
  target: BilledTarget,
  library: 'sluice' | '@upstash/ratelimit',
  algorithm: BilledAlgorithm,
): Promise<BilledCost> {
  const client = new UpstashRedis({ url: target.url, token: target.token, enableAutoPipelining: false })
  const prefix = `billed:${library}:${algorithm}:${Math.random().toString(36).slice(2)}`
  const decide =
    library === 'sluice'
      ? await sluiceDecide(client, algorithm, prefix)
      : await peerDecide(client, algorithm, prefix)
  await decide('warm-up')
  const costs = { admitted: [] as number[], denied: [] as number[] }
  for (let i = 0; i < LIMIT + DENIED; i++) {
    const before = await commandCalls(target.redis)
    const allowed = await decide('key')
    costs[allowed ? 'admitted' : 'denied'].push((await commandCalls(target.redis)) - before)
  }
  if (costs.admitted.length !== LIMIT || costs.denied.length !== DENIED) {
    throw new Error(
      `${library} ${algorithm}: expected ${LIMIT} admitted then ${DENIED} denied, got ${costs.admitted.length} and ${costs.denied.length}`,
    )
  }
  const mean = (list: number[]) => list.reduce((t, n) => t + n, 0) / list.length
  return { admitted: mean(costs.admitted), denied: mean(costs.denied) }
}
