export type { UpstashStoreOptions } from './options.ts'
export { upstashStore } from './store.ts'
