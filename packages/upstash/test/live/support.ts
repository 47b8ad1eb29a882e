// The live tests' client: the real database named by the environment.
import { Redis, type RedisConfigNodejs } from '@upstash/redis'

/** A client of the database in UPSTASH_REDIS_REST_URL / UPSTASH_REDIS_REST_TOKEN (checked by run.ts). */
export function liveClient(config: Partial<RedisConfigNodejs> = {}): Redis {
  return new Redis({
    url: process.env.UPSTASH_REDIS_REST_URL as string,
    token: process.env.UPSTASH_REDIS_REST_TOKEN as string,
    ...config,
  })
}

let sequence = 0
/** A prefix no other run uses; every key this run writes expires (each limit's own TTL). */
export function livePrefix(area: string): string {
  return `sluice-live:${area}:${Date.now().toString(36)}${(sequence++).toString(36)}:`
}
