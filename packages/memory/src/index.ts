export type { MemoryStoreOptions } from './options.ts'
export { type MemoryStoreStats, memoryStore } from './store.ts'
