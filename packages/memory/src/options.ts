import { ConfigError } from '@sluice/core'

export interface MemoryStoreOptions {
  /**
   * Most keys held at once (one per user key and limit). Past it, the least recently used live
   * key is evicted, after expired ones: a flood of distinct keys can evict live counters.
   * Default 100,000.
   */
  readonly maxKeys?: number
}

export function resolveOptions(options: MemoryStoreOptions): Required<MemoryStoreOptions> {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(`memoryStore() takes an options object, got ${String(options)}`)
  }
  const maxKeys = options.maxKeys ?? 100_000
  if (!Number.isInteger(maxKeys) || maxKeys < 1) {
    throw new ConfigError(`memoryStore: maxKeys must be a positive integer, got ${String(maxKeys)}`)
  }
  return { maxKeys }
}
