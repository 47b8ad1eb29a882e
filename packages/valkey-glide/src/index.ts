export type { ValkeyGlideClient } from './client.ts'
export type { ValkeyGlideStoreOptions } from './options.ts'
export { type ValkeyGlideStore, valkeyGlideStore } from './store.ts'
