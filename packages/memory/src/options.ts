// memoryStore's options: their names, defaults and checks, all at construction.
import { ConfigError } from '@sluice/core'
import { optionsObject } from '@sluice/core/store'

export interface MemoryStoreOptions {
  /**
   * Most keys held at once (one per user key and limit). Past it, the least recently used live
   * key is evicted, after expired ones: a flood of distinct keys can evict live counters.
   * Default 100,000.
   */
  readonly maxKeys?: number
  /**
   * Most bytes held at once, as the store counts them (`bytes`): 256 per entry, 2 per key
   * character, 128 plus 8 per number of a sliding log longer than three, 1,024 per limit. Past it,
   * entries are evicted like past `maxKeys`. A key too long to fit is an `InputError`.
   * Default: 672 bytes per key of `maxKeys` (67,200,000, ~64 MiB, for the default 100,000), at
   * least 64 KiB: room for `maxKeys` keys of up to ~200 characters, so only longer keys meet it.
   */
  readonly maxBytes?: number
}

const DEFAULT_MAX_KEYS = 100_000
/** The default budget per key of `maxKeys`: an entry (256) and a key of 208 characters (2 each). */
const DEFAULT_BYTES_PER_KEY = 672
/** Below this a budget holds few keys and is likely a unit slip (`maxBytes: 64` meant as MiB). */
const LEAST_MAX_BYTES = 64 * 1024
const KNOWN = ['maxKeys', 'maxBytes']
// Names from lru-cache and other rate limiters' memory stores.
const FOREIGN: Readonly<Record<string, string>> = {
  max: 'memoryStore counts entries with maxKeys and bytes with maxBytes',
  maxSize: 'memoryStore counts bytes with maxBytes and entries with maxKeys',
  ttl: 'memoryStore keeps no TTL: a counter goes once its window passed, or past maxKeys or maxBytes',
}

export function resolveOptions(options: MemoryStoreOptions): Required<MemoryStoreOptions> {
  optionsObject(options, 'memoryStore', KNOWN, FOREIGN)
  const maxKeys = wholeNumber(options.maxKeys ?? DEFAULT_MAX_KEYS, 'maxKeys', 1, 'a positive integer')
  const maxBytes = wholeNumber(
    options.maxBytes ?? Math.max(LEAST_MAX_BYTES, DEFAULT_BYTES_PER_KEY * maxKeys),
    'maxBytes',
    LEAST_MAX_BYTES,
    `a whole number of bytes of at least ${LEAST_MAX_BYTES} (64 KiB); the default is ${DEFAULT_BYTES_PER_KEY} per key of maxKeys`,
  )
  return { maxKeys, maxBytes }
}

function wholeNumber(value: unknown, name: string, least: number, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < least) {
    const shown = typeof value === 'string' ? JSON.stringify(value) : String(value)
    throw new ConfigError(`memoryStore: ${name} must be ${what}, got ${shown}`)
  }
  return value
}
