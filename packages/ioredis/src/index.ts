export type { IoredisStoreOptions } from './options.ts'
export { ioredisStore } from './store.ts'
