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
