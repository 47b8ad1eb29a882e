import type {} from '@sluice/test-services/vitest'
import { Redis, type RedisConfigNodejs } from '@upstash/redis'
import { inject } from 'vitest'

/**
 * A client of the shared local Upstash server, with the client's defaults (auto-pipelining,
 * base64 responses) unless `config` says otherwise. Nothing to close: it is plain fetch.
 */
export function upstashClient(config: Partial<RedisConfigNodejs> = {}): Redis {
  const { url, token } = inject('upstash')
  return new Redis({ url, token, ...config })
}

let sequence = 0
/** A store prefix no other test uses: nothing is ever flushed. */
export function randomPrefix(area: string): string {
  return `t:${area}:${Math.random().toString(36).slice(2, 10)}${(sequence++).toString(36)}:`
}
