// @sluice/hybrid: a local-first store that decides in process and merges counts into a shared store.
export type { HybridStoreOptions } from './options.ts'
export { type HybridStore, type HybridStoreStats, hybridStore } from './store.ts'
