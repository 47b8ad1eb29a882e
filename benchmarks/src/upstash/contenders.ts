/**
 * The contenders on Upstash REST: sluice's upstash store under each algorithm, @upstash/ratelimit
 * under its three (fixed window, sliding window, token bucket), and a floor. Each is handed an
 * @upstash/redis client of its own, made as its README shows (`new Redis({ url, token })`,
 * defaults: automatic pipelining on), and writes its decision as its users would:
 * `(await limiter.limit(key)).allowed` or `(await ratelimit.limit(key)).success`.
 */
// Type-only imports: each worker loads only the library of the contender it runs (see `load`).
import type { Algorithm } from '@sluice/core'
import type { Redis } from '@upstash/redis'

interface LimitConfig {
  readonly limit: number
  readonly windowMs: number
}

export type Decide = (key: string) => Promise<boolean>

/** Makes a fresh limiter on `client` whose keys all start with `namespace`; returns its decision. */
type UpstashFactory = (client: Redis, config: LimitConfig, namespace: string) => Promise<Decide>

export interface UpstashContender {
  readonly name: string
  readonly group: 'sluice' | 'peer' | 'floor'
  load(): Promise<UpstashFactory>
}

type Shared = 'fixedWindow' | 'slidingWindow' | 'tokenBucket'
type SluiceAlgorithm = Shared | 'gcra'
type Core = typeof import('@sluice/core')

const ALGORITHMS: Record<SluiceAlgorithm, (core: Core, c: LimitConfig) => Algorithm> = {
  fixedWindow: (core, { limit, windowMs }) => core.fixedWindow({ limit, window: windowMs }),
  slidingWindow: (core, { limit, windowMs }) => core.slidingWindow({ limit, window: windowMs }),
  tokenBucket: (core, { limit, windowMs }) =>
    core.tokenBucket({ capacity: limit, refillRate: limit, refillInterval: windowMs }),
  gcra: (core, { limit, windowMs }) => core.gcra({ rate: limit, period: windowMs }),
}

function sluice(algorithm: SluiceAlgorithm): UpstashContender {
  return {
    name: `sluice ${algorithm}`,
    group: 'sluice',
    async load() {
      const core = await import('@sluice/core')
      const { upstashStore } = await import('@sluice/upstash')
      return async (client, config, namespace) => {
        const limiter = core.createRateLimiter({
          // A longer deadline than the default: a slow moment of a shared machine must not end the run.
          store: upstashStore({ client, timeoutMs: 30_000 }),
          algorithm: ALGORITHMS[algorithm](core, config),
          prefix: namespace,
        })
        return async (key) => (await limiter.limit(key)).allowed
      }
    },
  }
}

/**
 * @upstash/ratelimit as its README shows it, defaults kept: among them an in-memory "ephemeral
 * cache" of keys known to be over their limit until their reset, which answers those keys'
 * denials without a request (see the denied variant), and no analytics.
 */
function upstashRatelimit(algorithm: Shared): UpstashContender {
  return {
    name: `@upstash/ratelimit ${algorithm}`,
    group: 'peer',
    async load() {
      const { Ratelimit } = await import('@upstash/ratelimit')
      return async (client, { limit, windowMs }, namespace) => {
        const window = `${windowMs} ms` as const
        const limiter =
          algorithm === 'fixedWindow'
            ? Ratelimit.fixedWindow(limit, window)
            : algorithm === 'slidingWindow'
              ? Ratelimit.slidingWindow(limit, window)
              : Ratelimit.tokenBucket(limit, window, limit)
        const ratelimit = new Ratelimit({ redis: client, limiter, prefix: namespace })
        return async (key) => (await ratelimit.limit(key)).success
      }
    },
  }
}

/** The floor's script: the least a Redis fixed window can do in one script call. */
const FLOOR_SCRIPT = `local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return n`

/** A bare EVALSHA of INCR + PEXPIRE through the client's script support (`createScript`, as sluice). */
const floor: UpstashContender = {
  name: 'floor: @upstash/redis EVALSHA of INCR + PEXPIRE',
  group: 'floor',
  async load() {
    return async (client, { limit, windowMs }, namespace) => {
      const script = client.createScript<number>(FLOOR_SCRIPT)
      const px = String(windowMs)
      const start = `${namespace}:`
      return async (key) => (await script.exec([start + key], [px])) <= limit
    }
  },
}

export const SHARED_ALGORITHMS: readonly Shared[] = ['fixedWindow', 'slidingWindow', 'tokenBucket']
export const FLOOR = floor.name

export const UPSTASH_CONTENDERS: readonly UpstashContender[] = [
  sluice('fixedWindow'),
  sluice('slidingWindow'),
  sluice('tokenBucket'),
  sluice('gcra'),
  upstashRatelimit('fixedWindow'),
  upstashRatelimit('slidingWindow'),
  upstashRatelimit('tokenBucket'),
  floor,
]

export function contenderNamed(name: string): UpstashContender {
  const found = UPSTASH_CONTENDERS.find((c) => c.name === name)
  if (found === undefined) throw new Error(`no Upstash contender named ${JSON.stringify(name)}`)
  return found
}
