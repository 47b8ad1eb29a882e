// The Redis versions sluice's scripts run on, and the once-per-client check of a server's.
import { StoreError } from '@sluice/core'

/**
 * The oldest Redis the scripts run on. They need Lua scripting that may write after reading
 * `TIME`: effects replication, the default since Redis 5.0 (the script also calls
 * `redis.replicate_commands()` where it exists). Valkey reports a compatible `redis_version`.
 */
export const MINIMUM_REDIS_VERSION = '5.0.0'

/** The `redis_version` field of an `INFO server` reply, or `undefined` when it has none. */
export function redisVersionOf(info: string): string | undefined {
  return /^redis_version:([^\r\n]+)/m.exec(info)?.[1]?.trim()
}

/** Whether a `major.minor.patch` version is at least {@link MINIMUM_REDIS_VERSION}. */
export function isSupportedRedisVersion(version: string): boolean {
  const have = version.split('.').map((part) => Number.parseInt(part, 10))
  const need = MINIMUM_REDIS_VERSION.split('.').map(Number)
  for (let i = 0; i < need.length; i++) {
    const a = have[i] ?? 0
    const b = need[i] as number
    if (Number.isNaN(a)) return false
    if (a !== b) return a > b
  }
  return true
}

/** One check per client, shared by every store on it; `true` once passed. */
const checks = new WeakMap<object, Promise<void> | true>()

/** How a store asks its client for `INFO server` and tells a refusal from a connection problem. */
export interface ServerVersionProbe {
  /** The store as named in messages: `'ioredis store'`. */
  readonly store: string
  /** Sends `INFO server`; resolves to the reply's text. */
  readonly info: () => Promise<string>
  /** Whether `error` is the server's answer (such as an ACL refusing INFO), not a lost connection. */
  readonly refused: (error: unknown) => boolean
}

/**
 * Checks once per client, lazily on its first call, that the server runs a Redis the scripts
 * support; undefined once passed. A failed `INFO` (a connection problem) is retried on the next
 * call; a server that refuses `INFO` (an ACL without it) is trusted; a server too old fails every
 * call clearly.
 *
 * @example
 * const ready = () => checkServerVersion(client, { store: 'ioredis store', info: () => client.info('server'), refused: (e) => e instanceof ReplyError })
 */
export function checkServerVersion(client: object, probe: ServerVersionProbe): Promise<void> | undefined {
  const known = checks.get(client)
  if (known === true) return undefined
  if (known !== undefined) return known
  const check = probe.info().then(
    (info) => {
      const version = redisVersionOf(info)
      if (version !== undefined && !isSupportedRedisVersion(version)) {
        throw new StoreError(
          `${probe.store}: the server runs Redis ${version}, older than ${MINIMUM_REDIS_VERSION}, the oldest that sluice's scripts support; upgrade Redis (or use Valkey)`,
        )
      }
      checks.set(client, true)
    },
    (error: unknown) => {
      if (probe.refused(error)) {
        checks.set(client, true)
        return
      }
      checks.delete(client)
      throw error
    },
  )
  checks.set(client, check)
  // Callers await the check; this handler only keeps an abandoned one from going unhandled.
  check.catch(() => undefined)
  return check
}
